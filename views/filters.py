"""Jinja helpers shared by templates (display only; no access decisions here)."""
from flask import has_app_context, has_request_context, request
from markupsafe import Markup

from models import db
from models import enums
from services import clock, deadlines, settings
from services.holidays import PROVISIONAL_NOTE

PROVISIONAL_MARK = Markup('<span class="badge badge-provisional" title="{}">暂定</span>').format(PROVISIONAL_NOTE)


def request_calendar():
    """The office calendar, read once per request (kept on the request, not on `g`: an app
    context can outlive a request, as in tests, and the calendar may change in between)."""
    if not has_request_context():
        return deadlines.load_calendar(db.session)
    env = request.environ
    if "xf.calendar" not in env:
        env["xf.calendar"] = deadlines.load_calendar(db.session)
    return env["xf.calendar"]


def fmt_due(value):
    """A due date, with 暂定 beside it when its year's notice is not entered in full."""
    text = clock.fmt_date(value)
    if text and has_app_context() and request_calendar().is_provisional(value):
        return Markup("{} {}").format(text, PROVISIONAL_MARK)
    return text


def register_template_helpers(app):
    app.jinja_env.globals.update(
        office_name=lambda: settings.office_name(db.session),
        enums=enums,
        label=enums.label,
        provisional_mark=PROVISIONAL_MARK,
    )
    app.jinja_env.filters["dt"] = clock.fmt_dt
    app.jinja_env.filters["due"] = fmt_due
    app.jinja_env.filters["d"] = clock.fmt_date
