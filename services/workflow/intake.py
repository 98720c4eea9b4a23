"""Intake: 登记受理告知, 受理, 不予受理, 不再受理, 转送 — guards, validators, appliers."""
from services import ServiceError, deadlines, matters
from services.workflow.common import Fields, day, event, iso, office_today


# ---- guards ------------------------------------------------------------------------------------

def not_noticed_yet(session, actor, case, move):
    if case.accept_notice_on:
        raise ServiceError(f"已于{case.accept_notice_on:%Y-%m-%d}登记受理告知，无需重复登记")


# ---- validators ---------------------------------------------------------------------------------

def _notice_on(f, case):
    return day(f, "notice_on", "告知日期", office_today(), case.received_on, "收件日期")


def validate_notice(session, actor, case, data):
    f = Fields(data)
    out = {"notice_on": _notice_on(f, case), "note": f.text("note", "备注")}
    f.done()
    return out


def validate_accept(session, actor, case, data):
    f = Fields(data)
    out = {"matter": matters.read_choice(session, actor, case, data, f),
           "accepted_on": day(f, "accepted_on", "受理日期", office_today(), case.received_on, "收件日期"),
           "note": f.text("note", "备注"), "notice_on": None}
    if data.get("notice_on") not in (None, "", False):  # also records the 受理告知
        out["notice_on"] = day(f, "notice_on", "告知日期", None, case.received_on, "收件日期")
    f.done()
    matters.check_not_re_reviewed(session, out["matter"], "受理")
    return out


MSG_NEW_MATTER_REFUSED = "新的事项不能不再受理：不再受理只适用于以同一事实和理由再次提出的事项"


def decision_validator(move):
    """不予受理 / 不再受理: the reason told to the petitioner, and the clerk's 同一事项 choice."""
    def validate(session, actor, case, data):
        f = Fields(data)
        out = {"matter": matters.read_choice(session, actor, case, data, f),
               "reason": f.text("reason", "理由", required=True), "notice_on": _notice_on(f, case)}
        if move == "refuse_repeat" and out["matter"] is not None and out["matter"][0] == "new":
            f.add("matter", MSG_NEW_MATTER_REFUSED)
        f.done()
        if move == "decline":
            matters.check_not_re_reviewed(session, out["matter"], "不予受理")
        return out
    validate.__name__ = f"validate_{move}"
    return validate


def validate_forward(session, actor, case, data):
    f = Fields(data)
    out = {"matter": matters.read_choice(session, actor, case, data, f),
           "forward_to": f.text("forward_to", "接收机关", required=True, max_len=200),
           "forward_doc_no": f.text("forward_doc_no", "转送文号", required=True, max_len=100),
           "notice_on": _notice_on(f, case),
           "note": f.text("note", "备注")}
    f.done()
    matters.check_not_re_reviewed(session, out["matter"], "转送")
    return out


def _joined(*notes):
    return "。".join(n for n in notes if n)


# ---- appliers -----------------------------------------------------------------------------------

def apply_notice(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.accept_notice_on = c["notice_on"]
    return event(session, actor, case, "notice", before, dept, c["note"], {"notice_on": iso(c["notice_on"])})


def apply_accept(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "accepted"
    case.accepted_on = c["accepted_on"]
    case.handle_base_due = case.handle_due = deadlines.handle_due(
        session, c["accepted_on"], case.source_deadline, case.review_level)
    if c["notice_on"] and not case.accept_notice_on:
        case.accept_notice_on = c["notice_on"]
    matter, said = matters.apply_choice(case, c["matter"])
    return event(session, actor, case, "accept", before, dept, _joined(said, c["note"]),
                 {"accepted_on": iso(c["accepted_on"]), "handle_due": iso(case.handle_due),
                  "notice_on": iso(c["notice_on"]), **matter})


def decision(move, to_status):
    """不予受理 / 不再受理: the case ends in `to_status` with the reason told to the petitioner."""
    def apply(session, actor, case, c):
        before, dept = case.status, case.department_id
        case.status = to_status
        case.decision_note = c["reason"]
        if not case.accept_notice_on:
            case.accept_notice_on = c["notice_on"]
        matter, said = matters.apply_choice(case, c["matter"])
        return event(session, actor, case, move, before, dept, _joined(said, c["reason"]),
                     {"notice_on": iso(c["notice_on"]), **matter})
    apply.__name__ = f"apply_{move}"
    return apply


def apply_forward(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "forwarded"
    case.forward_to, case.forward_doc_no = c["forward_to"], c["forward_doc_no"]
    if not case.accept_notice_on:
        case.accept_notice_on = c["notice_on"]
    matter, said = matters.apply_choice(case, c["matter"])
    note = _joined(f"转送{c['forward_to']}（{c['forward_doc_no']}）", said, c["note"])
    return event(session, actor, case, "forward", before, dept, note,
                 {"forward_to": c["forward_to"], "forward_doc_no": c["forward_doc_no"], **matter})
