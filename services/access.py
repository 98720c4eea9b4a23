"""Who may see and do what: the ONE place for access decisions.

Every door (list, count, details, edit, ajax, dropdowns, actions, exports, dashboard,
attachments) asks this module; views and templates never decide on their own.

Reach (domain.md):
- admin, clerk: every case;
- handler: cases whose responsible or assisting department is their department or below;
- leader: their 包案 cases, cases of their reception days (also as stand-in), and cases of
  their department and below; a leader of the 信访局 itself (department kind "office") oversees
  every case of the office;
- archivist: closed and archived cases only, read-only.
An accusation (检举控告类) never reaches a handler or leader of an accused unit, of a unit below
it, or of a unit above it but the top of the tree (banned_dept_ids); the accused unit is the
Party.department_id link, never its spelling. Its petitioner's identity is for the 信访办 and the
assigned discipline department only.
"""
from sqlalchemy import String, and_, cast, event, false, or_, select, true, union

from models import (ArchiveDestruction, ArchiveLoan, ArchiveRecord, Attachment, AuditLog, CaseAssist,
                    Case, CaseEvent, CaseInterest, CaseParty, ChangeLog, Department, Hearing, PackageAssignment,
                    PackageProgress, Party, ReceptionSchedule, ScreeningEntry, ScreeningProgress,
                    ScreeningReminder, ScreeningReport, ScreeningRound, User, package_cases)
from services import inputs, txcache

ADMIN, CLERK, HANDLER, LEADER, ARCHIVIST = "admin", "clerk", "handler", "leader", "archivist"
OFFICE_ROLES = (ADMIN, CLERK)
READABLE_BY_ARCHIVIST = ("closed", "archived")


def _authenticated(user):
    return user is not None and bool(getattr(user, "is_authenticated", False)) \
        and bool(getattr(user, "is_active", True))


def _role(user):
    return getattr(user, "role", None) if _authenticated(user) else None


# Ids from request input are read by services.inputs.parse_id; re-exported for callers here.
parse_id = inputs.parse_id


# ---- departments -------------------------------------------------------------------------

_DEPT_CACHE = "xf_access_dept_rows"


def _dept_rows(session):
    """(id, parent_id, kind, name) of every department, cached for the current transaction
    (a list or an export asks for every row)."""
    rows = session.info.get(_DEPT_CACHE)
    if rows is None:
        rows = session.execute(select(Department.id, Department.parent_id, Department.kind,
                                      Department.name)).all()
        session.info[_DEPT_CACHE] = rows
    return rows


def _forget_depts(session, _transaction):
    session.info.pop(_DEPT_CACHE, None)


def _forget_depts_on_change(session, _ctx):
    if any(isinstance(o, Department) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(_DEPT_CACHE, None)


def install_session_listeners(target):
    """Drop the department cache at the end of each transaction and when departments change, on
    the sessions of `target` (a Session class, sessionmaker or scoped_session). create_app calls
    this for the app's session; code that makes its own sessions calls it for them."""
    for name, fn in (("after_transaction_end", _forget_depts), ("after_flush", _forget_depts_on_change)):
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)
    txcache.install(target)  # settings and the calendar, the same way


def dept_names(session):
    """{department id: name} from the cached rows."""
    return {did: name for did, _p, _k, name in _dept_rows(session)}


def _dept_kind(session, dept_id):
    return next((kind for did, _p, kind, _n in _dept_rows(session) if did == dept_id), None)


def dept_subtree_ids(session, dept_id):
    """The department and all its descendants."""
    if dept_id is None:
        return set()
    children = {}
    for did, parent, _kind, _name in _dept_rows(session):
        children.setdefault(parent, []).append(did)
    found, stack = set(), [dept_id]
    while stack:
        d = stack.pop()
        if d in found:
            continue
        found.add(d)
        stack.extend(children.get(d, []))
    return found


def dept_ancestor_ids(session, dept_id):
    """The department and all its ancestors."""
    parents = {did: parent for did, parent, _k, _n in _dept_rows(session)}
    found, d = set(), dept_id
    while d is not None and d not in found:
        found.add(d)
        d = parents.get(d)
    return found


def user_dept_ids(session, user):
    if not _authenticated(user):
        return set()
    return dept_subtree_ids(session, user.department_id)


def discipline_dept_ids(session, user):
    """Discipline departments whose accusers this user may know: the user works in a discipline
    department (theirs or one above it is 纪检监察), and these are the discipline departments of
    their own branch. A leader above the discipline department gets none."""
    if not _authenticated(user) or user.department_id is None:
        return set()
    kinds = {did: kind for did, _p, kind, _n in _dept_rows(session)}
    if not any(kinds.get(d) == "discipline" for d in dept_ancestor_ids(session, user.department_id)):
        return set()
    return {d for d in user_dept_ids(session, user) if kinds.get(d) == "discipline"}


def _parents(session):
    return {did: parent for did, parent, _k, _n in _dept_rows(session)}


def banned_dept_ids(session, accused_ids):
    """The departments kept away from an accusation against `accused_ids`: each accused
    department with everything below it, and the departments above it except the top of the tree
    (the county government as a whole, whose leaders oversee)."""
    parents = _parents(session)
    banned = set()
    for d in accused_ids:
        if d not in parents:
            continue
        banned |= dept_subtree_ids(session, d)
        banned |= {a for a in dept_ancestor_ids(session, d) if parents.get(a) is not None}
    return banned


def _accusers_of(session, user_dept_id):
    """The departments whose accusation keeps `user_dept_id` away (the mirror of banned_dept_ids):
    the user's department and those above it, and those below it unless it is the top."""
    if user_dept_id is None:
        return set()
    found = dept_ancestor_ids(session, user_dept_id)
    if _parents(session).get(user_dept_id) is not None:
        found |= dept_subtree_ids(session, user_dept_id)
    return found


def _accused_unit_cases(session, dept_ids):
    """Ids of cases with an accused party (unit, or person of that unit) linked to one of these
    departments: the link, never the spelling of a name."""
    if not dept_ids:
        return None
    return (select(CaseParty.case_id).join(Party, Party.id == CaseParty.party_id)
            .where(CaseParty.role == "accused", Party.department_id.in_(dept_ids)))


def _not_accusing(session, dept_ids):
    """Cases that are not an accusation against one of these departments (_accused_unit_cases).
    PostgreSQL hashes the list of accused cases once; SQLite would build that list (every
    accusation against the unit, tens of thousands at a million cases) before showing a page of
    50, so there it is a probe of the case's own accused parties, made only for an accusation
    the query meets (issue 17)."""
    if not dept_ids:
        return true()
    if session.get_bind().dialect.name == "postgresql":
        return or_(Case.purpose != "accusation", Case.id.not_in(_accused_unit_cases(session, dept_ids)))
    probe = (select(CaseParty.id).join(Party, Party.id == CaseParty.party_id)
             .where(CaseParty.case_id == Case.id, CaseParty.role == "accused",
                    Party.department_id.in_(dept_ids)))
    return or_(Case.purpose != "accusation", ~probe.exists())


def accused_dept_ids(session, case):
    """The departments an accusation must not reach: the accused parties' linked departments with
    everything below them and above them (but the top of the tree), see banned_dept_ids."""
    linked = {cp.party.department_id for cp in case.parties
              if cp.role == "accused" and cp.party is not None and cp.party.department_id is not None}
    return banned_dept_ids(session, linked)


MSG_ACCUSED_ROUTE = "检举控告类事项不得交办、转交或请被反映单位（及其上下级单位）配合办理。"


def may_route_to(session, case, department):
    """An accusation may not be assigned, transferred or given as an assisting department to the
    accused unit or a unit above or below it. Returns (ok, message)."""
    if department is None:
        return False, "请选择责任单位。"
    dept_id = getattr(department, "id", department)
    if case.purpose == "accusation" and dept_id in accused_dept_ids(session, case):
        return False, MSG_ACCUSED_ROUTE
    return True, ""


# ---- which cases ---------------------------------------------------------------------------

def case_filter(session, user):
    """A WHERE clause limiting Case rows to what `user` may see."""
    role = _role(user)
    if role in OFFICE_ROLES:
        return true()
    if role == ARCHIVIST:
        return Case.status.in_(READABLE_BY_ARCHIVIST)
    if role not in (HANDLER, LEADER):
        return false()
    if role == LEADER and _dept_kind(session, user.department_id) == "office":
        return true()  # the 信访局's own leaders oversee every case of the office
    depts = user_dept_ids(session, user)
    # An accusation never reaches the accused unit, the units below it, or those above it but the
    # top (access.banned_dept_ids), even as an assisting department or a leader's own case.
    kept = _not_accusing(session, _accusers_of(session, user.department_id))
    # Each way into reach, as (column, ids of the cases it lets in):
    ways = [(Case.department_id, depts),
            (Case.id, select(CaseAssist.case_id).where(CaseAssist.department_id.in_(depts)))] if depts else []
    if role == LEADER:
        ways += [
            (Case.leader_id, [user.id]),
            (Case.reception_id, select(ReceptionSchedule.id).where(
                or_(ReceptionSchedule.leader_id == user.id, ReceptionSchedule.standin_id == user.id))),
            (Case.id, select(package_cases.c.case_id).join(
                PackageAssignment, PackageAssignment.id == package_cases.c.package_id
            # A package the leader declined (退回) gives no reach.
            ).where(PackageAssignment.leader_id == user.id, PackageAssignment.status != "declined")),
        ]
    if not ways:
        return false()
    return and_(kept, _any_way(session, ways))


# The case table under another name for the reach branches (a subquery on "case" itself would be
# correlated with the outer query).
_REACH = Case.__table__.alias("reach")


def _any_way(session, ways):
    """The cases let in by any of `ways`. The same set in the shape each database plans well
    (issue 17, measured): SQLite walks the ids for the page and tests the OR per row; PostgreSQL
    cannot use an index for an OR with a subquery (a sequential scan of every case), so there it
    is one `id IN (a UNION b ...)` whose branches each read an index."""
    if session.get_bind().dialect.name != "postgresql":
        return or_(*(column.in_(ids) for column, ids in ways))
    branches = []
    for column, ids in ways:
        if column is Case.id:
            branches.append(ids)
        else:
            branches.append(select(_REACH.c.id).where(_REACH.c[column.key].in_(ids)))
    return Case.id.in_(union(*branches))


def visible_case_ids(session, user):
    """A subquery of the ids of the cases `user` may see (for joins from child tables)."""
    return select(Case.id).where(case_filter(session, user))


# Cases found in reach, remembered for the transaction (a case page asks once per move button);
# any change to what reach is made of drops them (services/txcache).
_SEEN = "xf_access_seen"
_REACH_MODELS = (Case, CaseAssist, CaseParty, Party, PackageAssignment, ReceptionSchedule, Department, User)


def _seen_key(user, case):
    return (getattr(user, "id", None), _role(user), getattr(user, "department_id", None), case.id)


def remember_seen(session, user, case):
    """`case` was just read through case_filter(session, user) (a scoped get_one)."""
    txcache.cached(session, _SEEN, _REACH_MODELS, set).add(_seen_key(user, case))


def can_see_case(session, user, case):
    if case is None or getattr(case, "id", None) is None:
        return False
    seen = txcache.cached(session, _SEEN, _REACH_MODELS, set)
    key = _seen_key(user, case)
    if key in seen:
        return True
    found = session.execute(
        select(Case.id).where(Case.id == case.id, case_filter(session, user))
    ).first() is not None
    if found:
        seen.add(key)
    return found


def can_download(session, user, attachment):
    """An attachment goes with its case: whoever sees the case may download it, except that the
    materials of an accusation (the letter names the accuser) are for those who may know the
    accuser's identity (may_see_identity)."""
    if attachment is None or not can_see_case(session, user, attachment.case):
        return False
    return may_see_identity(session, user, attachment.case)


# ---- rows of every other model ---------------------------------------------------------------

def party_filter(session, user):
    """Parties of cases in reach whose identity the user may know."""
    role = _role(user)
    if role in OFFICE_ROLES:
        return true()
    if role is None:
        return false()
    links = (select(CaseParty.party_id).join(Case, Case.id == CaseParty.case_id)
             .where(case_filter(session, user), identity_clause(session, user)))
    return Party.id.in_(links)


def package_filter(session, user):
    role = _role(user)
    if role in OFFICE_ROLES:
        return true()
    if role not in (HANDLER, LEADER):
        return false()
    if role == LEADER and _dept_kind(session, user.department_id) == "office":
        return true()  # the 信访局's own leaders oversee every case of the office
    depts = user_dept_ids(session, user)
    in_reach = PackageAssignment.id.in_(
        select(package_cases.c.package_id).where(package_cases.c.case_id.in_(visible_case_ids(session, user))))
    clause = or_(PackageAssignment.department_id.in_(depts), in_reach)
    if role == LEADER:
        clause = or_(clause, and_(PackageAssignment.leader_id == user.id,
                                  PackageAssignment.status != "declined"))
    return clause


def _screening_branch(session, user, department_id):
    """矛盾纠纷排查 by unit: office staff and the 信访局's own leaders every unit; handlers and
    leaders their branch (the department and those below it); others none."""
    role = _role(user)
    if role in OFFICE_ROLES or (role == LEADER and _dept_kind(session, user.department_id) == "office"):
        return true()
    depts = user_dept_ids(session, user) if role in (HANDLER, LEADER) else ()
    return department_id.in_(depts) if depts else false()


def screening_filter(session, user):
    """矛盾纠纷排查 entries: the user's units (above), and for a leader the entries he is the 包保
    leader of."""
    clause = _screening_branch(session, user, ScreeningEntry.department_id)
    if _role(user) == LEADER:
        clause = or_(clause, ScreeningEntry.leader_id == user.id)
    return clause


def screening_report_filter(session, user):
    """A unit's report rows in a round: the user's units (who else has not reported is the office's
    business)."""
    return _screening_branch(session, user, ScreeningReport.department_id)


def may_file_screening(session, user, department_id):
    """Entries and reports of a unit are filed by the office or by a handler of that unit's branch."""
    role = _role(user)
    if not may_view(user, "screening", C):
        return False
    if role in OFFICE_ROLES:
        return True
    return department_id in user_dept_ids(session, user)


def loan_filter(session, user):
    role = _role(user)
    if role in OFFICE_ROLES or role == ARCHIVIST:
        return true()
    if role is None:
        return false()
    return or_(ArchiveLoan.borrower_id == user.id,
               ArchiveLoan.record_id.in_(select(ArchiveRecord.id).where(
                   ArchiveRecord.case_id.in_(visible_case_ids(session, user)))))


def department_filter(session, user):
    """Departments offered to the user: office staff all, others their own branch."""
    role = _role(user)
    if role in OFFICE_ROLES:
        return true()
    if role is None:
        return false()
    return Department.id.in_(user_dept_ids(session, user))


def user_filter(session, user):
    role = _role(user)
    if role in OFFICE_ROLES:
        return true()
    if role is None:
        return false()
    return User.department_id.in_(user_dept_ids(session, user))


# ChangeLog.model -> the screen whose readers may read that model's change rows.
CHANGE_SCREENS = {"party": "party", "user": "user", "department": "department", "setting": "setting",
                  "holiday": "holiday", "holiday_year": "holiday"}


def change_filter(session, user):
    """Change rows (修改记录) of the records whose screen the user may read; a party's rows only
    when party_filter lets the user see that party (an accuser's data never leaks through them)."""
    models = [m for m, screen in CHANGE_SCREENS.items() if may_view(user, screen, R)]
    if not models:
        return false()
    clause = ChangeLog.model.in_([m for m in models if m != "party"])
    if "party" in models:
        party = ChangeLog.model == "party"
        if not is_office_staff(user):
            party = and_(party, ChangeLog.record_id.in_(
                select(cast(Party.id, String)).where(party_filter(session, user))))
        clause = or_(clause, party)
    return clause


def scope_filter(session, user, model):
    """The WHERE clause of the rows of `model` this user may see on any screen, list, dropdown or
    ajax lookup. Unknown models are refused (false) for everyone but admin/clerk."""
    role = _role(user)
    if role is None:
        return false()
    if model is Case:
        return case_filter(session, user)
    if model in (CaseParty, CaseEvent, Attachment, CaseAssist, CaseInterest, Hearing):
        return model.case_id.in_(visible_case_ids(session, user))
    if model is ArchiveRecord:
        return ArchiveRecord.case_id.in_(visible_case_ids(session, user))
    if model is ArchiveLoan:
        return loan_filter(session, user)
    if model is Party:
        return party_filter(session, user)
    if model is PackageAssignment:
        return package_filter(session, user)
    if model is PackageProgress:
        return PackageProgress.package_id.in_(
            select(PackageAssignment.id).where(package_filter(session, user)))
    if model is ScreeningEntry:
        return screening_filter(session, user) if may_view(user, "screening", R) else false()
    if model is ScreeningProgress:
        return ScreeningProgress.entry_id.in_(select(ScreeningEntry.id).where(scope_filter(session, user, ScreeningEntry)))
    if model is ScreeningRound:
        return true() if may_view(user, "screening_round", R) else false()
    if model is ScreeningReport:
        return screening_report_filter(session, user) if may_view(user, "screening_round", R) else false()
    if model is ScreeningReminder:
        return ScreeningReminder.report_id.in_(select(ScreeningReport.id).where(
            scope_filter(session, user, ScreeningReport)))
    if model is Department:
        return department_filter(session, user)
    if model is User:
        return user_filter(session, user)
    if model is AuditLog:
        return true() if role == ADMIN else AuditLog.user_id == user.id
    if model is ChangeLog:
        return change_filter(session, user)
    # Public to staff: the published reception rota, holidays, settings.
    from models import Holiday, ReceptionEvent, Setting
    if model in (ReceptionSchedule, ReceptionEvent, Holiday, Setting):
        return true()
    return true() if role in OFFICE_ROLES else false()


# ---- which moves ----------------------------------------------------------------------------

# Rights that are not moves of a case: right -> roles. The moves of a case (who, from which
# status, with what input) are their entries in services/workflow/spec.py.
OTHER_RIGHTS = {
    "register": {CLERK},
    "attach": {CLERK, HANDLER},
    "import": {CLERK},
    "export": {ADMIN, CLERK, LEADER, HANDLER, ARCHIVIST},
    "manage_users": {ADMIN},
    "reception_plan": {CLERK},
    "reception_swap": {CLERK},
    "package_create": {CLERK},
    "package_decide": {LEADER},
    "package_progress": {CLERK, LEADER, HANDLER},
    "package_finish": {LEADER},
    "loan_request": {ADMIN, CLERK, LEADER, ARCHIVIST},
    "loan_decide": {LEADER},
    "loan_return": {ARCHIVIST},
}


def _case_move(move):
    """The spec's entry of a case move, or None. Imported here, not at the top: the workflow
    imports this module."""
    from services.workflow.spec import MOVES
    return MOVES.get(move)


def _roles(move):
    entry = _case_move(move)
    return entry.roles if entry is not None else OTHER_RIGHTS.get(move, ())


# Rights of OTHER_RIGHTS that act on one case: a handler has them on their responsible cases only.
RESPONSIBLE_ONLY_RIGHTS = ("attach",)


def responsible_only(user, move):
    """A handler makes these moves (and uploads) only on cases of their own responsible department:
    assisting departments (CaseAssist) see, but do not act."""
    if _role(user) != HANDLER:
        return False
    entry = _case_move(move)
    return entry.responsible_only if entry is not None else move in RESPONSIBLE_ONLY_RIGHTS


def may_move(session, user, move, case=None):
    """Role check plus reach; status checks are the workflow's job."""
    role = _role(user)
    if role is None or role not in _roles(move):
        return False
    if case is None:
        return True
    if getattr(case, "id", None) is not None and not can_see_case(session, user, case):
        return False
    if responsible_only(user, move):
        return case.department_id in user_dept_ids(session, user)
    return True


def may_print_document(session, user, case, roles, names_petitioner, responsible_only=False, in_reach=None):
    """Print a document (services/documents.py) of a case in reach: by role; a document that names
    the petitioner to the petitioner only for a user who may know them; a handler prints a
    responsible-only document for their own responsible unit's cases. `in_reach`: can_see_case's
    answer when the caller already has it (the case page asks for every document at once)."""
    role = _role(user)
    if role is None or role not in roles:
        return False
    if not (in_reach if in_reach is not None else can_see_case(session, user, case)):
        return False
    if names_petitioner and not may_see_identity(session, user, case):
        return False
    if responsible_only and role == HANDLER:
        return case.department_id in user_dept_ids(session, user)
    return True


def move_clause(session, user, move):
    """SQL twin of may_move: a WHERE clause on Case for the cases `user` may make `move` on."""
    if _role(user) not in _roles(move):
        return false()
    clause = case_filter(session, user)
    if responsible_only(user, move):
        clause = and_(clause, Case.department_id.in_(user_dept_ids(session, user)))
    return clause


def may_handle(session, user, case, department_id=None):
    """May `user` be made the handler (承办人) of `case`?

    回避: a user recorded as having an interest in the case may not be its handler. The user must
    be an active handler; if `department_id` is given, inside that department's branch.
    """
    if user is None or not getattr(user, "active", False) or getattr(user, "role", None) != HANDLER:
        return False
    if getattr(case, "id", None) is not None:
        if session.execute(select(CaseInterest.id).where(
                CaseInterest.case_id == case.id, CaseInterest.user_id == user.id)).first():
            return False
    if any(getattr(i, "user_id", None) == user.id or getattr(i, "user", None) is user
           for i in case.interests):
        return False
    if department_id is not None and user.department_id not in dept_subtree_ids(session, department_id):
        return False
    return True


def assessment_dept_ids(session, user):
    """The departments whose 考核 results `user` may read (None = all): office staff and the
    信访局's own leaders all; a leader their department and below; a handler their own department;
    anyone else none."""
    role = _role(user)
    if role in OFFICE_ROLES:
        return None
    if role == LEADER:
        if _dept_kind(session, user.department_id) == "office":
            return None
        return user_dept_ids(session, user)
    if role == HANDLER and user.department_id is not None:
        return {user.department_id}
    return set()


# ---- which screens ----------------------------------------------------------------------------

R, C, E, D = "read", "create", "edit", "delete"
VIEW_RIGHTS = {
    "case": {ADMIN: {R}, CLERK: {R, C}, HANDLER: {R}, LEADER: {R}, ARCHIVIST: {R}},
    "register": {CLERK: {R, C}},
    "move": {CLERK: {R, E}, HANDLER: {R, E}, LEADER: {R, E}, ARCHIVIST: {R, E}, ADMIN: {R, E}},
    "attachment": {ADMIN: {R}, CLERK: {R, C}, HANDLER: {R, C}, LEADER: {R}, ARCHIVIST: {R}},
    "party": {ADMIN: {R}, CLERK: {R, E}},
    # the person page (信访人): shows only the cases in reach that show the person (services/search.py)
    "person": {ADMIN: {R}, CLERK: {R}, HANDLER: {R}, LEADER: {R}, ARCHIVIST: {R}},
    "department": {ADMIN: {R, C, E}, CLERK: {R}},
    "accused_link": {ADMIN: {R, E}, CLERK: {R, E}},
    "user": {ADMIN: {R, C, E}},
    "holiday": {ADMIN: {R, C, E, D}, CLERK: {R}},
    "setting": {ADMIN: {R, E}},
    "reception": {ADMIN: {R}, CLERK: {R, C, E}, LEADER: {R}, HANDLER: {R}},
    "package": {ADMIN: {R}, CLERK: {R, C}, LEADER: {R}, HANDLER: {R}},
    # 信访听证: the hearings of the cases in reach; proposed, approved and recorded as moves of the case
    "hearing": {ADMIN: {R}, CLERK: {R}, LEADER: {R}, HANDLER: {R}, ARCHIVIST: {R}},
    "archive": {ADMIN: {R}, CLERK: {R}, ARCHIVIST: {R, C, E}, LEADER: {R}},
    "loan": {ADMIN: {R}, ARCHIVIST: {R, E}, LEADER: {R, E}, CLERK: {R, C}},
    "audit": {ADMIN: {R}},
    "backup": {ADMIN: {R, C}},
    "destruction": {ADMIN: {R}, ARCHIVIST: {R, C}, LEADER: {R, E}},
    "statistics": {ADMIN: {R}, CLERK: {R}, LEADER: {R}, HANDLER: {R}},
    "export": {ADMIN: {R}, CLERK: {R}, LEADER: {R}, HANDLER: {R}},
    "import": {CLERK: {R, C}},
    # 矛盾纠纷排查: rounds are opened by the office; entries filed by the office and the units' handlers
    "screening_round": {ADMIN: {R}, CLERK: {R, C, E}, LEADER: {R}, HANDLER: {R}},
    "screening": {ADMIN: {R}, CLERK: {R, C, E}, LEADER: {R}, HANDLER: {R, C, E}},
    "document_template": {ADMIN: {R, E}},
    "assessment": {ADMIN: {R}, CLERK: {R}, LEADER: {R}, HANDLER: {R}},
    "assessment_scheme": {ADMIN: {R, E}, CLERK: {R}},
}


def may_view(user, screen, right=R):
    role = _role(user)
    if role is None:
        return False
    return right in VIEW_RIGHTS.get(screen, {}).get(role, set())


# ---- confidentiality ----------------------------------------------------------------------------

def is_office_staff(user):
    return _role(user) in OFFICE_ROLES


def may_see_identity(session, user, case):
    """For an accusation, the accuser's identity is for the 信访办 and the assigned discipline
    department (its members, sub-departments included) only. A leader above the discipline
    department does not see it."""
    if case.purpose != "accusation":
        return _role(user) is not None
    if is_office_staff(user):
        return True
    return case.department_id is not None and case.department_id in discipline_dept_ids(session, user)


def identity_clause(session, user):
    """SQL twin of may_see_identity, on Case columns."""
    if is_office_staff(user):
        return true()
    mine = discipline_dept_ids(session, user)
    if mine:
        return or_(Case.purpose != "accusation", Case.department_id.in_(mine))
    return Case.purpose != "accusation"


def may_see_hearing_people(session, user, hearing):
    """A hearing's participants (参加人) and 笔录 name the petitioner: for an accusation, only for
    those who may know the accuser (may_see_identity); whoever sees the case sees the rest."""
    return can_see_case(session, user, hearing.case) and may_see_identity(session, user, hearing.case)


def may_see_full_numbers(session, user, case=None):
    """Full ID and phone numbers: office staff always; the responsible handler on the case page."""
    if is_office_staff(user):
        return True
    if case is not None and _role(user) == HANDLER and may_see_identity(session, user, case):
        return case.department_id in user_dept_ids(session, user)
    return False


def mask_id(value):
    """110101199003071234 -> 110101********1234."""
    if not value:
        return ""
    value = str(value)
    n = len(value)
    if n >= 11:
        return value[:6] + "*" * (n - 10) + value[-4:]
    if n >= 6:
        return value[:2] + "*" * (n - 4) + value[-2:]
    return "*" * n


def mask_phone(value):
    """13812345678 -> 138****5678."""
    if not value:
        return ""
    value = str(value)
    n = len(value)
    if n >= 11:
        return value[:3] + "*" * (n - 7) + value[-4:]
    if n >= 6:
        return value[:2] + "*" * (n - 4) + value[-2:]
    return "*" * n


MASKED_NAME = "（保密）"


def party_view(session, user, case, party, *, in_list=False):
    """What this user may read of one party of one case, as a dict of display strings."""
    identity = may_see_identity(session, user, case)
    if not identity:
        return {"name": MASKED_NAME, "id_number": "", "phone": "", "address": "", "masked": True}
    full = (not in_list or is_office_staff(user)) and may_see_full_numbers(session, user, case)
    return {
        "name": party.name,
        "id_number": party.id_number if full else mask_id(party.id_number),
        "phone": party.phone if full else mask_phone(party.phone),
        "address": party.address or "",
        "masked": not full,
    }


def party_numbers(user, party):
    """ID and phone of a party on the party screen (no case at hand): full for office staff only."""
    if is_office_staff(user):
        return party.id_number or "", party.phone or ""
    return mask_id(party.id_number), mask_phone(party.phone)


# ---- archive loans (借阅) ---------------------------------------------------------------------------

def _record_in_reach(session, user, record):
    if record is None or getattr(record, "id", None) is None:
        return False
    return session.execute(select(ArchiveRecord.id).where(
        ArchiveRecord.id == record.id, scope_filter(session, user, ArchiveRecord))).first() is not None


def may_request_loan(session, user, record=None):
    """Whoever has the archive screen may ask to borrow a file in their reach."""
    if not may_view(user, "archive", R):
        return False
    return record is None or _record_in_reach(session, user, record)


def may_lend_for_others(user):
    """Only the archivist files a loan for a named borrower (someone without an account)."""
    return user is not None and user.role == ARCHIVIST


def may_decide_loan(session, user, loan=None):
    """A leader approves or denies a loan of a file in their reach. (Not their own request:
    services/archive.py refuses that with a message rather than a closed door.)"""
    if _role(user) not in OTHER_RIGHTS["loan_decide"] or not may_view(user, "loan", E):
        return False
    return loan is None or _record_in_reach(session, user, loan.record)


def may_return_loan(session, user, loan=None):
    """The archivist records a file back."""
    return _role(user) in OTHER_RIGHTS["loan_return"] and may_view(user, "loan", E)


# ---- archive destruction (销毁鉴定) -----------------------------------------------------------------

def may_propose_destruction(session, user, record=None):
    """The archivist proposes destroying a file in their reach whose retention has ended."""
    if _role(user) != ARCHIVIST or not may_view(user, "destruction", C):
        return False
    return record is None or _record_in_reach(session, user, record)


def destruction_filter(session, user):
    """The destroyed files' ledger (销毁记录): its case is gone, so its reach is no longer known.
    The archive's keepers (admin, archivist) and a leader who oversees every case read it whole;
    another leader reads the destructions they decided (an accusation against their own unit,
    destroyed by someone else, stays out of sight)."""
    role = _role(user)
    if role in (ADMIN, ARCHIVIST) or (role == LEADER and _dept_kind(session, user.department_id) == "office"):
        return true()
    if role == LEADER:
        return ArchiveDestruction.decided_by_id == user.id
    return false()


def may_decide_destruction(session, user, destruction=None):
    """A leader approves or denies a proposed destruction of a file in their reach."""
    if _role(user) != LEADER or not may_view(user, "destruction", E):
        return False
    return destruction is None or _record_in_reach(session, user, destruction.record)
