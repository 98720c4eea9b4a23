"""Lockout under parallel requests (SQLite and PostgreSQL): 20 wrong passwords at once lock after
exactly five, and the right password sent alongside does not get in once five have failed."""
import threading

import pytest
from sqlalchemy import select

from models import AuditLog, User, db
from services.auth import MAX_FAILURES
from tests.conftest import Browserless
from tests.test_accounts import PASSWORD, _user


def _hammer(app, passwords):
    """POST /login for alice with each password from its own client and thread, all at once;
    returns the status codes (302 = signed in)."""
    clients = [Browserless(app) for _ in passwords]
    for c in clients:
        c.token()
    db.session.close()  # SQLite: the test's own session must not hold the write lock
    barrier = threading.Barrier(len(passwords), timeout=60)
    codes = [None] * len(passwords)

    def run(i):
        barrier.wait()
        try:
            codes[i] = clients[i].login("alice", passwords[i]).status_code
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            codes[i] = repr(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(passwords))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return codes


def _actions():
    return [a.action for a in db.session.execute(
        select(AuditLog).where(AuditLog.username == "alice").order_by(AuditLog.id)).scalars()]


@pytest.fixture
def alice(app):
    return _user("alice").id


def test_twenty_parallel_wrong_passwords_lock_after_exactly_five(app, alice):
    codes = _hammer(app, ["wrong"] * 20)
    assert codes == [200] * 20, codes
    actions = _actions()
    assert actions.count("login_failed") == MAX_FAILURES
    assert actions.count("lockout") == 1
    assert actions.count("login_locked") == 20 - MAX_FAILURES
    user = db.session.get(User, alice)
    assert user.locked_until is not None and user.failed_logins == 0


def test_right_password_in_parallel_does_not_get_in_once_five_failed(app, alice):
    # wrong and right passwords at once: a success may only come before the lock
    codes = _hammer(app, ["wrong", PASSWORD] * 10)
    actions = _actions()
    assert set(codes) <= {200, 302}, codes
    assert codes.count(302) == actions.count("login")
    if "lockout" in actions:
        assert "login" not in actions[actions.index("lockout"):]
    # once locked, nothing gets in, however many right passwords arrive together
    db.session.close()
    for _ in range(MAX_FAILURES):
        Browserless(app).login("alice", "wrong")
    db.session.close()
    codes = _hammer(app, [PASSWORD] * 10 + ["wrong"] * 10)
    assert 302 not in codes, codes
    assert db.session.get(User, alice).locked_until is not None
