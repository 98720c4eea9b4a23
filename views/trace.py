"""Change rows (修改记录) on the record pages and the 修改记录 screen; the session listeners that
write them (services/changes.py) get the acting user from here."""
from flask import current_app, has_request_context
from flask_login import current_user
from sqlalchemy import select

from models import ChangeLog, db
from models.enums import DAY_MODES
from services import access, changes, settings
from services.clock import fmt_dt
from views.adapters import admin_internals
from views.base import SecureModelView

MODEL_NAMES = {"party": "信访人", "user": "用户", "department": "单位", "setting": "单位设置",
               "holiday": "节假日", "holiday_year": "放假安排"}
SPECIAL = {changes.CREATE: "新建", changes.DELETE: "删除", changes.PASSWORD: "密码"}
CHANGED = "已修改"
# A stored field -> the column label of the screen (a foreign key is labelled by its relationship).
RELATION = {"department_id": "department", "parent_id": "parent"}


def _actor():
    return current_user._get_current_object() if has_request_context() else None


def install(session):
    changes.install(session, actor=_actor)


def _screen(model):
    """The admin view showing `model` rows (its column labels and choices name the fields)."""
    admin = current_app.extensions.get("xinfang_admin")
    return admin_internals.view_by_endpoint(admin, model) if admin is not None else None


def field_label(row):
    if row.field in SPECIAL:
        return SPECIAL[row.field]
    if row.model == "setting":
        return settings.LABELS.get(row.record_id, row.record_id)
    view = _screen(row.model)
    labels = getattr(view, "column_labels", None) or {}
    return labels.get(RELATION.get(row.field, row.field)) or labels.get(row.field) or row.field


def value_text(row, value):
    if value is None:
        return ""
    if row.model == "setting":
        return DAY_MODES.get(value, value) if row.record_id in settings.CLOCK_MODE_KEYS else value
    choices = dict(getattr(_screen(row.model), "column_choices", None) or {}).get(row.field)
    return dict(choices).get(value, value) if choices else value


def shown(row):
    """A change row as the user reads it."""
    old, new = ("", CHANGED) if row.field == changes.PASSWORD else \
        (value_text(row, row.old), value_text(row, row.new))
    return {"at": fmt_dt(row.at), "who": row.username or changes.SYSTEM,
            "model": MODEL_NAMES.get(row.model, row.model), "record": row.record_label,
            "field": field_label(row), "old": old, "new": new}


def change_rows(model, record_id=None, limit=200):
    """The change rows of one record (or, without `record_id`, of every record of `model`) that
    the current user may read, newest first."""
    q = select(ChangeLog).where(ChangeLog.model == model, access.change_filter(db.session, current_user))
    if record_id is not None:
        q = q.where(ChangeLog.record_id == str(record_id))
    q = q.order_by(ChangeLog.at.desc(), ChangeLog.id.desc()).limit(limit)
    return [shown(r) for r in db.session.execute(q).scalars()]


class ChangeRowsMixin:
    """A record page (details and edit) with the record's 修改记录 below it; with list_changes,
    the list page with the latest changes of every record."""
    change_model = None  # a key of services.changes.TRACKED
    details_template = "trace/details.html"
    edit_template = "trace/edit.html"
    list_changes = False
    LIST_ROWS = 50

    def render(self, template, **kwargs):
        model = kwargs.get("model")
        if model is not None and template in (self.details_template, self.edit_template):
            kwargs["change_rows"] = change_rows(self.change_model, model.id)
        elif self.list_changes and template == self.list_template:
            kwargs["change_rows"] = change_rows(self.change_model, limit=self.LIST_ROWS)
            kwargs["change_records"] = True
        return super().render(template, **kwargs)


def _fmt(name):
    return lambda v, c, m, n: shown(m)[name]


class ChangeLogView(SecureModelView):
    """修改记录: every change row the user may read (access.change_filter), next to the audit log."""
    screen = "audit"
    can_create = can_edit = can_delete = False
    column_list = ("at", "username", "model", "record_label", "field", "old", "new")
    column_labels = {"at": "时间", "username": "修改人", "model": "对象", "record_label": "记录",
                     "field": "字段", "old": "原值", "new": "新值"}
    column_default_sort = [("at", True), ("id", True)]
    column_filters = ("model", "username", "at")
    column_choices = {"model": list(MODEL_NAMES.items())}
    column_searchable_list = ("record_label", "username")
    column_formatters = {"at": _fmt("at"), "field": _fmt("field"), "old": _fmt("old"), "new": _fmt("new"),
                         "username": _fmt("who")}


def register(admin):
    admin.add_view(ChangeLogView(ChangeLog, name="修改记录", endpoint="change_log", category="系统管理"))


