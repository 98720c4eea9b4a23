"""What the moves of every phase share: dates no later than today, departments, routing rules,
the statutory 办理期限 cap, and the CaseEvent every move adds. ("The same matter" and the 复核 rule
live in services/matters.py.)"""
from models import CaseEvent, Department
from models.base import utcnow
from services import access, deadlines
from services.clock import today as office_today
from services.inputs import Fields, parse_id

__all__ = ("Fields", "day", "department", "assists", "check_routing", "due", "text_input", "approval",
           "event", "iso", "leave_handler", "withdraw_extension", "office_today", "statutory_due")


# ---- input -------------------------------------------------------------------------------------

def day(f, key, label, default=None, not_before=None, not_before_label=""):
    """A required date, not later than today; `default` when left blank."""
    return f.date(key, label, required=True, default=default, not_before=not_before,
                  not_before_label=not_before_label, allow_future=False, today=office_today())


def department(session, f, key, label="责任单位"):
    """An active department chosen in `key`, or None (with the message on the field)."""
    raw = f.data.get(key)
    if raw is None or str(raw).strip() == "":
        f.add(key, f"请选择{label}")
        return None
    pk = parse_id(raw)
    dept = session.get(Department, pk) if pk is not None else None
    if dept is None or not dept.active:
        f.add(key, f"所选{label}不存在或已停用")
        return None
    return dept


def assists(session, f, dept, key="assist_ids"):
    out = []
    for i in f.ids(key):
        d = session.get(Department, i) if i is not None else None
        if d is None or not d.active:
            f.add(key, "所选配合单位不存在或已停用")
            continue
        if dept is not None and d.id == dept.id:
            f.add(key, "配合单位不能与责任单位相同")
            continue
        if d not in out:
            out.append(d)
    return out


def check_routing(session, case, dept, helpers, f, key="department_id"):
    """检举控告: never to (nor assisted by) the accused unit or a unit above or below it
    (access.may_route_to); only to the discipline department."""
    if dept is None or case.purpose != "accusation":
        return
    ok, _msg = access.may_route_to(session, case, dept)
    if not ok:
        f.add(key, f"“{dept.name}”是被反映单位或其上下级单位，不能交其办理（检举控告材料不得转给被反映单位）")
        return
    if dept.kind != "discipline":
        f.add(key, f"检举控告类信访事项应交纪检监察部门办理，不能交“{dept.name}”办理")
    for a in helpers:
        if not access.may_route_to(session, case, a)[0]:
            f.add("assist_ids", f"“{a.name}”是被反映单位或其上下级单位，不能作为配合单位")


def statutory_due(session, case, start):
    """The latest 办理期限 the law allows this case, from its facts: never a date typed at an
    earlier 交办 (handle_base_due may hold one), so a 改派 can give the new unit the real date."""
    base = deadlines.handle_due(session, case.accepted_on or start, case.source_deadline, case.review_level)
    if case.extension_state == "approved" and case.extension_days:
        return deadlines.extended_due(session, base, case.extension_days)
    return base


def due(session, case, f, start):
    """An optional due date at assign/transfer: defaults to the case's clock; not later than it.
    Returns (due, custom)."""
    statutory = statutory_due(session, case, start)
    raw = f.data.get("due")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return statutory, False
    value = f.date("due", "办理期限", not_before=start, not_before_label="今天")
    if value is not None and value > statutory:
        f.add("due", f"办理期限不能晚于法定期限（{statutory:%Y-%m-%d}）")
    return value, value != statutory


def text_input(key, label, required=False):
    """The validator of a move whose only input is one text."""
    def validate(session, actor, case, data):
        f = Fields(data)
        out = {key: f.text(key, label, required=required)}
        f.done()
        return out
    return validate


def approval(data, reject_label):
    """审批结果 and 审批意见; a refusal needs its reason."""
    f = Fields(data)
    approve = f.bool("approve", "审批结果")
    note = f.text("note", "审批意见")
    if approve is False and not note:
        f.add("note", f"{reject_label}须填写理由")
    f.done()
    return {"approve": approve, "note": note}


# ---- the event ---------------------------------------------------------------------------------

def event(session, actor, case, action, from_status, from_dept, note="", data=None):
    # Every move updates the case row, so the version moves on and a concurrent move conflicts.
    case.updated_at = utcnow()
    ev = CaseEvent(case=case, actor_id=actor.id, action=action, from_status=from_status,
                   to_status=case.status, from_department_id=from_dept,
                   to_department_id=case.department_id, note=note or "", data=data or {})
    session.add(ev)
    return ev


def iso(d):
    return d.isoformat() if d else None


def leave_handler(case):
    """The case leaves its handler (交办, 改派, 退回); returns withdraw_extension's note."""
    case.handler_id = None
    case.signed_on = None
    return withdraw_extension(case)


def withdraw_extension(case):
    """A pending extension request ends with the handling it was asked for: it is marked withdrawn
    (never silently dropped, the case page says so). Returns the note for the move's event."""
    if case.extension_state != "pending":
        return ""
    case.extension_state = "withdrawn"
    return "（待审批的延期申请随之撤回）"
