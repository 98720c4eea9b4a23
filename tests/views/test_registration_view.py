"""The one-screen registration page, as a clerk uses it (and as others may not)."""
import io
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from models import Attachment, Case, CaseParty, Party, db
from services.validation import id_check_char

URL = "/admin/register/"


def make_id(first17="41142119800101123"):
    return first17 + id_check_char(first17)


GOOD_ID = make_id("41142119850315271")


def base_form(**over):
    data = {
        "channel": "letter", "received_on": "2026-11-19", "source": "own", "purpose": "request",
        "category": "劳动社保", "summary": "信访人反映在某工地务工被拖欠三个月工资。",
        "demands": "要求结清工资。", "incident_place": "河口镇沙湾村", "people_count": "1",
        "petitioners-0-name": "测试人甲", "petitioners-0-sex": "M", "petitioners-0-ethnicity": "汉族",
        "petitioners-0-id_type": "resident", "petitioners-0-id_number": GOOD_ID,
        "petitioners-0-phone": "13912345678", "petitioners-0-address": "示范县河口镇沙湾村3组",
        # empty rows as the page posts them: ignored
        "petitioners-1-name": "", "petitioners-1-id_type": "resident", "petitioners-1-id_number": "",
        "petitioners-2-name": "", "representatives-0-name": "", "accused-0-name": "", "accused-0-kind": "person",
    }
    data.update(over)
    return data


def counts():
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(Case)),
            db.session.scalar(select(func.count()).select_from(Party)))


def page_text(resp):
    return unescape(resp.get_data(as_text=True))


def message_next_to(html, field, message):
    """The message follows the field's input before the next input starts, and the input is marked invalid."""
    start = html.index(f'name="{field}"')
    tag_start = html.rindex("<", 0, start)
    rest = html[start + len(field):]
    nxt = rest.find('name="')
    at = rest.find(f'field-error invalid-feedback d-block">{message}<')
    return "is-invalid" in html[tag_start:start] and 0 <= at and (nxt == -1 or at < nxt)


def field_errors(resp):
    return re.findall(r'class="field-error[^"]*">([^<]+)</div>', page_text(resp))


def test_clerk_registers_a_case_through_the_page(make_client):
    c = make_client("clerk")
    page = c.get(URL)
    html = page_text(page)
    assert page.status_code == 200
    assert "登记信访事项" in html and 'name="petitioners-2-id_number"' in html  # three petitioner rows
    assert 'value="2026-11-20"' in html  # received date defaults to the office's today
    before = counts()
    resp = c.post(URL, data=base_form())
    assert resp.status_code == 302, page_text(resp)[:2000]
    assert "/admin/case/details/" in resp.headers["Location"]
    case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
    assert re.fullmatch(r"2026-\d{6}", case.number)
    assert counts() == (before[0] + 1, before[1] + 1)
    assert case.status == "registered" and not case.is_repeat and not case.is_collective
    assert case.accept_due is not None
    assert [e.action for e in case.events] == ["register"]
    detail = c.get(resp.headers["Location"])
    text = page_text(detail)
    assert f"已登记，编号 {case.number}" in text
    assert case.number in text and "测试人甲" in text and "待受理" in text


def test_known_person_is_found_again_and_earlier_cases_are_linked(make_client):
    c = make_client("clerk")
    earlier = db.session.execute(
        select(Case, Party).join(CaseParty, CaseParty.case_id == Case.id).join(Party)
        .where(CaseParty.role == "petitioner", Party.id_number.is_not(None), Case.status == "closed")
        .order_by(Case.id).limit(1)).first()
    old_case, person = earlier
    before = counts()
    resp = c.post(URL, data=base_form(**{
        "petitioners-0-name": person.name, "petitioners-0-id_number": person.id_number,
        "petitioners-0-phone": "", "petitioners-0-address": ""}))
    assert resp.status_code == 302, page_text(resp)[:2000]
    assert counts() == (before[0] + 1, before[1])  # no second Party row
    case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
    assert case.is_repeat and case.repeat_of_id is not None
    assert case.parties[0].party_id == person.id
    html = page_text(c.get(resp.headers["Location"]))
    assert "同一信访人的此前信访事项" in html
    assert old_case.number in html
    assert "重复访" in html


def test_collective_visit_with_representatives(make_client):
    c = make_client("clerk")
    reps = {}
    for i, seq in enumerate(("301", "412")):
        reps.update({f"representatives-{i}-name": f"代表{i}", f"representatives-{i}-id_type": "resident",
                     f"representatives-{i}-id_number": make_id("4114211970020" + seq + "1"),
                     f"representatives-{i}-phone": f"1380000000{i}"})
    resp = c.post(URL, data=base_form(channel="visit", people_count="12", **reps))
    assert resp.status_code == 302, page_text(resp)[:3000]
    case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
    assert case.is_collective and len(case.parties_with("representative")) == 2
    assert "集体访" in page_text(c.get(resp.headers["Location"]))


BAD_INPUTS = [
    ("bad ID length", {"petitioners-0-id_number": "41142119850315"}, "身份证号码应为18位。",
     "petitioners-0-id_number"),
    ("bad birth date", {"petitioners-0-id_number": make_id("41142119851332271")}, "身份证号码中的出生日期无效。",
     "petitioners-0-id_number"),
    ("future birth date", {"petitioners-0-id_number": make_id("41142120301101271")},
     "身份证号码中的出生日期晚于今天。", "petitioners-0-id_number"),
    ("bad check digit", {"petitioners-0-id_number": GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")},
     "身份证号码校验位不正确，请核对。", "petitioners-0-id_number"),
    ("bad phone", {"petitioners-0-phone": "1234567"},
     "电话号码格式不正确：手机号为11位（如13912345678），固定电话如0571-88888888。", "petitioners-0-phone"),
    ("collective without representatives", {"channel": "visit", "people_count": "6"},
     "集体访（5人及以上来访）须登记1至5名代表人。", "representatives"),
    ("future received date", {"received_on": "2026-11-21"}, "收件日期不能晚于今天。", "received_on"),
    ("bad received date", {"received_on": "2026-13-01"},
     "收件日期格式不正确，应为“年-月-日”，如 2026-03-12、2026/3/12 或 2026年3月12日",
     "received_on"),
    ("missing summary", {"summary": "   "}, "请填写内容摘要。", "summary"),
    ("no petitioner", {"petitioners-0-name": "", "petitioners-0-id_number": "", "petitioners-0-phone": "",
                       "petitioners-0-address": "", "petitioners-0-ethnicity": ""},
     "请至少登记一名信访人（匿名信访请勾选“匿名”）。", "petitioners"),
    ("no people", {"people_count": "0"}, "人数至少为1。", "people_count"),
    ("absurd people count", {"people_count": "99999999999999999999"}, "人数过大，请核对。", "people_count"),
    ("people count not a number", {"people_count": "五"}, "人数应为整数", "people_count"),
    ("ancient received date", {"received_on": "0001-01-01"}, "收件日期不能早于1990年，请核对。", "received_on"),
    ("higher source without doc number", {"source": "higher"}, "上级交办的事项请填写交办文号。", "source_doc_no"),
    ("bad sex code", {"petitioners-0-sex": "X"}, "性别的取值无效", "petitioners-0-sex"),
    ("name too long", {"petitioners-0-name": "名" * 101}, "姓名不能超过100字", "petitioners-0-name"),
    ("unknown channel", {"channel": "pigeon"}, "信访形式的取值无效", "channel"),
    ("name missing in a filled row", {"petitioners-0-name": ""}, "请填写姓名或单位名称。", "petitioners-0-name"),
]


@pytest.mark.parametrize("over,message,field", [b[1:] for b in BAD_INPUTS], ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_shows_its_message_and_stores_nothing(make_client, over, message, field):
    c = make_client("clerk")
    before = counts()
    resp = c.post(URL, data=base_form(**over))
    assert resp.status_code == 200
    assert message in field_errors(resp), field_errors(resp)
    html = page_text(resp)
    assert "未保存" in html
    if field not in ("representatives", "petitioners"):
        # the message sits next to its own field, which is marked invalid
        assert message_next_to(html, field, message), field
    # what was typed is kept
    assert "信访人反映在某工地务工被拖欠三个月工资。" in html or field == "summary"
    assert 'value="河口镇沙湾村"' in html
    assert counts() == before


def test_more_than_five_representatives(make_client):
    c = make_client("clerk")
    reps = {}
    for i in range(6):
        reps.update({f"representatives-{i}-name": f"代表{i}", f"representatives-{i}-phone": f"1390000001{i}"})
    before = counts()
    resp = c.post(URL, data=base_form(channel="visit", people_count="40", **reps))
    assert resp.status_code == 200
    assert "代表人最多5名。" in field_errors(resp)
    assert 'name="representatives-5-name"' in page_text(resp)  # the sixth row is shown again
    assert counts() == before


def test_several_errors_at_once_all_shown(make_client):
    c = make_client("clerk")
    before = counts()
    resp = c.post(URL, data=base_form(**{"summary": "", "petitioners-0-phone": "abc",
                                         "petitioners-0-id_number": "123"}))
    errs = field_errors(resp)
    assert {"请填写内容摘要。", "身份证号码应为18位。"} <= set(errs)
    assert any(e.startswith("电话号码格式不正确") for e in errs)
    assert counts() == before


def test_anonymous_letter_needs_no_petitioner(make_client):
    c = make_client("clerk")
    resp = c.post(URL, data=base_form(**{"is_anonymous": "y", "purpose": "accusation", "category": "纪检监察",
                                         "petitioners-0-name": "", "petitioners-0-id_number": "",
                                         "petitioners-0-phone": "", "petitioners-0-address": "",
                                         "petitioners-0-ethnicity": "",
                                         "accused-0-name": "某村会计", "accused-0-kind": "person"}))
    assert resp.status_code == 302, page_text(resp)[:2000]
    case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
    assert case.is_anonymous and case.petitioners == [] and len(case.parties_with("accused")) == 1


def test_original_letter_uploaded_with_registration_and_downloaded(make_client):
    c = make_client("clerk")
    data = base_form(letter_kind="letter")
    data["letter_file"] = (io.BytesIO(b"%PDF-1.4 test"), "张三来信 原件.pdf")
    resp = c.post(URL, data=data, content_type="multipart/form-data")
    assert resp.status_code == 302, page_text(resp)[:2000]
    case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
    att = db.session.scalar(select(Attachment).where(Attachment.case_id == case.id))
    assert att.filename == "张三来信 原件.pdf" and att.kind == "letter" and att.size == 13
    assert "张三来信" not in att.stored_path
    got = c.get(f"/admin/attachment/{att.id}")
    assert got.status_code == 200 and got.data == b"%PDF-1.4 test"
    assert "filename*=UTF-8''" in got.headers["Content-Disposition"]


def test_bad_upload_type_stores_nothing(make_client):
    c = make_client("clerk")
    before = counts()
    data = base_form()
    data["letter_file"] = (io.BytesIO(b"MZ..."), "virus.exe")
    resp = c.post(URL, data=data, content_type="multipart/form-data")
    assert resp.status_code == 200
    assert any(e.startswith("不支持该文件类型") for e in field_errors(resp))
    assert counts() == before


@pytest.mark.parametrize("username", ["handler1", "handler2", "leader", "archivist", "admin"])
def test_others_cannot_open_or_post_the_registration_page(make_client, username):
    c = make_client(username)
    assert c.get(URL).status_code == 403
    before = counts()
    assert c.post(URL, data=base_form()).status_code == 403
    assert counts() == before
    assert "登记信访事项" not in page_text(c.get("/admin/"))  # not in the menu either


def test_anonymous_is_sent_to_login(make_client):
    c = make_client()
    resp = c.get(URL)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    before = counts()
    resp = c.post(URL, data=base_form())
    assert resp.status_code == 302 and "/login" in resp.headers["Location"] and counts() == before


def test_clerk_sees_the_menu_entry(make_client):
    assert "登记信访事项" in page_text(make_client("clerk").get("/admin/"))


# ---- attachment doors ----------------------------------------------------------------------

def _case_in(status, dept_name=None):
    from models import Department
    q = select(Case).where(Case.status == status)
    if dept_name:
        q = q.join(Department, Department.id == Case.department_id).where(Department.name == dept_name)
    return db.session.scalar(q.order_by(Case.id).limit(1))


def test_handler_uploads_to_own_case_and_others_cannot_download(make_client):
    case = _case_in("handling", "县住房和城乡建设局")
    h1 = make_client("handler1")
    resp = h1.post(f"/admin/attachment/upload/{case.id}",
                   data={"kind": "evidence", "file": (io.BytesIO(b"photo"), "../../现场照片.jpg")},
                   content_type="multipart/form-data")
    assert resp.status_code == 302 and f"id={case.id}" in resp.headers["Location"]
    att = db.session.scalar(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id.desc()))
    assert att.filename == "现场照片.jpg" and att.kind == "evidence"
    assert any(e.action == "attach" for e in db.session.get(Case, case.id).events)
    assert h1.get(f"/admin/attachment/{att.id}").status_code == 200
    assert make_client("clerk").get(f"/admin/attachment/{att.id}").status_code == 200
    assert make_client("handler2").get(f"/admin/attachment/{att.id}").status_code == 404
    assert make_client("handler2").post(
        f"/admin/attachment/upload/{case.id}", data={"kind": "other", "file": (io.BytesIO(b"x"), "a.pdf")},
        content_type="multipart/form-data").status_code == 404
    assert make_client().get(f"/admin/attachment/{att.id}").status_code == 302  # to /login
    assert make_client("clerk").get("/admin/attachment/999999").status_code == 404


def test_upload_refused_for_archived_case_and_for_leaders(make_client):
    archived = _case_in("archived")
    before = db.session.scalar(select(func.count()).select_from(Attachment))
    resp = make_client("clerk").post(
        f"/admin/attachment/upload/{archived.id}",
        data={"kind": "other", "file": (io.BytesIO(b"x"), "a.pdf")}, content_type="multipart/form-data")
    assert resp.status_code == 302
    c = make_client("clerk")
    c.post(f"/admin/attachment/upload/{archived.id}",
           data={"kind": "other", "file": (io.BytesIO(b"x"), "a.pdf")}, content_type="multipart/form-data")
    assert "已归档的信访事项不能再上传附件。" in page_text(c.get(f"/admin/case/details/?id={archived.id}"))
    handling = _case_in("handling")
    leader = make_client("leader2")
    code = leader.post(f"/admin/attachment/upload/{handling.id}",
                       data={"kind": "other", "file": (io.BytesIO(b"x"), "a.pdf")},
                       content_type="multipart/form-data").status_code
    assert code in (403, 404)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == before


def test_upload_refused_for_voided_case(make_client):
    voided = _case_in("voided")
    before = db.session.scalar(select(func.count()).select_from(Attachment))
    c = make_client("clerk")
    c.post(f"/admin/attachment/upload/{voided.id}",
           data={"kind": "other", "file": (io.BytesIO(b"x"), "a.pdf")}, content_type="multipart/form-data")
    assert "已作废的信访事项不能再上传附件。" in page_text(c.get(f"/admin/case/details/?id={voided.id}"))
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == before
