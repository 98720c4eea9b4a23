"""Figures for the home page, always within the viewer's reach."""
from sqlalchemy import func, select

from models import Case
from models.enums import STATUSES
from services import access, deadlines
from services.clock import today as office_today


def build(session, user):
    scope = access.case_filter(session, user)
    today = office_today()
    by_status = dict(session.execute(
        select(Case.status, func.count()).where(scope).group_by(Case.status)).all())
    cal = deadlines.load_calendar(session)
    cutoff = deadlines.due_soon_cutoff(cal, today)
    running = Case.status.in_(("accepted", "assigned", "handling"))
    overdue = session.execute(select(func.count()).select_from(Case).where(
        scope, running, Case.handle_due < today)).scalar()
    due_soon = session.execute(select(func.count()).select_from(Case).where(
        scope, running, Case.handle_due >= today, Case.handle_due <= cutoff)).scalar()
    missing_years = deadlines.years_without_data(session, [today.year, today.year + 1])
    return {
        "status_counts": [(code, name, by_status.get(code, 0)) for code, name in STATUSES.items()],
        "total": sum(by_status.values()),
        "overdue": overdue,
        "due_soon": due_soon,
        "missing_holiday_years": missing_years,
        "today": today,
    }
