"""Typed office settings on top of the key/value Setting table."""
from models import Setting

DEFAULTS = {
    "office_name": "示范县信访局",
    "number_prefix": "",
    # Per-clock day mode: calendar (自然日) or working (工作日).
    "clock_accept_mode": "calendar",
    "clock_handle_mode": "calendar",
    "clock_extend_mode": "calendar",
    "clock_review_mode": "calendar",
    "due_soon_working_days": "3",
    "backup_max_age_days": "30",  # the dashboard warns when the last good backup is older
}

LABELS = {
    "office_name": "单位名称",
    "number_prefix": "编号前缀",
    "clock_accept_mode": "受理告知期限计算方式",
    "clock_handle_mode": "办理期限计算方式",
    "clock_extend_mode": "延期期限计算方式",
    "clock_review_mode": "复查复核期限计算方式",
    "due_soon_working_days": "临期提醒（工作日）",
    "backup_max_age_days": "备份提醒周期（天）",
}


def get(session, key):
    row = session.get(Setting, key)
    return row.value if row is not None else DEFAULTS[key]


def set_value(session, key, value):
    if key not in DEFAULTS:
        raise KeyError(key)
    row = session.get(Setting, key)
    if row is None:
        row = Setting(key=key, value=str(value))
        session.add(row)
    else:
        row.value = str(value)


def office_name(session):
    return get(session, "office_name")


# ---- what an admin types on the 单位设置 page ------------------------------------------------

DUE_SOON_MAX = 30  # working days of warning at most
CLOCK_MODE_KEYS = ("clock_accept_mode", "clock_handle_mode", "clock_extend_mode", "clock_review_mode")
MSG_PREFIX = "编号前缀不超过10个字符，且不能含空格"
MSG_MODE = "请选择自然日或工作日"
MSG_DUE_SOON = f"请填写0至{DUE_SOON_MAX}之间的整数"


def read_due_soon(value):
    """The due-soon warning in working days (0..DUE_SOON_MAX); raises InputError."""
    from services.inputs import parse_int
    return parse_int(value, LABELS["due_soon_working_days"], 0, DUE_SOON_MAX, required=True)


def check(data):
    """The settings typed (a dict of DEFAULTS' keys) -> {key: stripped text}; raises
    ValidationFailed with the messages per field. Stores nothing."""
    from models.enums import DAY_MODES
    from services.inputs import Fields, InputError, parse_choice

    fields = Fields(data)
    values = {"office_name": fields.text("office_name", LABELS["office_name"], required=True, max_len=100)}
    prefix = fields.text("number_prefix", LABELS["number_prefix"], max_len=10)
    if not fields.ok("number_prefix") or any(ch.isspace() for ch in prefix):
        fields.errors["number_prefix"] = [MSG_PREFIX]
    values["number_prefix"] = prefix
    for key in CLOCK_MODE_KEYS:
        try:
            values[key] = parse_choice(data.get(key), LABELS[key], DAY_MODES)
        except InputError:
            fields.add(key, MSG_MODE)
    try:
        values["due_soon_working_days"] = str(read_due_soon(data.get("due_soon_working_days")))
    except InputError:
        fields.add("due_soon_working_days", MSG_DUE_SOON)
    fields.done()
    return values


def save(session, data):
    """Check and store the settings typed; raises ValidationFailed and stores nothing on bad input."""
    for key, value in check(data).items():
        set_value(session, key, value)
