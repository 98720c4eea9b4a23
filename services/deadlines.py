"""The statutory clock (法定时限).

Counting follows the 民法典 rule: the first day is not counted, and a last day that falls on a
rest day (statutory holiday or weekend) moves to the next working day. Working days honour the
Holiday table, including make-up working weekends (调休补班). A year with no rows in the table
counts weekends only and is reported by `years_without_data` so the dashboard can warn.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import extract, func, select

from models import Case, Holiday
from services import settings
from services.clock import today as office_today

ACCEPT_DAYS = 15
HANDLE_DAYS = 60
MAX_EXTENSION_DAYS = 30
REVIEW_WINDOW_DAYS = 30   # petitioner may ask for 复查/复核 within this many days
REVIEW_HANDLE_DAYS = 30   # a 复查/复核 is answered within this many days
DUE_SOON_WORKING_DAYS = 3


@dataclass
class Calendar:
    holidays: set = field(default_factory=set)
    workdays: set = field(default_factory=set)
    years: set = field(default_factory=set)

    def is_working_day(self, d):
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

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

    def working_days_between(self, start, end):
        """Working days after `start` up to and including `end` (negative if end < start)."""
        if end == start:
            return 0
        sign, a, b = (1, start, end) if end > start else (-1, end, start)
        n, d = 0, a
        while d < b:
            d += timedelta(days=1)
            if self.is_working_day(d):
                n += 1
        return sign * n


def load_calendar(session):
    cal = Calendar()
    for day, kind in session.execute(select(Holiday.day, Holiday.kind)):
        (cal.workdays if kind == "workday" else cal.holidays).add(day)
        cal.years.add(day.year)
    return cal


def years_without_data(session, years):
    have = {int(y) for (y,) in session.execute(select(extract("year", Holiday.day)).distinct())}
    return sorted(set(years) - have)


def seed_holidays(session, years):
    """Fill the Holiday table from chinese-calendar for the years it knows; returns rows added."""
    import chinese_calendar as cc

    existing = set(session.execute(select(Holiday.day)).scalars())
    added = 0
    for year in years:
        for source, kind in ((cc.constants.holidays, "holiday"), (cc.constants.workdays, "workday")):
            for day, name in source.items():
                if day.year != year or day in existing:
                    continue
                session.add(Holiday(day=day, kind=kind, name=_holiday_name(name)))
                existing.add(day)
                added += 1
    return added


_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_name(name):
    return _NAMES.get(str(name), str(name or ""))


# ---- the clocks of a case -----------------------------------------------------------------

def mode(session, clock):
    return settings.get(session, f"clock_{clock}_mode")


def accept_due(session, received_on, cal=None):
    cal = cal or load_calendar(session)
    return cal.add(received_on, ACCEPT_DAYS, mode(session, "accept"))


def handle_due(session, accepted_on, source_deadline=None, review_level=0, cal=None):
    """Handling due date; a higher body's own deadline wins when it is earlier."""
    cal = cal or load_calendar(session)
    if review_level:
        due = cal.add(accepted_on, REVIEW_HANDLE_DAYS, mode(session, "review"))
    else:
        due = cal.add(accepted_on, HANDLE_DAYS, mode(session, "handle"))
    if source_deadline and source_deadline < due:
        due = source_deadline
    return due


def extended_due(session, old_due, days, cal=None):
    cal = cal or load_calendar(session)
    return cal.add(old_due, days, mode(session, "extend"))


def review_window_end(session, served_on, cal=None):
    cal = cal or load_calendar(session)
    return cal.add(served_on, REVIEW_WINDOW_DAYS, mode(session, "review"))


def recompute_case(session, case, cal=None):
    """Recompute the due dates of one case from its facts (after a calendar or setting change)."""
    cal = cal or load_calendar(session)
    if case.received_on:
        case.accept_due = accept_due(session, case.received_on, cal)
    if case.accepted_on:
        base = handle_due(session, case.accepted_on, case.source_deadline, case.review_level, cal)
        case.handle_base_due = base
        if case.extension_state == "approved" and case.extension_days:
            case.handle_due = extended_due(session, base, case.extension_days, cal)
        else:
            case.handle_due = base


def recompute_open_cases(session, batch=500):
    """Recompute every open case's due dates; returns how many changed."""
    from models.enums import OPEN_STATUSES

    cal = load_calendar(session)
    changed = 0
    rows = session.execute(select(Case).where(Case.status.in_(OPEN_STATUSES))
                           .execution_options(yield_per=batch)).scalars()
    for case in rows:
        before = (case.accept_due, case.handle_due)
        recompute_case(session, case, cal)
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


def due_state(due, cal, today=None):
    today = today or office_today()
    if due is None:
        return DueState(None, None, "none", "")
    days_left = (due - today).days
    if days_left < 0:
        return DueState(due, days_left, "overdue", f"超期{-days_left}天")
    if cal.working_days_between(today, due) <= DUE_SOON_WORKING_DAYS:
        return DueState(due, days_left, "due_soon", f"临期，剩{days_left}天")
    return DueState(due, days_left, "ok", f"剩{days_left}天")


def running_due(case):
    """The clock that currently runs for this case, or None when no clock runs."""
    if case.status == "registered" and not case.accept_notice_on:
        return case.accept_due
    if case.status in ("assigned", "handling", "accepted"):
        return case.handle_due
    return None


def due_soon_cutoff(cal, today=None):
    """The last date still counted as due soon (today + 3 working days)."""
    today = today or office_today()
    d, left = today, DUE_SOON_WORKING_DAYS
    while left > 0:
        d += timedelta(days=1)
        if cal.is_working_day(d):
            left -= 1
    return d


def count_open_overdue(session, where, today=None):
    today = today or office_today()
    return session.execute(select(func.count()).select_from(Case).where(
        where, Case.status.in_(("assigned", "handling", "accepted")), Case.handle_due < today)).scalar()
