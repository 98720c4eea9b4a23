"""Form pages for workflow moves: one case (/admin/moves/<move>/<case_id>/) and bulk
(/admin/moves/bulk/<move>/?ids=...). Thin: each move's WTForms form is built from its entry's
fields in services/workflow/spec.py, services/workflow decides and validates; errors come back
beside the fields in Chinese."""
from functools import lru_cache

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select
from wtforms import (Form, HiddenField, RadioField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.widgets import DateInput, NumberInput

from models import Case, Department, db
from services import ServiceError, ValidationFailed, access, deadlines, disclosure, documents, settings, workflow
from services.workflow import spec
from views.base import SecureBaseView
from views.saving import CONFLICT, saving


class MoveForm(Form):
    version = HiddenField()


KINDS = {"text": StringField, "textarea": TextAreaField, "date": StringField, "number": StringField,
         "select": SelectField, "multiselect": SelectMultipleField, "radio": RadioField}


def _choices(f, departments=()):
    """A choice field's options: a select starts blank ("请选择")."""
    options = list(departments) if f.choices == spec.DEPARTMENTS or callable(f.choices) else list(f.choices)
    return ([("", "请选择")] if f.kind == "select" else []) + options


def _field(f):
    """A WTForms field from the spec's description of one input ("label *" when required)."""
    kw = {"description": f.description}
    if f.kind == "date":
        kw["widget"] = DateInput()
    elif f.kind == "number":
        kw["widget"] = NumberInput(min=f.min, max=f.max)
    elif f.kind in ("select", "multiselect", "radio"):
        kw.update(choices=_choices(f), validate_choice=False)
    return KINDS[f.kind](f.label + (" *" if f.required else ""), **kw)


@lru_cache(maxsize=None)
def _form_class(move):
    fields = spec.MOVES[move].fields
    return type(f"{move}_form", (MoveForm,), {f.name: _field(f) for f in fields})


def _departments():
    rows = db.session.execute(select(Department).where(Department.active.is_(True))
                              .order_by(Department.sort_order, Department.id)).scalars()
    return [(str(d.id), d.name + ("（纪检监察）" if d.kind == "discipline" else "")) for d in rows]


def _make_form(move, case, formdata=None):
    form = _form_class(move)(formdata)
    departments = None
    for f in spec.MOVES[move].fields:
        if f.shown is not None and (case is None or not f.shown(db.session, current_user, case)):
            del form[f.name]
        elif f.choices == spec.DEPARTMENTS:
            departments = departments if departments is not None else _departments()
            getattr(form, f.name).choices = _choices(f, departments)
        elif callable(f.choices):  # options of this case (e.g. the petitioner's earlier cases)
            getattr(form, f.name).choices = _choices(f, f.choices(db.session, current_user, case))
    if formdata is None and case is not None:
        form.version.data = str(case.version)
        for f in spec.MOVES[move].fields:
            if f.name not in form:  # not shown on this case
                continue
            value = f.default(db.session, case) if f.default else None
            if value is not None:
                getattr(form, f.name).data = value
    return form


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


def _refusal(case, move):
    """Why the current user may not make this move on this case now, or None."""
    try:
        workflow.check_actor(db.session, current_user, case, move)
        workflow.check_state(db.session, current_user, case, move)
    except ServiceError as exc:
        return exc.message
    return None


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


def _extended_due(case):
    """The due date an approval of the pending extension would set (the leader sees it first)."""
    if case.extension_state != "pending" or not case.extension_days:
        return None
    return deadlines.with_hearings(db.session, case, deadlines.extended_due(
        db.session, case.handle_base_due or case.handle_due, case.extension_days))


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
        if move not in spec.MOVES:
            abort(404)
        case = _get_case(case_id)
        if case is None:  # also when someone else's move took it out of reach: 404 leaks nothing
            abort(404)
        back = url_for("case.details_view", id=case.id)
        if request.method == "GET":
            refusal = _refusal(case, move)
            if refusal:
                flash(refusal, "danger")
                return redirect(back)
            return self._render(move, case, _make_form(move, case))

        form = _make_form(move, case, request.form)
        with saving() as result:
            workflow.perform(db.session, current_user, case, move,
                             expected_version=form.version.data or None, **_data(form))
        if result.ok:
            flash(f"已{workflow.move_label(move, case)}：{case.number}（当前状态：{case.status_label}）", "success")
            return redirect(back)
        return self._render(move, case, form, _attach_errors(form, result.errors), result.conflict)

    def _render(self, move, case, form, errors=(), conflict=False):
        label = workflow.move_label(move, case)
        checklist = workflow.close_checklist(case, session=db.session) if move == "close_request" else None
        text = disclosure.note_filter(db.session, current_user, case,
                                      disclosure.downloadable(db.session, current_user, case)).text
        return self.render("moves/form.html", move=move, title=label, case=case, form=form, text=text,
                           errors=list(errors), checklist=checklist,
                           extended_due=_extended_due(case) if move == "extend_decide" else None,
                           extension_reason=text(case.extension_reason) if case.extension_state == "pending" else "",
                           follow_up_required=checklist is not None and settings.follow_up_required(db.session),
                           submit=spec.MOVES[move].submit or "确定" + label, conflict=conflict,
                           documents=documents.available(db.session, current_user, case))

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
            refusal = "不存在或不在您的查看范围内" if case is None else _refusal(case, move)
            if refusal:
                refused.append((case, cid, refusal))
            else:
                eligible.append(case)
        if request.method == "GET":
            return self._render_bulk(move, _make_form(move, None), eligible, refused)

        form = _make_form(move, None, request.form)
        if not eligible:
            return self._render_bulk(move, form, eligible, refused, ["没有可以办理的信访事项"])
        done, failed = [], []
        with saving(conflict_message=CONFLICT + "（本次未办理任何事项）") as result:
            invalid = []
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
                raise ValidationFailed(invalid[0])  # the same bad input for every case: beside the fields
        if not result.ok:
            return self._render_bulk(move, form, eligible, refused, _attach_errors(form, result.errors))
        return self.render("moves/bulk_done.html", move=move, title=workflow.MOVE_LABELS[move],
                           done=done, failed=failed, refused=refused)

    def _render_bulk(self, move, form, eligible, refused, errors=()):
        return self.render("moves/bulk.html", move=move, title="批量" + workflow.MOVE_LABELS[move],
                           form=form, eligible=eligible, refused=refused, errors=list(errors),
                           ids=",".join(str(c.id) for c in eligible))


def register(admin):
    """Form pages for workflow moves are registered here."""
    admin.add_view(MovesView(name="办理", endpoint="moves", url="/admin/moves"))


