from flask import current_app, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from models import db
from services import access, backup, dashboard
from views.adapters import admin_internals
from views.pages import dashboard as dashboard_page

# Filter classes by meaning; the case list's own filters may change, links follow what exists.
EQ = ("ChoiceFilter", "DepartmentFilter", "FilterEqual", "BooleanEqualFilter", "DateEqualFilter")
IN = ("FilterInList",)
LT = ("DateSmallerFilter",)
BETWEEN = ("DateBetweenFilter",)


def _case_view():
    return admin_internals.view_by_endpoint(current_app.extensions["xinfang_admin"], "case")


def _filter_arg(view, key, kinds):
    for kind in kinds:
        for idx, flt in enumerate(view._filters or ()):
            if type(flt).__name__ == kind and (key is None or getattr(flt.column, "key", None) == key):
                return view.get_filter_arg(idx, flt)
    return None


def case_list_url(*conditions, require_all=False):
    """A link to the case list with its filters applied.

    Each condition is (column_key or None, filter class names, value). Filters are looked up on the
    live CaseView, so links survive filters being added or reordered; a condition without a
    matching filter is skipped (or, with require_all, the link is None).
    """
    view = _case_view()
    if view is None:
        return None
    args, pos = {}, 0
    for key, kinds, value in conditions:
        kinds = (kinds,) if isinstance(kinds, str) else kinds
        arg = _filter_arg(view, key, kinds)
        if arg is None:
            if require_all:
                return None
            continue
        args[f"flt{pos}_{arg}"] = value
        pos += 1
    return url_for("case.index_view", **args)


def dashboard_links(data):
    today = data["today"].isoformat()
    running = ",".join(dashboard.RUNNING)
    month = f"{data['month_start'].isoformat()} to {today}"

    def first(*options):
        return next((u for u in (case_list_url(*o, require_all=True) for o in options) if u), None)

    overdue = first([(None, "OverdueFilter", "1")],
                    [("status", IN, running), ("handle_due", LT, today)])
    due_soon = first([(None, "DueSoonFilter", "1")],
                     [("status", IN, running),
                      ("handle_due", BETWEEN, f"{today} to {data['due_soon_cutoff'].isoformat()}")])

    def dept(d, *more):
        return first([("department_id", EQ, str(d["id"])), *more], [("name", EQ, d["name"]), *more])

    return {
        "total": case_list_url(),
        "overdue": overdue,
        "due_soon": due_soon,
        "month": case_list_url(("received_on", BETWEEN, month), require_all=True),
        "status": {code: case_list_url(("status", EQ, code), require_all=True)
                   for code, _name, _n in data["status_counts"]},
        "channel": {code: case_list_url(("channel", EQ, code), ("received_on", BETWEEN, month), require_all=True)
                    for code, _name, _n in data["inflow"]},
        "dept": {d["id"]: {
            "all": dept(d),
            "overdue": dept(d, (None, "OverdueFilter", "1")),
        } for d in data["departments"]},
    }


class DashboardView(AdminIndexView):
    """The admin home page: the user's own reach only."""

    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self):
        from views.todo import shown, todo_lines  # views.todo builds its links with case_list_url

        data = dashboard_page.build(db.session, current_user)
        return self.render("dashboard.html", data=data, links=dashboard_links(data),
                           todos=shown(todo_lines()), todo_card=True,
                           backup_warning=backup.stale_warning(db.session)
                           if access.may_view(current_user, "backup") else None)
