"""统计报表 → 考核 and 系统管理 → 考核方案 on the hand-built 2025 (tests/services/test_assessment.py):
what each role sees, the drill-down to the case list, the Excel cells, and editing the scheme."""
import io
import json
import re
from html import unescape

import openpyxl
import pytest

from models import AssessmentItem, AssessmentScheme, db
from tests.services.test_assessment import SCHEME_2025, build_year

URL = "/admin/assessment/"
SCHEME_URL = "/admin/assessment-scheme/"


@pytest.fixture
def year(app):
    return build_year()


def text(resp):
    return resp.get_data(as_text=True)


def rows(page):
    """{department id: {data-col: visible text}} of the assessment table."""
    out = {}
    for dept, body in re.findall(r'<tr data-department="(\d+)">(.*?)</tr>', page, re.S):
        cells = re.findall(r'data-col="([^"]+)">(.*?)</td>', body, re.S)
        out[int(dept)] = {k: " ".join(unescape(re.sub(r"<[^>]+>", "", v)).split()) for k, v in cells}
    return out


def test_the_office_sees_every_department_ranked(year, app_client):
    page = text(app_client("clerk").get(URL + "?year=2025"))
    got = rows(page)
    a, b, c = year["a"].id, year["b"].id, year["c"].id
    assert list(got) == [b, a, c]
    assert got[a]["rank"] == "2" and got[a]["total"] == "53.00"
    assert got[a]["accept_rate-value"] == "75.0% (3/4)" and got[a]["accept_rate-score"] == "10.00"
    assert got[a]["skip_level-value"] == "3" and got[a]["skip_level-score"] == "0.00"
    assert got[b]["rank"] == "1" and got[b]["total"] == "80.00"
    assert got[b]["package_rate-value"] == "— (0/0)" and got[b]["package_rate-score"] == "10.00"
    assert got[c]["rank"] == "3" and got[c]["total"] == "0.00" and got[c]["note"] == "一票否决"
    assert got[c]["skip_collective-score"] == "否决"
    assert "2025年度考核方案" in page


def _link(page, dept_id, col, which=0):
    body = re.search(rf'<tr data-department="{dept_id}">(.*?)</tr>', page, re.S).group(1)
    cell = re.search(rf'data-col="{col}">(.*?)</td>', body, re.S).group(1)
    return unescape(re.findall(r'href="([^"]+)"', cell)[which])


def filter_labels(page):
    """The choices of the case list's 考核明细 filter (Flask-Admin keeps them as JSON for its script)."""
    data = json.loads(unescape(re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>', page,
                                         re.S).group(1)))
    return [label for f in data.get("考核明细", []) for _v, label in (f.get("options") or [])]


def _numbers(page):
    return set(re.findall(r">(F2026-\d{6})<", page))


def test_each_number_drills_down_to_its_cases(year, app_client):
    clerk = app_client("clerk")
    page = text(clerk.get(URL + "?year=2025"))
    a = year["a"].id
    listed = text(clerk.get(_link(page, a, "accept_rate-value", 0)))
    assert _numbers(listed) == {c.number for c in year["a_accept_on_time"]}
    assert "县住房和城乡建设局 2025-01-01至2025-12-31 及时受理率（分子）" in filter_labels(listed)
    base = text(clerk.get(_link(page, a, "accept_rate-value", 1)))
    assert _numbers(base) == {c.number for c in year["a_accept_on_time"] + year["a_accept_late"]}
    skip = text(clerk.get(_link(page, a, "skip_level-value")))
    assert _numbers(skip) == {c.number for c in year["a_skip"]}
    veto = text(clerk.get(_link(page, year["c"].id, "skip_collective-value")))
    assert _numbers(veto) == {year["c_veto"].number}


def test_a_handler_sees_only_his_department_and_drills_only_into_it(year, app_client):
    handler = app_client("handler1")  # 住建局
    page = text(handler.get(URL + "?year=2025"))
    assert list(rows(page)) == [year["a"].id]
    assert "县人力资源和社会保障局" not in page and "县教育局" not in page
    # a link made for another department shows no case and no name
    url = _link(text(app_client("clerk").get(URL + "?year=2025")), year["c"].id, "skip_collective-value")
    other = text(handler.get(url))
    assert year["c_veto"].number not in other and "县教育局" not in other
    assert "县教育局" not in " ".join(filter_labels(other))


def test_a_leader_sees_his_subtree(year, app_client):
    # leader2 (赵县长) sits at the county government: every department below it
    page = text(app_client("leader2").get(URL + "?year=2025"))
    assert set(rows(page)) == {year["a"].id, year["b"].id, year["c"].id}


def test_the_archivist_has_no_assessment(year, app_client):
    archivist = app_client("archivist")
    assert archivist.get(URL).status_code == 403
    assert archivist.get(URL + "export.xlsx").status_code == 403


def test_bad_period_input_falls_back_with_a_message(year, app_client):
    resp = app_client("clerk").get(URL + "?year=abc&quarter=9")
    assert resp.status_code == 200
    assert "考核年份应为整数" in text(resp)


def test_excel_cells(year, app_client):
    resp = app_client("clerk").get(URL + "?year=2025")
    xlsx = app_client("clerk").get(URL + "export.xlsx?year=2025&quarter=0")
    assert resp.status_code == 200 and xlsx.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert ws["A1"].value == "信访事项管理台信访工作目标管理考核表" or ws["A1"].value.endswith("信访工作目标管理考核表")
    assert ws["D3"].value == "及时受理率（20分）"
    assert (ws["A3"].value, ws["B3"].value, ws["C3"].value, ws["D4"].value, ws["E4"].value) == (
        "序号", "排名", "单位", "指标值", "得分")
    values = [[cell.value for cell in row] for row in ws.iter_rows(min_row=5, max_row=7)]
    assert [v[:5] for v in values] == [[1, 1, "县人力资源和社会保障局", 1, 20],
                                       [2, 2, "县住房和城乡建设局", 0.75, 10],
                                       [3, 3, "县教育局", 1, 20]]
    assert [v[-2:] for v in values] == [[80, None], [53, None], [0, "一票否决"]]
    # 越级集体访 (the last indicator) of 教育局: 1 occurrence, 否决
    assert values[2][-4:-2] == [1, "否决"]


def test_the_admin_edits_the_scheme(year, app_client):
    admin = app_client("admin")
    page = text(admin.get(SCHEME_URL + "?year=2025"))
    assert 'name="accept_rate-weight" value="20"' in page
    resp = admin.post(SCHEME_URL + "save", data={**SCHEME_2025, "year": "2025", "accept_rate-weight": "30"})
    assert resp.status_code == 302
    item = db.session.query(AssessmentItem).join(AssessmentScheme).filter(
        AssessmentScheme.year == 2025, AssessmentItem.indicator == "accept_rate").one()
    assert item.weight == 30
    got = rows(text(admin.get(URL + "?year=2025")))
    assert got[year["a"].id]["accept_rate-score"] == "15.00"  # 75% between 50% and 100% of 30


@pytest.mark.parametrize("change, message", [
    ({"accept_rate-weight": "-5"}, "“及时受理率”的分值不能为负数"),
    ({"close_rate-floor": "90", "close_rate-target": "80"}, "“按期办结率”的零分线（90%）不能高于满分线（80%）"),
])
def test_bad_scheme_input_changes_nothing(year, app_client, change, message):
    admin = app_client("admin")
    before = [(i.indicator, i.weight, i.floor, i.target) for i in
              db.session.query(AssessmentItem).order_by(AssessmentItem.id)]
    resp = admin.post(SCHEME_URL + "save", data={**SCHEME_2025, "year": "2025", **change})
    assert resp.status_code == 400
    assert message in text(resp)
    db.session.expire_all()
    after = [(i.indicator, i.weight, i.floor, i.target) for i in
             db.session.query(AssessmentItem).order_by(AssessmentItem.id)]
    assert after == before


def test_a_new_year_is_copied_from_the_last(year, app_client):
    admin = app_client("admin")
    page = text(admin.get(SCHEME_URL + "?year=2026"))
    assert "2026年度尚未制定考核方案" in page and "沿用2025年度考核方案" in page
    resp = admin.post(SCHEME_URL + "start", data={"year": "2026"})
    assert resp.status_code == 302
    page = text(admin.get(SCHEME_URL + "?year=2026"))
    assert "2026年度考核方案，满分100分" in page


def test_only_the_admin_edits_the_scheme(year, app_client):
    clerk = app_client("clerk")
    assert clerk.get(SCHEME_URL + "?year=2025").status_code == 200
    assert clerk.post(SCHEME_URL + "save", data={**SCHEME_2025, "year": "2025",
                                                 "accept_rate-weight": "1"}).status_code == 403
    assert clerk.post(SCHEME_URL + "start", data={"year": "2027"}).status_code == 403
    assert app_client("handler1").get(SCHEME_URL).status_code == 403
    assert db.session.query(AssessmentScheme).count() == 1


def test_leaders_see_their_branch_and_the_bureaus_leaders_all(year, app_client):
    from tests.factories import UserFactory
    UserFactory(username="leader_zj", full_name="钱局长", role="leader", department=year["a"])
    db.session.commit()
    assert list(rows(text(app_client("leader_zj").get(URL + "?year=2025")))) == [year["a"].id]
    # leader3 (信访局局长) oversees the whole office, as on the case list
    assert set(rows(text(app_client("leader3").get(URL + "?year=2025")))) == {
        year["a"].id, year["b"].id, year["c"].id}
