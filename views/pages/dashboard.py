"""The home page (templates/dashboard.html): services/dashboard.py's figures with their labels."""
from models.enums import CHANNELS, STATUSES
from services import access, dashboard


def build(session, user):
    f = dashboard.figures(session, user)
    by_status, inflow, months = f["by_status"], f["inflow"], f["months"]
    return {
        "status_counts": [(code, name, by_status.get(code, 0)) for code, name in STATUSES.items()],
        "total": sum(by_status.values()),
        "overdue": f["overdue"],
        "due_soon": f["due_soon"],
        "due_soon_cutoff": f["due_soon_cutoff"],
        "due_soon_days": f["due_soon_days"],
        "missing_holiday_years": f["missing_holiday_years"],
        "due_soon_provisional": f["due_soon_provisional"],
        "may_read_holidays": access.may_view(user, "holiday", access.R),
        "today": f["today"],
        "month_start": f["month_start"],
        "inflow": [(code, name, inflow.get(code, 0)) for code, name in CHANNELS.items()],
        "inflow_total": sum(inflow.values()),
        "departments": f["departments"],
        "year_start": f["year_start"],
        "trend": {
            "labels": [f"{m.year}年{m.month}月" for m in months],
            "received": f["received"],
            "closed": f["closed"],
            "months": months,
        },
    }
