"""Odd request input (ids the database cannot hold, page numbers far beyond the list, years out of
range) gives a 404, a redirect or a page with a Chinese message: never a 500."""
import pytest
from sqlalchemy import func, select

from models import Case, CaseEvent, db
from services import statistics

HUGE = "99999999999999999999"
ROLES = ("clerk", "admin")
SCREENS = ("case", "archive", "loan", "package", "reception", "party", "department", "holiday", "user")
# The screens whose edit door is open to the role (a huge id there is "no such row": 404); every
# other edit door refuses first (403). Only the admin may delete, and only holidays.
EDIT_OPEN = {"admin": {"department", "holiday", "user"}, "clerk": {"party", "reception"}}
DELETE_OPEN = {"admin": {"holiday"}, "clerk": set()}

GET_URLS = [f"/admin/{s}/{door}/?id={HUGE}" for s in SCREENS for door in ("details", "edit")] + [
    f"/admin/{s}/?page={HUGE}" for s in SCREENS] + [
    f"/admin/case/?page=-{HUGE}",
    "/admin/case/?page=-3",
    f"/admin/attachment/{HUGE}",
    f"/admin/moves/assign/{HUGE}/",
    f"/admin/moves/bulk/assign/?ids={HUGE},1",
    f"/admin/package/details/?id={HUGE}",
    f"/admin/loan/details/?id={HUGE}",
]


def text(resp):
    return resp.get_data(as_text=True)


def accepted_case_id():
    return db.session.execute(select(Case.id).where(Case.status == "accepted").order_by(Case.id)).scalars().first()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", GET_URLS)
def test_huge_numbers_in_urls_never_500(make_client, role, url):
    resp = make_client(role).get(url)
    screen = url.split("/")[2]
    if role == "clerk" and screen == "user":
        expected = 403  # the user screen is the admin's
    elif "?page=" in url:
        expected = 200  # the last page
    elif "/edit/" in url:
        expected = 404 if screen in EDIT_OPEN[role] else 403
    elif url.startswith("/admin/moves/bulk/"):
        expected = 200 if role == "clerk" else 403  # the form, with the unknown id left out
    else:
        expected = 404
    assert resp.status_code == expected, (url, resp.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_page_beyond_the_last_shows_the_last_page(make_client, role):
    client = make_client(role)
    for page in (HUGE, "100000", "99999"):
        resp = client.get(f"/admin/case/?page={page}")
        assert resp.status_code == 200
    # The last page is not empty: rows are shown rather than an empty list.
    total = db.session.execute(select(func.count(Case.id)).where(Case.status != "voided")).scalar()
    assert total > 0
    last = client.get(f"/admin/case/?page={HUGE}")
    assert "/admin/case/details/?id=" in text(last)


@pytest.mark.parametrize("role", ROLES)
def test_huge_ids_in_posts_never_500(make_client, role):
    client = make_client(role)
    for screen in SCREENS:
        resp = client.post(f"/admin/{screen}/edit/?id={HUGE}", data={})
        assert resp.status_code == (404 if screen in EDIT_OPEN[role] else 403), (screen, resp.status_code)
        resp = client.post(f"/admin/{screen}/delete/", data={"id": HUGE})
        assert resp.status_code == (404 if screen in DELETE_OPEN[role] else 403), (screen, resp.status_code)
    bulk = 404 if role == "clerk" else 403  # the clerk may assign: the id is not found
    resp = client.post("/admin/case/action/", data={"action": "bulk_assign", "rowid": [HUGE]})
    assert resp.status_code == bulk
    cid = accepted_case_id()
    resp = client.post("/admin/case/action/", data={"action": "bulk_assign", "rowid": [str(cid), HUGE]})
    assert resp.status_code == bulk  # one id out of reach: nothing runs
    resp = client.post(f"/admin/attachment/upload/{HUGE}", data={})
    assert resp.status_code == 404
    resp = client.post("/admin/moves/bulk/assign/", data={"ids": HUGE, "department_id": HUGE})
    assert resp.status_code == (200 if role == "clerk" else 403)


@pytest.mark.parametrize("role", ROLES)
def test_assign_to_a_huge_department_id_is_refused_in_chinese(make_client, role):
    client = make_client(role)
    cid = accepted_case_id()
    assert cid is not None
    before = db.session.get(Case, cid)
    status, version = before.status, before.version
    events = db.session.execute(select(func.count(CaseEvent.id)).where(CaseEvent.case_id == cid)).scalar()
    resp = client.post(f"/admin/moves/assign/{cid}/", data={"version": str(version), "department_id": HUGE})
    assert resp.status_code == 200
    # The clerk assigns and gets the field message; the admin may not assign at all.
    expected = "所选责任单位不存在或已停用" if role == "clerk" else "无权交办"
    assert expected in text(resp)
    resp = client.post(f"/admin/moves/assign/{cid}/", data={"version": str(version), "department_id": "1",
                                                            "assist_ids": HUGE})
    assert resp.status_code == 200
    db.session.expire_all()
    after = db.session.get(Case, cid)
    assert (after.status, after.version) == (status, version)
    assert db.session.execute(select(func.count(CaseEvent.id)).where(CaseEvent.case_id == cid)).scalar() == events


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", [
    "/admin/statistics/?kind=custom&start=0001-01-01&end=0001-12-31",
    "/admin/statistics/?kind=custom&start=2000-01-01&end=9999-12-31",
    "/admin/statistics/?kind=year&year=1",
    "/admin/statistics/?kind=month&year=9999&month=12",
    "/admin/statistics/?kind=quarter&year=1999&quarter=1",
    f"/admin/statistics/?kind=year&year={HUGE}",
])
def test_statistics_out_of_range_years_show_a_message(make_client, role, url):
    client = make_client(role)
    resp = client.get(url)
    assert resp.status_code == 200
    assert "统计年份应在2000年至2100年之间" in text(resp)
    export = client.get(url.replace("/admin/statistics/", "/admin/statistics/export.xlsx"))
    assert export.status_code == 200


def test_parse_period_year_bounds():
    for args in ({"kind": "custom", "start": "0001-01-01", "end": "0001-12-31"},
                 {"kind": "custom", "start": "1999-12-31", "end": "2000-01-31"},
                 {"kind": "custom", "start": "2100-01-01", "end": "2101-01-01"},
                 {"kind": "year", "year": "2101"}, {"kind": "month", "year": "1999", "month": "1"},
                 {"kind": "quarter", "year": "0", "quarter": "1"}):
        with pytest.raises(ValueError, match="2000年至2100年"):
            statistics.parse_period(args)
    # The bounds themselves work, and their 同比 / 环比 periods are valid dates.
    for args in ({"kind": "custom", "start": "2000-01-01", "end": "2100-12-31"},
                 {"kind": "custom", "start": "2000-01-01", "end": "2000-01-01"},
                 {"kind": "custom", "start": "2000-02-29", "end": "2000-02-29"},
                 {"kind": "month", "year": "2000", "month": "1"},
                 {"kind": "quarter", "year": "2000", "quarter": "1"},
                 {"kind": "year", "year": "2100"}):
        p = statistics.parse_period(args)
        prev, last_year = statistics.previous_period(p), statistics.same_period_last_year(p)
        assert prev.end < p.start and last_year.start < p.start


def test_department_filter_with_a_huge_id_is_ignored_not_a_500(make_client):
    resp = make_client("clerk").get("/admin/case/?flt0_1=99999999999999999999")
    assert resp.status_code == 200
