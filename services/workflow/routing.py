"""Routing: 交办, 改派, 退回, 签收, 督办 — guards, validators, appliers."""
from sqlalchemy import exists

from models import Case, CaseAssist, CaseInterest
from models.enums import HEARING_ON_CLOCK, SUPERVISE_METHODS
from services import ServiceError, access, deadlines
from services.workflow.common import (Fields, assists, check_routing, department, due, event, iso,
                                      leave_handler, office_today, statutory_due, text_input)


# ---- guards ------------------------------------------------------------------------------------

def signable_without_interest(session, user):
    """SQL twin of no_conflict_of_interest (the 待签收 count): cases the user must not handle
    (回避) do not wait for them."""
    return ~exists().where(CaseInterest.case_id == Case.id, CaseInterest.user_id == user.id)


def no_conflict_of_interest(session, actor, case, move):
    if not access.may_handle(session, actor, case):
        raise ServiceError("您与该信访事项有利害关系，应当回避，不能签收")


# ---- form defaults -----------------------------------------------------------------------------

def due_shown(session, case):
    """The 办理期限 the assign form starts with: the case's clock."""
    if any(h.status in HEARING_ON_CLOCK for h in case.hearings):  # the date before the hearing
        return statutory_due(session, case, office_today()).isoformat()
    shown = case.handle_due or deadlines.handle_due(session, case.accepted_on or office_today(),
                                                    case.source_deadline, case.review_level)
    return shown.isoformat() if shown else ""


# ---- validators ---------------------------------------------------------------------------------

def validate_assign(session, actor, case, data):
    f = Fields(data)
    dept = department(session, f, "department_id")
    helpers = assists(session, f, dept)
    check_routing(session, case, dept, helpers, f)
    on, custom = due(session, case, f, office_today())
    out = {"department": dept, "assists": helpers, "due": on, "custom_due": custom,
           "note": f.text("note", "交办意见")}
    f.done()
    return out


validate_sign_for = text_input("note", "备注")


validate_return = text_input("reason", "退回理由", required=True)


def validate_transfer(session, actor, case, data):
    f = Fields(data)
    dept = department(session, f, "department_id", "改派单位")
    if dept is not None and dept.id == case.department_id:
        f.add("department_id", f"该信访事项已由“{dept.name}”办理，请选择其他单位")
        dept = None
    check_routing(session, case, dept, [], f)
    on, custom = due(session, case, f, office_today())
    out = {"department": dept, "due": on, "custom_due": custom,
           "reason": f.text("reason", "改派理由", required=True)}
    f.done()
    return out


def validate_supervise(session, actor, case, data):
    f = Fields(data)
    out = {"method": f.choice("method", "督办方式", SUPERVISE_METHODS),
           "note": f.text("note", "督办意见", required=True)}
    f.done()
    return out


# ---- appliers -----------------------------------------------------------------------------------

def _route(session, case, c):
    """Returns leave_handler's note (a pending extension withdrawn)."""
    case.status = "assigned"
    case.department_id = c["department"].id
    case.department = c["department"]
    case.assigned_on = office_today()
    withdrawn = leave_handler(case)
    if not (case.extension_state == "approved"):
        case.handle_base_due = c["due"]
    # The date chosen is the clock's; an approved or held hearing's days stay off it.
    case.handle_due = deadlines.with_hearings(session, case, c["due"])
    return withdrawn


def apply_assign(session, actor, case, c):
    before, dept = case.status, case.department_id
    withdrawn = _route(session, case, c)
    kept = {a.department_id: a for a in case.assists}
    case.assists = [kept.get(d.id) or CaseAssist(department_id=d.id) for d in c["assists"]]
    return event(session, actor, case, "assign", before, dept, c["note"] + withdrawn, {
        "department": c["department"].name, "assists": [d.name for d in c["assists"]],
        "due": iso(c["due"]), "custom_due": c["custom_due"]})


def apply_sign_for(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "handling"
    case.handler_id = actor.id
    case.signed_on = office_today()
    return event(session, actor, case, "sign_for", before, dept, c["note"], {"handler": actor.full_name})


def apply_return(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "accepted"
    case.department_id = None
    case.department = None
    withdrawn = leave_handler(case)
    case.assists = []
    return event(session, actor, case, "return", before, dept, c["reason"] + withdrawn)


def apply_transfer(session, actor, case, c):
    before, dept = case.status, case.department_id
    withdrawn = _route(session, case, c)
    case.assists = [a for a in case.assists if a.department_id != c["department"].id]
    return event(session, actor, case, "transfer", before, dept, c["reason"] + withdrawn, {
        "department": c["department"].name, "due": iso(c["due"]), "custom_due": c["custom_due"]})


def apply_supervise(session, actor, case, c):
    label = SUPERVISE_METHODS[c["method"]]
    return event(session, actor, case, "supervise", case.status, case.department_id,
                 f"（{label}）{c['note']}", {"method": c["method"]})
