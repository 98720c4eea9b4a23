"""Registering a case (登记): one transaction, parties found again by ID number, repeat and
collective derived from data."""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from models import Case, CaseEvent, CaseParty, Department, Party, ReceptionSchedule, User
from models.enums import (CATEGORIES, CHANNELS, ETHNIC_GROUPS, ID_TYPES, IN_PERSON_CHANNELS,
                          PARTY_KINDS, PURPOSES, SEXES, SOURCES)
from services import ServiceError, ValidationFailed, access, deadlines, inputs, numbering, validation
from services.clock import today as office_today
from services.inputs import InputError

COLLECTIVE_MIN_PEOPLE = 5
MAX_REPRESENTATIVES = 5

MSG_FUTURE = "收件日期不能晚于今天。"
MSG_SUMMARY = "请填写内容摘要。"
MSG_PEOPLE = "人数至少为1。"
MSG_NO_PETITIONER = "请至少登记一名信访人（匿名信访请勾选“匿名”）。"
MSG_NAME = "请填写姓名或单位名称。"
MSG_NEED_REPRESENTATIVE = "集体访（5人及以上来访）须登记1至5名代表人。"
MSG_TOO_MANY_REPRESENTATIVES = "代表人最多5名。"
MSG_DOC_NO = "上级交办的事项请填写交办文号。"
MSG_SOURCE_DEADLINE = "交办期限不能早于收件日期。"
MSG_ID_REPEATED = "同一证件号码在本表中重复填写。"
MSG_TOO_OLD = "收件日期不能早于1990年，请核对。"
MSG_PEOPLE_MAX = "人数过大，请核对。"
MSG_ETHNICITY = "民族请从列表中选择（56个民族之一），不清楚的可不填。"
MAX_PEOPLE = 100000


@dataclass
class PartyInput:
    name: str
    id_number: str = ""
    id_type: str = "resident"
    sex: str = ""
    birth_date: date | str | None = None  # blank: read from an 18-digit ID number
    ethnicity: str = ""
    phone: str = ""
    address: str = ""
    hukou: str = ""
    occupation: str = ""
    kind: str = "person"
    # An accused unit that is one of the office's departments (or an accused person's department):
    # an id or a picker's value; blank = free text only (a body outside the office).
    department_id: int | str | None = None
    row: int | None = None  # index of the form row, for error field names (default: list index)
    # A petitioner who is also a representative of the visit (typed once, on the petitioner row).
    is_representative: bool = False


@dataclass
class RegistrationInput:
    """What a clerk typed: dates and the people count may be text (read by services.inputs)."""
    channel: str
    received_on: date | str | None
    purpose: str
    category: str
    summary: str
    demands: str = ""
    incident_place: str = ""
    people_count: int | str = 1
    source: str = "own"
    source_doc_no: str = ""
    source_deadline: date | str | None = None
    is_skip_level: bool = False
    is_joint: bool = False
    is_anonymous: bool = False
    is_litigation: bool = False
    is_urgent: bool = False
    is_extreme: bool = False
    petitioners: list[PartyInput] = field(default_factory=list)
    representatives: list[PartyInput] = field(default_factory=list)
    accused: list[PartyInput] = field(default_factory=list)
    reception_id: int | None = None
    leader_id: int | None = None
    leader_instruction: str = ""
    original_number: str = ""
    note: str = ""  # extra text for the 'register' event
    registered_at: datetime | None = None  # naive UTC; defaults to now (imports and demo set it)


# (label, longest) of the texts typed; the labels name the field in a message.
TEXT_LIMITS = {"summary": ("内容摘要", inputs.TEXT_MAX), "demands": ("诉求", inputs.TEXT_MAX),
               "incident_place": ("问题属地", 200), "source_doc_no": ("交办文号", 100),
               "original_number": ("原编号", 50), "leader_instruction": ("领导意见", inputs.TEXT_MAX)}
PARTY_LIMITS = {"name": ("姓名", 100), "id_number": ("证件号码", 30), "phone": ("联系电话", 30),
                "address": ("住址", 200), "hukou": ("户籍地", 200), "occupation": ("职业/工作单位", 100),
                "ethnicity": ("民族", 20)}
CHOICES = {"channel": ("信访形式", CHANNELS), "source": ("来源", SOURCES),
           "purpose": ("信访事项类别", PURPOSES), "category": ("问题分类", CATEGORIES)}
PARTY_CHOICES = {"kind": ("类型", PARTY_KINDS, True), "sex": ("性别", SEXES, False),
                 "id_type": ("证件类型", ID_TYPES, True)}
PARTY_GROUPS = (("petitioners", "petitioner"), ("representatives", "representative"),
                ("accused", "accused"))


def _clean(value):
    return (value or "").strip() if isinstance(value, str) or value is None else value


def is_collective(channel, people_count):
    """5 or more people in person (来访, 领导接待) is a collective visit (集体访); a letter never is."""
    return (channel in IN_PERSON_CHANNELS and isinstance(people_count, int)
            and people_count >= COLLECTIVE_MIN_PEOPLE)


def representatives_for(channel, people_count, person):
    """The representatives of a visit where one person is named (import, reception day): on a
    collective visit that person is its representative."""
    return [person] if person is not None and is_collective(channel, people_count) else []


def read_people_count(value):
    """The people count typed (blank = 1); raises InputError with the message a clerk reads."""
    people = inputs.parse_int(value, "人数")
    if people is None:
        return 1
    if people < 1:
        raise InputError(MSG_PEOPLE)
    if people > MAX_PEOPLE:
        raise InputError(MSG_PEOPLE_MAX)
    return people


def _read(data, err):
    """Dates and the people count of `data` as typed -> values (in place); a bad one is reported
    and left as typed (the checks below skip it)."""
    for name, label, required in (("received_on", "收件日期", True), ("source_deadline", "交办期限", False)):
        try:
            # Not bounded to 2000-2100: the received date has its own rule (1990 to today).
            setattr(data, name, inputs.parse_date(getattr(data, name), label, required, bounded=False))
        except InputError as exc:
            err(name, exc.message)
    try:
        data.people_count = read_people_count(data.people_count)
    except InputError as exc:
        err("people_count", exc.message)


def _read_accused(session, p, prefix, err):
    """The accused row's department link: the one picked, else the department its name names
    (name, code or configured short name), so a unit typed as "县住建局" or left as 个人 is still
    linked. A department picked with no name typed is the unit itself (its name, kind 单位)."""
    from services import departments

    if isinstance(p.department_id, Department):
        return
    raw = p.department_id
    dept = None
    if raw not in (None, ""):
        pk = inputs.parse_id(raw)
        dept = session.get(Department, pk) if pk is not None else None
        if dept is None:
            err(prefix + "department_id", "所选被反映单位不存在。")
            return
    elif _clean(p.name):
        dept = departments.resolve(session, p.name)
        if dept is not None:
            p.kind = "unit"
    if dept is not None and not _clean(p.name):  # a department picked, no name typed: the unit itself
        p.name, p.kind = dept.name, "unit"
    p.department_id = dept


def _identity_from_id(p, id_number, prefix, err):
    """Sex and birth date of a valid 18-digit ID number: filled when left blank, a message when
    what was typed says otherwise."""
    sex, born = validation.id_sex(id_number), validation.id_birth_date(id_number)
    if not p.sex:
        p.sex = sex
    elif p.sex in SEXES and p.sex != sex:
        err(prefix + "sex", validation.ID_SEX_MISMATCH.format(sex=SEXES[sex]))
    if p.birth_date is None:
        p.birth_date = born
    elif isinstance(p.birth_date, date) and p.birth_date != born:
        err(prefix + "birth_date", validation.ID_BIRTH_MISMATCH.format(born=born))


def _validate(session, data, today):
    errors = {}

    def err(name, msg):
        errors.setdefault(name, []).append(msg)

    def check(name, parser, *args, **kw):
        try:
            parser(*args, **kw)
        except InputError as exc:
            err(name, exc.message)

    _read(data, err)
    for name, (label, choices) in CHOICES.items():
        check(name, inputs.parse_choice, getattr(data, name), label, choices)
    if "received_on" not in errors:  # else it was not a date
        if data.received_on > today:
            err("received_on", MSG_FUTURE)
        elif data.received_on.year < 1990:
            err("received_on", MSG_TOO_OLD)
    if not _clean(data.summary):
        err("summary", MSG_SUMMARY)
    for name, (label, limit) in TEXT_LIMITS.items():
        check(name, inputs.parse_text, getattr(data, name), label, max_len=limit)
    if data.source == "higher":
        if not _clean(data.source_doc_no):
            err("source_doc_no", MSG_DOC_NO)
        if (isinstance(data.source_deadline, date) and isinstance(data.received_on, date)
                and data.source_deadline < data.received_on):
            err("source_deadline", MSG_SOURCE_DEADLINE)

    seen_ids = {}
    for group, _role in PARTY_GROUPS:
        for i, p in enumerate(getattr(data, group)):
            prefix = f"{group}-{p.row if p.row is not None else i}-"
            if group == "accused":
                _read_accused(session, p, prefix, err)
            if not _clean(p.name):
                err(prefix + "name", MSG_NAME)
            for fname, (label, limit) in PARTY_LIMITS.items():
                check(prefix + fname, inputs.parse_text, getattr(p, fname), label, max_len=limit)
            for fname, (label, choices, required) in PARTY_CHOICES.items():
                check(prefix + fname, inputs.parse_choice, getattr(p, fname), label, choices, required)
            if _clean(p.ethnicity) and _clean(p.ethnicity) not in ETHNIC_GROUPS:
                err(prefix + "ethnicity", MSG_ETHNICITY)
            try:
                p.birth_date = inputs.parse_date(p.birth_date, "出生日期", bounded=False)
            except InputError as exc:
                err(prefix + "birth_date", exc.message)
            id_number = validation.normalize_id(p.id_number)
            if id_number:
                if p.id_type == "resident":
                    msg = validation.check_id_number(id_number, today)
                    if msg:
                        err(prefix + "id_number", msg)
                    else:
                        _identity_from_id(p, id_number, prefix, err)
                key = (group, id_number)
                if key in seen_ids:
                    err(prefix + "id_number", MSG_ID_REPEATED)
                seen_ids[key] = True
            if _clean(p.phone):
                msg = validation.check_phone(p.phone)
                if msg:
                    err(prefix + "phone", msg)

    if not data.petitioners and not data.is_anonymous:
        err("petitioners", MSG_NO_PETITIONER)
    reps = len(data.representatives) + sum(1 for p in data.petitioners if p.is_representative)
    if reps > MAX_REPRESENTATIVES:
        err("representatives", MSG_TOO_MANY_REPRESENTATIVES)
    elif reps == 0 and is_collective(data.channel, data.people_count):
        err("representatives", MSG_NEED_REPRESENTATIVE)

    if data.reception_id is not None and session.get(ReceptionSchedule, data.reception_id) is None:
        err("reception_id", "所选接待日不存在。")
    if data.leader_id is not None:
        leader = session.get(User, data.leader_id)
        if leader is None or leader.role != "leader":
            err("leader_id", "所选领导不存在。")
    return errors


def validate(session, data):
    """The errors register_case would raise for `data`, as {field: [messages]}; stores nothing."""
    return _validate(session, data, office_today())


def _find_party(session, p):
    """The existing Party for this input: by ID number, else by name + phone."""
    id_number = validation.normalize_id(p.id_number)
    if id_number:
        return session.execute(select(Party).where(Party.id_number == id_number)).scalar_one_or_none()
    phone = validation.normalize_phone(p.phone)
    if phone:
        return session.execute(
            select(Party).where(Party.name == _clean(p.name), Party.phone == phone).order_by(Party.id).limit(1)
        ).scalar_one_or_none()
    return None


def _fill_party(party, p):
    """Update blank fields only: what an earlier registration recorded stays as it was."""
    values = {
        "name": _clean(p.name), "sex": p.sex or None, "ethnicity": _clean(p.ethnicity) or None,
        "birth_date": p.birth_date if isinstance(p.birth_date, date) else None,
        "id_number": validation.normalize_id(p.id_number) or None,
        "phone": validation.normalize_phone(p.phone) or None, "address": _clean(p.address) or None,
        "hukou": _clean(p.hukou) or None, "occupation": _clean(p.occupation) or None,
    }
    for key, value in values.items():
        if value and not getattr(party, key):
            setattr(party, key, value)
    if party.id_number and p.id_number and not party.id_type:
        party.id_type = p.id_type


def earlier_case(session, party_ids, received_on):
    """The latest earlier (not voided) case of any of these parties as petitioner/representative."""
    if not party_ids:
        return None
    return session.execute(
        select(Case).join(CaseParty, CaseParty.case_id == Case.id)
        .where(CaseParty.party_id.in_(party_ids),
               CaseParty.role.in_(("petitioner", "representative")),
               Case.received_on <= received_on, Case.status != "voided")
        .order_by(Case.received_on.desc(), Case.id.desc()).limit(1)
    ).scalar_one_or_none()


def register_case(session, actor, data, *, check_role=True, calendar=None):
    """Validate `data`, create the case with its parties and a 'register' event; return the Case.

    Raises services.ValidationFailed (errors per field, in Chinese) and changes nothing on bad input.
    The caller commits. `calendar` (a deadlines.Calendar) may be passed by bulk callers.
    """
    if check_role and not access.may_move(session, actor, "register"):
        raise ServiceError("只有信访办登记员可以登记信访事项。")
    today = office_today()
    errors = _validate(session, data, today)
    if errors:
        raise ValidationFailed(errors)

    # Find known people before anything is added to the session.
    found = {}
    for group, _role in PARTY_GROUPS:
        for i, p in enumerate(getattr(data, group)):
            found[(group, i)] = _find_party(session, p)
    known_ids = [party.id for (group, _i), party in found.items()
                 if party is not None and group in ("petitioners", "representatives")]
    earlier = earlier_case(session, known_ids, data.received_on)

    collective = is_collective(data.channel, data.people_count)
    case = Case(
        number=numbering.next_number(session, data.received_on.year),
        query_code=numbering.new_query_code(session),
        original_number=_clean(data.original_number) or None,
        channel=data.channel, source=data.source,
        source_doc_no=_clean(data.source_doc_no) or None if data.source == "higher" else None,
        source_deadline=data.source_deadline if data.source == "higher" else None,
        purpose=data.purpose, category=data.category, received_on=data.received_on,
        registered_by_id=getattr(actor, "id", None),
        summary=_clean(data.summary), demands=_clean(data.demands),
        incident_place=_clean(data.incident_place), people_count=data.people_count,
        is_collective=collective, is_repeat=earlier is not None,
        repeat_of_id=earlier.id if earlier is not None else None,
        is_skip_level=bool(data.is_skip_level), is_joint=bool(data.is_joint),
        is_anonymous=bool(data.is_anonymous), is_litigation=bool(data.is_litigation),
        is_urgent=bool(data.is_urgent), is_extreme=bool(data.is_extreme),
        status="registered",
        accept_due=deadlines.accept_due(session, data.received_on, calendar),
        reception_id=data.reception_id, leader_id=data.leader_id,
        leader_instruction=_clean(data.leader_instruction) or None,
    )
    if data.registered_at is not None:
        case.registered_at = data.registered_at
    session.add(case)

    used = {}
    for group, role in PARTY_GROUPS:
        for i, p in enumerate(getattr(data, group)):
            party = found[(group, i)]
            key = validation.normalize_id(p.id_number) or (
                (_clean(p.name), validation.normalize_phone(p.phone)) if _clean(p.phone) else None)
            if party is None and key and key in used:
                party = used[key]  # the same new person named in two roles
            if party is None:
                party = Party(kind=p.kind, id_type=p.id_type, name=_clean(p.name))
                session.add(party)
            _fill_party(party, p)
            if role == "accused" and isinstance(p.department_id, Department) and party.department_id is None:
                party.department_id = p.department_id.id
                party.department = p.department_id
            if key:
                used[key] = party
            for as_role in (role, "representative") if p.is_representative and role == "petitioner" else (role,):
                if not any(cp.party is party and cp.role == as_role for cp in case.parties):
                    case.parties.append(CaseParty(party=party, role=as_role))

    notes = [f"{CHANNELS[data.channel]}登记"]
    if collective:
        notes.append(f"集体访，{data.people_count}人")
    if earlier is not None:
        notes.append(f"重复访，前次信访事项 {earlier.number}")
    if _clean(data.note):
        notes.append(_clean(data.note))
    event = CaseEvent(case=case, actor_id=getattr(actor, "id", None), action="register",
                      to_status="registered", note="；".join(notes),
                      data={"repeat_of": earlier.number if earlier is not None else None})
    if data.registered_at is not None:
        event.at = data.registered_at
    session.add(event)
    return case
