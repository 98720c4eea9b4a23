"""Archive files (一案一档) after filing: viewing, metadata, loans (借阅).

Filing itself (closed -> archived, creating the ArchiveRecord) is the workflow's "archive" move.
Here: every opening of a record is recorded; a loan is requested by anyone with the archive
screen, approved or denied by a leader, and its return recorded by the archivist. A file is lent
to one borrower at a time. Functions take the session and the acting user explicitly; the caller
commits. A refusal raises services.ServiceError / ValidationFailed and changes nothing.
"""
import re
from datetime import timedelta

from sqlalchemy import BigInteger, and_, cast, func, inspect, select

from models import ArchiveLoan, ArchiveRecord, Case
from models.base import utcnow
from models.enums import LOAN_STATUSES, REVIEW_LEVELS, STATUSES
from services import ServiceError, access, audit, inputs
from services.clock import fmt_date, local
from services.clock import today as office_today

MAX_LOAN_DAYS = 30
MAX_PAGES = 100000
ACTIVE_LOAN_STATUSES = ("requested", "approved")
ALREADY_LENT = "该档案已借出，归还后才能再借"


# ---- reading -------------------------------------------------------------------------------------

_ITEM_NUMBER = re.compile(r"^\s*\d+\s*[.、．)）]\s*")


def catalogue_items(record):
    """卷内目录 as a list of items (one per non-empty line; a typed "1." is dropped: the page numbers them)."""
    items = (_ITEM_NUMBER.sub("", line).strip() for line in (record.catalogue or "").splitlines())
    return [item for item in items if item]


def review_cases(session, user, record):
    """The 复查/复核 cases asked for on the filed case (filing does not end the petitioner's
    right): [{number, level, status, id (None when the user may not open it)}]."""
    rows = session.execute(select(Case).where(Case.parent_case_id == record.case_id, Case.status != "voided")
                           .order_by(Case.id)).scalars()
    return [{"number": c.number, "level": REVIEW_LEVELS.get(c.review_level, "复查"),
             "status": STATUSES.get(c.status, c.status),
             "id": c.id if access.can_see_case(session, user, c) else None} for c in rows]


def record_view(session, actor, record, ip=None):
    """Every opening of an archive record is recorded (domain: 'every access is recorded')."""
    return audit.record(session, actor, "archive_view", detail=f"档号 {record.archive_number}", ip=ip)


def record_edit(session, actor, record, ip=None):
    return audit.record(session, actor, "archive_edit",
                        detail=f"档号 {record.archive_number}；存放位置 {record.location}；页数 {record.page_count}",
                        ip=ip)


def _metadata(location, page_count):
    fields = inputs.Fields({"location": location, "page_count": page_count})
    return fields, fields.text("location", "存放位置", max_len=100), fields.int("page_count", "页数", 1, MAX_PAGES)


def check_metadata(location, page_count):
    """Location / page count / catalogue are the archivist's to keep; returns {field: [message]}."""
    return _metadata(location, page_count)[0].errors


def read_metadata(record):
    """The location and page count typed into `record`, read into their values; raises
    ValidationFailed and changes nothing on bad input."""
    fields, location, pages = _metadata(record.location, record.page_count)
    fields.done()
    record.location, record.page_count = location, pages


# ---- loan state -----------------------------------------------------------------------------------

MSG_FOR_OTHERS = "只有档案员可以代他人申请借阅。"
MSG_BORROWER_NAME = "填写了借阅人单位的，请同时填写借阅人姓名。"

# 档号: XF-<year filed>-<专|普>-<4-digit sequence>, one sequence per volume type and year.
NUMBER_PREFIX = {"special": "专", "ordinary": "普"}


def suggest_number(session, volume_type, today=None):
    """The next free 档号 for this volume type in the year of `today` (one past the highest used;
    a typed 档号 whose sequence is not all digits, or longer than 18, is not counted). One
    statement reading the year's numbers from the index (the year held 200,000 at a million cases)."""
    prefix = f"XF-{(today or office_today()).year}-{NUMBER_PREFIX.get(volume_type, '普')}-"
    return f"{prefix}{_max_sequence(session, prefix) + 1:04d}"


def _max_sequence(session, prefix):
    number = ArchiveRecord.archive_number
    seq = func.substr(number, len(prefix) + 1)
    where = [number.startswith(prefix, autoescape=True), func.length(number).between(len(prefix) + 1, len(prefix) + 18)]
    if session.get_bind(mapper=inspect(ArchiveRecord)).dialect.name == "postgresql":
        where.append(seq.regexp_match("^[0-9]+$"))
    else:  # binary order: the prefix is a range of the unique index
        where += [number >= prefix, number < prefix[:-1] + ".", ~seq.op("GLOB")("*[^0-9]*")]
    return session.execute(select(func.max(cast(seq, BigInteger))).where(*where)).scalar() or 0


def is_loan_overdue(loan, today=None):
    """Lent out (approved, not returned) and the due-back date has passed."""
    today = today or office_today()
    return loan.status == "approved" and loan.returned_on is None \
        and loan.due_back is not None and loan.due_back < today


def overdue_clause(today=None):
    """SQL twin of is_loan_overdue."""
    today = today or office_today()
    return and_(ArchiveLoan.status == "approved", ArchiveLoan.returned_on.is_(None),
                ArchiveLoan.due_back < today)


def active_loan(session, record):
    """The pending or lent-out loan of this record, if any."""
    return session.execute(select(ArchiveLoan).where(
        ArchiveLoan.record_id == record.id, ArchiveLoan.status.in_(ACTIVE_LOAN_STATUSES))
        .order_by(ArchiveLoan.id.desc())).scalars().first()


def loan_state(loan, today=None):
    """(css kind, Chinese label) for a loan's status badge; overdue wins over 已借出."""
    if is_loan_overdue(loan, today):
        days = ((today or office_today()) - loan.due_back).days
        return "overdue", f"逾期{days}天"
    kind = {"requested": "due_soon", "approved": "info", "denied": "secondary", "returned": "ok"}
    return kind.get(loan.status, "secondary"), LOAN_STATUSES.get(loan.status, loan.status)


def record_loan_state(record, today=None):
    """The badge of a record on the archive list: its active loan, or None (在库)."""
    active = [ln for ln in record.loans if ln.status in ACTIVE_LOAN_STATUSES]
    return loan_state(active[-1], today) if active else None


def max_due_back(today=None):
    return (today or office_today()) + timedelta(days=MAX_LOAN_DAYS)


# ---- loan moves -----------------------------------------------------------------------------------

def _detail(loan, extra=""):
    rec = loan.record
    who = loan.borrower_label
    text = f"档号 {rec.archive_number}；借阅人 {who}；应还日期 {fmt_date(loan.due_back)}"
    return text + (f"；{extra}" if extra else "")


def request_loan(session, actor, record, purpose, due_back, ip=None, borrower_name="", borrower_unit=""):
    """A loan request (待审批). Refused while the file is lent out or has a pending request.
    The archivist may file it for someone else: `borrower_name` (and unit) say who reads the file."""
    if not access.may_request_loan(session, actor, record):
        raise ServiceError("您无权借阅该档案。")
    if active_loan(session, record) is not None:
        raise ServiceError(ALREADY_LENT)
    today = office_today()
    fields = inputs.Fields({"purpose": purpose, "due_back": due_back, "borrower_name": borrower_name,
                            "borrower_unit": borrower_unit})
    purpose = fields.text("purpose", "借阅用途", required=True, max_len=200)
    name = fields.text("borrower_name", "借阅人姓名", max_len=50)
    unit = fields.text("borrower_unit", "借阅人单位", max_len=100)
    if (name or unit) and not access.may_lend_for_others(actor):
        raise ServiceError(MSG_FOR_OTHERS)
    if unit and not name:
        fields.add("borrower_name", MSG_BORROWER_NAME)
    due = fields.date("due_back", "应还日期", required=True)
    if due is not None and due < today:
        fields.add("due_back", "应还日期不能早于今天。")
    elif due is not None and due > max_due_back(today):
        fields.add("due_back", f"借阅期限最长{MAX_LOAN_DAYS}天，应还日期不能晚于{fmt_date(max_due_back(today))}。")
    fields.done()
    loan = ArchiveLoan(record=record, borrower_id=actor.id, purpose=purpose, due_back=due,
                       borrower_name=name or None, borrower_unit=unit or None,
                       status="requested", requested_at=utcnow())
    session.add(loan)
    session.flush()
    audit.record(session, actor, "loan_request", detail=_detail(loan, f"用途 {purpose}"), ip=ip)
    return loan


def _decide(session, actor, loan, approve, ip=None):
    if not access.may_decide_loan(session, actor, loan):
        raise ServiceError("只有领导可以审批借阅申请。")
    if loan.status != "requested":
        raise ServiceError(f"该借阅申请状态为“{LOAN_STATUSES.get(loan.status, loan.status)}”，无需审批。")
    if loan.borrower_id == actor.id:
        raise ServiceError("不能审批本人的借阅申请，请由其他领导审批。")
    if approve:
        if loan.due_back is not None and loan.due_back < office_today():
            raise ServiceError("申请的应还日期已过，不能批准，请借阅人重新申请。")
        if session.execute(select(ArchiveLoan.id).where(
                ArchiveLoan.record_id == loan.record_id, ArchiveLoan.status == "approved")).first():
            raise ServiceError(ALREADY_LENT)
    loan.status = "approved" if approve else "denied"
    loan.approved_by_id = actor.id
    loan.approved_at = utcnow()
    session.flush()
    audit.record(session, actor, "loan_approve" if approve else "loan_deny", detail=_detail(loan), ip=ip)
    return loan


def approve_loan(session, actor, loan, ip=None):
    """Leader approves: the file is lent out (已借出)."""
    return _decide(session, actor, loan, True, ip)


def deny_loan(session, actor, loan, ip=None):
    """Leader denies (未批准); the file may be requested again."""
    return _decide(session, actor, loan, False, ip)


def return_loan(session, actor, loan, returned_on=None, ip=None):
    """The archivist records the file back (已归还). returned_on defaults to today."""
    if not access.may_return_loan(session, actor, loan):
        raise ServiceError("只有档案员可以登记归还。")
    if loan.status != "approved":
        raise ServiceError(f"该借阅状态为“{LOAN_STATUSES.get(loan.status, loan.status)}”，不能登记归还。")
    today = office_today()
    lent_on = min(local(loan.approved_at).date(), today) if loan.approved_at else None
    fields = inputs.Fields({"returned_on": returned_on})
    on = fields.date("returned_on", "归还日期", default=today, allow_future=False, today=today,
                     not_before=lent_on, not_before_label="批准借出日期")
    fields.done()
    loan.returned_on = on
    loan.status = "returned"
    session.flush()
    late = f"逾期{(on - loan.due_back).days}天归还" if loan.due_back and on > loan.due_back else ""
    audit.record(session, actor, "loan_return", detail=_detail(loan, f"归还日期 {fmt_date(on)}"
                                                                     + (f"；{late}" if late else "")), ip=ip)
    return loan


def pending_for(session, user):
    """Loan requests waiting for this leader's decision (in reach, not their own)."""
    if not access.may_decide_loan(session, user):
        return []
    return list(session.execute(
        select(ArchiveLoan).join(ArchiveRecord, ArchiveRecord.id == ArchiveLoan.record_id)
        .where(ArchiveLoan.status == "requested", ArchiveLoan.borrower_id != user.id,
               access.scope_filter(session, user, ArchiveRecord))
        .order_by(ArchiveLoan.requested_at)).scalars())
