"""The clock past the published calendar: 2027 has no State Council notice yet, so it counts the
law's statutory days (全国年节及纪念日放假办法 as amended 2024), 暂定, until the notice is entered.

Hand-checked 2027 statutory days (lunar-python, checked against lunardate and against
chinese-calendar's solar terms for 清明):
  元旦 01-01 (Fri)
  春节 4 days from 除夕: 除夕 02-05 (Fri), 正月初一 02-06 (Sat), 初二 02-07 (Sun), 初三 02-08 (Mon)
  清明 04-05 (Mon); 劳动节 05-01 (Sat), 05-02 (Sun); 端午 06-09 (Wed); 中秋 09-15 (Wed)
  国庆 10-01 (Fri), 10-02 (Sat), 10-03 (Sun)
No 调休 is guessed: a statutory day on a weekend adds nothing and weekends stay rest days.
"""
from datetime import date

import pytest
from lunar_python import Lunar, Solar
from sqlalchemy import func, select

from models import Case, Holiday, HolidayYear, db
from services import deadlines, holidays, settings
from services.clock import office_day
from tests.services.test_workflow import build_office, make_case

D = date

HAND_2027 = {
    D(2027, 1, 1): "元旦",
    D(2027, 2, 5): "春节", D(2027, 2, 6): "春节", D(2027, 2, 7): "春节", D(2027, 2, 8): "春节",
    D(2027, 4, 5): "清明节",
    D(2027, 5, 1): "劳动节", D(2027, 5, 2): "劳动节",
    D(2027, 6, 9): "端午节",
    D(2027, 9, 15): "中秋节",
    D(2027, 10, 1): "国庆节", D(2027, 10, 2): "国庆节", D(2027, 10, 3): "国庆节",
}


def test_the_lunar_library_gives_the_2027_lunar_dates():
    assert Solar.fromYmd(2027, 2, 6).getLunar().toString() == "二〇二七年正月初一"
    assert Lunar.fromYmd(2027, 1, 1).getSolar().toYmd() == "2027-02-06"
    assert Lunar.fromYmd(2027, 5, 5).getSolar().toYmd() == "2027-06-09"
    assert Lunar.fromYmd(2027, 8, 15).getSolar().toYmd() == "2027-09-15"
    assert Lunar.fromYmd(2027, 3, 1).getJieQiTable()["清明"].toYmd() == "2027-04-05"


def test_the_provisional_2027_calendar_is_the_laws_days():
    assert holidays.statutory_days(2027) == HAND_2027


def test_before_2025_the_older_law_3_days_of_spring_festival_and_one_may_day():
    days = holidays.statutory_days(2024)
    assert sorted(d for d, n in days.items() if n == "春节") == [D(2024, 2, 10), D(2024, 2, 11), D(2024, 2, 12)]
    assert [d for d, n in days.items() if n == "劳动节"] == [D(2024, 5, 1)]


@pytest.fixture
def cal(app):
    return deadlines.load_calendar(db.session)


def test_2027_counts_the_statutory_days_and_says_so(cal, app):
    for day in HAND_2027:
        assert not cal.is_working_day(day), day
        assert cal.is_provisional(day)
    assert cal.is_working_day(D(2027, 2, 4)) and cal.is_working_day(D(2027, 2, 9))
    assert not cal.is_working_day(D(2027, 2, 13))  # an ordinary Saturday: no 调休 guessed
    assert not cal.is_provisional(D(2026, 12, 31))
    assert deadlines.provisional_years(db.session, [2026, 2027]) == [2027]


def test_a_2027_due_date_on_new_year_or_spring_festival_moves_to_the_next_working_day(app):
    # calendar days: 2026-11-02 + 60 = 2027-01-01 (元旦, Fri) -> Sat 01-02, Sun 01-03 -> Mon 01-04
    assert deadlines.handle_due(db.session, D(2026, 11, 2)) == D(2027, 1, 4)
    # 2026-12-07 + 60 = 2027-02-05 (除夕, Fri) -> 02-06 .. 02-08 春节 (Sat, Sun, Mon 初三) -> Tue 02-09
    assert deadlines.handle_due(db.session, D(2026, 12, 7)) == D(2027, 2, 9)
    # 15 days: 2027-01-22 + 15 = 02-06 (初一, Sat) -> Tue 02-09
    assert deadlines.accept_due(db.session, D(2027, 1, 22)) == D(2027, 2, 9)


def test_a_working_day_clock_across_spring_festival_2027(app):
    settings.set_value(db.session, "clock_accept_mode", "working")
    # 受理告知 15 working days after Fri 2027-01-29:
    # 02-01 Mon (1) 02 (2) 03 (3) Thu 04 (4) | 05 除夕, 06 Sat, 07 Sun, 08 Mon 初三: off |
    # 09 Tue (5) 10 (6) 11 (7) Fri 12 (8) | 15 Mon (9) .. Fri 19 (13) | 22 Mon (14) Tue 23 (15)
    assert deadlines.accept_due(db.session, D(2027, 1, 29)) == D(2027, 2, 23)
    # (by weekends alone it would have been Fri 02-19)


def test_the_due_soon_window_uses_the_same_calendar(app):
    o = build_office(db.session)
    soon = make_case(db.session, o, "handling", handle_due=D(2027, 1, 5), handle_base_due=D(2027, 1, 5))
    later = make_case(db.session, o, "handling", handle_due=D(2027, 1, 6), handle_base_due=D(2027, 1, 6))
    db.session.commit()
    cal = deadlines.load_calendar(db.session)
    # Wed 2026-12-30 + 3 working days: Thu 12-31 (1), [01-01 元旦 暂定, Sat, Sun], Mon 01-04 (2), Tue 01-05 (3)
    assert deadlines.due_soon_cutoff(cal, D(2026, 12, 30), 3) == D(2027, 1, 5)
    assert cal.is_provisional(D(2027, 1, 5))
    with office_day(D(2026, 12, 30)):
        ids = set(db.session.execute(select(Case.id).where(deadlines.due_soon_filter(db.session))).scalars())
        assert deadlines.due_state(soon.handle_due, cal).state == "due_soon"
        assert deadlines.due_state(later.handle_due, cal).state == "ok"
    assert soon.id in ids and later.id not in ids


def test_the_notice_replaces_the_provisional_days_and_open_cases_are_recomputed(app):
    o = build_office(db.session)
    case = make_case(db.session, o, "handling", accepted_on=D(2026, 12, 7),
                     handle_due=D(2027, 2, 9), handle_base_due=D(2027, 2, 9))
    db.session.commit()
    # a made-up 2027 notice, entered in full: 春节 02-05 .. 02-13 off, 01-31 and 02-20 worked; one
    # day for each other festival, and 国庆 made up as 10-04 .. 10-08
    marks = {D(2027, 2, d): "holiday" for d in range(5, 14)}
    marks.update({D(2027, 1, 31): "workday", D(2027, 2, 20): "workday"})
    marks.update({d: "holiday" for d in (D(2027, 1, 1), D(2027, 4, 5), D(2027, 5, 1), D(2027, 6, 9),
                                         D(2027, 9, 15))})
    marks.update({D(2027, 10, d): "holiday" for d in range(4, 9)})
    assert holidays.save_year(db.session, 2027, marks, {}, complete=True) == (19, 2)
    assert deadlines.recompute_open_cases(db.session) == 1
    db.session.commit()
    # 2026-12-07 + 60 = 02-05, off until Sat 02-13; Sun 02-14 -> Mon 2027-02-15
    assert case.handle_due == D(2027, 2, 15)
    cal = deadlines.load_calendar(db.session)
    assert not cal.is_provisional(case.handle_due)
    # a complete year is the notice's days only: the law's 国庆 10-01 (Fri) is no longer added
    assert db.session.execute(select(Holiday.name).where(Holiday.day == D(2027, 10, 4))).scalar() == "国庆节"
    assert cal.is_working_day(D(2027, 10, 1))
    assert cal.is_working_day(D(2027, 1, 31))             # Sunday, 调休上班
    assert db.session.execute(select(Holiday.name).where(Holiday.day == D(2027, 2, 5))).scalar() == "春节"
    assert db.session.get(HolidayYear, 2027).complete


def test_rows_entered_without_marking_the_year_complete_keep_the_law_for_the_rest(app):
    holidays.save_year(db.session, 2027, {D(2027, 2, 9): "holiday"}, {}, complete=False)
    db.session.commit()
    cal = deadlines.load_calendar(db.session)
    assert not cal.is_working_day(D(2027, 2, 9))          # the entered day
    assert not cal.is_working_day(D(2027, 10, 1))         # the law's day, still 暂定
    assert cal.is_provisional(D(2027, 10, 1))
    assert deadlines.provisional_years(db.session, [2027]) == [2027]
    assert db.session.execute(select(func.count()).select_from(Holiday).where(
        Holiday.day >= D(2027, 1, 1))).scalar() == 1


def test_a_year_missing_festivals_is_not_marked_complete_and_nothing_is_stored(app):
    from services import ValidationFailed
    marks = {D(2027, 2, d): "holiday" for d in range(5, 14)}
    with pytest.raises(ValidationFailed, match="2027年尚缺元旦、清明节、劳动节、端午节、中秋节、国庆节的放假日期"):
        holidays.save_year(db.session, 2027, marks, {}, complete=True)
    db.session.rollback()
    assert db.session.get(HolidayYear, 2027) is None
    cal = deadlines.load_calendar(db.session)
    assert not cal.is_working_day(D(2027, 10, 1)) and cal.is_provisional(D(2027, 10, 1))
