"""Hearings (信访听证): 提议听证, 审批听证, 记录听证, 撤销听证 — guards, validators, appliers.

Each step is a move of the case (services/workflow/spec.py: hearing_propose, hearing_decide,
hearing_record, hearing_cancel): perform checks the role, reach and status; what the hearing pages
read is services/hearings.py. A case has at most one open hearing
(待审批 or 已批准). While a hearing is approved or held its days are kept off the handling clock
(services/deadlines.with_hearings): approving it moves the due date by its planned period,
recording it held moves it by the period actually held, cancelling an approved one takes the move
back. Every step is an event on the case's timeline.
"""
from datetime import datetime, timezone

from sqlalchemy import exists

from models import Case, Hearing
from models.enums import HEARING_OPEN
from services import ServiceError, deadlines
from services.inputs import blank
from services.workflow.common import Fields, approval, event, iso, office_today

# A case is heard while its handling clock runs (a 复查/复核 case is a case of its own).
CASE_STATUSES = deadlines.HANDLE_CLOCK_STATUSES
MAX_PERIOD_DAYS = 30  # a hearing longer than this is a typing error
PUBLIC = (("1", "公开"), ("0", "不公开"))
YES_NO = (("0", "否"), ("1", "是"))
MSG_END_BEFORE_START = "听证结束日期不能早于开始日期"


def _utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def lines(text):
    return [ln.strip() for ln in (text or "").splitlines() if ln.strip()]


def open_hearing(case):
    return next((h for h in case.hearings if h.status in HEARING_OPEN), None)


def _hearing(case, status):
    return next((h for h in reversed(case.hearings) if h.status == status), None)


def held_hearing(case):
    """The latest hearing held on the case (its 听证意见 is offered to the reply)."""
    return _hearing(case, "held")


# ---- guards ------------------------------------------------------------------------------------

def no_open_hearing(session, actor, case, move):
    h = open_hearing(case)
    if h is not None:
        raise ServiceError(f"该信访事项已有{h.status_label}的听证（{h.start_on:%Y-%m-%d}），不能重复提议")


def hearing_pending(session, actor, case, move):
    if _hearing(case, "pending") is None:
        raise ServiceError("没有待审批的听证")


def hearing_approved(session, actor, case, move):
    if _hearing(case, "approved") is None:
        raise ServiceError("没有已批准待举行的听证")


def hearing_open(session, actor, case, move):
    if open_hearing(case) is None:
        raise ServiceError("没有待审批或待举行的听证")


def waiting_approval(session, user):
    """SQL twin of hearing_pending (the 待审批听证 count)."""
    return exists().where(Hearing.case_id == Case.id, Hearing.status == "pending")


# ---- form defaults and visibility -----------------------------------------------------------------

def is_review(session, user, case):
    return bool(case.review_level)


def _approved_value(name):
    def default(session, case):
        h = _hearing(case, "approved")
        value = getattr(h, name, None) if h is not None else None
        return value.isoformat() if hasattr(value, "isoformat") else value
    return default


start_default = _approved_value("start_on")
end_default = _approved_value("end_on")


def reply_default(session, case):
    """The reply form starts with the held hearing's 听证意见, as text to use."""
    h = held_hearing(case)
    if h is None or not (h.conclusion or "").strip():
        return None
    if (case.reply_text or "").strip():  # a reply sent back (退回重办) keeps its own text
        return None
    return f"经{h.start_on:%Y年%m月%d日}听证，听证意见：{h.conclusion.strip()}"


# ---- validators -----------------------------------------------------------------------------------

def _period(f, case, held=False):
    """start_on and end_on (blank end: a one-day hearing); a held hearing is not in the future."""
    start_floor = case.accepted_on or case.received_on
    kw = {"not_before": start_floor, "not_before_label": "受理日期"}
    if held:
        kw.update(allow_future=False, today=office_today())
    start = f.date("start_on", "听证开始日期", required=True, **kw)
    end = f.date("end_on", "听证结束日期", **kw) if not blank(f.data.get("end_on")) else start
    if start is not None and end is not None and f.ok("start_on") and f.ok("end_on"):
        if end < start:
            f.add("end_on", MSG_END_BEFORE_START)
        elif (end - start).days + 1 > MAX_PERIOD_DAYS:
            f.add("end_on", f"听证期间不能超过{MAX_PERIOD_DAYS}天")
    return start, end


def validate_propose(session, actor, case, data):
    f = Fields(data)
    requested = (f.bool("petitioner_request", "信访人申请公开听证", required=False) or False) \
        if case.review_level else False
    out = {"reason": f.text("reason", "听证理由", required=True, max_len=4000),
           "requested": requested}
    out["start_on"], out["end_on"] = _period(f, case)
    out.update(place=f.text("place", "听证地点", required=True, max_len=200),
               chair=f.text("chair", "听证主持人", required=True, max_len=50),
               panel="\n".join(lines(f.text("panel", "听证员", max_len=2000))),
               participants="\n".join(lines(f.text("participants", "参加人", max_len=4000))),
               is_public=f.bool("is_public", "是否公开听证"))
    f.done()
    return out


def validate_decide(session, actor, case, data):
    return approval(data, "不批准听证")


def validate_record(session, actor, case, data):
    f = Fields(data)
    out = {}
    out["start_on"], out["end_on"] = _period(f, case, held=True)
    out.update(record=f.text("record", "听证笔录", max_len=50000),
               conclusion=f.text("conclusion", "听证意见", required=True, max_len=20000))
    f.done()
    return out


def validate_cancel(session, actor, case, data):
    f = Fields(data)
    out = {"reason": f.text("reason", "撤销理由", required=True)}
    f.done()
    return out


# ---- appliers -------------------------------------------------------------------------------------

def period_text(h):
    if h.start_on == h.end_on:
        return f"{h.start_on:%Y-%m-%d}"
    return f"{h.start_on:%Y-%m-%d}至{h.end_on:%Y-%m-%d}"


def _move_clock(session, case):
    """(old due, new due): the handling due date again from its base, extension and hearings."""
    old = case.handle_due
    if case.handle_due is None:
        return old, None
    if case.handle_base_due is None:
        case.handle_base_due = case.handle_due
    new = deadlines.with_hearings(session, case, deadlines.unpaused_due(session, case))
    if new != case.handle_due:
        case.handle_due = new
    return old, new


def _clock_note(old, new):
    if old is None or new is None or old == new:
        return ""
    return f"办理期限由{old:%Y-%m-%d}{'顺延至' if new > old else '调整为'}{new:%Y-%m-%d}"


def apply_propose(session, actor, case, c):
    h = Hearing(case=case, status="pending", reason=c["reason"], requested_by_petitioner=c["requested"],
                proposed_by_id=actor.id, proposed_at=_utcnow(), start_on=c["start_on"], end_on=c["end_on"],
                place=c["place"], chair=c["chair"], panel=c["panel"], participants=c["participants"],
                is_public=bool(c["is_public"]))
    session.add(h)
    kind = "公开" if h.is_public else "不公开"
    note = (f"{'信访人申请公开听证；' if c['requested'] else ''}拟于{period_text(h)}在{h.place}"
            f"{kind}举行听证，主持人{h.chair}。理由：{c['reason']}")
    return event(session, actor, case, "hearing_propose", case.status, case.department_id, note,
                 {"start_on": iso(h.start_on), "end_on": iso(h.end_on), "public": h.is_public})


def apply_decide(session, actor, case, c):
    h = _hearing(case, "pending")
    h.decided_by_id = actor.id
    h.decided_at = _utcnow()
    h.opinion = c["note"]
    if not c["approve"]:
        h.status = "denied"
        return event(session, actor, case, "hearing_deny", case.status, case.department_id,
                     f"不批准听证：{c['note']}", {"hearing_start": iso(h.start_on)})
    h.status = "approved"
    old, new = _move_clock(session, case)
    note = (f"批准{period_text(h)}听证；听证期间{h.paused_days}天不计入办理期限"
            + (f"，{_clock_note(old, new)}" if _clock_note(old, new) else "")
            + (f"。审批意见：{c['note']}" if c["note"] else ""))
    return event(session, actor, case, "hearing_approve", case.status, case.department_id, note,
                 {"start_on": iso(h.start_on), "end_on": iso(h.end_on), "days": h.paused_days,
                  "old_due": iso(old), "new_due": iso(new)})


def apply_record(session, actor, case, c):
    h = _hearing(case, "approved")
    planned = period_text(h)
    h.status = "held"
    h.start_on, h.end_on = c["start_on"], c["end_on"]
    h.record = c["record"]
    h.conclusion = c["conclusion"]
    h.held_recorded_by_id = actor.id
    h.held_recorded_at = _utcnow()
    old, new = _move_clock(session, case)
    actual = period_text(h)
    note = (f"已于{actual}举行听证" + (f"（原定{planned}）" if actual != planned else "")
            + f"；听证期间{h.paused_days}天不计入办理期限"
            + (f"，{_clock_note(old, new)}" if _clock_note(old, new) else "")
            + f"。听证意见：{c['conclusion']}")
    return event(session, actor, case, "hearing_record", case.status, case.department_id, note,
                 {"start_on": iso(h.start_on), "end_on": iso(h.end_on), "days": h.paused_days,
                  "old_due": iso(old), "new_due": iso(new)})


def apply_cancel(session, actor, case, c):
    h = open_hearing(case)
    was = h.status_label
    h.status = "cancelled"
    h.cancel_reason = c["reason"]
    h.paused_days = 0
    old, new = _move_clock(session, case)
    note = (f"撤销{was}的听证（{period_text(h)}）：{c['reason']}"
            + (f"；{_clock_note(old, new)}" if _clock_note(old, new) else ""))
    return event(session, actor, case, "hearing_cancel", case.status, case.department_id, note,
                 {"old_due": iso(old), "new_due": iso(new)})


