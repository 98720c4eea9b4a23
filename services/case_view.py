"""What one user sees on one case page: parties (masked as needed), clocks, links, timeline."""
from sqlalchemy import select

from models import Case, CaseParty
from models.enums import ATTACHMENT_KINDS, EVENT_ACTIONS, PARTY_ROLES, STATUSES, label
from services import access, deadlines


def build(session, user, case):
    cal = deadlines.load_calendar(session)
    parties = []
    for link in case.parties:
        shown = access.party_view(session, user, case, link.party)
        shown["role"] = PARTY_ROLES.get(link.role, link.role)
        parties.append(shown)
    clocks = []
    if case.accept_due:
        state = deadlines.due_state(case.accept_due, cal) if case.status == "registered" else None
        clocks.append(("受理告知期限", case.accept_due, state))
    if case.handle_due:
        running = case.status in ("accepted", "assigned", "handling")
        clocks.append(("办理期限", case.handle_due, deadlines.due_state(case.handle_due, cal) if running else None))
    earlier = related_earlier_cases(session, user, case)
    events = [{
        "at": e.at, "actor": e.actor.full_name if e.actor else "系统", "action": e.action,
        "from": label(STATUSES, e.from_status), "to": label(STATUSES, e.to_status),
        "from_dept": e.from_department.name if e.from_department else "",
        "to_dept": e.to_department.name if e.to_department else "",
        "title": EVENT_ACTIONS.get(e.action, e.action), "note": e.note, "data": e.data or {},
    } for e in case.events]
    return {
        "parties": parties,
        "clocks": clocks,
        "earlier_cases": earlier,
        "events": events,
        "attachments": [(a, ATTACHMENT_KINDS.get(a.kind, a.kind)) for a in case.attachments],
        "assists": [a.department.name for a in case.assists],
    }


def related_earlier_cases(session, user, case):
    """Earlier cases of the same petitioners that this user may see (repeat petitions)."""
    party_ids = [cp.party_id for cp in case.parties if cp.role in ("petitioner", "representative")]
    if not party_ids:
        return []
    q = (select(Case).join(CaseParty, CaseParty.case_id == Case.id)
         .where(CaseParty.party_id.in_(party_ids), CaseParty.role.in_(("petitioner", "representative")),
                Case.id != case.id, Case.received_on <= case.received_on,
                access.case_filter(session, user))
         .distinct().order_by(Case.received_on.desc()))
    return list(session.execute(q).scalars())
