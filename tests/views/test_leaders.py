"""Leaders at work through the browser doors: rota calendar / generate / swap / publish / Excel,
receiving visitors, 包案 (propose, scope on every door), 我的包案 and 我的接待日.

The first tests run on the demo office (`make_client`); the detailed ones build a small office by
hand on the `app` fixture with the demo office's usernames (password demo1234)."""
import re
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models import Case, CaseParty, PackageAssignment, Party, ReceptionSchedule, User, db
from tests.factories import leaders_office


# ---- on the demo office --------------------------------------------------------------------

def _by_username(name):
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def test_demo_leader_sees_own_packages_and_reception_days(make_client):
    from services import packages as pk

    leader = _by_username("leader")
    own = [r for r in pk.my_packages(db.session, leader)]
    assert own, "the demo office gives 李建国 a package"
    c = make_client("leader")
    page = c.get("/admin/my-packages/").get_data(as_text=True)
    for row in own:
        assert row.package.title in page
        if row.package.status != "finished":
            assert row.deadline_label in page
    others = db.session.execute(select(PackageAssignment).where(PackageAssignment.leader_id != leader.id)).scalars()
    for p in others:
        assert p.title not in page
    days = c.get("/admin/my-reception/").get_data(as_text=True)
    mine = db.session.execute(select(ReceptionSchedule).where(ReceptionSchedule.leader_id == leader.id)).scalars()
    assert all(e.day.isoformat() in days for e in mine)


def test_demo_handler1_cannot_see_a_package_of_handler2s_department(make_client):
    from services import access
    from services import packages as pk

    h1, h2 = _by_username("handler1"), _by_username("handler2")
    rs_depts = access.user_dept_ids(db.session, h2)
    case = db.session.execute(select(Case).where(Case.department_id == h2.department_id)
                              .order_by(Case.id).limit(1)).scalar_one()
    pkg = PackageAssignment(title="孙倩所在单位包案（测试）", leader_id=_by_username("leader2").id,
                            department_id=h2.department_id, responsible_person="孙倩",
                            deadline=date(2026, 12, 31), plan="方案", status="active")
    pkg.cases = [case]
    db.session.add(pkg)
    db.session.commit()
    assert pkg.department_id in rs_depts and pk.get_visible(db.session, h1, pkg.id) is None
    c = make_client("handler1")
    assert pkg.title not in c.get("/admin/package/").get_data(as_text=True)
    for resp in (c.get(f"/admin/package/details/?id={pkg.id}"),
                 c.post(f"/admin/package/progress/?id={pkg.id}", data={"on": "2026-11-20", "text": "x"})):
        assert resp.status_code == 404 and pkg.title not in resp.get_data(as_text=True)
    assert pkg.title in make_client("handler2").get(f"/admin/package/details/?id={pkg.id}").get_data(as_text=True)


def test_demo_month_with_entries_is_not_regenerated(make_client):
    resp = make_client("clerk").post("/admin/reception-calendar/generate/", data={
        "month": "2026-12", "weekdays": ["1"], "slot": "am", "place": "接待室"}, follow_redirects=True)
    assert "2026年12月已有" in resp.get_data(as_text=True)


# ---- on a small hand-built office ------------------------------------------------------------


def _case(dept, party, n, place="城关镇"):
    c = Case(number=f"2026-9{n:05d}", query_code=f"V{n:06d}", channel="visit", purpose="request",
             category="城乡建设", received_on=date(2026, 10, 9), summary=f"反映问题{n}",
             incident_place=place, status="handling", department=dept)
    db.session.add(c)
    db.session.flush()
    db.session.add(CaseParty(case=c, party=party, role="petitioner"))
    db.session.flush()
    return c


@pytest.fixture
def office(app):
    o = leaders_office()
    o["zhang"], o["li"] = Party(name="张三"), Party(name="李四")
    db.session.add_all([o["zhang"], o["li"]])
    db.session.flush()
    o["c_zj"] = _case(o["zj"], o["zhang"], 1)
    o["c_rs"] = _case(o["rs"], o["li"], 2)
    db.session.commit()
    return o


@pytest.fixture
def login(office, app_client):
    """Logged-in clients on the hand-built office."""
    return app_client


def _pkg(o, leader, dept, case, title, deadline=date(2026, 12, 5), status="active"):
    p = PackageAssignment(title=title, leader_id=leader.id, department_id=dept.id, responsible_person="陈科长",
                          deadline=deadline, plan="化解方案", status=status)
    p.cases = [case]
    db.session.add(p)
    db.session.commit()
    return p


def test_leader_sees_my_packages_with_days_left(office, login):
    mine = _pkg(office, office["leader"], office["zj"], office["c_zj"], "张三房屋漏水包案")
    late = _pkg(office, office["leader"], office["zj"], office["c_zj"], "张三旧案包案", date(2026, 11, 15))
    _pkg(office, office["leader2"], office["rs"], office["c_rs"], "李四工资拖欠包案")
    page = login("leader").get("/admin/my-packages/").get_data(as_text=True)
    assert mine.title in page and "剩15天" in page
    assert late.title in page and "超期5天" in page and "table-danger" in page
    assert "李四工资拖欠包案" not in page
    assert "我的包案" in login("leader").get("/admin/").get_data(as_text=True)


def test_handler_cannot_reach_another_departments_package(office, login):
    theirs = _pkg(office, office["leader2"], office["rs"], office["c_rs"], "李四工资拖欠包案")
    ours = _pkg(office, office["leader"], office["zj"], office["c_zj"], "张三房屋漏水包案")
    h1 = login("handler1")
    listing = h1.get("/admin/package/").get_data(as_text=True)
    assert ours.title in listing and theirs.title not in listing
    for url, code in ((f"/admin/package/details/?id={theirs.id}", 404), (f"/admin/package/edit/?id={theirs.id}", 403)):
        resp = h1.get(url)
        assert resp.status_code == code and theirs.title not in resp.get_data(as_text=True)
    for url in ("accept", "progress", "finish"):
        resp = h1.post(f"/admin/package/{url}/?id={theirs.id}", data={"text": "x", "on": "2026-11-20",
                                                                       "outcome": "resolved", "note": "x"})
        assert resp.status_code == 404 and theirs.title not in resp.get_data(as_text=True)
    assert h1.get("/admin/package/propose/").status_code == 403
    db.session.expire_all()
    assert db.session.get(PackageAssignment, theirs.id).status == "active"
    assert not db.session.get(PackageAssignment, theirs.id).progress
    ledger = load_workbook(BytesIO(h1.get("/admin/package/ledger/").data)).active
    texts = {str(c.value) for row in ledger.iter_rows() for c in row if c.value}
    assert ours.title in texts and theirs.title not in texts
    # The responsible department's handler records progress on their own package.
    resp = h1.post(f"/admin/package/progress/?id={ours.id}", data={"on": "2026-11-20", "text": "已测算补偿"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert [p.text for p in db.session.get(PackageAssignment, ours.id).progress] == ["已测算补偿"]


def test_propose_form_names_missing_fields_then_leader_accepts(office, login):
    clerk = login("clerk")
    number = office["c_zj"].number
    # Two petitioners of one area at once: one package each, leaders suggested by rank.
    both = f"{number},{office['c_rs'].number}"
    page = clerk.get(f"/admin/package/propose/?cases={both}").get_data(as_text=True)
    assert "建议包案领导" in page and "需按信访人分别包案" in page and 'id="propose-form"' not in page
    block = page[page.index('id="leader-suggestion"'):]
    assert block.index("张三") < block.index("赵县长") < block.index("李四") < block.index("李建国")
    page = clerk.get(f"/admin/package/propose/?cases={number}&leader_id={office['leader'].id}").get_data(
        as_text=True)
    assert f'<option value="{office["leader"].id}" selected>' in page
    resp = clerk.post("/admin/package/propose/", data={
        "cases": number, "leader_id": str(office["leader"].id), "department_id": "",
        "responsible_person": "陈科长", "deadline": "", "plan": "走访核实"})
    assert resp.status_code == 400
    assert "包案必须明确：责任单位、办结期限" in resp.get_data(as_text=True)
    assert db.session.execute(select(PackageAssignment)).first() is None
    resp = clerk.post("/admin/package/propose/", data={
        "cases": number, "leader_id": str(office["leader"].id), "department_id": str(office["zj"].id),
        "responsible_person": "陈科长", "deadline": "2026-12-20", "plan": "走访核实"})
    assert resp.status_code == 302
    pkg = db.session.execute(select(PackageAssignment)).scalar()
    assert pkg.status == "proposed"
    # Another leader cannot accept it; the named leader can.
    other = login("leader2").post(f"/admin/package/accept/?id={pkg.id}", follow_redirects=True)
    assert "只有包案领导本人可以确认包案" in other.get_data(as_text=True)
    assert login("leader").post(f"/admin/package/accept/?id={pkg.id}").status_code == 302
    db.session.expire_all()
    assert db.session.get(PackageAssignment, pkg.id).status == "active"


def test_rota_generate_calendar_swap_and_excel(office, login):
    clerk = login("clerk")
    assert login("leader").get("/admin/reception-calendar/generate/").status_code == 403
    resp = clerk.post("/admin/reception-calendar/generate/", data={
        "month": "2026-12", "weekdays": ["1", "3"], "slot": "am", "place": "县信访局接待大厅",
        "leader_ids": [str(office["leader"].id), str(office["leader2"].id)]})
    assert resp.status_code == 302
    entries = list(db.session.execute(select(ReceptionSchedule).order_by(ReceptionSchedule.day)).scalars())
    assert [e.day.day for e in entries] == [1, 3, 8, 10, 15, 17, 22, 24, 29, 31]
    again = clerk.post("/admin/reception-calendar/generate/", data={
        "month": "2026-12", "weekdays": ["1"], "slot": "am", "place": "x"}, follow_redirects=True)
    assert "已有10条接待安排" in again.get_data(as_text=True)
    cal = clerk.get("/admin/reception-calendar/?month=2026-12").get_data(as_text=True)
    assert "2026年12月" in cal and "赵县长" in cal and "李建国" in cal

    a, b = entries[0], entries[1]  # 12-01 赵县长, 12-03 李建国
    resp = clerk.post(f"/admin/reception/swap/?id={a.id}", data={"other_id": str(b.id), "reason": "出差"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(ReceptionSchedule, a.id).leader_id == office["leader"].id
    for who in ("leader", "leader2"):
        page = login(who).get("/admin/my-reception/").get_data(as_text=True)
        assert "出差" in page and "调换" in page
    assert login("leader").post(f"/admin/reception/swap/?id={a.id}",
                                data={"other_id": str(b.id), "reason": "x"}).status_code == 403

    assert clerk.post("/admin/reception-calendar/publish/?month=2026-12").status_code == 302
    printed = clerk.get("/admin/reception-calendar/print/?month=2026-12").get_data(as_text=True)
    assert "示范县信访局2026年12月领导接待日安排表" in printed
    resp = login("handler1").get("/admin/reception-calendar/export/?month=2026-12")
    assert resp.status_code == 200
    ws = load_workbook(BytesIO(resp.data)).active
    assert "示范县信访局" in ws["A1"].value and "2026年12月" in ws["A1"].value
    assert ws.max_row >= 13


def test_receiving_visitors_on_the_day(office, login):
    entry = ReceptionSchedule(day=date(2026, 11, 17), slot="am", place="接待室", leader_id=office["leader"].id,
                              portfolio="城乡建设", status="planned")
    db.session.add(entry)
    db.session.commit()
    clerk = login("clerk")
    for name, summary in (("张三", "小区漏水"), ("钱六", "拆迁补偿"), ("孙七", "道路噪音")):
        resp = clerk.post(f"/admin/reception/receive/register/?id={entry.id}", data={
            "name": name, "purpose": "request", "category": "城乡建设", "summary": summary,
            "demands": "请求解决", "incident_place": "城关镇", "people_count": "1"})
        assert resp.status_code == 302, resp.get_data(as_text=True)
    bad = clerk.post(f"/admin/reception/receive/register/?id={entry.id}", data={
        "name": "", "purpose": "request", "category": "城乡建设", "summary": "", "people_count": "1"})
    assert bad.status_code == 400
    cases = list(db.session.execute(select(Case).where(Case.reception_id == entry.id)).scalars())
    assert len(cases) == 3 and {c.channel for c in cases} == {"reception"}

    leader = login("leader")
    resp = leader.post(f"/admin/reception/receive/instruction/?id={entry.id}",
                       data={"case_id": str(cases[0].id), "text": "请住建局三日内上门查看"})
    assert resp.status_code == 302
    page = leader.get(f"/admin/reception/receive/?id={entry.id}").get_data(as_text=True)
    assert all(n in page for n in ("张三", "钱六", "孙七", "请住建局三日内上门查看", "待受理"))
    # A case that is not of this reception day is not reachable through it.
    assert leader.post(f"/admin/reception/receive/instruction/?id={entry.id}",
                       data={"case_id": str(office["c_rs"].id), "text": "x"}).status_code == 404
    assert clerk.post(f"/admin/reception/receive/finish/?id={entry.id}",
                      data={"summary": "接待3人，均已登记"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ReceptionSchedule, entry.id).status == "received"
    assert login("handler2").get("/admin/reception/receive/?id=99999").status_code == 404


def test_every_page_answers_without_error_for_every_role(office, login):
    entry = ReceptionSchedule(day=date(2026, 11, 24), slot="pm", place="接待室", leader_id=office["leader"].id,
                              portfolio="城乡建设", status="planned")
    db.session.add(entry)
    db.session.commit()
    pkg = _pkg(office, office["leader"], office["zj"], office["c_zj"], "张三房屋漏水包案", status="proposed")
    urls = ["/admin/reception/", "/admin/reception/new/", f"/admin/reception/edit/?id={entry.id}",
            f"/admin/reception/details/?id={entry.id}", f"/admin/reception/swap/?id={entry.id}",
            f"/admin/reception/receive/?id={entry.id}", "/admin/reception-calendar/",
            "/admin/reception-calendar/?month=bad", "/admin/reception-calendar/generate/",
            "/admin/reception-calendar/print/?month=2026-11", "/admin/my-reception/",
            "/admin/package/", "/admin/package/new/", f"/admin/package/details/?id={pkg.id}",
            "/admin/package/details/?id=abc", f"/admin/package/propose/?cases={office['c_zj'].number},nosuch",
            "/admin/my-packages/", "/admin/package/?flt0_0=proposed"]
    clerk_only = ("/admin/reception/new/", "/admin/reception/edit/", "/admin/reception/swap/",
                  "/admin/reception-calendar/generate/", "/admin/package/new/", "/admin/package/propose/")
    for who in ("clerk", "leader", "leader2", "handler1", "handler2"):
        c = login(who)
        for url in urls:
            resp = c.get(url, follow_redirects=True)
            if url == "/admin/package/details/?id=abc" or (
                    who == "handler2" and url == f"/admin/package/details/?id={pkg.id}"):  # 住建局's package
                expected = 404
            elif who != "clerk" and url.startswith(clerk_only):
                expected = 403
            else:
                expected = 200
            assert resp.status_code == expected, (who, url, resp.status_code)
    clerk = login("clerk")
    assert "提出包案" in clerk.get(f"/admin/package/propose/?cases={office['c_zj'].number}").get_data(as_text=True)
    assert "确认包案" in login("leader").get(f"/admin/package/details/?id={pkg.id}").get_data(as_text=True)
    # Editing an entry through the form records an event; bad input gives a message, not a 500.
    resp = clerk.post(f"/admin/reception/edit/?id={entry.id}", data={
        "day": "2026-11-24", "slot": "am", "place": "新接待室", "leader": str(office["leader3"].id),
        "standin": str(office["leader3"].id), "portfolio": "", "note": ""}, follow_redirects=True)
    assert "替补领导不能与接待领导是同一人" in resp.get_data(as_text=True)
    resp = clerk.post(f"/admin/reception/edit/?id={entry.id}", data={
        "day": "2026-11-24", "slot": "am", "place": "新接待室", "leader": str(office["leader3"].id),
        "standin": "", "portfolio": "", "note": ""})
    assert resp.status_code == 302
    db.session.expire_all()
    e = db.session.get(ReceptionSchedule, entry.id)
    assert (e.place, e.leader_id, e.portfolio, e.events[-1].action) == ("新接待室", office["leader3"].id,
                                                                        "信访工作", "edit")
    # A hand-made entry through the create form gets the leader's portfolio and a 'create' event.
    resp = clerk.post("/admin/reception/new/", data={
        "day": "2026-12-02", "slot": "pm", "place": "城关镇便民服务中心", "leader": str(office["leader"].id),
        "standin": "", "portfolio": "", "note": "下访"})
    assert resp.status_code == 302
    made = db.session.execute(select(ReceptionSchedule).where(ReceptionSchedule.day == date(2026, 12, 2))).scalar()
    assert made.portfolio == "城乡建设、信访" and made.events[0].action == "create"
    # A received entry is not edited any more.
    made.status = "received"
    db.session.commit()
    resp = clerk.get(f"/admin/reception/edit/?id={made.id}", follow_redirects=True)
    assert "不能再修改" in resp.get_data(as_text=True)
    assert login("leader").get("/admin/reception/new/").status_code == 403


def test_leader_declines_and_the_office_reassigns_and_adds_cases(office, login):
    pkg = _pkg(office, office["leader"], office["zj"], office["c_zj"], "房屋漏水包案", status="proposed")
    leader = login("leader")
    page = leader.get(f"/admin/package/details/?id={pkg.id}").get_data(as_text=True)
    assert 'id="decline-form"' in page and 'id="reassign-form"' not in page
    resp = leader.post(f"/admin/package/decline/?id={pkg.id}", data={"reason": ""}, follow_redirects=True)
    assert "退回理由" in resp.get_data(as_text=True)
    resp = leader.post(f"/admin/package/decline/?id={pkg.id}", data={"reason": "需回避"}, follow_redirects=True)
    assert "已退回包案" in resp.get_data(as_text=True) and "房屋漏水包案" not in resp.get_data(as_text=True)
    clerk = login("clerk")
    page = clerk.get(f"/admin/package/details/?id={pkg.id}").get_data(as_text=True)
    assert "领导已退回" in page and "需回避" in page and 'id="reassign-form"' in page
    # Another petitioner's case is refused with the rule's message; the same petitioner's joins.
    resp = clerk.post(f"/admin/package/add-cases/?id={pkg.id}", data={"cases": office["c_rs"].number},
                      follow_redirects=True)
    assert "只能将同一信访人的信访事项合并包案" in resp.get_data(as_text=True)
    more = _case(office["zj"], office["zhang"], 3)
    db.session.commit()
    resp = clerk.post(f"/admin/package/add-cases/?id={pkg.id}", data={"cases": more.number},
                      follow_redirects=True)
    assert f"已将{more.number}加入包案" in resp.get_data(as_text=True)
    resp = clerk.post(f"/admin/package/reassign/?id={pkg.id}",
                      data={"leader_id": str(office["leader2"].id), "department_id": str(office["zj"].id)},
                      follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert "已改由赵县长包案，待其确认" in body, re.findall(r"alert[^>]*>(.*?)</div>", body, re.S)
    for who in ("leader", "leader2", "handler1"):
        assert login(who).post(f"/admin/package/reassign/?id={pkg.id}",
                               data={"leader_id": str(office["leader"].id)}).status_code == 403
        assert login(who).post(f"/admin/package/add-cases/?id={pkg.id}",
                               data={"cases": more.number}).status_code == 403
    db.session.expire_all()
    pkg = db.session.get(PackageAssignment, pkg.id)
    assert (pkg.status, pkg.leader_id, len(pkg.cases)) == ("proposed", office["leader2"].id, 2)


def test_rota_calendar_names_law_holidays(office, login):
    """The month grid names a holiday on its day: from the entered notice (2026) and, for a year
    whose notice is not entered (2027), the law's days the clock counts, marked 暂定."""
    clerk = login("clerk")
    for month, name in (("2026-10", "国庆节"), ("2027-10", "国庆节（暂定）")):
        page = clerk.get(f"/admin/reception-calendar/?month={month}").get_data(as_text=True)
        cell = re.search(r'<td class="rest">\s*<span class="daynum">1</span>\s*<span[^>]*>([^<]*)</span>', page)
        assert cell and cell.group(1) == name, month
