from flask import current_app, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from models import db
from services import dashboard


def case_list_url(*conditions):
    """A link to the case list with Flask-Admin filters applied.

    Each condition is (column_key, filter_class_name, value); filters are looked up on the live
    CaseView, so the link survives filters being added or reordered. Unknown filters are skipped.
    """
    admin = current_app.extensions.get("xinfang_admin")
    view = next((v for v in getattr(admin, "_views", ()) if getattr(v, "endpoint", "") == "case"), None)
    if view is None:
        return None
    args, pos = {}, 0
    for key, kind, value in conditions:
        for idx, flt in enumerate(view._filters or ()):
            if type(flt).__name__ == kind and getattr(flt.column, "key", None) == key:
                args[f"flt{pos}_{view.get_filter_arg(idx, flt)}"] = value
                pos += 1
                break
    return url_for("case.index_view", **args)


class DashboardView(AdminIndexView):
    """The admin home page: the user's own reach only."""

    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self):
        data = dashboard.build(db.session, current_user)
        return self.render("dashboard.html", data=data, case_url=case_list_url,
                           running=",".join(dashboard.RUNNING))
