"""Jinja helpers shared by templates (display only; no access decisions here)."""
from models import db
from models import enums
from services import clock, settings


def register_template_helpers(app):
    app.jinja_env.globals.update(
        office_name=lambda: settings.office_name(db.session),
        enums=enums,
        label=enums.label,
    )
    app.jinja_env.filters["dt"] = clock.fmt_dt
    app.jinja_env.filters["d"] = clock.fmt_date
