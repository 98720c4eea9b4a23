"""Checks for what a clerk types: 18-digit 居民身份证号 (GB 11643) and phone numbers.

Each check returns a Chinese message for the user, or None when the value is fine.
"""
import re
from datetime import date

from services.clock import today as office_today

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

ID_LENGTH = "身份证号码应为18位。"
ID_FORMAT = "身份证号码前17位应为数字，最后一位应为数字或X。"
ID_BIRTH = "身份证号码中的出生日期无效。"
ID_FUTURE = "身份证号码中的出生日期晚于今天。"
ID_CHECKSUM = "身份证号码校验位不正确，请核对。"
ID_SEX_MISMATCH = "性别与身份证号码不符（身份证号码第17位表示{sex}），请核对。"
ID_BIRTH_MISMATCH = "出生日期与身份证号码不符（身份证号码中为{born:%Y-%m-%d}），请核对。"
PHONE_BAD = "电话号码格式不正确：手机号为11位（如13912345678），固定电话如0571-88888888。"

_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Optional area code (0 + 2-3 digits, with or without a dash), a 7-8 digit number, optional extension.
_LANDLINE_RE = re.compile(r"^(?:0\d{2,3}-?)?[2-9]\d{6,7}(?:(?:-|转|ext\.?|#)\d{1,6})?$", re.I)


def normalize_id(value):
    return (value or "").strip().replace(" ", "").upper()


def id_check_char(first17):
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def id_birth_date(value):
    """The birth date encoded in an 18-digit ID number, or None."""
    value = normalize_id(value)
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def id_sex(value):
    """'M' or 'F' from the 17th digit of an 18-digit ID number (odd: male), or None."""
    value = normalize_id(value)
    return ("M" if int(value[16]) % 2 else "F") if len(value) == 18 and value[16].isdigit() else None


def check_id_number(value, today=None):
    """A Chinese message when `value` is not a valid 18-digit resident ID number, else None."""
    value = normalize_id(value)
    if len(value) != 18:
        return ID_LENGTH
    if not _ID_RE.match(value):
        return ID_FORMAT
    born = id_birth_date(value)
    if born is None or born.year < 1900:
        return ID_BIRTH
    if born > (today or office_today()):
        return ID_FUTURE
    if id_check_char(value[:17]) != value[17]:
        return ID_CHECKSUM
    return None


def normalize_phone(value):
    value = (value or "").strip().replace(" ", "").replace("（", "(").replace("）", ")")
    value = value.replace("(", "").replace(")", "-") if value.startswith("(") else value
    if value.startswith("+86"):
        value = value[3:].lstrip("-")
    return value


def check_phone(value):
    """A Chinese message when `value` is neither a mainland mobile nor a landline number, else None."""
    value = normalize_phone(value)
    if _MOBILE_RE.match(value) or _LANDLINE_RE.match(value):
        return None
    return PHONE_BAD
