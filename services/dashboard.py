"""Figures for the home page, always within the viewer's reach (access.case_filter).
views/pages/dashboard.py labels them for the page."""
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.sql.elements import True_

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
    year's figures per department, and cases received and closed in each of the last 12 months.

    Every figure reads what it counts through an index (issue 17): counts by status and department
    from (status, department_id); overdue and due soon from the clock indexes; the year's, the
    month's and the 12 months' figures from received_on / assigned_on / closed_on. (One pass with
    every figure as a conditional sum measured slower than these: it reads every row in reach.)"""
    reach = access.case_filter(session, user)
    scope = and_(reach, Case.status != "voided")
    today = office_today()
    cal = deadlines.load_calendar(session)
    cutoff = deadlines.due_soon_cutoff(cal, today, deadlines.due_soon_days(session))
    missing_years = deadlines.provisional_years(session, [today.year, today.year + 1])
    month_start = today.replace(day=1)
    year_start = date(today.year, 1, 1)
    keys = ("assigned", "open", "overdue", "closed", "on_time")
    by_status, per_dept = {}, {}

    def dept(dept_id):
        return per_dept.setdefault(dept_id, dict.fromkeys(keys, 0))

    # Everything in reach (office staff): counted from the (status, department_id) index alone.
    # Otherwise grouped by an expression, so that the reach's own indexes find its rows instead
    # of the whole table being read in index order to save the grouping sort.
    everything = isinstance(reach, True_)
    status_key = Case.status if everything else func.coalesce(Case.status, "")
    for status, dept_id, n in session.execute(
            select(status_key, Case.department_id, func.count()).where(reach)
            .group_by(status_key, Case.department_id)):
        by_status[status] = by_status.get(status, 0) + n
        if status != "voided" and dept_id is not None:
            dept(dept_id)["open"] += n if status in RUNNING else 0
    overdue = 0
    for dept_id, n in session.execute(select(Case.department_id, func.count()).where(
            scope, deadlines.overdue_clause(today)).group_by(Case.department_id)):
        overdue += n
        if dept_id is not None:
            dept(dept_id)["overdue"] += n
    closed_this_year = and_(Case.status.in_(("closed", "archived")), Case.closed_on >= year_start)
    # grouped by an expression: grouping by the indexed column made the planner read the whole
    # table in department order rather than the year's rows through the date indexes
    dept_key = func.coalesce(Case.department_id, 0).label("dept")
    for r in session.execute(
            select(dept_key,
                   _n(Case.assigned_on >= year_start).label("assigned"),
                   _n(closed_this_year).label("closed"),
                   _n(and_(closed_this_year, Case.handle_due.isnot(None),
                           Case.closed_on <= Case.handle_due)).label("on_time"))
            .where(scope, or_(Case.assigned_on >= year_start, Case.closed_on >= year_start))
            .group_by(dept_key)):
        if not r.dept:  # no responsible department (ids start at 1)
            continue
        d = dept(r.dept)
        for k in ("assigned", "closed", "on_time"):
            d[k] += int(r._mapping[k])
    due_soon = session.execute(select(func.count()).select_from(Case).where(
        scope, deadlines.due_soon_clause(cutoff, today))).scalar()
    inflow = dict(session.execute(
        select(Case.channel, func.count()).where(scope, Case.received_on >= month_start,
                                                  Case.received_on <= today)
        .group_by(Case.channel)).all())
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
    received = [int(trend_row[f"r{i}"]) for i in range(len(months))]
    closed = [int(trend_row[f"c{i}"]) for i in range(len(months))]
    names = {d.id: (d.sort_order, d.name) for d in session.execute(select(Department)).scalars()}
    departments = sorted(({
        "id": dept_id, "name": names.get(dept_id, (0, ""))[1], **d,
        "on_time_rate": (d["on_time"] / d["closed"]) if d["closed"] else None,
    } for dept_id, d in per_dept.items()), key=lambda d: names.get(d["id"], (0, ""))[0:2])
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
        "received": received,
        "closed": closed,
    }
