"""The statutory clock (法定时限).

Counting follows the 民法典 rule: the first day is not counted, and a last day that falls on a
rest day (statutory holiday or weekend) moves to the next working day; a make-up working day
(调休补班, e.g. a Saturday) is a working day and keeps the due date. Working days honour the
Holiday table. A year not marked complete (HolidayYear: its State Council notice not entered in
full) also counts the law's statutory days (services/holidays.py, no 调休): its dates are 暂定,
reported by `provisional_years` for the dashboard and by `Calendar.is_provisional` beside a date.

Clocks (each has a day mode setting `clock_<name>_mode`: calendar | working):
  accept  15 days from receipt; stops when the 受理告知 is recorded
  handle  60 days from acceptance (a higher body's own deadline replaces it, see handle_due)
  extend  at most 30 days from the old due date, once
  review  复查/复核 window 30 days from service of the reply; a review case is answered in 30 days

Hearings (信访听证): the time a hearing needs does not count on the handling clock (条例: 听证所需时间
不计算在办理期限内). An approved or held hearing moves the handling due date by its period, the days
from its first to its last day inclusive, counted the way the case's own handling clock counts
(`clock_handle_mode`, or `clock_review_mode` for a 复查/复核): in calendar mode every day of the
period, in working mode only its working days (a hearing over a weekend or holiday keeps those days,
which the clock did not count anyway). The due date after any extension is moved on by that many
days in the same mode, first day not counted and a last day on a rest day rolled forward, as an
extension does. A hearing refused or cancelled moves nothing (with_hearings).
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, false, null, or_, select, union_all

from models import Case, CaseEvent, Holiday, HolidayYear
from models.enums import DAY_MODES, OPEN_CASE_STATUSES
from services import ServiceError, settings, txcache
from services.clock import today as office_today
from services.holidays import statutory_days

ACCEPT_DAYS = 15
HANDLE_DAYS = 60
MAX_EXTENSION_DAYS = 30
REVIEW_WINDOW_DAYS = 30   # petitioner may ask for 复查/复核 within this many days
REVIEW_HANDLE_DAYS = 30   # a 复查/复核 is answered within this many days
DUE_SOON_WORKING_DAYS = 3

# Statuses in which each clock runs.
ACCEPT_CLOCK_STATUSES = ("registered", "accepted", "assigned", "handling")
HANDLE_CLOCK_STATUSES = ("accepted", "assigned", "handling")


@dataclass
class Calendar:
    """Rest and working days: the Holiday rows, and for a year not marked complete the law's
    statutory days too (a row wins over them)."""
    holidays: set = field(default_factory=set)
    workdays: set = field(default_factory=set)
    complete_years: set = field(default_factory=set)
    provisional: set = field(default_factory=set)  # statutory days of incomplete years (暂定)
    _years_done: set = field(default_factory=set)

    def _statutory(self, year):
        if year not in self._years_done:
            self._years_done.add(year)
            if year not in self.complete_years:
                self.provisional.update(statutory_days(year))
        return self.provisional

    def is_working_day(self, d):
        if d in self.workdays:
            return True
        if d in self.holidays or d in self._statutory(d.year):
            return False
        return d.weekday() < 5

    def is_provisional(self, d):
        """A date counted in a year whose notice is not entered in full (shown with 暂定)."""
        return d is not None and d.year not in self.complete_years

    def roll_forward(self, d):
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def add(self, start, days, mode="calendar"):
        """The due date `days` after `start` (first day not counted)."""
        if mode == "working":
            d, left = start, days
            while left > 0:
                d += timedelta(days=1)
                if self.is_working_day(d):
                    left -= 1
            return d
        return self.roll_forward(start + timedelta(days=days))

    def add_working(self, start, days):
        return self.add(start, days, "working")


def load_calendar(session):
    """The office calendar, read once per transaction (services/txcache)."""
    return txcache.cached(session, CALENDAR.key, CALENDAR.models, lambda: _read_calendar(session))


def _calendar_rows():
    return [select(Holiday.day, Holiday.kind, null().label("year")),
            select(null(), null(), HolidayYear.year).where(HolidayYear.complete.is_(True))]


def _calendar_from_text(rows):
    return _calendar_from((day and date.fromisoformat(day[:10]), kind, year and int(year)) for day, kind, year in rows)


# The calendar as a part of txcache.load_together (a page reading it with the settings).
CALENDAR = txcache.Part("xf_calendar", (Holiday, HolidayYear), _calendar_rows, _calendar_from_text)


def _read_calendar(session):
    # one statement: the days, then the years marked complete (day NULL)
    return _calendar_from(session.execute(union_all(*_calendar_rows())))


def _calendar_from(rows):
    cal = Calendar()
    for day, kind, year in rows:
        if day is None:
            cal.complete_years.add(year)
        else:
            (cal.workdays if kind == "workday" else cal.holidays).add(day)
    return cal


def provisional_years(session, years):
    """Years (of those asked) whose notice is not marked complete: the dashboard warns about them."""
    done = set(session.execute(select(HolidayYear.year).where(
        HolidayYear.year.in_([int(y) for y in years]), HolidayYear.complete.is_(True))).scalars())
    return sorted(set(int(y) for y in years) - done)


def mark_year(session, year, complete):
    row = session.get(HolidayYear, year)
    if row is None:
        row = HolidayYear(year=year, complete=complete)
        session.add(row)
    row.complete = complete
    return row


def seed_holidays(session, years):
    """Fill the Holiday table from chinese-calendar for the years it knows, and mark those years
    complete (its data are the published notices); returns rows added."""
    import chinese_calendar as cc

    existing = set(session.execute(select(Holiday.day)).scalars())
    known = {d.year for d in cc.constants.holidays}
    added = 0
    for year in years:
        if year not in known:
            continue
        for source, kind in ((cc.constants.holidays, "holiday"), (cc.constants.workdays, "workday")):
            for day, name in source.items():
                if day.year != year or day in existing:
                    continue
                session.add(Holiday(day=day, kind=kind, name=_holiday_name(name)))
                existing.add(day)
                added += 1
        mark_year(session, year, True)
    return added


_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def holiday_error(session, holiday):
    """Why a typed Holiday row cannot be saved (no day, unknown kind, a day already listed), or None."""
    from models.enums import HOLIDAY_KINDS

    if holiday.day is None:
        return "请填写日期"
    if holiday.kind not in HOLIDAY_KINDS:
        return "类型无效"
    with session.no_autoflush:
        clash = session.execute(select(Holiday.id).where(
            Holiday.day == holiday.day, Holiday.id != (holiday.id or 0))).first()
    if clash:
        return f"{holiday.day:%Y-%m-%d} 已有节假日记录，请直接修改该记录"
    return None


def _holiday_name(name):
    return _NAMES.get(str(name), str(name or ""))


# ---- settings ---------------------------------------------------------------------------------

def mode(session, clock):
    value = settings.get(session, f"clock_{clock}_mode")
    return value if value in DAY_MODES else "calendar"


def due_soon_days(session):
    try:
        return settings.read_due_soon(settings.get(session, "due_soon_working_days"))
    except ServiceError:
        return DUE_SOON_WORKING_DAYS


# ---- the clocks of a case -----------------------------------------------------------------

def accept_due(session, received_on, cal=None):
    cal = cal or load_calendar(session)
    return cal.add(received_on, ACCEPT_DAYS, mode(session, "accept"))


def statutory_handle_due(session, accepted_on, review_level=0, cal=None):
    cal = cal or load_calendar(session)
    if review_level:
        return cal.add(accepted_on, REVIEW_HANDLE_DAYS, mode(session, "review"))
    return cal.add(accepted_on, HANDLE_DAYS, mode(session, "handle"))


def handle_due(session, accepted_on, source_deadline=None, review_level=0, cal=None):
    """Handling due date.

    Source-deadline rule: a case handed down by a higher body (上级交办) is due on the deadline
    written on the 交办单, as written (a fixed date, not a period: no roll-over), whether it is
    earlier or later than the statutory 60 days. Otherwise the statutory clock applies.
    """
    if source_deadline:
        return source_deadline
    return statutory_handle_due(session, accepted_on, review_level, cal)


def extended_due(session, old_due, days, cal=None):
    """The due date after an extension of `days` (≤ 30) counted from the old due date."""
    cal = cal or load_calendar(session)
    return cal.add(old_due, days, mode(session, "extend"))


def review_window_end(session, served_on, cal=None):
    """The last day the petitioner may ask for 复查/复核 after the reply was served."""
    cal = cal or load_calendar(session)
    return cal.add(served_on, REVIEW_WINDOW_DAYS, mode(session, "review"))


# ---- hearings (信访听证) ------------------------------------------------------------------------

def hearing_mode(session, case):
    """The day mode of the clock a hearing pauses: the case's handling clock."""
    return mode(session, "review" if case.review_level else "handle")


def paused_days(cal, start, end, day_mode):
    """The days of a hearing from `start` to `end` inclusive that the clock would have counted."""
    if start is None or end is None or end < start:
        return 0
    n = (end - start).days + 1
    if day_mode == "working":
        return sum(1 for i in range(n) if cal.is_working_day(start + timedelta(days=i)))
    return n


def _on_clock(case):
    from models.enums import HEARING_ON_CLOCK
    return sorted(((h.start_on, h.end_on, h) for h in case.hearings if h.status in HEARING_ON_CLOCK),
                  key=lambda t: (t[0], t[2].id or 0))


def with_hearings(session, case, due, cal=None, periods=None):
    """`due` (the due date with any extension) moved on by the case's approved and held hearings.
    `periods` [(start, end)] replaces reading case.hearings (the whole-office recompute loads them
    at once); otherwise each hearing's paused_days is brought up to date."""
    if due is None:
        return None
    if periods is None:
        rows = _on_clock(case)
        if not rows:
            return due
        periods = [(s, e) for s, e, _h in rows]
        hearings = [h for _s, _e, h in rows]
    else:
        hearings = [None] * len(periods)
    if not periods:
        return due
    cal = cal or load_calendar(session)
    day_mode = hearing_mode(session, case)
    for (start, end), hearing in zip(periods, hearings):
        days = paused_days(cal, start, end, day_mode)
        if hearing is not None and hearing.paused_days != days:
            hearing.paused_days = days
        if days:
            due = cal.add(due, days, day_mode)
    return due


def hearing_periods(session, case_ids=None):
    """{case_id: [(start, end)]} of the hearings on the clock, in start order."""
    from models import Hearing
    from models.enums import HEARING_ON_CLOCK
    q = (select(Hearing.case_id, Hearing.start_on, Hearing.end_on)
         .where(Hearing.status.in_(HEARING_ON_CLOCK)).order_by(Hearing.start_on, Hearing.id))
    if case_ids is not None:
        q = q.where(Hearing.case_id.in_(case_ids))
    out = {}
    for case_id, start, end in session.execute(q):
        out.setdefault(case_id, []).append((start, end))
    return out


def unpaused_due(session, case, cal=None):
    """The handling due date before any hearing: the base with an approved extension."""
    base = case.handle_base_due or case.handle_due
    if base is not None and case.extension_state == "approved" and case.extension_days:
        return extended_due(session, base, case.extension_days, cal)
    return base


def custom_due_case_ids(session, case_ids=None):
    """Cases whose latest assign/transfer set a due date by hand (kept on recompute)."""
    q = (select(CaseEvent.case_id, CaseEvent.data)
         .where(CaseEvent.action.in_(("assign", "transfer"))).order_by(CaseEvent.id))
    if case_ids is not None:
        q = q.where(CaseEvent.case_id.in_(case_ids))
    latest = {}
    for case_id, data in session.execute(q):
        latest[case_id] = bool((data or {}).get("custom_due"))
    return {cid for cid, custom in latest.items() if custom}


def recompute_case(session, case, cal=None, keep_custom=None, periods=None):
    """Recompute the due dates of one case from its facts (after a calendar or setting change).

    A due date set by hand at assign/transfer is kept (keep_custom; looked up when None).
    """
    cal = cal or load_calendar(session)
    if case.received_on:
        case.accept_due = accept_due(session, case.received_on, cal)
    if not case.accepted_on:
        return
    if keep_custom is None:
        keep_custom = case.id is not None and case.id in custom_due_case_ids(session, [case.id])
    if keep_custom and case.handle_base_due:
        base = case.handle_base_due
    else:
        base = handle_due(session, case.accepted_on, case.source_deadline, case.review_level, cal)
    if case.handle_base_due != base:
        case.handle_base_due = base
    if case.extension_state == "approved" and case.extension_days:
        new_due = extended_due(session, base, case.extension_days, cal)
    else:
        new_due = base
    new_due = with_hearings(session, case, new_due, cal, periods)
    if case.handle_due != new_due:
        case.handle_due = new_due


def recompute_open_cases(session):
    """Recompute every open case's due dates; returns how many changed. The caller commits."""
    cal = load_calendar(session)
    custom = custom_due_case_ids(session)
    paused = hearing_periods(session)
    changed = 0
    cases = list(session.execute(select(Case).where(Case.status.in_(OPEN_CASE_STATUSES))
                                 .order_by(Case.id)).scalars())
    for case in cases:
        before = (case.accept_due, case.handle_due)
        recompute_case(session, case, cal, keep_custom=case.id in custom, periods=paused.get(case.id, []))
        if (case.accept_due, case.handle_due) != before:
            changed += 1
    return changed


# ---- due states ------------------------------------------------------------------------------

@dataclass
class DueState:
    due: date | None
    days_left: int | None  # calendar days; negative when overdue
    state: str  # none | ok | due_soon | overdue
    label: str


def due_soon_cutoff(cal, today=None, days=DUE_SOON_WORKING_DAYS):
    """The last date still counted as due soon (today + N working days)."""
    today = today or office_today()
    return cal.add_working(today, days)


def due_state(due, cal, today=None, days=DUE_SOON_WORKING_DAYS):
    today = today or office_today()
    if due is None:
        return DueState(None, None, "none", "")
    days_left = (due - today).days
    if days_left < 0:
        return DueState(due, days_left, "overdue", f"超期{-days_left}天")
    if due <= due_soon_cutoff(cal, today, days):
        return DueState(due, days_left, "due_soon", f"临期，剩{days_left}天")
    return DueState(due, days_left, "ok", f"剩{days_left}天")


def accept_clock_runs(case):
    return (case.status in ACCEPT_CLOCK_STATUSES and case.accept_notice_on is None
            and case.accept_due is not None)


def handle_clock_runs(case):
    return case.status in HANDLE_CLOCK_STATUSES and case.handle_due is not None


def running_dues(case):
    """[(clock, due)] of the clocks that run now for this case."""
    out = []
    if accept_clock_runs(case):
        out.append(("accept", case.accept_due))
    if handle_clock_runs(case):
        out.append(("handle", case.handle_due))
    return out


def running_due(case):
    """The nearest running due date of this case, or None when no clock runs."""
    dues = [d for _, d in running_dues(case)]
    return min(dues) if dues else None


# ---- SQL filters (list filters, dashboard, reports) -----------------------------------------

def _accept_running():
    return and_(Case.status.in_(ACCEPT_CLOCK_STATUSES), Case.accept_notice_on.is_(None),
                Case.accept_due.isnot(None))


def _handle_running():
    return and_(Case.status.in_(HANDLE_CLOCK_STATUSES), Case.handle_due.isnot(None))


def overdue_clause(today=None):
    """WHERE clause: a running clock is past its due date (超期)."""
    today = today or office_today()
    return or_(and_(_accept_running(), Case.accept_due < today),
               and_(_handle_running(), Case.handle_due < today))


def due_soon_clause(cutoff, today=None):
    """WHERE clause: a running clock falls due between today and `cutoff` (临期)."""
    today = today or office_today()
    if cutoff is None:
        return false()
    return or_(and_(_accept_running(), Case.accept_due >= today, Case.accept_due <= cutoff),
               and_(_handle_running(), Case.handle_due >= today, Case.handle_due <= cutoff))


def due_soon_filter(session, today=None):
    """due_soon_clause with the office's calendar and setting."""
    today = today or office_today()
    cutoff = due_soon_cutoff(load_calendar(session), today, due_soon_days(session))
    return due_soon_clause(cutoff, today)
