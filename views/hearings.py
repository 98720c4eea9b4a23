"""信访听证: the list of hearings in reach, one hearing's page and its 听证通知书 (print page).
Thin: every door is scoped through access.scope_filter (a hearing goes with its case); proposing,
approving, recording and cancelling are moves of the case (views/moves.py)."""
from flask import abort, request
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup

from models import Hearing, db
from models.enums import HEARING_STATUSES
from services import access, hearings as svc, settings
from services.clock import today as office_today
from views.base import SecureModelView


def _case_link(view, context, model, name):
    return Markup('<a href="{}">{}</a>').format(view.get_url("case.details_view", id=model.case_id),
                                                model.case.number)


class HearingView(SecureModelView):
    screen = "hearing"
    can_create = False
    can_edit = False
    can_delete = False
    details_template = "hearings/details.html"
    column_list = ("case", "status", "start_on", "end_on", "place", "chair", "is_public")
    column_labels = {"case": "信访事项", "status": "状态", "start_on": "听证开始日期", "end_on": "听证结束日期",
                     "place": "听证地点", "chair": "主持人", "is_public": "公开听证"}
    column_choices = {"status": list(HEARING_STATUSES.items())}
    column_default_sort = ("start_on", True)
    column_sortable_list = ("start_on", "status")
    column_filters = ("status", "start_on")
    column_formatters = {
        "case": _case_link,
        "is_public": lambda v, c, m, n: "公开" if m.is_public else "不公开",
        "start_on": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(
            v.get_url(".details_view", id=m.id), f"{m.start_on:%Y-%m-%d}"),
    }

    @expose("/details/")
    def details_view(self):
        hearing = self.get_one(request.args.get("id"))
        if hearing is None:
            abort(404)
        case = hearing.case
        attachments = [a for a in case.attachments if a.kind == "hearing"
                       and access.can_download(db.session, current_user, a)]
        return self.render(self.details_template, hearing=hearing, case=case, shown=svc.shown(db.session, current_user, hearing),
                           clock_note=svc.clock_note(db.session, case), attachments=attachments,
                           period=svc.period_text(hearing), return_url=self.get_url(".index_view"))

    @expose("/notice/")
    def notice_view(self):
        hearing = self.get_one(request.args.get("id"))
        if hearing is None:
            abort(404)
        return self.render("hearings/notice.html", hearing=hearing, case=hearing.case,
                           shown=svc.shown(db.session, current_user, hearing), period=svc.period_text(hearing),
                           office=settings.office_name(db.session), today=office_today())


def register(admin):
    admin.add_view(HearingView(Hearing, name="信访听证", endpoint="hearing", category=None))
