"""排查化解 as the office and the units use it: a half-month round with a zero, a late and a missing
report (未报单位, 催报, 待办); an entry becoming a case and a package, linked both ways; the monthly
table on screen and in Excel with every figure written here; no entry of another unit reaches a
handler."""
import io
import re
from datetime import date
from html import unescape

import openpyxl
import pytest
from sqlalchemy import select

from models import Case, PackageAssignment, ScreeningEntry, db
from tests.conftest import DEMO_TODAY, noon
from tests.factories import leaders_office, make_dept, make_user
from tests.services.test_screening import _month_of_entries
from tests.views.test_registration_view import base_form


@pytest.fixture
def office(app):
    o = leaders_office(portfolios=False)
    o["cg"] = make_dept("城关镇人民政府", o["root"])
    o["handler3"] = make_user("handler3", "郑承办", "handler", o["cg"])
    db.session.commit()
    return o


def text(resp):
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True))))


def flashed(client):
    with client.client.session_transaction() as sess:
        return [m for _c, m in sess.pop("_flashes", [])]


def entry_form(o, dept, **over):
    data = {"department_id": str(dept.id), "round_id": "", "found_on": "2026-12-02", "place": "城关镇锦绣华庭小区",
            "parties_text": "小区业主", "category": "城乡建设", "summary": "业主因办证问题酝酿集体上访。",
            "people_count": "40", "risk_level": "major", "threatens_extreme": "1", "measures": "约谈开发商。",
            "leader_id": str(o["leader"].id), "responsible_person": "刘科长"}
    data.update(over)
    return data


def test_a_half_month_round_as_the_office_and_the_units_see_it(office, app_client, time_machine):
    o = office
    time_machine.move_to(noon(date(2026, 12, 1)))
    clerk, h1, h2, h3 = (app_client(u) for u in ("clerk", "handler1", "handler2", "handler3"))
    r = clerk.post("/admin/screening-rounds/open-half/")
    assert r.status_code == 302
    assert flashed(clerk) == ["已开启排查批次“2026年12月上半月”，报送期限2026-12-15。"]
    round_url = r.headers["Location"]
    page = text(clerk.get(round_url))
    assert "应报 3 个单位，已报 0 个" in page
    assert "未报单位（3个）：县住房和城乡建设局、县人力资源和社会保障局、城关镇人民政府" in page

    # 住建局 files an entry into the round and reports; 人社局 makes a zero report
    time_machine.move_to(noon(date(2026, 12, 10)))
    rid = re.search(r"/(\d+)/$", round_url).group(1)
    r = h1.post("/admin/screening/new/", entry_form(o, o["zj"], round_id=rid, back="round"))
    assert r.status_code == 302 and r.headers["Location"].endswith(round_url)
    page = h1.get(round_url).get_data(as_text=True)
    assert "城关镇人民政府" not in page and "县人力资源和社会保障局" not in page  # his own unit's row only
    report = re.search(r'action="/admin/screening-rounds/submit/(\d+)/"', page).group(1)
    assert h1.post(f"/admin/screening-rounds/submit/{report}/").status_code == 302
    assert flashed(h1) == ["县住房和城乡建设局已报送本期排查情况。"]
    report2 = re.search(r'action="/admin/screening-rounds/submit/(\d+)/"', h2.get(round_url).get_data(as_text=True))
    h2.post(f"/admin/screening-rounds/submit/{report2.group(1)}/", {"zero": "1"})
    # handler1 cannot submit for 人社局 (the row is out of his reach)
    assert h1.post(f"/admin/screening-rounds/submit/{report2.group(1)}/").status_code == 404

    # after the due date: the office sees the missing unit and reminds it; its 待办 says so
    time_machine.move_to(noon(date(2026, 12, 16)))
    page = text(clerk.get(round_url))
    assert "未报单位（1个）：城关镇人民政府" in page
    assert "已报送（1条）" in page and "零报告" in page and "逾期未报" in page
    assert "矛盾纠纷排查待报送 1 排查报送被催报 0" in text(h3.get("/admin/todo/"))
    assert h2.post(f"/admin/screening-rounds/remind/{report2.group(1)}/").status_code == 403  # units do not remind
    assert clerk.post(f"/admin/screening-rounds/{rid}/remind-all/").status_code == 302
    assert flashed(clerk) == ["已向1个未报单位催报。"]
    todo_page = text(h3.get("/admin/todo/"))
    assert "矛盾纠纷排查待报送 1 排查报送被催报 1" in todo_page
    assert "信访办已催报" in text(h3.get("/admin/screening-rounds/"))

    # a late zero report is taken and marked 迟报
    time_machine.move_to(noon(date(2026, 12, 17)))
    page = h3.get(round_url).get_data(as_text=True)
    report3 = re.search(r'action="/admin/screening-rounds/submit/(\d+)/"', page).group(1)
    h3.post(f"/admin/screening-rounds/submit/{report3}/", {"zero": "1"})
    assert flashed(h3) == ["城关镇人民政府已报送零报告（迟报）。"]
    page = text(clerk.get(round_url))
    assert "零报告·迟报" in page and "未报单位" not in page
    assert "已报 3 个（零报告 2，迟报 1），未报 0 个" in page
    time_machine.move_to(noon(DEMO_TODAY))


def test_an_entry_becomes_a_case_and_a_package_linked_both_ways(office, app_client):
    o = office
    clerk, h1 = app_client("clerk"), app_client("handler1")
    r = h1.post("/admin/screening/new/", entry_form(o, o["zj"], found_on="2026-11-18"))
    assert r.status_code == 302
    entry = db.session.scalar(select(ScreeningEntry))
    entry_url = f"/admin/screening/details/?id={entry.id}"
    assert "转为信访事项登记" not in text(h1.get(entry_url))  # the office registers cases

    # the registration form comes prefilled from the entry
    page = clerk.get(f"/admin/register/?entry={entry.id}").get_data(as_text=True)
    assert "由矛盾纠纷排查条目转为信访事项" in page and "业主因办证问题酝酿集体上访。" in page
    assert 'value="城关镇锦绣华庭小区"' in page and 'value="40"' in page
    form = base_form(summary="业主因办证问题酝酿集体上访。", incident_place="城关镇锦绣华庭小区", people_count="40",
                     category="城乡建设", channel="visit", entry=str(entry.id), received_on="2026-11-19")
    form.update({"representatives-0-name": "业主代表甲", "representatives-0-id_number": "",
                 "representatives-0-phone": "13900000001", "representatives-0-id_type": "resident"})
    r = clerk.post("/admin/register/", form)
    assert r.status_code == 302, text(r)[:1500]
    db.session.expire_all()
    case = db.session.scalar(select(Case).order_by(Case.id.desc()))
    entry = db.session.get(ScreeningEntry, entry.id)
    assert entry.case_id == case.id and entry.status == "converted" and entry.converted_on == DEMO_TODAY
    page = text(clerk.get(f"/admin/case/details/?id={case.id}"))
    assert "排查来源" in page and "矛盾纠纷排查：县住房和城乡建设局 · 城关镇锦绣华庭小区" in page
    page = text(clerk.get(entry_url))
    assert case.number in page and "已转信访事项" in page
    assert f"转为信访事项，编号{case.number}" in page or f"编号{case.number}。" in page
    # not twice
    assert clerk.get(f"/admin/register/?entry={entry.id}").status_code == 302
    assert flashed(clerk) == ["该条目已转为信访事项或已化解，不能再登记。"]

    # the 包案 form comes prefilled (with the case), and the package links back
    page = clerk.get(f"/admin/package/propose/?entry={entry.id}").get_data(as_text=True)
    assert "来源：矛盾纠纷排查" in page and case.number in page
    assert 'value="城关镇锦绣华庭小区城乡建设矛盾纠纷包案化解"' in page and "约谈开发商。" in page
    r = clerk.post("/admin/package/propose/", {
        "entry": str(entry.id), "cases": case.number, "title": "锦绣华庭办证问题包案", "leader_id": str(o["leader"].id),
        "department_id": str(o["zj"].id), "responsible_person": "刘科长", "deadline": "2026-12-31",
        "plan": "约谈开发商，限期办证。"})
    assert r.status_code == 302, text(r)[:1500]
    db.session.expire_all()
    pkg = db.session.scalar(select(PackageAssignment))
    assert [c.id for c in pkg.cases] == [case.id]
    assert db.session.get(ScreeningEntry, entry.id).package_id == pkg.id
    page = text(clerk.get(f"/admin/package/details/?id={pkg.id}"))
    assert "来源：矛盾纠纷排查" in page and "县住房和城乡建设局 · 城关镇锦绣华庭小区" in page
    assert "李建国包案" in text(clerk.get(entry_url))


def test_an_entry_not_yet_a_case_becomes_a_package_of_its_own(office, app_client):
    o = office
    clerk, h1 = app_client("clerk"), app_client("handler1")
    h1.post("/admin/screening/new/", entry_form(o, o["zj"], found_on="2026-11-18"))
    entry = db.session.scalar(select(ScreeningEntry))
    r = clerk.post("/admin/package/propose/", {
        "entry": str(entry.id), "cases": "", "title": "", "leader_id": str(o["leader"].id),
        "department_id": str(o["zj"].id), "responsible_person": "刘科长", "deadline": "2026-12-31", "plan": "约谈。"})
    assert r.status_code == 302, text(r)[:1500]
    db.session.expire_all()
    pkg = db.session.scalar(select(PackageAssignment))
    assert pkg.cases == [] and pkg.title == "矛盾纠纷包案化解"
    entry = db.session.get(ScreeningEntry, entry.id)
    assert entry.package_id == pkg.id and entry.status == "resolving"
    # without an entry a package still needs a case
    r = clerk.post("/admin/package/propose/", {
        "cases": "", "leader_id": str(o["leader"].id), "department_id": str(o["zj"].id),
        "responsible_person": "刘科长", "deadline": "2026-12-31", "plan": "约谈。"})
    assert r.status_code == 400 and "请选择要包案的信访事项" in text(r)


def test_the_monthly_table_on_screen_and_in_excel(office, app_client):
    o = office
    _month_of_entries(o)
    clerk = app_client("clerk")
    page = text(clerk.get("/admin/screening-stats/?month=2026-11"))
    rows = [re.sub(r"\s+", " ", m).strip() for m in re.findall(r"<tr[^>]*>(.*?)</tr>", clerk.get(
        "/admin/screening-stats/?month=2026-11").get_data(as_text=True), re.S)]
    cells = [re.sub(r"<[^>]+>", "|", r) for r in rows]
    cells = [[c.strip() for c in r.split("|") if c.strip()] for r in cells]
    assert cells[1:] == [
        ["县住房和城乡建设局", "城乡建设", "3", "1", "2", "0", "33.3%"],
        ["县住房和城乡建设局", "拆迁安置", "1", "0", "0", "1", "0.0%"],
        ["县住房和城乡建设局", "小计", "4", "1", "2", "1", "25.0%"],
        ["县人力资源和社会保障局", "劳动社保", "2", "2", "0", "0", "100.0%"],
        ["县人力资源和社会保障局", "小计", "2", "2", "0", "0", "100.0%"],
        ["合计", "6", "3", "2", "1", "50.0%"],
    ]
    assert "2026年11月排查发现的矛盾纠纷" in page

    r = clerk.get("/admin/screening-stats/export.xlsx?month=2026-11")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.get_data())).active
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    assert values[0][0] == "示范县信访局矛盾纠纷排查化解情况统计表"
    assert values[1][0] == "统计月份：2026年11月（2026-11-01至2026-11-30）"
    assert values[2] == ["单位", "类别", "排查发现", "已化解", "化解中", "已转信访事项", "化解率"]
    assert values[3] == ["县住房和城乡建设局", "城乡建设", 3, 1, 2, 0, pytest.approx(1 / 3)]
    assert values[4] == ["县住房和城乡建设局", "拆迁安置", 1, 0, 0, 1, 0]
    assert values[5] == ["县住房和城乡建设局", "小计", 4, 1, 2, 1, 0.25]
    assert values[6] == ["县人力资源和社会保障局", "劳动社保", 2, 2, 0, 0, 1]
    assert values[7] == ["县人力资源和社会保障局", "小计", 2, 2, 0, 0, 1]
    assert values[8] == ["合计", "", 6, 3, 2, 1, 0.5] or values[8] == ["合计", None, 6, 3, 2, 1, 0.5]
    assert ws.freeze_panes == "A4"

    # the 重大隐患 list of the month: the 拆迁安置 entry (become a case on 11-25)
    page = text(clerk.get("/admin/screening-major/?month=2026-11"))
    assert "共 1 条" in page and "城关镇东关社区" in page and "扬言" in page
    ws = openpyxl.load_workbook(io.BytesIO(clerk.get("/admin/screening-major/export.xlsx?month=2026-11")
                                           .get_data())).active
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    assert values[0][0] == "示范县信访局重大信访隐患情况表" and values[1][0] == "报送月份：2026年11月"
    assert values[2][0] == "序号" and values[3][:4] == [1, "县住房和城乡建设局", values[3][2], "城关镇东关社区"]
    assert values[3][12] == "已转信访事项" and values[4][:2] == ["合计", "1条"]


def test_another_units_entries_never_reach_a_handler(office, app_client):
    o = office
    h1, h2 = app_client("handler1"), app_client("handler2")
    h1.post("/admin/screening/new/", entry_form(o, o["zj"], found_on="2026-11-18", place="住建局的秘密地点"))
    entry = db.session.scalar(select(ScreeningEntry))
    for url in (f"/admin/screening/details/?id={entry.id}", f"/admin/screening/edit/?id={entry.id}"):
        r = h2.get(url)
        assert r.status_code == 404 and "住建局的秘密地点" not in text(r)
    assert h2.post(f"/admin/screening/progress/?id={entry.id}", {"on": "2026-11-19", "text": "x"}).status_code == 404
    assert h2.post(f"/admin/screening/edit/?id={entry.id}", entry_form(o, o["zj"])).status_code == 404
    for url in ("/admin/screening/", "/admin/screening/?search=秘密", "/admin/screening-stats/?month=2026-11",
                "/admin/screening-major/?month=2026-11"):
        r = h2.get(url)
        assert r.status_code == 200 and "住建局的秘密地点" not in text(r) and "县住房和城乡建设局" not in text(r), url
    # filing for another unit is refused with a message, nothing stored
    r = h2.post("/admin/screening/new/", entry_form(o, o["zj"], found_on="2026-11-18"))
    assert r.status_code == 400 and "只能填报本单位（及下属单位）的排查情况。" in text(r)
    assert db.session.scalars(select(ScreeningEntry)).all() == [entry]
    # his own unit's entry: the details, and a progress that resolves it
    assert "住建局的秘密地点" in text(h1.get(f"/admin/screening/details/?id={entry.id}"))
    h1.post(f"/admin/screening/progress/?id={entry.id}", {"on": "2026-11-19", "text": "已签订协议。",
                                                           "status": "resolved"})
    db.session.expire_all()
    entry = db.session.get(ScreeningEntry, entry.id)
    assert (entry.status, entry.resolved_on) == ("resolved", date(2026, 11, 19))
