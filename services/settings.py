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
}

LABELS = {
    "office_name": "单位名称",
    "number_prefix": "编号前缀",
    "clock_accept_mode": "受理告知期限计算方式",
    "clock_handle_mode": "办理期限计算方式",
    "clock_extend_mode": "延期期限计算方式",
    "clock_review_mode": "复查复核期限计算方式",
    "due_soon_working_days": "临期提醒（工作日）",
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
