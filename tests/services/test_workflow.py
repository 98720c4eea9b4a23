"""services/workflow/: every move from every status, roles, messages, events.

Built on the `app` fixture (empty schema, holidays 2024–2026) with a small hand-made office;
office today is 2026-11-20 (Fri).
"""
from datetime import date
from itertools import count

import pytest
from sqlalchemy import func, select

from models import (ArchiveRecord, Case, CaseAssist, CaseEvent, CaseInterest, CaseParty,
                    Department, Party, User, db)
from models.enums import STATUSES
from services import ConflictError, ServiceError, ValidationFailed, workflow
from services.workflow import spec

TODAY = date(2026, 11, 20)
_seq = count(1)


class Office:
    pass


def build_office(session, password=None):
    o = Office()
    o.root = Department(name="示范县人民政府", kind="unit")
    session.add(o.root)
    session.flush()
    o.xfj = Department(name="县信访局", kind="office", parent=o.root)
    o.zj = Department(name="县住房和城乡建设局", kind="unit", parent=o.root)
    o.rs = Department(name="县人力资源和社会保障局", kind="unit", parent=o.root)
    o.jw = Department(name="县纪委监委", kind="discipline", parent=o.root)
    session.add_all([o.xfj, o.zj, o.rs, o.jw])
    session.flush()

    def user(username, role, dept, name):
        u = User(username=username, full_name=name, role=role, department=dept, password_hash="x")
        if password:
            u.set_password(password)
        session.add(u)
        return u

    o.admin = user("admin", "admin", o.xfj, "管理员")
    o.clerk = user("clerk", "clerk", o.xfj, "王登记")
    o.leader = user("leader", "leader", o.root, "李县长")
    o.archivist = user("archivist", "archivist", o.xfj, "赵档案")
    o.handler1 = user("handler1", "handler", o.zj, "张承办")
    o.handler2 = user("handler2", "handler", o.rs, "刘承办")
    o.handler3 = user("handler3", "handler", o.jw, "陈承办")
    session.flush()
    return o


def make_case(session, o, status="registered", purpose="request", petitioner=None, **kw):
    """A case in `status` with the facts that status implies."""
    n = next(_seq)
    order = ["registered", "accepted", "assigned", "handling", "replied", "closing", "closed", "archived"]
    stage = order.index(status) if status in order else 0
    c = Case(number=f"2026-{n:06d}", query_code=f"Q{n:05d}", channel="letter", purpose=purpose,
             category="城乡建设", received_on=date(2026, 11, 2), summary=f"测试事项{n}",
             status=status, registered_by_id=o.clerk.id, accept_due=date(2026, 11, 17))
    if status in ("accepted", "assigned", "handling", "replied", "closing", "closed", "archived"):
        c.accepted_on = c.accept_notice_on = date(2026, 11, 3)
        c.handle_due = c.handle_base_due = date(2027, 1, 4)
    if stage >= 2:
        c.department_id = o.zj.id
        c.assigned_on = date(2026, 11, 4)
    if stage >= 3:
        c.handler_id = o.handler1.id
        c.signed_on = date(2026, 11, 5)
    if stage >= 4:
        c.reply_text, c.replied_on, c.reply_method = "经核查，已依法处理。", date(2026, 11, 15), "in_person"
        c.petitioner_response, c.receipt_status = "agree", "signed"
    if stage >= 5:
        c.handling_report, c.close_requested_on = "办结报告", date(2026, 11, 16)
    if stage >= 6:
        c.closed_on, c.close_approved_by_id = date(2026, 11, 18), o.leader.id
    if status == "archived":
        c.archived_on = date(2026, 11, 19)
    if status in ("declined", "refused_repeat"):
        c.decision_note = "理由"
    if status == "forwarded":
        c.forward_to, c.forward_doc_no = "市中级人民法院", "转〔2026〕1号"
    if status == "voided":
        c.void_reason = "误登记"
    for k, v in kw.items():
        setattr(c, k, v)
    session.add(c)
    session.flush()
    party = petitioner or Party(name=f"信访人{n}", id_number=None, phone="13800000000")
    session.add(CaseParty(case=c, party=party, role="petitioner"))
    session.flush()
    return c


@pytest.fixture
def office(app):
    o = build_office(db.session)
    db.session.commit()
    return o


ACTOR = {
    "notice": "clerk", "accept": "clerk", "decline": "clerk", "refuse_repeat": "clerk",
    "forward": "clerk", "assign": "clerk", "transfer": "clerk", "supervise": "clerk",
    "sign_for": "handler1", "return": "handler1", "extend_request": "handler1", "reply": "handler1",
    "extend_withdraw": "handler1",
    "extend_decide": "leader", "close_decide": "leader", "instruction": "leader",
    "follow_up": "clerk", "close_request": "clerk", "review_request": "clerk",
    "archive": "archivist", "void": "admin",
    "hearing_propose": "handler1", "hearing_decide": "leader", "hearing_record": "handler1",
    "hearing_cancel": "clerk",
}


def valid_data(move, o):
    return {
        "notice": {},
        "accept": {},
        "decline": {"reason": "不属于信访事项受理范围"},
        "refuse_repeat": {"reason": "同一事项已办结"},
        "forward": {"forward_to": "市中级人民法院", "forward_doc_no": "县信转〔2026〕8号"},
        "assign": {"department_id": o.rs.id},
        "sign_for": {},
        "return": {"reason": "不属于本单位职责"},
        "transfer": {"department_id": o.rs.id, "reason": "职责调整"},
        "supervise": {"method": "phone", "note": "请加快办理"},
        "extend_request": {"days": 15, "reason": "需现场勘查"},
        "extend_decide": {"approve": True, "note": "同意"},
        "extend_withdraw": {"note": "已可按期办结"},
        "reply": {"reply_text": "答复意见全文", "reply_method": "mail", "petitioner_response": "agree",
                  "receipt_status": "signed"},
        "follow_up": {"satisfaction": "satisfied", "note": "电话回访"},
        "close_request": {"handling_report": "已办结"},
        "close_decide": {"approve": True, "note": "同意结案"},
        "review_request": {"reason": "对答复不服"},
        "instruction": {"text": "请住建局依法妥善处理"},
        "archive": {"archive_number": f"WS·2026-Y-{next(_seq):04d}", "retention": "10y",
                    "location": "一号柜", "page_count": 12},
        "void": {"reason": "重复登记"},
        "hearing_propose": {"reason": "案情复杂，涉及多方", "start_on": "2026-11-25", "place": "县信访局听证室",
                            "chair": "王主任", "is_public": "1"},
        "hearing_decide": {"approve": "1", "note": "同意"},
        "hearing_record": {"start_on": "2026-11-19", "conclusion": "听证意见：维持原处理意见"},
        "hearing_cancel": {"reason": "信访人撤回申请"},
    }[move]


TO_STATUS = {
    "accept": "accepted", "decline": "declined", "refuse_repeat": "refused_repeat",
    "forward": "forwarded", "assign": "assigned", "sign_for": "handling", "return": "accepted",
    "transfer": "assigned", "reply": "replied", "close_request": "closing",
    "close_decide": "closed", "archive": "archived", "void": "voided",
}
EVENT = {"extend_decide": "extend_approve", "close_decide": "close_approve", "hearing_decide": "hearing_approve"}
# The hearing a hearing move starts from (pending for the leader's decision, approved otherwise).
HEARING_NEEDED = {"hearing_decide": "pending", "hearing_record": "approved", "hearing_cancel": "approved"}


def add_hearing(case, status, start=date(2026, 11, 19), end=None):
    from models import Hearing
    h = Hearing(case=case, status=status, reason="案情复杂", start_on=start, end_on=end or start,
                place="县信访局听证室", chair="王主任", panel="", participants="", is_public=True)
    db.session.add(h)
    db.session.flush()
    return h


def events(case):
    return list(db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                   .order_by(CaseEvent.id)).scalars())


@pytest.mark.parametrize("status", list(STATUSES))
@pytest.mark.parametrize("move", workflow.MOVES)
def test_every_move_from_every_status(office, move, status):
    o = office
    extra = {}
    if move in ("extend_decide", "extend_withdraw"):
        extra = {"extension_state": "pending", "extension_days": 15}
    if move == "notice":
        extra["accept_notice_on"] = None
    extra["department_id"] = o.zj.id  # so handler1 and the leader reach the case in every status
    case = make_case(db.session, o, status, **extra)
    if move in HEARING_NEEDED:
        add_hearing(case, HEARING_NEEDED[move])
    db.session.commit()
    actor = getattr(o, ACTOR[move])
    before_version, before_status = case.version, case.status
    allowed = status in spec.MOVES[move].statuses
    if allowed:
        ev = workflow.perform(db.session, actor, case, move, **valid_data(move, o))
        db.session.commit()
        assert ev.action == EVENT.get(move, move)
        assert ev.from_status == status
        assert case.status == TO_STATUS.get(move, status)
        assert ev.to_status == case.status
        assert ev.actor_id == actor.id
        assert [e.action for e in events(case)] == [ev.action]
    else:
        with pytest.raises(ServiceError) as err:
            workflow.perform(db.session, actor, case, move, **valid_data(move, o))
        if move == "archive" and status not in ("closed", "archived"):
            # The archivist does not even see open cases.
            assert err.value.message == "该信访事项不在您的办理范围内，您无权归档"
        else:
            assert err.value.message == (
                f"当前状态为“{STATUSES[status]}”，不能{workflow.MOVE_LABELS[move]}")
        assert not db.session.new
        db.session.commit()
        db.session.refresh(case)
        assert (case.version, case.status) == (before_version, before_status)
        assert events(case) == []


def test_available_moves_follow_status_and_role(office):
    o = office
    c = make_case(db.session, o, "handling")
    def moves(u, case=c):
        return [m for m, _ in workflow.available_moves(db.session, u, case)]

    assert set(moves(o.handler1)) == {"return", "extend_request", "reply", "hearing_propose"}
    assert set(moves(o.clerk)) == {"transfer", "supervise", "hearing_propose"}
    assert set(moves(o.leader)) == {"supervise", "instruction"}
    assert moves(o.archivist) == []
    assert moves(o.admin) == ["void"]
    assert moves(o.handler2) == []
    c2 = make_case(db.session, o, "registered")
    assert set(moves(o.clerk, c2)) == {"notice", "accept", "decline", "refuse_repeat", "forward"}


@pytest.mark.parametrize("move,username,message", [
    ("accept", "handler1", "您的角色（承办人）无权受理"),
    ("assign", "leader", "您的角色（领导）无权交办"),
    ("sign_for", "clerk", "您的角色（信访办登记员）无权签收"),
    ("reply", "leader", "您的角色（领导）无权答复"),
    ("close_decide", "clerk", "您的角色（信访办登记员）无权审批结案"),
    ("extend_decide", "handler1", "您的角色（承办人）无权审批延期"),
    ("archive", "clerk", "您的角色（信访办登记员）无权归档"),
    ("void", "clerk", "您的角色（信访办登记员）无权作废"),
    ("instruction", "clerk", "您的角色（信访办登记员）无权批示"),
])
def test_role_refusals(office, move, username, message):
    c = make_case(db.session, office, "handling")
    db.session.commit()
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, getattr(office, username), c, move, **valid_data(move, office))
    assert err.value.message == message
    assert events(c) == []


def test_handler_reach_and_assisting_department(office):
    o = office
    c = make_case(db.session, o, "assigned")
    db.session.commit()
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.handler2, c, "sign_for")
    assert err.value.message == "该信访事项不在您的办理范围内，您无权签收"
    db.session.add(CaseAssist(case_id=c.id, department_id=o.rs.id))
    db.session.commit()
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.handler2, c, "sign_for")
    assert err.value.message == "只有责任单位的承办人才能签收"


def test_recusal_blocks_sign_for(office):
    o = office
    c = make_case(db.session, o, "assigned")
    db.session.add(CaseInterest(case_id=c.id, user_id=o.handler1.id, reason="信访人系其亲属"))
    db.session.commit()
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.handler1, c, "sign_for")
    assert err.value.message == "您与该信访事项有利害关系，应当回避，不能签收"
    assert "sign_for" not in [m for m, _ in workflow.available_moves(db.session, o.handler1, c)]


def test_accept_sets_clock_and_notice(office):
    o = office
    c = make_case(db.session, o, "registered", received_on=date(2026, 11, 2))
    db.session.commit()
    ev = workflow.perform(db.session, o.clerk, c, "accept", accepted_on="2026-11-03", notice_on="2026-11-03")
    db.session.commit()
    # 2026-11-03 + 60 days = 2027-01-02 (Sat) -> Mon 2027-01-04 (2027: weekends only)
    assert c.handle_due == c.handle_base_due == date(2027, 1, 4)
    assert c.accept_notice_on == date(2026, 11, 3)
    assert ev.data["handle_due"] == "2027-01-04"


def test_notice_stops_accept_clock_once(office):
    o = office
    c = make_case(db.session, o, "registered")
    db.session.commit()
    workflow.perform(db.session, o.clerk, c, "notice", notice_on="2026-11-10")
    db.session.commit()
    assert c.accept_notice_on == date(2026, 11, 10)
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.clerk, c, "notice")
    assert err.value.message == "已于2026-11-10登记受理告知，无需重复登记"


def test_validation_messages_per_field(office):
    o = office
    c = make_case(db.session, o, "registered")
    db.session.commit()
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, c, "forward", forward_to=" ", notice_on="2026-13-01")
    assert err.value.errors == {
        "forward_to": ["请填写接收机关"], "forward_doc_no": ["请填写转送文号"],
        "notice_on": ["告知日期格式不正确，应为“年-月-日”，如 2026-03-12、2026/3/12 或 2026年3月12日"]}
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, c, "accept", accepted_on="2026-12-01")
    assert err.value.errors == {"accepted_on": ["受理日期不能晚于今天"]}
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, c, "accept", accepted_on="2026-10-01")
    assert err.value.errors == {"accepted_on": ["受理日期不能早于收件日期（2026-11-02）"]}
    assert not db.session.new and c.status == "registered"


def test_assign_with_assists_and_due(office):
    o = office
    c = make_case(db.session, o, "accepted")
    db.session.commit()
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, c, "assign", department_id=o.zj.id, due="2027-02-01")
    assert err.value.errors == {"due": ["办理期限不能晚于法定期限（2027-01-04）"]}
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, c, "assign", department_id="abc")
    assert err.value.errors == {"department_id": ["所选责任单位不存在或已停用"]}
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, c, "assign", department_id=o.zj.id, assist_ids=[o.zj.id])
    assert err.value.errors == {"assist_ids": ["配合单位不能与责任单位相同"]}
    ev = workflow.perform(db.session, o.clerk, c, "assign", department_id=o.zj.id,
                          assist_ids=[o.rs.id], due="2026-12-20", note="请于12月20日前办结")
    db.session.commit()
    assert (c.status, c.department_id, c.handle_due) == ("assigned", o.zj.id, date(2026, 12, 20))
    assert [a.department_id for a in c.assists] == [o.rs.id]
    assert (ev.from_department_id, ev.to_department_id) == (None, o.zj.id)
    assert ev.data["custom_due"] is True and ev.data["assists"] == ["县人力资源和社会保障局"]


def test_assign_defaults_to_source_deadline(office):
    o = office
    c = make_case(db.session, o, "registered", source="higher", source_doc_no="市信交〔2026〕3号",
                  source_deadline=date(2026, 12, 10))
    db.session.commit()
    workflow.perform(db.session, o.clerk, c, "accept")
    workflow.perform(db.session, o.clerk, c, "assign", department_id=o.zj.id)
    db.session.commit()
    assert c.handle_due == date(2026, 12, 10)


def _accused_unit(c, name):
    dept = db.session.execute(select(Department).where(Department.name == name)).scalar_one()
    db.session.add(CaseParty(case=c, party=Party(name=name, kind="unit", department_id=dept.id), role="accused"))


def test_accusation_routing(office):
    o = office
    c = make_case(db.session, o, "accepted", purpose="accusation")
    _accused_unit(c, "县住房和城乡建设局")
    db.session.commit()
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, c, "assign", department_id=o.zj.id)
    assert err.value.errors["department_id"] == [
        "“县住房和城乡建设局”是被反映单位或其上下级单位，不能交其办理（检举控告材料不得转给被反映单位）"]
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, c, "assign", department_id=o.rs.id)
    assert err.value.errors["department_id"] == [
        "检举控告类信访事项应交纪检监察部门办理，不能交“县人力资源和社会保障局”办理"]
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, c, "assign", department_id=o.jw.id, assist_ids=[o.zj.id])
    assert err.value.errors["assist_ids"] == ["“县住房和城乡建设局”是被反映单位或其上下级单位，不能作为配合单位"]
    assert c.status == "accepted" and c.department_id is None and not db.session.new
    workflow.perform(db.session, o.clerk, c, "assign", department_id=o.jw.id)
    db.session.commit()
    assert c.department_id == o.jw.id
    # transfer follows the same rules
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, c, "transfer", department_id=o.zj.id, reason="改派")
    assert "是被反映单位" in err.value.errors["department_id"][0]


def test_request_about_a_unit_may_go_to_that_unit(office):
    o = office
    c = make_case(db.session, o, "accepted")
    _accused_unit(c, "县住房和城乡建设局")
    db.session.commit()
    workflow.perform(db.session, o.clerk, c, "assign", department_id=o.zj.id)
    assert c.status == "assigned"


def test_sign_for_return_transfer(office):
    o = office
    c = make_case(db.session, o, "assigned")
    db.session.add(CaseAssist(case_id=c.id, department_id=o.rs.id))
    db.session.commit()
    workflow.perform(db.session, o.handler1, c, "sign_for")
    db.session.commit()
    assert (c.status, c.handler_id, c.signed_on) == ("handling", o.handler1.id, TODAY)
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.handler1, c, "return", reason="")
    assert err.value.errors == {"reason": ["请填写退回理由"]}
    ev = workflow.perform(db.session, o.handler1, c, "return", reason="不属于本单位职责")
    db.session.commit()
    assert (c.status, c.department_id, c.handler_id, c.assists) == ("accepted", None, None, [])
    assert (ev.from_department_id, ev.to_department_id, ev.note) == (o.zj.id, None, "不属于本单位职责")
    workflow.perform(db.session, o.clerk, c, "assign", department_id=o.zj.id)
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, c, "transfer", department_id=o.zj.id, reason="x")
    assert err.value.errors["department_id"] == ["该信访事项已由“县住房和城乡建设局”办理，请选择其他单位"]
    ev = workflow.perform(db.session, o.clerk, c, "transfer", department_id=o.rs.id, reason="职责调整")
    db.session.commit()
    assert (c.status, c.department_id, ev.from_department_id, ev.to_department_id) == (
        "assigned", o.rs.id, o.zj.id, o.rs.id)


def test_supervise(office):
    o = office
    c = make_case(db.session, o, "handling")
    db.session.commit()
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, c, "supervise", method="fax", note="")
    assert err.value.errors == {"method": ["督办方式的取值无效"], "note": ["请填写督办意见"]}
    ev = workflow.perform(db.session, o.leader, c, "supervise", method="onsite", note="现场督办")
    assert (ev.from_status, ev.to_status, ev.note) == ("handling", "handling", "（实地）现场督办")


def test_extension_once_with_leader_decision(office):
    o = office
    c = make_case(db.session, o, "handling", handle_due=date(2026, 12, 1), handle_base_due=date(2026, 12, 1))
    db.session.commit()
    for days, msg in ((0, "延期天数应在1至30之间"), (31, "延期天数应在1至30之间"), ("七", "延期天数应为整数")):
        with pytest.raises(ValidationFailed) as err:
            workflow.perform(db.session, o.handler1, c, "extend_request", days=days, reason="x")
        assert err.value.errors == {"days": [msg]}
    workflow.perform(db.session, o.handler1, c, "extend_request", days=10, reason="需鉴定")
    db.session.commit()
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.handler1, c, "extend_request", days=10, reason="x")
    assert err.value.message == "已有延期申请待领导审批，不能重复申请"
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.leader, c, "extend_decide", approve=False)
    assert err.value.errors == {"note": ["不批准延期须填写理由"]}
    ev = workflow.perform(db.session, o.leader, c, "extend_decide", approve=False, note="理由不充分")
    db.session.commit()
    assert ev.action == "extend_deny" and c.extension_state == "denied" and c.handle_due == date(2026, 12, 1)
    workflow.perform(db.session, o.handler1, c, "extend_request", days=10, reason="需鉴定")
    ev = workflow.perform(db.session, o.leader, c, "extend_decide", approve="1", note="同意")
    db.session.commit()
    # 2026-12-01 + 10 = 2026-12-11 (Fri)
    assert (ev.action, c.handle_due, c.handle_base_due) == ("extend_approve", date(2026, 12, 11), date(2026, 12, 1))
    assert c.extension_used
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.handler1, c, "extend_request", days=5, reason="x")
    assert err.value.message == "本阶段已延期一次，不能再次申请延期"
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.leader, c, "extend_decide", approve=True)
    assert err.value.message == "没有待审批的延期申请"


def test_reply_follow_up_close(office):
    o = office
    c = make_case(db.session, o, "handling")
    db.session.commit()
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.handler1, c, "reply", reply_text="", receipt_status="refused")
    assert err.value.errors == {
        "reply_text": ["请填写答复意见"], "reply_method": ["请选择答复方式"],
        "petitioner_response": ["请选择信访人意见"], "receipt_note": ["信访人拒绝签收的，须注明拒签情况"]}
    workflow.perform(db.session, o.handler1, c, "reply", reply_text="答复如下……", replied_on="2026-11-19",
                     reply_method="in_person", petitioner_response="disagree", receipt_status="refused",
                     receipt_note="信访人拒绝签字，两名工作人员在场见证")
    db.session.commit()
    assert (c.status, c.replied_on, c.receipt_status) == ("replied", date(2026, 11, 19), "refused")
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.clerk, c, "follow_up", satisfaction="很好")
    assert err.value.errors == {"satisfaction": ["满意度的取值无效"]}
    workflow.perform(db.session, o.handler1, c, "follow_up", satisfaction="basic")
    assert c.satisfaction == "basic" and c.follow_up_on == TODAY
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.clerk, c, "close_request")
    assert err.value.message == "不符合结案条件：未填写办结报告"
    workflow.perform(db.session, o.clerk, c, "close_request", handling_report="已调查核实并答复")
    db.session.commit()
    assert c.status == "closing"
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.leader, c, "close_decide", approve="")
    assert err.value.errors == {"approve": ["请选择审批结果"]}
    ev = workflow.perform(db.session, o.leader, c, "close_decide", approve=False, note="答复不完整，退回重办")
    db.session.commit()
    assert (ev.action, c.status) == ("close_reject", "handling")


def test_close_checklist_lists_every_missing_item(office):
    o = office
    c = make_case(db.session, o, "replied", reply_text="", reply_method=None, replied_on=None,
                  receipt_status=None)
    db.session.commit()
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.clerk, c, "close_request")
    assert err.value.message == ("不符合结案条件：未记录答复意见；未记录答复方式；未记录答复日期；"
                                 "未记录信访人签收送达回证或拒签说明；未填写办结报告")
    assert c.status == "replied" and events(c) == []


def test_close_approve(office):
    o = office
    c = make_case(db.session, o, "closing")
    db.session.commit()
    ev = workflow.perform(db.session, o.leader, c, "close_decide", approve=True)
    db.session.commit()
    assert (ev.action, c.status, c.closed_on, c.close_approved_by_id) == (
        "close_approve", "closed", TODAY, o.leader.id)


def test_review_chain_then_refuse(office):
    o = office
    person = Party(name="钱某", id_number="110101199003078515")
    c = make_case(db.session, o, "closed", petitioner=person)
    db.session.commit()
    ev = workflow.perform(db.session, o.clerk, c, "review_request", reason="对答复不服")
    db.session.commit()
    r1 = db.session.get(Case, ev.data["review_case_id"])
    assert (r1.review_level, r1.parent_case_id, r1.status, r1.accepted_on) == (1, c.id, "accepted", TODAY)
    # review clock: 2026-11-20 + 30 = 2026-12-20 (Sun) -> 2026-12-21
    assert r1.handle_due == date(2026, 12, 21)
    assert [p.id for p in r1.petitioners] == [person.id]
    assert [e.action for e in events(r1)] == ["review_request"]
    assert c.status == "closed"
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.clerk, c, "review_request", reason="再次")
    assert err.value.message == f"已就该信访事项提出复查（{r1.number}），不能重复申请"

    # take the 复查 to a reply, then ask for 复核
    answer = {**valid_data("reply", o), "review_outcome": "upheld"}
    for move, who, data in (("assign", o.clerk, {"department_id": o.zj.id}), ("sign_for", o.handler1, {}),
                            ("reply", o.handler1, answer)):
        workflow.perform(db.session, who, r1, move, **data)
    db.session.commit()
    assert workflow.move_label("review_request", r1) == "申请复核"
    ev = workflow.perform(db.session, o.clerk, r1, "review_request", reason="对复查意见不服")
    db.session.commit()
    r2 = db.session.get(Case, ev.data["review_case_id"])
    assert r2.review_level == 2
    for move, who, data in (("assign", o.clerk, {"department_id": o.zj.id}), ("sign_for", o.handler1, {}),
                            ("reply", o.handler1, answer)):
        workflow.perform(db.session, who, r2, move, **data)
    db.session.commit()
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.clerk, r2, "review_request", reason="仍不服")
    assert err.value.message == "该信访事项已经复核，信访人以同一事实和理由再次提出的，不再受理"

    # the same petitioner comes back: the clerk marks it the same matter -> only 不再受理
    again = make_case(db.session, o, "registered", petitioner=person)
    db.session.commit()
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.clerk, again, "accept", matter=str(c.id))
    assert err.value.message == (f"该信访人就同一事项已经复核并送达复核意见（{r2.number}），"
                                 "以同一事实和理由再次提出的，不能受理，只能不再受理")
    workflow.perform(db.session, o.clerk, again, "refuse_repeat", reason="已经复核终结", matter=str(c.id))
    assert again.status == "refused_repeat" and again.repeat_of_id == c.id


def test_review_window(office):
    o = office
    c = make_case(db.session, o, "replied", replied_on=date(2026, 10, 9))
    db.session.commit()
    # 2026-10-09 + 30 = 2026-11-08 (Sun) -> window ends Mon 2026-11-09
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.clerk, c, "review_request", reason="不服")
    assert err.value.message == "已超过申请复查的期限（答复送达之日起30日内，截至2026-11-09），不予受理"
    ev = workflow.perform(db.session, o.clerk, c, "review_request", reason="不服", requested_on="2026-11-09")
    assert ev.data["review_level"] == 1


def test_archive_volume_type_and_read_only(office):
    o = office
    assigned = make_case(db.session, o, "closed")
    direct = make_case(db.session, o, "closed", assigned_on=None, department_id=None)
    db.session.commit()
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.archivist, assigned, "archive", archive_number="", retention="5y",
                         location="", page_count="0")
    assert err.value.errors == {"archive_number": ["请填写档号"], "retention": ["保管期限的取值无效"],
                                "location": ["请填写存放位置"], "page_count": ["页数应在1至100000之间"]}
    workflow.perform(db.session, o.archivist, assigned, "archive", archive_number="XF-2026-0001",
                     retention="permanent", location="A柜3层", page_count=20, catalogue="来信原件\n答复意见书")
    db.session.commit()
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.archivist, direct, "archive", archive_number="XF-2026-0001",
                         retention="10y", location="A柜", page_count=3)
    assert err.value.errors == {"archive_number": ["档号“XF-2026-0001”已被使用"]}
    workflow.perform(db.session, o.archivist, direct, "archive", archive_number="XF-2026-0002",
                     retention="10y", location="A柜", page_count=3)
    db.session.commit()
    recs = {r.case_id: r for r in db.session.execute(select(ArchiveRecord)).scalars()}
    assert recs[assigned.id].volume_type == "special" and recs[direct.id].volume_type == "ordinary"
    assert assigned.status == "archived" and assigned.archived_on == TODAY
    for move, who in (("instruction", o.leader), ("void", o.admin), ("follow_up", o.clerk)):
        with pytest.raises(ServiceError) as err:
            workflow.perform(db.session, who, assigned, move, **valid_data(move, o))
        assert err.value.message.startswith("当前状态为“已归档”，不能")
    assert workflow.available_moves(db.session, o.admin, assigned) == []


def test_void_keeps_everything(office):
    o = office
    c = make_case(db.session, o, "handling")
    db.session.commit()
    with pytest.raises(ValidationFailed) as err:
        workflow.perform(db.session, o.admin, c, "void", reason=" ")
    assert err.value.errors == {"reason": ["请填写作废理由"]}
    workflow.perform(db.session, o.admin, c, "void", reason="重复登记")
    db.session.commit()
    assert db.session.get(Case, c.id).status == "voided" and c.void_reason == "重复登记"
    assert db.session.execute(select(func.count()).select_from(CaseParty).where(CaseParty.case_id == c.id)).scalar() == 1


def test_instruction_is_stored_and_logged(office):
    o = office
    c = make_case(db.session, o, "assigned")
    db.session.commit()
    ev = workflow.perform(db.session, o.leader, c, "instruction", text="请限期化解")
    db.session.commit()
    assert c.leader_instruction == "请限期化解" and ev.note == "请限期化解" and c.status == "assigned"


def test_expected_version(office):
    o = office
    c = make_case(db.session, o, "assigned")
    db.session.commit()
    with pytest.raises(ConflictError) as err:
        workflow.perform(db.session, o.handler1, c, "sign_for", expected_version=c.version + 1)
    assert err.value.message == "该信访事项已被他人修改，请刷新后重试"
    with pytest.raises(ConflictError):
        workflow.perform(db.session, o.handler1, c, "sign_for", expected_version="x")
    workflow.perform(db.session, o.handler1, c, "sign_for", expected_version=str(c.version))
    db.session.commit()
    assert c.status == "handling"


def test_unknown_move(office):
    o = office
    c = make_case(db.session, o, "registered")
    db.session.commit()
    with pytest.raises(ServiceError) as err:
        workflow.perform(db.session, o.clerk, c, "teleport")
    assert err.value.message == "未知的操作"
    workflow.perform(db.session, o.clerk, c, "accept")
    assert c.status == "accepted"


# ---- the spec ------------------------------------------------------------------------------------

ROLE_LABELS = {"admin": "系统管理员", "clerk": "信访办登记员", "handler": "承办人", "leader": "领导",
               "archivist": "档案员"}


@pytest.mark.parametrize("move", workflow.MOVES)
def test_every_move_is_one_complete_entry(office, move):
    """Each entry has what a move needs, and a role it does not name is refused with today's
    message before anything else is looked at; nothing is added."""
    entry = spec.MOVES[move]
    assert entry.name == move and entry.label == workflow.MOVE_LABELS[move]
    assert entry.roles and entry.roles <= set(ROLE_LABELS)
    assert entry.statuses and set(entry.statuses) <= set(STATUSES)
    assert entry.fields and all(f.name and f.label and f.kind in (
        "text", "textarea", "date", "number", "select", "multiselect", "radio") for f in entry.fields)
    assert len({f.name for f in entry.fields}) == len(entry.fields)
    assert callable(entry.validate) and callable(entry.apply)
    assert all(callable(g) for g in entry.guards)
    assert not entry.responsible_only or "handler" in entry.roles
    users = {"admin": office.admin, "clerk": office.clerk, "handler": office.handler1,
             "leader": office.leader, "archivist": office.archivist}
    c = make_case(db.session, office, entry.statuses[0], department_id=office.zj.id)
    db.session.commit()
    for role in set(users) - entry.roles:
        with pytest.raises(ServiceError) as err:
            workflow.perform(db.session, users[role], c, move, **valid_data(move, office))
        assert err.value.message == f"您的角色（{ROLE_LABELS[role]}）无权{entry.label}"
        assert not db.session.new and not db.session.dirty
    assert events(c) == []


def test_roles_labels_and_bulk_moves_come_from_the_spec():
    assert workflow.MOVES == (  # the order of the case page's buttons
        "notice", "accept", "decline", "refuse_repeat", "forward", "assign", "sign_for", "return", "transfer",
        "supervise", "extend_request", "extend_withdraw", "extend_decide", "hearing_propose", "hearing_decide",
        "hearing_record", "hearing_cancel", "reply", "follow_up", "close_request", "close_decide",
        "review_request", "instruction", "archive", "void")
    assert workflow.BULK_MOVES == ("assign", "transfer", "supervise")
    assert {m: e.label for m, e in spec.MOVES.items()} == workflow.MOVE_LABELS
    assert [m for m, e in spec.MOVES.items() if e.responsible_only] == [
        "sign_for", "return", "extend_request", "extend_withdraw", "hearing_propose", "hearing_record",
        "hearing_cancel", "reply", "follow_up"]


# ---- who may move what ---------------------------------------------------------------------------

_LIVE = ("registered", "accepted", "assigned", "handling", "replied", "closing", "closed", "declined",
         "refused_repeat", "forwarded")
# Who may make each move from which statuses, written out by hand (as the office's rules say it), so
# a wrong entry in services/workflow/spec.py cannot pass a test that reads the spec itself.
RULES = {
    "notice": ({"clerk"}, {"registered", "accepted", "assigned", "handling"}, False),
    "accept": ({"clerk"}, {"registered"}, False),
    "decline": ({"clerk"}, {"registered"}, False),
    "refuse_repeat": ({"clerk"}, {"registered", "accepted"}, False),
    "forward": ({"clerk"}, {"registered", "accepted"}, False),
    "assign": ({"clerk"}, {"accepted"}, False),
    "sign_for": ({"handler"}, {"assigned"}, True),
    "return": ({"handler"}, {"assigned", "handling"}, True),
    "transfer": ({"clerk"}, {"assigned", "handling"}, False),
    "supervise": ({"clerk", "leader"}, {"assigned", "handling"}, False),
    "extend_request": ({"handler"}, {"handling"}, True),
    "extend_decide": ({"leader"}, {"handling"}, False),
    "extend_withdraw": ({"handler"}, {"handling"}, True),
    "reply": ({"handler"}, {"handling"}, True),
    "follow_up": ({"clerk", "handler"}, {"replied", "closing", "closed"}, True),
    "close_request": ({"clerk"}, {"replied"}, False),
    "close_decide": ({"leader"}, {"closing"}, False),
    "review_request": ({"clerk"}, {"replied", "closed", "archived"}, False),
    "instruction": ({"leader"}, set(_LIVE), False),
    "archive": ({"archivist"}, {"closed"}, False),
    "void": ({"admin"}, set(_LIVE), False),
    # 信访听证: proposed by the office or the responsible unit, approved by a leader, while the clock runs
    "hearing_propose": ({"clerk", "handler"}, {"accepted", "assigned", "handling"}, True),
    "hearing_decide": ({"leader"}, {"accepted", "assigned", "handling"}, False),
    "hearing_record": ({"clerk", "handler"}, {"accepted", "assigned", "handling"}, True),
    "hearing_cancel": ({"clerk", "handler"}, {"accepted", "assigned", "handling"}, True),
}


def test_the_spec_says_what_the_office_rules_say():
    assert set(spec.MOVES) == set(RULES)
    for name, (roles, statuses, responsible_only) in RULES.items():
        m = spec.MOVES[name]
        assert (set(m.roles), set(m.statuses), m.responsible_only) == (roles, statuses, responsible_only), name
