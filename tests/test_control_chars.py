"""A NUL byte or another invisible control character anywhere in a query string or form is
refused in one place with a Chinese 400 page, the same on SQLite and PostgreSQL; CR/LF in next=
is ignored."""
from html import unescape

import pytest
from sqlalchemy import func, select

from models import AuditLog, Case, db
from services.inputs import MSG_CONTROL_CHARS
from tests.conftest import Browserless
from tests.views.test_registration_view import base_form


def _refused(resp):
    return resp.status_code == 400 and MSG_CONTROL_CHARS in unescape(resp.get_data(as_text=True))


@pytest.mark.parametrize("url", [
    "/admin/case/?search=%E5%BC%A0%00",          # search box
    "/admin/case/?flt0_0=%00",                     # a filter
    "/admin/case/?search=abc%1b%5B31m",            # an escape sequence
    "/admin/case/?sort=%00",
    "/admin/case/?search=%E2%80%AEevil",           # a right-to-left override
])
def test_control_characters_in_query_strings_are_refused(make_client, url):
    assert _refused(make_client("clerk").get(url))


def test_ordinary_search_with_tab_still_works(make_client):
    assert make_client("clerk").get("/admin/case/?search=%E5%BC%A0%09").status_code == 200


def test_nul_in_the_login_form_is_refused_and_recorded_nowhere(make_client):
    c = make_client()
    before = db.session.scalar(select(func.count()).select_from(AuditLog))
    assert _refused(c.post("/login", {"username": "admin\x00", "password": "demo1234"}))
    assert _refused(c.post("/login", {"username": "admin", "password": "demo\x001234"}))
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == before
    assert c.get("/admin/").status_code == 302  # not signed in


@pytest.mark.parametrize("field", ["summary", "petitioners-0-name", "incident_place", "demands"])
def test_nul_in_the_registration_form_changes_nothing(make_client, field):
    c = make_client("clerk")
    before = db.session.scalar(select(func.count()).select_from(Case))
    form = base_form()
    form[field] = form[field] + "\x00"
    assert _refused(c.post("/admin/register/", form))
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Case)) == before


def test_multi_line_text_keeps_its_line_breaks(make_client):
    c = make_client("clerk")
    before = db.session.scalar(select(func.count()).select_from(Case))
    resp = c.post("/admin/register/", base_form(summary="第一行\r\n第二行\t（补充）"))
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Case)) == before + 1


@pytest.mark.parametrize("nxt", ["/admin/%0d%0aSet-Cookie:%20x=1", "/admin/%0aLocation:%20//evil.example",
                                 "/%09/evil.example", "/\\evil.example", "//evil.example",
                                 "https://evil.example/"])
def test_next_with_cr_lf_or_another_host_is_ignored(make_client, nxt):
    c = make_client()
    c.token()
    resp = c.client.post(f"/login?next={nxt}", data={"username": "clerk", "password": "demo1234",
                                                      "csrf_token": c.token()})
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.endswith("/admin/") and "\n" not in location and "evil" not in location
    assert "x=1" not in " ".join(resp.headers.getlist("Set-Cookie"))


def test_next_inside_the_site_is_followed(make_client):
    c = Browserless(make_client().app)
    resp = c.client.post("/login?next=/admin/case/", data={"username": "clerk", "password": "demo1234",
                                                           "csrf_token": c.token()})
    assert resp.headers["Location"].endswith("/admin/case/")
