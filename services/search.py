"""Finding cases and people: the case list's search box, the person page (信访人) and the
"already has N cases" hint while a clerk registers.

Every answer is limited to the user's reach (access.case_filter), and a case is never found
through its petitioner or representative (name, pinyin, ID number, phone) when the user may not
know who petitioned (access.identity_clause): a handler searching an accuser's name finds nothing
of the accusation, not even in a count.

A name is matched by the characters it contains, or, typed in Latin letters, by the start of its
pinyin or initials (the indexed Party.name_pinyin / name_initials); 4 digits or more by the
indexed last 4 characters of an ID or phone number (Party.id_tail / phone_tail), then the whole
tail typed. A case's own text, 交办/转送文号 and 档号 are matched as contained.

A whole case number (or 查询码, 原编号, 文号, 档号) is searched as contained too, not only as
equal: an imported case keeps its ledger's number as 原编号, which may read like one of ours
(2025-000123), and a later case's 摘要 or 文号 may cite an earlier number; the clerk who types the
number finds those as well. Through the trigram index that is an index lookup all the same.
"""
import re
from dataclasses import dataclass, field

from sqlalchemy import Text, and_, cast, column, exists, func, literal_column, or_, select, table, union
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import True_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import selectinload

from models import (ArchiveRecord, Case, CaseParty, PackageAssignment, Party, ReceptionSchedule,
                    package_cases, search_index)
from models.enums import OPEN_CASE_STATUSES, PARTY_ROLES
from models.party import ID_CHARS, TAIL_LEN
from services import access, validation
from services import packages as package_rules

IDENTITY_ROLES = ("petitioner", "representative")
MAX_TERMS = 5
MAX_TERM_LEN = 50
_LETTERS = re.compile(r"^[A-Za-z]+$")
_NUMBER = re.compile(r"^[0-9]+[0-9Xx]?$")
_NUMBER_SEPARATORS = re.compile(r"[-\s()（）+]")


def terms(text):
    """The search text split into terms (each must match). Letters only, as in "zhang san", are
    one pinyin term."""
    words = [w[:MAX_TERM_LEN] for w in (text or "").split() if w][:MAX_TERMS]
    if len(words) > 1 and all(_LETTERS.match(w) for w in words):
        return ["".join(words)]
    return words


def _contains(term):
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_KEY_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _starts_with(column, prefix):
    """column starts with `prefix` (lower case letters), as a range an index serves on SQLite and
    PostgreSQL alike (a LIKE 'x%' is not, under a case-insensitive LIKE or a non-C collation)."""
    upper = list(prefix)
    while upper and upper[-1] == _KEY_ALPHABET[-1]:
        upper.pop()
    if not upper:
        return column >= prefix
    upper[-1] = _KEY_ALPHABET[_KEY_ALPHABET.index(upper[-1]) + 1]
    return and_(column >= prefix, column < "".join(upper))


# The substring index (models/search_index.py). On SQLite a term of 3 characters or more is looked
# up in the FTS5 trigram tables first and the LIKE below only checks the rows found, so the answer
# is the LIKE's exactly; on PostgreSQL the GIN trigram indexes serve the ILIKE as it is. A term of
# 1-2 characters is shorter than a trigram: it is looked up as one token of the short index (every
# character and pair of characters) on both databases, and the LIKE checks the rows found likewise.
TRIGRAM = 3
_CASE_FTS = table("case_search", column("rowid"))
_PARTY_FTS = table("party_search", column("rowid"))
_CASE_SHORT = table("case_search_short", column("rowid"))
_PARTY_SHORT = table("party_search_short", column("rowid"))


def _match(fts, term):
    phrase = '"' + term.replace('"', '""') + '"'
    return select(fts.c.rowid).where(literal_column(fts.name).op("MATCH")(phrase))


def _pg_grams(expr, term):
    """PostgreSQL: the row's tokens (models/search_index.xf_search_grams) hold the term's."""
    grams = func.xf_search_grams(expr, type_=ARRAY(Text))
    return grams.op("@>")(postgresql.array([func.lower(cast(term, Text))]))


def _fts_ids(session, kind, term):
    """Ids of the rows ("case" or "party") whose text may contain `term` (case-folded; the
    caller's LIKE decides), or None where no index serves this term on this database (the LIKE
    alone answers)."""
    if session is None:
        return None
    dialect = session.get_bind().dialect.name
    if len(term) >= TRIGRAM:
        if dialect != "sqlite":
            return None
        return _match(_CASE_FTS if kind == "case" else _PARTY_FTS, term)
    if dialect == "sqlite":
        # unicode61 drops what is not a letter or digit: a term of such characters alone has no
        # token to look up.
        if not any(ch.isalnum() for ch in term):
            return None
        return _match(_CASE_SHORT if kind == "case" else _PARTY_SHORT, term)
    if dialect == "postgresql":
        if kind == "party":
            return select(Party.id).where(_pg_grams(Party.name, term))
        return union(select(Case.id).where(_pg_grams(literal_column(search_index.PG_CASE_TEXT), term)),
                     select(ArchiveRecord.case_id).where(_pg_grams(ArchiveRecord.archive_number, term)))
    return None


def party_match(term, session=None):
    """A WHERE clause on Party for one term: the name contains it; or, for Latin letters, the
    pinyin or initials start with it; or, for 4 digits or more, an ID number or phone number ends
    with it. Letters and long numbers go through the indexed keys only; names through the
    substring index when `session` is given and the term is long enough."""
    contains = _contains(term)
    number = _NUMBER_SEPARATORS.sub("", term).upper()
    is_number = bool(_NUMBER.match(number)) and len(number) >= TAIL_LEN
    clauses = []
    if _LETTERS.match(term):
        low = term.lower()
        clauses += [_starts_with(Party.name_pinyin, low), _starts_with(Party.name_initials, low)]
    elif not is_number:
        name = Party.name.ilike(contains, escape="\\")
        found = _fts_ids(session, "party", term)
        clauses.append(name if found is None else and_(Party.id.in_(found), name))
    if is_number:
        tail = number[-TAIL_LEN:]
        if all(c in ID_CHARS for c in number):
            clauses.append(and_(Party.id_tail == tail, Party.id_number.like(f"%{number}")))
        if number.isdigit():
            clauses.append(and_(Party.phone_tail == tail, _phone_digits().like(f"%{number}")))
    return or_(*clauses)


def _phone_digits():
    """Party.phone without its separators (stored as typed: 0571-88886666)."""
    return func.replace(func.replace(Party.phone, "-", ""), " ", "")


def _cases_of_parties(session, user, party_clause):
    """Ids of the cases linked to the matching parties, where the link does not reveal an accuser:
    an accused party finds any case in reach; a petitioner or representative only the cases
    whose petitioner the user may know."""
    identity = access.identity_clause(session, user)
    links = select(CaseParty.case_id).join(Party, Party.id == CaseParty.party_id).where(party_clause)
    if isinstance(identity, True_):
        return links  # office staff: every link (and no case row read per link: 145k for 王)
    return (links.join(Case, Case.id == CaseParty.case_id)
            .where(or_(CaseParty.role.not_in(IDENTITY_ROLES), identity)))


def case_term_clause(session, user, term):
    """A WHERE clause on Case for one term: the case's own text, 交办文号, 档号 or one of its
    parties."""
    contains = _contains(term)
    own = [getattr(Case, c).ilike(contains, escape="\\")
           for c in ("number", "query_code", "summary", "incident_place", "source_doc_no",
                     "forward_doc_no", "original_number")]
    filed = select(ArchiveRecord.case_id).where(ArchiveRecord.archive_number.ilike(contains, escape="\\"))
    text_match = or_(*own, Case.id.in_(filed))
    # A term held by tens of thousands of rows (a common surname): the LIKE scan of the cases
    # newest first stops at the page's end, where the index's lists would be read and every row
    # they name fetched and sorted to show 50 (measured at a million: 13.8 s against 7.8 s).
    indexed = not _common(session, term)
    found = _fts_ids(session, "case", term) if indexed else None
    if found is not None:
        # Only the rows the index found are checked: the 档号 by the case's own record.
        filed_here = exists().where(ArchiveRecord.case_id == Case.id,
                                    ArchiveRecord.archive_number.ilike(contains, escape="\\"))
        text_match = and_(Case.id.in_(found), or_(*own, filed_here))
    parties = _cases_of_parties(session, user, party_match(term, session if indexed else None))
    if session is not None and session.get_bind().dialect.name == "postgresql":
        # One IN over a union of the answers, each served by its index: an OR of subqueries makes
        # PostgreSQL filter every case.
        if found is not None:
            return Case.id.in_(union(select(Case.id).where(text_match), parties))
        return Case.id.in_(union(select(Case.id).where(or_(*own)), filed, parties))
    return or_(text_match, Case.id.in_(parties))


COMMON = 20_000


def _common(session, term):
    """SQLite, a term of 1-2 characters: do COMMON rows or more of the short index hold it? One
    read of the index (its list of rows for the token), capped."""
    if (session is None or len(term) >= TRIGRAM or session.get_bind().dialect.name != "sqlite"
            or not any(ch.isalnum() for ch in term)):
        return False
    counts = [select(func.count()).select_from(_match(fts, term).limit(COMMON).subquery()).scalar_subquery()
              for fts in (_CASE_SHORT, _PARTY_SHORT)]
    return session.execute(select(counts[0] + counts[1])).scalar() >= COMMON  # one statement


def case_search_clause(session, user, text):
    """A WHERE clause on Case: every term of `text` matches (see case_term_clause). The caller
    also applies access.case_filter; None when there is nothing to search."""
    found = terms(text)
    if not found:
        return None
    return and_(*(case_term_clause(session, user, t) for t in found))


# ---- the person page ---------------------------------------------------------------------------

def person_case_clause(session, user, party_id):
    """The cases of a person the user may see as theirs: in reach, and, where the person
    petitioned or represented, only if the user may know who petitioned."""
    return and_(access.case_filter(session, user), Case.id.in_(
        _cases_of_parties(session, user, Party.id == party_id)))


def may_open_person(session, user, party):
    """The person page opens for a person whom at least one case in reach shows to the user."""
    if party is None or not access.may_view(user, "person"):
        return False
    if access.is_office_staff(user):
        return True
    return session.execute(select(Case.id).where(person_case_clause(session, user, party.id))
                           .limit(1)).first() is not None


@dataclass
class PersonPage:
    party: object
    id_number: str
    phone: str
    cases: list = field(default_factory=list)        # (case, roles as text)
    visits: list = field(default_factory=list)       # cases received on a leader's reception day
    packages: list = field(default_factory=list)     # (package, title as the user may read it)
    may_open_packages: bool = False


def person_page(session, user, party):
    """What the person page shows (the caller checked may_open_person)."""
    rows = session.execute(
        select(Case, CaseParty.role).join(CaseParty, CaseParty.case_id == Case.id)
        .where(CaseParty.party_id == party.id, person_case_clause(session, user, party.id),
               or_(CaseParty.role.not_in(IDENTITY_ROLES), access.identity_clause(session, user)))
        .order_by(Case.received_on.desc(), Case.id.desc())
        .options(selectinload(Case.department),
                 selectinload(Case.reception).selectinload(ReceptionSchedule.leader))).all()
    roles = {}
    for case, role in rows:
        roles.setdefault(case, []).append(PARTY_ROLES.get(role, role))
    cases = [(case, "、".join(r)) for case, r in roles.items()]
    ids = [c.id for c, _r in cases]
    id_number, phone = access.party_numbers(user, party)
    page = PersonPage(party=party, id_number=id_number, phone=phone, cases=cases,
                      may_open_packages=access.may_view(user, "package"))
    page.visits = [c for c, _r in cases if c.reception_id is not None]
    if ids:
        pkgs = session.execute(
            select(PackageAssignment).join(package_cases, package_cases.c.package_id == PackageAssignment.id)
            .where(package_cases.c.case_id.in_(ids), access.package_filter(session, user))
            .distinct().order_by(PackageAssignment.id.desc())
            .options(selectinload(PackageAssignment.leader))).scalars().all()
        page.packages = [(p, package_rules.redactor(session, user, p)(p.title)) for p in pkgs]
    return page


# ---- the registration hint ---------------------------------------------------------------------

HINT_LIMIT = 10


def matching_parties(session, id_number="", name="", phone=""):
    """The people registration would link the typed person to: by ID number, else by name and
    phone (services/registration.py finds them the same way)."""
    id_number = validation.normalize_id(id_number)
    if id_number:
        if len(id_number) not in (15, 18):
            return []
        return [pid for (pid,) in session.execute(select(Party.id).where(Party.id_number == id_number))]
    name, digits = (name or "").strip(), re.sub(r"\D", "", validation.normalize_phone(phone))
    if not name or not 7 <= len(digits) <= 20:
        return []
    return [pid for (pid,) in session.execute(select(Party.id).where(
        Party.name == name, Party.phone_tail == digits[-TAIL_LEN:], _phone_digits() == digits))]


def registration_hint(session, user, id_number="", name="", phone=""):
    """{"total", "open", "cases": [(case id, number, status label, is open)]} of the typed
    person's cases that the user may see as theirs (petitioner or representative)."""
    party_ids = matching_parties(session, id_number, name, phone)
    if not party_ids:
        return {"total": 0, "open": 0, "cases": []}
    clause = and_(access.case_filter(session, user), access.identity_clause(session, user),
                  Case.id.in_(select(CaseParty.case_id).where(
                      CaseParty.party_id.in_(party_ids), CaseParty.role.in_(IDENTITY_ROLES))))
    total, open_ = session.execute(select(
        func.count(Case.id), func.count(Case.id).filter(Case.status.in_(OPEN_CASE_STATUSES)))
        .where(clause)).one()
    recent = session.execute(select(Case).where(clause)
                             .order_by(Case.received_on.desc(), Case.id.desc()).limit(HINT_LIMIT)).scalars()
    return {"total": total, "open": open_,
            "cases": [(c.id, c.number, c.status_label, c.status in OPEN_CASE_STATUSES) for c in recent]}

