"""Accounts: lockout, audit trail, cookie flags, production guards, the user screen."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import DEV_SECRET, create_app
from models import AuditLog, Department, User, db
from models.base import utcnow
from services.auth import BAD_LOGIN
from tests.conftest import Browserless

PASSWORD = "correct-horse-1"
BAD = BAD_LOGIN  # one answer: wrong password, unknown name, locked account


def _user(username, role="handler"):
    dept = db.session.execute(select(Department).where(Department.name == "测试单位")).scalar_one_or_none()
    if dept is None:
        dept = Department(name="测试单位", kind="office")
        db.session.add(dept)
    u = User(username=username, full_name=f"{username}姓名", role=role, department=dept)
    u.set_password(PASSWORD)
    db.session.add(u)
    db.session.commit()
    return u


def _error(resp):
    m = re.search(r'id="login-error">([^<]*)<', resp.get_data(as_text=True))
    return m.group(1) if m else None


def _actions(username):
    return [a.action for a in db.session.execute(
        select(AuditLog).where(AuditLog.username == username).order_by(AuditLog.id)).scalars()]


@pytest.fixture
def alice(app):
    return _user("alice")


def test_lockout_after_five_wrong_passwords_and_message(app, alice):
    c = Browserless(app)
    for _ in range(4):
        assert _error(c.login("alice", "wrong")) == BAD
    assert _error(c.login("alice", "wrong")) == BAD
    # locked: even the right password is refused, with the answer an unknown name gets
    resp = c.login("alice", PASSWORD)
    assert resp.status_code == 200 and _error(resp) == BAD
    assert _error(c.login("nobody-here", PASSWORD)) == BAD
    db.session.expire_all()
    assert db.session.get(User, alice.id).locked_until > utcnow() + timedelta(minutes=14)
    assert _actions("alice") == ["login_failed"] * 5 + ["lockout", "login_locked"]
    assert c.get("/admin/").status_code == 302  # not logged in


def test_lock_expires_after_fifteen_minutes(app, alice):
    c = Browserless(app)
    for _ in range(5):
        c.login("alice", "wrong")
    user = db.session.get(User, alice.id)
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    resp = c.login("alice", PASSWORD)
    assert resp.status_code == 302, _error(resp)
    assert c.get("/admin/").status_code == 200
    db.session.expire_all()
    user = db.session.get(User, alice.id)
    assert user.locked_until is None and user.failed_logins == 0
    assert _actions("alice")[-1] == "login"


def test_a_success_resets_the_failure_count(app, alice):
    c = Browserless(app)
    for _ in range(4):
        c.login("alice", "wrong")
    assert c.login("alice", PASSWORD).status_code == 302
    assert c.post("/logout").status_code == 302
    for _ in range(4):
        assert _error(c.login("alice", "wrong")) == BAD  # four again, not locked


def test_unknown_and_inactive_users_get_the_same_message(app, alice):
    alice.active = False
    db.session.commit()
    c = Browserless(app)
    assert _error(c.login("alice", PASSWORD)) == BAD
    assert _error(c.login("nobody", PASSWORD)) == BAD
    rows = db.session.execute(select(AuditLog).where(AuditLog.action == "login_failed")).scalars().all()
    assert {r.username for r in rows} == {"alice", "nobody"}


def test_login_logout_audit_with_who_when_ip(app, alice):
    c = Browserless(app)
    assert c.login("alice", PASSWORD).status_code == 302
    assert c.post("/logout").status_code == 302
    rows = db.session.execute(select(AuditLog).where(AuditLog.user_id == alice.id)
                              .order_by(AuditLog.id)).scalars().all()
    assert [r.action for r in rows] == ["login", "logout"]
    assert all(r.at is not None and r.ip for r in rows)


def test_session_cookie_is_httponly_and_samesite(app, alice):
    c = Browserless(app)
    resp = c.login("alice", PASSWORD)
    cookies = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert cookies, resp.headers
    assert "HttpOnly" in cookies[0]
    assert re.search(r"SameSite=(Lax|Strict)", cookies[0])
    page = c.get("/admin/")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_deactivating_a_user_locks_them_out_at_once(app, alice):
    c = Browserless(app)
    assert c.login("alice", PASSWORD).status_code == 302
    assert c.get("/admin/").status_code == 200
    db.session.get(User, alice.id).active = False
    db.session.commit()
    resp = c.get("/admin/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize("key", [DEV_SECRET, "", "   ", None])
def test_production_refuses_the_development_or_empty_secret_key(tmp_path, monkeypatch, key):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"XINFANG_ENV": "production", "SECRET_KEY": key,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})


def test_production_refuses_the_debugger_and_secures_cookies(tmp_path, monkeypatch):
    base = {"XINFANG_ENV": "production", "SECRET_KEY": "a-real-secret-from-the-environment",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"}
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="调试"):
        create_app(dict(base))
    monkeypatch.delenv("FLASK_DEBUG")
    prod = create_app(dict(base))
    assert prod.debug is False
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    assert prod.config["SESSION_COOKIE_HTTPONLY"] is True
    assert prod.config["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    # development mode starts with the development key
    assert create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db"}).config["SECRET_KEY"]


def test_environment_production_without_key(tmp_path, monkeypatch):
    monkeypatch.setenv("XINFANG_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})


def test_user_screen_admin_only_and_hash_never_shown(app):
    admin = _user("root1", role="admin")
    _user("clerk1", role="clerk")
    bob = _user("bob")
    c = Browserless(app)
    assert c.login("clerk1", PASSWORD).status_code == 302
    for url in ("/admin/user/", f"/admin/user/details/?id={bob.id}", f"/admin/user/edit/?id={bob.id}"):
        assert c.get(url).status_code == 403, url
    a = Browserless(app)
    assert a.login("root1", PASSWORD).status_code == 302
    for url in ("/admin/user/", f"/admin/user/details/?id={bob.id}", f"/admin/user/edit/?id={bob.id}",
                f"/admin/user/details/?id={admin.id}", f"/admin/user/edit/?id={admin.id}"):
        resp = a.get(url)
        assert resp.status_code == 200, url
        body = resp.get_data(as_text=True)
        assert bob.password_hash not in body and admin.password_hash not in body
        assert "password_hash" not in body and "scrypt:" not in body and "pbkdf2:" not in body
    assert a.get("/admin/user/export/csv/").status_code == 404


def test_admin_deactivates_unlocks_and_cannot_lock_out_self(app):
    admin = _user("root1", role="admin")
    bob = _user("bob")
    bob.locked_until = utcnow() + timedelta(minutes=10)
    db.session.commit()
    a = Browserless(app)
    assert a.login("root1", PASSWORD).status_code == 302
    resp = a.post("/admin/user/action/", {"action": "unlock", "rowid": [str(bob.id)]})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, bob.id).locked_until is None
    form = {"username": "bob", "full_name": "bob姓名", "role": "handler",
            "department": str(bob.department_id), "rank_order": "100", "new_password": ""}
    assert a.post(f"/admin/user/edit/?id={bob.id}", form).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, bob.id).active is False  # unchecked box = deactivated
    assert _error(Browserless(app).login("bob", PASSWORD)) == BAD
    own = dict(form, username="root1", full_name="root1姓名", role="admin",
               department=str(admin.department_id))
    resp = a.post(f"/admin/user/edit/?id={admin.id}", own)
    assert "不能停用自己的账户或取消自己的管理员角色。" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).active is True
    assert {"user_change", "unlock"} <= set(_actions("root1"))


def test_a_new_user_needs_a_password_of_8_to_128(app):
    _user("root1", role="admin")
    a = Browserless(app)
    assert a.login("root1", PASSWORD).status_code == 302
    dept = db.session.execute(select(Department)).scalars().first()
    form = {"username": "carol", "full_name": "卡罗", "role": "clerk", "department": str(dept.id),
            "rank_order": "100", "active": "y", "new_password": ""}
    assert "新建用户必须设置密码。" in a.post("/admin/user/new/", form).get_data(as_text=True)
    assert "密码长度须为8至128位。" in a.post("/admin/user/new/", dict(form, new_password="short")).get_data(as_text=True)
    assert db.session.execute(select(User).where(User.username == "carol")).first() is None
    assert a.post("/admin/user/new/", dict(form, new_password="long-enough-1")).status_code == 302
    carol = db.session.execute(select(User).where(User.username == "carol")).scalar_one()
    assert carol.check_password("long-enough-1")
    details = [r.detail for r in db.session.execute(select(AuditLog).where(
        AuditLog.action == "user_change")).scalars()]
    assert details == ["新建用户 carol"]


def test_audit_page_shows_actions_in_chinese(make_client):
    make_client("clerk")  # a successful login is recorded
    body = make_client("admin").get("/admin/audit/").get_data(as_text=True)
    assert "登录" in body and ">login<" not in body
