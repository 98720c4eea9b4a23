"""Typed office settings on top of the key/value Setting table."""
from sqlalchemy import select

from models import Setting
from services import txcache

DEFAULTS = {
    "office_name": "示范县信访局",
    "number_prefix": "",
    # Per-clock day mode: calendar (自然日) or working (工作日).
    "clock_accept_mode": "calendar",
    "clock_handle_mode": "calendar",
    "clock_extend_mode": "calendar",
    "clock_review_mode": "calendar",
    "due_soon_working_days": "3",
    # "1": a 回访 with its satisfaction rating is required before a close request.
    "follow_up_required": "0",
    # 再信访率: a new petition on the same matter within this many days after closing.
    "repeat_window_days": "90",
    "backup_max_age_days": "30",  # the dashboard warns when the last good backup is older
    # 信访积案排查登记表: an open case older than this many days is listed.
    "backlog_days": "90",
    # 文号 of printed documents: {类} the document's kind (告, 交, 督, 复), {年} the year, {号} the running number.
    "doc_number_format": "示信{类}〔{年}〕{号}号",
}

YES_NO = {"0": "否", "1": "是"}

LABELS = {
    "office_name": "单位名称",
    "number_prefix": "编号前缀",
    "clock_accept_mode": "受理告知期限计算方式",
    "clock_handle_mode": "办理期限计算方式",
    "clock_extend_mode": "延期期限计算方式",
    "clock_review_mode": "复查复核期限计算方式",
    "due_soon_working_days": "临期提醒（工作日）",
    "follow_up_required": "申请结案前须回访",
    "repeat_window_days": "再信访统计期（日）",
    "backup_max_age_days": "备份提醒周期（天）",
    "backlog_days": "积案排查期限（日）",
    "doc_number_format": "文书文号格式",
}


def get(session, key):
    """The stored value or the default; every row read once per transaction (services/txcache)."""
    stored = txcache.cached(session, ALL.key, ALL.models, lambda: dict(
        session.execute(select(Setting.key, Setting.value)).all()))
    return stored[key] if key in stored else DEFAULTS[key]


# Every stored setting as a part of txcache.load_together (values are text already).
ALL = txcache.Part("xf_settings", (Setting,), lambda: [select(Setting.key, Setting.value)],
                   lambda rows: {k: v for k, v, _x in rows})


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


def follow_up_required(session):
    return get(session, "follow_up_required") == "1"


def backlog_days(session):
    try:
        return int(get(session, "backlog_days"))
    except ValueError:
        return int(DEFAULTS["backlog_days"])


def repeat_window_days(session):
    try:
        return int(get(session, "repeat_window_days"))
    except ValueError:
        return int(DEFAULTS["repeat_window_days"])


# ---- what an admin types on the 单位设置 page ------------------------------------------------

DUE_SOON_MAX = 30  # working days of warning at most
CLOCK_MODE_KEYS = ("clock_accept_mode", "clock_handle_mode", "clock_extend_mode", "clock_review_mode")
MSG_PREFIX = "编号前缀不超过10个字符，且不能含空格"
MSG_MODE = "请选择自然日或工作日"
MSG_DUE_SOON = f"请填写0至{DUE_SOON_MAX}之间的整数"
REPEAT_WINDOW_MAX = 3650
MSG_REPEAT_WINDOW = f"请填写1至{REPEAT_WINDOW_MAX}之间的整数"
MSG_YES_NO = "请选择是或否"
MSG_DOC_FORMAT = "文号格式须含{号}（当年序号），可含{类}、{年}，不超过40个字符"


def read_due_soon(value):
    """The due-soon warning in working days (0..DUE_SOON_MAX); raises InputError."""
    from services.inputs import parse_int
    return parse_int(value, LABELS["due_soon_working_days"], 0, DUE_SOON_MAX, required=True)


def check(data):
    """The settings typed (a dict of DEFAULTS' keys) -> {key: stripped text}; raises
    ValidationFailed with the messages per field. Stores nothing."""
    from models.enums import DAY_MODES
    from services.inputs import Fields, InputError, parse_choice, parse_int

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
    # Left out of the form (an older page): the stored value stays.
    if data.get("follow_up_required") not in (None, ""):
        try:
            values["follow_up_required"] = parse_choice(data.get("follow_up_required"),
                                                        LABELS["follow_up_required"], YES_NO)
        except InputError:
            fields.add("follow_up_required", MSG_YES_NO)
    if data.get("repeat_window_days") not in (None, ""):
        try:
            values["repeat_window_days"] = str(parse_int(data.get("repeat_window_days"),
                                                         LABELS["repeat_window_days"], 1, REPEAT_WINDOW_MAX))
        except InputError:
            fields.add("repeat_window_days", MSG_REPEAT_WINDOW)
    if data.get("backlog_days") not in (None, ""):
        try:
            values["backlog_days"] = str(parse_int(data.get("backlog_days"), LABELS["backlog_days"], 1,
                                                   REPEAT_WINDOW_MAX))
        except InputError:
            fields.add("backlog_days", MSG_REPEAT_WINDOW)
    if data.get("doc_number_format") not in (None, ""):
        fmt = fields.text("doc_number_format", LABELS["doc_number_format"], max_len=40)
        if fields.ok("doc_number_format") and "{号}" not in fmt:
            fields.errors["doc_number_format"] = [MSG_DOC_FORMAT]
        values["doc_number_format"] = fmt
    fields.done()
    return values


def save(session, data):
    """Check and store the settings typed; raises ValidationFailed and stores nothing on bad input."""
    for key, value in check(data).items():
        set_value(session, key, value)
