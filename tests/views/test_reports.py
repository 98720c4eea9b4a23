"""The pages and files of issue 7 as a user meets them: exports, statistics, overdue list, dashboard."""
import io
import re
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from models import ArchiveRecord, AuditLog, Case, PackageProgress, PackageAssignment, db
from views.pages import statistics as st
from tests.services.test_statistics import add_case, build_month, build_office
from views.dashboard import EQ, case_list_url


@pytest.fixture
def office(app):
    o = build_office(db.session)
    build_month(db.session, o)
    late = add_case(db.session, date(2026, 8, 20), "visit", "request", "劳动社保", o["labour"],
                    status="handling", accepted_on=date(2026, 8, 25), accept_notice_on=date(2026, 8, 25),
                    accept_due=date(2026, 9, 4), handle_due=date(2026, 11, 10),
                    summary="拖欠工资久拖不决")
    pkg = db.session.execute(select(PackageAssignment).where(PackageAssignment.title == "包案四")).scalar_one()
    pkg.cases.append(late)
    db.session.add(PackageProgress(package=pkg, on=date(2026, 11, 15), text="约谈企业负责人"))
    closed = db.session.execute(select(Case).where(Case.closed_on == date(2026, 11, 5))).scalar_one()
    db.session.add(ArchiveRecord(case_id=closed.id, archive_number="XF-2026-0001", volume_type="special",
                                 retention="10y", location="档案室A柜", page_count=23, filed_on=date(2026, 11, 18)))
    db.session.commit()
    return o


@pytest.fixture
def login(office, app_client):
    """Logged-in clients on the hand-built office."""
    return app_client


def _xlsx(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(resp.get_data())).active


def _case_rows(ws):
    return [r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] and str(r[1]).startswith("T")]


def _change(kind, cell):
    """A 同比/环比 cell as the page shows it: rates are written as text (“+13.3个百分点”)."""
    if kind == "pct":
        return "—" if cell is None else cell
    return st.fmt_change(kind, cell)


def test_case_list_has_export_button_with_current_filters(login):
    c = login("clerk")
    page = c.get("/admin/case/?search=物业").get_data(as_text=True)
    assert 'href="/admin/case/ledger/?search=%E7%89%A9%E4%B8%9A"' in page


def test_ledger_export_applies_search_and_is_audited(login):
    c = login("clerk")
    resp = c.get("/admin/case/export.xlsx?search=物业")
    assert "filename*=UTF-8''" in resp.headers["Content-Disposition"]
    ws = _xlsx(resp)
    rows = _case_rows(ws)
    assert len(rows) == 1 and rows[0][9] == "小区业主反映物业维修基金使用问题"
    assert "搜索“物业”" in ws["A2"].value
    log = db.session.execute(select(AuditLog).where(AuditLog.action == "export")).scalars().all()
    assert len(log) == 1 and log[0].row_count == 1 and "搜索“物业”" in log[0].detail
    assert log[0].username == "clerk"


def test_ledger_export_applies_list_filters(app, login):
    c = login("clerk")
    with app.test_request_context():
        url = case_list_url(("status", EQ, "handling"), require_all=True)
    assert url and "flt0_" in url
    listed = c.get(url).get_data(as_text=True)
    ws = _xlsx(c.get(url.replace("/admin/case/", "/admin/case/export.xlsx")))
    rows = _case_rows(ws)
    assert {r[19] for r in rows} == {"办理中"} and len(rows) == 3
    assert all(r[1] in listed for r in rows)
    assert "状态等于办理中" in ws["A2"].value


def test_ledger_export_with_overdue_and_department_filters(app, login, office):
    c = login("clerk")
    with app.test_request_context():
        url = case_list_url((None, "OverdueFilter", "1"), ("department_id", EQ, str(office["labour"].id)),
                            require_all=True)
    assert url
    ws = _xlsx(c.get(url.replace("/admin/case/", "/admin/case/export.xlsx")))
    rows = _case_rows(ws)
    assert [r[9] for r in rows] == ["拖欠工资久拖不决"]
    assert "超期为是" in ws["A2"].value and "责任单位等于县人力资源和社会保障局" in ws["A2"].value


def test_handler_export_only_own_department_masked(login):
    ws = _xlsx(login("handler1").get("/admin/case/export.xlsx"))
    rows = _case_rows(ws)
    assert rows and {r[12] for r in rows} == {"县住房和城乡建设局"}
    assert next(r for r in rows if r[4] == "李四")[9] == "小区业主反映物业维修基金使用问题"
    assert "范围：县住房和城乡建设局可见事项" in ws["A2"].value


def test_bad_filter_value_is_not_a_500(login):
    resp = login("clerk").get("/admin/case/export.xlsx?flt0_0=%ZZ&sort=abc")
    assert resp.status_code == 200


def test_statistics_page_and_excel_show_the_same_numbers(login):
    c = login("clerk")
    q = "kind=month&year=2026&month=11"
    html = c.get(f"/admin/statistics/?{q}").get_data(as_text=True)
    assert "信访工作统计表" in html and "2026年11月" in html
    screen = {}
    for key, cells in re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', html, re.S):
        screen[key] = dict(re.findall(r'data-col="(\w+)">([^<]*)</td>', cells))
    assert screen["items"] == {"cur": "6", "last_year": "2", "yoy": "+200.0%", "prev": "3", "mom": "+100.0%"}
    assert screen["accept_rate"]["cur"] == "60.0%"
    ws = _xlsx(c.get(f"/admin/statistics/export.xlsx?{q}"))
    excel_rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if r[1]]
    keys = list(screen)
    assert len(excel_rows) >= len(keys)
    for key, row in zip(keys, excel_rows):
        kind = "pct" if row[1] == "%" else "int"
        shown = screen[key]
        assert st.fmt_value(kind, row[2]) == shown["cur"], key
        assert st.fmt_value(kind, row[3]) == shown["last_year"], key
        assert _change(kind, row[4]) == shown["yoy"], key
        assert st.fmt_value(kind, row[5]) == shown["prev"], key
        assert _change(kind, row[6]) == shown["mom"], key
    footer = [r[0] for r in ws.iter_rows(values_only=True) if r[0] and "填报单位" in str(r[0])]
    assert footer and "填报人：王登记" in footer[0]


def test_statistics_for_handler_and_refusals(login, office):
    h = login("handler1")
    html = h.get(f"/admin/statistics/?kind=month&year=2026&month=11&department={office['labour'].id}")
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    assert "只能统计本人可见范围内的单位" in text
    assert "统计范围：县住房和城乡建设局" in text
    assert h.get("/admin/statistics/?kind=month&month=99").status_code == 200
    assert h.get("/admin/statistics/?kind=custom&start=x&end=y").status_code == 200
    assert login("archivist").get("/admin/statistics/").status_code == 403
    assert login("handler1").get("/admin/import/").status_code == 403


def test_overdue_list_page_and_excel(login):
    c = login("clerk")
    html = c.get("/admin/overdue/").get_data(as_text=True)
    assert "拖欠工资久拖不决" in html and "县人力资源和社会保障局（1件）" in html
    ws = _xlsx(c.get("/admin/overdue/export.xlsx"))
    assert ws["A1"].value == "示范县信访局信访事项逾期清单"
    row = next(r for r in ws.iter_rows(values_only=True) if r[0] == 1)
    assert row[1] == "县人力资源和社会保障局" and row[9] == "办理" and row[11] == 10  # due 11-10, today 11-20
    # the letter of 11-01 still has no 受理告知: its 15-day clock ran out on 11-16
    row = next(r for r in ws.iter_rows(values_only=True) if r[0] == 2)
    assert row[1] == "未交办" and row[9] == "受理告知" and row[11] == 4
    assert next(r for r in ws.iter_rows(values_only=True) if r[0] == "合计")[2] == "2件"
    assert "拖欠工资" not in login("handler1").get("/admin/overdue/").get_data(as_text=True)


def test_package_and_archive_sheets(login):
    c = login("clerk")
    ws = _xlsx(c.get("/admin/sheets/packages.xlsx"))
    assert ws["A1"].value == "示范县信访局领导包案台账"
    four = next(r for r in ws.iter_rows(values_only=True) if r[1] == "包案四")
    assert four[3] == "陈县长" and four[11] == "约谈企业负责人" and four[12] == "逾期"
    assert four[2].startswith("T2026-")
    ws = _xlsx(login("archivist").get("/admin/sheets/archive.xlsx"))
    rec = next(r for r in ws.iter_rows(values_only=True) if r[1] == "XF-2026-0001")
    assert rec[5:9] == ("专卷", "10年", "档案室A柜", 23)
    assert next(r for r in ws.iter_rows(values_only=True) if r[0] == "合计")[8] == 23
    assert login("handler1").get("/admin/sheets/archive.xlsx").status_code == 403


def test_dashboard(login):
    html = login("clerk").get("/admin/").get_data(as_text=True)
    assert "/static/vendor/chart.umd.js" in html
    # Offline intranet: every script and stylesheet is served by the app itself.
    external = re.findall(r'<(?:script|link)[^>]+(?:src|href)="((?:https?:)?//[^"]*)"', html)
    assert external == []
    assert 'id="count-overdue"' in html and 'id="trend-chart"' in html and 'id="dept-table"' in html
    assert re.search(r'id="count-overdue"><a[^>]*href="/admin/case/\?flt0_\w+=1"[^>]*>2</a>', html)
    assert "县人力资源和社会保障局" in html
    h = login("handler1").get("/admin/").get_data(as_text=True)
    assert "县人力资源和社会保障局" not in h and "县住房和城乡建设局" in h


def test_chart_library_is_served_locally(app):
    resp = app.test_client().get("/static/vendor/chart.umd.js")
    assert resp.status_code == 200 and b"Chart.js v4" in resp.get_data()[:200]
    resp.close()


# ---- on the demo office -------------------------------------------------------------------------

DEMO_USERS = ("admin", "clerk", "leader", "leader3", "archivist", "handler1", "handler2", "handler3")
PAGES = ("/admin/", "/admin/statistics/", "/admin/statistics/?kind=year&year=2026",
         "/admin/statistics/?kind=quarter&year=2026&quarter=3", "/admin/overdue/", "/admin/sheets/",
         "/admin/import/", "/admin/case/", "/admin/case/export.xlsx", "/admin/statistics/export.xlsx",
         "/admin/overdue/export.xlsx", "/admin/sheets/packages.xlsx", "/admin/sheets/archive.xlsx")


# The pages each role is refused (403); every other page of PAGES answers 200.
_HANDLER_REFUSED = {"/admin/import/", "/admin/sheets/archive.xlsx"}
REFUSED = {"admin": {"/admin/import/"}, "clerk": set(), "leader": {"/admin/import/"},
           "leader3": {"/admin/import/"}, "handler1": _HANDLER_REFUSED, "handler2": _HANDLER_REFUSED,
           "handler3": _HANDLER_REFUSED,
           "archivist": {"/admin/import/", "/admin/case/export.xlsx", "/admin/overdue/",
                         "/admin/overdue/export.xlsx", "/admin/sheets/packages.xlsx", "/admin/statistics/",
                         "/admin/statistics/?kind=year&year=2026",
                         "/admin/statistics/?kind=quarter&year=2026&quarter=3",
                         "/admin/statistics/export.xlsx"}}


@pytest.mark.parametrize("username", DEMO_USERS)
def test_demo_office_every_page_answers(make_client, username):
    c = make_client(username)
    for url in PAGES:
        resp = c.get(url)
        assert resp.status_code == (403 if url in REFUSED[username] else 200), (username, url, resp.status_code)
        if url.endswith(".xlsx") and resp.status_code == 200:
            openpyxl.load_workbook(io.BytesIO(resp.get_data()))


def test_demo_handler_export_is_own_department(make_client):
    from models import User
    from services import access
    ws = _xlsx(make_client("handler1").get("/admin/case/export.xlsx"))
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] and r[0] != "合计"]
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))  # 序号
    handler = db.session.execute(select(User).where(User.username == "handler1")).scalar_one()
    visible = db.session.execute(select(Case.number).where(access.case_filter(db.session, handler))).scalars().all()
    assert rows and sorted(r[1] for r in rows) == sorted(visible)
    # mostly its own cases (the rest are cases it assists)
    assert sum(r[12] == handler.department.name for r in rows) > len(rows) / 2


def test_demo_statistics_page_matches_excel(make_client):
    c = make_client("clerk")
    q = "kind=year&year=2026"
    html = c.get(f"/admin/statistics/?{q}").get_data(as_text=True)
    screen = [dict(re.findall(r'data-col="(\w+)">([^<]*)</td>', cells))
              for _key, cells in re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', html, re.S)]
    ws = _xlsx(c.get(f"/admin/statistics/export.xlsx?{q}"))
    excel_rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if r[1]][:len(screen)]
    assert int(screen[0]["cur"]) > 50
    for shown, row in zip(screen, excel_rows):
        kind = "pct" if row[1] == "%" else "int"
        assert (st.fmt_value(kind, row[2]), _change(kind, row[4]), _change(kind, row[6])) == \
            (shown["cur"], shown["yoy"], shown["mom"])
