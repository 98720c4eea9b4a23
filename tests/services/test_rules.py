"""The rules as a 信访 office lives them (issue 13 §1, 2, 4, 5), each on hand-made cases with the
expected outcome counted by hand. Office today is 2026-11-20 (Fri)."""
from datetime import date

import pytest
from sqlalchemy import select

from models import ArchiveRecord, Case, CaseEvent, CaseParty, Party, db
from services import ServiceError, ValidationFailed, archive, disclosure, matters, settings, workflow
from tests.services.test_workflow import build_office, make_case, valid_data


@pytest.fixture
def office(app):
    o = build_office(db.session)
    settings.set_value(db.session, "number_prefix", "XF")  # the moves' numbers apart from make_case's
    db.session.commit()
    return o


def events(case):
    return db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                              .order_by(CaseEvent.id)).scalars().all()


def answer(o, outcome="upheld"):
    return {**valid_data("reply", o), "review_outcome": outcome}


def take_to_reply(o, case, data):
    for move, who, d in (("assign", o.clerk, {"department_id": o.zj.id}), ("sign_for", o.handler1, {}),
                         ("reply", o.handler1, data)):
        workflow.perform(db.session, who, case, move, **d)
    db.session.commit()


# ---- 1. filing does not take away the petitioner's right ------------------------------------------

def test_review_request_works_on_an_archived_original(office):
    o = office
    person = Party(name="孙某", id_number="110101199003071234")
    c = make_case(db.session, o, "closed", petitioner=person)  # replied 2026-11-15: window to 12-15
    db.session.commit()
    workflow.perform(db.session, o.archivist, c, "archive", **valid_data("archive", o))
    db.session.commit()
    assert c.status == "archived"
    assert workflow.move_label("review_request", c) == "申请复查"
    assert "review_request" in {m for m, _ in workflow.available_moves(db.session, o.clerk, c)}
    ev = workflow.perform(db.session, o.clerk, c, "review_request", reason="对答复不服")
    db.session.commit()
    review = db.session.get(Case, ev.data["review_case_id"])
    assert (review.review_level, review.parent_case_id, review.status) == (1, c.id, "accepted")
    assert c.status == "archived"  # the file stays filed
    record = db.session.execute(select(ArchiveRecord).where(ArchiveRecord.case_id == c.id)).scalar_one()
    assert archive.review_cases(db.session, o.clerk, record) == [
        {"number": review.number, "level": "复查", "status": "已受理", "id": review.id}]
    # the archivist sees the link but may not open a case in handling
    assert archive.review_cases(db.session, o.archivist, record)[0]["id"] is None


def test_archived_original_past_its_window_is_still_refused(office):
    o = office
    c = make_case(db.session, o, "archived", replied_on=date(2026, 10, 9))
    db.session.commit()
    with pytest.raises(ServiceError) as err:  # 2026-10-09 + 30 -> 11-08 (Sun) -> 11-09
        workflow.perform(db.session, o.clerk, c, "review_request", reason="不服")
    assert err.value.message == "已超过申请复查的期限（答复送达之日起30日内，截至2026-11-09），不予受理"


def test_review_answer_records_its_outcome(office):
    o = office
    c = make_case(db.session, o, "closed")
    db.session.commit()
    review = db.session.get(Case, workflow.perform(db.session, o.clerk, c, "review_request",
                                                   reason="不服").data["review_case_id"])
    for move, who, d in (("assign", o.clerk, {"department_id": o.zj.id}), ("sign_for", o.handler1, {})):
        workflow.perform(db.session, who, review, move, **d)
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.handler1, review, "reply", **valid_data("reply", o))
    assert err.value.errors == {"review_outcome": ["请选择复查/复核结论"]}
    ev = workflow.perform(db.session, o.handler1, review, "reply", **answer(o, "changed"))
    assert review.review_outcome == "changed" and ev.note.startswith("复查结论：变更原处理意见")


# ---- 2. "the same matter": the clerk decides, the machine helps --------------------------------------

def _reviewed_to_the_end(o, person, summary):
    """An original answered, its 复查 and its 复核 answered (served): 已复核终结."""
    c = make_case(db.session, o, "closed", petitioner=person, summary=summary, demands="要求补偿",
                  incident_place="城关镇东街")
    db.session.commit()
    r1 = db.session.get(Case, workflow.perform(db.session, o.clerk, c, "review_request",
                                               reason="不服").data["review_case_id"])
    take_to_reply(o, r1, answer(o))
    r2 = db.session.get(Case, workflow.perform(db.session, o.clerk, r1, "review_request",
                                               reason="仍不服").data["review_case_id"])
    return c, r1, r2


def test_earlier_cases_ranked_with_their_stage(office):
    o = office
    person = Party(name="钱某", id_number="110101199003078515")
    c, r1, r2 = _reviewed_to_the_end(o, person, "东街拆迁补偿款未足额发放")
    other = make_case(db.session, o, "handling", petitioner=person, category="劳动社保",
                      summary="工厂拖欠三个月工资", demands="要求支付工资", incident_place="开发区")
    new = make_case(db.session, o, "registered", petitioner=person, summary="东街拆迁补偿款仍未足额发放",
                    demands="要求补偿", incident_place="城关镇东街", received_on=date(2026, 11, 20))
    db.session.commit()
    found = matters.candidates(db.session, o.clerk, new)
    by_id = {x.case.id: x for x in found}
    assert set(by_id) == {c.id, r1.id, r2.id, other.id}
    assert found[0].case.id == c.id  # the same summary, demands, place and class: most alike
    assert found[-1].case.id == other.id and found[-1].score < 20
    # 复核 asked for but not answered yet: the matter has gone through 复查 only
    assert (by_id[c.id].stage, by_id[r2.id].stage, by_id[other.id].stage) == ("已复查", "已复查", "在办")
    take_to_reply(o, r2, answer(o))
    assert matters.stage(db.session, c) == "已复核终结"
    replied = make_case(db.session, o, "replied", petitioner=person)
    assert matters.stage(db.session, replied) == "已答复"
    options = dict(matters.choices(db.session, o.clerk, new))
    assert options[str(c.id)].startswith(f"同一事项：{c.number}（2026-11-02收件，已复核终结，相似度")
    assert list(options)[-1] == "new"


def test_a_new_matter_from_someone_who_went_through_re_review_is_accepted(office):
    o = office
    person = Party(name="钱某", id_number="110101199003078515")
    c, r1, r2 = _reviewed_to_the_end(o, person, "东街拆迁补偿款未足额发放")
    take_to_reply(o, r2, answer(o))  # the 复核 opinion is served
    new = make_case(db.session, o, "registered", petitioner=person, summary="小区供暖不热",
                    is_repeat=True, repeat_of_id=c.id)  # the machine's suggestion at registration
    db.session.commit()
    with pytest.raises(ValidationFailed) as err:  # the form asks the clerk to decide
        workflow.perform(db.session, o.clerk, new, "accept", matter="")
    assert err.value.errors == {"matter": [matters.MSG_CHOOSE]}
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, new, "refuse_repeat", matter="new", reason="已复核")
    assert err.value.errors["matter"] == [
        "新的事项不能不再受理：不再受理只适用于以同一事实和理由再次提出的事项"]
    ev = workflow.perform(db.session, o.clerk, new, "accept", matter="new")
    db.session.commit()
    assert new.status == "accepted"
    assert (new.is_repeat, new.repeat_of_id) == (False, None)  # the list's 重复访 flag follows the choice
    assert (ev.actor_id, ev.data["matter"], ev.note) == (o.clerk.id, "new", "经审查为新的事项")


def test_the_same_matter_before_the_re_review_is_served_is_not_blocked(office):
    o = office
    person = Party(name="钱某", id_number="110101199003078515")
    c, r1, r2 = _reviewed_to_the_end(o, person, "东街拆迁补偿款未足额发放")  # 复核 not answered yet
    new = make_case(db.session, o, "registered", petitioner=person, received_on=date(2026, 11, 20))
    db.session.commit()
    ev = workflow.perform(db.session, o.clerk, new, "accept", matter=str(r1.id))
    assert new.status == "accepted" and (new.is_repeat, new.repeat_of_id) == (True, r1.id)
    assert ev.data == {**ev.data, "matter": "same", "same_as": r1.number}
    assert ev.note.startswith(f"经审查与{r1.number}为同一事项")
    # once the 复核 is served, the same matter may only be refused
    take_to_reply(o, r2, answer(o))
    again = make_case(db.session, o, "registered", petitioner=person, received_on=date(2026, 11, 20))
    db.session.commit()
    for move, label, data in (("accept", "受理", {}), ("decline", "不予受理", {"reason": "x"}),
                              ("forward", "转送", valid_data("forward", o))):
        with pytest.raises(ServiceError) as err:
            workflow.perform(db.session, o.clerk, again, move, matter=str(c.id), **data)
        assert err.value.message == (f"该信访人就同一事项已经复核并送达复核意见（{r2.number}），"
                                     f"以同一事实和理由再次提出的，不能{label}，只能不再受理")
    ev = workflow.perform(db.session, o.clerk, again, "refuse_repeat", matter=str(c.id), reason="已复核终结")
    assert again.status == "refused_repeat" and again.repeat_of_id == c.id and ev.data["same_as"] == c.number


def test_an_earlier_case_of_someone_else_cannot_be_chosen(office):
    o = office
    stranger = make_case(db.session, o, "closed")
    person = Party(name="周某", id_number="110101199003079790")
    make_case(db.session, o, "closed", petitioner=person)
    new = make_case(db.session, o, "registered", petitioner=person)
    db.session.commit()
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, new, "accept", matter=str(stranger.id))
    assert err.value.errors == {"matter": [matters.MSG_UNKNOWN]}
    assert new.status == "registered"


# ---- 4. the closing checklist follows the office's 回访 setting ---------------------------------------

def test_follow_up_before_close_request_when_the_office_requires_it(office):
    o = office
    c = make_case(db.session, o, "replied", handling_report="办结报告")
    db.session.commit()
    assert workflow.close_checklist(c, session=db.session) == []
    settings.set_value(db.session, "follow_up_required", "1")
    db.session.commit()
    assert workflow.close_checklist(c, session=db.session) == ["未登记回访及满意度（本单位规定申请结案前须回访）"]
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.clerk, c, "close_request", handling_report="办结报告")
    assert err.value.message == "不符合结案条件：未登记回访及满意度（本单位规定申请结案前须回访）"
    workflow.perform(db.session, o.clerk, c, "follow_up", satisfaction="basic", follow_up_on="2026-11-19")
    workflow.perform(db.session, o.clerk, c, "close_request", handling_report="办结报告")
    assert c.status == "closing"


# ---- 5. smaller errors ---------------------------------------------------------------------------------

def test_a_hand_set_due_date_is_not_the_statutory_cap_after_transfer(office):
    o = office
    c = make_case(db.session, o, "accepted")  # accepted 2026-11-03: statutory due 2027-01-04
    db.session.commit()
    workflow.perform(db.session, o.clerk, c, "assign", department_id=o.zj.id, due="2026-12-10")
    assert (c.handle_due, c.handle_base_due) == (date(2026, 12, 10), date(2026, 12, 10))
    ev = workflow.perform(db.session, o.clerk, c, "transfer", department_id=o.rs.id, reason="职责调整",
                          due="2027-01-04")
    assert c.handle_due == date(2027, 1, 4) and ev.data["custom_due"] is False
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, c, "transfer", department_id=o.zj.id, reason="再调整",
                         due="2027-01-05")
    assert err.value.errors == {"due": ["办理期限不能晚于法定期限（2027-01-04）"]}


def test_transfer_left_blank_gives_the_statutory_date(office):
    o = office
    c = make_case(db.session, o, "accepted")
    db.session.commit()
    workflow.perform(db.session, o.clerk, c, "assign", department_id=o.zj.id, due="2026-12-10")
    workflow.perform(db.session, o.clerk, c, "transfer", department_id=o.rs.id, reason="职责调整")
    assert c.handle_due == date(2027, 1, 4)


def test_an_accusation_against_a_person_of_a_department_cannot_go_to_it(office):
    o = office
    official = Party(name="某干部", kind="person", department_id=o.jw.id)
    c = make_case(db.session, o, "accepted", purpose="accusation", category="纪检监察")
    db.session.add(CaseParty(case=c, party=official, role="accused"))
    db.session.commit()
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, c, "assign", department_id=o.jw.id)
    assert err.value.errors == {"department_id": [
        "“县纪委监委”是被反映单位或其上下级单位，不能交其办理（检举控告材料不得转给被反映单位）"]}
    assert c.status == "accepted"


@pytest.mark.parametrize("prefix", ["示范信访", "XF-", "示范-信访"])
def test_case_numbers_are_masked_whatever_the_prefix(office, prefix):
    o = office
    settings.set_value(db.session, "number_prefix", prefix)
    hidden = make_case(db.session, o, "handling", number=f"{prefix}2026-000901")  # 住建局's
    mine = make_case(db.session, o, "handling", number=f"{prefix}2026-000902", department_id=o.rs.id,
                     handler_id=o.handler2.id)
    ev = CaseEvent(case=mine, actor_id=o.clerk.id, action="supervise", to_status="handling",
                   note=f"与{hidden.number}、{mine.number}一并督办")
    db.session.add(ev)
    db.session.commit()
    shown = disclosure.note_filter(db.session, o.handler2, mine, {})(ev)
    assert shown == f"与（另一信访事项）、{mine.number}一并督办"
    assert disclosure.note_filter(db.session, o.clerk, mine, {})(ev) == ev.note


# ---- 4. a monthly report on a hand-built month ------------------------------------------------------

def build_october(session):
    """October 2026, counted by hand (today 2026-11-20):

    first petitions received in October
      A 10-09 来访 张   受理 10-10, 告知 10-10 (due 10-24): on time; handling
      B 10-12 来信 李   受理 10-13, no 受理告知 (due 10-27): late, and on the 逾期清单
      C 10-15 网上 王   不予受理, 告知 11-02 (due 10-30): late
      S 10-25 来电 赵   受理 10-26, 告知 10-26: on time; the clerk linked it to Q (同一事项): 重复访
    a 复查 received in October (not inflow)
      R 10-20 来信 复查 of P, 告知 10-21 (due 11-04): on time; answered 10-28: 变更
    closed in October (received in August)
      P replied 10-08, due 10-10, closed 10-09: in time; its 复查 R: not 一次性化解
      Q replied 10-14, due 10-15, closed 10-20: reply in time, approval late; S again within 90 days
      T replied 10-22, due 10-20, closed 10-23: late; no review, no repeat: 一次性化解
    """
    from tests.services.test_statistics import add_case, build_office as stats_office
    o = stats_office(session)
    d = date
    people = {n: Party(name=n, id_number=i) for n, i in (
        ("张某", "110101199003077774"), ("李某", "110101198001011232"), ("王某", "110101199003071234"),
        ("赵某", "110101199003078515"))}
    session.add_all(people.values())
    h, lab = o["housing"], o["labour"]
    c = {}
    c["A"] = add_case(session, d(2026, 10, 9), "visit", "request", "城乡建设", h, people["张某"],
                      accept_due=d(2026, 10, 24), accepted_on=d(2026, 10, 10), accept_notice_on=d(2026, 10, 10),
                      status="handling", handle_due=d(2026, 12, 9))
    c["B"] = add_case(session, d(2026, 10, 12), "letter", "request", "劳动社保", lab, people["李某"],
                      accept_due=d(2026, 10, 27), accepted_on=d(2026, 10, 13), status="handling",
                      handle_due=d(2026, 12, 12))
    c["C"] = add_case(session, d(2026, 10, 15), "online", "suggestion", "教育", None, people["王某"],
                      accept_due=d(2026, 10, 30), accept_notice_on=d(2026, 11, 2), status="declined")
    c["P"] = add_case(session, d(2026, 8, 3), "letter", "request", "城乡建设", h, accepted_on=d(2026, 8, 4),
                      handle_due=d(2026, 10, 10), replied_on=d(2026, 10, 8), closed_on=d(2026, 10, 9),
                      status="closed", satisfaction="satisfied")
    c["Q"] = add_case(session, d(2026, 8, 10), "visit", "request", "城乡建设", h, people["赵某"],
                      accepted_on=d(2026, 8, 11), handle_due=d(2026, 10, 15), replied_on=d(2026, 10, 14),
                      closed_on=d(2026, 10, 20), status="closed", satisfaction="basic")
    c["T"] = add_case(session, d(2026, 8, 20), "letter", "request", "劳动社保", lab, accepted_on=d(2026, 8, 21),
                      handle_due=d(2026, 10, 20), replied_on=d(2026, 10, 22), closed_on=d(2026, 10, 23),
                      status="closed")
    c["R"] = add_case(session, d(2026, 10, 20), "letter", "request", "城乡建设", h, review_level=1,
                      parent_case_id=c["P"].id, accept_due=d(2026, 11, 4), accepted_on=d(2026, 10, 20),
                      accept_notice_on=d(2026, 10, 21), handle_due=d(2026, 11, 19), replied_on=d(2026, 10, 28),
                      review_outcome="changed", status="replied", satisfaction="unsatisfied")
    c["S"] = add_case(session, d(2026, 10, 25), "phone", "request", "城乡建设", h, people["赵某"],
                      accept_due=d(2026, 11, 9), accepted_on=d(2026, 10, 26), accept_notice_on=d(2026, 10, 26),
                      status="accepted", handle_due=d(2026, 12, 25), is_repeat=True, repeat_of_id=c["Q"].id)
    session.commit()
    return o, c


def test_monthly_report_on_a_hand_built_month(app, tmp_path):
    import openpyxl
    from services import statistics as st
    o, c = build_october(db.session)
    rep = st.report(db.session, o["clerk"], st.month(2026, 10))
    v = {line.key: line.cur for line in rep.lines}
    # inflow: A, B, C, S (the 复查 R is not new inflow)
    assert (v["items"], v["persons"]) == (4, 4)
    assert (v["visit_batches"], v["letters"], v["online"], v["phone"]) == (1, 1, 1, 1)
    assert v["repeat"] == 1  # S
    assert (v["category:城乡建设"], v["category:劳动社保"], v["category:教育"]) == (2, 1, 1)
    assert (v["purpose:request"], v["purpose:suggestion"]) == (3, 1)
    # 复查 / 复核 on their own lines
    assert (v["reviews"], v["re_reviews"]) == (1, 0)
    assert (v["review_upheld"], v["review_revoked"], v["review_changed"]) == (0, 0, 1)
    # 及时受理: A, R, S on time; B (accepted, no notice) and C (notice late) not -> 3/5
    assert v["accept_rate"] == pytest.approx(3 / 5)
    assert rep.line("accept_rate").basis == "按时受理告知3件 / 应受理告知5件"
    # ... and B is the one the 逾期清单 shows as 受理告知 超期
    overdue = [(r["number"], r["clock"]) for _d, rows in st.overdue_cases(db.session, o["clerk"]) for r in rows]
    assert overdue == [(c["B"].number, "受理告知")]
    # 按期办结 by reply date: P, Q in time, T late -> 2/3; Q's approval after its due date: 1
    assert v["close_rate"] == pytest.approx(2 / 3)
    assert v["approval_late"] == 1
    # 再信访: Q (S within 90 days of 10-20) of P, Q, T -> 1/3; 一次性化解: T only of P, Q, T -> 1/3
    assert v["again_rate"] == pytest.approx(1 / 3)
    assert v["once_rate"] == pytest.approx(1 / 3)
    assert rep.line("again_rate").basis == "办结后90日内就同一事项再次信访1件 / 办结3件"
    # 参评 and 满意: answered in October P, Q, T, R; rated P, Q, R; satisfied P, Q
    assert v["rated_rate"] == pytest.approx(3 / 4) and v["satisfaction_rate"] == pytest.approx(2 / 3)

    # a shorter window: S came 5 days after Q was closed, so a 3-day window counts nothing
    settings.set_value(db.session, "repeat_window_days", "3")
    db.session.commit()
    rep3 = st.report(db.session, o["clerk"], st.month(2026, 10))
    assert rep3.line("again_rate").cur == 0 and rep3.line("once_rate").cur == pytest.approx(2 / 3)

    path = tmp_path / "r.xlsx"
    st.write_report_sheet(str(path), rep, filled_by="王登记", filled_on=date(2026, 11, 20))
    ws = openpyxl.load_workbook(path).active
    rows = {(r[0], r[1]): r for r in ws.iter_rows(min_row=5, values_only=True) if r[1]}
    assert rows[("信访总量", "件")][2] == 4
    assert rows[("复查", "件")][2] == 1 and rows[("复查复核结论：变更", "件")][2] == 1
    assert rows[("结案审批晚于办理期限", "件")][2] == 1
    assert rows[("再信访率", "%")][2] == pytest.approx(1 / 3)
    assert rows[("一次性化解率", "%")][2] == pytest.approx(1 / 3)
    assert rows[("及时受理率", "%")][2] == pytest.approx(3 / 5)
