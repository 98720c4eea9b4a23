"""排查化解: screening rounds (排查批次), the register of entries (矛盾纠纷台账), and the sheets that go
upward (统计表, 重大隐患, 信访积案). Thin: the rules are services/screening.py; access services/access.py."""
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup

from models import ScreeningEntry, db
from models.enums import CATEGORIES, RISK_LEVELS, SCREENING_STATUSES
from services import access, screening as svc
from services.clock import today as office_today
from services.inputs import InputError
from views.base import SecureBaseView, SecureModelView, send_recorded_xlsx
from views.saving import saving

# Under 统计报表: a category of its own no longer fits the menu on one line at 1366 px
# (tests/browser/test_forms_typing.py); the rounds are the units' 报送 and the register a 台账.
CATEGORY = "统计报表"


def _user():
    return current_user._get_current_object()


# ---- 排查批次 ------------------------------------------------------------------------------------

class ScreeningRoundView(SecureBaseView):
    screen = "screening_round"

    def _may_open(self):
        return access.may_view(current_user, "screening_round", access.C)

    def _page(self, form=None, errors=None, status=200):
        session, user = db.session, _user()
        rows = []
        for rnd in svc.rounds(session):
            reports = svc.reports_of(session, user, rnd)
            rows.append((rnd, svc.summary(reports), reports))
        label, start, end, due = svc.half_month(office_today())
        return self.render("screening/rounds.html", rows=rows, may_open=self._may_open(),
                           office=access.is_office_staff(user), today=office_today(),
                           half={"period_label": label, "start_on": start, "end_on": end, "due_on": due},
                           form=form or {}, errors=errors or {}, state=svc.report_state,
                           pending=svc.my_pending(session, user) if not access.is_office_staff(user) else [],
                           due_text=svc.due_text), status

    @expose("/")
    def index(self):
        return self._page()

    @expose("/open/", methods=("POST",))
    def open_view(self):
        if not self._may_open():
            abort(403)
        with saving() as result:
            rnd = svc.open_round(db.session, _user(), request.form.to_dict())
        if not result.ok:
            return self._page(request.form, result.errors, 400)
        flash(f"已开启排查批次“{rnd.period_label}”，报送期限{rnd.due_on:%Y-%m-%d}。", "success")
        return redirect(url_for(".details", round_id=rnd.id))

    @expose("/open-half/", methods=("POST",))
    def open_half_view(self):
        if not self._may_open():
            abort(403)
        with saving(flash_errors=True) as result:
            rnd = svc.open_half_month(db.session, _user())
        if not result.ok:
            return redirect(url_for(".index"))
        flash(f"已开启排查批次“{rnd.period_label}”，报送期限{rnd.due_on:%Y-%m-%d}。", "success")
        return redirect(url_for(".details", round_id=rnd.id))

    @expose("/<int:round_id>/")
    def details(self, round_id):
        session, user = db.session, _user()
        rnd = svc.get_round(session, user, round_id)
        if rnd is None:
            abort(404)
        reports = svc.reports_of(session, user, rnd)
        office = access.is_office_staff(user)
        per_unit = svc.round_entry_counts(session, rnd)
        counts = {r.id: per_unit.get(r.department_id, 0) for r in reports}
        return self.render("screening/round.html", rnd=rnd, reports=reports, summary=svc.summary(reports),
                           office=office, may_remind=access.may_view(user, "screening_round", access.E),
                           may_file={r.id: access.may_file_screening(session, user, r.department_id)
                                     for r in reports},
                           counts=counts, state=svc.report_state, due_text=svc.due_text(rnd),
                           missing=[r for r in reports if r.submitted_on is None])

    def _report(self, report_id):
        report = svc.get_report(db.session, _user(), report_id)
        if report is None:
            abort(404)
        return report

    @expose("/submit/<int:report_id>/", methods=("POST",))
    def submit_view(self, report_id):
        report = self._report(report_id)
        zero = request.form.get("zero") == "1"
        with saving(flash_errors=True) as result:
            svc.submit(db.session, _user(), report, zero=zero, note=request.form.get("note"))
        if result.ok:
            late = "（迟报）" if report.is_late else ""
            flash(f"{report.department.name}已报送{'零报告' if zero else '本期排查情况'}{late}。", "success")
        return redirect(url_for(".details", round_id=report.round_id))

    @expose("/remind/<int:report_id>/", methods=("POST",))
    def remind_view(self, report_id):
        if not access.may_view(current_user, "screening_round", access.E):
            abort(403)
        report = self._report(report_id)
        with saving(flash_errors=True) as result:
            svc.remind(db.session, _user(), report, request.form.get("note"))
        if result.ok:
            flash(f"已向{report.department.name}催报。", "success")
        return redirect(url_for(".details", round_id=report.round_id))

    @expose("/<int:round_id>/remind-all/", methods=("POST",))
    def remind_all_view(self, round_id):
        if not access.may_view(current_user, "screening_round", access.E):
            abort(403)
        rnd = svc.get_round(db.session, _user(), round_id)
        if rnd is None:
            abort(404)
        with saving(flash_errors=True) as result:
            n = svc.remind_all(db.session, _user(), rnd)
        if result.ok:
            flash(f"已向{n}个未报单位催报。" if n else "各单位均已报送，无需催报。", "success")
        return redirect(url_for(".details", round_id=rnd.id))


# ---- 矛盾纠纷台账 ----------------------------------------------------------------------------------

def _link(view, context, model, name):
    return Markup('<a href="{}">{}</a>').format(view.get_url(".details_view", id=model.id), model.place)


def _risk(view, context, model, name):
    text = RISK_LEVELS.get(model.risk_level, "")
    kind = {"major": "danger", "serious": "warning"}.get(model.risk_level, "secondary")
    return Markup('<span class="badge badge-{}">{}</span>').format(kind, text)


ENTRY_FIELDS = ("department_id", "round_id", "found_on", "place", "parties_text", "party_ids", "category",
                "summary", "people_count", "risk_level", "threatens_extreme", "collective_tendency", "measures",
                "leader_id", "responsible_person")


class ScreeningEntryView(SecureModelView):
    screen = "screening"
    can_delete = False
    details_template = "screening/entry.html"
    column_list = ("found_on", "department", "place", "category", "people_count", "risk_level", "status",
                   "leader", "responsible_person")
    column_labels = {"found_on": "排查日期", "department": "单位", "place": "地点", "category": "类别",
                     "people_count": "涉及人数", "risk_level": "风险等级", "status": "状态", "leader": "包保领导",
                     "responsible_person": "责任人", "summary": "主要情况", "parties_text": "当事人",
                     "department.name": "单位名称"}
    column_choices = {"status": list(SCREENING_STATUSES.items()), "risk_level": list(RISK_LEVELS.items())}
    column_formatters = {
        "place": _link, "risk_level": _risk,
        "leader": lambda v, c, m, n: m.leader.full_name if m.leader else "",
        "department": lambda v, c, m, n: m.department.name if m.department else "",
    }
    column_default_sort = ("found_on", True)
    column_sortable_list = ("found_on", "status")
    column_searchable_list = ("place", "summary", "parties_text")
    column_filters = ("status", "risk_level", "category", "found_on", "department.name")

    # ---- the entry form (create and edit) ------------------------------------------------------
    def _form_page(self, form, errors, entry=None, status=200):
        session, user = db.session, _user()
        return self.render("screening/entry_form.html", form=form, errors=errors, entry=entry,
                           departments=svc.department_choices(session, user),
                           rounds=svc.open_rounds_for(session), leaders=svc.leader_choices(session),
                           categories=CATEGORIES, risks=RISK_LEVELS, today=office_today()), status

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        if not self.can_create:
            abort(403)
        if request.method == "GET":
            form = {"found_on": office_today().isoformat(), "people_count": "1", "risk_level": "general",
                    "round_id": request.args.get("round_id", ""),
                    "department_id": request.args.get("department_id", "")}
            return self._form_page(form, {})
        data = {k: request.form.get(k) for k in ENTRY_FIELDS}
        with saving() as result:
            entry = svc.create_entry(db.session, _user(), data)
        if not result.ok:
            return self._form_page(request.form, result.errors, status=400)
        flash("已登记矛盾纠纷排查条目。", "success")
        if entry.round_id and request.form.get("back") == "round":
            return redirect(url_for("screening_round.details", round_id=entry.round_id))
        return redirect(self.get_url(".details_view", id=entry.id))

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        if not self.can_edit:
            abort(403)
        entry = self.get_one(request.args.get("id"))
        if entry is None:
            abort(404)
        if not svc.may_edit(db.session, _user(), entry):
            flash("该条目已化解或已转为信访事项，或不属于您的单位，不能修改。", "error")
            return redirect(self.get_url(".details_view", id=entry.id))
        if request.method == "GET":
            form = {k: getattr(entry, k) for k in ENTRY_FIELDS if hasattr(entry, k)}
            form = {k: ("" if v is None else v) for k, v in form.items()}
            form["found_on"] = entry.found_on.isoformat()
            form["party_ids"] = " ".join(p.id_number for p in entry.parties if p.id_number)
            return self._form_page(form, {}, entry)
        data = {k: request.form.get(k) for k in ENTRY_FIELDS}
        with saving() as result:
            svc.update_entry(db.session, _user(), entry, data)
        if not result.ok:
            return self._form_page(request.form, result.errors, entry, 400)
        flash("已保存。", "success")
        return redirect(self.get_url(".details_view", id=entry.id))

    @expose("/details/")
    def details_view(self):
        entry = self.get_one(request.args.get("id"))
        if entry is None:
            abort(404)
        session, user = db.session, _user()
        case = entry.case if entry.case is not None and access.can_see_case(session, user, entry.case) else None
        pkg = None
        if entry.package is not None:
            from services import packages
            pkg = packages.get_visible(session, user, entry.package_id)
        parties = [p for p in entry.parties] if access.is_office_staff(user) else []
        return self.render(
            self.details_template, entry=entry, case=case, pkg=pkg, parties=parties,
            statuses=SCREENING_STATUSES, risks=RISK_LEVELS, tendencies=svc.tendencies(entry),
            may_edit=svc.may_edit(session, user, entry), may_progress=svc.may_progress(session, user, entry),
            may_convert=svc.may_convert(session, user, entry), may_package=svc.may_package(session, user, entry),
            manual={k: SCREENING_STATUSES[k] for k in svc.MANUAL_STATUSES}, today=office_today(),
            return_url=self.get_url(".index_view"), mask_id=access.mask_id)

    @expose("/progress/", methods=("POST",))
    def progress_view(self):
        entry = self.get_one(request.args.get("id"))
        if entry is None:
            abort(404)
        with saving(flash_errors=True) as result:
            svc.add_progress(db.session, _user(), entry, request.form.get("on"), request.form.get("text"),
                             request.form.get("status"))
        if result.ok:
            flash("已记录化解进展。", "success")
        return redirect(self.get_url(".details_view", id=entry.id))


# ---- the sheets ----------------------------------------------------------------------------------

def _month():
    try:
        return svc.parse_month(request.args.get("month"))
    except InputError as exc:
        flash(exc.message, "error")
        return svc.parse_month(None)


class ScreeningStatsView(SecureBaseView):
    """《矛盾纠纷排查化解情况统计表》 of a month (screen and Excel)."""
    screen = "screening"

    @expose("/")
    def index(self):
        month = _month()
        table = svc.monthly_table(db.session, _user(), month)
        return self.render("screening/stats.html", table=table, month=month)

    @expose("/export.xlsx")
    def export(self):
        month = _month()
        session, user = db.session, _user()
        table = svc.monthly_table(session, user, month)
        return send_recorded_xlsx(
            f"矛盾纠纷排查化解情况统计表_{month:%Y年%m月}.xlsx",
            lambda path: svc.write_monthly_sheet(path, session, user, table),
            detail=f"矛盾纠纷排查化解情况统计表；{table.label}", row_count=len(table.lines))


class MajorRiskView(SecureBaseView):
    """重大隐患 of a month, for upward reporting."""
    screen = "screening"

    @expose("/")
    def index(self):
        month = _month()
        entries = svc.major_risks(db.session, _user(), month)
        return self.render("screening/major.html", entries=entries, month=month,
                           items=[(e, svc.major_row(e)) for e in entries], headers=svc.MAJOR_HEADERS)

    @expose("/export.xlsx")
    def export(self):
        month = _month()
        session, user = db.session, _user()
        entries = svc.major_risks(session, user, month)
        return send_recorded_xlsx(
            f"重大信访隐患情况表_{month:%Y年%m月}.xlsx",
            lambda path: svc.write_major_sheet(path, session, user, month, entries),
            detail=f"重大信访隐患情况表；{month.year}年{month.month}月", row_count=len(entries))


class BacklogView(SecureBaseView):
    """信访积案排查登记表, generated from the cases in the viewer's reach: 50 rows a page (the
    case list's pager), every row in the Excel export."""
    screen = "screening"
    page_size = 50

    def _register(self):
        return svc.backlog_register(db.session, _user())

    @expose("/")
    def index(self):
        register = self._register()
        pages = max(1, -(-len(register) // self.page_size))
        page = min(_page_arg(), pages - 1)
        first = page * self.page_size
        rows = register.rows(db.session, _user(), first, first + self.page_size)
        return self.render("screening/backlog.html",
                           items=[(r.case, svc.backlog_row(i, r)) for i, r in enumerate(rows, first + 1)],
                           total=len(register), page=page, pages=pages,
                           page_url=lambda p: url_for(".index", page=p or None),
                           days=register.days, headers=svc.BACKLOG_HEADERS, today=register.today)

    @expose("/export.xlsx")
    def export(self):
        register = self._register()
        session, user = db.session, _user()
        return send_recorded_xlsx(
            f"信访积案排查登记表_{register.today:%Y%m%d}.xlsx",
            lambda path: svc.write_backlog_sheet(path, session, user, register, today=register.today),
            detail=f"信访积案排查登记表；在办超过{register.days}日或信访3次以上", row_count=len(register))


def _page_arg():
    """?page=N (0-based, as the case list); anything else is the first page."""
    raw = request.args.get("page", "")
    return int(raw) if raw.isdigit() and len(raw) < 9 else 0


def register(admin):
    admin.add_view(ScreeningRoundView(name="矛盾纠纷排查报送", endpoint="screening_round",
                                      url="/admin/screening-rounds", category=CATEGORY))
    admin.add_view(ScreeningEntryView(ScreeningEntry, name="矛盾纠纷台账", endpoint="screening_entry",
                                      url="/admin/screening", category=CATEGORY))
    admin.add_view(ScreeningStatsView(name="矛盾纠纷排查化解统计表", endpoint="screening_stats",
                                      url="/admin/screening-stats", category=CATEGORY))
    admin.add_view(MajorRiskView(name="重大隐患清单", endpoint="screening_major", url="/admin/screening-major",
                                 category=CATEGORY))
    admin.add_view(BacklogView(name="信访积案排查登记表", endpoint="screening_backlog", url="/admin/screening-backlog",
                               category=CATEGORY))
