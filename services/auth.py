"""Password login with lockout after repeated failures."""
import math
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from models import User
from models.base import utcnow
from services import ServiceError, audit

MAX_FAILURES = 5
LOCK_MINUTES = 15
BAD_LOGIN = "用户名或密码错误。"
LOCKED_MSG = "该账户因连续{n}次密码错误已被锁定，请{minutes}分钟后再试。"
LOCKOUT_MSG = "连续{n}次密码错误，账户已锁定{minutes}分钟。"
_DUMMY_HASH = generate_password_hash("not-a-password")


def is_locked(user, now=None):
    now = now or utcnow()
    return bool(user.locked_until and user.locked_until > now)


def unlock(session, actor, user, ip=None):
    """An admin clears a lock. The caller commits."""
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, actor, "unlock", f"解除用户 {user.username} 的登录锁定", ip=ip)


def authenticate(session, username, password, ip=None):
    """Return the user or raise ServiceError with a message that does not say which part was wrong."""
    username = (username or "").strip()
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    now = utcnow()
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")  # same time as a real check
        audit.record(session, None, "login_failed", "未知或停用的用户名", ip=ip, username=username[:50])
        session.commit()
        raise ServiceError(BAD_LOGIN)
    if is_locked(user, now):
        minutes = max(1, math.ceil((user.locked_until - now).total_seconds() / 60))
        audit.record(session, user, "login_locked", "账户锁定期间尝试登录", ip=ip)
        session.commit()
        raise ServiceError(LOCKED_MSG.format(n=MAX_FAILURES, minutes=minutes))
    if not user.check_password(password or ""):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
            audit.record(session, user, "login_failed", f"密码错误（第{MAX_FAILURES}次）", ip=ip)
            audit.record(session, user, "lockout", f"连续{MAX_FAILURES}次密码错误，锁定{LOCK_MINUTES}分钟", ip=ip)
            session.commit()
            raise ServiceError(LOCKOUT_MSG.format(n=MAX_FAILURES, minutes=LOCK_MINUTES))
        audit.record(session, user, "login_failed", f"密码错误（第{user.failed_logins}次）", ip=ip)
        session.commit()
        raise ServiceError(BAD_LOGIN)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(session, user, "login", "登录成功", ip=ip)
    session.commit()
    return user


PASSWORD_MIN, PASSWORD_MAX = 8, 128
MSG_PASSWORD_LENGTH = "密码长度须为8至128位。"
MSG_PASSWORD_REQUIRED = "新建用户必须设置密码。"
MSG_SELF_LOCKOUT = "不能停用自己的账户或取消自己的管理员角色。"


def save_user(session, actor, user, new_password, is_created, ip=None):
    """The admin's create/edit of a user: a new user needs a password, nobody locks themselves out,
    and every change is audited. Raises ServiceError (the caller rolls back)."""
    if new_password:
        if not PASSWORD_MIN <= len(new_password) <= PASSWORD_MAX:
            raise ServiceError(MSG_PASSWORD_LENGTH)
        user.set_password(new_password)
    elif is_created:
        raise ServiceError(MSG_PASSWORD_REQUIRED)
    if not is_created and user.id == actor.id and (not user.active or user.role != "admin"):
        raise ServiceError(MSG_SELF_LOCKOUT)
    what = "新建" if is_created else "修改"
    extra = "，重设密码" if new_password and not is_created else ""
    state = "" if user.active else "（已停用）"
    audit.record(session, actor, "user_change", f"{what}用户 {user.username}{state}{extra}", ip=ip)
