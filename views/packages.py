"""包案: list, propose (clerk), accept / progress / outcome (leader, handler), ledger Excel, 我的包案.
Every door is scoped through services.packages.package_filter; the rules live in services/packages.py."""
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup

from models import PackageAssignment, db
from models.enums import PACKAGE_OUTCOMES, PACKAGE_STATUSES
from services import ServiceError
from services import packages as svc
from services import screening
from services.clock import today as office_today
from views.base import SecureBaseView, SecureModelView
from views.saving import saving


def _deadline_badge(view, context, model, name):
    text = svc.deadline_label(model)
    if not text:
        return model.deadline.isoformat() if model.deadline else ""
    kind = "overdue" if svc.is_package_overdue(model) else "ok"
    return Markup('{} <span class="badge badge-{}">{}</span>').format(model.deadline.isoformat(), kind, text)


class PackageView(SecureModelView):
    screen = "package"
    can_delete = False
    can_edit = False
    details_template = "packages/details.html"
    column_list = ("title", "leader", "department", "responsible_person", "deadline", "status", "outcome")
    column_labels = {"title": "包案事项", "leader": "包案领导", "department": "责任单位",
                     "responsible_person": "责任人", "deadline": "办结期限", "status": "状态",
                     "outcome": "化解结果", "plan": "化解方案", "cases": "信访事项"}
    column_choices = {"status": list(PACKAGE_STATUSES.items()), "outcome": list(PACKAGE_OUTCOMES.items())}
    column_default_sort = ("deadline", False)
    column_sortable_list = ("deadline", "status")
    # Not the title: older titles hold petitioners' names, and a hit would confirm one.
    column_searchable_list = ("responsible_person",)
    column_filters = ("status", "outcome", "deadline")
    column_formatters = {
        "title": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(v.get_url(".details_view", id=m.id),
                                                                         svc.display_title(db.session, current_user, m)),
        "deadline": _deadline_badge,
        "outcome": lambda v, c, m, n: PACKAGE_OUTCOMES.get(m.outcome, "") if m.outcome else "",
    }
    list_template = "packages/list.html"

    def row_filter(self):
        return svc.package_filter(db.session, current_user)

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        if not self.can_create:
            abort(403)
        return redirect(self.get_url(".propose_view", cases=request.args.get("cases", "")))

    # ---- propose (clerk) -------------------------------------------------------------------
    def _propose_page(self, cases, unknown, form, errors, status=200, entry=None):
        # The rank suggestion is for several cases at once (one area, one package per petitioner).
        suggestions = svc.suggest_leaders(db.session, cases) if len(cases) > 1 else []
        groups = len(suggestions)
        suggested = suggestions[0].leader.id if groups == 1 and suggestions[0].leader else None
        return self.render(
            "packages/propose.html", cases=cases, unknown=unknown, form=form, errors=errors,
            suggestions=suggestions, several_petitioners=groups > 1, suggested_leader=suggested,
            leaders=svc.leader_choices(db.session), departments=svc.active_departments(db.session),
            default_department=cases[0].department_id if cases else None, entry=entry,
            names={c.id: svc.petitioner_names(c) for c in cases}), status

    @expose("/propose/", methods=("GET", "POST"))
    def propose_view(self):
        if not self.can_create:
            abort(403)
        entry = None
        if request.values.get("entry"):  # 包案 of a 矛盾纠纷排查 entry (services/screening.py)
            entry = screening.get_entry(db.session, current_user, request.values.get("entry"))
            if entry is None:
                abort(404)
            if request.method == "GET" and not screening.may_package(db.session, current_user, entry):
                flash("该条目已列入包案或已化解，不能再包案。", "error")
                return redirect(url_for("screening_entry.details_view", id=entry.id))
        text = request.values.get("cases", "")
        if entry is not None and request.method == "GET" and "cases" not in request.args:
            text = screening.package_prefill(entry)["cases"]
        cases, unknown = svc.find_cases(db.session, current_user, text)
        if request.method == "GET":
            form = dict(screening.package_prefill(entry), cases=text) if entry is not None else {"cases": text}
            if request.args.get("leader_id"):
                form["leader_id"] = request.args["leader_id"]
            return self._propose_page(cases, unknown, form, {}, entry=entry)
        f = request.form
        if unknown:
            errors = {"case_ids": [svc.unknown_cases_message(unknown)]}
            return self._propose_page(cases, unknown, f, errors, 400, entry=entry)
        data = svc.PackageInput(
            case_ids=[c.id for c in cases], leader_id=f.get("leader_id") or None,
            department_id=f.get("department_id") or None,
            responsible_person=(f.get("responsible_person") or "").strip(), deadline=f.get("deadline"),
            plan=(f.get("plan") or "").strip(), title=(f.get("title") or "").strip(),
            allow_no_cases=entry is not None)
        with saving() as result:
            pkg = svc.propose(db.session, current_user, data)
            if entry is not None:
                screening.link_package(db.session, current_user, entry, pkg)
        if not result.ok:
            return self._propose_page(cases, unknown, f, result.errors, 400, entry=entry)
        flash(f"已提出包案“{pkg.title}”，待{pkg.leader.full_name}确认。", "success")
        return redirect(self.get_url(".details_view", id=pkg.id))

    # ---- details and the moves (each door re-scoped through get_one) --------------------------
    @expose("/details/")
    def details_view(self):
        pkg = self.get_one(request.args.get("id"))
        if pkg is None:
            abort(404)
        visible, hidden = svc.shown_cases(db.session, current_user, pkg)
        shown = svc.redactor(db.session, current_user, pkg)
        may_adjust = svc.may_adjust(current_user, pkg)
        return self.render(
            self.details_template, pkg=pkg, pkg_title=shown(pkg.title), shown=shown,
            cases=visible, hidden_cases=hidden,
            deadline_label=svc.deadline_label(pkg), overdue=svc.is_package_overdue(pkg),
            may_accept=svc.may_accept(current_user, pkg), may_decline=svc.may_decline(current_user, pkg),
            may_add_cases=may_adjust, may_reassign=may_adjust and pkg.status in ("proposed", "declined"),
            leaders=svc.leader_choices(db.session) if may_adjust else [],
            departments=svc.active_departments(db.session) if may_adjust else [],
            may_progress=svc.may_progress(db.session, current_user, pkg),
            may_finish=svc.may_finish(current_user, pkg), outcomes=PACKAGE_OUTCOMES,
            statuses=PACKAGE_STATUSES, today=office_today(), return_url=self.get_url(".index_view"),
            screening_entries=screening.entries_of_package(db.session, current_user, pkg))

    def _move(self, fn):
        pkg = self.get_one(request.args.get("id"))
        if pkg is None:
            abort(404)
        with saving(flash_errors=True) as result:
            message = fn(pkg)
        if result.ok:
            flash(message, "success")
        return redirect(self.get_url(".details_view", id=pkg.id))

    @expose("/accept/", methods=("POST",))
    def accept_view(self):
        def run(pkg):
            svc.accept(db.session, current_user, pkg)
            return "已确认包案，状态为“化解中”。"
        return self._move(run)

    @expose("/decline/", methods=("POST",))
    def decline_view(self):
        """The proposed leader declines (退回); the package then leaves the leader's reach, so the
        answer is 我的包案, not the package page."""
        pkg = self.get_one(request.args.get("id"))
        if pkg is None:
            abort(404)
        with saving(flash_errors=True) as result:
            svc.decline(db.session, current_user, pkg, request.form.get("reason"))
        if not result.ok:
            return redirect(self.get_url(".details_view", id=pkg.id))
        flash("已退回包案，信访办将另行确定包案领导。", "success")
        return redirect(self.get_url("my_packages.index"))

    @expose("/add-cases/", methods=("POST",))
    def add_cases_view(self):
        if not self.can_create:
            abort(403)

        def run(pkg):
            cases, unknown = svc.find_cases(db.session, current_user, request.form.get("cases", ""))
            if unknown:
                raise ServiceError(svc.unknown_cases_message(unknown))
            added = svc.add_cases(db.session, current_user, pkg, [c.id for c in cases])
            return f"已将{'、'.join(c.number for c in added)}加入包案。"
        return self._move(run)

    @expose("/reassign/", methods=("POST",))
    def reassign_view(self):
        if not self.can_create:
            abort(403)

        def run(pkg):
            svc.reassign(db.session, current_user, pkg, request.form.get("leader_id"),
                         request.form.get("department_id") or None)
            return f"已改由{pkg.leader.full_name}包案，待其确认。"
        return self._move(run)

    @expose("/progress/", methods=("POST",))
    def progress_view(self):
        def run(pkg):
            svc.add_progress(db.session, current_user, pkg, request.form.get("on"),
                             request.form.get("text"))
            return "已记录包案进展。"
        return self._move(run)

    @expose("/finish/", methods=("POST",))
    def finish_view(self):
        def run(pkg):
            svc.finish(db.session, current_user, pkg, request.form.get("outcome"), request.form.get("note"))
            return f"包案已结束：{PACKAGE_OUTCOMES[pkg.outcome]}。"
        return self._move(run)

    @expose("/ledger/")
    def ledger_view(self):
        """包案台账 (Excel): the same sheet as 统计报表 → 台账, same scope as this list."""
        from views.reports import package_ledger

        return package_ledger()


class MyPackagesView(SecureBaseView):
    """我的包案: the logged-in leader's packages with days left and the latest progress."""
    screen = "package"

    def is_visible(self):
        return super().is_visible() and current_user.role == "leader"

    @expose("/")
    def index(self):
        rows = svc.my_packages(db.session, current_user) if current_user.role == "leader" else []
        return self.render("packages/mine.html", rows=rows, statuses=PACKAGE_STATUSES, outcomes=PACKAGE_OUTCOMES,
                           open_count=sum(1 for r in rows if r.package.status != "finished"),
                           overdue_count=sum(1 for r in rows if r.overdue),
                           proposed_count=sum(1 for r in rows if r.package.status == "proposed"))


def register(admin):
    admin.add_view(PackageView(PackageAssignment, name="包案", endpoint="package", category="领导工作"))
    admin.add_view(MyPackagesView(name="我的包案", endpoint="my_packages", url="/admin/my-packages",
                                  category="领导工作"))
