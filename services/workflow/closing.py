"""Closing: 申请结案, 审批结案, 申请复查/复核, 归档, 作废 — guards, validators, appliers."""
from sqlalchemy import exists, select

from models import ArchiveRecord, Case, CaseEvent, CaseParty
from models.enums import RECEIPT_STATUSES, RETENTION_PERIODS, REVIEW_LEVELS
from services import ServiceError, archive, deadlines, numbering, settings
from services.workflow.common import (Fields, approval, day, event, iso, office_today, text_input,
                                     withdraw_extension)


MSG_FOLLOW_UP = "未登记回访及满意度（本单位规定申请结案前须回访）"


def close_checklist(case, handling_report=None, session=None):
    """The missing items for closing (domain.md: 不符合则不予结案); with `session`, also the
    office's own rule (settings.follow_up_required): a 回访 with its satisfaction rating."""
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
    if case.review_level and not case.review_outcome:
        missing.append("未记录复查/复核结论（维持、撤销或变更）")
    if session is not None and settings.follow_up_required(session) and not (
            case.follow_up_on and case.satisfaction):
        missing.append(MSG_FOLLOW_UP)
    return missing


def review_label(case):
    """申请复查 after a first reply, 申请复核 after a 复查."""
    return "申请复核" if case.review_level == 1 else "申请复查"


# ---- guards ------------------------------------------------------------------------------------

def review_possible(session, actor, case, move):
    if case.review_level >= 2:
        raise ServiceError("该信访事项已经复核，信访人以同一事实和理由再次提出的，不再受理")
    if not case.replied_on:
        raise ServiceError("该信访事项尚未记录答复日期，不能申请复查/复核")
    child = session.execute(select(Case).where(
        Case.parent_case_id == case.id, Case.status != "voided")).scalars().first()
    if child is not None:
        raise ServiceError(f"已就该信访事项提出{REVIEW_LEVELS.get(child.review_level, '复查')}"
                           f"（{child.number}），不能重复申请")


# ---- validators ---------------------------------------------------------------------------------

def validate_close_request(session, actor, case, data):
    f = Fields(data)
    report = f.text("handling_report", "办结报告", max_len=20000)
    note = f.text("note", "备注")
    f.done()
    missing = close_checklist(case, report, session)
    if missing:
        raise ServiceError("不符合结案条件：" + "；".join(missing))
    return {"handling_report": report, "note": note}


def validate_close_decide(session, actor, case, data):
    return approval(data, "退回重办")


def validate_review_request(session, actor, case, data):
    f = Fields(data)
    requested_on = day(f, "requested_on", "申请日期", office_today(), case.replied_on, "答复日期")
    reason = f.text("reason", "申请理由", required=True)
    f.done()
    end = deadlines.review_window_end(session, case.replied_on)
    if requested_on > end:
        level = "复核" if case.review_level == 1 else "复查"
        raise ServiceError(f"已超过申请{level}的期限（答复送达之日起30日内，截至{end:%Y-%m-%d}），不予受理")
    return {"requested_on": requested_on, "reason": reason}


def validate_archive(session, actor, case, data):
    f = Fields(data)
    number = f.text("archive_number", "档号", required=True, max_len=50)
    if number and session.execute(select(exists().where(ArchiveRecord.archive_number == number))).scalar():
        f.add("archive_number", f"档号“{number}”已被使用")
    out = {"archive_number": number,
           "retention": f.choice("retention", "保管期限", RETENTION_PERIODS),
           "location": f.text("location", "存放位置", required=True, max_len=100),
           "page_count": f.int("page_count", "页数", 1, archive.MAX_PAGES),
           "catalogue": f.text("catalogue", "卷内目录", max_len=20000)}
    f.done()
    return out


validate_void = text_input("reason", "作废理由", required=True)


# ---- appliers -----------------------------------------------------------------------------------

def apply_close_request(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "closing"
    if c["handling_report"]:
        case.handling_report = c["handling_report"]
    case.close_requested_on = office_today()
    return event(session, actor, case, "close_request", before, dept, c["note"])


def apply_close_decide(session, actor, case, c):
    before, dept = case.status, case.department_id
    if c["approve"]:
        case.status = "closed"
        case.closed_on = office_today()
        case.close_approved_by_id = actor.id
        return event(session, actor, case, "close_approve", before, dept, c["note"])
    case.status = "handling"
    case.close_requested_on = None
    return event(session, actor, case, "close_reject", before, dept, c["note"])


def apply_review_request(session, actor, case, c):
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
                                "review_level": level, "handle_due": iso(review.handle_due)}))
    return event(session, actor, case, "review_request", case.status, case.department_id,
                 f"信访人申请{name}：{c['reason']}（{name}件{review.number}）",
                 {"review_case_id": review.id, "review_number": review.number, "review_level": level})


def volume_type(session, case):
    """专卷 for a case routed to a department (assigned or transferred), else 普通."""
    assigned = case.assigned_on is not None or session.execute(select(exists().where(
        CaseEvent.case_id == case.id, CaseEvent.action.in_(("assign", "transfer"))))).scalar()
    return "special" if assigned else "ordinary"


def archive_number_default(session, case):
    """The 档号 the archive form starts with: the next free one for the case's volume type."""
    return archive.suggest_number(session, volume_type(session, case))


def apply_archive(session, actor, case, c):
    before, dept = case.status, case.department_id
    volume = volume_type(session, case)
    record = ArchiveRecord(case=case, archive_number=c["archive_number"], volume_type=volume,
                           retention=c["retention"], location=c["location"],
                           page_count=c["page_count"], catalogue=c["catalogue"],
                           filed_by_id=actor.id, filed_on=office_today())
    session.add(record)
    case.status = "archived"
    case.archived_on = office_today()
    return event(session, actor, case, "archive", before, dept, f"档号{c['archive_number']}",
                 {"archive_number": c["archive_number"], "volume_type": volume})


def apply_void(session, actor, case, c):
    before, dept = case.status, case.department_id
    case.status = "voided"
    case.void_reason = c["reason"]
    return event(session, actor, case, "void", before, dept, c["reason"] + withdraw_extension(case))
