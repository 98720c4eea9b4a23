"""Password login with an atomic lockout, password rules, and the end of a user's sessions."""
import secrets
from datetime import timedelta

from sqlalchemy import case, inspect, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

import models.org
from models import User
from models.base import utcnow
from services import ServiceError, audit

MAX_FAILURES = 5
LOCK_MINUTES = 15
# One answer for a wrong password, an unknown or deactivated name and a locked account: the
# login page must not tell an outsider which user names exist or which accounts they have locked.
BAD_LOGIN = f"用户名或密码错误，或账户已被暂时锁定（连续{MAX_FAILURES}次密码错误将锁定{LOCK_MINUTES}分钟）。"
_dummy = {}


def _dummy_hash():
    # Hashed with the method real users have, so an unknown name costs the same time.
    method = models.org.PASSWORD_METHOD
    if method not in _dummy:
        _dummy[method] = generate_password_hash(secrets.token_hex(8), method=method)
    return _dummy[method]


def is_locked(user, now=None):
    now = now or utcnow()
    return bool(user.locked_until and user.locked_until > now)


def unlock(session, actor, user, ip=None):
    """An admin clears a lock. The caller commits."""
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, actor, "unlock", f"解除用户 {user.username} 的登录锁定", ip=ip)


def _not_locked(now):
    return or_(User.locked_until.is_(None), User.locked_until <= now)


def authenticate(session, username, password, ip=None):
    """Return the user or raise ServiceError(BAD_LOGIN). The lock is read and written in one
    UPDATE ... WHERE not locked RETURNING, for failures and successes alike, so parallel requests
    lock after exactly MAX_FAILURES and none gets in once the lock is set."""
    username = (username or "").strip()
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    now = utcnow()
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password or "")
        audit.record(session, None, "login_failed", "未知或停用的用户名", ip=ip, username=username[:50])
        session.commit()
        raise ServiceError(BAD_LOGIN)
    uid = user.id
    if user.check_password(password or ""):
        stmt = (update(User).where(User.id == uid, _not_locked(now))
                .values(failed_logins=0, locked_until=None, last_login_at=now).returning(User.id))
    else:
        reached = User.failed_logins + 1 >= MAX_FAILURES
        stmt = (update(User).where(User.id == uid, _not_locked(now)).values(
            failed_logins=case((reached, 0), else_=User.failed_logins + 1),
            locked_until=case((reached, now + timedelta(minutes=LOCK_MINUTES)), else_=None),
        ).returning(User.id, User.failed_logins, User.locked_until))
    row = session.execute(stmt.execution_options(synchronize_session=False)).first()
    session.expire(user)
    if row is None:
        audit.record(session, None, "login_locked", "账户锁定期间尝试登录", ip=ip,
                     username=username).user_id = uid
        session.commit()
        raise ServiceError(BAD_LOGIN)
    if len(row) == 1:
        audit.record(session, user, "login", "登录成功", ip=ip)
        session.commit()
        return user
    if row.locked_until is not None:
        audit.record(session, user, "login_failed", f"密码错误（第{MAX_FAILURES}次）", ip=ip)
        audit.record(session, user, "lockout", f"连续{MAX_FAILURES}次密码错误，锁定{LOCK_MINUTES}分钟", ip=ip)
    else:
        audit.record(session, user, "login_failed", f"密码错误（第{row.failed_logins}次）", ip=ip)
    session.commit()
    raise ServiceError(BAD_LOGIN)


PASSWORD_MIN, PASSWORD_MAX = 8, 128
MSG_PASSWORD_LENGTH = "密码长度须为8至128位。"
MSG_PASSWORD_REQUIRED = "新建用户必须设置密码。"
MSG_SELF_LOCKOUT = "不能停用自己的账户或取消自己的管理员角色。"
MSG_PASSWORD_WEAK = "密码过于简单（演示密码、常见密码、全部相同字符、连续数字或包含用户名），请另选。"
MSG_PASSWORD_MISMATCH = "两次输入的新密码不一致。"
MSG_PASSWORD_CURRENT = "当前密码不正确。"
MSG_PASSWORD_SAME = "新密码不能与当前密码相同。"
# Demo accounts keep demo1234 (seeded directly); nobody may choose it or these.
COMMON_PASSWORDS = {
    "demo1234", "12345678", "123456789", "1234567890", "87654321", "11111111", "00000000",
    "88888888", "66666666", "password", "password1", "password123", "passw0rd", "p@ssw0rd",
    "qwertyui", "qwerty123", "qwertyuiop", "1qaz2wsx", "1q2w3e4r", "abc12345", "abcd1234",
    "a1234567", "aa123456", "asdfghjk", "zxcvbnm1", "iloveyou", "admin123", "admin1234",
    "administrator", "woaini1314", "5201314520", "letmein1", "welcome1", "changeme", "xinfang1",
    "xinfang123", "12341234", "11223344", "123123123", "147258369", "987654321",
}


def password_problem(password, username=""):
    """The message for a password that may not be used, or None."""
    password = password or ""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return MSG_PASSWORD_LENGTH
    low = password.lower()
    name = (username or "").strip().lower()
    digits = "01234567890123456789"
    if (low in COMMON_PASSWORDS or len(set(low)) <= 2 or low in digits or low in digits[::-1]
            or (len(name) >= 3 and name in low)):
        return MSG_PASSWORD_WEAK
    return None


def _set_password(user, password):
    user.set_password(password)
    user.end_sessions()


def change_own_password(session, user, current, new, repeat, ip=None):
    """The user's own change: current password, the new one twice. Ends every other session
    (the caller logs the user in again with the new token). Raises ServiceError; the caller commits."""
    if not user.check_password(current or ""):
        raise ServiceError(MSG_PASSWORD_CURRENT)
    if (new or "") != (repeat or ""):
        raise ServiceError(MSG_PASSWORD_MISMATCH)
    problem = password_problem(new, user.username)
    if problem:
        raise ServiceError(problem)
    if user.check_password(new):
        raise ServiceError(MSG_PASSWORD_SAME)
    _set_password(user, new)
    user.must_change_password = False
    audit.record(session, user, "password_change", "修改本人密码", ip=ip)


def save_user(session, actor, user, new_password, is_created, ip=None):
    """The admin's create/edit of a user: a new user needs a password, nobody locks themselves out,
    a password set by the admin is temporary (changed at first login), a new password,
    deactivation or role change ends the user's sessions, and every change is audited.
    Raises ServiceError (the caller rolls back)."""
    if new_password:
        problem = password_problem(new_password, user.username)
        if problem:
            raise ServiceError(problem)
        user.set_password(new_password)
        user.must_change_password = is_created or user.id != actor.id
    elif is_created:
        raise ServiceError(MSG_PASSWORD_REQUIRED)
    if not is_created and user.id == actor.id and (not user.active or user.role != "admin"):
        raise ServiceError(MSG_SELF_LOCKOUT)
    if not is_created:
        attrs = inspect(user).attrs
        if new_password or any(attrs[f].history.has_changes() for f in ("role", "active", "username")):
            user.end_sessions()  # an admin's own edit: the view signs them in again
    what = "新建" if is_created else "修改"
    extra = "，设置临时密码" if new_password and not is_created else ""
    state = "" if user.active else "（已停用）"
    audit.record(session, actor, "user_change", f"{what}用户 {user.username}{state}{extra}", ip=ip)
