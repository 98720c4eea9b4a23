"""Jinja helpers shared by templates (display only; no access decisions here), and list filters
that read a service's clause (the service decides which rows)."""
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_login import current_user

from models import db
from models import enums
from services import clock, settings, todo


def register_template_helpers(app):
    app.jinja_env.globals.update(
        office_name=lambda: settings.office_name(db.session),
        enums=enums,
        label=enums.label,
    )
    app.jinja_env.filters["dt"] = clock.fmt_dt
    app.jinja_env.filters["d"] = clock.fmt_date


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
