"""待办: what waits for one user, line by line, each with its count and what it opens.

Every line of a role is counted in ONE statement of scalar subqueries, one per line, each a count of
its own clause inside the user's reach (access.case_filter). Each count is planned on its own, so
it reads the index its clause narrows to (issue 17, measured at a million cases: one scan of every
case in the lines' statuses with a sum per line took 2.2 s for the clerk and 6.5 s for a leader;
line by line, each through its index, a small part of that). The 待办 page adds each line's
breakdown (the archivist's unfiled cases by month, the clerk's overdue cases by department) with
one grouped query each.

A case line opens the case list with its 待办 filter (views/filters.py TodoFilter), which applies
`case_clause` — the very clause counted here — inside the same reach, so a line's list holds
exactly the cases it counts. A loan line opens the loan list with `loan_clause`.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, exists, extract, false, func, select

from models import (ArchiveLoan, ArchiveRecord, Case, CaseEvent, Hearing, PackageAssignment,
                    ReceptionSchedule, ScreeningReport)
from models.enums import OPEN_CASE_STATUSES, PACKAGE_OPEN
from services import access, deadlines
from services.access import ARCHIVIST, CLERK, HANDLER, LEADER
from services.clock import OFFICE_TZ, today as office_today

WINDOW_DAYS = 7  # 督办, 批示 and extension decisions of the last week


@dataclass(frozen=True)
class Context:
    """What the clauses of one user's lines need: read once per count."""
    user: object
    today: date
    cutoff: date  # the last day still 临期
    since: datetime  # naive UTC: the start of the office day WINDOW_DAYS - 1 days ago
    depts: frozenset  # the user's department and those below it

    @property
    def week(self):
        monday = self.today - timedelta(days=self.today.weekday())
        return monday, monday + timedelta(days=6)


def context(session, user, today=None):
    today = today or office_today()
    cal = deadlines.load_calendar(session)
    start = datetime.combine(today - timedelta(days=WINDOW_DAYS - 1), time.min, tzinfo=OFFICE_TZ)
    return Context(user, today, deadlines.due_soon_cutoff(cal, today, deadlines.due_soon_days(session)),
                   start.astimezone(timezone.utc).replace(tzinfo=None),
                   frozenset(access.user_dept_ids(session, user)))


# ---- the clauses ----------------------------------------------------------------------------------

def _move(move):
    """A move's own 待办 (services/workflow/spec.py): its statuses, who may make it (reach and the
    responsible department where the move needs it) and what else the case waits for."""
    def clause(session, ctx):
        from services.workflow.spec import MOVES
        m = MOVES[move]
        return and_(access.move_clause(session, ctx.user, move), Case.status.in_(m.statuses),
                    *([m.waiting(session, ctx.user)] if m.waiting else []))
    return clause


def _mine(ctx):
    """Cases of the handler's department as the responsible one (assisting departments see them,
    but the clock and the moves are the responsible department's)."""
    return Case.department_id.in_(ctx.depts) if ctx.depts else false()


def _event_since(*actions):
    # The week's events name the few cases, not a look at every open case's history. They are
    # found through the index on case_event.at: SQLite's planner (no histograms) prefers the index
    # on action, which holds every extension ever decided (48k rows read at a million cases, 1.3 s);
    # `action || ''` keeps that index out.
    def clause(session, ctx):
        return and_(_mine(ctx), Case.id.in_(select(CaseEvent.case_id).where(
            CaseEvent.at >= ctx.since, (CaseEvent.action + "").in_(actions))))
    return clause


def _had(action):
    # The cases with such an event (the index on case_event.action), not each case's history read
    # row by row: a return or a rejected close is rare beside the cases in the line's status.
    return Case.id.in_(select(CaseEvent.case_id).where(CaseEvent.action == action))


def _clock(state, mine=False):
    def clause(session, ctx):
        c = (deadlines.overdue_clause(ctx.today) if state == "overdue"
             else deadlines.due_soon_clause(ctx.cutoff, ctx.today))
        return and_(_mine(ctx), c) if mine else c
    return clause


def _pending_hearing(session, ctx):
    """The move's own clause, led by the few cases with a hearing waiting for approval (the index on
    hearing.status) instead of every case in the hearing statuses tested one by one."""
    return and_(Case.id.in_(select(Hearing.case_id).where(Hearing.status == "pending")),
                _move("hearing_decide")(session, ctx))


def _notice_due(session, ctx):
    return and_(Case.accept_notice_on.is_(None), Case.accept_due.isnot(None),
                Case.accept_due <= ctx.cutoff)


@dataclass(frozen=True)
class CaseLine:
    label: str
    statuses: tuple  # the statuses its cases are in (the index narrows the count to them)
    where: object  # (session, ctx) -> SQL clause on Case

    def clause(self, session, ctx):
        return and_(Case.status.in_(self.statuses), self.where(session, ctx))


ACCEPT_CLOCK = deadlines.ACCEPT_CLOCK_STATUSES
CLOCKED = tuple(dict.fromkeys(deadlines.ACCEPT_CLOCK_STATUSES + deadlines.HANDLE_CLOCK_STATUSES))
AT_WORK = ("assigned", "handling")

CASE_LINES = {
    # handler
    "sign_for": CaseLine("新交办待签收", ("assigned",), _move("sign_for")),
    "supervised": CaseLine(f"近{WINDOW_DAYS}日被督办", AT_WORK, _event_since("supervise")),
    "instructed": CaseLine(f"近{WINDOW_DAYS}日领导批示", OPEN_CASE_STATUSES, _event_since("instruction")),
    "extension_decided": CaseLine(f"近{WINDOW_DAYS}日延期审批结果", OPEN_CASE_STATUSES,
                                  _event_since("extend_approve", "extend_deny")),
    "redo": CaseLine("结案审批退回重办", ("handling",), lambda s, ctx: and_(_mine(ctx), _had("close_reject"))),
    "mine_due_soon": CaseLine("本单位承办临期", CLOCKED, _clock("due_soon", mine=True)),
    "mine_overdue": CaseLine("本单位承办超期", CLOCKED, _clock("overdue", mine=True)),
    # leader
    "extend_decide": CaseLine("延期申请待审批", ("handling",), _move("extend_decide")),
    "hearing_decide": CaseLine("听证申请待审批", deadlines.HANDLE_CLOCK_STATUSES, _pending_hearing),
    "close_decide": CaseLine("结案申请待审批", ("closing",), _move("close_decide")),
    # clerk
    "registered": CaseLine("登记待受理", ("registered",), _move("accept")),
    "notice_due": CaseLine("受理告知临期或超期", ACCEPT_CLOCK, _notice_due),
    "to_assign": CaseLine("已受理待交办", ("accepted",), lambda s, ctx: ~_had("return")),
    "returned": CaseLine("退回待重新交办", ("accepted",), lambda s, ctx: _had("return")),
    "replied": CaseLine("已答复待申请结案", ("replied",), _move("close_request")),
    "overdue": CaseLine("超期", CLOCKED, _clock("overdue")),
    "overdue_unassigned": CaseLine("超期（未交办）", CLOCKED,
                                   lambda s, ctx: and_(Case.department_id.is_(None), _clock("overdue")(s, ctx))),
    # archivist
    "unfiled": CaseLine("已办结待归档", ("closed",), _move("archive")),
}


def case_clause(session, user, key, ctx=None):
    """The WHERE clause of a case line (without the reach, which every door adds), or None."""
    line = CASE_LINES.get(key)
    if line is None:
        return None
    return line.clause(session, ctx or context(session, user))


# ---- lines over other tables ------------------------------------------------------------------------

def _loans_to_decide(session, ctx):
    if not access.may_decide_loan(session, ctx.user):
        return false()
    # The record's case in reach, asked for each requested loan (a handful), not as the list of
    # every record in reach (at a million cases that list read every case: 5 s for a leader).
    # The same rows as ArchiveLoan.record_id IN (records in access.scope_filter): that scope is
    # the record's case in access.case_filter.
    return and_(ArchiveLoan.status == "requested", ArchiveLoan.borrower_id != ctx.user.id,
                exists().where(ArchiveRecord.id == ArchiveLoan.record_id, Case.id == ArchiveRecord.case_id,
                               access.case_filter(session, ctx.user)).correlate(ArchiveLoan))


def _loans_due(session, ctx):
    return and_(ArchiveLoan.status == "approved", ArchiveLoan.returned_on.is_(None),
                ArchiveLoan.due_back <= ctx.cutoff)


LOAN_LINES = {"decide": ("借阅申请待审批", _loans_to_decide), "due": ("借阅到期待归还", _loans_due)}


def loan_clause(session, user, key, ctx=None):
    """The WHERE clause on ArchiveLoan of a loan line (the loan list adds its scope), or None."""
    line = LOAN_LINES.get(key)
    return None if line is None else line[1](session, ctx or context(session, user))


def _count(model, clause):
    return select(func.count()).select_from(model).where(clause).scalar_subquery()


def _packages(session, ctx, *more):
    return _count(PackageAssignment, and_(PackageAssignment.leader_id == ctx.user.id, *more))


def _screening(reminded):
    """A unit's screening reports not yet submitted (services/screening.py), or those of them the
    office has reminded (催报)."""
    def count(session, ctx):
        from services import screening
        clause = screening.pending_clause(session, ctx.user, reminded=reminded)
        return _count(ScreeningReport, clause if clause is not None else false())
    return count


OTHER_LINES = {
    # key: (label, (session, ctx) -> scalar subquery, what it opens)
    "loans_to_decide": (LOAN_LINES["decide"][0], lambda s, ctx: _count(ArchiveLoan, _loans_to_decide(s, ctx)),
                        ("loans", "decide")),
    "packages_to_accept": ("包案待确认", lambda s, ctx: _packages(s, ctx, PackageAssignment.status == "proposed"),
                           ("page", "my_packages")),
    "packages_due": ("我的包案临期或超期", lambda s, ctx: _packages(
        s, ctx, PackageAssignment.status.in_(PACKAGE_OPEN), PackageAssignment.deadline <= ctx.cutoff),
        ("page", "my_packages")),
    "receptions": ("本周接待日", lambda s, ctx: _count(ReceptionSchedule, and_(
        ReceptionSchedule.leader_id == ctx.user.id, ReceptionSchedule.status != "cancelled",
        ReceptionSchedule.day.between(*ctx.week))), ("page", "my_reception")),
    "loans_due": (LOAN_LINES["due"][0], lambda s, ctx: _count(ArchiveLoan, _loans_due(s, ctx)), ("loans", "due")),
    "screening_pending": ("矛盾纠纷排查待报送", _screening(False), ("page", "screening_round")),
    "screening_reminded": ("排查报送被催报", _screening(True), ("page", "screening_round")),
}

ROLE_LINES = {
    HANDLER: ("sign_for", "supervised", "instructed", "extension_decided", "redo", "mine_due_soon",
              "mine_overdue", "screening_pending", "screening_reminded"),
    LEADER: ("extend_decide", "hearing_decide", "close_decide", "loans_to_decide", "packages_to_accept", "packages_due",
             "receptions"),
    CLERK: ("registered", "notice_due", "to_assign", "returned", "replied", "overdue"),
    ARCHIVIST: ("unfiled", "loans_due"),
}


# ---- counting ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    """One row of a line's breakdown: its label, count and the case-list filters it adds."""
    label: str
    count: int
    key: str  # the case line it filters by
    department_id: int = None
    month: date = None  # closed in this month


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    count: int
    opens: tuple  # ("cases", case line key) | ("loans", loan line key) | ("page", endpoint)
    parts: tuple = ()


def role_keys(user):
    return ROLE_LINES.get(getattr(user, "role", None), ()) if getattr(user, "is_authenticated", False) else ()


def lines(session, user, *, breakdown=False, today=None):
    """[Line] of the user's 待办, in the role's order; with breakdown, their parts too."""
    keys = role_keys(user)
    if not keys:
        return []
    ctx = context(session, user, today)
    reach = access.case_filter(session, user)
    counts = [_count(Case, and_(CASE_LINES[k].clause(session, ctx), reach)) if k in CASE_LINES
              else OTHER_LINES[k][1](session, ctx) for k in keys]
    counts = dict(zip(keys, (int(n or 0) for n in session.execute(select(*counts)).one())))
    out = []
    for k in keys:
        if k in CASE_LINES:
            out.append(Line(k, CASE_LINES[k].label, counts[k], ("cases", k)))
        else:
            label, _count_of, opens = OTHER_LINES[k]
            out.append(Line(k, label, counts[k], opens))
    if breakdown:
        out = [Line(ln.key, ln.label, ln.count, ln.opens, tuple(BREAKDOWNS[ln.key](session, user, ctx)))
               if ln.key in BREAKDOWNS and ln.count else ln for ln in out]
    return out


def total(line_list):
    """The menu's number: every line's count added up."""
    return sum(ln.count for ln in line_list)


def _reach(session, user, key, ctx):
    return and_(access.case_filter(session, user), CASE_LINES[key].clause(session, ctx))


def _unfiled_by_month(session, user, ctx):
    y, m = extract("year", Case.closed_on), extract("month", Case.closed_on)
    rows = session.execute(select(y, m, func.count()).where(_reach(session, user, "unfiled", ctx))
                           .group_by(y, m).order_by(y, m)).all()
    return [Part(f"{int(yy)}年{int(mm)}月办结", n, "unfiled", month=date(int(yy), int(mm), 1))
            for yy, mm, n in rows if yy is not None]


def _overdue_by_department(session, user, ctx):
    from models import Department
    rows = session.execute(select(Case.department_id, func.count()).where(_reach(session, user, "overdue", ctx))
                           .group_by(Case.department_id)).all()
    depts = {d.id: (d.sort_order, d.name) for d in session.execute(
        select(Department).where(Department.id.in_([r[0] for r in rows if r[0] is not None]))).scalars()}
    out = [Part(depts[d][1], n, "overdue", department_id=d) for d, n in rows if d in depts]
    out.sort(key=lambda p: (depts[p.department_id][0], p.department_id))
    out += [Part("未交办（受理告知超期）", n, "overdue_unassigned") for d, n in rows if d is None]
    return out


BREAKDOWNS = {"unfiled": _unfiled_by_month, "overdue": _overdue_by_department}


def month_end(month):
    """The last day of the month starting on `month`."""
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return nxt - timedelta(days=1)
