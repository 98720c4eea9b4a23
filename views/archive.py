"""档案管理: archive records (read-only but for the archivist's metadata) and loans (借阅登记).
Thin: rules and audit live in services/archive.py, access decisions in services/access.py."""
from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.helpers import get_redirect_target
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import not_, select
from sqlalchemy.orm import selectinload
from wtforms import Form, StringField, TextAreaField
from wtforms.validators import ValidationError
from wtforms.widgets import DateInput

from models import ArchiveLoan, ArchiveRecord, Case, db
from models.enums import LOAN_STATUSES, RETENTION_PERIODS, VOLUME_TYPES
from services import ValidationFailed, access, retention, search
from services import archive as svc
from services.clock import fmt_date, fmt_dt
from services.clock import today as office_today
from views.base import SecureModelView, ServiceSearchMixin
from views.filters import LoanTodoFilter
from views.saving import saving


def _badge(state):
    if state is None:
        return Markup('<span class="text-muted">在库</span>')
    kind, text = state
    return Markup('<span class="badge badge-{}">{}</span>').format(kind, text)


def _user_name(user):
    return user.full_name if user is not None else ""


# ---- archive records ------------------------------------------------------------------------------

class LoanRequestForm(Form):
    purpose = TextAreaField("借阅用途 *", render_kw={"rows": 3, "maxlength": 200})
    due_back = StringField("应还日期 *", widget=DateInput())
    borrower_name = StringField("借阅人姓名", render_kw={"maxlength": 50})
    borrower_unit = StringField("借阅人单位", render_kw={"maxlength": 100})


class ArchiveView(ServiceSearchMixin, SecureModelView):
    screen = "archive"
    can_delete = False
    can_create = False
    details_template = "archive/details.html"
    list_template = "archive/list.html"
    column_list = ("archive_number", "case", "volume_type", "retention", "expiry", "location", "page_count",
                   "filed_on", "loan_state")
    column_labels = {"archive_number": "档号", "case": "信访事项", "volume_type": "案卷类型",
                     "retention": "保管期限", "location": "存放位置", "page_count": "页数",
                     "filed_on": "归档日期", "catalogue": "卷内目录", "loan_state": "借阅状态",
                     "expiry": "保管至"}
    column_choices = {"volume_type": list(VOLUME_TYPES.items()), "retention": list(RETENTION_PERIODS.items())}
    column_searchable_list = ("archive_number",)
    search_hint = "档号, 信访事项编号, 信访人姓名/拼音"
    column_default_sort = ("filed_on", True)
    column_formatters = {
        "archive_number": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(
            v.get_url(".details_view", id=m.id), m.archive_number),
        "loan_state": lambda v, c, m, n: _badge(svc.record_loan_state(m)),
        "expiry": lambda v, c, m, n: retention.expiry_label(m),
    }
    form_columns = ("location", "page_count", "catalogue")
    # Typed as text: services/archive.read_metadata reads it (the page-count rule lives there).
    form_overrides = {"page_count": StringField}
    form_args = {
        "location": {"label": "存放位置"},
        "page_count": {"label": "页数"},
        "catalogue": {"label": "卷内目录（每行一项）"},
    }
    form_widget_args = {"catalogue": {"rows": 12}}

    def get_query(self):
        return super().get_query().options(selectinload(ArchiveRecord.loans))

    def search_clause(self, text):
        """档号, the case's number, its petitioner (services/search.py: within reach and
        confidentiality, as on the case list)."""
        clause = search.case_search_clause(db.session, current_user, text)
        if clause is None:
            return None
        return ArchiveRecord.case_id.in_(select(Case.id).where(clause))

    def on_model_change(self, form, model, is_created):
        try:
            svc.read_metadata(model)
        except ValidationFailed as exc:
            raise ValidationError(exc.message) from None
        svc.record_edit(db.session, current_user, model, ip=request.remote_addr)

    @expose("/details/")
    def details_view(self):
        record = self.get_one(request.args.get("id"))
        if record is None:
            abort(404)
        svc.record_view(db.session, current_user, record, ip=request.remote_addr)
        db.session.commit()
        active = svc.active_loan(db.session, record)
        return self.render(
            self.details_template, record=record, items=svc.catalogue_items(record),
            reviews=svc.review_cases(db.session, current_user, record),
            loans=[(ln, svc.loan_state(ln)) for ln in reversed(record.loans)], active=active,
            active_state=svc.loan_state(active) if active else None,
            may_request=access.may_request_loan(db.session, current_user, record) and active is None,
            may_edit=self.can_edit, volume_types=VOLUME_TYPES, retentions=RETENTION_PERIODS,
            expiry=retention.expiry_label(record),
            return_url=get_redirect_target() or self.get_url(".index_view"))

    @expose("/loan/", methods=("GET", "POST"))
    def request_loan_view(self):
        """借阅申请 for one record (?id=)."""
        record = self.get_one(request.args.get("id"))
        if record is None:
            abort(404)
        if not access.may_request_loan(db.session, current_user, record):
            abort(403)
        form = LoanRequestForm(request.form)
        refusal, status = None, 200
        if request.method == "POST":
            with saving() as result:
                svc.request_loan(db.session, current_user, record, form.purpose.data, form.due_back.data,
                                 ip=request.remote_addr, borrower_name=form.borrower_name.data or "",
                                 borrower_unit=form.borrower_unit.data or "")
            if result.ok:
                flash(f"已提交档案 {record.archive_number} 的借阅申请，待领导审批。", "success")
                return redirect(self.get_url(".details_view", id=record.id))
            status = 400
            for name, messages in result.errors.items():
                if name in form:
                    form[name].errors = messages
            refusal = " ".join(result.page_errors) or None
        elif svc.active_loan(db.session, record) is not None:
            refusal = svc.ALREADY_LENT
        today = office_today()
        return self.render("archive/loan_request.html", record=record, form=form, refusal=refusal,
                           for_others=current_user.role == access.ARCHIVIST,
                           today=today, max_due=svc.max_due_back(today), max_days=svc.MAX_LOAN_DAYS), status


# ---- loans ----------------------------------------------------------------------------------------

class LoanStatusFilter(BaseSQLAFilter):
    def __init__(self):
        super().__init__(ArchiveLoan.status, "状态", options=list(LOAN_STATUSES.items()))

    def validate(self, value):
        return value in LOAN_STATUSES

    def apply(self, query, value, alias=None):
        return query.filter(ArchiveLoan.status == value)

    def operation(self):
        return "等于"


class LoanOverdueFilter(BaseSQLAFilter):
    def __init__(self):
        super().__init__(ArchiveLoan.due_back, "逾期未还", options=[("1", "是"), ("0", "否")])

    def validate(self, value):
        return value in ("1", "0")

    def apply(self, query, value, alias=None):
        clause = svc.overdue_clause()
        return query.filter(clause if value == "1" else not_(clause))

    def operation(self):
        return "为"


def _post_button(url, text, kind, back):
    return Markup(
        '<form method="post" action="{}" class="d-inline"><input type="hidden" name="csrf_token" value="{}">'
        '<input type="hidden" name="url" value="{}"><button class="btn btn-sm btn-{}" type="submit">{}</button>'
        '</form> ').format(url, generate_csrf(), back, kind, text)


def _loan_ops(view, context, model, name):
    back = request.full_path
    out = Markup("")
    if model.status == "requested" and model.borrower_id != current_user.id \
            and access.may_decide_loan(db.session, current_user):
        out += _post_button(view.get_url(".approve_view", id=model.id), "批准", "success", back)
        out += _post_button(view.get_url(".deny_view", id=model.id), "不批准", "outline-danger", back)
    if model.status == "approved" and access.may_return_loan(db.session, current_user):
        out += _post_button(view.get_url(".return_view", id=model.id), "登记归还", "outline-primary", back)
    return out


class LoanView(SecureModelView):
    screen = "loan"
    can_create = False
    can_edit = False
    can_delete = False
    list_template = "archive/loans.html"
    details_template = "archive/loan_details.html"
    column_list = ("record", "borrower", "purpose", "requested_at", "due_back", "status", "approved_by",
                   "approved_at", "returned_on", "ops")
    column_labels = {"record": "档号", "borrower": "借阅人", "purpose": "借阅用途", "requested_at": "申请时间",
                     "due_back": "应还日期", "status": "状态", "approved_by": "审批人", "approved_at": "审批时间",
                     "returned_on": "归还日期", "ops": "操作"}
    column_default_sort = ("id", True)
    column_sortable_list = ("requested_at", "due_back", "status", "returned_on")
    column_searchable_list = ("purpose",)
    column_filters = (LoanStatusFilter(), LoanOverdueFilter(), LoanTodoFilter(ArchiveLoan.status, "待办"))
    column_formatters = {
        "record": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(
            v.get_url("archive.details_view", id=m.record_id), m.record.archive_number),
        "borrower": lambda v, c, m, n: m.borrower_label,
        "approved_by": lambda v, c, m, n: _user_name(m.approved_by),
        "requested_at": lambda v, c, m, n: fmt_dt(m.requested_at),
        "approved_at": lambda v, c, m, n: fmt_dt(m.approved_at),
        "due_back": lambda v, c, m, n: fmt_date(m.due_back),
        "returned_on": lambda v, c, m, n: fmt_date(m.returned_on),
        "status": lambda v, c, m, n: _badge(svc.loan_state(m)),
        "ops": _loan_ops,
    }

    def filter_url(self, **values):
        """The list URL with the status / overdue / 待办 filter set (quick links)."""
        args = {}
        keys = {LoanStatusFilter: "status", LoanOverdueFilter: "overdue", LoanTodoFilter: "todo"}
        for i, flt in enumerate(self._filters):
            key = keys.get(type(flt))
            if key in values:
                args[f"flt{i}_{self.get_filter_arg(i, flt)}"] = values[key]
        return self.get_url(f"{self.endpoint}.index_view", **args)  # also from another view's page

    @expose("/")
    def index_view(self):
        self._template_args.update(
            pending=svc.pending_for(db.session, current_user),
            may_decide=access.may_decide_loan(db.session, current_user),
            overdue_count=self.get_count_query().filter(svc.overdue_clause()).scalar() or 0)
        return super().index_view()

    @expose("/details/")
    def details_view(self):
        loan = self.get_one(request.args.get("id"))
        if loan is None:
            abort(404)
        user = current_user
        return self.render(
            self.details_template, loan=loan, state=svc.loan_state(loan),
            may_decide=loan.status == "requested" and loan.borrower_id != user.id
            and access.may_decide_loan(db.session, user, loan),
            may_return=loan.status == "approved" and access.may_return_loan(db.session, user, loan),
            today=office_today(), return_url=self.get_url(".index_view"))

    def _move(self, allowed, run, done):
        if not allowed(db.session, current_user):
            abort(403)
        loan = self.get_one(request.args.get("id"))
        if loan is None:
            abort(404)
        with saving(flash_errors=True) as result:
            run(loan)
        if result.ok:
            flash(done(loan), "success")
        return redirect(get_redirect_target() or self.get_url(".details_view", id=loan.id))

    @expose("/approve/", methods=("POST",))
    def approve_view(self):
        return self._move(access.may_decide_loan,
                          lambda ln: svc.approve_loan(db.session, current_user, ln, ip=request.remote_addr),
                          lambda ln: f"已批准借阅档案 {ln.record.archive_number}，应还日期 {fmt_date(ln.due_back)}。")

    @expose("/deny/", methods=("POST",))
    def deny_view(self):
        return self._move(access.may_decide_loan,
                          lambda ln: svc.deny_loan(db.session, current_user, ln, ip=request.remote_addr),
                          lambda ln: f"已不批准借阅档案 {ln.record.archive_number}。")

    @expose("/return/", methods=("POST",))
    def return_view(self):
        return self._move(access.may_return_loan,
                          lambda ln: svc.return_loan(db.session, current_user, ln, request.form.get("returned_on"),
                                                     ip=request.remote_addr),
                          lambda ln: f"档案 {ln.record.archive_number} 已于 {fmt_date(ln.returned_on)} 归还。")


def register(admin):
    admin.add_view(ArchiveView(ArchiveRecord, name="档案", endpoint="archive", category="档案管理"))
    admin.add_view(LoanView(ArchiveLoan, name="借阅登记", endpoint="loan", category="档案管理"))
