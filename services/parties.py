"""A party edited on the 信访人 screen is checked by registration's rules (lengths, choices, the
GB 11643 check digit of a resident ID number, the phone format) and stored normalized."""
from sqlalchemy import select

from models import Party
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
    if clean.get("phone"):
        msg = validation.check_phone(clean["phone"])
        if msg:
            err("phone", msg)
        clean["phone"] = validation.normalize_phone(clean["phone"])
    return clean, errors
