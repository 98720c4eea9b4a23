"""包案: a leader personally owns the hard case(s) of one petitioner.

四明确 — leader, responsible department, responsible person, deadline — plus a plan (化解方案) are
required. Clerks propose (proposed), the named leader accepts (active), the leader or a handler of
the responsible department adds dated progress, the leader records the outcome (finished).
Functions take the session and the acting user explicitly; the caller commits. A refusal raises
services.ServiceError / ValidationFailed with a Chinese message and changes nothing.
"""
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import false, func, select

from models import (Case, CaseEvent, Department, PackageAssignment, PackageProgress, User,
                    package_cases)
from models.enums import PACKAGE_OPEN, PACKAGE_OUTCOMES, PACKAGE_STATUSES, PURPOSES
from services import ServiceError, ValidationFailed, access, audit, inputs
from services.inputs import InputError
from services.clock import today as office_today

FOUR_CLEAR = (("leader_id", "包案领导"), ("department_id", "责任单位"),
              ("responsible_person", "责任人"), ("deadline", "办结期限"))
STATUS_ORDER = {"active": 0, "proposed": 1, "declined": 2, "finished": 3}
MSG_MIXED = ("检举控告类信访事项不能与其他类别的信访事项合并包案（合并会让看到包案的人知道检举人是谁）："
             "{}。请将检举控告件单独包案。")
MSG_ACCUSED_LEAD = "检举控告类事项的包案不得由被反映单位（及其上下级单位）作为责任单位。"


# ---- scope ----------------------------------------------------------------------------------

def package_filter(session, user):
    """WHERE clause on PackageAssignment: the packages `user` may see on every door.

    Clerk/admin: all. Otherwise a package is visible when the user is its leader, when any of its
    cases is visible through access.case_filter, or when its responsible department is in the
    user's branch. The rule itself lives in access.package_filter (the one place for access);
    this adds the screen right."""
    if not access.may_view(user, "package", access.R):
        return false()
    return access.package_filter(session, user)


def get_visible(session, user, package_id):
    """The package if `user` may see it, else None (callers answer 404)."""
    pid = inputs.parse_id(package_id)
    if pid is None:
        return None
    return session.execute(select(PackageAssignment).where(
        PackageAssignment.id == pid, package_filter(session, user))).scalar()


# ---- choices --------------------------------------------------------------------------------

def leader_choices(session):
    return list(session.execute(select(User).where(User.role == "leader", User.active.is_(True))
                                .order_by(User.rank_order, User.id)).scalars())


def active_departments(session):
    return list(session.execute(select(Department).where(Department.active.is_(True))
                                .order_by(Department.sort_order, Department.name)).scalars())


def find_cases(session, user, text):
    """Case numbers typed by the user (separated by commas, spaces or 、) → (cases, unknown numbers).
    Only cases the user may see are found."""
    numbers = [n for n in re.split(r"[\s,，、;；]+", text or "") if n]
    numbers = list(dict.fromkeys(numbers))
    if not numbers:
        return [], []
    found = {c.number: c for c in session.execute(select(Case).where(
        Case.number.in_(numbers), access.case_filter(session, user))).scalars()}
    return [found[n] for n in numbers if n in found], [n for n in numbers if n not in found]


def unknown_cases_message(numbers):
    return f"未找到信访事项：{'、'.join(numbers)}（编号有误或不在您的查看范围内）。"


def petitioner_ids(case):
    return {cp.party_id for cp in case.parties if cp.role == "petitioner"}


def petitioner_names(case, session=None, user=None):
    """The petitioners' names; with `session` and `user`, as that user may read them
    (access.party_view masks an accuser's name)."""
    if session is not None and user is not None:
        names = [access.party_view(session, user, case, p, in_list=True)["name"] for p in case.petitioners]
    else:
        names = [p.name for p in case.petitioners]
    return "、".join(names) or "（无信访人）"


def default_title(cases):
    """The title of a package when none is typed: no names and no case numbers (the title is
    shown to everyone who sees the package, some of whom may not know the accuser or see the case)."""
    if not cases:
        return "矛盾纠纷包案化解"
    first = cases[0]
    subject = (first.category or "").strip() or "信访"
    return f"{subject}问题包案（{len(cases)}件）"


def display_title(session, user, pkg):
    """The package title as `user` may read it: names of petitioners whose identity the user may
    not know, and numbers of cases out of reach, are replaced (older titles were built from them)."""
    return redactor(session, user, pkg)(pkg.title)


def holds_accusation(pkg):
    return any(is_accusation(c) for c in pkg.cases)


def is_accusation(case):
    return case.purpose == "accusation"


def shown_cases(session, user, pkg):
    """The package's cases as `user` may see them: [(case, petitioner names)] and how many other
    cases are out of reach. An accusation is shown without its petitioner to whoever may not know
    the accuser (party_view masks the name). The count of cases out of reach is 0 for a package
    holding an accusation: "one more case of the same person" would itself tell of the accuser."""
    visible, hidden = [], 0
    for case in pkg.cases:
        if access.can_see_case(session, user, case):
            visible.append((case, petitioner_names(case, session, user)))
        else:
            hidden += 1
    if hidden and holds_accusation(pkg) and not access.is_office_staff(user):
        hidden = 0
    return visible, hidden


def _secrets(case):
    """The strings that name a petitioner of `case`: names, ID and phone numbers, full and masked."""
    out = []
    for p in case.petitioners:
        out += [p.name, p.id_number, p.phone, access.mask_id(p.id_number), access.mask_phone(p.phone)]
    return [s for s in out if s and len(s) >= 2]


def redactor(session, user, pkg):
    """redactor(...)(text) -> `text` (title, plan, progress, outcome note: free text a clerk or a
    leader typed) with the petitioners of the package's accusations, whose accuser `user` may not
    know, replaced by （保密）, and the numbers of cases out of the user's reach by （编号保密）."""
    if access.is_office_staff(user):
        return lambda text: text or ""
    numbers, names = [], []
    for case in pkg.cases:
        visible = access.can_see_case(session, user, case)
        if not visible:
            numbers.append(case.number)
        if not visible or not access.may_see_identity(session, user, case):
            names += _secrets(case)
    names.sort(key=len, reverse=True)  # a full ID before its shorter pieces

    def shown(text):
        text = text or ""
        for number in numbers:
            text = text.replace(number, "（编号保密）")
        for name in names:
            text = text.replace(name, access.MASKED_NAME)
        return text
    return shown


# ---- suggestion by rank -----------------------------------------------------------------------

@dataclass
class Suggestion:
    place: str
    petitioner: str
    cases: list
    leader: User | None


def suggest_leaders(session, cases, user=None):
    """Several cases of one area (问题属地) packaged at once: one package per petitioner, and the
    leaders go by rank order within each area — the petitioner with the most cases (then the
    earliest) gets the highest-ranking leader, the next one the next leader, and so on."""
    leaders = leader_choices(session)
    groups = {}
    for case in cases:
        pids = petitioner_ids(case)
        key = (case.incident_place or "", min(pids) if pids else f"case-{case.id}")
        groups.setdefault(key, []).append(case)
    by_place = {}
    for (place, _), group in groups.items():
        by_place.setdefault(place, []).append(group)
    out = []
    for place in sorted(by_place):
        ranked = sorted(by_place[place], key=lambda g: (-len(g), min(c.received_on for c in g),
                                                        min(c.id for c in g)))
        for i, group in enumerate(ranked):
            out.append(Suggestion(place, petitioner_names(group[0], session, user), sorted(group, key=lambda c: c.id),
                                  leaders[i % len(leaders)] if leaders else None))
    return out


# ---- propose, accept, progress, finish ------------------------------------------------------

@dataclass
class PackageInput:
    case_ids: list = field(default_factory=list)
    leader_id: int | None = None
    department_id: int | None = None
    responsible_person: str = ""
    deadline: date | str | None = None  # as typed; read by propose
    plan: str = ""
    title: str = ""
    # A package made from a 矛盾纠纷排查 entry (services/screening.py) may hold no case yet.
    allow_no_cases: bool = False


def missing_fields(data):
    """Chinese names of the 四明确 items that are missing, in order."""
    missing = []
    for attr, name in FOUR_CLEAR:
        value = getattr(data, attr)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(name)
    return missing


def missing_message(data):
    """The refusal for missing 四明确 items and plan, or None when nothing is missing."""
    missing = missing_fields(data)
    no_plan = not (data.plan or "").strip()
    if missing and no_plan:
        return f"包案必须明确：{'、'.join(missing)}；并须制定化解方案"
    if missing:
        return f"包案必须明确：{'、'.join(missing)}"
    if no_plan:
        return "包案必须制定化解方案"
    return None


def _case_event(session, actor, case, note, **data):
    if case.status == "archived":
        return  # an archived file changes no more; the package keeps its own record
    session.add(CaseEvent(case_id=case.id, actor_id=getattr(actor, "id", None), action="package",
                          from_status=case.status, to_status=case.status, note=note, data=data))


def propose(session, actor, data):
    """A clerk proposes a package (status proposed). Returns the PackageAssignment."""
    if not access.may_view(actor, "package", access.C):
        raise ServiceError("只有信访办可以提出包案，领导确认后生效。")
    parsed = [inputs.parse_id(i) for i in (data.case_ids or [])]
    ids = [] if None in parsed else list(dict.fromkeys(parsed))
    if not ids and not (data.allow_no_cases and None not in parsed):
        raise ValidationFailed({"case_ids": ["请选择要包案的信访事项。"]})
    msg = missing_message(data)
    if msg:
        errors = {"__all__": [msg]}
        for attr, name in FOUR_CLEAR:
            if name in missing_fields(data):
                errors[attr] = [f"请填写{name}。"]
        if not (data.plan or "").strip():
            errors["plan"] = ["请填写化解方案。"]
        raise ValidationFailed(errors)

    leader_pk = inputs.parse_id(data.leader_id)
    leader = session.get(User, leader_pk) if leader_pk is not None else None
    if leader is None or leader.role != "leader" or not leader.active:
        raise ValidationFailed({"leader_id": ["包案领导必须是在职的领导。"]})
    dept_pk = inputs.parse_id(data.department_id)
    dept = session.get(Department, dept_pk) if dept_pk is not None else None
    if dept is None or not dept.active:
        raise ValidationFailed({"department_id": ["责任单位不存在或已停用。"]})
    try:
        person = inputs.parse_text(data.responsible_person, "责任人", max_len=50)
    except InputError as exc:
        raise ValidationFailed({"responsible_person": [exc.message]}) from None
    try:
        deadline = inputs.parse_date(data.deadline, "办结期限", required=True)
    except InputError as exc:
        raise ValidationFailed({"deadline": [exc.message]}) from None
    if deadline < office_today():
        raise ValidationFailed({"deadline": ["办结期限不能早于今天。"]})

    cases = _cases_in_reach(session, actor, ids)
    _check_cases(session, cases)
    _check_department(session, cases, dept)

    try:
        title = inputs.parse_text(data.title, "包案事项名称", max_len=200) or default_title(cases)
    except InputError as exc:
        raise ValidationFailed({"title": [exc.message]}) from None
    pkg = PackageAssignment(title=title, leader_id=leader.id, department_id=dept.id,
                            responsible_person=person, deadline=deadline, plan=data.plan.strip(),
                            status="proposed", created_by_id=getattr(actor, "id", None))
    pkg.cases = cases
    session.add(pkg)
    session.flush()
    for c in cases:
        _case_event(session, actor, c, f"拟由{leader.full_name}包案，责任单位{dept.name}，责任人{person}，"
                                       f"办结期限{deadline}", package_id=pkg.id, step="propose")
    session.flush()
    return pkg


def _cases_in_reach(session, actor, ids):
    cases = list(session.execute(select(Case).where(
        Case.id.in_(ids), access.case_filter(session, actor))).scalars())
    if len(cases) != len(ids):
        raise ValidationFailed({"case_ids": ["所选信访事项不存在或不在您的查看范围内。"]})
    cases.sort(key=lambda c: ids.index(c.id))
    return cases


def _check_cases(session, cases, package=None):
    """The cases of one package (with those already in `package`): none voided or archived, one
    petitioner, an accusation never beside a case of another class, none in another open package."""
    old = list(package.cases) if package is not None else []
    for c in cases:
        if c.status == "voided":
            raise ValidationFailed({"case_ids": [f"{c.number}已作废，不能包案。"]})
        if c.status == "archived":
            raise ValidationFailed({"case_ids": [f"{c.number}已归档，归档案卷不再写入记录，不能包案。"]})
    together = old + [c for c in cases if c not in old]
    if len(together) > 1:
        common = set.intersection(*(petitioner_ids(c) for c in together))
        if not common:
            listing = "；".join(f"{c.number}（{petitioner_names(c)}）" for c in together)
            raise ValidationFailed({"case_ids": [
                f"只能将同一信访人的信访事项合并包案，所选事项的信访人不同：{listing}。请分别包案。"]})
    accusations = [c for c in together if is_accusation(c)]
    if accusations and len(accusations) != len(together):
        listing = "、".join(f"{c.number}（{PURPOSES.get(c.purpose, c.purpose)}）" for c in together)
        raise ValidationFailed({"case_ids": [MSG_MIXED.format(listing)]})
    busy = _in_other_open_package(session, cases, package)
    if busy:
        raise ValidationFailed({"case_ids": [f"{busy[0]}已在包案“{busy[1]}”中，不能重复包案。"]})


def _in_other_open_package(session, cases, package=None):
    """(case number, package title) of the first of `cases` in an open package other than `package`."""
    q = (select(Case.number, PackageAssignment.title).join(package_cases, package_cases.c.case_id == Case.id)
         .join(PackageAssignment, PackageAssignment.id == package_cases.c.package_id)
         .where(Case.id.in_([c.id for c in cases]), PackageAssignment.status.in_(PACKAGE_OPEN)))
    if package is not None:
        q = q.where(PackageAssignment.id != package.id)
    return session.execute(q).first()


def _check_department(session, cases, dept):
    """The accused unit (and the units above and below it) never leads the package of an
    accusation against it: it would read the accusation and meet the accuser (access.may_route_to)."""
    for c in cases:
        ok, _msg = access.may_route_to(session, c, dept)
        if not ok:
            raise ValidationFailed({"department_id": [MSG_ACCUSED_LEAD]})


def _open_for_office(actor, pkg):
    if not access.may_view(actor, "package", access.C):
        raise ServiceError("只有信访办可以调整包案。")
    if pkg.status not in (*PACKAGE_OPEN, "declined"):
        raise ServiceError(f"该包案状态为“{PACKAGE_STATUSES.get(pkg.status)}”，不能调整。")


def add_cases(session, actor, pkg, case_ids):
    """The office adds cases of the same petitioner to an open (or declined) package; the same
    rules as propose (_check_cases). Returns the cases added."""
    _open_for_office(actor, pkg)
    parsed = [inputs.parse_id(i) for i in (case_ids or [])]
    ids = [] if None in parsed else [i for i in dict.fromkeys(parsed) if i not in {c.id for c in pkg.cases}]
    if not ids:
        raise ValidationFailed({"case_ids": ["请填写要加入包案的信访事项编号（已在本包案中的不必再填）。"]})
    cases = _cases_in_reach(session, actor, ids)
    _check_cases(session, cases, package=pkg)
    _check_department(session, cases, pkg.department)
    pkg.cases.extend(cases)
    for c in cases:
        _case_event(session, actor, c, f"加入{pkg.leader.full_name}包案，责任单位{pkg.department.name}",
                    package_id=pkg.id, step="add_cases")
    audit.record(session, actor, "package_change",
                 detail=f"包案#{pkg.id}加入信访事项 {'、'.join(c.number for c in cases)}")
    session.flush()
    return cases


def may_adjust(actor, pkg):
    """The office adds cases to, or names another leader for, a package not yet finished."""
    return access.may_view(actor, "package", access.C) and pkg.status in (*PACKAGE_OPEN, "declined")


def may_decline(actor, pkg):
    return may_accept(actor, pkg)


def decline(session, actor, pkg, reason):
    """The proposed leader declines the package (退回) with a reason; the office then names another
    leader (reassign). The cases leave the leader's reach (access.case_filter)."""
    if pkg.status != "proposed":
        raise ServiceError(f"该包案状态为“{PACKAGE_STATUSES.get(pkg.status)}”，不能退回。")
    if not _own_leader(actor, pkg):
        raise ServiceError("只有包案领导本人可以退回包案。")
    reason = inputs.parse_text(reason, "退回理由", required=True, max_len=2000)
    pkg.status = "declined"
    pkg.outcome_note = reason  # the note on how the package left this leader
    for c in pkg.cases:
        _case_event(session, actor, c, f"{actor.full_name}退回包案：{reason}", package_id=pkg.id, step="decline")
    audit.record(session, actor, "package_decline", detail=f"包案#{pkg.id}：{reason}"[:2000])
    session.flush()


def reassign(session, actor, pkg, leader_id, department_id=None):
    """The office names another leader (and optionally another responsible department) for a
    proposed or declined package; it is proposed again, for the new leader to accept."""
    _open_for_office(actor, pkg)
    if pkg.status == "active":
        raise ServiceError("包案领导已确认，不能改派。")
    leader_pk = inputs.parse_id(leader_id)
    leader = session.get(User, leader_pk) if leader_pk is not None else None
    if leader is None or leader.role != "leader" or not leader.active:
        raise ValidationFailed({"leader_id": ["包案领导必须是在职的领导。"]})
    if pkg.status == "declined" and leader.id == pkg.leader_id:
        raise ValidationFailed({"leader_id": ["该领导已退回此包案，请另选包案领导。"]})
    dept = pkg.department
    if department_id not in (None, ""):
        dept_pk = inputs.parse_id(department_id)
        dept = session.get(Department, dept_pk) if dept_pk is not None else None
        if dept is None or not dept.active:
            raise ValidationFailed({"department_id": ["责任单位不存在或已停用。"]})
    _check_department(session, pkg.cases, dept)
    if pkg.status == "declined":
        busy = _in_other_open_package(session, pkg.cases, pkg)
        if busy:
            raise ServiceError(f"{busy[0]}已在其他包案中，不能改派此包案。")  # joined one meanwhile
    old = pkg.leader.full_name if pkg.leader else ""
    pkg.leader, pkg.department = leader, dept
    pkg.status, pkg.outcome_note = "proposed", None
    for c in pkg.cases:
        _case_event(session, actor, c, f"包案改由{leader.full_name}负责（原{old}），责任单位{dept.name}",
                    package_id=pkg.id, step="reassign")
    audit.record(session, actor, "package_reassign",
                 detail=f"包案#{pkg.id}：{old} → {leader.full_name}，责任单位{dept.name}")
    session.flush()
    return pkg


def _own_leader(actor, pkg):
    return actor is not None and actor.role == access.LEADER and actor.id == pkg.leader_id


def may_accept(actor, pkg):
    return pkg.status == "proposed" and _own_leader(actor, pkg)


def may_progress(session, actor, pkg):
    if pkg.status != "active" or actor is None:
        return False
    if _own_leader(actor, pkg):
        return True
    return (actor.role == access.HANDLER
            and pkg.department_id in access.user_dept_ids(session, actor))


def may_finish(actor, pkg):
    return pkg.status == "active" and _own_leader(actor, pkg)


def accept(session, actor, pkg):
    """The named leader accepts the package: it becomes active (化解中)."""
    if pkg.status != "proposed":
        raise ServiceError(f"该包案状态为“{PACKAGE_STATUSES.get(pkg.status)}”，无需确认。")
    if not _own_leader(actor, pkg):
        raise ServiceError("只有包案领导本人可以确认包案。")
    pkg.status = "active"
    pkg.accepted_on = office_today()
    for c in pkg.cases:
        _case_event(session, actor, c, f"{actor.full_name}确认包案，办结期限{pkg.deadline}",
                    package_id=pkg.id, step="accept")
    session.flush()


def add_progress(session, actor, pkg, on, text):
    """A dated progress entry by the leader or a handler of the responsible department; `on` is a
    date or the text typed."""
    if not may_progress(session, actor, pkg):
        if pkg.status != "active":
            raise ServiceError("只有化解中的包案可以填写进展。")
        raise ServiceError("只有包案领导或责任单位承办人可以填写包案进展。")
    on = inputs.parse_date(on, "进展日期")
    if on is None:
        raise ServiceError("请填写进展日期。")
    if on > office_today():
        raise ServiceError("进展日期不能晚于今天。")
    if pkg.accepted_on and on < pkg.accepted_on:
        raise ServiceError(f"进展日期不能早于包案确认日期（{pkg.accepted_on}）。")
    text = inputs.parse_text(text, "进展情况", required=True)
    entry = PackageProgress(package=pkg, on=on, text=text, author_id=actor.id)
    session.add(entry)
    session.flush()
    return entry


def finish(session, actor, pkg, outcome, note):
    """The leader records the outcome (已化解 / 息诉罢访 / 未化解) with a closing note."""
    if pkg.status != "active":
        raise ServiceError("只有化解中的包案可以办结。")
    if not _own_leader(actor, pkg):
        raise ServiceError("只有包案领导本人可以填写化解结果。")
    outcome = inputs.parse_choice(outcome, "化解结果", PACKAGE_OUTCOMES)
    note = inputs.parse_text(note, "办结说明", required=True)
    pkg.status = "finished"
    pkg.outcome = outcome
    pkg.outcome_note = note
    pkg.finished_on = office_today()
    for c in pkg.cases:
        _case_event(session, actor, c, f"包案结束：{PACKAGE_OUTCOMES[outcome]}。{note}",
                    package_id=pkg.id, step="finish", outcome=outcome)
    session.flush()


# ---- reading --------------------------------------------------------------------------------

def days_left(pkg, today=None):
    if pkg.deadline is None:
        return None
    return (pkg.deadline - (today or office_today())).days


def is_package_overdue(pkg, today=None):
    return pkg.status in PACKAGE_OPEN and pkg.deadline is not None and pkg.deadline < (today or office_today())


def deadline_label(pkg, today=None):
    if pkg.status not in PACKAGE_OPEN:
        return ""
    n = days_left(pkg, today)
    if n is None:
        return ""
    if n < 0:
        return f"超期{-n}天"
    return "今天到期" if n == 0 else f"剩{n}天"


def latest_progress(pkg):
    if not pkg.progress:
        return None
    return max(pkg.progress, key=lambda p: (p.on, p.id))


@dataclass
class PackageRow:
    package: PackageAssignment
    days_left: int | None
    overdue: bool
    deadline_label: str
    latest: PackageProgress | None
    title: str = ""


def rows_for(packages, today=None, *, session=None, user=None):
    """Rows for a listing; with `session` and `user`, each title as display_title shows it."""
    today = today or office_today()
    return [PackageRow(p, days_left(p, today), is_package_overdue(p, today), deadline_label(p, today),
                       latest_progress(p),
                       display_title(session, user, p) if session is not None and user is not None
                       else p.title) for p in packages]


def my_packages(session, leader, today=None):
    """The leader's own packages: open ones first (soonest deadline first), then finished ones."""
    pkgs = list(session.execute(select(PackageAssignment).where(
        PackageAssignment.leader_id == leader.id, PackageAssignment.status != "declined")).scalars())
    pkgs.sort(key=lambda p: (STATUS_ORDER.get(p.status, 9), p.deadline if p.status != "finished" else date.max,
                             -(p.finished_on or date.min).toordinal(), p.id))
    return rows_for(pkgs, today, session=session, user=leader)


@dataclass
class PackageRate:
    finished: int
    resolved: int
    stopped: int
    unresolved: int

    @property
    def rate(self):
        """(已化解 + 息诉罢访) ÷ finished, as a fraction; None when nothing finished in the period."""
        return (self.resolved + self.stopped) / self.finished if self.finished else None

    @property
    def percent(self):
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"


def resolution_rate(session, start, end, *, user=None, department_ids=None, leader_id=None):
    """包案化解率 for packages finished between `start` and `end` (inclusive, by finished_on).

    Optional scope: `user` (only the packages that user may see), `department_ids` (responsible
    department in this set), `leader_id`."""
    q = (select(PackageAssignment.outcome, func.count())
         .where(PackageAssignment.status == "finished", PackageAssignment.finished_on >= start,
                PackageAssignment.finished_on <= end)
         .group_by(PackageAssignment.outcome))
    if user is not None:
        q = q.where(package_filter(session, user))
    if department_ids is not None:
        q = q.where(PackageAssignment.department_id.in_(list(department_ids)))
    if leader_id is not None:
        q = q.where(PackageAssignment.leader_id == leader_id)
    counts = dict(session.execute(q).all())
    return PackageRate(finished=sum(counts.values()), resolved=counts.get("resolved", 0),
                       stopped=counts.get("stopped", 0), unresolved=counts.get("unresolved", 0))
