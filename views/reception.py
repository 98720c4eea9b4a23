"""领导接待日: the rota list, the month calendar (generate, publish, print, Excel), swaps, receiving
visitors on the day, and the leader's own page. Thin: every rule lives in services/reception.py."""
from datetime import date

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup
from wtforms.validators import ValidationError

from models import ReceptionSchedule, User, db
from models.enums import CATEGORIES, PARTY_KINDS, PURPOSES, RECEPTION_SLOTS, RECEPTION_STATUSES, SEXES
from services import ServiceError, access, departments
from services import reception as svc
from services.clock import today as office_today
from views.base import SecureBaseView, SecureModelView, send_recorded_xlsx, xlsx_name
from views.saving import saving


def _leader_query():
    return db.session.query(User).filter(User.role == "leader", User.active.is_(True)).order_by(
        User.rank_order, User.id)


class ReceptionView(SecureModelView):
    screen = "reception"
    can_delete = False
    details_template = "reception/details.html"
    column_list = ("day", "slot", "place", "leader", "portfolio", "standin", "status", "published")
    column_labels = {"day": "接待日期", "slot": "时段", "place": "接待地点", "leader": "接待领导",
                     "portfolio": "分管工作", "standin": "替补领导", "status": "状态",
                     "published": "已公示", "summary": "接待小结", "note": "备注"}
    column_choices = {"slot": list(RECEPTION_SLOTS.items()), "status": list(RECEPTION_STATUSES.items())}
    column_default_sort = ("day", True)
    column_sortable_list = ("day", "status")
    column_filters = ("day", "status")
    column_searchable_list = ("place",)
    column_formatters = {
        "day": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(
            v.get_url(".details_view", id=m.id), m.day.isoformat()),
    }
    form_columns = ("day", "slot", "place", "leader", "portfolio", "standin", "note")
    form_choices = {"slot": list(RECEPTION_SLOTS.items())}
    form_args = {
        "leader": {"query_factory": _leader_query, "label": "接待领导", "allow_blank": False},
        "standin": {"query_factory": _leader_query, "label": "替补领导", "allow_blank": True},
        "portfolio": {"label": "分管工作（留空则取领导的分管工作）"},
    }

    # ---- the form doors -----------------------------------------------------------------
    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        if not self.can_edit:
            abort(403)
        entry = self.get_one(request.args.get("id"))
        if entry is None:
            abort(404)
        refusal = svc.edit_refusal(entry)
        if refusal:
            flash(refusal, "error")
            return redirect(self.get_url(".details_view", id=entry.id))
        return super(SecureModelView, self).edit_view()

    def on_model_change(self, form, model, is_created):
        try:
            svc.check_entry(db.session, model, is_created)
        except ServiceError as exc:
            raise ValidationError(exc.message)
        svc.record_change(db.session, current_user, model, is_created)

    # ---- details: rota timeline and actions --------------------------------------------
    @expose("/details/")
    def details_view(self):
        entry = self.get_one(request.args.get("id"))
        if entry is None:
            abort(404)
        return self.render(self.details_template, entry=entry, can_manage=self.can_edit,
                           may_edit=svc.may_edit_entry(entry), labels=svc.EVENT_LABELS,
                           visit_count=svc.reception_case_count(db.session, current_user, entry),
                           timeline=svc.entry_timeline(db.session, current_user, entry),
                           may_cancel=svc.may_cancel(db.session, current_user, entry),
                           return_url=self.get_url(".index_view"))

    @expose("/swap/", methods=("GET", "POST"))
    def swap_view(self):
        if not self.can_edit:
            abort(403)
        entry = self.get_one(request.values.get("id"))
        if entry is None:
            abort(404)
        candidates = svc.swap_candidates(db.session, entry)
        if request.method == "POST":
            other = self.get_one(request.form.get("other_id"))
            with saving(flash_errors=True) as result:
                svc.swap_entries(db.session, current_user, entry, other, request.form.get("reason"))
            if result.ok:
                flash(f"已调换：{entry.day} 由{entry.leader.full_name}接待，{other.day} 由"
                      f"{other.leader.full_name}接待。", "success")
                return redirect(self.get_url(".details_view", id=entry.id))
        return self.render("reception/swap.html", entry=entry, candidates=candidates,
                           form=request.form, slots=RECEPTION_SLOTS)

    @expose("/cancel/", methods=("POST",))
    def cancel_view(self):
        if not self.can_edit:
            abort(403)
        entry = self.get_one(request.args.get("id"))
        if entry is None:
            abort(404)
        with saving(flash_errors=True) as result:
            svc.cancel_entry(db.session, current_user, entry, request.form.get("reason"))
        if result.ok:
            flash("已取消该接待安排。", "success")
        return redirect(self.get_url(".details_view", id=entry.id))

    # ---- receiving the public on the day ---------------------------------------------------
    def _receiving(self, entry, form=None, errors=None, status=200):
        shown = {}
        for key, msgs in (errors or {}).items():
            key = key.split("-")[-1] if key.startswith(("petitioners-", "representatives-")) else key
            shown.setdefault(key, []).extend([msgs] if isinstance(msgs, str) else list(msgs))
        errors = shown
        page = self.render(
            "reception/receive.html", entry=entry, rows=svc.reception_summary(db.session, current_user, entry),
            **svc.receiving_rights(db.session, current_user, entry), form=form or {}, errors=errors or {}, purposes=PURPOSES, categories=CATEGORIES, sexes=SEXES,
            party_kinds=PARTY_KINDS, departments=departments.picker_choices(db.session))
        return page, status

    @expose("/receive/")
    def receive_view(self):
        entry = self.get_one(request.args.get("id"))
        if entry is None:
            abort(404)
        return self._receiving(entry)

    @expose("/receive/register/", methods=("POST",))
    def receive_register(self):
        entry = self.get_one(request.args.get("id"))
        if entry is None:
            abort(404)
        with saving() as result:
            case = svc.register_visitor(db.session, current_user, entry, svc.visitor_input(request.form))
        if not result.ok:
            return self._receiving(entry, request.form, result.errors, 400)
        flash(f"已登记来访：{case.number}", "success")
        return redirect(self.get_url(".receive_view", id=entry.id))

    @expose("/receive/instruction/", methods=("POST",))
    def receive_instruction(self):
        from services import workflow

        entry = self.get_one(request.args.get("id"))
        if entry is None:
            abort(404)
        case = svc.case_in_reception(db.session, current_user, entry, request.form.get("case_id"))
        if case is None:
            abort(404)
        with saving(flash_errors=True) as result:
            workflow.perform(db.session, current_user, case, "instruction", text=request.form.get("text"))
        if result.ok:
            flash(f"已对 {case.number} 作出批示。", "success")
        return redirect(self.get_url(".receive_view", id=entry.id))

    @expose("/receive/finish/", methods=("POST",))
    def receive_finish(self):
        entry = self.get_one(request.args.get("id"))
        if entry is None:
            abort(404)
        with saving(flash_errors=True) as result:
            svc.finish_reception(db.session, current_user, entry, request.form.get("summary"))
        if result.ok:
            flash("接待情况已记录，状态为“已接待”。", "success")
        return redirect(self.get_url(".receive_view", id=entry.id))


class ReceptionCalendarView(SecureBaseView):
    """The month calendar of the rota, with generate / publish / print / Excel."""
    screen = "reception"

    def _month(self, *, warn=False):
        """The month asked for; a bad or out-of-range one falls back to this month (with a
        message when `warn`)."""
        (year, month), message = svc.month_or_default(request.values.get("month"))
        if warn and message:
            flash(message, "error")
        return year, month

    @expose("/")
    def index(self):
        year, month = self._month(warn=True)
        first = date(year, month, 1)
        prev_m = (year - 1, 12) if month == 1 else (year, month - 1)
        next_m = (year + 1, 1) if month == 12 else (year, month + 1)
        entries = svc.month_entries(db.session, year, month)
        return self.render("reception/calendar.html", year=year, month=month, first=first,
                           weeks=svc.month_grid(db.session, year, month), entries=entries,
                           weekdays=svc.WEEKDAYS, slots=RECEPTION_SLOTS, statuses=RECEPTION_STATUSES,
                           prev_m="%d-%02d" % prev_m, next_m="%d-%02d" % next_m,
                           month_key="%d-%02d" % (year, month),
                           can_manage=access.may_view(current_user, "reception", access.E),
                           unpublished=sum(1 for e in entries if not e.published and e.status != "cancelled"))

    @expose("/generate/", methods=("GET", "POST"))
    def generate(self):
        if not access.may_view(current_user, "reception", access.E):
            abort(403)
        leaders = svc.active_leaders(db.session)
        t = office_today()
        default = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
        form = request.form if request.method == "POST" else {
            "month": "%d-%02d" % default, "slot": "am", "place": "", "weekdays": ["1"]}
        if request.method == "POST":
            with saving(flash_errors=True) as result:
                year, month = svc.read_month(request.form.get("month"))
                made = svc.generate_month(
                    db.session, current_user, year, month,
                    weekdays=request.form.getlist("weekdays"), slot=request.form.get("slot"),
                    place=request.form.get("place"), leader_ids=request.form.getlist("leader_ids"),
                    start_leader_id=request.form.get("start_leader_id") or None,
                    replace=request.form.get("replace") == "1")
            if result.ok:
                flash(f"已生成{svc.month_label(year, month)}接待安排{len(made)}条，请核对后公示。", "success")
                return redirect(self.get_url(".index", month="%d-%02d" % (year, month)))
        weekdays_chosen = form.getlist("weekdays") if hasattr(form, "getlist") else form["weekdays"]
        leaders_chosen = form.getlist("leader_ids") if hasattr(form, "getlist") else [str(u.id) for u in leaders]
        return self.render("reception/generate.html", form=form, leaders=leaders, weekdays=svc.WEEKDAYS,
                           slots=RECEPTION_SLOTS, weekdays_chosen=weekdays_chosen,
                           leaders_chosen=leaders_chosen)

    @expose("/publish/", methods=("POST",))
    def publish(self):
        if not access.may_view(current_user, "reception", access.E):
            abort(403)
        try:
            year, month = svc.read_month(request.values.get("month"))
        except ServiceError as exc:
            flash(exc.message, "error")
            return redirect(self.get_url(".index"))
        with saving(flash_errors=True) as result:
            n = svc.publish_month(db.session, current_user, year, month)
        if result.ok:
            flash(f"{svc.month_label(year, month)}接待安排已公示（新公示{n}条）。可打印公示页或导出Excel。",
                  "success")
        return redirect(self.get_url(".index", month="%d-%02d" % (year, month)))

    @expose("/print/")
    def print_view(self):
        year, month = self._month()
        return self.render("reception/print.html", title=svc.rota_title(db.session, year, month),
                           rows=svc.rota_rows(db.session, year, month), headers=svc.ROTA_HEADERS,
                           today=office_today())

    @expose("/export/")
    def export(self):
        year, month = self._month()
        name = f"{svc.month_label(year, month)}领导接待日安排表"
        return send_recorded_xlsx(xlsx_name("领导接待日安排表", svc.month_label(year, month)),
                                  lambda path: svc.write_rota(path, db.session, year, month),
                                  detail=name)


class MyReceptionView(SecureBaseView):
    """A leader's own page: their reception days and every swap that involved them."""
    screen = "reception"

    def is_visible(self):
        return super().is_visible() and current_user.role == "leader"

    @expose("/")
    def index(self):
        entries, swaps = svc.leader_history(db.session, current_user)
        return self.render("reception/mine.html", entries=entries, swaps=swaps, slots=RECEPTION_SLOTS,
                           visit_counts=svc.reception_case_counts(db.session, current_user, entries),
                           statuses=RECEPTION_STATUSES, today=office_today(), weekdays=svc.WEEKDAYS)


def register(admin):
    admin.add_view(ReceptionView(ReceptionSchedule, name="领导接待日", endpoint="reception",
                                 category="领导工作"))
    admin.add_view(ReceptionCalendarView(name="接待日历", endpoint="reception_calendar",
                                         url="/admin/reception-calendar", category="领导工作"))
    admin.add_view(MyReceptionView(name="我的接待日", endpoint="my_reception",
                                   url="/admin/my-reception", category="领导工作"))
