"""Issue 14, part 2: Excel that a higher body can print and file. Every workbook the app produces
opens with openpyxl and carries its print setup; the ledger's columns and values on a known case;
the column chooser; file names; rate changes in 个百分点."""
import io
import re
from datetime import date, datetime, timedelta
from urllib.parse import unquote

import openpyxl
import pytest
from sqlalchemy import select

from models import (ArchiveRecord, AuditLog, CaseEvent, CaseParty, Party, PackageAssignment, UserPreference,
                    db)
from services import clock, excel, ledger, statistics
from tests.services.test_statistics import add_case, build_month, build_office
from views.dashboard import EQ, case_list_url

OFFICE = "示范县信访局"
FOOTER = "第 &P 页 共 &N 页"


@pytest.fixture
def office(app):
    o = build_office(db.session)
    build_month(db.session, o)
    closed = db.session.execute(select(statistics.Case).where(
        statistics.Case.closed_on == date(2026, 11, 5))).scalar_one()
    db.session.add(ArchiveRecord(case_id=closed.id, archive_number="XF-2026-0001", volume_type="special",
                                 retention="10y", location="档案室A柜", page_count=23, filed_on=date(2026, 11, 18)))
    db.session.commit()
    return o


def _book(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(resp.get_data()))


def _filename(resp):
    """The download name as a browser reads it (RFC 5987 filename*)."""
    disposition = resp.headers["Content-Disposition"]
    m = re.search(r"filename\*=UTF-8''([^;]+)", disposition)
    assert disposition.startswith("attachment;") and m, disposition
    return unquote(m.group(1))


def _stamp():
    return f"{clock.today():%Y%m%d}"


def _check_print_setup(ws, *, paper, header_rows, period, numbered=True):
    ps = ws.page_setup
    assert ps.orientation == "landscape", ws.title
    assert int(ps.paperSize) == paper, ws.title
    assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    # one page wide (fitToWidth 1 is the file format's default, left out by xlsxwriter), any pages tall
    assert (int(ps.fitToWidth or 1), int(ps.fitToHeight)) == (1, 0), ws.title
    if header_rows:
        assert ws.print_title_rows == header_rows, ws.title
    assert ws.oddFooter.center.text == FOOTER, ws.title
    assert ws.oddHeader.left.text == OFFICE, ws.title
    assert period in ws.oddHeader.right.text, (ws.title, ws.oddHeader.right.text)
    assert ws.page_margins.left == pytest.approx(0.4) and ws.page_margins.top == pytest.approx(0.75)
    if numbered:
        first = int(header_rows.split(":")[1].lstrip("$"))
        assert ws.cell(first, 1).value == "序号", ws.title


def test_every_workbook_prints_on_paper(office, app_client):
    clerk = app_client("clerk")
    today = clock.today()
    as_of = f"截至{today:%Y年%m月%d日}"
    # the ledger: A3, its header row (3) on every page
    for resp in (clerk.get("/admin/case/export.xlsx"), clerk.post("/admin/case/ledger/", {"all": "1"})):
        ws = _book(resp).active
        _check_print_setup(ws, paper=8, header_rows="$3:$3", period=as_of)
    # the statistics report: a form, not a list (no 序号); two header rows
    ws = _book(clerk.get("/admin/statistics/export.xlsx?kind=month&year=2026&month=11")).active
    _check_print_setup(ws, paper=9, header_rows="$3:$4", period="2026年11月", numbered=False)
    assert ws["A3"].value == "项目"
    ws = _book(clerk.get("/admin/overdue/export.xlsx")).active
    _check_print_setup(ws, paper=9, header_rows="$3:$3", period=as_of)
    ws = _book(clerk.get("/admin/sheets/packages.xlsx")).active
    _check_print_setup(ws, paper=9, header_rows="$3:$3", period=as_of)
    ws = _book(clerk.get("/admin/sheets/archive.xlsx")).active
    _check_print_setup(ws, paper=9, header_rows="$3:$3", period=as_of)
    ws = _book(clerk.get("/admin/reception-calendar/export/?month=2026-11")).active
    _check_print_setup(ws, paper=9, header_rows="$3:$3", period="2026年11月")
    # the import template: its first row is what the import reads, repeated on every page
    book = _book(clerk.get("/admin/import/template.xlsx"))
    _check_print_setup(book["信访事项台账"], paper=9, header_rows="$1:$1", period="导入模板", numbered=False)
    _check_print_setup(book["填写说明"], paper=9, header_rows=None, period="导入模板", numbered=False)


def test_the_screening_and_assessment_workbooks_print_on_paper(app, app_client):
    import demo
    demo.build_demo_office(db.session, cases=0)
    db.session.commit()
    clerk = app_client("clerk")
    ws = _book(clerk.get("/admin/screening-stats/export.xlsx?month=2026-11")).active
    _check_print_setup(ws, paper=9, header_rows="$3:$3", period="2026年11月", numbered=False)
    ws = _book(clerk.get("/admin/screening-major/export.xlsx?month=2026-11")).active
    _check_print_setup(ws, paper=9, header_rows="$3:$3", period="2026年11月")
    ws = _book(clerk.get("/admin/screening-backlog/export.xlsx")).active
    _check_print_setup(ws, paper=9, header_rows="$3:$3", period=f"截至{clock.today():%Y年%m月%d日}")
    ws = _book(clerk.get("/admin/assessment/export.xlsx?year=2026&quarter=0")).active
    _check_print_setup(ws, paper=9, header_rows="$3:$4", period="2026年", numbered=False)
    assert ws["A3"].value == "序号"  # merged over the two header rows


def test_package_ledger_of_the_package_screen_prints_too(office, app_client):
    db.session.add(PackageAssignment(title="包案甲", leader_id=office["leader"].id, responsible_person="李科长",
                                     department_id=office["housing"].id, deadline=date(2026, 12, 31), plan="约谈"))
    db.session.commit()
    resp = app_client("clerk").get("/admin/package/ledger/")
    _check_print_setup(_book(resp).active, paper=9, header_rows="$3:$3",
                       period=f"截至{clock.today():%Y年%m月%d日}")


def test_write_table_numbers_rows_and_prints(tmp_path):
    path = str(tmp_path / "n.xlsx")
    n = excel.write_table(
        path, sheet_title="排查", title=f"{OFFICE}矛盾纠纷排查表", columns=[excel.Column("单位"), excel.Column("件数", 8, "int")],
        rows=[excel.Section("一、乡镇"), ["城关镇", 3], ["河口乡", 1], excel.Section("二、部门"), ["县住建局", 2]],
        totals=["合计", None, 6], office=OFFICE, period="2026年11月")
    assert n == 3
    ws = openpyxl.load_workbook(path).active
    assert [c.value for c in ws[2]] == ["序号", "单位", "件数"]
    cells = [r for r in ws.iter_rows(min_row=3, values_only=True)]
    assert cells == [("一、乡镇", None, None), (1, "城关镇", 3), (2, "河口乡", 1), ("二、部门", None, None),
                     (3, "县住建局", 2), ("合计", None, 6)]
    _check_print_setup(ws, paper=9, header_rows="$2:$2", period="2026年11月")
    assert excel.new_workbook(str(tmp_path / "m.xlsx")).constant_memory  # the ledger streams


def test_a_rate_change_reads_in_percentage_points(tmp_path):
    path = str(tmp_path / "p.xlsx")
    excel.write_table(path, sheet_title="s", title="t", numbered=False,
                      columns=[excel.Column("项目"), excel.Column("同比", 10, "points"), excel.Column("环比", 10, "delta")],
                      rows=[["受理率", 0.133, excel.Cell(-0.05, "points")], ["信访总量", excel.Cell(0.133, "delta"), None]])
    ws = openpyxl.load_workbook(path).active
    assert (ws["B3"].value, ws["C3"].value) == ("+13.3个百分点", "-5.0个百分点")
    assert ws["B4"].value == pytest.approx(0.133) and ws["B4"].number_format == "+0.0%;-0.0%;0.0%"


def test_statistics_sheet_shows_rate_changes_like_the_screen(office, app_client):
    from views.pages.statistics import fmt_change
    rep = statistics.report(db.session, office["clerk"], statistics.month(2026, 11))
    rate = rep.line("accept_rate")
    ws = _book(app_client("clerk").get("/admin/statistics/export.xlsx?kind=month&year=2026&month=11")).active
    row = next(r for r in ws.iter_rows(values_only=True) if r[0] == rate.label)
    assert row[1] == "%" and row[2] == pytest.approx(rate.cur)
    for value, cell in ((rate.yoy, row[4]), (rate.mom, row[6])):
        if value is None:
            assert cell is None
        else:
            assert cell == fmt_change("pct", value) and cell.endswith("个百分点") and "%" not in cell


# ---- the ledger on a known case --------------------------------------------------------------------

@pytest.fixture
def known(office):
    """Three cases of 县住建局 whose every ledger cell the test writes down."""
    today = clock.today()
    s = db.session
    wang = Party(name="王五", id_number="110101199003071234", phone="13812345678")
    zhao = Party(name="赵六")
    secret = Party(name="举报人丙", id_number="110101198505051236")
    s.add_all([wang, zhao, secret])
    running = add_case(s, date(2026, 11, 2), "visit", "request", "城乡建设", office["housing"], wang,
                       people_count=8, summary="已知事项：安置房延期交付", demands="要求尽快交房",
                       incident_place="城关镇幸福路", status="handling", handler_id=office["handler1"].id,
                       accepted_on=date(2026, 11, 3), accept_notice_on=date(2026, 11, 3),
                       assigned_on=date(2026, 11, 4), signed_on=date(2026, 11, 5),
                       handle_due=today - timedelta(days=3))
    running.parties.append(CaseParty(party=zhao, role="representative"))
    for n in range(2):
        s.add(CaseEvent(case_id=running.id, action="supervise", note=f"第{n + 1}次督办"))
    finished = add_case(s, date(2026, 10, 8), "letter", "request", "城乡建设", office["housing"], zhao,
                        summary="已知事项：路灯不亮", demands="修复路灯", incident_place="河口乡",
                        status="closed", handler_id=office["handler1"].id, accepted_on=date(2026, 10, 9),
                        accept_notice_on=date(2026, 10, 9), assigned_on=date(2026, 10, 10),
                        signed_on=date(2026, 10, 10), handle_due=date(2026, 12, 7),
                        replied_on=date(2026, 11, 6), reply_method="phone", satisfaction="basic",
                        closed_on=date(2026, 11, 12))
    accusation = add_case(s, date(2026, 11, 9), "online", "accusation", "城乡建设", office["housing"], secret,
                          summary="已知事项：举报工程质量", status="assigned", accepted_on=date(2026, 11, 10),
                          accept_notice_on=date(2026, 11, 10), assigned_on=date(2026, 11, 10),
                          handle_due=today + timedelta(days=5))
    s.commit()
    return {"running": running, "finished": finished, "accusation": accusation, "today": today, **office}


def _ledger_rows(resp):
    ws = _book(resp).active
    header = [c.value for c in ws[3]]
    rows = {r[header.index("编号")]: r for r in ws.iter_rows(min_row=4, values_only=True)
            if isinstance(r[0], int)}
    return ws, header, rows


def _day(d):
    return datetime(d.year, d.month, d.day)


def test_ledger_columns_and_values_of_a_known_case(known, app_client):
    run, fin, acc, today = known["running"], known["finished"], known["accusation"], known["today"]
    ws, header, rows = _ledger_rows(app_client("clerk").get("/admin/case/export.xlsx?search=已知事项"))
    assert header == ["序号", "编号", "收件日期", "信访形式", "信访人", "人数", "代表人", "类别", "问题分类", "内容摘要",
                      "诉求", "问题属地", "责任单位", "承办人", "交办日期", "签收日期", "办理期限", "剩余/超期天数",
                      "督办次数", "状态", "答复日期", "答复方式", "满意度", "结案日期"]
    assert list(rows) == [acc.number, fin.number, run.number]  # newest first, numbered 1..3
    assert [r[0] for r in rows.values()] == [1, 2, 3]
    assert rows[run.number][1:] == (
        run.number, datetime(2026, 11, 2), "来访", "王五", 8, "赵六", "申诉求决类", "城乡建设",
        "已知事项：安置房延期交付", "要求尽快交房", "城关镇幸福路", "县住房和城乡建设局", "李住建",
        datetime(2026, 11, 4), datetime(2026, 11, 5), _day(today - timedelta(days=3)), "超期3天", 2, "办理中",
        None, None, None, None)
    assert rows[fin.number][1:] == (
        fin.number, datetime(2026, 10, 8), "来信", "赵六", 1, None, "申诉求决类", "城乡建设", "已知事项：路灯不亮",
        "修复路灯", "河口乡", "县住房和城乡建设局", "李住建", datetime(2026, 10, 10), datetime(2026, 10, 10),
        datetime(2026, 12, 7), None, 0, "已办结", datetime(2026, 11, 6), "电话", "基本满意", datetime(2026, 11, 12))
    acc_row = rows[acc.number]
    assert acc_row[4] == "举报人丙" and acc_row[7] == "检举控告类" and acc_row[17] == "剩5天"
    total = next(r for r in ws.iter_rows(values_only=True) if r[0] == "合计")
    assert total[1] == "3件" and total[5] == 10
    assert "110101" not in " ".join(str(v) for r in ws.iter_rows(values_only=True) for v in r if v)


def test_ledger_masks_the_accuser_for_a_handler(known, app_client):
    run, acc = known["running"], known["accusation"]
    ws, header, rows = _ledger_rows(app_client("handler1").get("/admin/case/export.xlsx?search=已知事项"))
    assert rows[acc.number][header.index("信访人")] == "（保密）"
    assert rows[run.number][header.index("信访人")] == "王五" and rows[run.number][header.index("代表人")] == "赵六"
    text = " ".join(str(v) for r in ws.iter_rows(values_only=True) for v in r if v)
    assert "举报人丙" not in text


def test_ledger_runs_a_fixed_number_of_queries(known):
    """No query per row: the same count of statements for 3 cases as for 1."""
    from sqlalchemy import event
    from models import Case

    def count(where):
        seen = []
        listener = lambda *a, **k: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            q = db.session.query(Case).filter(where)
            rows = list(ledger.iter_ledger_rows(db.session, known["handler1"], q, {"rows": 0, "people": 0}))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(rows), len(seen)

    one = count(Case.id == known["running"].id)
    three = count(Case.summary.like("已知事项%"))
    assert (one[0], three[0]) == (1, 3) and one[1] == three[1]


# ---- the column chooser ------------------------------------------------------------------------------

FIVE = ["满意度", "编号", "信访人", "状态", "收件日期"]  # ticked in any order
FIVE_IN_ORDER = ["编号", "收件日期", "信访人", "状态", "满意度"]


def test_column_chooser_exports_the_chosen_columns_and_remembers_them(known, app_client):
    clerk = app_client("clerk")
    page = clerk.get("/admin/case/ledger/?search=已知事项").get_data(as_text=True)
    assert page.count("<h1") == 1 and "导出信访事项台账" in page and "搜索“已知事项”" in page
    assert page.count('type="checkbox" name="columns"') == 23
    assert len(re.findall(r'id="col-\d+"\s+checked', page)) == 23
    resp = clerk.post("/admin/case/ledger/?search=已知事项", {"columns": FIVE})
    ws, header, rows = _ledger_rows(resp)
    assert header == ["序号"] + FIVE_IN_ORDER
    run = known["running"]
    assert rows[run.number] == (3, run.number, datetime(2026, 11, 2), "王五", "办理中", None)
    # remembered: the next export and the chooser page
    ws, header, _rows = _ledger_rows(clerk.get("/admin/case/export.xlsx?search=已知事项"))
    assert header == ["序号"] + FIVE_IN_ORDER
    page = clerk.get("/admin/case/ledger/").get_data(as_text=True)
    checked = re.findall(r'value="([^"]+)" id="col-\d+"\s+checked', page)
    assert checked == FIVE_IN_ORDER
    # another user is unaffected
    _ws, header, _rows = _ledger_rows(app_client("handler1").get("/admin/case/export.xlsx"))
    assert header == ledger.HEADERS
    # 导出全部列 restores every column
    _ws, header, _rows = _ledger_rows(clerk.post("/admin/case/ledger/", {"all": "1", "columns": FIVE}))
    assert header == ledger.HEADERS
    assert ledger.saved_columns(db.session, known["clerk"]) == ledger.COLUMN_NAMES


def test_column_chooser_refuses_bad_input_in_chinese(known, app_client):
    clerk = app_client("clerk")
    clerk.post("/admin/case/ledger/", {"columns": FIVE})
    exports = db.session.execute(select(AuditLog).where(AuditLog.action == "export")).scalars().all()
    for data, message in (({}, "请至少选择一列再导出。"),
                          ({"columns": ["编号", "身份证号码"]}, "台账没有这些列：身份证号码")):
        resp = clerk.post("/admin/case/ledger/", data)
        text = resp.get_data(as_text=True)
        assert resp.status_code == 400 and message in text and resp.mimetype == "text/html"
    db.session.expire_all()
    assert db.session.execute(select(UserPreference.value)).scalars().all() == [FIVE_IN_ORDER]  # unchanged
    assert len(db.session.execute(select(AuditLog).where(AuditLog.action == "export")).scalars().all()) \
        == len(exports)  # nothing exported


def test_column_chooser_is_refused_like_the_export(known, app_client, app):
    assert app_client("archivist").get("/admin/case/ledger/").status_code == 403
    assert app_client("archivist").post("/admin/case/ledger/", {"columns": FIVE}).status_code == 403
    assert app.test_client().get("/admin/case/ledger/").status_code == 302


def test_case_list_links_to_the_chooser(known, app_client):
    page = app_client("clerk").get("/admin/case/?search=已知").get_data(as_text=True)
    assert 'href="/admin/case/ledger/?search=%E5%B7%B2%E7%9F%A5"' in page


# ---- file names ----------------------------------------------------------------------------------------

def test_file_names_tell_what_is_inside(office, app, app_client):
    clerk, stamp = app_client("clerk"), _stamp()
    with app.test_request_context():
        overdue_in_labour = case_list_url((None, "OverdueFilter", "1"),
                                          ("department_id", EQ, str(office["labour"].id)), require_all=True)
        handling = case_list_url(("status", EQ, "handling"), require_all=True)
    export = overdue_in_labour.replace("/admin/case/", "/admin/case/export.xlsx")
    assert _filename(clerk.get(export)) == f"信访事项台账_超期_县人力资源和社会保障局_{stamp}.xlsx"
    assert _filename(clerk.post(overdue_in_labour.replace("/admin/case/", "/admin/case/ledger/"),
                                {"all": "1"})) == f"信访事项台账_超期_县人力资源和社会保障局_{stamp}.xlsx"
    assert _filename(clerk.get(handling.replace("/admin/case/", "/admin/case/export.xlsx"))) \
        == f"信访事项台账_办理中_{stamp}.xlsx"
    assert _filename(clerk.get("/admin/case/export.xlsx")) == f"信访事项台账_{stamp}.xlsx"
    # a handler's ledger is its department's
    assert _filename(app_client("handler1").get("/admin/case/export.xlsx")) \
        == f"信访事项台账_县住房和城乡建设局_{stamp}.xlsx"
    resp = clerk.get(f"/admin/statistics/export.xlsx?kind=month&year=2026&month=11&department={office['housing'].id}")
    assert _filename(resp) == f"信访工作统计表_2026年11月_县住房和城乡建设局_{stamp}.xlsx"
    assert _filename(clerk.get("/admin/overdue/export.xlsx")) == f"信访事项逾期清单_{stamp}.xlsx"
    assert _filename(clerk.get(f"/admin/overdue/export.xlsx?department={office['labour'].id}")) \
        == f"信访事项逾期清单_县人力资源和社会保障局_{stamp}.xlsx"
    assert _filename(clerk.get("/admin/reception-calendar/export/?month=2026-11")) \
        == f"领导接待日安排表_2026年11月_{stamp}.xlsx"
    # the header keeps an ASCII fallback and the RFC 5987 name
    disposition = clerk.get("/admin/case/export.xlsx").headers["Content-Disposition"]
    assert "filename*=UTF-8''%E4%BF%A1%E8%AE%BF%E4%BA%8B%E9%A1%B9%E5%8F%B0%E8%B4%A6_" in disposition


def test_file_name_parts_are_safe(app):
    from views.base import xlsx_name
    assert xlsx_name("信访事项台账", "搜索a/b:c*?", "", None, day=date(2026, 12, 1)) \
        == "信访事项台账_搜索abc_20261201.xlsx"
    assert xlsx_name("台账", "很" * 40, day=date(2026, 12, 1)) == f"台账_{'很' * 24}_20261201.xlsx"
