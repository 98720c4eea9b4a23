"""services/inputs.py: every way a clerk writes a date or a month, and the messages they read."""
from datetime import date

import pytest

from services import ValidationFailed
from services.inputs import (Fields, InputError, parse_bool, parse_choice, parse_date, parse_id,
                             parse_ids, parse_int, parse_month, parse_text, parse_year)


@pytest.mark.parametrize("text", ["2026-03-12", "2026/3/12", "2026.3.12", "2026年3月12日",
                                  " 2026年03月12日 ", "2026-3-12"])
def test_dates_as_clerks_write_them(text):
    assert parse_date(text) == date(2026, 3, 12)


@pytest.mark.parametrize("text", ["2026-02-30", "12/03/2026", "明天", "2026-13-01", "20260312"])
def test_bad_dates_name_the_field_and_the_forms(text):
    with pytest.raises(InputError) as exc:
        parse_date(text, "收件日期")
    assert exc.value.message == ("收件日期格式不正确，应为“年-月-日”，如 2026-03-12、2026/3/12 或 "
                                 "2026年3月12日")


def test_dates_outside_2000_2100_are_refused():
    with pytest.raises(InputError) as exc:
        parse_date("1999-12-31", "答复日期")
    assert exc.value.message == "答复日期的年份应在2000至2100年之间"
    with pytest.raises(InputError):
        parse_date(date(2101, 1, 1))


def test_blank_date_is_none_unless_required():
    assert parse_date("  ") is None
    with pytest.raises(InputError) as exc:
        parse_date("", "受理日期", required=True)
    assert exc.value.message == "请填写受理日期"


@pytest.mark.parametrize("text,expected", [("2026-03", (2026, 3)), ("2026-3", (2026, 3)),
                                           ("2026/3", (2026, 3)), ("2026年3月", (2026, 3))])
def test_months(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["2026-13", "2026", "3月", "1999-01", "9999-01"])
def test_bad_months(text):
    with pytest.raises(InputError):
        parse_month(text)


def test_integers_and_ranges():
    assert parse_int(" 12 ", "页数", 1, 100) == 12
    with pytest.raises(InputError) as exc:
        parse_int("0", "延期天数", 1, 30)
    assert exc.value.message == "延期天数应在1至30之间"
    with pytest.raises(InputError) as exc:
        parse_int("十", "人数", 1)
    assert exc.value.message == "人数应为整数"
    with pytest.raises(InputError) as exc:
        parse_int("-3", "人数", lo=1)
    assert exc.value.message == "人数不能小于1"
    assert parse_year("2026") == 2026
    with pytest.raises(InputError):
        parse_year("2200")


def test_ids_never_exceed_the_database():
    assert parse_id("42") == 42
    assert parse_id("99999999999999999999") is None
    assert parse_id("0") is None and parse_id("x") is None and parse_id(None) is None
    assert parse_ids("1，2,x") == [1, 2, None]


def test_text_is_never_truncated():
    assert parse_text("  abc ") == "abc"
    with pytest.raises(InputError) as exc:
        parse_text("字" * 11, "备注", max_len=10)
    assert exc.value.message == "备注不能超过10字"


def test_choice_and_bool():
    assert parse_choice("a", "方式", {"a": "甲"}) == "a"
    with pytest.raises(InputError) as exc:
        parse_choice("z", "方式", {"a": "甲"})
    assert exc.value.message == "方式的取值无效"
    assert parse_bool("1", "审批结果") is True and parse_bool("0", "审批结果") is False
    with pytest.raises(InputError) as exc:
        parse_bool("", "审批结果")
    assert exc.value.message == "请选择审批结果"


def test_fields_collects_every_message_then_raises_once():
    f = Fields({"on": "2026/3/40", "days": "99", "why": ""})
    assert f.date("on", "告知日期") is None
    assert f.int("days", "延期天数", 1, 30) is None
    assert f.text("why", "理由", required=True) == ""
    with pytest.raises(ValidationFailed) as exc:
        f.done()
    assert set(exc.value.errors) == {"on", "days", "why"}
    assert exc.value.errors["why"] == ["请填写理由"]


def test_fields_date_bounds():
    f = Fields({"on": "2026-01-01"})
    assert f.date("on", "答复日期", not_before=date(2026, 2, 1), not_before_label="受理日期") == date(2026, 1, 1)
    assert f.errors["on"] == ["答复日期不能早于受理日期（2026-02-01）"]
    f = Fields({"on": "2026-12-31"})
    f.date("on", "答复日期", allow_future=False, today=date(2026, 11, 20))
    assert f.errors["on"] == ["答复日期不能晚于今天"]
