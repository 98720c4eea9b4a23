"""Leaks through the leaders' screens (包案, 领导接待日), each repro of a reviewed defect asserted
fixed on the demo office: an accuser's name or a case number out of reach never reaches a page,
counts are the viewer's own, bad ids and months answer with a message, never a 500."""
from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from models import (Case, PackageAssignment, ReceptionEvent, ReceptionSchedule, User, db,
                    package_cases)
from services import access
from services import reception as rs
from services.clock import today as office_today


def _user(name):
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def _ledger_texts(client):
    resp = client.get("/admin/package/ledger/")
    assert resp.status_code == 200
    ws = load_workbook(BytesIO(resp.data)).active
    return " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def _accusation_case(leader, handler1):
    """An accusation the leader sees without its accuser, handler1 not at all, not yet packaged."""
    packaged = select(package_cases.c.case_id).join(
        PackageAssignment, PackageAssignment.id == package_cases.c.package_id).where(
        PackageAssignment.status != "finished")
    for case in db.session.execute(select(Case).where(
            Case.purpose == "accusation", Case.status != "voided", Case.id.not_in(packaged))
            .order_by(Case.id)).scalars():
        names = [p.name for p in case.petitioners if p.name and len(p.name) >= 2]
        if (names and access.can_see_case(db.session, leader, case)
                and not access.may_see_identity(db.session, leader, case)
                and not access.can_see_case(db.session, handler1, case)):
            return case, names
    raise AssertionError("the demo office has such an accusation")


def _xlsx_text(resp):
    import io

    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(resp.data))
    return " ".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v)


def test_default_package_title_names_no_accuser_and_no_number(demo_app, make_client):
    leader, handler1 = _user("leader"), _user("handler1")
    case, names = _accusation_case(leader, handler1)
    number = case.number
    clerk = make_client("clerk")
    resp = clerk.post("/admin/package/propose/", data={
        "cases": number, "leader_id": str(leader.id), "department_id": "4", "title": "",
        "responsible_person": "王科长", "deadline": (office_today() + timedelta(days=30)).isoformat(),
        "plan": "逐项核实，依法处理。"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    pkg = db.session.execute(select(PackageAssignment).order_by(PackageAssignment.id.desc())).scalars().first()
    assert [c.id for c in pkg.cases] == [case.id]
    assert pkg.title == f"{case.category}问题包案（1件）"
    assert number not in pkg.title and not any(n in pkg.title for n in names)

    # The leader sees the case (its number) but never the accuser's name.
    lc = make_client("leader")
    for url in ("/admin/package/", "/admin/my-packages/", f"/admin/package/details/?id={pkg.id}"):
        page = lc.get(url).get_data(as_text=True)
        assert pkg.title in page, url
        assert not any(n in page for n in names), url
    assert not any(n in _ledger_texts(lc) for n in names)

    # handler1 (responsible department 4) sees the package, neither the name nor the number.
    hc = make_client("handler1")
    assert hc.get(f"/admin/case/details/?id={case.id}").status_code == 404
    for url in ("/admin/package/", f"/admin/package/details/?id={pkg.id}"):
        resp = hc.get(url)
        assert resp.status_code == 200, url
        page = resp.get_data(as_text=True)
        assert pkg.title in page, url
        assert number not in page and not any(n in page for n in names), url
    ledger = _ledger_texts(hc)
    assert pkg.title in ledger and number not in ledger and not any(n in ledger for n in names)


def test_older_titles_are_shown_without_names_out_of_reach(demo_app, make_client):
    from services import packages as pk

    leader, handler1 = _user("leader"), _user("handler1")
    case, names = _accusation_case(leader, handler1)
    pkg = PackageAssignment(title=f"{names[0]}：{case.number}", leader_id=leader.id, department_id=4,
                            responsible_person="王科长", deadline=office_today() + timedelta(days=9),
                            plan="方案", status="active")
    pkg.cases = [case]
    db.session.add(pkg)
    db.session.commit()
    shown = pk.display_title(db.session, leader, pkg)
    assert names[0] not in shown and case.number in shown
    shown = pk.display_title(db.session, handler1, pkg)
    assert names[0] not in shown and case.number not in shown
    assert pk.display_title(db.session, _user("clerk"), pkg) == pkg.title
    page_rows = pk.my_packages(db.session, leader)
    assert all(names[0] not in r.title for r in page_rows)
    visible, hidden = pk.shown_cases(db.session, handler1, pkg)
    # Not even counted: "one more case" of an accusation's package would tell of the accuser.
    assert visible == [] and hidden == 0
    visible, hidden = pk.shown_cases(db.session, leader, pkg)
    assert [c.id for c, _ in visible] == [case.id] and names[0] not in visible[0][1] and hidden == 0
    # The pages and the ledger show the same masked title.
    for who in ("leader", "handler1"):
        c = make_client(who)
        for url in ("/admin/package/", f"/admin/package/details/?id={pkg.id}", "/admin/sheets/packages.xlsx"):
            resp = c.get(url)
            body = resp.get_data(as_text=True) if resp.mimetype == "text/html" else _xlsx_text(resp)
            assert names[0] not in body, (who, url)
    assert names[0] in make_client("clerk").get("/admin/package/").get_data(as_text=True)


def _past_entry():
    return db.session.execute(select(ReceptionSchedule).where(
        ReceptionSchedule.day <= office_today(), ReceptionSchedule.status.in_(rs.UPCOMING_ENTRY_STATUSES + ("received",)))
        .order_by(ReceptionSchedule.day.desc(), ReceptionSchedule.id)).scalars().first()


def test_reception_page_counts_and_numbers_are_the_viewers_own(demo_app, make_client):
    entry = _past_entry()
    assert entry is not None
    clerk = make_client("clerk")
    resp = clerk.post(f"/admin/reception/receive/register/?id={entry.id}", data={
        "name": "周保密", "purpose": "request", "category": "劳动社保", "summary": "工资拖欠",
        "demands": "请求解决", "incident_place": "城关镇", "people_count": "1"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    case = db.session.execute(select(Case).where(Case.reception_id == entry.id)
                              .order_by(Case.id.desc())).scalars().first()
    assert case.department_id is None
    # An event written before the fix kept the number in its note.
    db.session.add(ReceptionEvent(schedule_id=entry.id, action="register", note=f"登记来访 {case.number}",
                                  data={}))
    db.session.commit()
    ev = db.session.execute(select(ReceptionEvent).where(
        ReceptionEvent.schedule_id == entry.id, ReceptionEvent.action == "register")
        .order_by(ReceptionEvent.id)).scalars().first()
    assert case.number not in ev.note and (ev.data or {}).get("case_id") == case.id

    total = db.session.execute(select(func.count()).select_from(Case)
                               .where(Case.reception_id == entry.id)).scalar()
    for who in ("handler1", "handler2", "handler3", "leader", "clerk"):
        user = _user(who)
        mine = rs.reception_case_count(db.session, user, entry)
        page = make_client(who).get(f"/admin/reception/details/?id={entry.id}").get_data(as_text=True)
        assert f'id="visit-count">{mine} 件' in page, who
        sees = access.can_see_case(db.session, user, case)
        assert (case.number in page) == sees, who
        if who == "clerk":
            assert mine == total
    h1 = _user("handler1")
    assert not access.can_see_case(db.session, h1, case)
    assert rs.reception_case_count(db.session, h1, entry) < total
    page = make_client("handler1").get(f"/admin/reception/details/?id={entry.id}").get_data(as_text=True)
    assert "周保密" not in page and "登记来访 " + case.number not in page


def test_reception_huge_ids_and_the_finish_rule(demo_app, make_client):
    entry = _past_entry()
    assert rs.case_in_reception(db.session, _user("clerk"), entry, str(2**40)) is None
    assert rs.case_in_reception(db.session, _user("clerk"), entry, "-1") is None
    clerk = make_client("clerk")
    resp = clerk.post(f"/admin/reception/receive/instruction/?id={entry.id}",
                      data={"case_id": str(2**63), "text": "x"})
    assert resp.status_code == 404
    for url in (f"/admin/reception/details/?id={2**63}", f"/admin/reception/receive/?id={2**40}"):
        assert clerk.get(url).status_code == 404
    # One rule for who closes the day: the office, the day's leader or stand-in, nobody else.
    day_leader = db.session.get(User, entry.leader_id)
    assert rs.may_finish_reception(_user("clerk"), entry)
    assert rs.may_finish_reception(day_leader, entry)
    others = [u for u in db.session.execute(select(User).where(User.role == "leader")).scalars()
              if u.id not in (entry.leader_id, entry.standin_id)]
    assert others and not rs.may_finish_reception(others[0], entry)
    assert not rs.may_finish_reception(_user("handler1"), entry)
    assert not rs.may_finish_reception(None, entry)


def test_out_of_range_months_answer_with_a_message(demo_app, make_client):
    clerk = make_client("clerk")
    for month in ("9999-12", "0001-01", "1999-12", "2101-01", "99999999999999999999-01"):
        resp = clerk.get(f"/admin/reception-calendar/?month={month}")
        assert resp.status_code == 200, month
        assert "月份" in resp.get_data(as_text=True), month
        for path in ("print/", "export/"):
            assert clerk.get(f"/admin/reception-calendar/{path}?month={month}").status_code == 200
    before = db.session.execute(select(func.count()).select_from(ReceptionSchedule)).scalar()
    for month in ("9999-12", "0001-01", "2101-01"):
        resp = clerk.post("/admin/reception-calendar/generate/", data={
            "month": month, "weekdays": ["1"], "slot": "am", "place": "接待室"}, follow_redirects=True)
        assert resp.status_code == 200
        assert "2000年至2100年" in resp.get_data(as_text=True), month
        resp = clerk.post(f"/admin/reception-calendar/publish/?month={month}", follow_redirects=True)
        assert resp.status_code == 200 and "2000年至2100年" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(ReceptionSchedule)).scalar() == before
    assert rs.parse_month("9999-12", default=(None, None)) == (None, None)
    assert rs.parse_month("2026-10") == (2026, 10)
    assert rs.month_error("2100-12") is None and rs.month_error("2000-01") is None
    assert rs.month_error("1999-12") == rs.MONTH_RANGE_MESSAGE
