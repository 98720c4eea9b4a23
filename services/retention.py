"""保管期限 and 销毁鉴定: an archive file leaves the office only through an approved destruction.

Retention counts whole years from the year after filing (the file filed in 2016 with 10年 is kept to
the end of 2026): its expiry year is filed_on.year + N; 永久 never expires. The archivist proposes
a file whose retention has ended (its expiry year is this year or earlier) with a 鉴定意见; a leader
(not the proposer) approves or denies. Approval destroys the file at once: the archive record, its
loans, the case with its events, parties' links and attachments (files too, after the commit); what
stays is the ArchiveDestruction row (case number, archive number, what it was, who proposed,
approved, when). Case numbers are never given again (services/numbering.py skips destroyed ones).

install_guard() makes every other way of deleting an archived record (Flask-Admin delete views and
actions, session.delete, bulk DELETE statements, CLI code using the app's session) fail with
MSG_GUARD. Functions take the session and the acting user; the caller commits.
"""
import os
import re
from datetime import date

from sqlalchemy import and_, event, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import TextClause

from models import (ArchiveDestruction, ArchiveLoan, ArchiveRecord, Attachment, Case, CaseAssist, CaseEvent,
                    CaseInterest, CaseParty, package_cases)
from models.base import utcnow
from models.enums import PURPOSES
from services import ServiceError, access, audit, inputs
from services.attachments import full_path
from services.clock import fmt_date
from services.clock import today as office_today

RETENTION_YEARS = {"10y": 10, "30y": 30, "permanent": None}
DESTRUCTION_STATUSES = {"proposed": "待领导审批", "denied": "未批准销毁", "destroyed": "已销毁"}
MSG_GUARD = "已归档的档案不能删除，只能经销毁鉴定、由领导批准后销毁。"
MSG_NEVER = "销毁记录永久保存，不能删除。"
_DESTROYING = "xf_destroying"
# Rows of an archived file; a DELETE statement on these tables is refused outside a destruction.
PROTECTED_TABLES = {"archive_record", "archive_loan", "case", "attachment", "case_event", "case_party",
                    "archive_destruction"}
_DELETE_SQL = re.compile(r'^\s*delete\s+from\s+"?(\w+)"?', re.I)


# ---- retention ------------------------------------------------------------------------------------

def expiry_year(record):
    """The last year of the file's retention, or None (永久)."""
    years = RETENTION_YEARS.get(record.retention)
    return record.filed_on.year + years if years and record.filed_on else None


def expiry_label(record):
    year = expiry_year(record)
    return f"{year}年底" if year else "永久"


def expiry_clause(year):
    """SQL: the records whose retention ends in `year`."""
    parts = [and_(ArchiveRecord.retention == code, ArchiveRecord.filed_on >= date(year - n, 1, 1),
                  ArchiveRecord.filed_on <= date(year - n, 12, 31))
             for code, n in RETENTION_YEARS.items() if n and year - n >= 1]
    return or_(*parts) if parts else ArchiveRecord.id.is_(None)


def read_year(value, today=None):
    """The year typed on the 销毁鉴定 page (default: this year); raises InputError."""
    today = today or office_today()
    year = inputs.parse_int(value, "到期年度", 1990, today.year + 100)
    return year if year is not None else today.year


def due_records(session, user, year):
    """(record, its destruction row or None) for the files in the user's reach whose retention ends in `year`."""
    records = session.execute(select(ArchiveRecord).where(
        expiry_clause(year), access.scope_filter(session, user, ArchiveRecord))
        .order_by(ArchiveRecord.archive_number).options(selectinload(ArchiveRecord.case))).scalars().all()
    rows = {d.record_id: d for d in session.execute(select(ArchiveDestruction).where(
        ArchiveDestruction.record_id.in_([r.id for r in records]))).scalars()} if records else {}
    return [(r, rows.get(r.id)) for r in records]


def pending(session, user):
    """Proposals waiting for this leader (in reach, not their own)."""
    if not access.may_decide_destruction(session, user):
        return []
    return list(session.execute(select(ArchiveDestruction).where(
        ArchiveDestruction.status == "proposed", ArchiveDestruction.proposed_by_id != user.id,
        ArchiveDestruction.record_id.in_(select(ArchiveRecord.id).where(
            access.scope_filter(session, user, ArchiveRecord))))
        .order_by(ArchiveDestruction.proposed_at).options(selectinload(ArchiveDestruction.proposed_by))).scalars())


def destroyed(session, user):
    """The destruction records this user may read (access.destruction_filter)."""
    return list(session.execute(select(ArchiveDestruction).where(
        ArchiveDestruction.status == "destroyed", access.destruction_filter(session, user))
        .order_by(ArchiveDestruction.destroyed_at.desc())
        .options(selectinload(ArchiveDestruction.proposed_by), selectinload(ArchiveDestruction.decided_by))).scalars())


def is_number_destroyed(session, number):
    return session.execute(select(ArchiveDestruction.id).where(
        ArchiveDestruction.case_number == number, ArchiveDestruction.status == "destroyed")).first() is not None


# ---- proposing and deciding -----------------------------------------------------------------------

def _describe(case):
    return (f"{PURPOSES.get(case.purpose, case.purpose)}·{case.category}；收件日期 {fmt_date(case.received_on)}"
            f"；{case.summary[:60]}")[:300]


def propose(session, actor, record, reason, ip=None):
    """The archivist proposes destroying a file whose retention has ended."""
    if not access.may_propose_destruction(session, actor, record):
        raise ServiceError("只有档案员可以提请销毁档案。")
    year = expiry_year(record)
    if year is None:
        raise ServiceError("保管期限为永久的档案不能销毁。")
    if year > office_today().year:
        raise ServiceError(f"该档案保管期限至{year}年底，期满前不能销毁。")
    existing = session.execute(select(ArchiveDestruction).where(
        ArchiveDestruction.record_id == record.id)).scalar_one_or_none()
    if existing is not None and existing.status == "proposed":
        raise ServiceError("该档案已提请销毁，正待领导审批。")
    if session.execute(select(ArchiveLoan.id).where(ArchiveLoan.record_id == record.id,
                                                    ArchiveLoan.status.in_(("requested", "approved")))).first():
        raise ServiceError("该档案有未结束的借阅，归还后才能提请销毁。")
    fields = inputs.Fields({"reason": reason})
    reason = fields.text("reason", "鉴定意见", required=True, max_len=1000)
    fields.done()
    case = record.case
    d = existing or ArchiveDestruction(record=record)
    d.status, d.case_number, d.archive_number = "proposed", case.number, record.archive_number
    d.description, d.retention, d.filed_on = _describe(case), record.retention, record.filed_on
    d.expiry_year, d.page_count, d.attachment_count = year, record.page_count, len(case.attachments)
    d.reason, d.proposed_by_id, d.proposed_at = reason, actor.id, utcnow()
    d.decided_by_id, d.decided_at, d.decision_note = None, None, ""
    session.add(d)
    session.flush()
    audit.record(session, actor, "destruction_propose", ip=ip,
                 detail=f"档号 {d.archive_number}（信访事项 {d.case_number}）；鉴定意见 {reason}")
    return d


def decide(session, actor, d, approve, note, root, ip=None):
    """A leader's decision. Approval destroys the file now and returns the paths of its attachment
    files, to be removed by remove_files() once the caller has committed."""
    if not access.may_decide_destruction(session, actor, d):
        raise ServiceError("只有领导可以审批销毁。")
    if d.status != "proposed":
        raise ServiceError(f"该销毁申请状态为“{DESTRUCTION_STATUSES.get(d.status, d.status)}”，无需审批。")
    if d.proposed_by_id == actor.id:
        raise ServiceError("不能审批本人提请的销毁，请由其他领导审批。")
    fields = inputs.Fields({"note": note})
    note = fields.text("note", "审批意见", required=approve, max_len=1000)
    fields.done()
    d.decided_by_id, d.decided_at, d.decision_note = actor.id, utcnow(), note
    paths = []
    if approve:
        paths = _destroy(session, d, root)
        d.status, d.destroyed_at = "destroyed", utcnow()
    else:
        d.status = "denied"
    session.flush()
    audit.record(session, actor, "destruction_approve" if approve else "destruction_deny", ip=ip,
                 detail=f"档号 {d.archive_number}（信访事项 {d.case_number}）；审批意见 {note or '无'}")
    return paths


def _destroy(session, d, root):
    record = d.record
    case = record.case
    paths = [p for p in (full_path(a, root) for a in case.attachments) if p]
    session.info[_DESTROYING] = True
    try:
        for loan in list(record.loans):
            session.delete(loan)
        d.record = None
        session.flush()
        session.delete(record)
        for model in (Attachment, CaseEvent, CaseAssist, CaseInterest, CaseParty):
            for row in session.execute(select(model).where(model.case_id == case.id)).scalars():
                session.delete(row)
        session.execute(package_cases.delete().where(package_cases.c.case_id == case.id))
        for other in session.execute(select(Case).where(
                or_(Case.repeat_of_id == case.id, Case.parent_case_id == case.id))).scalars():
            if other.repeat_of_id == case.id:
                other.repeat_of_id = None
            if other.parent_case_id == case.id:
                other.parent_case_id = None
        session.flush()
        session.expire(case)
        session.delete(case)
        session.flush()
    finally:
        session.info.pop(_DESTROYING, None)
    return paths


def remove_files(paths):
    for path in paths:
        if os.path.isfile(path):
            os.remove(path)


# ---- nothing else removes an archived record ------------------------------------------------------

def _case_archived(obj):
    case = obj if isinstance(obj, Case) else getattr(obj, "case", None)
    return case is not None and case.status == "archived"


def _before_flush(session, _ctx, _instances):
    for obj in session.deleted:
        if isinstance(obj, ArchiveDestruction):
            raise ServiceError(MSG_NEVER)
        if session.info.get(_DESTROYING):
            continue
        if isinstance(obj, (ArchiveRecord, ArchiveLoan)) or (
                isinstance(obj, (Case, Attachment, CaseEvent, CaseParty, CaseAssist, CaseInterest))
                and _case_archived(obj)):
            raise ServiceError(MSG_GUARD)


def _deleted_table(statement):
    if getattr(statement, "is_delete", False):
        table = getattr(statement, "table", None)
        return getattr(table, "name", None)
    if isinstance(statement, TextClause):
        m = _DELETE_SQL.match(statement.text)
        return m.group(1).lower() if m else None
    return None


def _do_orm_execute(state):
    table = _deleted_table(state.statement)
    if table == "archive_destruction":
        raise ServiceError(MSG_NEVER)
    if table in PROTECTED_TABLES and not state.session.info.get(_DESTROYING):
        raise ServiceError(MSG_GUARD)


def install_guard(target):
    """Listen on the sessions of `target` (the app's scoped session)."""
    for name, fn in (("before_flush", _before_flush), ("do_orm_execute", _do_orm_execute)):
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)

