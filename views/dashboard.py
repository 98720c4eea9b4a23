from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from models import db
from services import dashboard


class DashboardView(AdminIndexView):
    """The admin home page: the user's own reach only."""

    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self):
        data = dashboard.build(db.session, current_user)
        return self.render("dashboard.html", data=data)
