"""Every demo user logs in through /login and opens exactly the screens access.VIEW_RIGHTS grants."""
import re
from html import unescape

import pytest
from flask_admin.contrib.sqla import ModelView
from sqlalchemy import select

from models import User, db
from services import access
from services.auth import BAD_LOGIN
from views.adapters import admin_internals

DEMO_USERS = ["admin", "clerk", "leader", "leader2", "leader3", "archivist", "handler1", "handler2", "handler3"]


def _screens(app):
    """(url, screen, right) of every admin page that is guarded by a screen right."""
    admin = app.extensions["xinfang_admin"]
    out = []
    with app.test_request_context():
        from flask import url_for
        for view in admin_internals.registered_views(admin):
            screen = getattr(view, "screen", None)
            if not screen or view.endpoint == "attachment":
                continue
            if isinstance(view, ModelView):
                url = url_for(f"{view.endpoint}.index_view")
            elif view.endpoint == "register":
                url = url_for("register.index")
            else:
                continue
            out.append((url, screen, getattr(view, "required_right", access.R)))
    return out


@pytest.mark.parametrize("username", DEMO_USERS)
def test_each_demo_user_opens_what_the_rights_grant(demo_app, make_client, username):
    c = make_client(username)
    user = db.session.scalar(select(User).where(User.username == username))
    home = c.get("/admin/")
    assert home.status_code == 200
    assert user.full_name in home.get_data(as_text=True)
    screens = _screens(demo_app)
    assert any(s == "case" for _, s, _ in screens)
    granted = 0
    for url, screen, right in screens:
        expected = 200 if access.may_view(user, screen, right) else 403
        got = c.get(url).status_code
        assert got == expected, f"{username} {url}: {got}, expected {expected}"
        granted += expected == 200
    assert granted >= 1


def test_case_list_shows_only_what_the_user_may_see(make_client):
    from models import Case, Department
    own = {"县住房和城乡建设局", "县城市管理综合执法大队"}
    html = make_client("handler1").get("/admin/case/?page_size=500").get_data(as_text=True)
    numbers = set(re.findall(r"\d{4}-\d{6}", html))
    assert len(numbers) >= 10
    for case in db.session.scalars(select(Case).where(Case.number.in_(numbers))):
        assists = {a.department.name for a in case.assists}
        assert (case.department and case.department.name in own) or assists & own, case.number
    others = db.session.scalars(select(Case.number).join(Department, Department.id == Case.department_id)
                                .where(Department.name == "县人力资源和社会保障局")).all()
    assert others and not numbers & set(others)


def test_wrong_password_says_so_without_saying_which_part(make_client):
    c = make_client()
    for username, password in (("clerk", "wrong-password"), ("nobody", "demo1234")):
        resp = c.login(username, password)
        assert resp.status_code == 200
        assert BAD_LOGIN in unescape(resp.get_data(as_text=True))
    assert c.get("/admin/case/").status_code == 302


def test_anonymous_is_sent_to_login(make_client):
    c = make_client()
    for url in ("/admin/case/", "/admin/", "/admin/register/", "/admin/case/details/?id=1"):
        resp = c.get(url)
        assert resp.status_code == 302, url
        assert "/login" in resp.headers["Location"]


def test_login_then_logout(make_client):
    c = make_client("clerk")
    assert c.get("/admin/case/").status_code == 200
    assert c.post("/logout").status_code == 302
    assert c.get("/admin/case/").status_code == 302


def test_login_page_is_chinese_and_has_csrf(make_client):
    html = make_client().get("/login").get_data(as_text=True)
    assert "用户名" in html and "密码" in html and 'name="csrf_token"' in html
    # a POST without the token is refused
    resp = make_client().client.post("/login", data={"username": "clerk", "password": "demo1234"})
    assert resp.status_code == 400
