"""The one-screen registration page (登记信访事项) and the attachment upload/download doors."""
from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_login import current_user
from wtforms import (BooleanField, FieldList, Form, FormField, SelectField, StringField,
                     TextAreaField)

from models import Attachment, Case, db
from models.enums import (ATTACHMENT_KINDS, CATEGORIES, CHANNELS, ETHNIC_GROUPS, ID_TYPES, PARTY_KINDS,
                          PURPOSES, SEXES, SOURCES)
from services import (ServiceError, access, attachments, audit, clock, departments, inputs, registration,
                      screening)
from views.base import SecureBaseView
from views.saving import PAGE, saving

MSG_CONFLICT = "保存时与他人的登记发生冲突，请再提交一次。"

PLEASE = [("", "请选择")]


class PartyForm(Form):
    name = StringField("姓名")
    sex = SelectField("性别", choices=[("", "")] + list(SEXES.items()), validate_choice=False)
    birth_date = StringField("出生日期")
    ethnicity = SelectField("民族", choices=[("", "")] + [(e, e) for e in ETHNIC_GROUPS], validate_choice=False)
    is_representative = BooleanField("代表人")
    id_type = SelectField("证件类型", choices=list(ID_TYPES.items()), default="resident",
                          validate_choice=False)
    id_number = StringField("证件号码")
    phone = StringField("联系电话")
    address = StringField("住址")
    occupation = StringField("职业/工作单位")

    def is_blank(self):
        return not any((f.data or "").strip() for f in (self.name, self.id_number, self.phone, self.address,
                                                          self.occupation, self.ethnicity, self.birth_date))


class AccusedForm(Form):
    name = StringField("姓名/单位名称")
    kind = SelectField("类型", choices=list(PARTY_KINDS.items()), default="person", validate_choice=False)
    # One of the office's departments (the picker); free text in `name` for bodies outside.
    department_id = StringField("本县单位")
    occupation = StringField("职务/所在单位")
    address = StringField("地址")

    def is_blank(self):
        return not any((f.data or "").strip() for f in (self.name, self.department_id, self.occupation,
                                                          self.address))


class RegistrationForm(Form):
    channel = SelectField("信访形式", choices=PLEASE + list(CHANNELS.items()), validate_choice=False)
    received_on = StringField("收件日期")
    source = SelectField("来源", choices=list(SOURCES.items()), default="own", validate_choice=False)
    source_doc_no = StringField("交办文号")
    source_deadline = StringField("交办期限")
    purpose = SelectField("信访事项类别", choices=PLEASE + list(PURPOSES.items()), validate_choice=False)
    category = SelectField("问题分类", choices=PLEASE + [(c, c) for c in CATEGORIES], validate_choice=False)
    summary = TextAreaField("内容摘要")
    demands = TextAreaField("诉求")
    incident_place = StringField("问题属地（事发地）")
    people_count = StringField("人数", default="1")
    is_skip_level = BooleanField("越级访")
    is_joint = BooleanField("联名信访")
    is_anonymous = BooleanField("匿名")
    is_litigation = BooleanField("涉法涉诉")
    is_urgent = BooleanField("重大紧急")
    is_extreme = BooleanField("扬言（过激言行）")
    petitioners = FieldList(FormField(PartyForm), min_entries=3)
    representatives = FieldList(FormField(PartyForm), min_entries=2)
    accused = FieldList(FormField(AccusedForm), min_entries=1)
    letter_kind = SelectField("附件类型", choices=list(ATTACHMENT_KINDS.items()), default="letter",
                              validate_choice=False)

    FLAGS = ("is_skip_level", "is_joint", "is_anonymous", "is_litigation", "is_urgent", "is_extreme")


def _party_inputs(field_list, accused=False):
    rows = []
    for i, entry in enumerate(field_list.entries):
        f = entry.form
        if f.is_blank():
            continue  # empty rows are ignored
        if accused:
            rows.append(registration.PartyInput(
                name=f.name.data or "", kind=f.kind.data or "person", occupation=f.occupation.data or "",
                address=f.address.data or "", department_id=f.department_id.data or None, row=i))
        else:
            rows.append(registration.PartyInput(
                name=f.name.data or "", sex=f.sex.data or "", ethnicity=f.ethnicity.data or "",
                birth_date=f.birth_date.data or None, is_representative=bool(f.is_representative.data),
                id_type=f.id_type.data or "resident", id_number=f.id_number.data or "",
                phone=f.phone.data or "", address=f.address.data or "", occupation=f.occupation.data or "",
                row=i))
    return rows


def form_to_input(form):
    """The RegistrationInput of a filled form, as typed (the service reads dates and numbers)."""
    return registration.RegistrationInput(
        channel=form.channel.data or "", received_on=form.received_on.data,
        purpose=form.purpose.data or "",
        category=form.category.data or "", summary=form.summary.data or "",
        demands=form.demands.data or "", incident_place=form.incident_place.data or "",
        people_count=form.people_count.data, source=form.source.data or "own",
        source_doc_no=form.source_doc_no.data or "", source_deadline=form.source_deadline.data,
        petitioners=_party_inputs(form.petitioners), representatives=_party_inputs(form.representatives),
        accused=_party_inputs(form.accused, accused=True),
        **{flag: bool(getattr(form, flag).data) for flag in RegistrationForm.FLAGS},
    )


class RegistrationView(SecureBaseView):
    """登记信访事项: one screen for a clerk."""
    screen = "case"
    required_right = access.C

    def is_accessible(self):
        return access.may_view(current_user, self.screen, access.C)

    @expose("/", methods=("GET", "POST"))
    def index(self):
        entry = None
        if request.values.get("entry"):  # a 矛盾纠纷排查 entry becoming a case (services/screening.py)
            entry = screening.get_entry(db.session, current_user, request.values.get("entry"))
            if entry is None:
                abort(404)
            if not screening.may_convert(db.session, current_user, entry):
                flash("该条目已转为信访事项或已化解，不能再登记。", "error")
                return redirect(url_for("screening_entry.details_view", id=entry.id))
        if request.method == "GET" and entry is not None:
            form = RegistrationForm(data=screening.case_prefill(entry))
        else:
            form = RegistrationForm(request.form if request.method == "POST" else None)
        if request.method == "GET":
            form.received_on.data = clock.today().isoformat()
        errors = {}
        if request.method == "POST":
            errors, case = self._submit(form, entry)
            if case is not None:
                return redirect(url_for("case.details_view", id=case.id))
        extra = any(not e.form.is_blank() for e in form.representatives.entries)
        return self.render("registration/register.html", form=form, errors=errors, extra_representatives=extra,
                           today=clock.today().isoformat(), labels=_labels(form), entry=entry,
                           departments=departments.picker_choices(db.session))

    def _submit(self, form, entry=None):
        data = form_to_input(form)
        upload = request.files.get("letter_file")
        has_file = upload is not None and upload.filename
        errors = registration.validate(db.session, data)
        if has_file:
            for key, messages in attachments.upload_errors(upload, form.letter_kind.data).items():
                errors[{"file": "letter_file", "kind": "letter_kind"}[key]] = messages
        if errors:
            db.session.rollback()
            return errors, None
        saved = None
        with saving(conflict_message=MSG_CONFLICT) as result:
            case = registration.register_case(db.session, current_user, data)
            if entry is not None:
                db.session.flush()
                screening.link_case(db.session, current_user, entry, case)
            if has_file:
                db.session.flush()
                saved = attachments.save(db.session, current_user, case, upload, form.letter_kind.data,
                                         root=current_app.config["ATTACHMENT_DIR"], check=False)
        if not result.ok:
            if result.conflict and saved is not None:
                attachments.discard(saved, current_app.config["ATTACHMENT_DIR"])
            keys = {"file": "letter_file", "kind": "letter_kind", PAGE: "_form"}
            return {keys.get(k, k): v for k, v in result.errors.items()}, None
        flash(f"已登记，编号 {case.number}（查询码 {case.query_code}）", "success")
        return {}, case


def _labels(form):
    """Field name -> Chinese label, for the error summary at the top of the page."""
    out = {"petitioners": "信访人", "representatives": "代表人", "accused": "被反映人",
           "letter_file": "来信原件", "_form": "", "reception_id": "接待日", "leader_id": "接待领导"}
    for field in form:
        if isinstance(field, FieldList):
            group = out.get(field.name, field.label.text)
            for i, entry in enumerate(field.entries):
                for sub in entry.form:
                    out[sub.name] = f"{group}第{i + 1}行·{sub.label.text}"
        else:
            out[field.name] = field.label.text
    return out


class AttachmentView(SecureBaseView):
    """Upload: POST /admin/attachment/upload/<case_id>; download: GET /admin/attachment/<id>."""
    screen = "attachment"

    def is_visible(self):
        return False

    @expose("/")
    def index(self):
        return redirect(url_for("case.index_view"))

    @expose("/<int:attachment_id>")
    def download(self, attachment_id):
        try:
            found = attachments.for_download(db.session, current_user, attachment_id,
                                             current_app.config["ATTACHMENT_DIR"])
        except ServiceError as exc:
            att = db.session.get(Attachment, attachment_id)
            audit.record(db.session, current_user, "download_refused", ip=request.remote_addr,
                         detail=f"信访事项 {att.case.number}：{att.filename}（附件#{att.id}）文件校验不符")
            db.session.commit()
            flash(exc.message, "danger")
            return redirect(url_for("case.details_view", id=att.case_id))
        if found is None:
            abort(404)
        att, path = found
        audit.download(db.session, current_user, att, ip=request.remote_addr)
        db.session.commit()
        resp = send_file(path, mimetype=attachments.content_type(att.filename), as_attachment=True,
                         download_name=att.filename)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp

    @expose("/upload/<int:case_id>", methods=("POST",))
    def upload(self, case_id):
        pk = inputs.parse_id(case_id)
        case = db.session.get(Case, pk) if pk is not None else None
        if case is None or not access.can_see_case(db.session, current_user, case):
            abort(404)
        if not access.may_move(db.session, current_user, "attach", case):
            abort(403)
        back = url_for("case.details_view", id=case.id)
        saved = None
        with saving(conflict_message=MSG_CONFLICT) as result:
            saved = attachments.save(db.session, current_user, case, request.files.get("file"),
                                     request.form.get("kind") or "other",
                                     root=current_app.config["ATTACHMENT_DIR"])
        if not result.ok:
            if result.conflict and saved is not None:
                attachments.discard(saved, current_app.config["ATTACHMENT_DIR"])
            flash(result.message, "danger")
            return redirect(back)
        flash(f"已上传附件：{saved.filename}", "success")
        return redirect(back)


def register(admin):
    """The one-screen registration page (登记) is registered here."""
    admin.add_view(RegistrationView(name="登记信访事项", endpoint="register", url="/admin/register"))
    admin.add_view(AttachmentView(name="附件", endpoint="attachment", url="/admin/attachment"))
