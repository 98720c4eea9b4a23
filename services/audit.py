from models import AuditLog


def record(session, user, action, detail="", row_count=None, ip=None, username=None):
    """Append a non-case audit entry (login, lockout, export ...). The caller commits."""
    entry = AuditLog(
        user_id=getattr(user, "id", None),
        username=username or getattr(user, "username", None),
        action=action, detail=detail, row_count=row_count, ip=ip,
    )
    session.add(entry)
    return entry
