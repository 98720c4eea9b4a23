from flask import abort, jsonify, request, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup

from models import Party, db
from models.enums import ETHNIC_GROUPS, ID_TYPES, PARTY_KINDS, SEXES
from services import access, parties, search
from views.base import SecureBaseView, SecureModelView
from views.trace import ChangeRowsMixin


def person_link(party_id, name):
    return Markup('<a href="{}">{}</a>').format(url_for("person.person_view", party_id=party_id), name)


class PartyView(ChangeRowsMixin, SecureModelView):
    screen = "party"
    change_model = "party"
    can_create = False
    can_delete = False
    column_list = ("name", "kind", "sex", "id_number", "phone", "address")
    column_labels = {"name": "姓名/名称", "kind": "类型", "sex": "性别", "birth_date": "出生日期", "ethnicity": "民族",
                     "id_type": "证件类型", "id_number": "证件号码", "phone": "联系电话",
                     "address": "住址", "hukou": "户籍地", "occupation": "职业/单位",
                     "created_at": "首次登记", "name_pinyin": "拼音", "name_initials": "首字母", "department": "本县单位（被反映单位/被反映人所在单位）"}
    column_searchable_list = ("name", "name_pinyin", "name_initials", "id_number", "phone")
    column_choices = {"kind": list(PARTY_KINDS.items()), "sex": list(SEXES.items()),
                      "id_type": list(ID_TYPES.items())}
    # department: the link the 检举控告 rules follow for an accused unit or person (services/access.py).
    form_columns = ("name", "sex", "birth_date", "ethnicity", "id_type", "id_number", "phone", "address", "hukou",
                    "occupation", "department")
    form_choices = {"sex": list(SEXES.items()), "id_type": list(ID_TYPES.items()),
                    "ethnicity": [(e, e) for e in ETHNIC_GROUPS]}
    form_args = {"sex": {"label": "性别"}, "id_type": {"label": "证件类型"}}
    # Only office staff reach this screen today (VIEW_RIGHTS["party"]); should another role be
    # given it, access.scope_filter limits rows to parties of cases in reach whose identity the
    # role may know (an accuser appearing only in accusations stays hidden), and numbers mask.
    column_formatters = {
        "name": lambda v, c, m, n: person_link(m.id, m.name),
        "id_number": lambda v, c, m, n: access.party_numbers(current_user, m)[0],
        "phone": lambda v, c, m, n: access.party_numbers(current_user, m)[1],
    }

    def _checked(self, form):
        typed = {f.name: f.data for f in form if f.name in self.form_columns}
        return parties.check(db.session, typed, access.parse_id(request.args.get("id")))

    def validate_form(self, form):
        """Registration's rules (ID check digit, phone format ...): a bad value is a message on its
        field and nothing is saved."""
        ok = super().validate_form(form)
        if request.method != "POST":
            return ok
        _clean, errors = self._checked(form)
        for name, messages in errors.items():
            getattr(form, name).errors = list(getattr(form, name).errors or ()) + messages
        return ok and not errors

    def on_model_change(self, form, model, is_created):
        clean, _errors = self._checked(form)
        for name, value in clean.items():
            setattr(model, name, value)


class PersonView(SecureBaseView):
    """信访人 page: one person's cases in the viewer's reach, their reception visits and packages;
    and the JSON hint the registration and reception forms ask while a clerk types."""
    screen = "person"

    def is_visible(self):
        return False

    @expose("/")
    def index(self):
        abort(404)

    @expose("/<int:party_id>/")
    def person_view(self, party_id):
        party = db.session.get(Party, party_id)
        # a person out of reach answers as one that does not exist (as the case page does): a
        # 403 would tell which ids are people
        if party is None or not search.may_open_person(db.session, current_user, party):
            abort(404)
        return self.render("parties/person.html", page=search.person_page(db.session, current_user, party))

    @expose("/hint/")
    def hint(self):
        """{"total", "open", "text", "cases": [{"number", "status", "open", "url"}]}: the typed
        person's cases (by ID number, or name + phone) that the clerk may see."""
        if not access.may_move(db.session, current_user, "register"):
            abort(403)
        args = request.args
        found = search.registration_hint(db.session, current_user, args.get("id_number", ""),
                                         args.get("name", ""), args.get("phone", ""))
        text = f"该信访人已有{found['total']}件信访事项（其中{found['open']}件在办）" if found["total"] else ""
        resp = jsonify(total=found["total"], open=found["open"], text=text, cases=[
            {"number": number, "status": status, "open": is_open,
             "url": url_for("case.details_view", id=case_id)}
            for case_id, number, status, is_open in found["cases"]])
        resp.headers["Cache-Control"] = "no-store"
        return resp


def register(admin):
    admin.add_view(PartyView(Party, name="信访人", endpoint="party"))
    admin.add_view(PersonView(name="信访人档案", endpoint="person", url="/admin/person"))
