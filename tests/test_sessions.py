"""Sessions end when they should (logout, password change or reset, deactivation, role change),
own password change with the weak-password rules, the temporary password, the login rate limit,
and the secret key made once in instance/."""
import os
import re
import stat

import pytest
from sqlalchemy import select

from app import DEV_SECRET, create_app, instance_secret_key
from models import AuditLog, User, db
from services.auth import (MSG_PASSWORD_CURRENT, MSG_PASSWORD_LENGTH, MSG_PASSWORD_MISMATCH,
                           MSG_PASSWORD_WEAK, password_problem)
from tests.conftest import Browserless
from tests.test_accounts import PASSWORD, _user

NEW = "Spring-river-2027"


def _copy(client):
    """A second browser holding a copy of `client`'s cookies (a stolen or copied cookie)."""
    other = Browserless(client.app)
    for name in ("session", "remember_token"):
        cookie = client.client.get_cookie(name)
        if cookie is not None:
            other.client.set_cookie(name, cookie.value)
    return other


def _signed_in(client):
    resp = client.get("/admin/")
    return resp.status_code == 200


def _text(resp):
    from html import unescape
    return unescape(resp.get_data(as_text=True))


@pytest.fixture
def office(app):
    admin = _user("root1", role="admin")
    bob = _user("bob")
    return admin.id, bob.id


def _admin_edit(app, admin_client, bob_id, **changes):
    bob = db.session.get(User, bob_id)
    form = {"username": bob.username, "full_name": bob.full_name, "role": bob.role,
            "department": str(bob.department_id), "rank_order": "100", "active": "y", "new_password": ""}
    form.update(changes)
    form = {k: v for k, v in form.items() if v is not None}
    return admin_client.post(f"/admin/user/edit/?id={bob_id}", form)


def test_copied_cookie_replayed_after_logout_gets_the_login_page(app, office):
    c = Browserless(app)
    assert c.login("bob", PASSWORD).status_code == 302
    thief = _copy(c)
    assert _signed_in(thief)
    assert c.post("/logout").status_code == 302
    resp = thief.get("/admin/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_logout_is_post_only(app, office):
    c = Browserless(app)
    assert c.login("bob", PASSWORD).status_code == 302
    page = c.get("/logout")
    assert page.status_code == 200 and "确定退出登录吗？" in _text(page)
    assert _signed_in(c)  # a GET (a link, an <img src>) signs nobody out
    resp = c.client.post("/logout")  # without the CSRF token
    assert resp.status_code == 400 and _signed_in(c)
    assert 'id="logout-link"' in _text(c.get("/admin/"))


@pytest.mark.parametrize("change", ["password", "deactivate", "role"])
def test_admin_changes_end_every_session_of_the_user(app, office, change):
    admin_id, bob_id = office
    bob = Browserless(app)
    assert bob.login("bob", PASSWORD).status_code == 302
    admin = Browserless(app)
    assert admin.login("root1", PASSWORD).status_code == 302
    edits = {"password": {"new_password": "Temp-pass-2026"}, "deactivate": {"active": None},
             "role": {"role": "leader"}}[change]
    assert _admin_edit(app, admin, bob_id, **edits).status_code == 302
    resp = bob.get("/admin/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert _signed_in(admin)  # the admin's own session is untouched


def test_an_edit_that_changes_nothing_of_access_keeps_the_session(app, office):
    _, bob_id = office
    bob = Browserless(app)
    assert bob.login("bob", PASSWORD).status_code == 302
    admin = Browserless(app)
    assert admin.login("root1", PASSWORD).status_code == 302
    assert _admin_edit(app, admin, bob_id, full_name="鲍勃").status_code == 302
    assert _signed_in(bob)


def test_admin_changing_own_password_stays_signed_in_here_only(app, office):
    admin_id, _ = office
    a = Browserless(app)
    assert a.login("root1", PASSWORD).status_code == 302
    elsewhere = _copy(a)
    me = db.session.get(User, admin_id)
    form = {"username": "root1", "full_name": me.full_name, "role": "admin",
            "department": str(me.department_id), "rank_order": "100", "active": "y",
            "new_password": "Admin-own-2027"}
    assert a.post(f"/admin/user/edit/?id={admin_id}", form).status_code == 302
    assert _signed_in(a)
    assert not _signed_in(elsewhere)
    db.session.expire_all()
    assert db.session.get(User, admin_id).must_change_password is False


def test_temporary_password_must_be_changed_at_first_login(app, office):
    _, bob_id = office
    admin = Browserless(app)
    assert admin.login("root1", PASSWORD).status_code == 302
    assert _admin_edit(app, admin, bob_id, new_password="Temp-pass-2026").status_code == 302
    bob = Browserless(app)
    resp = bob.login("bob", "Temp-pass-2026")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/password")
    for url in ("/admin/", "/admin/case/", "/admin/register/"):
        resp = bob.get(url)
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/password"), url
    page = bob.get("/password")
    assert page.status_code == 200 and "您正在使用管理员设置的临时密码" in _text(page)
    assert bob.get("/static/css/xinfang.css").status_code == 200
    resp = bob.post("/password", {"current": "Temp-pass-2026", "new": NEW, "repeat": NEW})
    assert resp.status_code == 302
    assert _signed_in(bob)
    db.session.expire_all()
    assert db.session.get(User, bob_id).must_change_password is False
    assert Browserless(app).login("bob", NEW).status_code == 302


def test_a_new_user_gets_a_temporary_password(app, office):
    admin = Browserless(app)
    assert admin.login("root1", PASSWORD).status_code == 302
    dept_id = db.session.get(User, office[1]).department_id
    form = {"username": "carol", "full_name": "卡罗", "role": "clerk", "department": str(dept_id),
            "rank_order": "100", "active": "y", "new_password": "First-day-2026"}
    assert admin.post("/admin/user/new/", form).status_code == 302
    carol = db.session.execute(select(User).where(User.username == "carol")).scalar_one()
    assert carol.must_change_password is True
    resp = Browserless(app).login("carol", "First-day-2026")
    assert resp.headers["Location"].endswith("/password")


def test_own_password_change(app, office):
    _, bob_id = office
    c = Browserless(app)
    assert c.login("bob", PASSWORD).status_code == 302
    other_device = _copy(c)
    page = _text(c.get("/admin/"))
    assert 'href="/password"' in page and "修改密码" in page
    cases = [
        ({"current": "wrong-one-1", "new": NEW, "repeat": NEW}, MSG_PASSWORD_CURRENT),
        ({"current": PASSWORD, "new": NEW, "repeat": NEW + "x"}, MSG_PASSWORD_MISMATCH),
        ({"current": PASSWORD, "new": "short1", "repeat": "short1"}, MSG_PASSWORD_LENGTH),
        ({"current": PASSWORD, "new": "demo1234", "repeat": "demo1234"}, MSG_PASSWORD_WEAK),
        ({"current": PASSWORD, "new": "12345678", "repeat": "12345678"}, MSG_PASSWORD_WEAK),
        ({"current": PASSWORD, "new": "bob-2026-pass", "repeat": "bob-2026-pass"}, MSG_PASSWORD_WEAK),
    ]
    hash_before = db.session.get(User, bob_id).password_hash
    for form, message in cases:
        resp = c.post("/password", form)
        assert resp.status_code == 200 and message in _text(resp), form
    db.session.expire_all()
    assert db.session.get(User, bob_id).password_hash == hash_before  # nothing changed
    assert c.post("/password", {"current": PASSWORD, "new": NEW, "repeat": NEW}).status_code == 302
    assert _signed_in(c)
    assert not _signed_in(other_device)
    assert Browserless(app).login("bob", PASSWORD).status_code == 200
    assert Browserless(app).login("bob", NEW).status_code == 302
    actions = [a.action for a in db.session.execute(select(AuditLog).where(
        AuditLog.user_id == bob_id)).scalars()]
    assert "password_change" in actions


@pytest.mark.parametrize("password", [
    "demo1234", "12345678", "87654321", "aaaaaaaa", "abababab", "password", "Password1",
    "qwerty123", "xx-alice-xx", "ALICE2026!", "1111111111"])
def test_weak_passwords_are_refused(password):
    assert password_problem(password, "alice") == MSG_PASSWORD_WEAK


@pytest.mark.parametrize("password", ["Spring-river-2027", "县信访局2027年", "correct-horse-1"])
def test_reasonable_passwords_pass(password):
    assert password_problem(password, "alice") is None


def test_admin_cannot_set_a_weak_password(app, office):
    _, bob_id = office
    admin = Browserless(app)
    assert admin.login("root1", PASSWORD).status_code == 302
    resp = _admin_edit(app, admin, bob_id, new_password="demo1234")
    assert MSG_PASSWORD_WEAK in _text(resp)
    db.session.expire_all()
    assert db.session.get(User, bob_id).check_password(PASSWORD)


def test_demo_users_keep_demo1234(make_client):
    c = make_client("clerk")  # logs in with demo1234 and lands on the dashboard
    assert c.get("/admin/").status_code == 200


def test_login_is_rate_limited_per_client(app, office):
    limited = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY",
                                                         "ATTACHMENT_DIR")},
                          "TESTING": True, "RATELIMIT_ENABLED": True, "XF_LOGIN_RATE": "3 per minute"})
    c = Browserless(limited)
    db.session.close()
    for _ in range(3):
        assert c.login("nobody", "wrong-pass-1").status_code == 200
    resp = c.login("bob", PASSWORD)
    assert resp.status_code == 429 and "登录尝试次数过多" in _text(resp)
    assert c.get("/login").status_code == 200  # the page itself still opens
    with limited.app_context():
        assert not db.session.execute(select(AuditLog).where(AuditLog.action == "login")).first()
        db.session.remove()
        db.engine.dispose()


def test_unknown_and_locked_get_the_same_page(app, office):
    c = Browserless(app)
    for _ in range(5):
        c.login("bob", "wrong-pass-1")

    def page(username):
        body = Browserless(app).login(username, PASSWORD).get_data(as_text=True)
        return re.sub(r'value="[^"]*"', "", body)  # the CSRF token and the typed name differ
    assert page("bob") == page("nobody").replace("nobody", "bob")


def test_secret_key_is_made_once_in_instance(tmp_path):
    key = instance_secret_key(str(tmp_path))
    path = tmp_path / "secret_key"
    assert len(key) >= 40 and key != DEV_SECRET
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert instance_secret_key(str(tmp_path)) == key


def test_development_app_never_runs_on_the_dev_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    dev = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db"})
    assert dev.config["SECRET_KEY"] not in (None, "", DEV_SECRET)
    dev = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db", "SECRET_KEY": DEV_SECRET})
    assert dev.config["SECRET_KEY"] != DEV_SECRET


def test_run_script_makes_and_uses_the_instance_key():
    script = open(os.path.join(os.path.dirname(__file__), "..", "scripts", "run.sh")).read()
    assert "instance/secret_key" in script and "export SECRET_KEY" in script
    assert DEV_SECRET not in script


def test_account_pages_need_a_login(make_client):
    anon = make_client()
    for method, url in (("get", "/password"), ("post", "/password"), ("get", "/logout"), ("post", "/logout")):
        resp = getattr(anon, method)(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], (method, url)
    for username in ("admin", "clerk", "leader", "handler1", "archivist"):
        page = make_client(username).get("/password")
        assert page.status_code == 200 and "当前密码" in _text(page)


def test_admin_sees_the_temporary_password_flag(app, office):
    _, bob_id = office
    admin = Browserless(app)
    assert admin.login("root1", PASSWORD).status_code == 302
    assert _admin_edit(app, admin, bob_id, new_password="Temp-pass-2026").status_code == 302
    page = _text(admin.get(f"/admin/user/details/?id={bob_id}"))
    assert "须修改临时密码" in page


def _limited_app(app, **config):
    return create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "ATTACHMENT_DIR")},
                       "TESTING": True, "RATELIMIT_ENABLED": True, "XF_LOGIN_RATE": "2 per minute", **config})


def _attempts(limited, forwarded_for):
    """The status of one wrong login from each X-Forwarded-For address, in turn (a fresh client
    each time: the limit is per address, not per cookie)."""
    out = []
    for address in forwarded_for:
        c = Browserless(limited)
        c.token()
        resp = c.client.post("/login", data={"username": "nobody", "password": "wrong-pass-1",
                                             "csrf_token": c.token()},
                             headers={"X-Forwarded-For": address}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
        out.append(resp.status_code)
    return out


@pytest.mark.parametrize("proxies, expected", [
    # behind nginx: the forwarded address is the client's; two clients, two counts
    (1, [200, 200, 429, 200, 200]),
    # off (the default): X-Forwarded-For is ignored, every attempt is the proxy's address
    (0, [200, 200, 429, 429, 429]),
])
def test_login_rate_limit_keys_on_the_forwarded_address_only_behind_a_proxy(app, office, proxies, expected):
    limited = _limited_app(app, XF_PROXY_COUNT=proxies)
    db.session.close()
    try:
        assert _attempts(limited, ["203.0.113.5"] * 3 + ["198.51.100.7"] * 2) == expected
    finally:
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_bad_proxy_count_refuses_to_start(app):
    with pytest.raises(RuntimeError, match="XF_PROXY_COUNT 应为0至10之间的整数"):
        _limited_app(app, XF_PROXY_COUNT="nginx")
