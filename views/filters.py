"""Jinja helpers shared by templates (display only; no access decisions here), and list filters
that read a service's clause (the service decides which rows)."""
from flask import has_app_context, has_request_context, request
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_login import current_user
from markupsafe import Markup

from models import db
from models import enums
from services import clock, deadlines, settings, todo
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


# Flask-Admin messages its Chinese translation leaves in English (2.x): shown in Chinese instead.
ZH_MESSAGES = {
    "Failed to create record.": "未保存：请更正标红的内容后再提交。",
    "Failed to save record.": "未保存：请更正标红的内容后再提交。",
}


def printed_at():
    """When a print view was made, in office time (its footer)."""
    from models.base import utcnow
    return clock.fmt_dt(utcnow())


def zh_message(text):
    return ZH_MESSAGES.get(str(text).strip(), text)


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
    app.jinja_env.filters["zh_message"] = zh_message


# ---- list filters --------------------------------------------------------------------------------

class _LineFilter(BaseSQLAFilter):
    """The rows of one 待办 line (services/todo.py): the same clause its count uses; the list adds
    the viewer's scope as for every filter."""

    def __init__(self, column, name, labels, clause):
        super().__init__(column, name, options=list(labels.items()))
        self.labels, self.clause = labels, clause

    def validate(self, value):
        return value in self.labels

    def apply(self, query, value, alias=None):
        return query.filter(self.clause(db.session, current_user, value))

    def operation(self):
        return "为"


class TodoFilter(_LineFilter):
    """待办 on the case list."""

    def __init__(self, column, name):
        super().__init__(column, name, {k: line.label for k, line in todo.CASE_LINES.items()}, todo.case_clause)


class LoanTodoFilter(_LineFilter):
    """待办 on the loan list: 待我审批 / 到期待归还."""

    def __init__(self, column, name):
        super().__init__(column, name, {k: label for k, (label, _c) in todo.LOAN_LINES.items()}, todo.loan_clause)


class AssessmentFilter(BaseSQLAFilter):
    """考核明细 on the case list: the cases behind one number of the 考核 table
    (services/assessment.drill_clause; the list adds the viewer's reach as for every filter)."""

    def __init__(self, column, name):
        super().__init__(column, name, options=self._current)

    def _current(self):
        # The choice shown is the one the link carries (values are made by the 考核 page).
        from services import assessment
        if not has_request_context():
            return []
        values = [v for k, v in request.args.items() if k.startswith("flt") and assessment.parse_drill(v)]
        return [(v, assessment.drill_label(db.session, current_user, v)) for v in dict.fromkeys(values)]

    def validate(self, value):
        return True  # an unknown value shows no case (apply), never the whole list

    def apply(self, query, value, alias=None):
        from services import assessment
        return query.filter(assessment.drill_clause(db.session, current_user, value))

    def operation(self):
        return "为"
