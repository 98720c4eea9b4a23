"""Every kind of input a user types, parsed and checked once, with one set of Chinese messages.

Two ways to use it:
- the plain parsers (`parse_date`, `parse_month`, `parse_int`, `parse_id`, ...) return the value
  or raise `InputError(message)`; `None`/blank gives `None` unless the field is required;
- `Fields(data)` reads several fields from a dict, collects the messages per field and raises one
  `ValidationFailed` from `done()`: the way services validate a form's worth of input.

Rules that are about the office (not about typing) live with their service, e.g. the
collective-visit threshold in services/registration.py.
"""
import re
from datetime import date, datetime

from services import ServiceError, ValidationFailed

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_ID = 2**31 - 1  # the largest id an INTEGER primary key holds on both databases
TEXT_MAX = 4000

MSG_REQUIRED = "请填写{label}"
MSG_CHOOSE = "请选择{label}"
MSG_DATE = "{label}格式不正确，应为“年-月-日”，如 2026-03-12、2026/3/12 或 2026年3月12日"
MSG_MONTH = "{label}格式不正确，应为“年-月”，如 2026-03 或 2026年3月"
MSG_YEAR_RANGE = "{label}的年份应在2000至2100年之间"
MSG_INT = "{label}应为整数"
MSG_RANGE = "{label}应在{lo}至{hi}之间"
MSG_MIN = "{label}不能小于{lo}"
MSG_MAX = "{label}不能大于{hi}"
MSG_TOO_LONG = "{label}不能超过{n}字"
MSG_CHOICE = "{label}的取值无效"
MSG_NOT_FUTURE = "{label}不能晚于今天"
MSG_NOT_BEFORE = "{label}不能早于{other}（{value:%Y-%m-%d}）"

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_TRUE = ("1", "true", "yes", "y", "on", "approve", "是")
_FALSE = ("0", "false", "no", "n", "off", "deny", "reject", "否")


class InputError(ServiceError):
    """One value could not be read; `message` says why, in Chinese."""


def blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _fail(template, **kw):
    raise InputError(template.format(**kw))


def _year_ok(year, label):
    if not MIN_YEAR <= year <= MAX_YEAR:
        _fail(MSG_YEAR_RANGE, label=label)


def parse_date(value, label="日期", required=False, bounded=True):
    """A date from a date, a datetime, '2026-03-12', '2026/3/12', '2026.3.12' or '2026年3月12日'.

    `bounded=False` leaves the year to the caller's own rule (e.g. a received date back to 1990)."""
    if blank(value):
        if required:
            _fail(MSG_REQUIRED, label=label)
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        if bounded:
            _year_ok(value.year, label)
        return value
    m = _DATE_RE.match(str(value).strip())
    if not m:
        _fail(MSG_DATE, label=label)
    try:
        out = date(*(int(g) for g in m.groups()))
    except ValueError:
        _fail(MSG_DATE, label=label)
    if bounded:
        _year_ok(out.year, label)
    return out


def parse_month(value, label="月份", required=False, bounded=True):
    """(year, month) from '2026-03', '2026-3', '2026/3' or '2026年3月'; `bounded` as parse_date."""
    if blank(value):
        if required:
            _fail(MSG_REQUIRED, label=label)
        return None
    m = _MONTH_RE.match(str(value).strip())
    if not m:
        _fail(MSG_MONTH, label=label)
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        _fail(MSG_MONTH, label=label)
    if bounded:
        _year_ok(year, label)
    return year, month


def parse_int(value, label="数值", lo=None, hi=None, required=False):
    """An integer within [lo, hi] (either bound optional)."""
    if blank(value):
        if required:
            _fail(MSG_REQUIRED, label=label)
        return None
    if isinstance(value, bool):
        _fail(MSG_INT, label=label)
    try:
        n = int(str(value).strip())
    except ValueError:
        _fail(MSG_INT, label=label)
    if lo is not None and hi is not None and not lo <= n <= hi:
        _fail(MSG_RANGE, label=label, lo=lo, hi=hi)
    if lo is not None and n < lo:
        _fail(MSG_MIN, label=label, lo=lo)
    if hi is not None and n > hi:
        _fail(MSG_MAX, label=label, hi=hi)
    return n


def parse_year(value, label="年份", required=False):
    return parse_int(value, label, MIN_YEAR, MAX_YEAR, required)


def parse_id(value):
    """A row id from request input, or None: never an int the database cannot hold."""
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if 1 <= n <= MAX_ID else None


def parse_ids(value):
    """Ids from '1,2，3', a list or one int; None marks an entry that is not a usable id."""
    if blank(value):
        return []
    if isinstance(value, (str, int)):
        value = str(value).replace("，", ",").split(",")
    return [parse_id(v) for v in value if not blank(v)]


def parse_text(value, label="内容", required=False, max_len=TEXT_MAX):
    """Stripped text; never silently truncated."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        _fail(MSG_REQUIRED, label=label)
    if len(text) > max_len:
        _fail(MSG_TOO_LONG, label=label, n=max_len)
    return text


def parse_choice(value, label, choices, required=True):
    """One of `choices` (keys of a label dict, or a sequence); blank gives None unless required."""
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            _fail(MSG_CHOOSE, label=label)
        return None
    if text not in choices:
        _fail(MSG_CHOICE, label=label)
    return text


def parse_bool(value, label, required=True):
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if not text and not required:
        return None
    _fail(MSG_CHOOSE, label=label)


class Fields:
    """Reads several fields of `data`, keeping each field's messages; `done()` raises them all.

    A field that fails reads as None, so later checks can skip it."""

    def __init__(self, data):
        self.data = data or {}
        self.errors = {}

    def add(self, key, message):
        self.errors.setdefault(key, []).append(message)

    def ok(self, key):
        return key not in self.errors

    def _read(self, key, parser, *args, **kw):
        try:
            return parser(self.data.get(key), *args, **kw)
        except InputError as exc:
            self.add(key, exc.message)
            return None

    def text(self, key, label, required=False, max_len=TEXT_MAX):
        out = self._read(key, parse_text, label, required, max_len)
        return "" if out is None else out

    def date(self, key, label, required=False, default=None, not_before=None, not_before_label="",
             allow_future=True, today=None):
        value = self._read(key, parse_date, label, False)
        if value is None and self.ok(key):
            value = default
            if value is None and required:
                self.add(key, MSG_REQUIRED.format(label=label))
        if value is None:
            return None
        if not allow_future and today is not None and value > today:
            self.add(key, MSG_NOT_FUTURE.format(label=label))
        elif not_before is not None and value < not_before:
            self.add(key, MSG_NOT_BEFORE.format(label=label, other=not_before_label, value=not_before))
        return value

    def month(self, key, label="月份", required=False):
        return self._read(key, parse_month, label, required)

    def int(self, key, label, lo=None, hi=None, required=True):
        return self._read(key, parse_int, label, lo, hi, required)

    def choice(self, key, label, choices, required=True):
        return self._read(key, parse_choice, label, choices, required)

    def bool(self, key, label, required=True):
        return self._read(key, parse_bool, label, required)

    def ids(self, key):
        return parse_ids(self.data.get(key))

    def done(self):
        if self.errors:
            raise ValidationFailed(dict(self.errors))


# C0 controls and DEL (NUL included; PostgreSQL refuses NUL in text), C1 controls, and the
# bidirectional overrides that disguise text. Tab, CR and LF are typed in multi-line fields.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MSG_CONTROL_CHARS = "输入含有不可见的控制字符（如空字符），无法处理。请删除后重新输入，或重新粘贴为纯文本。"


def has_control_chars(value):
    return bool(_CONTROL.search(value or ""))
