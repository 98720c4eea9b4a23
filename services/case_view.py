"""What one user sees on one case page: parties (masked as needed), clocks, moves, timeline."""
import re

from sqlalchemy import select

from models import Case, CaseParty
from models.enums import (ATTACHMENT_KINDS, EVENT_ACTIONS, EXTENSION_STATES, PARTY_ROLES,
                          PETITIONER_RESPONSES, RECEIPT_STATUSES, REPLY_METHODS, REVIEW_LEVELS,
                          SATISFACTION, STATUSES, label)
from services import access, deadlines, workflow
from services.clock import today as office_today

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


def build(session, user, case):
    cal = deadlines.load_calendar(session)
    parties = []
    for link in case.parties:
        shown = access.party_view(session, user, case, link.party)
        shown["role"] = PARTY_ROLES.get(link.role, link.role)
        parties.append(shown)
    earlier = related_earlier_cases(session, user, case)
    may_download = {a.id: access.can_download(session, user, a) for a in case.attachments}
    shown_note = _note_filter(session, user, case, may_download)
    events = [{
        "at": e.at, "actor": e.actor.full_name if e.actor else "系统", "action": e.action,
        "from": label(STATUSES, e.from_status), "to": label(STATUSES, e.to_status),
        "from_dept": e.from_department.name if e.from_department else "",
        "to_dept": e.to_department.name if e.to_department else "",
        "title": EVENT_ACTIONS.get(e.action, e.action), "note": shown_note(e), "data": e.data or {},
    } for e in case.events]
    moves = workflow.available_moves(session, user, case)
    return {
        "parties": parties,
        "clocks": clocks(session, case, cal),
        "earlier_cases": earlier,
        "events": events,
        "attachments": [(a, ATTACHMENT_KINDS.get(a.kind, a.kind),
                         a.filename if may_download[a.id] else SECRET_FILE, may_download[a.id])
                        for a in case.attachments],
        "parent_case": (case.parent_case if case.parent_case is not None
                        and access.can_see_case(session, user, case.parent_case) else None),
        "assists": [a.department.name for a in case.assists],
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
        "review_level": REVIEW_LEVELS.get(case.review_level, ""),
        "review_cases": [c for c in case.review_cases if access.can_see_case(session, user, c)],
    }


def related_earlier_cases(session, user, case):
    """Earlier cases of the same petitioners that this user may see (repeat petitions).

    Linking cases by person is itself identity: nothing is listed on an accusation whose accuser
    the user may not know, and no accusation is listed whose accuser the user may not know."""
    if not access.may_see_identity(session, user, case):
        return []
    party_ids = [cp.party_id for cp in case.parties if cp.role in ("petitioner", "representative")]
    if not party_ids:
        return []
    q = (select(Case).join(CaseParty, CaseParty.case_id == Case.id)
         .where(CaseParty.party_id.in_(party_ids), CaseParty.role.in_(("petitioner", "representative")),
                Case.id != case.id, Case.received_on <= case.received_on,
                access.case_filter(session, user), access.identity_clause(session, user))
         .distinct().order_by(Case.received_on.desc()))
    return list(session.execute(q).scalars())


SECRET_FILE = "（保密材料）"
HIDDEN_CASE = "（另一信访事项）"
CASE_NUMBER = re.compile(r"[A-Za-z]*\d{4}-\d{6}")


def _note_filter(session, user, case, may_download):
    """Timeline notes as this user may read them: numbers of cases the user may not see (or that
    would link an accuser to a case) are replaced, and file names of withheld attachments hidden."""
    from models import Case as CaseModel

    allowed = {}

    def number_ok(number):
        if number not in allowed:
            other = session.execute(select(CaseModel).where(CaseModel.number == number)).scalar_one_or_none()
            allowed[number] = (other is not None and access.can_see_case(session, user, other)
                               and access.may_see_identity(session, user, other)
                               and access.may_see_identity(session, user, case))
        return allowed[number]

    withheld = [a.filename for a in case.attachments if not may_download[a.id]]

    def shown(event):
        note = event.note or ""
        for name in withheld:
            note = note.replace(name, SECRET_FILE)
        return CASE_NUMBER.sub(
            lambda m: m.group(0) if m.group(0) == case.number or number_ok(m.group(0)) else HIDDEN_CASE, note)

    return shown
