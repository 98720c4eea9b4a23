from flask import abort, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup, escape

from models import Case, db
from models.enums import CATEGORIES, CHANNELS, PURPOSES, STATUSES
from services import access, case_view
from views.base import SecureModelView
from views.exports import LedgerExportMixin


def _choice(mapping):
    return lambda v, c, m, n: mapping.get(getattr(m, n), getattr(m, n) or "")


class CaseView(LedgerExportMixin, SecureModelView):
    screen = "case"
    can_edit = False
    can_delete = False
    details_template = "cases/details.html"
    list_template = "cases/list.html"
    column_list = ("number", "received_on", "channel", "purpose", "category", "summary",
                   "department", "status", "handle_due")
    column_labels = {
        "number": "编号", "received_on": "收件日期", "channel": "信访形式", "purpose": "类别",
        "category": "问题分类", "summary": "内容摘要", "department": "责任单位", "status": "状态",
        "handle_due": "办理期限", "department.name": "责任单位", "incident_place": "问题属地",
        "query_code": "查询码", "is_collective": "集体访", "is_repeat": "重复访",
    }
    column_default_sort = ("id", True)
    column_sortable_list = ("number", "received_on", "status", "handle_due")
    column_searchable_list = ("number", "query_code", "summary", "incident_place")
    column_filters = ("status", "channel", "purpose", "category", "received_on", "handle_due",
                      "department.name", "is_collective", "is_repeat")
    column_choices = {
        "status": list(STATUSES.items()),
        "channel": list(CHANNELS.items()),
        "purpose": list(PURPOSES.items()),
        "category": [(c, c) for c in CATEGORIES],
    }
    column_formatters = {
        "summary": lambda v, c, m, n: (m.summary[:40] + "…") if len(m.summary or "") > 40 else m.summary,
        "number": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(
            v.get_url(".details_view", id=m.id), m.number),
    }

    def row_filter(self):
        return access.case_filter(db.session, current_user)

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        # Registration is its own one-screen form (views/registration.py).
        if not self.can_create:
            abort(403)
        return redirect(url_for("register.index"))

    @expose("/details/")
    def details_view(self):
        case = self.get_one(request.args.get("id"))
        if case is None:
            abort(404)
        page = case_view.build(db.session, current_user, case)
        return self.render(self.details_template, case=case, page=page,
                           return_url=self.get_url(".index_view"))


def register(admin):
    admin.add_view(CaseView(Case, name="信访事项", endpoint="case", category=None))
