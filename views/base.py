"""Base classes that route every Flask-Admin door through services/access.py."""
from flask import abort, has_request_context, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user

from models import db
from services import access


def _deny():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    abort(403)


class SecureMixin:
    """Screen-level rights from access.VIEW_RIGHTS."""
    screen = None

    def is_accessible(self):
        return access.may_view(current_user, self.screen, access.R)

    def is_visible(self):
        return has_request_context() and self.is_accessible()

    def inaccessible_callback(self, name, **kwargs):
        return _deny()

    def _right(self, right):
        if not has_request_context():
            return True
        return access.may_view(current_user, self.screen, right)


class SecureBaseView(SecureMixin, BaseView):
    pass


class SecureModelView(SecureMixin, ModelView):
    """A scoped ModelView: list, count, details, edit, delete, actions all see the same rows."""
    can_export = False  # exports go through services/excel.py with the same scope
    can_view_details = True
    column_editable_list = ()  # no inline edit door
    page_size = 50
    can_set_page_size = True
    create_modal = False
    edit_modal = False

    def __init__(self, model, **kwargs):
        super().__init__(model, db.session, **kwargs)

    @property
    def can_create(self):
        return self._right(access.C)

    @property
    def can_edit(self):
        return self._right(access.E)

    @property
    def can_delete(self):
        return self._right(access.D)

    def row_filter(self):
        """A WHERE clause for the rows this user may see; None means all rows of the screen."""
        return None

    def get_query(self):
        q = super().get_query()
        flt = self.row_filter()
        return q.filter(flt) if flt is not None else q

    def get_count_query(self):
        q = super().get_count_query()
        flt = self.row_filter()
        return q.filter(flt) if flt is not None else q

    def get_one(self, id):
        try:
            pk = int(id)
        except (TypeError, ValueError):
            return None
        return self.get_query().filter(self.model.id == pk).one_or_none()

    def scoped_ids(self, ids):
        """Re-check raw ids posted to an action against the rows this user may see."""
        wanted = []
        for raw in ids:
            try:
                wanted.append(int(raw))
            except (TypeError, ValueError):
                continue
        if not wanted:
            return []
        return [m.id for m in self.get_query().filter(self.model.id.in_(wanted))]

    # Doors that must refuse, not merely hide a button. Overrides need @expose again, or
    # Flask-Admin silently drops the route.
    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        if not self.can_create:
            abort(403)
        return super().create_view()

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        if not self.can_edit:
            abort(403)
        self._require_row()
        return super().edit_view()

    @expose("/details/")
    def details_view(self):
        self._require_row()
        return super().details_view()

    @expose("/delete/", methods=("POST",))
    def delete_view(self):
        if not self.can_delete:
            abort(403)
        return super().delete_view()

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self):
        abort(403)

    @expose("/export/<export_type>/")
    def export(self, export_type):
        abort(404)

    def _require_row(self):
        id_ = request.args.get("id")
        if id_ is not None and self.get_one(id_) is None:
            abort(404)
