"""领导接待日: the rota (generate, edit, swap, cancel, publish) and receiving visitors on the day.

Functions take the session and the acting user explicitly; the caller commits. A refusal raises
services.ServiceError (or ValidationFailed) with a Chinese message and changes nothing.

Statuses: planned 计划 → received 已接待; a swap changes the leaders of two entries and marks both
swapped 已调换 (still to be held, with the new leader); cancelled 取消 is final.
"""
import calendar as pycal
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, func, or_, select

from models import Case, ReceptionEvent, ReceptionSchedule, User
from models.enums import RECEPTION_SLOTS, RECEPTION_STATUSES, STATUSES
from services import ServiceError, access, audit, deadlines, holidays, inputs, settings
from services.clock import today as office_today
from services.inputs import MAX_YEAR, MIN_YEAR, InputError

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
SLOT_ORDER = {k: i for i, k in enumerate(RECEPTION_SLOTS)}
UPCOMING_ENTRY_STATUSES = ("planned", "swapped")  # still to be held
EVENT_LABELS = {"generate": "生成", "generated": "生成", "create": "新增", "edit": "修改", "swap": "调换", "cancel": "取消",
                "publish": "公示", "receive": "接待完成", "register": "登记来访"}


# ---- helpers --------------------------------------------------------------------------------

def _require(actor, right):
    if not access.may_view(actor, "reception", right):
        raise ServiceError("您没有编排领导接待日的权限，请联系信访办。")


def active_leaders(session):
    """Active users with role leader, highest rank first (the dropdown and the rotation order)."""
    return list(session.execute(
        select(User).where(User.role == "leader", User.active.is_(True))
        .order_by(User.rank_order, User.id)).scalars())


def _leader(session, leader_id, what="接待领导"):
    pk = inputs.parse_id(leader_id)
    leader = session.get(User, pk) if pk is not None else None
    if leader is None or leader.role != "leader" or not leader.active:
        raise ServiceError(f"{what}必须是在职的领导。")
    return leader


MONTH_FORMAT_MESSAGE = inputs.MSG_MONTH.format(label="月份")
MONTH_RANGE_MESSAGE = f"月份超出范围，只能选择{MIN_YEAR}年至{MAX_YEAR}年之间的月份。"


def _check_month(year, month):
    if not 1 <= month <= 12:
        raise InputError(MONTH_FORMAT_MESSAGE)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InputError(MONTH_RANGE_MESSAGE)


def month_bounds(year, month):
    """First and last day of a month of the years MIN_YEAR..MAX_YEAR; else ServiceError."""
    try:
        year, month = inputs.parse_int(year, required=True), inputs.parse_int(month, required=True)
    except InputError:
        raise InputError(MONTH_FORMAT_MESSAGE) from None
    _check_month(year, month)
    return date(year, month, 1), date(year, month, pycal.monthrange(year, month)[1])


def read_month(text):
    """(year, month) of a month typed as '2026-10', '2026/10' or '2026年10月'; else ServiceError."""
    try:
        year, month = inputs.parse_month(text, "月份", required=True, bounded=False)
    except InputError:
        raise InputError(MONTH_FORMAT_MESSAGE) from None
    _check_month(year, month)
    return year, month


def month_error(text):
    """The Chinese message for a bad month text, or None when it is a month we accept."""
    try:
        read_month(text)
    except InputError as exc:
        return exc.message
    return None


def parse_month(text, default=None):
    """'2026-10' → (2026, 10); bad, out-of-range or empty text gives `default` (or this month)."""
    return month_or_default(text, default)[0]


def month_or_default(text, default=None):
    """((year, month), message): a bad or out-of-range month falls back to `default` (or this
    month) with its message; an empty one falls back without a message."""
    try:
        return read_month(text), None
    except InputError as exc:
        if default is None:
            t = office_today()
            default = (t.year, t.month)
        return default, None if inputs.blank(text) else exc.message


def month_label(year, month):
    return f"{year}年{month}月"


def month_entries(session, year, month, *, include_cancelled=True):
    first, last = month_bounds(year, month)
    q = select(ReceptionSchedule).where(ReceptionSchedule.day >= first, ReceptionSchedule.day <= last)
    if not include_cancelled:
        q = q.where(ReceptionSchedule.status != "cancelled")
    rows = list(session.execute(q).scalars())
    rows.sort(key=lambda e: (e.day, SLOT_ORDER.get(e.slot, 9), e.id))
    return rows


def _event(session, entry, actor, action, note="", other=None, **data):
    ev = ReceptionEvent(schedule=entry, other_schedule_id=other.id if other is not None else None,
                        actor_id=getattr(actor, "id", None), action=action, note=note or "", data=data)
    session.add(ev)
    return ev


# ---- generating a month ---------------------------------------------------------------------

def pattern_days(session, year, month, weekdays):
    """Days of the month on the chosen weekdays (0 = Monday) that are working days.

    Statutory holidays are skipped; a make-up working day (调休补班) counts as working, so a
    Saturday is produced only when Saturday is chosen and that Saturday is a make-up day."""
    first, last = month_bounds(year, month)
    cal = deadlines.load_calendar(session)
    wanted = set(weekdays)
    return [date(first.year, first.month, d) for d in range(1, last.day + 1)
            if date(first.year, first.month, d).weekday() in wanted
            and cal.is_working_day(date(first.year, first.month, d))]


def generate_month(session, actor, year, month, *, weekdays, slot, place, leader_ids=None,
                   start_leader_id=None, replace=False):
    """Generate the rota of one month; returns the new entries (ordered by day).

    Leaders take turns by rank order (lower rank_order first), continuing from the leader of the
    last entry before this month unless `start_leader_id` is given; each entry's stand-in is the
    next leader in turn. A month that already has entries is refused unless `replace` is set,
    which removes only the planned (计划) entries that are not yet published and have no registered
    visitors; entries published (公示: the public was told), received, swapped or cancelled stay,
    and their day and slot are not generated again. A published entry changes only by swap or
    cancel, each with its reason on record."""
    _require(actor, access.E)
    first, last = month_bounds(year, month)
    try:
        weekdays = sorted({inputs.parse_int(w, "星期", 0, 6, required=True) for w in (weekdays or ())})
    except InputError:
        weekdays = []
    if not weekdays:
        raise ServiceError("请至少选择一个接待的星期。")
    inputs.parse_choice(slot, "接待时段", RECEPTION_SLOTS)
    place = inputs.parse_text(place, "接待地点", required=True, max_len=100)
    if leader_ids:
        picked = {u.id: u for u in (_leader(session, i) for i in leader_ids)}
        leaders = sorted(picked.values(), key=lambda u: (u.rank_order, u.id))
    else:
        leaders = active_leaders(session)
    if not leaders:
        raise ServiceError("没有可安排的在职领导，请先在用户中设置领导。")

    existing = month_entries(session, first.year, first.month)
    label = month_label(first.year, first.month)
    if existing and not replace:
        raise ServiceError(f"{label}已有{len(existing)}条接待安排，未重新生成。"
                           "如需按新规则重排，请勾选“替换本月计划中的安排”。")
    removable, kept = [], []
    for e in existing:
        if e.status == "planned" and not e.cases and not e.published:
            removable.append(e)
        else:
            kept.append(e)
    days = pattern_days(session, first.year, first.month, weekdays)
    taken = {(e.day, e.slot) for e in kept if e.status != "cancelled"}
    days = [d for d in days if (d, slot) not in taken]
    if not days:
        if any(e.published and e.status != "cancelled" for e in kept):
            raise ServiceError(f"{label}的接待安排已公示，不能整月重新生成；"
                               "如需变动，请对具体安排办理调换或取消。")
        raise ServiceError(f"{label}按所选星期没有可安排的工作日（已跳过节假日和已有安排）。")

    order = [u.id for u in leaders]
    if start_leader_id not in (None, ""):
        start_leader = _leader(session, start_leader_id, "起始领导")
        if start_leader.id not in order:
            raise ServiceError("起始领导必须在参加轮值的领导之中。")
        start = order.index(start_leader.id)
    else:
        prev = session.execute(
            select(ReceptionSchedule.leader_id).where(ReceptionSchedule.day < first,
                                                      ReceptionSchedule.status != "cancelled")
            .order_by(ReceptionSchedule.day.desc(), ReceptionSchedule.id.desc()).limit(1)).scalar()
        start = (order.index(prev) + 1) % len(order) if prev in order else 0

    if removable:
        ids = [e.id for e in removable]
        session.execute(delete(ReceptionEvent).where(
            or_(ReceptionEvent.schedule_id.in_(ids), ReceptionEvent.other_schedule_id.in_(ids))))
        for e in removable:
            session.delete(e)
        session.flush()

    by_id = {u.id: u for u in leaders}
    made = []
    for n, day in enumerate(days):
        leader = by_id[order[(start + n) % len(order)]]
        standin = by_id[order[(start + n + 1) % len(order)]] if len(order) > 1 else None
        entry = ReceptionSchedule(day=day, slot=slot, place=place, leader_id=leader.id,
                                  portfolio=leader.portfolio or "",
                                  standin_id=standin.id if standin else None, status="planned")
        session.add(entry)
        _event(session, entry, actor, "generate",
               f"按规则生成：每{'、'.join(WEEKDAYS[w] for w in weekdays)}{RECEPTION_SLOTS[slot]}",
               leader_id=leader.id, replaced=len(removable))
        made.append(entry)
    audit.record(session, actor, "reception_generate",
                 f"{label}领导接待日：生成{len(made)}条，替换计划{len(removable)}条", row_count=len(made))
    session.flush()
    return made


# ---- single entries -------------------------------------------------------------------------

def check_entry(session, entry, is_created=True):
    """Validate a hand-made or edited entry (used by the list view's form); raises ServiceError."""
    if not is_created and not may_edit_entry(entry):
        raise ServiceError("已接待或已取消的安排不能修改。")
    if entry.day is None:
        raise ServiceError("请填写接待日期。")
    inputs.parse_choice(entry.slot, "接待时段", RECEPTION_SLOTS)
    inputs.parse_text(entry.place, "接待地点", required=True, max_len=100)
    if entry.leader is None and entry.leader_id is None:
        raise ServiceError("请选择接待领导。")
    session.flush()  # a form sets the relationships; the *_id columns follow at flush
    leader = _leader(session, entry.leader_id)
    if entry.standin_id:
        _leader(session, entry.standin_id, "替补领导")
        if entry.standin_id == leader.id:
            raise ServiceError("替补领导不能与接待领导是同一人。")
    if not (entry.portfolio or "").strip():
        entry.portfolio = leader.portfolio or ""
    clash = session.execute(select(ReceptionSchedule.id).where(
        ReceptionSchedule.day == entry.day, ReceptionSchedule.slot == entry.slot,
        ReceptionSchedule.leader_id == leader.id, ReceptionSchedule.status != "cancelled",
        ReceptionSchedule.id != entry.id)).first()
    if clash:
        raise ServiceError(f"{leader.full_name}在{entry.day}{RECEPTION_SLOTS[entry.slot]}已有接待安排。")


def record_change(session, actor, entry, is_created):
    leader = entry.leader
    _event(session, entry, actor, "create" if is_created else "edit",
           f"{entry.day} {RECEPTION_SLOTS.get(entry.slot, '')} {entry.place}，接待领导{leader.full_name}",
           leader_id=leader.id)


def may_edit_entry(entry):
    return entry.status in UPCOMING_ENTRY_STATUSES


def edit_refusal(entry):
    """Why `entry` may no longer be edited, or None."""
    if may_edit_entry(entry):
        return None
    return f"该安排状态为“{RECEPTION_STATUSES.get(entry.status)}”，不能再修改。"


def swap_candidates(session, entry):
    """Open entries (today or later) of other leaders that `entry` can be swapped with."""
    return list(session.execute(
        select(ReceptionSchedule).where(
            ReceptionSchedule.id != entry.id, ReceptionSchedule.status.in_(UPCOMING_ENTRY_STATUSES),
            ReceptionSchedule.leader_id != entry.leader_id, ReceptionSchedule.day >= office_today())
        .order_by(ReceptionSchedule.day, ReceptionSchedule.id)).scalars())


def swap_entries(session, actor, entry, other, reason):
    """Swap the leaders of two open entries; both become 已调换 and both get a 'swap' event."""
    _require(actor, access.E)
    if entry is None or other is None:
        raise ServiceError("请选择要调换的两条接待安排。")
    if entry.id == other.id:
        raise ServiceError("不能与同一条接待安排调换。")
    for e in (entry, other):
        if e.status not in UPCOMING_ENTRY_STATUSES:
            raise ServiceError(f"{e.day}的接待安排状态为“{RECEPTION_STATUSES.get(e.status)}”，不能调换。")
        if e.day < office_today():
            raise ServiceError(f"{e.day}的接待日已过，不能调换。")
    if entry.leader_id == other.leader_id:
        raise ServiceError("两条安排的接待领导相同，无需调换。")
    reason = inputs.parse_text(reason, "调换原因", required=True)
    a_leader, b_leader = entry.leader, other.leader
    for e, new in ((entry, b_leader), (other, a_leader)):
        old = e.leader
        e.leader_id, e.leader = new.id, new
        e.portfolio = new.portfolio or ""
        if e.standin_id == new.id:
            e.standin_id = None
        e.status = "swapped"
        counterpart = other if e is entry else entry
        _event(session, e, actor, "swap",
               f"{old.full_name} 与 {new.full_name} 调换（对应 {counterpart.day}）：{reason}",
               other=counterpart, from_leader_id=old.id, to_leader_id=new.id,
               other_day=counterpart.day.isoformat(), reason=reason)
    session.flush()


def cancel_entry(session, actor, entry, reason):
    _require(actor, access.E)
    if entry.status not in UPCOMING_ENTRY_STATUSES:
        raise ServiceError(f"该接待安排状态为“{RECEPTION_STATUSES.get(entry.status)}”，不能取消。")
    if entry.cases:
        raise ServiceError("该接待日已登记来访事项，不能取消。")
    reason = inputs.parse_text(reason, "取消原因", required=True)
    entry.status = "cancelled"
    _event(session, entry, actor, "cancel", reason)
    session.flush()


def publish_month(session, actor, year, month):
    """Mark the month's open entries as published (公示); returns how many."""
    _require(actor, access.E)
    entries = [e for e in month_entries(session, year, month) if e.status != "cancelled"]
    if not entries:
        raise ServiceError(f"{month_label(year, month)}还没有接待安排，无法公示。")
    n = 0
    for e in entries:
        if not e.published:
            e.published = True
            _event(session, e, actor, "publish", f"{month_label(year, month)}接待安排公示")
            n += 1
    audit.record(session, actor, "reception_publish", f"{month_label(year, month)}领导接待日公示",
                 row_count=len(entries))
    session.flush()
    return n


def leader_history(session, leader, *, start=None):
    """A leader's page: their entries (as leader or stand-in) and every swap that involved them."""
    start = start or date(office_today().year, 1, 1)
    entries = list(session.execute(
        select(ReceptionSchedule).where(
            or_(ReceptionSchedule.leader_id == leader.id, ReceptionSchedule.standin_id == leader.id),
            ReceptionSchedule.day >= start)
        .order_by(ReceptionSchedule.day, ReceptionSchedule.id)).scalars())
    swaps = [ev for ev in session.execute(
        select(ReceptionEvent).join(ReceptionSchedule, ReceptionSchedule.id == ReceptionEvent.schedule_id)
        .where(ReceptionEvent.action == "swap", ReceptionSchedule.day >= start)
        .order_by(ReceptionEvent.id)).scalars()
        if leader.id in ((ev.data or {}).get("from_leader_id"), (ev.data or {}).get("to_leader_id"))]
    return entries, swaps


# ---- month calendar and publication ---------------------------------------------------------

@dataclass
class CalendarDay:
    day: date
    in_month: bool
    working: bool
    holiday_name: str = ""
    entries: list = field(default_factory=list)


def month_grid(session, year, month):
    """Weeks (Monday first) of CalendarDay for the month view."""
    first, last = month_bounds(year, month)
    cal = deadlines.load_calendar(session)
    from models import Holiday
    names = dict(session.execute(select(Holiday.day, Holiday.name).where(
        Holiday.day >= first, Holiday.day <= last)).all())
    if cal.is_provisional(first):  # the notice is not entered: the law's days the clock counts (暂定)
        for d, name in holidays.statutory_days(year).items():
            if first <= d <= last and d not in names and d not in cal.workdays:
                names[d] = f"{name}（暂定）"
    by_day = {}
    for e in month_entries(session, year, month):
        by_day.setdefault(e.day, []).append(e)
    weeks = []
    for week in pycal.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        weeks.append([CalendarDay(d, d.month == first.month, cal.is_working_day(d),
                                  names.get(d, ""), by_day.get(d, []) if d.month == first.month else [])
                      for d in week])
    return weeks


def rota_title(session, year, month):
    return f"{settings.office_name(session)}{month_label(year, month)}领导接待日安排表"


ROTA_HEADERS = ("序号", "接待日期", "星期", "时段", "接待地点", "接待领导", "职务", "分管工作", "替补领导",
                "状态")


def rota_rows(session, year, month):
    rows = []
    for n, e in enumerate(month_entries(session, year, month, include_cancelled=False), 1):
        rows.append((n, e.day, WEEKDAYS[e.day.weekday()], RECEPTION_SLOTS.get(e.slot, e.slot), e.place,
                     e.leader.full_name if e.leader else "", (e.leader.position or "") if e.leader else "",
                     e.portfolio or "", e.standin.full_name if e.standin else "",
                     RECEPTION_STATUSES.get(e.status, e.status)))
    return rows


def write_rota(path, session, year, month):
    """The 公示 sheet (services.excel); returns the number of entries written."""
    from services.excel import Column, write_table

    rows = rota_rows(session, year, month)
    columns = [Column("序号", 6, "int"), Column("接待日期", 12, "date"), Column("星期", 6),
               Column("时段", 6), Column("接待地点", 24), Column("接待领导", 10), Column("职务", 14),
               Column("分管工作", 30), Column("替补领导", 10), Column("状态", 8)]
    return write_table(
        path, sheet_title=f"{month_label(year, month)}接待安排", title=rota_title(session, year, month),
        subtitle=f"公示期间：{month_label(year, month)}　　制表日期：{office_today().isoformat()}",
        columns=columns, rows=rows, totals=("合计", f"{len(rows)}次"),
        footer_lines=("来访群众请于接待时段到接待地点登记，按先后顺序接待。",),
        office=settings.office_name(session), period=f"公示期间：{month_label(year, month)}")


# ---- receiving visitors ---------------------------------------------------------------------

def receivable(entry):
    return entry.status in UPCOMING_ENTRY_STATUSES + ("received",)


def receiving_open(entry):
    """Visitors may be registered and the day closed: not cancelled and the day has come."""
    return receivable(entry) and entry.day <= office_today()


def receiving_rights(session, user, entry):
    """What `user` may do on the receiving page of `entry`."""
    return {"may_register": access.may_move(session, user, "register") and receiving_open(entry),
            "may_instruct": access.may_move(session, user, "instruction"),
            "may_finish": may_finish_reception(user, entry) and receiving_open(entry)}


def visitor_input(form):
    """The RegistrationInput of the receiving page's form (channel 领导接待, one named visitor;
    on a collective visit the visitor is its representative). Nothing is checked here:
    register_visitor checks it all."""
    from services import registration

    name = (form.get("name") or "").strip()
    visitor = registration.PartyInput(
        name=name, id_number=(form.get("id_number") or "").strip(), sex=form.get("sex", ""),
        phone=(form.get("phone") or "").strip(), address=(form.get("address") or "").strip())
    try:
        people = registration.read_people_count(form.get("people_count"))
    except InputError:
        people = form.get("people_count")  # register_case reports it
    accused_name = (form.get("accused_name") or "").strip()
    accused_dept = (form.get("accused_department_id") or "").strip()
    accused = [registration.PartyInput(
        name=accused_name, kind=form.get("accused_kind") or "unit", department_id=accused_dept or None,
        row=0)] if accused_name or accused_dept else []
    return registration.RegistrationInput(
        channel="reception", received_on=None, purpose=form.get("purpose", ""),
        category=form.get("category", ""), summary=(form.get("summary") or "").strip(),
        demands=(form.get("demands") or "").strip(),
        incident_place=(form.get("incident_place") or "").strip(), people_count=people,
        petitioners=[visitor] if name else [],
        representatives=registration.representatives_for("reception", people, visitor if name else None),
        accused=accused, leader_instruction=(form.get("leader_instruction") or "").strip())


def register_visitor(session, actor, entry, data):
    """Register one visitor of the reception day as a case (channel 领导接待), linked to the entry
    and its leader, through services.registration.register_case (the clerk's role is checked there).
    Returns the Case; raises ServiceError/ValidationFailed and changes nothing on bad input."""
    from services.registration import register_case

    if entry is None:
        raise ServiceError("接待安排不存在。")
    if not receivable(entry):
        raise ServiceError("该接待日已取消，不能登记来访。")
    if entry.day > office_today():
        raise ServiceError(f"接待日是{entry.day}，尚未到接待日期，不能登记。")
    data.channel = "reception"
    data.reception_id = entry.id
    data.leader_id = entry.leader_id
    data.received_on = entry.day
    case = register_case(session, actor, data, check_role=True)
    session.flush()  # the case id goes into the event
    # The note is read by all reception staff: no case number (the case goes in data, shown only
    # to whoever may see the case, see entry_timeline).
    _event(session, entry, actor, "register", "", case_id=case.id)
    session.flush()
    return case


def reception_cases(session, user, entry):
    """The cases registered on this reception day that `user` may see, in registration order."""
    return list(session.execute(
        select(Case).where(Case.reception_id == entry.id, access.case_filter(session, user))
        .order_by(Case.id)).scalars())


def reception_case_count(session, user, entry):
    """How many cases of this reception day `user` may see (the only count shown to them)."""
    return session.execute(select(func.count()).select_from(Case).where(
        Case.reception_id == entry.id, access.case_filter(session, user))).scalar() or 0


def reception_case_counts(session, user, entries):
    """{entry id: count of its cases `user` may see} for several entries at once."""
    ids = [e.id for e in entries]
    if not ids:
        return {}
    counts = dict(session.execute(
        select(Case.reception_id, func.count()).where(
            Case.reception_id.in_(ids), access.case_filter(session, user))
        .group_by(Case.reception_id)).all())
    return {i: counts.get(i, 0) for i in ids}


def may_cancel(session, user, entry):
    """The office may cancel an open entry that has no registered visitors at all."""
    if not access.may_view(user, "reception", access.E) or entry.status not in UPCOMING_ENTRY_STATUSES:
        return False
    return not session.execute(select(Case.id).where(Case.reception_id == entry.id).limit(1)).first()


_LEGACY_NUMBER = re.compile(r"登记来访\s*\S+")


def entry_timeline(session, user, entry):
    """The entry's change log as `user` may read it: [(event, note)]. A 登记来访 event shows the
    case number only to whoever may see that case and is left out for everyone else (so the log
    never tells a number or a count out of reach); numbers in older notes are never shown."""
    shown = []
    office = access.is_office_staff(user)
    for ev in entry.events:
        if ev.action != "register":
            shown.append((ev, ev.note or ""))
            continue
        case_id = inputs.parse_id((ev.data or {}).get("case_id"))
        case = session.get(Case, case_id) if case_id is not None else None
        if case is not None and access.can_see_case(session, user, case):
            shown.append((ev, case.number))
        elif case is None and office:
            shown.append((ev, _LEGACY_NUMBER.sub("登记来访", ev.note or "")))
    return shown


def case_in_reception(session, user, entry, case_id):
    cid = inputs.parse_id(case_id)
    if cid is None:
        return None
    return session.execute(select(Case).where(
        Case.id == cid, Case.reception_id == entry.id, access.case_filter(session, user))).scalar()


def reception_summary(session, user, entry):
    """Who came, what they asked, where each case went (masked for the viewer)."""
    rows = []
    for case in reception_cases(session, user, entry):
        names = [access.party_view(session, user, case, p, in_list=True)["name"] for p in case.petitioners]
        rows.append({
            "case": case, "number": case.number, "petitioners": "、".join(names) or "（匿名）",
            "people": case.people_count, "summary": case.summary, "demands": case.demands,
            "status": STATUSES.get(case.status, case.status),
            "department": case.department.name if case.department else "",
            "instruction": case.leader_instruction or "",
        })
    return rows


def may_finish_reception(user, entry):
    """Who may write the day's summary (小结): the office, or the day's leader or stand-in."""
    if access.may_view(user, "reception", access.E):
        return True
    return (access.may_view(user, "reception", access.R) and getattr(user, "role", None) == access.LEADER
            and getattr(user, "id", None) in (entry.leader_id, entry.standin_id))


def finish_reception(session, actor, entry, summary):
    """Close the day: status 已接待 with a summary (小结). The clerk or the day's leader/stand-in."""
    if not may_finish_reception(actor, entry):
        raise ServiceError("只有信访办或当日接待领导可以填写接待小结。")
    if not receivable(entry):
        raise ServiceError("该接待日已取消，不能填写接待小结。")
    if entry.day > office_today():
        raise ServiceError("接待日尚未到，不能完成接待。")
    summary = inputs.parse_text(summary, "接待情况小结", required=True)
    count = session.execute(select(func.count()).select_from(Case)
                            .where(Case.reception_id == entry.id)).scalar()
    was = entry.status
    entry.status = "received"
    entry.summary = summary
    _event(session, entry, actor, "receive", summary, cases=count, from_status=was)
    session.flush()
