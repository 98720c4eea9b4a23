from flask import request
from flask_login import current_user

from models import Party, db
from models.enums import ETHNIC_GROUPS, ID_TYPES, PARTY_KINDS, SEXES
from services import access, parties
from views.base import SecureModelView
from views.trace import ChangeRowsMixin


class PartyView(ChangeRowsMixin, SecureModelView):
    screen = "party"
    change_model = "party"
    can_create = False
    can_delete = False
    column_list = ("name", "kind", "sex", "id_number", "phone", "address")
    column_labels = {"name": "姓名/名称", "kind": "类型", "sex": "性别", "birth_date": "出生日期", "ethnicity": "民族",
                     "id_type": "证件类型", "id_number": "证件号码", "phone": "联系电话",
                     "address": "住址", "hukou": "户籍地", "occupation": "职业/单位",
                     "created_at": "首次登记", "department": "本县单位（被反映单位/被反映人所在单位）"}
    column_searchable_list = ("name", "id_number", "phone")
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


def register(admin):
    admin.add_view(PartyView(Party, name="信访人", endpoint="party"))
