from flask_login import current_user

from models import Party
from models.enums import ID_TYPES, PARTY_KINDS, SEXES
from services import access
from views.base import SecureModelView


class PartyView(SecureModelView):
    screen = "party"
    can_create = False
    can_delete = False
    column_list = ("name", "kind", "sex", "id_number", "phone", "address")
    column_labels = {"name": "姓名/名称", "kind": "类型", "sex": "性别", "ethnicity": "民族",
                     "id_type": "证件类型", "id_number": "证件号码", "phone": "联系电话",
                     "address": "住址", "hukou": "户籍地", "occupation": "职业/单位",
                     "created_at": "首次登记", "department": "本县单位（被反映单位/被反映人所在单位）"}
    column_searchable_list = ("name", "id_number", "phone")
    column_choices = {"kind": list(PARTY_KINDS.items()), "sex": list(SEXES.items()),
                      "id_type": list(ID_TYPES.items())}
    # department: the link the 检举控告 rules follow for an accused unit or person (services/access.py).
    form_columns = ("name", "sex", "ethnicity", "phone", "address", "hukou", "occupation", "department")
    # Only office staff reach this screen today (VIEW_RIGHTS["party"]); should another role be
    # given it, access.scope_filter limits rows to parties of cases in reach whose identity the
    # role may know (an accuser appearing only in accusations stays hidden), and numbers mask.
    column_formatters = {
        "id_number": lambda v, c, m, n: access.party_numbers(current_user, m)[0],
        "phone": lambda v, c, m, n: access.party_numbers(current_user, m)[1],
    }


def register(admin):
    admin.add_view(PartyView(Party, name="信访人", endpoint="party"))
