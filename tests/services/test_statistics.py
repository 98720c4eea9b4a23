"""信访工作统计表 on a hand-built office: every figure below is counted by hand from the cases."""
from datetime import date
from itertools import count

import pytest

from models import Case, CaseParty, Department, PackageAssignment, Party, User, db
from services import statistics as st
from views.pages import statistics as stats_page

_seq = count(1)


# ---- a small hand-built office (shared by the export and import tests) ----------------------------

def build_office(session):
    office = Department(name="县信访局", kind="office", sort_order=0)
    housing = Department(name="县住房和城乡建设局", kind="unit", sort_order=10)
    labour = Department(name="县人力资源和社会保障局", kind="unit", sort_order=20)
    discipline = Department(name="县纪委监委", kind="discipline", sort_order=30)
    session.add_all([office, housing, labour, discipline])
    session.flush()
    users = {}
    for username, name, role, dept in (
            ("clerk", "王登记", "clerk", office), ("handler1", "李住建", "handler", housing),
            ("handler2", "赵人社", "handler", labour), ("leader", "陈县长", "leader", office),
            ("admin", "管理员", "admin", office), ("archivist", "周档案", "archivist", office)):
        u = User(username=username, full_name=name, role=role, department_id=dept.id)
        u.set_password("demo1234")
        session.add(u)
        users[username] = u
    session.flush()
    return {"office": office, "housing": housing, "labour": labour, "discipline": discipline, **users}


def add_case(session, received_on, channel="letter", purpose="request", category="其他", dept=None,
             petitioner=None, **kw):
    n = next(_seq)
    kw.setdefault("summary", f"测试事项{n}")
    kw.setdefault("status", "registered")
    c = Case(number=f"T{received_on.year}-{n:06d}", query_code=f"Q{n:06d}", channel=channel,
             purpose=purpose, category=category, received_on=received_on,
             department_id=dept.id if dept is not None else None, **kw)
    session.add(c)
    if petitioner is not None:
        c.parties.append(CaseParty(party=petitioner, role="petitioner"))
    session.flush()
    return c


def build_month(session, o):
    """November 2026 (the period), October 2026 (环比) and November 2025 (同比)."""
    d = date
    zhang = Party(name="张三", id_number="110101199003077774", phone="13912345678")
    li = Party(name="李四", id_number="110101198001011232", phone="13800001111")
    session.add_all([zhang, li])
    # -- received in November 2026
    add_case(session, d(2026, 11, 2), "visit", "request", "劳动社保", o["labour"], zhang,
             accept_due=d(2026, 11, 17), accepted_on=d(2026, 11, 3), accept_notice_on=d(2026, 11, 3),
             status="handling",
             handle_due=d(2027, 1, 2), incident_place="城关镇")
    add_case(session, d(2026, 11, 5), "visit", "request", "城乡建设", o["housing"], li, people_count=6,
             is_collective=True, is_repeat=True, accept_due=d(2026, 11, 20),
             accept_notice_on=d(2026, 11, 10), status="assigned", incident_place="城关镇",
             summary="小区业主反映物业维修基金使用问题")
    add_case(session, d(2026, 11, 1), "letter", "suggestion", "教育", accept_due=d(2026, 11, 16),
             incident_place="河口乡")
    add_case(session, d(2026, 11, 10), "online", "accusation", "纪检监察", people_count=2,
             accept_due=d(2026, 11, 25))
    add_case(session, d(2026, 11, 3), "phone", "request", "劳动社保", o["labour"], is_skip_level=True,
             accept_due=d(2026, 11, 18), accepted_on=d(2026, 11, 19), accept_notice_on=d(2026, 11, 19),
             status="handling",
             handle_due=d(2027, 1, 18), incident_place="城关镇")
    add_case(session, d(2026, 11, 12), "reception", "request", "城乡建设", o["housing"], people_count=3,
             is_joint=True, accept_due=d(2026, 11, 27), accepted_on=d(2026, 11, 12),
             accept_notice_on=d(2026, 11, 12), status="assigned",
             incident_place="河口乡")
    add_case(session, d(2026, 11, 15), "email", status="voided", void_reason="重复登记")
    # -- replied / closed in November 2026, received earlier
    add_case(session, d(2026, 8, 1), "letter", status="closed", accepted_on=d(2026, 8, 5),
             handle_due=d(2026, 11, 10), replied_on=d(2026, 11, 1), closed_on=d(2026, 11, 5),
             satisfaction="satisfied")
    add_case(session, d(2026, 7, 1), "visit", status="closed", accepted_on=d(2026, 7, 3),
             handle_due=d(2026, 11, 12), replied_on=d(2026, 10, 30), closed_on=d(2026, 11, 15),
             satisfaction="unsatisfied")
    add_case(session, d(2026, 9, 1), "phone", status="replied", replied_on=d(2026, 11, 8),
             satisfaction="basic")
    add_case(session, d(2026, 9, 5), "online", status="replied", replied_on=d(2026, 11, 9))
    # -- October 2026 (环比) and November 2025 (同比)
    for day in (3, 14, 28):
        add_case(session, d(2026, 10, day), "letter")
    add_case(session, d(2025, 11, 6), "visit", "request", "城乡建设", o["housing"])
    add_case(session, d(2025, 11, 20), "letter")
    # -- packages
    for title, outcome, finished in (("包案一", "resolved", d(2026, 11, 3)), ("包案二", "unresolved", d(2026, 11, 18)),
                                     ("包案三", "stopped", d(2026, 10, 9))):
        session.add(PackageAssignment(title=title, leader_id=o["leader"].id, department_id=o["housing"].id,
                                      responsible_person="刘科长", deadline=d(2026, 12, 31), plan="化解方案",
                                      status="finished", outcome=outcome, finished_on=finished))
    session.add(PackageAssignment(title="包案四", leader_id=o["leader"].id, department_id=o["labour"].id,
                                  responsible_person="孙科长", deadline=d(2026, 11, 1), plan="方案",
                                  status="active"))
    session.commit()


@pytest.fixture
def office(app):
    o = build_office(db.session)
    build_month(db.session, o)
    return o


def test_periods():
    p = st.month(2026, 11)
    assert (p.start, p.end, p.label) == (date(2026, 11, 1), date(2026, 11, 30), "2026年11月")
    assert st.same_period_last_year(p) == st.month(2025, 11)
    assert st.previous_period(p) == st.month(2026, 10)
    assert st.previous_period(st.month(2026, 1)) == st.month(2025, 12)
    q = st.quarter(2026, 1)
    assert (q.start, q.end, q.label) == (date(2026, 1, 1), date(2026, 3, 31), "2026年第一季度")
    assert st.previous_period(q) == st.quarter(2025, 4)
    c = st.custom(date(2026, 11, 1), date(2026, 11, 10))
    assert st.previous_period(c) == st.custom(date(2026, 10, 22), date(2026, 10, 31))
    assert st.same_period_last_year(st.custom(date(2024, 2, 29), date(2024, 3, 1))).start == date(2023, 2, 28)
    with pytest.raises(ValueError):
        st.parse_period({"kind": "month", "month": "13"})
    with pytest.raises(ValueError):
        st.parse_period({"kind": "custom", "start": "2026-11-10", "end": "2026-11-01"})


def test_office_month_figures(office):
    rep = st.report(db.session, office["clerk"], st.month(2026, 11))
    v = {line.key: line.cur for line in rep.lines}
    assert v["items"] == 6 and v["persons"] == 14  # the voided one is not counted
    assert v["visit_batches"] == 3 and v["visit_persons"] == 10  # 来访 + 领导接待
    assert (v["letters"], v["online"], v["phone"], v["other_channels"]) == (1, 1, 1, 0)
    assert (v["collective_batches"], v["collective_persons"]) == (1, 6)
    assert (v["repeat"], v["skip_level"], v["joint"]) == (1, 1, 1)
    assert (v["purpose:request"], v["purpose:suggestion"], v["purpose:accusation"]) == (4, 1, 1)
    assert (v["category:劳动社保"], v["category:城乡建设"], v["category:教育"], v["category:纪检监察"]) == (2, 2, 1, 1)
    assert v["category:土地征收"] == 0
    assert v[f"department:{office['labour'].id}"] == 2
    assert v[f"department:{office['housing'].id}"] == 2
    assert v["department:0"] == 2  # 未交办
    assert v["place:城关镇"] == 3 and v["place:河口乡"] == 2
    # 及时受理: decided 1,2,6 in time; 5 late; 3 undecided past its due; 4 not yet due -> 3/5
    assert v["accept_rate"] == pytest.approx(3 / 5)
    # 按期办结 by the reply date: replied 11-01 (due 11-10) and 10-30 (due 11-12) both in time; the
    # second was approved 11-15, after its due date: the approval is late, not the department
    assert v["close_rate"] == pytest.approx(1.0)
    assert v["approval_late"] == 1
    assert v["satisfaction_rate"] == pytest.approx(1.0)  # satisfied + basic over 2 rated
    assert v["rated_rate"] == pytest.approx(2 / 3)  # replied in Nov: 3, rated 2
    assert v["package_rate"] == pytest.approx(1 / 2)
    assert rep.line("accept_rate").basis == "按时受理告知3件 / 应受理告知5件"


def test_same_period_and_previous_period(office):
    rep = st.report(db.session, office["clerk"], st.month(2026, 11))
    items = rep.line("items")
    assert (items.cur, items.last_year, items.prev) == (6, 2, 3)
    assert items.yoy == pytest.approx(2.0)  # +200%
    assert items.mom == pytest.approx(1.0)  # +100%
    visits = rep.line("visit_batches")
    assert (visits.last_year, visits.prev) == (1, 0)
    assert visits.mom is None  # no base: no percentage
    sat = rep.line("satisfaction_rate")
    assert sat.prev == pytest.approx(0.0)  # October: one rated, unsatisfied
    assert sat.mom == pytest.approx(1.0)  # +100 percentage points
    assert sat.last_year is None and sat.yoy is None
    pkg = rep.line("package_rate")
    assert pkg.prev == pytest.approx(1.0) and pkg.mom == pytest.approx(-0.5)
    assert stats_page.fmt_change("pct", pkg.mom) == "-50.0个百分点"
    assert stats_page.fmt_change("int", items.yoy) == "+200.0%"


def test_handler_report_is_own_department_only(office):
    rep = st.report(db.session, office["handler1"], st.month(2026, 11))
    assert rep.department_id == office["housing"].id
    assert rep.line("items").cur == 2 and rep.line("persons").cur == 9
    assert rep.line("items").last_year == 1
    with pytest.raises(ValueError):
        st.report(db.session, office["handler1"], st.month(2026, 11), office["labour"].id)
    assert [c for c, _ in st.report_department_choices(db.session, office["handler1"])] == [office["housing"].id]


def test_department_report_for_clerk(office):
    rep = st.report(db.session, office["clerk"], st.month(2026, 11), office["labour"].id)
    assert rep.department_name == "县人力资源和社会保障局"
    assert rep.line("items").cur == 2 and rep.line("skip_level").cur == 1
    assert rep.line("package_rate").cur is None  # no finished package of that department


def test_report_sheet(office, tmp_path):
    import openpyxl
    rep = st.report(db.session, office["clerk"], st.month(2026, 11))
    path = tmp_path / "r.xlsx"
    st.write_report_sheet(str(path), rep, filled_by="王登记", filled_on=date(2026, 11, 20))
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value == "示范县信访局信访工作统计表"
    assert "2026年11月" in ws["A2"].value
    assert [ws.cell(3, c).value for c in range(1, 9)] == ["项目", "单位", "本期", "同比", None, "环比", None, "计算依据"]
    assert [ws.cell(4, c).value for c in range(4, 8)] == ["去年同期", "同比增减", "上期", "环比增减"]
    assert "C3:C3" not in {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:H1", "A3:A4", "D3:E3", "F3:G3"} <= {str(r) for r in ws.merged_cells.ranges}
    assert ws.freeze_panes == "A5"
    rows = {(r[0], r[1]): r for r in ws.iter_rows(min_row=5, values_only=True) if r[1]}
    assert rows[("信访总量", "件")][2:7] == (6, 2, 2.0, 3, 1.0)
    assert rows[("及时受理率", "%")][2] == pytest.approx(0.6)
    texts = [r[0] for r in ws.iter_rows(values_only=True) if r[0]]
    assert any(t.startswith("合计") for t in texts)
    assert any("填报单位：示范县信访局" in t and "填报人：王登记" in t and "填报日期：2026年11月20日" in t
               for t in texts)


def test_report_binds_no_list_of_the_periods_cases(office):
    """A year of a large office closes more cases than PostgreSQL's 65,535 bound parameters allow
    (139,702 at a million cases): no statement of the report may bind one parameter per case.
    (It fails on PostgreSQL against the old shape; SQLite renders a list of integers inline.)"""
    from sqlalchemy import event

    def widest_statement():
        widest = [0]

        def listen(conn, cursor, statement, params, context, executemany):
            widest[0] = max(widest[0], len(params or ()))
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            rep = st.report(db.session, office["clerk"], st.month(2026, 11))
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        return widest[0], {line.key: line.cur for line in rep.lines}

    def close_some(n):
        for _ in range(n):
            add_case(db.session, date(2026, 11, 3), dept=office["labour"], status="closed",
                     closed_on=date(2026, 11, 20), handle_due=date(2026, 12, 20))
        db.session.commit()

    close_some(5)
    few, before = widest_statement()
    close_some(60)
    many, after = widest_statement()
    assert many == few
    assert after["items"] == before["items"] + 60
