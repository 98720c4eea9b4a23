"""A party edited on the 信访人 screen is checked by registration's rules (lengths, choices, the
GB 11643 check digit of a resident ID number, the phone format) and stored normalized."""
from datetime import date

from sqlalchemy import select

from models import Party
from models.enums import SEXES
from services import inputs, validation
from services.clock import today as office_today
from services.inputs import InputError
from services.registration import MSG_NAME, PARTY_CHOICES, PARTY_LIMITS

MSG_ID_TAKEN = "该证件号码已登记为另一信访人，请核对（同一人只应有一条记录）。"


def check(session, values, party_id=None, today=None):
    """(cleaned values, {field: [messages]}) for the fields typed (a dict; absent fields are not
    checked). Stores nothing."""
    errors, clean = {}, {}

    def err(name, msg):
        errors.setdefault(name, []).append(msg)

    for name, (label, limit) in PARTY_LIMITS.items():
        if name in values:
            try:
                clean[name] = inputs.parse_text(values[name], label, max_len=limit) or None
            except InputError as exc:
                err(name, exc.message)
    for name, (label, choices, required) in PARTY_CHOICES.items():
        if name in values:
            try:
                clean[name] = inputs.parse_choice(values[name], label, choices, required)
            except InputError as exc:
                err(name, exc.message)
    if "name" in values and not clean.get("name") and "name" not in errors:
        err("name", MSG_NAME)
    if clean.get("id_number"):
        clean["id_number"] = validation.normalize_id(clean["id_number"])
        id_type = clean.get("id_type", values.get("id_type", "resident"))
        msg = validation.check_id_number(clean["id_number"], today or office_today()) \
            if id_type == "resident" else None
        if msg is None and session.execute(select(Party.id).where(
                Party.id_number == clean["id_number"], Party.id != (party_id or 0))).first():
            msg = MSG_ID_TAKEN
        if msg:
            err("id_number", msg)
        elif id_type == "resident":
            _agrees_with_id(clean["id_number"], clean.get("sex"), values.get("birth_date"), err)
    if clean.get("phone"):
        msg = validation.check_phone(clean["phone"])
        if msg:
            err("phone", msg)
        clean["phone"] = validation.normalize_phone(clean["phone"])
    return clean, errors


def _agrees_with_id(id_number, sex, born, err):
    """Registration's rule: a 性别 or 出生日期 typed next to a valid 18-digit ID number must be the
    one the number encodes (blank ones are left as typed)."""
    id_sex, id_born = validation.id_sex(id_number), validation.id_birth_date(id_number)
    if sex in SEXES and id_sex and sex != id_sex:
        err("sex", validation.ID_SEX_MISMATCH.format(sex=SEXES[id_sex]))
    if isinstance(born, date) and id_born and born != id_born:
        err("birth_date", validation.ID_BIRTH_MISMATCH.format(born=id_born))
