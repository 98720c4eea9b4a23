"""Password login with lockout after repeated failures."""
from datetime import timedelta

from sqlalchemy import select

from models import User
from models.base import utcnow
from services import ServiceError, audit

MAX_FAILURES = 5
LOCK_MINUTES = 15
BAD_LOGIN = "用户名或密码错误。"


def authenticate(session, username, password, ip=None):
    """Return the user or raise ServiceError with a message that does not say which part was wrong."""
    username = (username or "").strip()
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    now = utcnow()
    if user is None or not user.active:
        audit.record(session, None, "login_failed", "未知或停用的用户名", ip=ip, username=username[:50])
        session.commit()
        raise ServiceError(BAD_LOGIN)
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        audit.record(session, user, "login_locked", "账户锁定期间尝试登录", ip=ip)
        session.commit()
        raise ServiceError(f"该账户因连续{MAX_FAILURES}次密码错误已被锁定，请{minutes}分钟后再试。")
    if not user.check_password(password or ""):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
            audit.record(session, user, "lockout", f"连续{MAX_FAILURES}次密码错误，锁定{LOCK_MINUTES}分钟", ip=ip)
            session.commit()
            raise ServiceError(f"连续{MAX_FAILURES}次密码错误，账户已锁定{LOCK_MINUTES}分钟。")
        audit.record(session, user, "login_failed", "密码错误", ip=ip)
        session.commit()
        raise ServiceError(BAD_LOGIN)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(session, user, "login", "登录成功", ip=ip)
    session.commit()
    return user
