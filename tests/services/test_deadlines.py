"""The statutory clock: worked examples, dates counted by hand from the 2026 calendar.

2026 (State Council notice, checked against chinese_calendar):
  Spring Festival holiday 02-15 (Sun) .. 02-23 (Mon); make-up working days 02-14 (Sat), 02-28 (Sat)
  Mid-autumn 09-25 .. 09-27; National Day 10-01 .. 10-07; make-up working days 09-20 (Sun), 10-10 (Sat)
  2027: no notice yet -> the law's statutory days, 暂定 (tests/services/test_provisional_calendar.py).
Office today is 2026-11-20 (Fri).
"""
from datetime import date

import pytest
from sqlalchemy import select

from models import Case, Holiday, db
from services import deadlines, settings, workflow
from tests.services.test_workflow import build_office, make_case

D = date


@pytest.fixture
def cal(app):
    return deadlines.load_calendar(db.session)


def test_calendar_knows_2026_from_chinese_calendar(cal):
    assert not cal.is_working_day(D(2026, 2, 16))       # 春节
    assert cal.is_working_day(D(2026, 2, 14))           # Saturday, 调休上班
    assert cal.is_working_day(D(2026, 9, 20))           # Sunday, 调休上班
    assert not cal.is_working_day(D(2026, 10, 5))       # 国庆
    assert cal.is_working_day(D(2026, 10, 10))          # Saturday, 调休上班
    assert not cal.is_working_day(D(2027, 1, 2))        # 2027 Saturday: weekend rule
    assert not cal.is_working_day(D(2027, 1, 1))        # 2027 元旦 not entered yet: the law's day, 暂定
    assert cal.is_provisional(D(2027, 1, 1)) and not cal.is_provisional(D(2026, 12, 31))


def test_received_just_before_spring_festival(app):
    # 2026-02-06 (Fri) + 15 = 02-21 (Sat, in the holiday) -> 02-22, 02-23 holiday -> Tue 02-24
    assert deadlines.accept_due(db.session, D(2026, 2, 6)) == D(2026, 2, 24)


def test_due_date_on_make_up_saturday_stays(app):
    # 2026-02-13 (Fri) + 15 = 02-28, a Saturday that is a make-up working day: it stays
    assert deadlines.accept_due(db.session, D(2026, 2, 13)) == D(2026, 2, 28)


def test_working_day_clock_from_make_up_saturday(app):
    settings.set_value(db.session, "clock_accept_mode", "working")
    # after Sat 02-14: 02-24 (1) 25 26 27, Sat 28 (5), 03-02 .. 03-06 (10), 03-09 .. 03-13 (15)
    assert deadlines.accept_due(db.session, D(2026, 2, 14)) == D(2026, 3, 13)


def test_working_day_clock_across_national_day(app):
    settings.set_value(db.session, "clock_accept_mode", "working")
    # after Fri 09-18: Sun 09-20 (1, 调休), 21 22 23 24 (5), [25-27 中秋], 28 29 30 (8),
    # [10-01..07 国庆], 10-08 (9), 10-09 (10), Sat 10-10 (11, 调休), 12 13 14 15 (15)
    assert deadlines.accept_due(db.session, D(2026, 9, 18)) == D(2026, 10, 15)
    # 2026-09-28 (Mon): 29 (1) 30 (2) 10-08 (3) 09 (4) Sat 10 (5) 12..16 (10) 19..23 (15)
    assert deadlines.accept_due(db.session, D(2026, 9, 28)) == D(2026, 10, 23)


def test_calendar_day_handling_clock_rolls_over_national_day(app):
    # 2026-08-03 + 60 = 10-02 (Fri, 国庆) -> 10-03..07 holiday -> Thu 10-08
    assert deadlines.handle_due(db.session, D(2026, 8, 3)) == D(2026, 10, 8)


def test_extension_on_top_of_a_roll_over(app):
    # the old due date is the rolled 10-08; + 30 = 11-07 (Sat) -> Mon 11-09
    assert deadlines.extended_due(db.session, D(2026, 10, 8), 30) == D(2026, 11, 9)
    o = build_office(db.session)
    c = make_case(db.session, o, "handling", accepted_on=D(2026, 8, 3),
                  handle_due=D(2026, 10, 8), handle_base_due=D(2026, 10, 8))
    workflow.perform(db.session, o.handler1, c, "extend_request", days=30, reason="需司法鉴定")
    workflow.perform(db.session, o.leader, c, "extend_decide", approve=True, note="同意")
    db.session.commit()
    assert (c.handle_base_due, c.handle_due) == (D(2026, 10, 8), D(2026, 11, 9))
    # a recompute keeps the extension on top of the recomputed base
    deadlines.recompute_open_cases(db.session)
    assert (c.handle_base_due, c.handle_due) == (D(2026, 10, 8), D(2026, 11, 9))


def test_due_date_in_2027_without_a_notice(app):
    # 2026-11-02 + 60 = 2027-01-01: a Friday, 元旦 by the law (暂定) -> Sat, Sun -> Mon 2027-01-04
    assert deadlines.handle_due(db.session, D(2026, 11, 2)) == D(2027, 1, 4)
    # 2026-11-03 + 60 = 2027-01-02 (Sat) -> Mon 2027-01-04 (weekend rule)
    assert deadlines.handle_due(db.session, D(2026, 11, 3)) == D(2027, 1, 4)
    assert deadlines.provisional_years(db.session, [2026, 2027]) == [2027]


def test_recompute_after_adding_a_holiday(app):
    o = build_office(db.session)
    running = make_case(db.session, o, "handling", accepted_on=D(2026, 11, 2),
                        handle_due=D(2027, 1, 4), handle_base_due=D(2027, 1, 4))
    custom = make_case(db.session, o, "accepted", accepted_on=D(2026, 11, 2),
                       handle_due=D(2027, 1, 4), handle_base_due=D(2027, 1, 4))
    workflow.perform(db.session, o.clerk, custom, "assign", department_id=o.zj.id, due="2026-12-31")
    closed = make_case(db.session, o, "closed", accepted_on=D(2026, 11, 2),
                       handle_due=D(2027, 1, 4), handle_base_due=D(2027, 1, 4))
    db.session.commit()
    # a (made-up) notice: 元旦 01-01 .. 01-04 off, entered in full
    for day in (1, 2, 3, 4):
        db.session.add(Holiday(day=D(2027, 1, day), kind="holiday", name="元旦"))
    deadlines.mark_year(db.session, 2027, True)
    db.session.flush()
    changed = deadlines.recompute_open_cases(db.session)
    db.session.commit()
    # 2026-11-02 + 60 = 2027-01-01, a holiday to 01-04 -> Tue 2027-01-05
    assert running.handle_due == running.handle_base_due == D(2027, 1, 5)
    assert custom.handle_due == D(2026, 12, 31)      # set by hand at 交办: kept
    assert closed.handle_due == D(2027, 1, 4)         # closed cases are history
    assert changed == 1
    assert deadlines.provisional_years(db.session, [2026, 2027]) == []


def test_recompute_after_day_mode_setting(app):
    o = build_office(db.session)
    c = make_case(db.session, o, "registered", received_on=D(2026, 9, 18), accept_due=D(2026, 10, 8))
    db.session.commit()
    settings.set_value(db.session, "clock_accept_mode", "working")
    deadlines.recompute_open_cases(db.session)
    assert c.accept_due == D(2026, 10, 15)


def test_source_deadline_rule(app):
    # a higher body's deadline is a date written on the 交办单: used as written, even on a Saturday
    assert deadlines.handle_due(db.session, D(2026, 11, 3), source_deadline=D(2026, 12, 5)) == D(2026, 12, 5)
    assert deadlines.handle_due(db.session, D(2026, 11, 3), source_deadline=D(2027, 3, 1)) == D(2027, 3, 1)


def test_review_clock_and_window(app):
    # 复查 answered in 30 days: 2026-11-20 + 30 = 12-20 (Sun) -> Mon 12-21
    assert deadlines.handle_due(db.session, D(2026, 11, 20), review_level=1) == D(2026, 12, 21)
    # window: reply served 2026-09-08 + 30 = 10-08 (Thu, first day after 国庆)
    assert deadlines.review_window_end(db.session, D(2026, 9, 8)) == D(2026, 10, 8)


def test_due_soon_and_overdue_states(cal):
    today = D(2026, 11, 20)  # Fri; three working days: 11-23, 24, 25
    assert deadlines.due_soon_cutoff(cal, today) == D(2026, 11, 25)
    assert deadlines.due_state(D(2026, 11, 19), cal, today).label == "超期1天"
    assert deadlines.due_state(D(2026, 11, 20), cal, today).label == "临期，剩0天"
    assert deadlines.due_state(D(2026, 11, 25), cal, today).state == "due_soon"
    assert deadlines.due_state(D(2026, 11, 26), cal, today).label == "剩6天"
    # over National Day: 10-08, 10-09, Sat 10-10 (调休)
    assert deadlines.due_soon_cutoff(cal, D(2026, 9, 30)) == D(2026, 10, 10)


def test_sql_filters(app):
    o = build_office(db.session)
    late = make_case(db.session, o, "handling", handle_due=D(2026, 11, 19))
    soon = make_case(db.session, o, "assigned", handle_due=D(2026, 11, 25))
    later = make_case(db.session, o, "handling", handle_due=D(2026, 11, 26))
    replied = make_case(db.session, o, "replied", handle_due=D(2026, 11, 1))
    not_told = make_case(db.session, o, "registered", accept_due=D(2026, 11, 18))
    told = make_case(db.session, o, "registered", accept_due=D(2026, 11, 18), accept_notice_on=D(2026, 11, 5))
    db.session.commit()

    def ids(clause):
        return set(db.session.execute(select(Case.id).where(clause)).scalars())

    assert ids(deadlines.overdue_clause()) == {late.id, not_told.id}
    assert ids(deadlines.due_soon_filter(db.session)) == {soon.id}
    # a replied case's clock has stopped; a recorded notice stops the 受理告知 clock
    assert not {replied.id, told.id} & ids(deadlines.overdue_clause())
    assert deadlines.running_due(later) == D(2026, 11, 26)
