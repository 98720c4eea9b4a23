"""Every status change of a case: one entry, `perform`, for every move.

perform(session, actor, case, move, *, expected_version=None, **data) -> CaseEvent

Order of checks: the actor's role, the version the user saw (ConflictError), the actor's reach
(access.may_move), the status and state of the case, then the input (ValidationFailed with
per-field Chinese messages). Only then is the case changed and a CaseEvent added, in the
caller's transaction (the caller commits). A refused move adds nothing to the session.

Data keys per move (dates accept a date or 'YYYY-MM-DD'; all optional unless marked *):
  notice          notice_on, note
  accept          accepted_on, notice_on (also records the 受理告知), note
  decline         reason*, notice_on
  refuse_repeat   reason*, notice_on
  forward         forward_to*, forward_doc_no*, notice_on, note
  assign          department_id*, assist_ids, due, note
  sign_for        note
  return          reason*
  transfer        department_id*, reason*, due
  supervise       method* (SUPERVISE_METHODS), note*
  extend_request  days* (1–30), reason*
  extend_decide   approve* (bool), note (required when denying)
  reply           reply_text*, replied_on, reply_method*, petitioner_response*, receipt_status*,
                  receipt_note (required when refused), handling_report
  follow_up       follow_up_on, satisfaction*, note
  close_request   handling_report (* unless already on the case), note
  close_decide    approve* (bool), note (required when rejecting)
  review_request  reason*, requested_on
  instruction     text*
  archive         archive_number*, retention*, location*, page_count*, catalogue
  void            reason*
"""
from datetime import date, datetime

from sqlalchemy import exists, select

from models import ArchiveRecord, Case, CaseAssist, CaseEvent, CaseParty, Department
from models.base import utcnow
from models.enums import (PETITIONER_RESPONSES, RECEIPT_STATUSES, REPLY_METHODS, RETENTION_PERIODS,
                          REVIEW_LEVELS, SATISFACTION, STATUSES, SUPERVISE_METHODS)
from services import ConflictError, ServiceError, ValidationFailed, access, deadlines, numbering
from services.clock import today as office_today

MOVE_LABELS = {
    "notice": "登记受理告知", "accept": "受理", "decline": "不予受理", "refuse_repeat": "不再受理",
    "forward": "转送", "assign": "交办", "sign_for": "签收", "return": "退回", "transfer": "改派",
    "supervise": "督办", "extend_request": "申请延期", "extend_decide": "审批延期",
    "reply": "答复", "follow_up": "回访", "close_request": "申请结案", "close_decide": "审批结案",
    "review_request": "申请复查/复核", "instruction": "批示", "archive": "归档", "void": "作废",
}
MOVES = tuple(MOVE_LABELS)

_LIVE = tuple(s for s in STATUSES if s not in ("archived", "voided"))
ALLOWED_STATUSES = {
    "notice": ("registered", "accepted", "assigned", "handling"),
    "accept": ("registered",),
    "decline": ("registered",),
    "refuse_repeat": ("registered", "accepted"),
    "forward": ("registered", "accepted"),
    "assign": ("accepted",),
    "sign_for": ("assigned",),
    "return": ("assigned", "handling"),
    "transfer": ("assigned", "handling"),
    "supervise": ("assigned", "handling"),
    "extend_request": ("handling",),
    "extend_decide": ("handling",),
    "reply": ("handling",),
    "follow_up": ("replied", "closing", "closed"),
    "close_request": ("replied",),
    "close_decide": ("closing",),
    "review_request": ("replied", "closed"),
    "instruction": _LIVE,
    "archive": ("closed",),
    "void": _LIVE,
}
# Moves a case whose matter already went through 复核 may not take: it may only be refused.
_BLOCKED_AFTER_RE_REVIEW = ("accept", "decline", "forward", "assign")
BULK_MOVES = ("assign", "transfer", "supervise")


# ---- the entry point ----------------------------------------------------------------------

def perform(session, actor, case, move, *, expected_version=None, **data):
    """Make one move on one case; returns the CaseEvent added. The caller commits."""
    if move not in MOVE_LABELS:
        raise ServiceError("未知的操作")
    if not access.may_move(session, actor, move):  # the role alone; reach comes after the version
        check_actor(session, actor, case, move)
    if expected_version is not None and str(expected_version).strip() != "":
        try:
            seen = int(expected_version)
        except (TypeError, ValueError):
            raise ConflictError()
        if seen != case.version:
            raise ConflictError()
    try:
        check_actor(session, actor, case, move)
        check_state(session, actor, case, move)
    except ServiceError:
        # A refusal caused by someone else's move since the user loaded the case is a conflict.
        if expected_version is not None and _moved_on(session, case):
            raise ConflictError()
        raise
    cleaned = _VALIDATORS[move](session, actor, case, data)
    with session.no_autoflush:  # one UPDATE of the case per move: the version moves on by one
        return _APPLIERS[move](session, actor, case, cleaned)


def _moved_on(session, case):
    if case.id is None:
        return False
    current = session.execute(select(Case.version).where(Case.id == case.id)).scalar()
    return current is not None and current != case.version


def check_actor(session, actor, case, move):
    label = MOVE_LABELS.get(move, move)
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise ServiceError("请先登录")
    if access.may_move(session, actor, move, case):
        return
    if actor.role not in access.MOVE_ROLES.get(move, ()):
        raise ServiceError(f"您的角色（{actor.role_label}）无权{label}")
    if not access.can_see_case(session, actor, case):
        raise ServiceError(f"该信访事项不在您的办理范围内，您无权{label}")
    raise ServiceError(f"只有责任单位的承办人才能{label}")


def check_state(session, actor, case, move):
    """Status and state preconditions that do not depend on the input."""
    label = MOVE_LABELS[move]
    if case.status not in ALLOWED_STATUSES[move]:
        raise ServiceError(f"当前状态为“{case.status_label}”，不能{label}")
    if move in _BLOCKED_AFTER_RE_REVIEW and case.review_level == 0:
        done = re_reviewed_case(session, case)
        if done is not None:
            raise ServiceError(f"该信访人就同一事项已经复核（{done.number}），不能{label}，只能不再受理")
    if move == "notice" and case.accept_notice_on:
        raise ServiceError(f"已于{case.accept_notice_on:%Y-%m-%d}登记受理告知，无需重复登记")
    if move == "sign_for" and not access.may_handle(session, actor, case):
        raise ServiceError("您与该信访事项有利害关系，应当回避，不能签收")
    if move == "extend_request":
        if case.extension_used:
            raise ServiceError("本阶段已延期一次，不能再次申请延期")
        if case.extension_state == "pending":
            raise ServiceError("已有延期申请待领导审批，不能重复申请")
    if move == "extend_decide" and case.extension_state != "pending":
        raise ServiceError("没有待审批的延期申请")
    if move == "review_request":
        if case.review_level >= 2:
            raise ServiceError("该信访事项已经复核，信访人以同一事实和理由再次提出的，不再受理")
        if not case.replied_on:
            raise ServiceError("该信访事项尚未记录答复日期，不能申请复查/复核")
        child = session.execute(select(Case).where(
            Case.parent_case_id == case.id, Case.status != "voided")).scalars().first()
        if child is not None:
            raise ServiceError(f"已就该信访事项提出{REVIEW_LEVELS.get(child.review_level, '复查')}"
                               f"（{child.number}），不能重复申请")


def can_move(session, actor, case, move):
    try:
        check_actor(session, actor, case, move)
        check_state(session, actor, case, move)
    except ServiceError:
        return False
    return True


def available_moves(session, actor, case):
    """[(move, label)] the actor may make on this case now (input still to be validated)."""
    out = []
    for move in MOVES:
        if can_move(session, actor, case, move):
            out.append((move, move_label(move, case)))
    return out


def move_label(move, case=None):
    if move == "review_request" and case is not None:
        return "申请复核" if case.review_level == 1 else "申请复查"
    return MOVE_LABELS[move]


def re_reviewed_case(session, case):
    """A 复核 (review level 2) case of the same petitioner on the same matter, if any."""
    party_ids = [cp.party_id for cp in case.parties if cp.role == "petitioner"]
    if not party_ids:
        return None
    q = (select(Case).join(CaseParty, CaseParty.case_id == Case.id)
         .where(Case.review_level == 2, Case.id != case.id, Case.status != "voided",
                CaseParty.role == "petitioner", CaseParty.party_id.in_(party_ids),
                Case.category == case.category)
         .order_by(Case.id))
    return session.execute(q).scalars().first()


# ---- input helpers -------------------------------------------------------------------------

class _Errors(dict):
    def add(self, field, message):
        self.setdefault(field, []).append(message)

    def raise_if_any(self):
        if self:
            raise ValidationFailed(dict(self))


def _text(data, key, errors, label, required=False, max_len=4000):
    value = data.get(key)
    value = "" if value is None else str(value).strip()
    if required and not value:
        errors.add(key, f"请填写{label}")
    elif len(value) > max_len:
        errors.add(key, f"{label}不能超过{max_len}字")
    return value


def _date(data, key, errors, label, default=None, not_before=None, not_before_label="",
          allow_future=False):
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        value = default
    elif isinstance(value, datetime):
        value = value.date()
    elif not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            errors.add(key, f"{label}格式不正确，应为“年-月-日”，如 2026-11-20")
            return None
    if value is None:
        errors.add(key, f"请填写{label}")
        return None
    if not allow_future and value > office_today():
        errors.add(key, f"{label}不能晚于今天")
    elif not_before and value < not_before:
        errors.add(key, f"{label}不能早于{not_before_label}（{not_before:%Y-%m-%d}）")
    return value


def _choice(data, key, errors, label, choices, required=True):
    value = data.get(key)
    value = "" if value is None else str(value).strip()
    if not value:
        if required:
            errors.add(key, f"请选择{label}")
        return None
    if value not in choices:
        errors.add(key, f"{label}的取值无效")
        return None
    return value


def _int(data, key, errors, label, lo=None, hi=None):
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.add(key, f"请填写{label}")
        return None
    try:
        n = int(str(value).strip())
    except ValueError:
        errors.add(key, f"{label}应为整数")
        return None
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        errors.add(key, f"{label}应在{lo}至{hi}之间")
        return None
    return n


def _bool(data, key, errors, label):
    value = data.get(key)
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in ("1", "true", "yes", "approve", "y", "on"):
        return True
    if text in ("0", "false", "no", "deny", "reject", "n"):
        return False
    errors.add(key, f"请选择{label}")
    return None


def _ids(value):
    if value is None or value == "":
        return []
    if isinstance(value, (str, int)):
        value = str(value).replace("，", ",").split(",")
    # None marks an entry that is not a usable id (garbage, or too large for the database).
    return [access.parse_id(v) for v in value]


def _department(session, data, key, errors, label="责任单位"):
    raw = data.get(key)
    if raw is None or str(raw).strip() == "":
        errors.add(key, f"请选择{label}")
        return None
    pk = access.parse_id(raw)
    dept = session.get(Department, pk) if pk is not None else None
    if dept is None or not dept.active:
        errors.add(key, f"所选{label}不存在或已停用")
        return None
    return dept


def _check_routing(session, case, dept, assists, errors, key="department_id"):
    """检举控告: never to the accused unit (access.may_route_to); only to the discipline department."""
    if dept is None or case.purpose != "accusation":
        return
    ok, _msg = access.may_route_to(session, case, dept)
    if not ok:
        errors.add(key, f"“{dept.name}”是被反映单位，不能交其办理（检举控告材料不得转给被反映单位）")
        return
    if dept.kind != "discipline":
        errors.add(key, f"检举控告类信访事项应交纪检监察部门办理，不能交“{dept.name}”办理")
    for a in assists:
        if not access.may_route_to(session, case, a)[0]:
            errors.add("assist_ids", f"“{a.name}”是被反映单位，不能作为配合单位")


def _due(session, case, data, errors, start):
    """An optional due date at assign/transfer: defaults to the case's clock; not later than it."""
    statutory = case.handle_base_due or deadlines.handle_due(
        session, case.accepted_on or start, case.source_deadline, case.review_level)
    if case.extension_state == "approved" and case.handle_due:
        statutory = case.handle_due
    raw = data.get("due")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return statutory, False
    value = _date(data, "due", errors, "办理期限", allow_future=True, not_before=start,
                  not_before_label="今天")
    if value is not None and value > statutory:
        errors.add("due", f"办理期限不能晚于法定期限（{statutory:%Y-%m-%d}）")
    return value, value != statutory


# ---- validators: data -> cleaned dict (raise ValidationFailed, change nothing) -----------------

def _v_notice(session, actor, case, data):
    e = _Errors()
    out = {"notice_on": _date(data, "notice_on", e, "告知日期", office_today(), case.received_on, "收件日期"),
           "note": _text(data, "note", e, "备注")}
    e.raise_if_any()
    return out


def _v_accept(session, actor, case, data):
    e = _Errors()
    out = {"accepted_on": _date(data, "accepted_on", e, "受理日期", office_today(),
                                case.received_on, "收件日期"),
           "note": _text(data, "note", e, "备注")}
    raw = data.get("notice_on")
    out["notice_on"] = None
    if raw not in (None, "", False):
        out["notice_on"] = _date(data, "notice_on", e, "告知日期", None, case.received_on, "收件日期")
    e.raise_if_any()
    return out


def _v_decision(session, actor, case, data):
    e = _Errors()
    out = {"reason": _text(data, "reason", e, "理由", required=True),
           "notice_on": _date(data, "notice_on", e, "告知日期", office_today(), case.received_on, "收件日期")}
    e.raise_if_any()
    return out


def _v_forward(session, actor, case, data):
    e = _Errors()
    out = {"forward_to": _text(data, "forward_to", e, "接收机关", required=True, max_len=200),
           "forward_doc_no": _text(data, "forward_doc_no", e, "转送文号", required=True, max_len=100),
           "notice_on": _date(data, "notice_on", e, "告知日期", office_today(), case.received_on, "收件日期"),
           "note": _text(data, "note", e, "备注")}
    e.raise_if_any()
    return out


def _assists(session, data, e, dept):
    out = []
    for i in _ids(data.get("assist_ids")):
        d = session.get(Department, i) if i is not None else None
        if d is None or not d.active:
            e.add("assist_ids", "所选配合单位不存在或已停用")
            continue
        if dept is not None and d.id == dept.id:
            e.add("assist_ids", "配合单位不能与责任单位相同")
            continue
        if d not in out:
            out.append(d)
    return out


def _v_assign(session, actor, case, data):
    e = _Errors()
    dept = _department(session, data, "department_id", e)
    assists = _assists(session, data, e, dept)
    _check_routing(session, case, dept, assists, e)
    due, custom = _due(session, case, data, e, office_today())
    out = {"department": dept, "assists": assists, "due": due, "custom_due": custom,
           "note": _text(data, "note", e, "交办意见")}
    e.raise_if_any()
    return out


def _v_sign_for(session, actor, case, data):
    e = _Errors()
    out = {"note": _text(data, "note", e, "备注")}
    e.raise_if_any()
    return out


def _v_return(session, actor, case, data):
    e = _Errors()
    out = {"reason": _text(data, "reason", e, "退回理由", required=True)}
    e.raise_if_any()
    return out


def _v_transfer(session, actor, case, data):
    e = _Errors()
    dept = _department(session, data, "department_id", e, "改派单位")
    if dept is not None and dept.id == case.department_id:
        e.add("department_id", f"该信访事项已由“{dept.name}”办理，请选择其他单位")
        dept = None
    _check_routing(session, case, dept, [], e)
    due, custom = _due(session, case, data, e, office_today())
    out = {"department": dept, "due": due, "custom_due": custom,
           "reason": _text(data, "reason", e, "改派理由", required=True)}
    e.raise_if_any()
    return out


def _v_supervise(session, actor, case, data):
    e = _Errors()
    out = {"method": _choice(data, "method", e, "督办方式", SUPERVISE_METHODS),
           "note": _text(data, "note", e, "督办意见", required=True)}
    e.raise_if_any()
    return out


def _v_extend_request(session, actor, case, data):
    e = _Errors()
    out = {"days": _int(data, "days", e, "延期天数", 1, deadlines.MAX_EXTENSION_DAYS),
           "reason": _text(data, "reason", e, "延期理由", required=True)}
    e.raise_if_any()
    return out


def _v_decide(session, actor, case, data, reject_label):
    e = _Errors()
    approve = _bool(data, "approve", e, "审批结果")
    note = _text(data, "note", e, "审批意见")
    if approve is False and not note:
        e.add("note", f"{reject_label}须填写理由")
    e.raise_if_any()
    return {"approve": approve, "note": note}


def _v_reply(session, actor, case, data):
    e = _Errors()
    start = case.signed_on or case.accepted_on or case.received_on
    out = {
        "reply_text": _text(data, "reply_text", e, "答复意见", required=True, max_len=20000),
        "replied_on": _date(data, "replied_on", e, "答复日期", office_today(), start, "签收日期"),
        "reply_method": _choice(data, "reply_method", e, "答复方式", REPLY_METHODS),
        "petitioner_response": _choice(data, "petitioner_response", e, "信访人意见", PETITIONER_RESPONSES),
        "receipt_status": _choice(data, "receipt_status", e, "送达回证签收情况", RECEIPT_STATUSES),
        "receipt_note": _text(data, "receipt_note", e, "拒签说明", max_len=500),
        "handling_report": _text(data, "handling_report", e, "办结报告", max_len=20000),
    }
    if out["receipt_status"] == "refused" and not out["receipt_note"]:
        e.add("receipt_note", "信访人拒绝签收的，须注明拒签情况")
    e.raise_if_any()
    return out


def _v_follow_up(session, actor, case, data):
    e = _Errors()
    out = {"follow_up_on": _date(data, "follow_up_on", e, "回访日期", office_today(),
                                 case.replied_on, "答复日期"),
           "satisfaction": _choice(data, "satisfaction", e, "满意度", SATISFACTION),
           "note": _text(data, "note", e, "回访情况")}
    e.raise_if_any()
    return out


def close_checklist(case, handling_report=None):
    """The missing items for closing (domain.md: 不符合则不予结案)."""
    missing = []
    if not (case.reply_text or "").strip():
        missing.append("未记录答复意见")
    if not case.reply_method:
        missing.append("未记录答复方式")
    if not case.replied_on:
        missing.append("未记录答复日期")
    if case.receipt_status not in RECEIPT_STATUSES:
        missing.append("未记录信访人签收送达回证或拒签说明")
    report = handling_report if handling_report else (case.handling_report or "").strip()
    if not report:
        missing.append("未填写办结报告")
    return missing


def _v_close_request(session, actor, case, data):
    e = _Errors()
    report = _text(data, "handling_report", e, "办结报告", max_len=20000)
    note = _text(data, "note", e, "备注")
    e.raise_if_any()
    missing = close_checklist(case, report)
    if missing:
        err = ServiceError("不符合结案条件：" + "；".join(missing), field="handling_report")
        err.missing = missing
        raise err
    return {"handling_report": report, "note": note}


def _v_review_request(session, actor, case, data):
    e = _Errors()
    requested_on = _date(data, "requested_on", e, "申请日期", office_today(), case.replied_on, "答复日期")
    reason = _text(data, "reason", e, "申请理由", required=True)
    e.raise_if_any()
    end = deadlines.review_window_end(session, case.replied_on)
    if requested_on > end:
        level = "复核" if case.review_level == 1 else "复查"
        raise ServiceError(f"已超过申请{level}的期限（答复送达之日起30日内，截至{end:%Y-%m-%d}），不予受理")
    return {"requested_on": requested_on, "reason": reason}


def _v_instruction(session, actor, case, data):
    e = _Errors()
    out = {"text": _text(data, "text", e, "批示内容", required=True)}
    e.raise_if_any()
    return out


def _v_archive(session, actor, case, data):
    e = _Errors()
    number = _text(data, "archive_number", e, "档号", required=True, max_len=50)
    if number and session.execute(select(exists().where(ArchiveRecord.archive_number == number))).scalar():
        e.add("archive_number", f"档号“{number}”已被使用")
    out = {"archive_number": number,
           "retention": _choice(data, "retention", e, "保管期限", RETENTION_PERIODS),
           "location": _text(data, "location", e, "存放位置", required=True, max_len=100),
           "page_count": _int(data, "page_count", e, "页数", 1, 100000),
           "catalogue": _text(data, "catalogue", e, "卷内目录", max_len=20000)}
    e.raise_if_any()
    return out


def _v_void(session, actor, case, data):
    e = _Errors()
    out = {"reason": _text(data, "reason", e, "作废理由", required=True)}
    e.raise_if_any()
    return out


# ---- appliers: change the case, add the event --------------------------------------------------

def _event(session, actor, case, action, from_status, from_dept, note="", data=None):
    # Every move updates the case row, so the version moves on and a concurrent move conflicts.
    case.updated_at = utcnow()
    ev = CaseEvent(case=case, actor_id=actor.id, action=action, from_status=from_status,
                   to_status=case.status, from_department_id=from_dept,
                   to_department_id=case.department_id, note=note or "", data=data or {})
    session.add(ev)
    return ev


def _iso(d):
    return d.isoformat() if d else None


def _a_notice(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.accept_notice_on = c["notice_on"]
    return _event(session, actor, case, "notice", before, dept, c["note"],
                  {"notice_on": _iso(c["notice_on"])})


def _a_accept(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "accepted"
    case.accepted_on = c["accepted_on"]
    case.handle_base_due = case.handle_due = deadlines.handle_due(
        session, c["accepted_on"], case.source_deadline, case.review_level)
    if c["notice_on"] and not case.accept_notice_on:
        case.accept_notice_on = c["notice_on"]
    return _event(session, actor, case, "accept", before, dept, c["note"],
                  {"accepted_on": _iso(c["accepted_on"]), "handle_due": _iso(case.handle_due),
                   "notice_on": _iso(c["notice_on"])})


def _a_decision(move, to_status):
    def apply(session, actor, case, c):
        before, dept = case.status, case.department_id
        case.status = to_status
        case.decision_note = c["reason"]
        if not case.accept_notice_on:
            case.accept_notice_on = c["notice_on"]
        return _event(session, actor, case, move, before, dept, c["reason"],
                      {"notice_on": _iso(c["notice_on"])})
    return apply


def _a_forward(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "forwarded"
    case.forward_to, case.forward_doc_no = c["forward_to"], c["forward_doc_no"]
    if not case.accept_notice_on:
        case.accept_notice_on = c["notice_on"]
    note = f"转送{c['forward_to']}（{c['forward_doc_no']}）" + (f"。{c['note']}" if c["note"] else "")
    return _event(session, actor, case, "forward", before, dept, note,
                  {"forward_to": c["forward_to"], "forward_doc_no": c["forward_doc_no"]})


def _leave_handler(case):
    case.handler_id = None
    case.signed_on = None
    if case.extension_state == "pending":
        case.extension_state = None


def _a_assign(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "assigned"
    case.department_id = c["department"].id
    case.department = c["department"]
    case.assigned_on = office_today()
    _leave_handler(case)
    kept = {a.department_id: a for a in case.assists}
    case.assists = [kept.get(d.id) or CaseAssist(department_id=d.id) for d in c["assists"]]
    case.handle_due = c["due"]
    if not (case.extension_state == "approved"):
        case.handle_base_due = c["due"]
    return _event(session, actor, case, "assign", before, dept, c["note"], {
        "department": c["department"].name, "assists": [d.name for d in c["assists"]],
        "due": _iso(c["due"]), "custom_due": c["custom_due"]})


def _a_sign_for(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "handling"
    case.handler_id = actor.id
    case.signed_on = office_today()
    return _event(session, actor, case, "sign_for", before, dept, c["note"], {"handler": actor.full_name})


def _a_return(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "accepted"
    case.department_id = None
    case.department = None
    _leave_handler(case)
    case.assists = []
    return _event(session, actor, case, "return", before, dept, c["reason"])


def _a_transfer(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "assigned"
    case.department_id = c["department"].id
    case.department = c["department"]
    case.assigned_on = office_today()
    _leave_handler(case)
    case.assists = [a for a in case.assists if a.department_id != c["department"].id]
    case.handle_due = c["due"]
    if not (case.extension_state == "approved"):
        case.handle_base_due = c["due"]
    return _event(session, actor, case, "transfer", before, dept, c["reason"], {
        "department": c["department"].name, "due": _iso(c["due"]), "custom_due": c["custom_due"]})


def _a_supervise(session, actor, case, c):
    label = SUPERVISE_METHODS[c["method"]]
    return _event(session, actor, case, "supervise", case.status, case.department_id,
                  f"（{label}）{c['note']}", {"method": c["method"]})


def _a_extend_request(session, actor, case, c):
    case.extension_state = "pending"
    case.extension_days = c["days"]
    case.extension_reason = c["reason"]
    return _event(session, actor, case, "extend_request", case.status, case.department_id,
                  f"申请延期{c['days']}天：{c['reason']}", {"days": c["days"]})


def _a_extend_decide(session, actor, case, c):
    if c["approve"]:
        old = case.handle_base_due or case.handle_due
        case.handle_base_due = old
        case.handle_due = deadlines.extended_due(session, old, case.extension_days)
        case.extension_state = "approved"
        case.extension_used = True
        return _event(session, actor, case, "extend_approve", case.status, case.department_id,
                      c["note"], {"days": case.extension_days, "old_due": _iso(old),
                                  "new_due": _iso(case.handle_due)})
    case.extension_state = "denied"
    return _event(session, actor, case, "extend_deny", case.status, case.department_id, c["note"],
                  {"days": case.extension_days})


def _a_reply(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "replied"
    for key in ("reply_text", "replied_on", "reply_method", "petitioner_response", "receipt_status"):
        setattr(case, key, c[key])
    if c["handling_report"]:
        case.handling_report = c["handling_report"]
    if case.extension_state == "pending":
        case.extension_state = None
    return _event(session, actor, case, "reply", before, dept, c["receipt_note"], {
        "replied_on": _iso(c["replied_on"]), "method": c["reply_method"],
        "response": c["petitioner_response"], "receipt": c["receipt_status"]})


def _a_follow_up(session, actor, case, c):
    case.follow_up_on = c["follow_up_on"]
    case.satisfaction = c["satisfaction"]
    case.follow_up_note = c["note"]
    return _event(session, actor, case, "follow_up", case.status, case.department_id,
                  f"满意度：{SATISFACTION[c['satisfaction']]}" + (f"。{c['note']}" if c["note"] else ""),
                  {"follow_up_on": _iso(c["follow_up_on"]), "satisfaction": c["satisfaction"]})


def _a_close_request(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "closing"
    if c["handling_report"]:
        case.handling_report = c["handling_report"]
    case.close_requested_on = office_today()
    return _event(session, actor, case, "close_request", before, dept, c["note"])


def _a_close_decide(session, actor, case, c):
    before, dept = case.status, case.department_id
    if c["approve"]:
        case.status = "closed"
        case.closed_on = office_today()
        case.close_approved_by_id = actor.id
        return _event(session, actor, case, "close_approve", before, dept, c["note"])
    case.status = "handling"
    case.close_requested_on = None
    return _event(session, actor, case, "close_reject", before, dept, c["note"])


def _a_review_request(session, actor, case, c):
    level = case.review_level + 1
    name = REVIEW_LEVELS[level]
    on = c["requested_on"]
    review = Case(
        number=numbering.next_number(session, on.year), query_code=numbering.new_query_code(session),
        channel=case.channel, source="own", purpose=case.purpose, category=case.category,
        received_on=on, registered_by_id=actor.id,
        summary=f"申请{name}（原信访事项{case.number}）：{c['reason']}", demands=case.demands or "",
        incident_place=case.incident_place or "", people_count=case.people_count,
        is_collective=case.is_collective, is_joint=case.is_joint, is_anonymous=case.is_anonymous,
        is_litigation=case.is_litigation, status="accepted", accepted_on=on, review_level=level,
        parent_case_id=case.id, accept_notice_on=None, leader_id=case.leader_id,
    )
    review.accept_due = deadlines.accept_due(session, on)
    review.handle_base_due = review.handle_due = deadlines.handle_due(session, on, None, level)
    review.parties = [CaseParty(party_id=cp.party_id, role=cp.role, note=cp.note) for cp in case.parties]
    session.add(review)
    session.flush()
    session.add(CaseEvent(case=review, actor_id=actor.id, action="review_request", from_status=None,
                          to_status="accepted", note=c["reason"],
                          data={"parent_case_id": case.id, "parent_number": case.number,
                                "review_level": level, "handle_due": _iso(review.handle_due)}))
    return _event(session, actor, case, "review_request", case.status, case.department_id,
                  f"信访人申请{name}：{c['reason']}（{name}件{review.number}）",
                  {"review_case_id": review.id, "review_number": review.number, "review_level": level})


def _a_instruction(session, actor, case, c):
    case.leader_instruction = c["text"]
    return _event(session, actor, case, "instruction", case.status, case.department_id, c["text"])


def _a_archive(session, actor, case, c):
    before, dept = case.status, case.department_id
    assigned = case.assigned_on is not None or session.execute(select(exists().where(
        CaseEvent.case_id == case.id, CaseEvent.action.in_(("assign", "transfer"))))).scalar()
    volume = "special" if assigned else "ordinary"
    record = ArchiveRecord(case=case, archive_number=c["archive_number"], volume_type=volume,
                           retention=c["retention"], location=c["location"],
                           page_count=c["page_count"], catalogue=c["catalogue"],
                           filed_by_id=actor.id, filed_on=office_today())
    session.add(record)
    case.status = "archived"
    case.archived_on = office_today()
    return _event(session, actor, case, "archive", before, dept, f"档号{c['archive_number']}",
                  {"archive_number": c["archive_number"], "volume_type": volume})


def _a_void(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "voided"
    case.void_reason = c["reason"]
    return _event(session, actor, case, "void", before, dept, c["reason"])


_VALIDATORS = {
    "notice": _v_notice, "accept": _v_accept, "decline": _v_decision, "refuse_repeat": _v_decision,
    "forward": _v_forward, "assign": _v_assign, "sign_for": _v_sign_for, "return": _v_return,
    "transfer": _v_transfer, "supervise": _v_supervise, "extend_request": _v_extend_request,
    "extend_decide": lambda s, a, c, d: _v_decide(s, a, c, d, "不批准延期"),
    "reply": _v_reply, "follow_up": _v_follow_up, "close_request": _v_close_request,
    "close_decide": lambda s, a, c, d: _v_decide(s, a, c, d, "退回重办"),
    "review_request": _v_review_request, "instruction": _v_instruction, "archive": _v_archive,
    "void": _v_void,
}
_APPLIERS = {
    "notice": _a_notice, "accept": _a_accept, "decline": _a_decision("decline", "declined"),
    "refuse_repeat": _a_decision("refuse_repeat", "refused_repeat"), "forward": _a_forward,
    "assign": _a_assign, "sign_for": _a_sign_for, "return": _a_return, "transfer": _a_transfer,
    "supervise": _a_supervise, "extend_request": _a_extend_request, "extend_decide": _a_extend_decide,
    "reply": _a_reply, "follow_up": _a_follow_up, "close_request": _a_close_request,
    "close_decide": _a_close_decide, "review_request": _a_review_request,
    "instruction": _a_instruction, "archive": _a_archive, "void": _a_void,
}


# ---- thin named wrappers ----------------------------------------------------------------------

def _wrapper(move):
    def call(session, actor, case, *, expected_version=None, **data):
        return perform(session, actor, case, move, expected_version=expected_version, **data)
    call.__name__ = move
    call.__doc__ = f"{MOVE_LABELS[move]}: perform(..., '{move}', ...)."
    return call


notice = _wrapper("notice")
accept = _wrapper("accept")
decline = _wrapper("decline")
refuse_repeat = _wrapper("refuse_repeat")
forward = _wrapper("forward")
assign = _wrapper("assign")
sign_for = _wrapper("sign_for")
return_case = _wrapper("return")
transfer = _wrapper("transfer")
supervise = _wrapper("supervise")
extend_request = _wrapper("extend_request")
extend_decide = _wrapper("extend_decide")
reply = _wrapper("reply")
follow_up = _wrapper("follow_up")
close_request = _wrapper("close_request")
close_decide = _wrapper("close_decide")
review_request = _wrapper("review_request")
instruction = _wrapper("instruction")
archive = _wrapper("archive")
void = _wrapper("void")
