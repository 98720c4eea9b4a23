"""ID numbers (GB 11643) and phone numbers as a clerk types them."""
from datetime import date

import pytest

from services.validation import check_id_number, check_phone, id_birth_date, id_check_char

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize("value", [
    "11010519491231002X",   # the standard's own example, check character X
    "110105194912310021"[:17] + id_check_char("11010519491231002"),
    "44052419800101001" + id_check_char("44052419800101001"),
    "11010519491231002x",   # lower-case x is accepted
    " 11010519491231002X ",
])
def test_valid_id_numbers(value):
    assert check_id_number(value, TODAY) is None


def test_check_digit_algorithm_matches_known_numbers():
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("44052418800101001") == "4"
    assert id_birth_date("11010519491231002X") == date(1949, 12, 31)


@pytest.mark.parametrize("value,message", [
    ("", "身份证号码应为18位。"),
    ("1101051949123100", "身份证号码应为18位。"),
    ("11010519491231002X1", "身份证号码应为18位。"),
    ("1101051949123100AX", "身份证号码前17位应为数字，最后一位应为数字或X。"),
    ("11010519491331002" + id_check_char("11010519491331002"), "身份证号码中的出生日期无效。"),
    ("11010520230229002" + id_check_char("11010520230229002"), "身份证号码中的出生日期无效。"),
    ("11010518001231002" + id_check_char("11010518001231002"), "身份证号码中的出生日期无效。"),
    ("11010520261121002" + id_check_char("11010520261121002"), "身份证号码中的出生日期晚于今天。"),
    ("110105194912310021", "身份证号码校验位不正确，请核对。"),
])
def test_invalid_id_numbers(value, message):
    assert check_id_number(value, TODAY) == message


def test_leap_day_birth_is_valid():
    first = "11010520000229002"
    assert check_id_number(first + id_check_char(first), TODAY) is None


@pytest.mark.parametrize("value", [
    "13912345678", "19987654321", "+86 139 1234 5678", "0571-88888888", "057188888888", "88888888",
    "0394-5212345", "0571-88888888-123", "0571-88888888转806", "(0571)88888888", "010-62345678",
])
def test_valid_phones(value):
    assert check_phone(value) is None


@pytest.mark.parametrize("value", [
    "1234567", "12912345678", "1391234567", "139123456789", "abc", "0571-888", "0571-88888888-1234567",
    "08888888", "139-1234-5678x",
])
def test_invalid_phones(value):
    assert check_phone(value) == "电话号码格式不正确：手机号为11位（如13912345678），固定电话如0571-88888888。"
