"""Non-case audit trail: logins, failed logins, lockouts, logouts, exports, user changes."""
from sqlalchemy import inspect
from sqlalchemy.orm import Session, scoped_session

from models import AuditLog
from services import access, tx

ACTIONS = {
    "login": "登录", "login_failed": "登录失败", "login_locked": "锁定期间登录", "lockout": "账户锁定",
    "logout": "退出登录", "export": "导出", "user_change": "用户变更", "unlock": "解除锁定",
    "password_change": "修改密码",
    "import": "导入", "reception_generate": "生成接待排班", "reception_publish": "公示接待安排",
    "archive_view": "查阅档案", "archive_edit": "修改档案信息", "loan_request": "申请借阅",
    "loan_approve": "批准借阅", "loan_deny": "不批准借阅", "loan_return": "登记归还",
    "download": "下载附件", "accusation_view": "查阅检举控告件",
    "accused_link": "关联被反映单位",
    "package_change": "调整包案", "package_decline": "退回包案", "package_reassign": "改派包案",
    "download_refused": "拒绝下载损坏附件", "backup": "备份", "backup_download": "下载备份",
    "file_check": "检查附件", "destruction_propose": "提请销毁档案", "destruction_approve": "批准销毁档案",
    "destruction_deny": "不批准销毁档案",
}


def record(session, user, action, detail="", row_count=None, ip=None, username=None):
    """Append a non-case audit entry (login, lockout, export ...). The caller commits."""
    tx.write_intent(session)  # a GET (page opened, export, download) writes this row
    entry = _entry(user, action, detail, row_count, ip, username)
    session.add(entry)
    return entry


def _entry(user, action, detail, row_count, ip, username):
    return AuditLog(
        user_id=getattr(user, "id", None),
        username=(username or getattr(user, "username", None) or "")[:50] or None,
        action=action, detail=detail or "", row_count=row_count, ip=(ip or None) and str(ip)[:45],
    )


def download(session, user, attachment, ip=None):
    """Every download of an attachment: who, which case, which file. The caller commits."""
    return record(session, user, "download", ip=ip,
                  detail=f"信访事项 {attachment.case.number}：{attachment.filename}（附件#{attachment.id}）")


def case_opened(session, user, case, ip=None):
    """An accusation's page opened by someone outside the 信访办 (not admin/clerk) is recorded.
    The row is committed at once in a short write transaction of its own (one INSERT), so the
    page's read transaction and what it has loaded (the case, its timeline, the cached settings
    and reach) stay as they are: ending it to write cost the page seven statements more.
    Returns None then (nothing for the caller to commit), or the row added to `session` when that
    already holds the write lock."""
    if case.purpose != "accusation" or access.is_office_staff(user):
        return None
    detail = f"信访事项 {case.number}"
    if _holds_write_lock(session):  # a second connection would wait for it: write here (caller commits)
        return record(session, user, "accusation_view", detail=detail, ip=ip)
    write_alone(session, user, "accusation_view", detail=detail, ip=ip)
    return None


def _holds_write_lock(session):
    """True when `session` is inside a SQLite transaction begun IMMEDIATE (not a GET's read one)."""
    if isinstance(session, scoped_session):
        session = session()
    return session.in_transaction() and session.connection().info.get("xf_deferred") is False


def write_alone(session, user, action, detail="", ip=None):
    """Commit one audit row on a connection of its own, beside `session`'s open transaction."""
    with Session(bind=session.get_bind(mapper=inspect(AuditLog))) as own:
        tx.write_intent(own)  # no transaction yet: its BEGIN takes the write lock (SQLite)
        own.add(_entry(user, action, detail, None, ip, None))
        own.commit()


def describe_filters(filters):
    """A readable '名称=值；…' string of the filters of an export (dict or list of pairs)."""
    if not filters:
        return "（无筛选）"
    items = filters.items() if isinstance(filters, dict) else filters
    return "；".join(f"{k}={v}" for k, v in items if v not in (None, "", [], ()))[:2000] or "（无筛选）"
