"""Figures for the home page, always within the viewer's reach (access.case_filter).
views/pages/dashboard.py labels them for the page."""
from datetime import date

from sqlalchemy import and_, case, func, select

from models import Case, Department
from services import access, deadlines
from services.clock import today as office_today

RUNNING = deadlines.HANDLE_CLOCK_STATUSES


def _n(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def months_back(today, count=12):
    """The first days of the last `count` months, oldest first, ending with this month."""
    y, m = today.year, today.month
    out = []
    for _ in range(count):
        out.append(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _next_month(d):
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def figures(session, user):
    """Counts by status, the overdue and due-soon counts, this month's inflow by channel, this
    year's figures per department, and cases received and closed in each of the last 12 months."""
    scope = and_(access.case_filter(session, user), Case.status != "voided")
    today = office_today()
    by_status = dict(session.execute(
        select(Case.status, func.count()).where(access.case_filter(session, user))
        .group_by(Case.status)).all())
    cal = deadlines.load_calendar(session)
    cutoff = deadlines.due_soon_cutoff(cal, today, deadlines.due_soon_days(session))
    overdue_clause = deadlines.overdue_clause(today)
    running = Case.status.in_(RUNNING)
    overdue = session.execute(select(func.count()).select_from(Case).where(
        scope, overdue_clause)).scalar()
    due_soon = session.execute(select(func.count()).select_from(Case).where(
        scope, deadlines.due_soon_clause(cutoff, today))).scalar()
    missing_years = deadlines.provisional_years(session, [today.year, today.year + 1])

    month_start = today.replace(day=1)
    inflow = dict(session.execute(
        select(Case.channel, func.count()).where(scope, Case.received_on >= month_start,
                                                  Case.received_on <= today)
        .group_by(Case.channel)).all())

    year_start = date(today.year, 1, 1)
    dept_rows = session.execute(
        select(Case.department_id,
               _n(Case.assigned_on >= year_start).label("assigned"),
               _n(running).label("open"),
               _n(overdue_clause).label("overdue"),
               _n(and_(Case.status.in_(("closed", "archived")), Case.closed_on >= year_start))
               .label("closed"),
               _n(and_(Case.status.in_(("closed", "archived")), Case.closed_on >= year_start,
                       Case.handle_due.isnot(None), Case.closed_on <= Case.handle_due))
               .label("on_time"))
        .where(scope, Case.department_id.isnot(None)).group_by(Case.department_id)).all()
    names = {d.id: (d.sort_order, d.name) for d in session.execute(select(Department)).scalars()}
    departments = sorted(({
        "id": r.department_id, "name": names.get(r.department_id, (0, ""))[1],
        "assigned": int(r.assigned), "open": int(r.open), "overdue": int(r.overdue),
        "closed": int(r.closed), "on_time": int(r.on_time),
        "on_time_rate": (int(r.on_time) / int(r.closed)) if int(r.closed) else None,
    } for r in dept_rows), key=lambda d: names.get(d["id"], (0, ""))[0:2])

    months = months_back(today)
    first, last = months[0], _next_month(months[-1])
    cols = []
    for i, m in enumerate(months):
        end = _next_month(m)
        cols.append(_n(and_(Case.received_on >= m, Case.received_on < end)).label(f"r{i}"))
        cols.append(_n(and_(Case.closed_on >= m, Case.closed_on < end)).label(f"c{i}"))
    trend_row = session.execute(select(*cols).where(
        scope, ((Case.received_on >= first) & (Case.received_on < last))
        | ((Case.closed_on >= first) & (Case.closed_on < last)))).mappings().one()
    return {
        "by_status": by_status,
        "overdue": overdue,
        "due_soon": due_soon,
        "due_soon_cutoff": cutoff,
        "due_soon_days": deadlines.due_soon_days(session),
        "due_soon_provisional": cal.is_provisional(cutoff),
        "missing_holiday_years": missing_years,
        "today": today,
        "month_start": month_start,
        "inflow": inflow,
        "departments": departments,
        "year_start": year_start,
        "months": months,
        "received": [int(trend_row[f"r{i}"]) for i in range(len(months))],
        "closed": [int(trend_row[f"c{i}"]) for i in range(len(months))],
    }
