"""Departments as a clerk types them: one resolver (name, code or configured short name ->
Department) used by registration, the Excel import and the linking of accused parties.

No fuzzy guessing: a text links only when it equals a department's name, code or one of its
aliases once blanks are removed; an alias two departments share links to neither.
"""
import re

from sqlalchemy import func, select

from models import Case, CaseParty, Department, Party
from services import ServiceError, audit

ALIAS_SEPARATORS = re.compile(r"[\s\u3000、,，;；/]+")
BLANKS = re.compile(r"[\s\u3000]+")
ALIASES_MAX = 300


def clean(text):
    """The text with every blank removed (ASCII and full-width spaces, tabs, line breaks)."""
    return BLANKS.sub("", text or "")


def split_aliases(text):
    """'住建局、县住建局, 住房和城乡建设局' -> ['住建局', '县住建局', '住房和城乡建设局'] (order kept,
    repeats dropped)."""
    out = []
    for part in ALIAS_SEPARATORS.split(text or ""):
        if part and part not in out:
            out.append(part)
    return out


def label(dept):
    """'县住房和城乡建设局（住建局、县住建局）': the name with its short names, for pickers."""
    aliases = split_aliases(getattr(dept, "aliases", ""))
    return f"{dept.name}（{'、'.join(aliases)}）" if aliases else dept.name


def _keys(dept):
    """Every text that names `dept`: its name, code and aliases, blanks removed."""
    keys = {clean(dept.name)}
    if dept.code:
        keys.add(clean(dept.code).casefold())
    keys.update(clean(a) for a in split_aliases(dept.aliases))
    keys.discard("")
    return keys


class Resolver:
    """Text -> Department over a fixed list of departments (one query for a whole import)."""

    def __init__(self, departments):
        self.departments = list(departments)
        by_name, by_other = {}, {}
        for d in self.departments:
            by_name[clean(d.name)] = d
            for key in _keys(d) - {clean(d.name)}:
                by_other.setdefault(key, set()).add(d)
        self.by_name = by_name
        self.by_other = {k: next(iter(v)) for k, v in by_other.items() if len(v) == 1}

    def __call__(self, text):
        key = clean(text)
        if not key:
            return None
        found = self.by_name.get(key)
        if found is not None:
            return found
        return self.by_other.get(key) or self.by_other.get(key.casefold())


def resolver(session, *, active_only=False):
    q = select(Department).order_by(Department.sort_order, Department.id)
    if active_only:
        q = q.where(Department.active.is_(True))
    return Resolver(session.execute(q).scalars())


def resolve(session, text, *, active_only=False):
    """The department `text` names exactly (name, code or alias), or None."""
    return resolver(session, active_only=active_only)(text)


def picker_choices(session):
    """[(id, label, search text)] of the active departments, for the accused-unit picker."""
    rows = session.execute(select(Department).where(Department.active.is_(True))
                           .order_by(Department.sort_order, Department.id)).scalars()
    return [(d.id, label(d), " ".join([d.name, d.code or "", *split_aliases(d.aliases)])) for d in rows]


def check_aliases(session, dept):
    """The message refusing `dept`'s aliases (too long, or naming another department) or its name
    (another department's short name), or ''."""
    text = dept.aliases or ""
    if len(text) > ALIASES_MAX:
        return f"简称不能超过{ALIASES_MAX}字"
    others = [d for d in session.execute(select(Department)).scalars() if d is not dept and d.id != dept.id]
    for alias in split_aliases(text):
        key = clean(alias)
        for other in others:
            if key in _keys(other) or key.casefold() in _keys(other):
                return f"简称“{alias}”已是“{other.name}”的名称、代码或简称，同一简称只能属于一个单位"
    taken = next((o for o in others if clean(dept.name) in _keys(o)), None)
    if taken is not None:
        return f"名称“{dept.name}”已是“{taken.name}”的简称，请先修改该单位的简称"
    return ""


# ---- linking accused parties -----------------------------------------------------------------

def accused_party_ids(session, *, unlinked=True):
    """Ids of parties named as accused on some case (only those without a department link when
    `unlinked`)."""
    q = (select(Party.id).join(CaseParty, CaseParty.party_id == Party.id)
         .where(CaseParty.role == "accused").distinct())
    if unlinked:
        q = q.where(Party.department_id.is_(None))
    return q


def plan_links(departments, parties):
    """Which accused parties a department's name (or alias) names: [(party_id, department_id)].

    `departments`: objects with name, code, aliases (aliases may be empty); `parties`: rows with
    id and name. Pure: the migration's data step and relink() both use it."""
    find = Resolver(departments)
    out = []
    for p in parties:
        d = find(p.name)
        if d is not None:
            out.append((p.id, d.id))
    return out


def relink(session, actor=None, ip=None):
    """按简称重新关联: link every unlinked accused party whose name is a department's name, code or
    alias; a party kept as kind 个人 becomes 单位. Returns the number linked; audited; the caller
    commits."""
    parties = session.execute(select(Party).where(Party.id.in_(accused_party_ids(session)))).scalars().all()
    departments = session.execute(select(Department)).scalars().all()
    by_id = {d.id: d for d in departments}
    links = plan_links(departments, parties)
    found = {p.id: p for p in parties}
    for party_id, dept_id in links:
        found[party_id].department_id = dept_id
        found[party_id].kind = "unit"
    if links and actor is not None:
        audit.record(session, actor, "accused_link", row_count=len(links), ip=ip, detail="按简称重新关联：" + "；".join(
            f"“{found[p].name}” → {by_id[d].name}" for p, d in links)[:2000])
    return len(links)


def link_party(session, actor, party_id, department_id, ip=None):
    """Link one accused party to a department by hand (the admin screen); audited. Returns the
    Party; raises ServiceError with a Chinese message on a bad choice."""
    from services import inputs

    pid, did = inputs.parse_id(party_id), inputs.parse_id(department_id)
    party = session.get(Party, pid) if pid is not None else None
    if party is None or session.execute(select(CaseParty.id).where(
            CaseParty.party_id == party.id, CaseParty.role == "accused").limit(1)).first() is None:
        raise ServiceError("所选被反映单位不存在。")
    dept = session.get(Department, did) if did is not None else None
    if dept is None:
        raise ServiceError("请选择要关联的单位。")
    before = party.department.name if party.department is not None else "未关联"
    party.department_id = dept.id
    party.department = dept
    if party.kind != "unit" and clean(party.name) in _keys(dept):
        party.kind = "unit"
    audit.record(session, actor, "accused_link",
                 detail=f"被反映单位“{party.name}”：{before} → {dept.name}", ip=ip)
    return party


def unlinked_accused_units(session, limit=500):
    """[(party, [case numbers])] of accused units not linked to a department, newest first."""
    parties = session.execute(
        select(Party).where(Party.id.in_(accused_party_ids(session)), Party.kind == "unit")
        .order_by(Party.id.desc()).limit(limit)).scalars().all()
    if not parties:
        return []
    numbers = {}
    for party_id, number in session.execute(
            select(CaseParty.party_id, Case.number).join(Case, Case.id == CaseParty.case_id)
            .where(CaseParty.role == "accused", CaseParty.party_id.in_([p.id for p in parties]))
            .order_by(Case.number)):
        numbers.setdefault(party_id, []).append(number)
    return [(p, numbers.get(p.id, [])) for p in parties]


def unlinked_count(session):
    return session.execute(select(func.count()).select_from(Party).where(
        Party.id.in_(accused_party_ids(session)), Party.kind == "unit")).scalar() or 0
