"""What a user may read of a case beyond its own fields: the earlier cases of the same petitioners,
and timeline notes with the numbers and file names the user may not know replaced."""
import re

from sqlalchemy import select

from models import Case, CaseCounter, CaseParty
from services import access, settings, txcache

SECRET_FILE = "（保密材料）"
HIDDEN_CASE = "（另一信访事项）"


ANY_NUMBER = re.compile(r"\d{4}-\d{6}")  # what every case number ends with, whatever its prefix


# The number counters' prefixes as a part of txcache.load_together.
PREFIXES = txcache.Part("xf_number_prefixes", (CaseCounter,), lambda: [select(CaseCounter.prefix)],
                        lambda rows: [r[0] for r in rows])


def case_number_pattern(session):
    """A case number with any prefix the office has used (Chinese, with a hyphen, ...): the
    prefixes of the number counters and the setting, longest first; then ASCII letters or none."""
    prefixes = set(txcache.cached(session, PREFIXES.key, PREFIXES.models, lambda: list(
        session.execute(select(CaseCounter.prefix)).scalars())))
    prefixes.add(settings.get(session, "number_prefix"))
    known = sorted((p for p in prefixes if p), key=len, reverse=True)
    alts = "".join(re.escape(p) + "|" for p in known)
    return re.compile(rf"(?:{alts}[A-Za-z]*)\d{{4}}-\d{{6}}")


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


def downloadable(session, user, case):
    """{attachment id: whether this user may open it}."""
    return {a.id: access.can_download(session, user, a) for a in case.attachments}


def file_name(attachment, may_download):
    """The name of an attachment as this user may read it."""
    return attachment.filename if may_download else SECRET_FILE


def note_filter(session, user, case, may_download, known=None):
    """note_filter(...)(event) -> the event's note as this user may read it: numbers of cases the
    user may not see (or that would link an accuser to a case) are replaced, and file names of
    withheld attachments hidden. `may_download` is downloadable(session, user, case); `known`
    ({number: may be shown}, see numbers_shown) spares a lookup per number."""
    allowed = dict(known or {})

    def number_ok(number):
        if number not in allowed:
            other = session.execute(select(Case).where(Case.number == number)).scalar_one_or_none()
            allowed[number] = (other is not None and access.can_see_case(session, user, other)
                               and access.may_see_identity(session, user, other)
                               and access.may_see_identity(session, user, case))
        return allowed[number]

    withheld = [a.filename for a in case.attachments if not may_download[a.id]]
    numbers = []  # the pattern, read only for a note that may hold a case number

    def shown_text(text):
        text = text or ""
        for name in withheld:
            text = text.replace(name, SECRET_FILE)
        if not ANY_NUMBER.search(text):
            return text
        if not numbers:
            numbers.append(case_number_pattern(session))
        return numbers[0].sub(
            lambda m: m.group(0) if m.group(0) == case.number or number_ok(m.group(0)) else HIDDEN_CASE, text)

    def shown(event):
        return shown_text(event.note)

    shown.text = shown_text  # the same filter for the case's own copies of a note (延期理由)
    return shown


def numbers_in(session, texts, own):
    """The case numbers (other than `own`) written in `texts`."""
    texts = [t for t in texts if t and ANY_NUMBER.search(t)]
    if not texts:
        return set()
    pattern = case_number_pattern(session)
    return {m.group(0) for t in texts for m in pattern.finditer(t)} - {own}


def numbers_shown(found, numbers, identity_here):
    """{number: may be shown} for note_filter, from `found` {number: whether the user may know its
    accuser} of the numbered cases in reach: in reach, and no accuser linked either way."""
    return {n: bool(identity_here and found.get(n)) for n in numbers}


def shown_text(session, user, case, text):
    """A free text of `case` (its 延期理由) as this user may read it: see note_filter."""
    return note_filter(session, user, case, downloadable(session, user, case)).text(text)


def may_link(session, user, a, b):
    """May `user` see cases `a` and `b` shown together as the same petitioner's (a package, a
    repeat list)? Only when both are in reach and every accusation among them is one whose accuser
    the user may know: otherwise the other case names the accuser."""
    for case in (a, b):
        if not access.can_see_case(session, user, case):
            return False
        if case.purpose == "accusation" and not access.may_see_identity(session, user, case):
            return False
    return True
