"""信访听证 (services/workflow/hearing.py, services/hearings.py, services/deadlines.with_hearings):
propose → approve → held → the conclusion offered to the reply; refusal; cancelling; the hearing's
days kept off the handling clock, with dates written out (office today 2026-11-20, Fri; holidays
from chinese-calendar: 2026-09-20 Sun is a 调休 working day, 中秋 09-25..27, 国庆 10-01..07)."""
from datetime import date

import pytest
from sqlalchemy import select

from models import Case, CaseEvent, Hearing, db
from services import ServiceError, ValidationFailed, deadlines, hearings, settings, workflow
from services.clock import office_day
from services.workflow import spec
from tests.services.test_workflow import add_hearing, build_office, make_case

PROPOSAL = {"reason": "案情复杂，涉及多个部门职责", "start_on": "2026-11-24", "end_on": "2026-11-26",
            "place": "县信访局听证室", "chair": "王主任", "panel": "赵律师\n人大代表钱某\n",
            "participants": "信访人孙某\n县住房和城乡建设局\n第三人某物业公司", "is_public": "1"}


@pytest.fixture
def office(app):
    o = build_office(db.session)
    db.session.commit()
    return o


def actions(case):
    return [e.action for e in db.session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).scalars()]


def handling_case(o, due=date(2027, 1, 4), **kw):
    c = make_case(db.session, o, "handling", **kw)
    c.handle_due = c.handle_base_due = due
    db.session.commit()
    return c


def _hearing_todo(user):
    """The leader's 待办 line 听证申请待审批."""
    from services import todo
    return next(ln.count for ln in todo.lines(db.session, user) if ln.label == "听证申请待审批")


def test_propose_approve_hold_and_the_conclusion_in_the_reply_form(office):
    o = office
    c = handling_case(o)  # due 2027-01-04 (Mon)
    ev = workflow.perform(db.session, o.handler1, c, "hearing_propose", expected_version=c.version, **PROPOSAL)
    db.session.commit()
    h = db.session.execute(select(Hearing).where(Hearing.case_id == c.id)).scalar_one()
    assert (h.status_label, h.start_on, h.end_on, h.panel, h.is_public) == (
        "待审批", date(2026, 11, 24), date(2026, 11, 26), "赵律师\n人大代表钱某", True)
    assert ev.note == "拟于2026-11-24至2026-11-26在县信访局听证室公开举行听证，主持人王主任。理由：案情复杂，涉及多个部门职责"
    assert c.handle_due == date(2027, 1, 4)  # a proposal moves nothing
    assert _hearing_todo(o.leader) == 1
    # one open hearing at a time
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.clerk, c, "hearing_propose", **PROPOSAL)
    assert err.value.message == "该信访事项已有待审批的听证（2026-11-24），不能重复提议"

    ev = workflow.perform(db.session, o.leader, c, "hearing_decide", approve="1", note="同意听证")
    db.session.commit()
    assert h.status == "approved" and h.decided_by_id == o.leader.id and h.opinion == "同意听证"
    # 3 calendar days off the clock: 2027-01-04 + 3 = 2027-01-07 (Thu)
    assert c.handle_due == date(2027, 1, 7) and c.handle_base_due == date(2027, 1, 4)
    assert ev.note == "批准2026-11-24至2026-11-26听证；听证期间3天不计入办理期限，办理期限由2027-01-04顺延至2027-01-07。审批意见：同意听证"
    assert _hearing_todo(o.leader) == 0
    assert hearings.clock_note(db.session, c) == \
        "因听证顺延至2027-01-07（已批准的听证2026-11-24至2026-11-26，3天不计入办理期限）"

    # held on two days only: the clock moves by the period actually held
    with office_day(date(2026, 11, 27)):
        with pytest.raises(ValidationFailed) as err:  # a hearing not yet held cannot be recorded
            workflow.perform(db.session, o.handler1, c, "hearing_record", start_on="2026-11-30",
                             conclusion="意见")
        assert err.value.errors["start_on"] == ["听证开始日期不能晚于今天"]
        ev = workflow.perform(db.session, o.handler1, c, "hearing_record", start_on="2026-11-24",
                              end_on="2026-11-25", record="笔录全文", conclusion="信访人诉求部分合理，建议补发差额")
    db.session.commit()
    assert (h.status, h.end_on, h.record, h.paused_days) == ("held", date(2026, 11, 25), "笔录全文", 2)
    assert c.handle_due == date(2027, 1, 6)
    assert "（原定2026-11-24至2026-11-26）" in ev.note and "办理期限由2027-01-07调整为2027-01-06" in ev.note
    assert actions(c) == ["hearing_propose", "hearing_approve", "hearing_record"]
    # the reply form starts with the hearing's conclusion
    reply_text = next(f for f in spec.MOVES["reply"].fields if f.name == "reply_text")
    assert reply_text.default(db.session, c) == "经2026年11月24日听证，听证意见：信访人诉求部分合理，建议补发差额"
    # and a new hearing may be proposed once this one is held
    assert workflow.can_move(db.session, o.handler1, c, "hearing_propose")


def test_a_refused_hearing_moves_nothing(office):
    o = office
    c = handling_case(o)
    workflow.perform(db.session, o.clerk, c, "hearing_propose", **PROPOSAL)
    db.session.commit()
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.leader, c, "hearing_decide", approve="0")
    assert err.value.errors["note"] == ["不批准听证须填写理由"]
    ev = workflow.perform(db.session, o.leader, c, "hearing_decide", approve="0", note="事实清楚，无需听证")
    db.session.commit()
    h = c.hearings[0]
    assert (h.status_label, h.opinion, c.handle_due) == ("不批准", "事实清楚，无需听证", date(2027, 1, 4))
    assert ev.action == "hearing_deny" and ev.note == "不批准听证：事实清楚，无需听证"
    assert hearings.clock_note(db.session, c) == ""
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.handler1, c, "hearing_record", start_on="2026-11-19", conclusion="x")
    assert err.value.message == "没有已批准待举行的听证"


def test_cancelling_an_approved_hearing_gives_the_days_back(office):
    o = office
    c = handling_case(o)
    workflow.perform(db.session, o.handler1, c, "hearing_propose", **PROPOSAL)
    workflow.perform(db.session, o.leader, c, "hearing_decide", approve="1")
    db.session.commit()
    assert c.handle_due == date(2027, 1, 7)
    ev = workflow.perform(db.session, o.clerk, c, "hearing_cancel", reason="信访人撤回听证申请")
    db.session.commit()
    assert c.hearings[0].status_label == "已撤销" and c.handle_due == date(2027, 1, 4)
    assert ev.note == "撤销已批准的听证（2026-11-24至2026-11-26）：信访人撤回听证申请；办理期限由2027-01-07调整为2027-01-04"


def test_calendar_days_roll_over_the_national_day_holiday(office):
    """Calendar mode (the default): a 4-day hearing (09-18..09-21) moves 2026-09-28 to 10-02,
    a holiday, so to the next working day 2026-10-08."""
    o = office
    c = handling_case(o, due=date(2026, 9, 28), accepted_on=date(2026, 8, 1))
    add_hearing(c, "pending", date(2026, 9, 18), date(2026, 9, 21))
    workflow.perform(db.session, o.leader, c, "hearing_decide", approve="1")
    db.session.commit()
    assert (c.hearings[0].paused_days, c.handle_due) == (4, date(2026, 10, 8))


def test_working_days_count_only_the_hearings_working_days(office):
    """Working mode: the hearing 09-18 (Fri) .. 09-21 (Mon) holds 3 working days (Fri, the 调休
    Sunday 09-20, Mon); 2026-09-29 + 3 working days = 09-30, 10-08, 10-09."""
    o = office
    settings.set_value(db.session, "clock_handle_mode", "working")
    c = handling_case(o, due=date(2026, 9, 29), accepted_on=date(2026, 8, 1))
    add_hearing(c, "pending", date(2026, 9, 18), date(2026, 9, 21))
    workflow.perform(db.session, o.leader, c, "hearing_decide", approve="1")
    db.session.commit()
    assert (c.hearings[0].paused_days, c.handle_due) == (3, date(2026, 10, 9))
    assert hearings.clock_note(db.session, c) == \
        "因听证顺延至2026-10-09（已批准的听证2026-09-18至2026-09-21，3个工作日不计入办理期限）"
    # a recompute of every open case (after a calendar or setting change) keeps the hearing: the
    # statutory 60 working days from acceptance 2026-08-01 end 2026-10-29 (Thu), + 3 = 11-03 (Tue)
    deadlines.recompute_open_cases(db.session)
    db.session.commit()
    assert (c.handle_base_due, c.handle_due) == (date(2026, 10, 29), date(2026, 11, 3))


def test_extension_and_hearing_add_up_in_either_order(office):
    """Extension first then hearing, or hearing first then extension: the same due date, the
    extension counted from the base and the hearing on top."""
    o = office
    dues = []
    for first in ("extend", "hearing"):
        c = handling_case(o)  # 2027-01-04
        steps = {
            "extend": lambda c=c: (workflow.perform(db.session, o.handler1, c, "extend_request", days=10, reason="需勘查"),
                                   workflow.perform(db.session, o.leader, c, "extend_decide", approve="1")),
            "hearing": lambda c=c: (workflow.perform(db.session, o.handler1, c, "hearing_propose", **PROPOSAL),
                                    workflow.perform(db.session, o.leader, c, "hearing_decide", approve="1")),
        }
        for name in ((first, "hearing" if first == "extend" else "extend")):
            steps[name]()
            db.session.commit()
        dues.append(c.handle_due)
    # 2027-01-04 + 10 = 01-14 (Thu), + 3 hearing days = 01-17 (Sun) -> 01-18 (Mon)
    assert dues == [date(2027, 1, 18), date(2027, 1, 18)]


def test_the_overdue_filter_follows_the_moved_date(office):
    """Due 2026-11-19 (yesterday): overdue. A 3-day hearing approved moves it to 11-22 (Sun) ->
    11-23 (Mon): no longer overdue, due soon instead (the 待办 and lists read the same clause)."""
    o = office
    c = handling_case(o, due=date(2026, 11, 19))
    overdue = lambda: set(db.session.execute(select(Case.id).where(deadlines.overdue_clause())).scalars())  # noqa: E731
    soon = lambda: set(db.session.execute(select(Case.id).where(  # noqa: E731
        deadlines.due_soon_filter(db.session))).scalars())
    assert c.id in overdue()
    add_hearing(c, "pending", date(2026, 11, 16), date(2026, 11, 18))
    workflow.perform(db.session, o.leader, c, "hearing_decide", approve="1")
    db.session.commit()
    assert c.handle_due == date(2026, 11, 23)
    assert c.id not in overdue() and c.id in soon()


def test_bad_input_changes_nothing(office):
    o = office
    c = handling_case(o)
    version = c.version
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.handler1, c, "hearing_propose",
                         **{**PROPOSAL, "start_on": "2026-11-26", "end_on": "2026-11-24"})
    assert err.value.errors["end_on"] == ["听证结束日期不能早于开始日期"]
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.handler1, c, "hearing_propose",
                         **{**PROPOSAL, "start_on": "2026-11-02", "end_on": "", "place": "", "is_public": ""})
    assert err.value.errors == {"start_on": ["听证开始日期不能早于受理日期（2026-11-03）"],
                                "place": ["请填写听证地点"], "is_public": ["请选择是否公开听证"]}
    closed = make_case(db.session, o, "closed")
    db.session.commit()
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.clerk, closed, "hearing_propose", **PROPOSAL)
    assert err.value.message == "当前状态为“已办结”，不能提议听证"
    assert not db.session.new
    db.session.rollback()
    assert c.version == version and actions(c) == [] and actions(closed) == []
    assert db.session.execute(select(Hearing)).first() is None


def test_a_review_petitioners_request_is_recorded(office):
    o = office
    c = handling_case(o, review_level=1)
    ev = workflow.perform(db.session, o.clerk, c, "hearing_propose",
                          **{**PROPOSAL, "reason": "复查申请人申请公开听证", "petitioner_request": "1"})
    db.session.commit()
    assert c.hearings[0].requested_by_petitioner is True
    assert ev.note.startswith("信访人申请公开听证；拟于")


def test_reach_and_roles(office):
    o = office
    c = handling_case(o)
    with pytest.raises(ServiceError) as err:  # another unit's handler
        workflow.perform(db.session, o.handler2, c, "hearing_propose", **PROPOSAL)
    assert err.value.message == "该信访事项不在您的办理范围内，您无权提议听证"
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.leader, c, "hearing_propose", **PROPOSAL)
    assert err.value.message == "您的角色（领导）无权提议听证"
    workflow.perform(db.session, o.handler1, c, "hearing_propose", **PROPOSAL)
    db.session.commit()
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.clerk, c, "hearing_decide", approve="1")
    assert err.value.message == "您的角色（信访办登记员）无权审批听证"


def test_the_on_time_rate_reads_the_moved_due_date(office):
    """按期办结率: two cases due 2026-11-10 (Tue), both answered 11-12 and closed in November; the one
    whose 3-day hearing (11-04..11-06) moved its due date to 11-13 was answered on time."""
    from services import statistics
    o = office
    late = make_case(db.session, o, "closed")
    heard = make_case(db.session, o, "handling")
    for c in (late, heard):
        c.handle_due = c.handle_base_due = date(2026, 11, 10)
    add_hearing(heard, "pending", date(2026, 11, 4), date(2026, 11, 6))
    db.session.commit()
    workflow.perform(db.session, o.leader, heard, "hearing_decide", approve="1")
    db.session.commit()
    assert heard.handle_due == date(2026, 11, 13)
    for c in (late, heard):  # both answered on 11-12 and closed on 11-18
        c.status, c.replied_on, c.closed_on = "closed", date(2026, 11, 12), date(2026, 11, 18)
    db.session.commit()
    rep = statistics.report(db.session, o.clerk, statistics.month(2026, 11))
    assert (rep.figures["closed_on_time"], rep.figures["closed_base"]) == (1, 2)
