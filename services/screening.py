"""矛盾纠纷排查化解: screening rounds, the units' reports (or 零报告), the register of entries, and
the monthly sheets that go upward.

- The office opens a round (排查批次, typically each half month: 每月15日、月底报送); a report row is
  made (pending) for every reporting unit then, so "who had to report" never changes afterwards.
- A unit (its handler, or the office for it) files entries and submits them, or submits a 零报告 when
  nothing was found. A submission after the due date is accepted and is late (迟报, derived).
- The office sees the units that have not reported (未报单位) and reminds them (催报); the reminder
  shows on the unit's 待办 (services/todo.py).
- An entry becomes a case (the registration form prefilled; the case links back, the entry becomes
  已转信访事项) or a 包案 (the proposal form prefilled; linked).
- Reports: the monthly 《矛盾纠纷排查化解情况统计表》, the 重大隐患 list, and the 信访积案排查登记表
  generated from the cases.

Functions take the session and the acting user explicitly; the caller commits. A refusal raises
ServiceError / ValidationFailed with a Chinese message and changes nothing. Access: services/access.py
(screening_filter, screening_report_filter, may_file_screening).
"""
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case as when, false, func, or_, select, union
from sqlalchemy.orm import selectinload

from models import (Case, Department, Party, ScreeningEntry, ScreeningProgress, ScreeningReminder,
                    ScreeningReport, ScreeningRound, User)
from models.base import utcnow
from models.enums import (CATEGORIES, OPEN_CASE_STATUSES, RISK_LEVELS, SCREENING_OPEN, SCREENING_STATUSES,
                          STATUSES)
from services import ServiceError, access, audit, excel, inputs, settings
from services.clock import today as office_today

MSG_OFFICE_ONLY = "只有信访办可以开启排查批次。"
MSG_REMIND_OFFICE = "只有信访办可以催报。"
MSG_NOT_YOURS = "只能填报本单位（及下属单位）的排查情况。"
MSG_ZERO_HAS_ENTRIES = "本期已填报{n}条矛盾纠纷，不能报送零报告；请直接报送。"
MSG_NO_ENTRIES = "本期尚未填报矛盾纠纷，没有发现的请报送零报告。"
MSG_ALREADY = "{dept}已于{on:%Y-%m-%d}报送本期排查情况，无需重复报送。"
MSG_ZERO_DONE = "{dept}本期已报送零报告，不能再填报；如有新发现，请在下一期填报或联系信访办。"
# Statuses a unit sets by hand; 已转信访事项 comes only from registering the case.
MANUAL_STATUSES = ("screening", "resolving", "resolved", "reported")
MONTHLY_COLUMNS = ("排查发现", "已化解", "化解中", "已转信访事项", "化解率")


# ---- periods --------------------------------------------------------------------------------

def month_end(day):
    nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def half_month(day):
    """(label, start, end, due) of the half month holding `day`: 1–15 due on the 15th, 16–end due
    on the last day (the units report on the 15th and at the month's end)."""
    if day.day <= 15:
        start, end, half = day.replace(day=1), day.replace(day=15), "上半月"
    else:
        start, end, half = day.replace(day=16), month_end(day), "下半月"
    return f"{day.year}年{day.month}月{half}", start, end, end


def reporting_departments(session):
    """The units that report in a round: every active department but the top of the tree and the
    信访局 itself (it collects the reports)."""
    return list(session.execute(select(Department).where(
        Department.active.is_(True), Department.parent_id.is_not(None), Department.kind != "office")
        .order_by(Department.sort_order, Department.id)).scalars())


# ---- rounds and reports -----------------------------------------------------------------------

def open_round(session, actor, data):
    """The office opens a round: data has period_label, start_on, end_on, due_on, note and
    optionally department_ids (default: every reporting unit). Returns the ScreeningRound."""
    if not access.may_view(actor, "screening_round", access.C):
        raise ServiceError(MSG_OFFICE_ONLY)
    f = inputs.Fields(data)
    label = f.text("period_label", "排查期次", required=True, max_len=50)
    start = f.date("start_on", "起始日期", required=True)
    end = f.date("end_on", "截止日期", required=True)
    due = f.date("due_on", "报送期限", required=True)
    note = f.text("note", "说明", max_len=2000)
    if start and end and end < start:
        f.add("end_on", "截止日期不能早于起始日期")
    if start and due and due < start:
        f.add("due_on", "报送期限不能早于起始日期")
    if label and session.execute(select(ScreeningRound.id).where(ScreeningRound.period_label == label)).first():
        f.add("period_label", f"“{label}”的排查批次已经开启，不能重复开启")
    units = reporting_departments(session)
    wanted = data.get("department_ids")
    if wanted is not None:
        ids = set(inputs.parse_ids(wanted))
        units = [d for d in units if d.id in ids]
        if not units:
            f.add("department_ids", "请至少选择一个报送单位")
    elif not units:
        f.add("department_ids", "没有可报送的单位，请先在单位管理中建立责任单位")
    f.done()
    rnd = ScreeningRound(period_label=label, start_on=start, end_on=end, due_on=due, note=note or None,
                         opened_by_id=getattr(actor, "id", None))
    rnd.reports = [ScreeningReport(department_id=d.id) for d in units]
    session.add(rnd)
    session.flush()
    audit.record(session, actor, "screening_open",
                 detail=f"开启排查批次“{label}”，报送期限{due:%Y-%m-%d}，报送单位{len(units)}个")
    return rnd


def open_half_month(session, actor, today=None):
    """开启本半月排查: the round of the half month holding today, with its dates."""
    label, start, end, due = half_month(today or office_today())
    return open_round(session, actor, {"period_label": label, "start_on": start, "end_on": end, "due_on": due})


def rounds(session):
    return list(session.execute(select(ScreeningRound).order_by(ScreeningRound.start_on.desc(),
                                                                ScreeningRound.id.desc())).scalars())


def get_round(session, user, round_id):
    if not access.may_view(user, "screening_round", access.R):
        return None
    pk = inputs.parse_id(round_id)
    return session.get(ScreeningRound, pk) if pk is not None else None


def reports_of(session, user, rnd):
    """The round's report rows the user may see, in the departments' order."""
    return list(session.execute(
        select(ScreeningReport).join(Department, Department.id == ScreeningReport.department_id)
        .where(ScreeningReport.round_id == rnd.id, access.screening_report_filter(session, user))
        .options(selectinload(ScreeningReport.reminders))
        .order_by(Department.sort_order, Department.id)).scalars())


def get_report(session, user, report_id):
    pk = inputs.parse_id(report_id)
    if pk is None or not access.may_view(user, "screening_round", access.R):
        return None
    return session.execute(select(ScreeningReport).where(
        ScreeningReport.id == pk, access.screening_report_filter(session, user))).scalar()


def report_state(report, today=None):
    """已报送 / 迟报 / 零报告 … as the office reads it."""
    today = today or office_today()
    if report.submitted_on is None:
        return "逾期未报" if today > report.round.due_on else "未报送"
    kind = "零报告" if report.is_zero else f"已报送（{report.entry_count}条）"
    return f"{kind}·迟报" if report.is_late else kind


@dataclass
class RoundSummary:
    required: int
    submitted: int
    zero: int
    late: int

    @property
    def missing(self):
        return self.required - self.submitted


def summary(reports):
    return RoundSummary(len(reports), sum(1 for r in reports if r.submitted_on is not None),
                        sum(1 for r in reports if r.is_zero), sum(1 for r in reports if r.is_late))


def unreported(session, user, rnd):
    """未报单位: the report rows of the round not submitted yet (in the user's scope)."""
    return [r for r in reports_of(session, user, rnd) if r.submitted_on is None]


def round_entry_count(session, rnd, department_id):
    return session.execute(select(func.count()).select_from(ScreeningEntry).where(
        ScreeningEntry.round_id == rnd.id, ScreeningEntry.department_id == department_id)).scalar()


def round_entry_counts(session, rnd):
    """{department id: entries filed in the round}, one grouped statement for the round page."""
    return dict(session.execute(select(ScreeningEntry.department_id, func.count())
                                .where(ScreeningEntry.round_id == rnd.id)
                                .group_by(ScreeningEntry.department_id)).all())


def submit(session, actor, report, zero=False, note=""):
    """The unit reports: its entries of the round, or a 零报告 when it found nothing. Late is allowed
    (and shows as 迟报)."""
    if not access.may_file_screening(session, actor, report.department_id):
        raise ServiceError(MSG_NOT_YOURS)
    if report.submitted_on is not None:
        raise ServiceError(MSG_ALREADY.format(dept=report.department.name, on=report.submitted_on))
    note = inputs.parse_text(note, "说明", max_len=2000)
    n = round_entry_count(session, report.round, report.department_id)
    if zero and n:
        raise ServiceError(MSG_ZERO_HAS_ENTRIES.format(n=n))
    if not zero and not n:
        raise ServiceError(MSG_NO_ENTRIES)
    report.is_zero = bool(zero)
    report.entry_count = n
    report.submitted_on = office_today()
    report.submitted_at = utcnow()
    report.submitted_by_id = actor.id
    report.note = note or None
    session.flush()
    return report


def remind(session, actor, report, note=""):
    """催报: the office records a reminder to a unit that has not reported."""
    if not access.may_view(actor, "screening_round", access.E):
        raise ServiceError(MSG_REMIND_OFFICE)
    if report.submitted_on is not None:
        raise ServiceError(f"{report.department.name}已报送，无需催报。")
    note = inputs.parse_text(note, "催报说明", max_len=500)
    row = ScreeningReminder(report=report, sent_by_id=actor.id, note=note or None)
    session.add(row)
    session.flush()
    audit.record(session, actor, "screening_remind",
                 detail=f"排查批次“{report.round.period_label}”催报{report.department.name}")
    return row


def remind_all(session, actor, rnd):
    """催报 every unit of the round that has not reported; returns how many were reminded."""
    pending = unreported(session, actor, rnd)
    for r in pending:
        remind(session, actor, r)
    return len(pending)


def pending_clause(session, user, reminded=False):
    """SQL on ScreeningReport: the unreported rows of the user's own branch (the 待办 of a unit),
    optionally only those the office has reminded."""
    depts = access.user_dept_ids(session, user)
    if not depts:
        return None
    clause = and_(ScreeningReport.submitted_on.is_(None), ScreeningReport.department_id.in_(depts))
    if reminded:
        clause = and_(clause, ScreeningReport.id.in_(select(ScreeningReminder.report_id)))
    return clause


def my_pending(session, user):
    """The user's branch's unreported rows, earliest due first (the 本单位排查报送 page)."""
    clause = pending_clause(session, user)
    if clause is None:
        return []
    return list(session.execute(select(ScreeningReport).join(ScreeningRound).where(clause)
                                .order_by(ScreeningRound.due_on, ScreeningReport.id)).scalars())


# ---- entries ------------------------------------------------------------------------------------

def entry_filter(session, user):
    if not access.may_view(user, "screening", access.R):
        return false()
    return access.screening_filter(session, user)


def get_entry(session, user, entry_id):
    pk = inputs.parse_id(entry_id)
    if pk is None:
        return None
    return session.execute(select(ScreeningEntry).where(
        ScreeningEntry.id == pk, entry_filter(session, user))).scalar()


def department_choices(session, user):
    """The units the user may file entries for."""
    units = reporting_departments(session)
    if access.is_office_staff(user):
        return units
    mine = access.user_dept_ids(session, user)
    return [d for d in units if d.id in mine]


def leader_choices(session):
    return list(session.execute(select(User).where(User.role == "leader", User.active.is_(True))
                                .order_by(User.rank_order, User.id)).scalars())


def open_rounds_for(session):
    """Rounds an entry may be filed into: the latest ones first."""
    return list(session.execute(select(ScreeningRound).order_by(ScreeningRound.start_on.desc())
                                .limit(6)).scalars())


_ID_SPLIT = re.compile(r"[\s,，、;；]+")


def _linked_parties(session, user, text, f):
    numbers = [n.upper() for n in _ID_SPLIT.split(text or "") if n]
    if not numbers:
        return []
    found = {p.id_number: p for p in session.execute(select(Party).where(
        Party.id_number.in_(numbers), access.party_filter(session, user))).scalars()}
    unknown = [n for n in numbers if n not in found]
    if unknown:
        f.add("party_ids", f"未找到证件号码为{'、'.join(unknown)}的信访人（或不在您的查看范围内）")
    return [found[n] for n in dict.fromkeys(numbers) if n in found]


def _read_entry(session, actor, data, entry=None):
    f = inputs.Fields(data)
    dept_id = inputs.parse_id(data.get("department_id"))
    dept = session.get(Department, dept_id) if dept_id is not None else None
    if dept is None:
        f.add("department_id", "请选择排查单位")
    elif not access.may_file_screening(session, actor, dept.id):
        f.add("department_id", MSG_NOT_YOURS)
    rnd = None
    if not inputs.blank(data.get("round_id")):
        rid = inputs.parse_id(data.get("round_id"))
        rnd = session.get(ScreeningRound, rid) if rid is not None else None
        if rnd is None:
            f.add("round_id", "排查批次不存在")
    values = {
        "department_id": dept.id if dept else None,
        "round_id": rnd.id if rnd else None,
        "found_on": f.date("found_on", "排查日期", required=True, allow_future=False, today=office_today()),
        "place": f.text("place", "地点", required=True, max_len=200),
        "parties_text": f.text("parties_text", "当事人", max_len=500),
        "category": f.choice("category", "类别", {c: c for c in CATEGORIES}),
        "summary": f.text("summary", "主要情况", required=True),
        "people_count": f.int("people_count", "涉及人数", 1, 100000),
        "risk_level": f.choice("risk_level", "风险等级", RISK_LEVELS),
        "threatens_extreme": bool(data.get("threatens_extreme")),
        "collective_tendency": bool(data.get("collective_tendency")),
        "measures": f.text("measures", "稳控化解措施"),
        "responsible_person": f.text("responsible_person", "责任人", max_len=50),
    }
    leader = None
    if not inputs.blank(data.get("leader_id")):
        lid = inputs.parse_id(data.get("leader_id"))
        leader = session.get(User, lid) if lid is not None else None
        if leader is None or leader.role != "leader" or not leader.active:
            f.add("leader_id", "包保领导必须是在职的领导")
    values["leader_id"] = leader.id if leader else None
    parties = _linked_parties(session, actor, data.get("party_ids"), f)
    if rnd is not None and dept is not None and (entry is None or entry.round_id != rnd.id
                                                 or entry.department_id != dept.id):
        report = session.execute(select(ScreeningReport).where(
            ScreeningReport.round_id == rnd.id, ScreeningReport.department_id == dept.id)).scalar()
        if report is not None and report.is_zero:
            f.add("round_id", MSG_ZERO_DONE.format(dept=dept.name))
    f.done()
    return values, parties


def create_entry(session, actor, data):
    """A unit files an entry (data: the form's fields as typed). Returns the ScreeningEntry."""
    if not access.may_view(actor, "screening", access.C):
        raise ServiceError("您无权填报矛盾纠纷排查情况。")
    values, parties = _read_entry(session, actor, data)
    entry = ScreeningEntry(**values, status="screening", created_by_id=actor.id)
    entry.parties = parties
    session.add(entry)
    session.flush()
    _recount(session, entry)
    return entry


def may_edit(session, user, entry):
    return (entry.status in SCREENING_OPEN and access.may_view(user, "screening", access.E)
            and access.may_file_screening(session, user, entry.department_id))


def update_entry(session, actor, entry, data):
    if not may_edit(session, actor, entry):
        raise ServiceError("该条目已化解或已转为信访事项，或不属于您的单位，不能修改。")
    old_round = entry.round_id
    values, parties = _read_entry(session, actor, data, entry)
    for k, v in values.items():
        setattr(entry, k, v)
    entry.parties = parties
    session.flush()
    _recount(session, entry, old_round)
    return entry


def _recount(session, entry, *old_rounds):
    """A report already submitted counts the entries filed since (补报)."""
    for rid in {entry.round_id, *old_rounds} - {None}:
        for report in session.execute(select(ScreeningReport).where(
                ScreeningReport.round_id == rid, ScreeningReport.submitted_on.is_not(None))).scalars():
            report.entry_count = session.execute(select(func.count()).select_from(ScreeningEntry).where(
                ScreeningEntry.round_id == rid, ScreeningEntry.department_id == report.department_id)).scalar()


def may_progress(session, user, entry):
    return entry.status in SCREENING_OPEN and access.may_file_screening(session, user, entry.department_id)


def add_progress(session, actor, entry, on, text, status=None):
    """A dated progress entry; with `status`, the entry moves to it (化解中 / 已化解 / 已上报)."""
    if not may_progress(session, actor, entry):
        if entry.status not in SCREENING_OPEN:
            raise ServiceError(f"该条目状态为“{SCREENING_STATUSES[entry.status]}”，不能再填写进展。")
        raise ServiceError(MSG_NOT_YOURS)
    on = inputs.parse_date(on, "进展日期", required=True)
    if on > office_today():
        raise ServiceError("进展日期不能晚于今天。")
    if on < entry.found_on:
        raise ServiceError(f"进展日期不能早于排查日期（{entry.found_on:%Y-%m-%d}）。")
    text = inputs.parse_text(text, "进展情况", required=True)
    if not inputs.blank(status):
        status = inputs.parse_choice(status, "状态", {k: SCREENING_STATUSES[k] for k in MANUAL_STATUSES})
        _set_status(entry, status, on)
    row = ScreeningProgress(entry=entry, on=on, text=text, author_id=actor.id)
    session.add(row)
    session.flush()
    return row


def _set_status(entry, status, on):
    entry.status = status
    entry.resolved_on = on if status == "resolved" else None
    if status == "reported" and entry.reported_on is None:
        entry.reported_on = on


def _note(session, actor, entry, text):
    session.add(ScreeningProgress(entry=entry, on=office_today(), text=text, author_id=getattr(actor, "id", None)))


# ---- an entry becomes a case or a package -------------------------------------------------------------

def may_convert(session, user, entry):
    """The office registers the case of an entry still open and not yet a case."""
    return (entry.case_id is None and entry.status in SCREENING_OPEN
            and access.may_move(session, user, "register"))


def may_package(session, user, entry):
    return (entry.package_id is None and entry.status in (*SCREENING_OPEN, "converted")
            and access.may_view(user, "package", access.C))


def case_prefill(entry):
    """The registration form's values for an entry (views/registration.py fills its form)."""
    data = {"channel": "visit", "source": "own", "category": entry.category if entry.category in CATEGORIES else "",
            "summary": entry.summary, "incident_place": entry.place, "people_count": str(entry.people_count or 1),
            "is_extreme": entry.threatens_extreme, "demands": "", "petitioners": []}
    for p in entry.parties[:3]:
        data["petitioners"].append({"name": p.name, "id_number": p.id_number or "", "phone": p.phone or "",
                                    "address": p.address or "", "sex": p.sex or "", "ethnicity": p.ethnicity or "",
                                    "id_type": p.id_type or "resident", "occupation": p.occupation or ""})
    return data


def link_case(session, actor, entry, case):
    """The case registered from `entry`: linked both ways, the entry becomes 已转信访事项."""
    if entry.case_id is not None:
        raise ServiceError("该条目已转为信访事项，不能重复登记。")
    if entry.status not in SCREENING_OPEN:
        raise ServiceError(f"该条目状态为“{SCREENING_STATUSES[entry.status]}”，不能转为信访事项。")
    entry.case_id = case.id
    entry.status = "converted"
    entry.converted_on = office_today()
    _note(session, actor, entry, f"转为信访事项登记办理，编号{case.number}。")
    session.flush()


def package_prefill(entry):
    """The 包案 proposal's values for an entry."""
    return {"title": f"{entry.place}{entry.category}矛盾纠纷包案化解",
            "leader_id": str(entry.leader_id or ""), "department_id": str(entry.department_id),
            "responsible_person": entry.responsible_person or "", "plan": entry.measures or "",
            "cases": entry.case.number if entry.case is not None else ""}


def link_package(session, actor, entry, pkg):
    if entry.package_id is not None:
        raise ServiceError("该条目已列入包案。")
    entry.package_id = pkg.id
    if entry.status == "screening":
        entry.status = "resolving"
    _note(session, actor, entry, f"列入{pkg.leader.full_name}包案化解，责任单位{pkg.department.name}。")
    session.flush()


def entries_of_case(session, user, case):
    return list(session.execute(select(ScreeningEntry).where(
        ScreeningEntry.case_id == case.id, entry_filter(session, user))).scalars())


def entries_of_package(session, user, pkg):
    return list(session.execute(select(ScreeningEntry).where(
        ScreeningEntry.package_id == pkg.id, entry_filter(session, user))).scalars())


# ---- reports ---------------------------------------------------------------------------------------

def parse_month(value, today=None):
    """The first day of the month typed (2026-12), default the current month; raises InputError."""
    ym = inputs.parse_month(value, "月份")
    return date(*ym, 1) if ym else (today or office_today()).replace(day=1)


@dataclass
class MonthlyLine:
    unit: str
    category: str
    found: int
    resolved: int
    converted: int
    subtotal: bool = False

    @property
    def resolving(self):
        return self.found - self.resolved - self.converted

    @property
    def rate(self):
        """化解率 = 已化解 ÷ 排查发现 (None when nothing was found)."""
        return self.resolved / self.found if self.found else None

    @property
    def percent(self):
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"


@dataclass
class MonthlyTable:
    month: date
    lines: list = field(default_factory=list)  # units' category lines, each unit closed by a 小计
    total: MonthlyLine = None

    @property
    def label(self):
        return f"{self.month.year}年{self.month.month}月"


def monthly_table(session, user, month):
    """《矛盾纠纷排查化解情况统计表》 of the month starting `month`, by unit and category, in the
    user's reach. Entries found in the month; 已化解 and 已转信访事项 as of the month's last day
    (resolved_on / converted_on not after it); 化解中 the rest."""
    end = month_end(month)
    resolved = and_(ScreeningEntry.resolved_on.is_not(None), ScreeningEntry.resolved_on <= end)
    converted = and_(ScreeningEntry.converted_on.is_not(None), ScreeningEntry.converted_on <= end)
    rows = session.execute(
        select(Department.id, Department.name, ScreeningEntry.category, func.count(),
               func.sum(when((resolved, 1), else_=0)), func.sum(when((converted, 1), else_=0)))
        .join(Department, Department.id == ScreeningEntry.department_id)
        .where(ScreeningEntry.found_on >= month, ScreeningEntry.found_on <= end, entry_filter(session, user))
        .group_by(Department.id, Department.name, Department.sort_order, ScreeningEntry.category)
        .order_by(Department.sort_order, Department.id, ScreeningEntry.category)).all()
    order = {c: i for i, c in enumerate(CATEGORIES)}
    table = MonthlyTable(month)
    by_unit = {}
    for dept_id, name, cat, n, r, c in rows:
        by_unit.setdefault((dept_id, name), []).append(MonthlyLine(name, cat, n, int(r or 0), int(c or 0)))
    total = MonthlyLine("合计", "", 0, 0, 0, subtotal=True)
    for (_d, name), lines in by_unit.items():
        lines.sort(key=lambda ln: order.get(ln.category, len(order)))
        sub = MonthlyLine(name, "小计", sum(x.found for x in lines), sum(x.resolved for x in lines),
                          sum(x.converted for x in lines), subtotal=True)
        table.lines += lines + [sub]
        total.found += sub.found
        total.resolved += sub.resolved
        total.converted += sub.converted
    table.total = total
    return table


def write_monthly_sheet(target, session, user, table, today=None):
    today = today or office_today()
    office = settings.office_name(session)
    columns = [excel.Column("单位", 24), excel.Column("类别", 12), excel.Column("排查发现", 10, "int"),
               excel.Column("已化解", 10, "int"), excel.Column("化解中", 10, "int"),
               excel.Column("已转信访事项", 12, "int"), excel.Column("化解率", 10, "pct")]

    def row(ln):
        return [ln.unit, ln.category, ln.found, ln.resolved, ln.resolving, ln.converted,
                ln.rate if ln.rate is not None else "—"]
    t = table.total
    return excel.write_table(
        target, office=office, sheet_title="排查化解统计", title=f"{office}矛盾纠纷排查化解情况统计表",
        subtitle=f"统计月份：{table.label}（{table.month:%Y-%m-%d}至{month_end(table.month):%Y-%m-%d}）",
        columns=columns, rows=[row(ln) for ln in table.lines], totals=row(t), period=table.label,
        numbered=False,  # a statistical form, not a list (as the 信访工作统计表)
        footer_lines=["化解率 = 已化解 ÷ 排查发现；已化解、已转信访事项按月末状态统计。",
                      f"填报单位：{office}　填报人：{user.full_name}　填报日期：{today:%Y年%m月%d日}"])


def major_risks(session, user, month):
    """重大隐患 in the register during the month (found by its last day and neither resolved nor
    become a case before its first day), in the user's reach, units in order."""
    end = month_end(month)
    still = or_(ScreeningEntry.status.in_(SCREENING_OPEN),
                and_(ScreeningEntry.status == "resolved", ScreeningEntry.resolved_on >= month),
                and_(ScreeningEntry.status == "converted", ScreeningEntry.converted_on >= month))
    return list(session.execute(
        select(ScreeningEntry).join(Department, Department.id == ScreeningEntry.department_id)
        .where(ScreeningEntry.risk_level == "major", ScreeningEntry.found_on <= end, still,
               entry_filter(session, user))
        .options(selectinload(ScreeningEntry.progress), selectinload(ScreeningEntry.leader),
                 selectinload(ScreeningEntry.department))
        .order_by(Department.sort_order, Department.id, ScreeningEntry.found_on, ScreeningEntry.id)).scalars())


def tendencies(entry):
    out = []
    if entry.threatens_extreme:
        out.append("扬言")
    if entry.collective_tendency:
        out.append("集体访倾向")
    return "、".join(out)


def latest_progress(entry):
    if not entry.progress:
        return None
    return max(entry.progress, key=lambda p: (p.on, p.id))


def major_row(entry):
    latest = latest_progress(entry)
    return [entry.department.name, entry.found_on, entry.place, entry.parties_text, entry.category, entry.summary,
            entry.people_count, tendencies(entry), entry.measures,
            entry.leader.full_name if entry.leader else "", entry.responsible_person,
            SCREENING_STATUSES.get(entry.status, entry.status),
            f"{latest.on:%Y-%m-%d} {latest.text}" if latest else ""]


MAJOR_HEADERS = ("单位", "排查日期", "地点", "当事人", "类别", "主要情况", "涉及人数", "倾向", "稳控化解措施",
                 "包保领导", "责任人", "状态", "最新进展")


def write_major_sheet(target, session, user, month, entries, today=None):
    today = today or office_today()
    office = settings.office_name(session)
    widths = (20, 11, 16, 14, 10, 40, 8, 12, 30, 9, 9, 10, 30)
    kinds = {1: "date", 6: "int"}
    columns = [excel.Column(h, w, kinds.get(i, "text")) for i, (h, w) in enumerate(zip(MAJOR_HEADERS, widths))]
    return excel.write_table(
        target, office=office, sheet_title="重大隐患", title=f"{office}重大信访隐患情况表",
        subtitle=f"报送月份：{month.year}年{month.month}月", columns=columns,
        rows=[major_row(e) for e in entries], period=f"{month.year}年{month.month}月",
        totals=["合计", f"{len(entries)}条"],
        footer_lines=[f"报送单位：{office}　填报人：{user.full_name}　填报日期：{today:%Y年%m月%d日}"])


# ---- 信访积案排查登记表 (from the cases) --------------------------------------------------------------

def _matter_sizes(session):
    """case id -> how many petitions (cases, voided ones left out) its matter holds, for the cases
    linked by a repeat link (同一事项, services/matters.py) or a 复查/复核; unlinked cases hold 1."""
    links = session.execute(select(Case.id, Case.repeat_of_id, Case.parent_case_id).where(
        Case.status != "voided", or_(Case.repeat_of_id.is_not(None), Case.parent_case_id.is_not(None)))).all()
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for cid, rep, par in links:
        for other in (rep, par):
            if other is not None:
                parent[find(cid)] = find(other)
    members = {}
    for x in list(parent):
        members.setdefault(find(x), set()).add(x)
    # The voided ends of the links, found by a subquery: at a million cases the linked ids are far
    # more than a statement may bind.
    targets = union(select(Case.repeat_of_id.label("id")).where(Case.repeat_of_id.is_not(None)),
                    select(Case.parent_case_id.label("id")).where(Case.parent_case_id.is_not(None))).subquery()
    voided = set(session.execute(select(Case.id).where(
        Case.status == "voided", Case.id.in_(select(targets.c.id)))).scalars()) if parent else set()
    return {x: len(members[find(x)] - voided) for x in parent}, {x: find(x) for x in parent}


@dataclass
class BacklogRow:
    case: Case
    petitioners: str
    days_open: int
    petitions: int
    reasons: str


@dataclass
class Backlog:
    """The register's order without its rows: (case id, received_on, petitions) per matter, oldest
    first (ids and dates only: at a million cases a clerk's register held 95,000 matters). The
    rows of a page, or all of them for the export, are read by `rows`."""
    keys: list
    days: int
    cutoff: date
    today: date
    min_petitions: int

    def __len__(self):
        return len(self.keys)

    def rows(self, session, user, start=0, stop=None, chunk=500):
        """BacklogRow of keys[start:stop], read `chunk` cases at a time (the export streams)."""
        from services.statistics import _petitioner_names
        keys = self.keys[start:stop]
        for i in range(0, len(keys), chunk):
            part = keys[i:i + chunk]
            cases = {c.id: c for c in session.execute(select(Case).where(Case.id.in_([k[0] for k in part]))
                                                        .options(selectinload(Case.department))).scalars()}
            names = _petitioner_names(session, user, list(cases.values()))
            for cid, received_on, n in part:
                reasons = []
                if received_on < self.cutoff:
                    reasons.append(f"超过{self.days}日未办结")
                if n >= self.min_petitions:
                    reasons.append(f"同一事项信访{n}次")
                yield BacklogRow(cases[cid], names.get(cid, ""), (self.today - received_on).days, n,
                                 "；".join(reasons))


def backlog_register(session, user, today=None, days=None, min_petitions=3):
    """信访积案排查登记表: open cases in reach that are older than `days` (the office's setting
    积案排查期限) or whose matter has `min_petitions` or more petitions. One row per matter (its
    oldest open case: the one open longest), oldest first. Returns a Backlog (ids in order)."""
    today = today or office_today()
    days = settings.backlog_days(session) if days is None else days
    sizes, roots = _matter_sizes(session)
    repeated = {cid for cid, n in sizes.items() if n >= min_petitions}
    cutoff = today - timedelta(days=days)
    # Every open case in reach as (id, date), filtered here: one statement where an IN list of the
    # repeated matters took one per 500 ids (400 at a million cases).
    found = {cid: received_on for cid, received_on in session.execute(
        select(Case.id, Case.received_on).where(Case.status.in_(OPEN_CASE_STATUSES), access.case_filter(session, user)))
        if received_on < cutoff or cid in repeated}
    oldest = {}
    for cid, received_on in found.items():
        key = roots.get(cid, ("case", cid))
        if key not in oldest or (received_on, cid) < oldest[key]:
            oldest[key] = (received_on, cid)
    keys = sorted(oldest.values())
    return Backlog([(cid, received_on, sizes.get(cid, 1)) for received_on, cid in keys],
                   days, cutoff, today, min_petitions)


def backlog(session, user, today=None, days=None, min_petitions=3):
    """Every row of the register (a list of BacklogRow); pages and the export use backlog_register."""
    return list(backlog_register(session, user, today, days, min_petitions).rows(session, user))


BACKLOG_HEADERS = ("序号", "编号", "信访人", "问题属地", "问题分类", "内容摘要", "收件日期", "责任单位", "状态",
                   "已历时（日）", "信访次数", "列入原因")


def backlog_row(i, r):
    c = r.case
    return [i, c.number, r.petitioners, c.incident_place or "", c.category, c.summary, c.received_on,
            c.department.name if c.department else "未交办", STATUSES.get(c.status, c.status), r.days_open,
            r.petitions, r.reasons]


def write_backlog_sheet(target, session, user, register, today=None):
    """The whole register (a Backlog), its rows read and written a chunk at a time."""
    today = today or office_today()
    office = settings.office_name(session)
    widths = (6, 13, 12, 16, 10, 40, 11, 20, 10, 10, 9, 24)
    kinds = {0: "int", 6: "date", 9: "int", 10: "int"}
    columns = [excel.Column(h, w, kinds.get(i, "text")) for i, (h, w) in enumerate(zip(BACKLOG_HEADERS, widths))]
    return excel.write_table(
        target, office=office, sheet_title="信访积案", title=f"{office}信访积案排查登记表",
        subtitle=f"截至{today:%Y年%m月%d日}　列入标准：在办超过{register.days}日或同一事项信访3次以上",
        columns=columns, rows=(backlog_row(i, r) for i, r in enumerate(register.rows(session, user), 1)),
        totals=["合计", f"{len(register)}件"],
        footer_lines=[f"填报单位：{office}　填报人：{user.full_name}　填报日期：{today:%Y年%m月%d日}"])


# ---- for the assessment (考核) ------------------------------------------------------------------------

def report_timeliness(session, start, end) -> dict[int, tuple[int, int]]:
    """{department_id: (reports submitted on time, reports required)} over the rounds whose due date
    falls in [start, end]. On time = submitted on or before the round's due date; a 零报告 counts."""
    on_time = and_(ScreeningReport.submitted_on.is_not(None), ScreeningReport.submitted_on <= ScreeningRound.due_on)
    rows = session.execute(
        select(ScreeningReport.department_id, func.sum(when((on_time, 1), else_=0)), func.count())
        .join(ScreeningRound, ScreeningRound.id == ScreeningReport.round_id)
        .where(ScreeningRound.due_on >= start, ScreeningRound.due_on <= end)
        .group_by(ScreeningReport.department_id)).all()
    return {d: (int(ok or 0), int(n)) for d, ok, n in rows}


def due_text(rnd, today=None):
    today = today or office_today()
    n = (rnd.due_on - today).days
    if n < 0:
        return f"已过报送期限{-n}天"
    return "今天截止" if n == 0 else f"剩{n}天"
