"""The case page (templates/cases/details.html): what one user sees on one case: parties (masked as
needed), clocks, moves, timeline."""
from models.enums import (ATTACHMENT_KINDS, EVENT_ACTIONS, EXTENSION_STATES, PARTY_ROLES,
                          PETITIONER_RESPONSES, RECEIPT_STATUSES, REPLY_METHODS, REVIEW_LEVELS,
                          SATISFACTION, STATUSES, label)
from types import SimpleNamespace

from sqlalchemy import case as when, or_, select

from sqlalchemy import inspect
from sqlalchemy.orm.attributes import set_committed_value

from models import Case, CaseInterest, ScreeningEntry
from services import (access, deadlines, disclosure, documents, hearings, screening, settings, txcache,
                      workflow)
from services.workflow import closing
from services.clock import local, today as office_today

# Moves made straight from a button on the case page (no input beyond an optional note).
DIRECT_MOVES = ("sign_for",)


def clocks(session, case, cal=None):
    """[(name, due, DueState or None)]: every clock of the case; a state only for running ones."""
    cal = cal or deadlines.load_calendar(session)
    days = deadlines.due_soon_days(session)
    today = office_today()
    out = []
    if case.accept_due:
        running = deadlines.accept_clock_runs(case)
        out.append(("受理告知期限", case.accept_due,
                    deadlines.due_state(case.accept_due, cal, today, days) if running else None))
    if case.handle_due:
        running = deadlines.handle_clock_runs(case)
        name = "办理期限" if not case.review_level else f"{REVIEW_LEVELS[case.review_level]}办理期限"
        out.append((name, case.handle_due,
                    deadlines.due_state(case.handle_due, cal, today, days) if running else None))
    if case.extension_state and case.handle_base_due and case.handle_base_due != case.handle_due:
        out.append(("原办理期限（延期前）", case.handle_base_due, None))
    if hearings.clock_note(session, case, cal):
        before = deadlines.unpaused_due(session, case, cal)
        shown = case.handle_base_due if case.extension_state else None  # the row above
        if before != case.handle_due and before != shown:
            out.append(("原办理期限（听证顺延前）", before, None))
    if case.replied_on and case.status in ("replied", "closing", "closed") and case.review_level < 2:
        end = deadlines.review_window_end(session, case.replied_on, cal)
        name = "申请复核截止" if case.review_level == 1 else "申请复查截止"
        out.append((name, end, None))
    return out


def primary_state(session, case, cal=None, today=None):
    """The state of the nearest running clock (for the list's 剩余天数 column)."""
    due = deadlines.running_due(case)
    if due is None:
        return None
    cal = cal or deadlines.load_calendar(session)
    return deadlines.due_state(due, cal, today, deadlines.due_soon_days(session))


# The events that end an extension request in each state (a pending one withdrawn by 答复, 改派,
# 退回 or 作废 says so in that move's note: services/workflow/common.withdraw_extension).
EXTENSION_ENDS = {"approved": ("extend_approve",), "denied": ("extend_deny",), "withdrawn": ("extend_withdraw",),
                  "pending": ("extend_request",)}


def extension_outcome(case):
    """Who ended (or made) the extension request in its current state, and when: “2026-11-18 周承办”."""
    actions = EXTENSION_ENDS.get(case.extension_state, ())
    for e in reversed(case.events):
        if e.action in actions or (case.extension_state == "withdrawn" and "延期申请随之撤回" in (e.note or "")):
            who = e.actor.full_name if e.actor else "系统"
            how = "" if e.action in actions else f"{EVENT_ACTIONS.get(e.action, e.action)}时"
            return f"{local(e.at):%Y-%m-%d} {who}{how}"
    return ""


def closing_line(case, moves):
    """Where a replied case stands on its way to 结案, for a user who does not take the next step
    (the handler after replying): who acts next and what is still missing."""
    if "close_request" in moves or "close_decide" in moves:
        return None
    if case.status == "replied":
        missing = closing.close_checklist(case)
        return "答复已登记，待信访办申请结案" + (f"；结案前尚需补充：{'；'.join(missing)}" if missing else "")
    if case.status == "closing":
        return "信访办已申请结案，待领导审批"
    return None


def linked_in_reach(session, user, case, numbers):
    """The cases this page links to (原信访事项, 复查/复核, the numbers written in notes) that the
    user may see, in one statement instead of one per link: {id: (number, may know its accuser)}.
    Each found is remembered as seen (the move buttons ask again)."""
    ids = {c.id for c in case.review_cases} | ({case.parent_case_id} if case.parent_case_id else set())
    if not ids and not numbers:
        return {}
    clauses = ([Case.id.in_(ids)] if ids else []) + ([Case.number.in_(numbers)] if numbers else [])
    rows = session.execute(select(Case.id, Case.number, when((access.identity_clause(session, user), 1), else_=0))
                           .where(or_(*clauses), access.case_filter(session, user))).all()
    for row in rows:
        access.remember_seen(session, user, row)
    return {cid: (number, bool(identity)) for cid, number, identity in rows}


def preload(session, case, notes):
    """The small tables the page reads (calendar, settings; the number prefixes when a note may
    name a case), whether any 排查 entry names the case (True if one does) and whether anyone is
    recorded as interested in it (回避: the 签收 button asks), in one statement."""
    parts = [deadlines.CALENDAR, settings.ALL]
    if any(disclosure.ANY_NUMBER.search(t or "") for t in notes):
        parts.append(disclosure.PREFIXES)
    extra = [("entries", select(ScreeningEntry.id).where(ScreeningEntry.case_id == case.id))]
    if "interests" in inspect(case).unloaded:
        extra.append(("interests", select(CaseInterest.id).where(CaseInterest.case_id == case.id)))
    found = txcache.load_together(session, parts, extra=extra)
    if "interests" in found and not found["interests"]:
        set_committed_value(case, "interests", [])  # none: no lazy load of the empty list
    return bool(found["entries"])


def build(session, user, case):
    # every text the page filters for case numbers: their reach is checked in one statement
    notes = [e.note for e in case.events] + [
        case.extension_reason, case.summary, case.demands, case.decision_note, case.reply_text,
        case.handling_report, case.follow_up_note, case.leader_instruction, case.void_reason]
    from_screening = preload(session, case, notes)
    cal = deadlines.load_calendar(session)
    parties, by_person = [], {}
    for link in case.parties:
        role = PARTY_ROLES.get(link.role, link.role)
        key = link.party_id if link.role in ("petitioner", "representative") else None
        if key is not None and key in by_person:  # a petitioner who is also a representative: one row
            by_person[key]["role"] += "、" + role
            continue
        shown = access.party_view(session, user, case, link.data)
        shown["role"] = role
        # the person page (信访人) link, for a party whose identity the user may know
        shown["party_id"] = None if shown["name"] == access.MASKED_NAME else link.party_id
        parties.append(shown)
        if key is not None:
            by_person[key] = shown
    earlier = disclosure.related_earlier_cases(session, user, case)
    may_download = disclosure.downloadable(session, user, case)
    numbers = disclosure.numbers_in(session, notes, case.number)
    linked = linked_in_reach(session, user, case, numbers)
    known = disclosure.numbers_shown({n: ident for n, ident in linked.values()}, numbers,
                                     access.may_see_identity(session, user, case))
    shown_note = disclosure.note_filter(session, user, case, may_download, known)
    dept_names = access.dept_names(session)  # cached rows: no query per event
    events = [{
        "at": e.at, "actor": e.actor.full_name if e.actor else "系统", "action": e.action,
        "from": label(STATUSES, e.from_status), "to": label(STATUSES, e.to_status),
        "from_dept": dept_names.get(e.from_department_id, "") if e.from_department_id else "",
        "to_dept": dept_names.get(e.to_department_id, "") if e.to_department_id else "",
        "title": EVENT_ACTIONS.get(e.action, e.action), "note": shown_note(e), "data": e.data or {},
    } for e in case.events]
    moves = workflow.available_moves(session, user, case)  # a handler's 回访 once: a guard of the move
    return {
        "closing_line": closing_line(case, [m for m, _text in moves]),
        "documents": documents.available(session, user, case),
        "parties": parties,
        "clocks": clocks(session, case, cal),
        "earlier_cases": earlier,
        "events": events,
        "attachments": [(a, ATTACHMENT_KINDS.get(a.kind, a.kind),
                         disclosure.file_name(a, may_download[a.id]), may_download[a.id])
                        for a in case.attachments],
        "department": dept_names.get(case.department_id, "") if case.department_id else "",
        "parent_case": (SimpleNamespace(id=case.parent_case_id, number=linked[case.parent_case_id][0])
                        if case.parent_case_id in linked else None),
        "assists": [dept_names.get(a.department_id, "") for a in case.assists],
        "moves": [(m, text, m in DIRECT_MOVES) for m, text in moves],
        "may_attach": (case.status not in ("archived", "voided")
                       and access.may_move(session, user, "attach", case)),
        "attachment_kinds": list(ATTACHMENT_KINDS.items()),
        "reply": {
            "method": label(REPLY_METHODS, case.reply_method),
            "response": label(PETITIONER_RESPONSES, case.petitioner_response),
            "receipt": label(RECEIPT_STATUSES, case.receipt_status),
            "satisfaction": label(SATISFACTION, case.satisfaction),
        },
        "extension": label(EXTENSION_STATES, case.extension_state),
        "extension_by": extension_outcome(case) if case.extension_state else "",
        "extension_reason": shown_note.text(case.extension_reason),
        "text": shown_note.text,  # the case's free texts (答复意见, 办结报告 ...) as the timeline's notes
        "review_level": REVIEW_LEVELS.get(case.review_level, ""),
        "review_cases": [c for c in case.review_cases if c.id in linked],
        "hearings": case.hearings,
        "hearing_clock": hearings.clock_note(session, case, cal),
        "screening_entries": screening.entries_of_case(session, user, case) if from_screening else [],
    }
