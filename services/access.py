"""Who may see and do what: the ONE place for access decisions.

Every door (list, count, details, edit, ajax, actions, exports, dashboard, attachments)
asks this module; views and templates never decide on their own.
"""
from sqlalchemy import false, or_, select, true

from models import (CaseAssist, Case, Department, PackageAssignment, ReceptionSchedule,
                    package_cases)

ADMIN, CLERK, HANDLER, LEADER, ARCHIVIST = "admin", "clerk", "handler", "leader", "archivist"
ALL_ROLES = (ADMIN, CLERK, HANDLER, LEADER, ARCHIVIST)


# ---- departments -------------------------------------------------------------------------

def dept_subtree_ids(session, dept_id):
    """The department and all its descendants."""
    if dept_id is None:
        return set()
    rows = session.execute(select(Department.id, Department.parent_id)).all()
    children = {}
    for did, parent in rows:
        children.setdefault(parent, []).append(did)
    found, stack = set(), [dept_id]
    while stack:
        d = stack.pop()
        if d in found:
            continue
        found.add(d)
        stack.extend(children.get(d, []))
    return found


def user_dept_ids(session, user):
    return dept_subtree_ids(session, user.department_id)


# ---- which cases ---------------------------------------------------------------------------

def case_filter(session, user):
    """A WHERE clause limiting Case rows to what `user` may see."""
    if user is None or not getattr(user, "is_authenticated", False):
        return false()
    role = user.role
    if role in (ADMIN, CLERK):
        return true()
    if role == ARCHIVIST:
        return Case.status.in_(("closed", "archived"))
    depts = user_dept_ids(session, user)
    in_dept = or_(
        Case.department_id.in_(depts),
        Case.id.in_(select(CaseAssist.case_id).where(CaseAssist.department_id.in_(depts))),
    )
    if role == HANDLER:
        return in_dept
    if role == LEADER:
        return or_(
            in_dept,
            Case.leader_id == user.id,
            Case.reception_id.in_(select(ReceptionSchedule.id).where(
                or_(ReceptionSchedule.leader_id == user.id, ReceptionSchedule.standin_id == user.id))),
            Case.id.in_(select(package_cases.c.case_id).join(
                PackageAssignment, PackageAssignment.id == package_cases.c.package_id
            ).where(PackageAssignment.leader_id == user.id)),
        )
    return false()


def visible_cases(session, user):
    return select(Case).where(case_filter(session, user))


def can_see_case(session, user, case):
    if case is None:
        return False
    return session.execute(
        select(Case.id).where(Case.id == case.id, case_filter(session, user))
    ).first() is not None


# ---- which moves ----------------------------------------------------------------------------

# Move -> roles allowed to make it. Status rules live in services/workflow.py.
MOVE_ROLES = {
    "register": {CLERK},
    "notice": {CLERK},
    "accept": {CLERK},
    "decline": {CLERK},
    "refuse_repeat": {CLERK},
    "forward": {CLERK},
    "assign": {CLERK},
    "transfer": {CLERK},
    "supervise": {CLERK, LEADER},
    "sign_for": {HANDLER},
    "return": {HANDLER},
    "extend_request": {HANDLER},
    "extend_decide": {LEADER},
    "reply": {HANDLER},
    "follow_up": {CLERK, HANDLER},
    "close_request": {CLERK},
    "close_decide": {LEADER},
    "review_request": {CLERK},
    "instruction": {LEADER},
    "archive": {ARCHIVIST},
    "void": {ADMIN},
    "attach": {CLERK, HANDLER},
}

# Moves a handler/leader may only make on cases of their own reach; a handler must be in the
# responsible department itself (assisting departments see, but do not act).
RESPONSIBLE_ONLY = {"sign_for", "return", "extend_request", "reply"}


def may_move(session, user, move, case=None):
    """Role check plus reach; status checks are the workflow's job."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role not in MOVE_ROLES.get(move, ()):
        return False
    if case is None:
        return True
    if not can_see_case(session, user, case):
        return False
    if user.role == HANDLER and move in RESPONSIBLE_ONLY:
        return case.department_id in user_dept_ids(session, user)
    return True


# ---- which screens ----------------------------------------------------------------------------

R, C, E, D = "read", "create", "edit", "delete"
VIEW_RIGHTS = {
    "case": {ADMIN: {R}, CLERK: {R, C}, HANDLER: {R}, LEADER: {R}, ARCHIVIST: {R}},
    "party": {ADMIN: {R}, CLERK: {R, E}},
    "department": {ADMIN: {R, C, E}, CLERK: {R}},
    "user": {ADMIN: {R, C, E}},
    "holiday": {ADMIN: {R, C, E, D}, CLERK: {R}},
    "setting": {ADMIN: {R, E}},
    "reception": {ADMIN: {R}, CLERK: {R, C, E}, LEADER: {R}, HANDLER: {R}},
    "package": {ADMIN: {R}, CLERK: {R, C}, LEADER: {R}, HANDLER: {R}},
    "archive": {ADMIN: {R}, CLERK: {R}, ARCHIVIST: {R, C, E}, LEADER: {R}},
    "loan": {ADMIN: {R}, ARCHIVIST: {R, E}, LEADER: {R, E}, CLERK: {R, C}},
    "audit": {ADMIN: {R}},
    "statistics": {ADMIN: {R}, CLERK: {R}, LEADER: {R}, HANDLER: {R}},
    "import": {CLERK: {R, C}},
}


def may_view(user, screen, right=R):
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return right in VIEW_RIGHTS.get(screen, {}).get(user.role, set())


# ---- confidentiality ----------------------------------------------------------------------------

def is_office_staff(user):
    return user.role in (ADMIN, CLERK)


def may_see_identity(session, user, case):
    """For an accusation, the accuser's identity is for the 信访办 and the assigned discipline unit only."""
    if case.purpose != "accusation":
        return True
    if is_office_staff(user):
        return True
    dept = case.department
    return (dept is not None and dept.kind == "discipline"
            and case.department_id in user_dept_ids(session, user))


def may_see_full_numbers(session, user, case=None):
    """Full ID and phone numbers: office staff always; the responsible handler on the case page."""
    if is_office_staff(user):
        return True
    if case is not None and user.role == HANDLER and may_see_identity(session, user, case):
        return case.department_id in user_dept_ids(session, user)
    return False


def mask_id(value):
    if not value:
        return ""
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value):
    if not value:
        return ""
    if len(value) <= 7:
        return value[:2] + "*" * (len(value) - 2)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


MASKED_NAME = "（保密）"


def party_view(session, user, case, party, *, in_list=False):
    """What this user may read of one party of one case, as a dict of display strings."""
    identity = may_see_identity(session, user, case)
    full = (not in_list or is_office_staff(user)) and may_see_full_numbers(session, user, case)
    if not identity:
        return {"name": MASKED_NAME, "id_number": "", "phone": "", "address": "", "masked": True}
    return {
        "name": party.name,
        "id_number": party.id_number if full else mask_id(party.id_number),
        "phone": party.phone if full else mask_phone(party.phone),
        "address": party.address or "",
        "masked": not full,
    }


def may_handle(session, user, case):
    """回避: a user recorded as having an interest in the case may not be its handler."""
    return all(i.user_id != user.id for i in case.interests)
