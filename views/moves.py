"""Form pages for workflow moves: one case (/admin/moves/<move>/<case_id>/) and bulk
(/admin/moves/bulk/<move>/?ids=...). Thin: a WTForms form collects the input, services/workflow.py
decides and validates; errors come back beside the fields in Chinese."""
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import (Form, HiddenField, RadioField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.widgets import DateInput, NumberInput

from models import Case, Department, db
from models.enums import (PETITIONER_RESPONSES, RECEIPT_STATUSES, REPLY_METHODS, RETENTION_PERIODS,
                          SATISFACTION, SUPERVISE_METHODS)
from services import ConflictError, ServiceError, ValidationFailed, access, deadlines, workflow
from services.clock import today as office_today
from views.base import SecureBaseView

CONFLICT = ConflictError().message


def _date_field(label, description=""):
    return StringField(label, widget=DateInput(), description=description)


def _select(label, choices, blank="请选择"):
    return SelectField(label, choices=[("", blank)] + list(choices), validate_choice=False)


class MoveForm(Form):
    version = HiddenField()


class NoticeForm(MoveForm):
    notice_on = _date_field("告知日期", "受理告知单送达（或告知）信访人的日期；登记后受理告知期限停止计算")
    note = TextAreaField("备注")


class AcceptForm(MoveForm):
    accepted_on = _date_field("受理日期")
    notice_on = _date_field("受理告知日期", "同时登记受理告知的日期；暂未告知的请清空")
    note = TextAreaField("受理意见")


class DecisionForm(MoveForm):
    reason = TextAreaField("理由 *", description="将写入告知书，告知信访人")
    notice_on = _date_field("告知日期")


class ForwardForm(MoveForm):
    forward_to = StringField("接收机关 *")
    forward_doc_no = StringField("转送文号 *")
    notice_on = _date_field("告知日期")
    note = TextAreaField("备注")


class AssignForm(MoveForm):
    department_id = SelectField("责任单位 *", validate_choice=False)
    assist_ids = SelectMultipleField("配合单位", validate_choice=False, description="可多选（按住 Ctrl）")
    due = _date_field("办理期限", "留空按法定期限；只能提前，不能晚于法定期限")
    note = TextAreaField("交办意见")


class SignForm(MoveForm):
    note = TextAreaField("备注")


class ReturnForm(MoveForm):
    reason = TextAreaField("退回理由 *", description="说明不属于本单位职责的依据")


class TransferForm(MoveForm):
    department_id = SelectField("改派至 *", validate_choice=False)
    reason = TextAreaField("改派理由 *")
    due = _date_field("办理期限", "留空按原期限")


class SuperviseForm(MoveForm):
    method = _select("督办方式 *", SUPERVISE_METHODS.items())
    note = TextAreaField("督办意见 *")


class ExtendRequestForm(MoveForm):
    days = StringField("延期天数 *", widget=NumberInput(min=1, max=30), description="最多30天，每个办理阶段限一次")
    reason = TextAreaField("延期理由 *", description="将告知信访人延期理由")


class DecideForm(MoveForm):
    approve = RadioField("审批结果 *", choices=[("1", "批准"), ("0", "不批准")], validate_choice=False)
    note = TextAreaField("审批意见")


class CloseDecideForm(MoveForm):
    approve = RadioField("审批结果 *", choices=[("1", "同意结案"), ("0", "退回重办")], validate_choice=False)
    note = TextAreaField("审批意见", description="退回重办须写明理由")


class ReplyForm(MoveForm):
    reply_text = TextAreaField("答复意见 *")
    replied_on = _date_field("答复日期 *")
    reply_method = _select("答复方式 *", REPLY_METHODS.items())
    petitioner_response = _select("信访人意见 *", PETITIONER_RESPONSES.items())
    receipt_status = _select("送达回证 *", RECEIPT_STATUSES.items())
    receipt_note = TextAreaField("拒签说明", description="信访人拒绝签收的，注明情况及见证人")
    handling_report = TextAreaField("办结报告")


class FollowUpForm(MoveForm):
    follow_up_on = _date_field("回访日期")
    satisfaction = _select("满意度 *", SATISFACTION.items())
    note = TextAreaField("回访情况")


class CloseRequestForm(MoveForm):
    handling_report = TextAreaField("办结报告 *")
    note = TextAreaField("备注")


class ReviewForm(MoveForm):
    requested_on = _date_field("申请日期")
    reason = TextAreaField("申请理由 *")


class InstructionForm(MoveForm):
    text = TextAreaField("批示内容 *")


class ArchiveForm(MoveForm):
    archive_number = StringField("档号 *")
    retention = _select("保管期限 *", RETENTION_PERIODS.items())
    location = StringField("存放位置 *")
    page_count = StringField("页数 *", widget=NumberInput(min=1))
    catalogue = TextAreaField("卷内目录", description="每行一件材料")


class VoidForm(MoveForm):
    reason = TextAreaField("作废理由 *", description="作废后不删除任何记录")


FORMS = {
    "notice": NoticeForm, "accept": AcceptForm, "decline": DecisionForm, "refuse_repeat": DecisionForm,
    "forward": ForwardForm, "assign": AssignForm, "sign_for": SignForm, "return": ReturnForm,
    "transfer": TransferForm, "supervise": SuperviseForm, "extend_request": ExtendRequestForm,
    "extend_decide": DecideForm, "reply": ReplyForm, "follow_up": FollowUpForm,
    "close_request": CloseRequestForm, "close_decide": CloseDecideForm, "review_request": ReviewForm,
    "instruction": InstructionForm, "archive": ArchiveForm, "void": VoidForm,
}
SUBMIT = {"extend_decide": "提交审批", "close_decide": "提交审批"}


def _departments():
    rows = db.session.execute(select(Department).where(Department.active.is_(True))
                              .order_by(Department.sort_order, Department.id)).scalars()
    return [(str(d.id), d.name + ("（纪检监察）" if d.kind == "discipline" else "")) for d in rows]


def _make_form(move, case, formdata=None):
    form = FORMS[move](formdata)
    if hasattr(form, "department_id"):
        form.department_id.choices = [("", "请选择")] + _departments()
    if hasattr(form, "assist_ids"):
        form.assist_ids.choices = _departments()
    if formdata is None and case is not None:
        _defaults(move, case, form)
    return form


def _defaults(move, case, form):
    today = office_today().isoformat()
    form.version.data = str(case.version)
    for name in ("notice_on", "accepted_on", "replied_on", "follow_up_on", "requested_on"):
        if hasattr(form, name):
            getattr(form, name).data = today
    if move == "assign":
        due = case.handle_due or deadlines.handle_due(db.session, case.accepted_on or office_today(),
                                                      case.source_deadline, case.review_level)
        form.due.data = due.isoformat() if due else ""
    if move in ("close_request", "reply") and case.handling_report:
        form.handling_report.data = case.handling_report
    if move == "accept" and case.accept_notice_on:
        form.notice_on.data = ""


def _data(form):
    return {f.name: f.data for f in form if f.name not in ("version", "csrf_token")}


def _attach_errors(form, errors):
    """Service errors beside their fields; the rest go to the top of the page."""
    rest = []
    for name, messages in errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors") and name != "version":
            field.errors = list(field.errors or []) + list(messages)
        else:
            rest.extend(messages)
    return rest


def _get_case(case_id):
    case_id = access.parse_id(case_id)
    if case_id is None:  # an id the database cannot hold: no such case
        return None
    return db.session.execute(select(Case).where(
        Case.id == case_id, access.case_filter(db.session, current_user))).scalar_one_or_none()


def _parse_ids(raw):
    out = []
    for part in (raw or "").replace("，", ",").split(","):
        pk = access.parse_id(part) if part.strip().isdigit() else None
        if pk is not None and pk not in out:
            out.append(pk)
    return out


class MovesView(SecureBaseView):
    screen = "case"

    def is_visible(self):
        return False

    @expose("/")
    def index(self):
        return redirect(url_for("case.index_view"))

    # ---- one case ------------------------------------------------------------------------------
    @expose("/<move>/<int:case_id>/", methods=("GET", "POST"))
    def move_view(self, move, case_id):
        if move not in FORMS:
            abort(404)
        case = _get_case(case_id)
        if case is None:  # also when someone else's move took it out of reach: 404 leaks nothing
            abort(404)
        back = url_for("case.details_view", id=case.id)
        if request.method == "GET":
            try:
                workflow.check_actor(db.session, current_user, case, move)
                workflow.check_state(db.session, current_user, case, move)
            except ServiceError as exc:
                flash(exc.message, "danger")
                return redirect(back)
            return self._render(move, case, _make_form(move, case))

        form = _make_form(move, case, request.form)
        top = []
        try:
            workflow.perform(db.session, current_user, case, move,
                             expected_version=form.version.data or None, **_data(form))
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            top = _attach_errors(form, exc.errors)
        except ServiceError as exc:
            db.session.rollback()
            top = [exc.message]
        except StaleDataError:
            db.session.rollback()
            top = [CONFLICT]
        except IntegrityError:
            db.session.rollback()
            top = [CONFLICT]
        else:
            flash(f"已{workflow.move_label(move, case)}：{case.number}（当前状态：{case.status_label}）", "success")
            return redirect(back)
        return self._render(move, case, form, top)

    def _render(self, move, case, form, errors=()):
        checklist = workflow.close_checklist(case) if move == "close_request" else None
        return self.render("moves/form.html", move=move, title=workflow.move_label(move, case),
                           case=case, form=form, errors=list(errors), checklist=checklist,
                           submit=SUBMIT.get(move, "确定" + workflow.move_label(move, case)),
                           conflict=CONFLICT in errors)

    # ---- several cases (list actions) --------------------------------------------------------------
    @expose("/bulk/<move>/", methods=("GET", "POST"))
    def bulk_view(self, move):
        if move not in workflow.BULK_MOVES:
            abort(404)
        if not access.may_move(db.session, current_user, move):
            abort(403)
        source = request.form if request.method == "POST" else request.args
        wanted = _parse_ids(source.get("ids"))
        # Re-scope the posted ids through the case list's own scope.
        visible = {c.id: c for c in db.session.execute(select(Case).where(
            Case.id.in_(wanted), access.case_filter(db.session, current_user))).scalars()} if wanted else {}
        eligible, refused = [], []
        for cid in wanted:
            case = visible.get(cid)
            if case is None:
                refused.append((None, cid, "不存在或不在您的查看范围内"))
                continue
            try:
                workflow.check_actor(db.session, current_user, case, move)
                workflow.check_state(db.session, current_user, case, move)
            except ServiceError as exc:
                refused.append((case, cid, exc.message))
                continue
            eligible.append(case)
        if request.method == "GET":
            form = _make_form(move, None)
            return self._render_bulk(move, form, eligible, refused)

        form = _make_form(move, None, request.form)
        if not eligible:
            return self._render_bulk(move, form, eligible, refused, ["没有可以办理的信访事项"])
        done, failed, invalid = [], [], []
        for case in eligible:
            try:
                workflow.perform(db.session, current_user, case, move,
                                 expected_version=request.form.get(f"v_{case.id}") or None, **_data(form))
                done.append(case)
            except ValidationFailed as exc:
                failed.append((case, "；".join(m for ms in exc.errors.values() for m in ms)))
                invalid.append(exc.errors)
            except ServiceError as exc:
                failed.append((case, exc.message))
        if not done and invalid and len(invalid) == len(failed) and all(e == invalid[0] for e in invalid):
            # The same bad input for every case: show it beside the fields; nothing was done.
            db.session.rollback()
            return self._render_bulk(move, form, eligible, refused, _attach_errors(form, invalid[0]))
        try:
            db.session.commit()
        except (StaleDataError, IntegrityError):
            db.session.rollback()
            return self._render_bulk(move, form, eligible, refused, [CONFLICT + "（本次未办理任何事项）"])
        return self.render("moves/bulk_done.html", move=move, title=workflow.MOVE_LABELS[move],
                           done=done, failed=failed, refused=refused)

    def _render_bulk(self, move, form, eligible, refused, errors=()):
        return self.render("moves/bulk.html", move=move, title="批量" + workflow.MOVE_LABELS[move],
                           form=form, eligible=eligible, refused=refused, errors=list(errors),
                           ids=",".join(str(c.id) for c in eligible))


def register(admin):
    """Form pages for workflow moves are registered here."""
    admin.add_view(MovesView(name="办理", endpoint="moves", url="/admin/moves"))
