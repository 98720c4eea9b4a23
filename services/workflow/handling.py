"""Handling: 申请延期, 审批延期, 撤回延期申请, 答复, 回访, 批示 — guards, validators, appliers."""
from models import Case
from models.enums import (PETITIONER_RESPONSES, RECEIPT_STATUSES, REPLY_METHODS, REVIEW_LEVELS,
                          REVIEW_OUTCOMES, SATISFACTION)
from services import ServiceError, access, deadlines
from services.workflow.common import (Fields, approval, day, event, iso, office_today, text_input,
                                     withdraw_extension)


# ---- guards ------------------------------------------------------------------------------------

def extension_open(session, actor, case, move):
    if case.extension_used:
        raise ServiceError("本阶段已延期一次，不能再次申请延期")
    if case.extension_state == "pending":
        raise ServiceError("已有延期申请待领导审批，不能重复申请")


def follow_up_once(session, actor, case, move):
    """The responsible department records its 回访 once; correcting it is the 信访办's."""
    if case.follow_up_on is not None and not access.is_office_staff(actor):
        raise ServiceError(f"回访已于{case.follow_up_on:%Y-%m-%d}登记，如需更正请联系信访办")


def extension_pending(session, actor, case, move):
    if case.extension_state != "pending":
        raise ServiceError("没有待审批的延期申请")


def extension_waiting(session, user):
    """SQL twin of extension_pending (the 待审批延期 count)."""
    return Case.extension_state == "pending"


# ---- validators ---------------------------------------------------------------------------------

def validate_extend_request(session, actor, case, data):
    f = Fields(data)
    out = {"days": f.int("days", "延期天数", 1, deadlines.MAX_EXTENSION_DAYS),
           "reason": f.text("reason", "延期理由", required=True)}
    f.done()
    return out


def validate_extend_decide(session, actor, case, data):
    return approval(data, "不批准延期")


def validate_reply(session, actor, case, data):
    f = Fields(data)
    start = case.signed_on or case.accepted_on or case.received_on
    out = {
        "reply_text": f.text("reply_text", "答复意见", required=True, max_len=20000),
        "replied_on": day(f, "replied_on", "答复日期", office_today(), start, "签收日期"),
        "reply_method": f.choice("reply_method", "答复方式", REPLY_METHODS),
        "petitioner_response": f.choice("petitioner_response", "信访人意见", PETITIONER_RESPONSES),
        "receipt_status": f.choice("receipt_status", "送达回证签收情况", RECEIPT_STATUSES),
        "receipt_note": f.text("receipt_note", "拒签说明", max_len=500),
        "handling_report": f.text("handling_report", "办结报告", max_len=20000),
    }
    if out["receipt_status"] == "refused" and not out["receipt_note"]:
        f.add("receipt_note", "信访人拒绝签收的，须注明拒签情况")
    # A 复查/复核 answers on the original opinion: 维持, 撤销 or 变更 (counted on its own line).
    out["review_outcome"] = (f.choice("review_outcome", "复查/复核结论", REVIEW_OUTCOMES)
                             if case.review_level else None)
    f.done()
    return out


def validate_follow_up(session, actor, case, data):
    f = Fields(data)
    out = {"follow_up_on": day(f, "follow_up_on", "回访日期", office_today(), case.replied_on, "答复日期"),
           "satisfaction": f.choice("satisfaction", "满意度", SATISFACTION),
           "note": f.text("note", "回访情况")}
    f.done()
    return out


validate_instruction = text_input("text", "批示内容", required=True)
validate_extend_withdraw = text_input("note", "撤回说明")


# ---- appliers -----------------------------------------------------------------------------------

def apply_extend_request(session, actor, case, c):
    case.extension_state = "pending"
    case.extension_days = c["days"]
    case.extension_reason = c["reason"]
    return event(session, actor, case, "extend_request", case.status, case.department_id,
                 f"申请延期{c['days']}天：{c['reason']}", {"days": c["days"]})


def apply_extend_decide(session, actor, case, c):
    if c["approve"]:
        old = case.handle_base_due or case.handle_due
        case.handle_base_due = old
        # an approved or held hearing stays off the clock on top of the extension
        case.handle_due = deadlines.with_hearings(
            session, case, deadlines.extended_due(session, old, case.extension_days))
        case.extension_state = "approved"
        case.extension_used = True
        return event(session, actor, case, "extend_approve", case.status, case.department_id,
                     c["note"], {"days": case.extension_days, "old_due": iso(old),
                                 "new_due": iso(case.handle_due)})
    case.extension_state = "denied"
    return event(session, actor, case, "extend_deny", case.status, case.department_id, c["note"],
                 {"days": case.extension_days})


def apply_extend_withdraw(session, actor, case, c):
    case.extension_state = "withdrawn"
    note = f"撤回延期{case.extension_days}天的申请" + (f"：{c['note']}" if c["note"] else "")
    return event(session, actor, case, "extend_withdraw", case.status, case.department_id, note,
                 {"days": case.extension_days})


def apply_reply(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "replied"
    for key in ("reply_text", "replied_on", "reply_method", "petitioner_response", "receipt_status"):
        setattr(case, key, c[key])
    if c["handling_report"]:
        case.handling_report = c["handling_report"]
    if c["review_outcome"]:
        case.review_outcome = c["review_outcome"]
    data = {"replied_on": iso(c["replied_on"]), "method": c["reply_method"],
            "response": c["petitioner_response"], "receipt": c["receipt_status"]}
    note = c["receipt_note"] + withdraw_extension(case)
    if c["review_outcome"]:
        data["review_outcome"] = c["review_outcome"]
        conclusion = f"{REVIEW_LEVELS[case.review_level]}结论：{REVIEW_OUTCOMES[c['review_outcome']]}原处理意见"
        note = conclusion + (f"。{note}" if note else "")
    return event(session, actor, case, "reply", before, dept, note, data)


def apply_follow_up(session, actor, case, c):
    case.follow_up_on = c["follow_up_on"]
    case.satisfaction = c["satisfaction"]
    case.follow_up_note = c["note"]
    return event(session, actor, case, "follow_up", case.status, case.department_id,
                 f"满意度：{SATISFACTION[c['satisfaction']]}" + (f"。{c['note']}" if c["note"] else ""),
                 {"follow_up_on": iso(c["follow_up_on"]), "satisfaction": c["satisfaction"]})


def apply_instruction(session, actor, case, c):
    case.leader_instruction = c["text"]
    return event(session, actor, case, "instruction", case.status, case.department_id, c["text"])
