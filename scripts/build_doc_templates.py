"""Build the shipped default .docx templates (templates/docx/<kind>.docx) with python-docx.

    .venv/bin/python scripts/build_doc_templates.py

The files are committed; this script makes them again, byte for byte (fixed document properties
and zip timestamps). The fields are docxtpl (Jinja) tags; services/documents.KEYS lists them.
An office edits its copy in Word (letterhead, wording, seal) and uploads it under 系统管理 → 文书模板.
"""
import datetime
import io
import os
import sys
import zipfile

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
OUT = os.path.join(ROOT, "templates", "docx")
FIXED = datetime.datetime(2026, 1, 1)

BODY_FONT, TITLE_FONT = "仿宋", "宋体"


def _font(run, name, size, bold=False):
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def new_doc():
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    props = doc.core_properties
    props.author = props.last_modified_by = "信访事项管理台"
    props.created = props.modified = FIXED
    props.revision = 1
    props.title = ""
    return doc


def para(doc, text, size=16, bold=False, align=None, indent=True, font=BODY_FONT, after=0):
    p = doc.add_paragraph()
    if align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif align == "right":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.space_after = Pt(after)
    p.paragraph_format.line_spacing = Pt(28) if size >= 14 else None
    _font(p.add_run(text), font, size, bold)
    return p


def letterhead(doc, numbered=True):
    para(doc, "{{ office_name }}", 22, True, "center", font=TITLE_FONT)
    para(doc, "{{ title }}", 22, True, "center", font=TITLE_FONT, after=6)
    if numbered:
        para(doc, "{{ doc_number }}", 16, align="right")


def signoff(doc):
    para(doc, "")
    para(doc, "{{ office_name }}（印章）", align="right")
    para(doc, "{{ print_date }}", align="right")


def table(doc, rows, widths=(4, 12.6), size=12):
    """rows: [(label, value), ...] or [(label, value, label, value), ...]."""
    cols = max(len(r) for r in rows)
    t = doc.add_table(rows=0, cols=cols)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r in rows:
        cells = t.add_row().cells
        texts = list(r)
        if len(texts) < cols:  # a value spanning the rest of the row
            merged = cells[1].merge(cells[cols - 1])
            cells = [cells[0], merged]
        for i, text in enumerate(texts):
            cells[i].text = ""
            _font(cells[i].paragraphs[0].add_run(text), BODY_FONT, size, bold=(i % 2 == 0))
    if cols == 2:
        for row in t.rows:
            row.cells[0].width, row.cells[1].width = Cm(widths[0]), Cm(widths[1])
    return t


def loop_table(doc, headers, var, item, fields, size=12):
    """A table with one row per item of `var` (docxtpl's {%tr %} rows)."""
    t = doc.add_table(rows=0, cols=len(headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    cells = t.add_row().cells
    for i, h in enumerate(headers):
        _font(cells[i].paragraphs[0].add_run(h), BODY_FONT, size, True)
    _font(t.add_row().cells[0].paragraphs[0].add_run(f"{{%tr for {item} in {var} %}}"), BODY_FONT, size)
    cells = t.add_row().cells
    for i, f in enumerate(fields):
        _font(cells[i].paragraphs[0].add_run(f"{{{{ {item}.{f} }}}}"), BODY_FONT, size)
    _font(t.add_row().cells[0].paragraphs[0].add_run("{%tr endfor %}"), BODY_FONT, size)
    return t


def form_title(doc):
    para(doc, "{{ office_name }}", 16, True, "center", font=TITLE_FONT)
    para(doc, "{{ title }}", 20, True, "center", font=TITLE_FONT, after=6)
    para(doc, "编号：{{ case_number }}    查询码：{{ query_code }}    打印日期：{{ print_date }}", 10.5, align="right")


PARTY_HEADERS = ("身份", "姓名", "性别", "证件号码", "联系电话", "住址")
PARTY_FIELDS = ("role", "name", "sex", "id_number", "phone", "address")


def registration(doc):
    form_title(doc)
    table(doc, [("收件日期", "{{ received_on }}", "信访形式", "{{ channel }}"),
                ("类别", "{{ purpose }}", "问题分类", "{{ category }}"),
                ("人数", "{{ people_count }}", "集体访", "{{ is_collective }}"),
                ("问题属地", "{{ incident_place }}"),
                ("内容摘要", "{{ summary }}"),
                ("诉求", "{{ demands }}"),
                ("被反映人（单位）", "{{ accused_names }}"),
                ("状态", "{{ status }}", "责任单位", "{{ department }}"),
                ("承办人", "{{ handler }}", "受理日期", "{{ accepted_on }}")], size=10.5)
    para(doc, "当事人", 12, True, indent=False)
    loop_table(doc, PARTY_HEADERS, "parties", "p", PARTY_FIELDS, size=10.5)
    para(doc, "登记人：{{ printed_by }}", 12, align="right")


def notice(body):
    def build(doc):
        letterhead(doc)
        para(doc, "{{ addressee }}：", indent=False)
        for text in body:
            para(doc, text)
        signoff(doc)
        para(doc, "（查询码：{{ query_code }}，可凭此码查询办理情况）", 12, indent=False)
    return build


accept_notice = notice([
    "你（们）于{{ received_on }}以{{ channel }}形式提出的信访事项（编号{{ case_number }}），反映：{{ summary }}",
    "根据{{ legal_basis }}的有关规定，经审查，该信访事项符合受理条件，本机关已于{{ accepted_on }}依法受理，"
    "将按规定转交（交办）有权处理的机关、单位办理，并在法定期限内书面答复。",
    "特此告知。",
])
decline_notice = notice([
    "你（们）于{{ received_on }}以{{ channel }}形式提出的信访事项（编号{{ case_number }}），反映：{{ summary }}",
    "经审查，该信访事项不予受理，理由如下：{{ reason }}",
    "依据：{{ legal_basis }}的有关规定。{{ channel_advice }}",
    "特此告知。",
])
refuse_notice = notice([
    "你（们）于{{ received_on }}以{{ channel }}形式提出的信访事项（编号{{ case_number }}），反映：{{ summary }}",
    "经审查，该信访事项不再受理，理由如下：{{ reason }}",
    "依据：{{ legal_basis }}的有关规定，信访人对信访事项处理（复查、复核）意见不服、仍以同一事实和理由提出信访的，"
    "信访工作机构和其他机关、单位不再受理。{{ channel_advice }}",
    "特此告知。",
])
extension_notice = notice([
    "你（们）于{{ received_on }}提出的信访事项（编号{{ case_number }}），已由{{ department }}依法办理，"
    "原定办理期限至{{ base_due }}。",
    "因{{ extension_reason }}，经批准，办理期限延长{{ extension_days }}日，至{{ new_due }}。"
    "办理机关将在延长的期限内作出书面答复。",
    "特此告知。",
])


def reply_opinion(doc):
    letterhead(doc)
    para(doc, "{{ addressee }}：", indent=False)
    para(doc, "你（们）于{{ received_on }}提出的信访事项（编号{{ case_number }}）收悉。你（们）反映：{{ summary }}"
              "诉求：{{ demands }}")
    para(doc, "经调查核实，现答复如下：")
    para(doc, "{{ reply_text }}")
    para(doc, "{{ review_right }}{% if review_deadline %}（请于{{ review_deadline }}前提出）{% endif %}")
    signoff(doc)


def assign_slip(doc):
    letterhead(doc)
    para(doc, "{{ department }}：", indent=False)
    para(doc, "现将{{ received_on }}收到的信访事项（编号{{ case_number }}）交由你单位办理。请依法依规调查处理，"
              "于{{ handle_due }}前将办理结果书面答复信访人，并将答复意见书、送达回证和办结报告报送本机关。")
    table(doc, [("信访人", "{{ petitioner_names }}"), ("信访形式", "{{ channel }}"),
                ("问题分类", "{{ category }}"), ("内容摘要", "{{ summary }}"), ("诉求", "{{ demands }}"),
                ("配合单位", "{{ assists }}"), ("办理期限", "{{ handle_due }}"), ("交办意见", "{{ assign_note }}")])
    signoff(doc)


def forward_letter(doc):
    letterhead(doc)
    para(doc, "{{ forward_to }}：", indent=False)
    para(doc, "本机关于{{ received_on }}收到信访人{{ petitioner_names }}提出的信访事项（编号{{ case_number }}），"
              "反映：{{ summary }}")
    para(doc, "根据{{ legal_basis }}的有关规定，该事项属于你机关（单位）职责范围，现予转送，请依法处理，"
              "并按规定书面答复信访人。")
    signoff(doc)


def supervise_letter(doc):
    letterhead(doc)
    para(doc, "{{ department }}：", indent=False)
    para(doc, "本机关于{{ assigned_on }}交由你单位办理的信访事项（编号{{ case_number }}，反映：{{ summary }}），"
              "办理期限至{{ handle_due }}。现就该事项督办（第{{ supervise_count }}次，{{ supervise_method }}）。")
    para(doc, "督办意见：{{ supervise_note }}")
    para(doc, "请你单位高度重视，抓紧办理，在办理期限内答复信访人，并将办理情况书面报送本机关。")
    signoff(doc)


def close_approval(doc):
    form_title(doc)
    table(doc, [("信访人", "{{ petitioner_names }}"), ("内容摘要", "{{ summary }}"),
                ("责任单位", "{{ department }}"), ("承办人", "{{ handler }}"),
                ("答复意见", "{{ reply_text }}"), ("答复日期", "{{ replied_on }}（{{ reply_method }}）"),
                ("办结报告", "{{ handling_report }}")], size=10.5)
    para(doc, "结案条件核对", 12, True, indent=False)
    loop_table(doc, ("核对事项", "是否齐全"), "checklist", "c", ("item", "done"), size=10.5)
    table(doc, [("申请结案日期", "{{ close_requested_on }}"), ("审批领导", "{{ approver }}"),
                ("审批意见", "{{ approval_note }}"), ("审批日期", "{{ closed_on }}")], size=10.5)


def reception_record(doc):
    form_title(doc)
    table(doc, [("接待日期", "{{ reception_day }}", "接待地点", "{{ reception_place }}"),
                ("接待领导", "{{ leader }}", "人数", "{{ people_count }}"),
                ("来访事由", "{{ summary }}"), ("诉求", "{{ demands }}"),
                ("领导批示", "{{ leader_instruction }}"),
                ("责任单位", "{{ department }}", "办理期限", "{{ handle_due }}")], size=10.5)
    para(doc, "来访人", 12, True, indent=False)
    loop_table(doc, PARTY_HEADERS, "parties", "p", PARTY_FIELDS, size=10.5)


def loan_form(doc):
    form_title(doc)
    table(doc, [("档号", "{{ archive_number }}"), ("借阅人", "{{ loan_borrower }}"), ("借阅单位", "{{ loan_unit }}"),
                ("借阅目的", "{{ loan_purpose }}"), ("申请日期", "{{ loan_requested_on }}"),
                ("审批领导", "{{ loan_approver }}"), ("应归还日期", "{{ loan_due_back }}"), ("状态", "{{ loan_status }}")])


def volume_cover(doc):
    para(doc, "{{ office_name }}", 22, True, "center", font=TITLE_FONT)
    para(doc, "信访事项{{ volume_type }}", 26, True, "center", font=TITLE_FONT, after=24)
    table(doc, [("档号", "{{ archive_number }}"), ("信访事项编号", "{{ case_number }}"),
                ("题名", "{{ petitioner_names }}反映{{ category }}问题"), ("责任单位", "{{ department }}"),
                ("收件日期", "{{ received_on }}"), ("办结日期", "{{ closed_on }}"), ("归档日期", "{{ filed_on }}"),
                ("页数", "{{ page_count }}"), ("保管期限", "{{ retention }}"), ("存放位置", "{{ location }}")], size=14)


def volume_catalogue(doc):
    form_title(doc)
    para(doc, "档号：{{ archive_number }}", 12, indent=False)
    loop_table(doc, ("序号", "材料名称"), "catalogue", "c", ("no", "title"))
    para(doc, "共{{ page_count }}页", 12, align="right")


BUILDERS = {
    "registration": registration, "accept_notice": accept_notice, "decline_notice": decline_notice,
    "refuse_notice": refuse_notice, "extension_notice": extension_notice, "assign_slip": assign_slip,
    "forward_letter": forward_letter, "supervise_letter": supervise_letter, "reply_opinion": reply_opinion,
    "close_approval": close_approval, "reception_record": reception_record, "loan_form": loan_form,
    "volume_cover": volume_cover, "volume_catalogue": volume_catalogue,
}


def reproducible(data):
    """The same zip with fixed member timestamps."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


def build(kind):
    doc = new_doc()
    BUILDERS[kind](doc)
    buf = io.BytesIO()
    doc.save(buf)
    return reproducible(buf.getvalue())


def main():
    from services.documents import DOCS
    assert set(BUILDERS) == set(DOCS), set(BUILDERS) ^ set(DOCS)
    os.makedirs(OUT, exist_ok=True)
    for kind in DOCS:
        with open(os.path.join(OUT, f"{kind}.docx"), "wb") as f:
            f.write(build(kind))
        print(f"templates/docx/{kind}.docx")


if __name__ == "__main__":
    main()
