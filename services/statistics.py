"""信访工作统计表: every figure of domain.md "What goes upward", by SQL aggregation.

`report(session, user, period, department_id=None)` computes one Report; the page and the Excel
sheet both render that same object (`write_report_sheet`), so they always show the same numbers.

Period membership (all boundaries are dates computed here and passed as parameters):
- inflow figures (件, 人次, forms, collective, repeat, classes, places ...): first petitions
  received in the period; a 复查/复核 is not new inflow: 复查件数 and 复核件数 count the review
  cases received in the period, 维持/撤销/变更 the reviews answered (replied) in it;
- 及时受理率: cases received in the period (reviews included) whose 受理告知 was recorded or whose
  15-day clock has run out by today; on time = the 受理告知 recorded on or before accept_due.
  Accepting without recording the 受理告知 is not a notice: the same case shows as 受理告知 超期 in
  the 逾期清单 (deadlines.accept_clock_runs: only the 受理告知 stops that clock);
- 按期办结率: cases closed in the period (closed_on) that had a handling due date; on time = the
  reply (replied_on; closed_on when none was recorded) on or before handle_due. A leader approving
  the close after the due date does not make the department late: 结案审批晚于办理期限 counts those
  (reply in time, approval after the due date) on a line of its own;
- 参评率 / 满意率: cases replied in the period (or closed in it when no reply date) — rated over
  that base; (满意 + 基本满意) over rated;
- 包案化解率: packages finished in the period; outcome 已化解 or 息诉罢访 over finished;
- 再信访率: cases closed in the period whose petitioner petitioned again on the same matter (a
  later case the clerk linked to it as 同一事项, services/matters) within the office's window
  (settings.repeat_window_days, default 90) after closing, over the cases closed;
- 一次性化解率: first petitions (not reviews) closed in the period with neither a 复查 asked for nor
  such a repeat petition, over the first petitions closed.
Voided cases are never counted.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from models import Case, Department, PackageAssignment
from models.enums import CATEGORIES, IN_PERSON_CHANNELS, PURPOSES, REVIEW_OUTCOMES
from services import access, excel, inputs, settings
from services import packages
from services.clock import today as office_today
from services.inputs import InputError, parse_choice, parse_date, parse_int

KINDS = {"month": "月报", "quarter": "季报", "year": "年报", "custom": "自定义"}
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
TOP_PLACES = 10


# ---- periods ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # inclusive

    @property
    def days(self):
        return (self.end - self.start).days + 1

    @property
    def label(self):
        s, e = self.start, self.end
        if self.kind == "month":
            return f"{s.year}年{s.month}月"
        if self.kind == "quarter":
            return f"{s.year}年{QUARTER_NAMES[(s.month - 1) // 3 + 1]}"
        if self.kind == "year":
            return f"{s.year}年"
        return f"{s:%Y年%m月%d日}至{e:%Y年%m月%d日}"


def _month_end(y, m):
    return date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)


def month(y, m):
    return Period("month", date(y, m, 1), _month_end(y, m))


def quarter(y, q):
    m = 3 * (q - 1) + 1
    return Period("quarter", date(y, m, 1), _month_end(y, m + 2))


def year(y):
    return Period("year", date(y, 1, 1), date(y, 12, 31))


def custom(start, end):
    if end < start:
        raise ValueError("结束日期不能早于开始日期。")
    return Period("custom", start, end)


def _shift_year(d, years):
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def same_period_last_year(p):
    """同比: the same period one year earlier."""
    if p.kind == "month":
        return month(p.start.year - 1, p.start.month)
    if p.kind == "quarter":
        return quarter(p.start.year - 1, (p.start.month - 1) // 3 + 1)
    if p.kind == "year":
        return year(p.start.year - 1)
    return Period("custom", _shift_year(p.start, -1), _shift_year(p.end, -1))


def previous_period(p):
    """环比: the period of the same length just before (previous month / quarter / year)."""
    if p.kind == "month":
        y, m = (p.start.year, p.start.month - 1) if p.start.month > 1 else (p.start.year - 1, 12)
        return month(y, m)
    if p.kind == "quarter":
        q = (p.start.month - 1) // 3 + 1
        return quarter(p.start.year, q - 1) if q > 1 else quarter(p.start.year - 1, 4)
    if p.kind == "year":
        return year(p.start.year - 1)
    end = p.start - timedelta(days=1)
    return Period("custom", end - timedelta(days=p.days - 1), end)


# Years a report may cover: the 同比 and 环比 periods of any of them are still valid dates.
MIN_YEAR, MAX_YEAR = 2000, 2100
MSG_YEAR_RANGE = f"统计年份应在{MIN_YEAR}年至{MAX_YEAR}年之间，请重新选择。"


def parse_period(args, today=None):
    """A Period from request-like args (kind, year, month, quarter, start, end); defaults to the
    last full month. Raises ValueError with a Chinese message on bad input."""
    today = today or office_today()
    try:
        kind = parse_choice(args.get("kind") or "month", "统计期间类型", KINDS)
        if kind == "custom":
            # Unbounded here: a year out of range gets the report's own message below.
            start = parse_date(args.get("start"), "开始日期", required=True, bounded=False)
            end = parse_date(args.get("end"), "结束日期", required=True, bounded=False)
            if not (MIN_YEAR <= start.year <= MAX_YEAR and MIN_YEAR <= end.year <= MAX_YEAR):
                raise ValueError(MSG_YEAR_RANGE)
            return custom(start, end)
        if kind == "month" and not args.get("year") and not args.get("month"):
            last = today.replace(day=1) - timedelta(days=1)  # the last full month
            return month(last.year, last.month)
        y = parse_int(args.get("year") or today.year, "统计年份")
        if not MIN_YEAR <= y <= MAX_YEAR:
            raise ValueError(MSG_YEAR_RANGE)
        if kind == "month":
            return month(y, parse_int(args.get("month") or today.month, "月份", 1, 12))
        if kind == "quarter":
            return quarter(y, parse_int(args.get("quarter") or (today.month - 1) // 3 + 1, "季度", 1, 4))
        return year(y)
    except InputError as exc:
        raise ValueError(exc.message) from None


# ---- scope -----------------------------------------------------------------------------------

def report_department_choices(session, user):
    """[(id or None, name)] the user may report on; None = everything in the user's reach."""
    role = getattr(user, "role", None)
    depts = session.execute(select(Department).where(Department.active.is_(True))
                            .order_by(Department.sort_order, Department.id)).scalars().all()
    if access.is_office_staff(user):
        return [(None, "全部（本级汇总）")] + [(d.id, d.name) for d in depts if d.kind != "office"]
    mine = access.user_dept_ids(session, user)
    own = [(d.id, d.name) for d in depts if d.id in mine]
    if role == access.LEADER:
        return [(None, "我可见的全部事项")] + own
    if role == access.HANDLER:
        return own
    return []


def resolve_department(session, user, department_id):
    """The department to report on (None = the user's whole reach). Raises ValueError if the user
    may not choose it."""
    choices = report_department_choices(session, user)
    allowed = {cid for cid, _ in choices}
    if department_id in (None, ""):
        if None in allowed:
            return None
        if choices:
            return choices[0][0]
        raise ValueError("您无权查看统计报表。")
    department_id = inputs.parse_id(department_id)
    if department_id is None:
        raise ValueError("所选单位不存在。")
    if department_id not in allowed:
        raise ValueError("只能统计本人可见范围内的单位。")
    return department_id


def _case_scope(session, user, department_id):
    clause = and_(access.case_filter(session, user), Case.status != "voided")
    if department_id is not None:
        clause = and_(clause, Case.department_id.in_(access.dept_subtree_ids(session, department_id)))
    return clause


def _package_scope(session, user, department_id):
    clause = access.scope_filter(session, user, PackageAssignment)
    if department_id is not None:
        clause = and_(clause, PackageAssignment.department_id.in_(
            access.dept_subtree_ids(session, department_id)))
    return clause


# ---- aggregation -----------------------------------------------------------------------------

def _n(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _people(cond):
    return func.coalesce(func.sum(case((cond, Case.people_count), else_=0)), 0)


def accept_notice_owed(today):
    """及时受理率's base: the 受理告知 was recorded, or its clock has run out."""
    return or_(Case.accept_notice_on.isnot(None), Case.accept_due < today)


def accept_notice_on_time():
    """按时受理告知: the 受理告知 itself recorded by accept_due. Accepting does not count: the
    逾期清单 keeps the 受理告知 clock running until the notice (deadlines.accept_clock_runs)."""
    return and_(Case.accept_notice_on.isnot(None), Case.accept_due.isnot(None),
                Case.accept_notice_on <= Case.accept_due)


def answered_between(start, end):
    """coalesce(replied_on, closed_on) between the dates, written so that each date's index
    answers it (the coalesce itself made every report read the whole table)."""
    return or_(and_(Case.replied_on >= start, Case.replied_on <= end),
               and_(Case.replied_on.is_(None), Case.closed_on >= start, Case.closed_on <= end))


FIRST = Case.review_level == 0  # a first petition: inflow; a 复查/复核 is counted on its own lines


def figures(session, scope, pkg_scope, p, today=None, repeat_window=90):
    """The scalar figures of one period, as a dict of ints."""
    today = today or office_today()
    s, e = p.start, p.end
    in_person = and_(FIRST, Case.channel.in_(IN_PERSON_CHANNELS))
    other = and_(FIRST, Case.channel.notin_(IN_PERSON_CHANNELS + ("letter", "online", "phone")))
    inflow = session.execute(select(
        _n(FIRST).label("items"),
        _people(FIRST).label("persons"),
        _n(in_person).label("visit_batches"), _people(in_person).label("visit_persons"),
        _n(and_(FIRST, Case.channel == "letter")).label("letters"),
        _n(and_(FIRST, Case.channel == "online")).label("online"),
        _n(and_(FIRST, Case.channel == "phone")).label("phone"),
        _n(other).label("other_channels"),
        _n(COLLECTIVE).label("collective_batches"),
        _people(COLLECTIVE).label("collective_persons"),
        _n(and_(FIRST, Case.is_repeat.is_(True))).label("repeat"),
        _n(SKIP_LEVEL).label("skip_level"),
        _n(and_(FIRST, Case.is_joint.is_(True))).label("joint"),
        _n(Case.review_level == 1).label("reviews"),
        _n(Case.review_level == 2).label("re_reviews"),
        _n(accept_notice_owed(today)).label("accept_base"),
        _n(accept_notice_on_time()).label("accept_timely"),
    ).where(scope, Case.received_on >= s, Case.received_on <= e)).mappings().one()

    outcomes = session.execute(select(
        *(_n(Case.review_outcome == code).label(f"review_{code}") for code in REVIEW_OUTCOMES),
    ).where(scope, Case.review_level > 0, Case.replied_on >= s, Case.replied_on <= e)).mappings().one()

    has_due = Case.handle_due.isnot(None)
    closed = session.execute(select(
        _n(has_due).label("closed_base"),
        _n(closed_on_time()).label("closed_on_time"),
        _n(and_(closed_on_time(), Case.closed_on > Case.handle_due))
        .label("approval_late"),
        func.count(Case.id).label("closed"),
    ).where(scope, closed_in(s, e))).mappings().one()

    rated = session.execute(select(
        func.count(Case.id).label("eval_base"),
        _n(RATED).label("rated"),
        _n(SATISFIED).label("satisfied"),
    ).where(scope, answered_between(s, e))).mappings().one()

    pkg = session.execute(select(
        func.count(PackageAssignment.id).label("pkg_finished"),
        _n(PACKAGE_RESOLVED).label("pkg_resolved"),
    ).where(pkg_scope, package_finished_in(s, e))).mappings().one()

    out = {}
    for part in (inflow, outcomes, closed, rated, pkg):
        out.update({k: int(v or 0) for k, v in part.items()})
    out.update(_again(session, scope, p, repeat_window))
    return out


def _again(session, scope, p, window):
    """再信访 and 一次性化解 of the cases closed in the period (see the module's docstring)."""
    closed = session.execute(select(Case.id, Case.closed_on, Case.review_level).where(
        scope, closed_in(p.start, p.end))).all()
    ids = [c.id for c in closed]
    again, reviewed = set(), set()
    if ids:
        # the period's closed cases again as a subquery, not their ids bound one by one: a year of a
        # large office is over PostgreSQL's 65,535 parameters (139,702 at a million cases)
        in_period = and_(scope, closed_in(p.start, p.end))
        again = set(session.execute(select(Case.id).where(
            in_period, petitioned_again(session, window))).scalars())
        child = aliased(Case)
        reviewed = set(session.execute(select(child.parent_case_id).where(
            child.parent_case_id.isnot(None), child.status != "voided",
            child.parent_case_id.in_(select(Case.id).where(in_period)))).scalars())
    first = [c.id for c in closed if c.review_level == 0]
    return {"again_base": len(ids), "again": len(again), "once_base": len(first),
            "once": sum(1 for i in first if i not in again and i not in reviewed)}


def _grouped(session, scope, p, column):
    rows = session.execute(select(column, func.count(Case.id)).where(
        scope, FIRST, Case.received_on >= p.start, Case.received_on <= p.end).group_by(column))
    return {k: int(n) for k, n in rows}


# ---- the report --------------------------------------------------------------------------------

@dataclass
class Line:
    section: str
    key: str
    label: str
    unit: str
    kind: str  # int | pct
    cur: float | int | None
    last_year: float | int | None
    prev: float | int | None
    basis: str = ""

    @property
    def yoy(self):
        return change(self.kind, self.cur, self.last_year)

    @property
    def mom(self):
        return change(self.kind, self.cur, self.prev)


def change(kind, cur, base):
    """Counts: relative change (None when the base is 0); rates: difference in percentage points."""
    if cur is None or base is None:
        return None
    if kind == "pct":
        return cur - base
    if base == 0:
        return None
    return (cur - base) / base


def rate(num, den):
    return num / den if den else None


@dataclass
class Report:
    office: str
    period: Period
    last_year: Period
    prev: Period
    department_id: int | None
    department_name: str
    lines: list = field(default_factory=list)
    figures: dict = field(default_factory=dict)

    @property
    def title(self):
        return f"{self.office}信访工作统计表"

    @property
    def subtitle(self):
        return (f"统计期间：{self.period.label}（{self.period.start:%Y-%m-%d}至{self.period.end:%Y-%m-%d}）"
                f"　统计范围：{self.department_name}")

    def sections(self):
        out = []
        for line in self.lines:
            if not out or out[-1][0] != line.section:
                out.append((line.section, []))
            out[-1][1].append(line)
        return out

    def line(self, key):
        return next(line for line in self.lines if line.key == key)


def report(session, user, period, department_id=None, *, today=None, top_places=TOP_PLACES):
    """Compute the statistics report for `period` within the user's reach (and one department)."""
    today = today or office_today()
    department_id = resolve_department(session, user, department_id)
    names = dict(report_department_choices(session, user))
    scope = _case_scope(session, user, department_id)
    pkg_scope = _package_scope(session, user, department_id)
    periods = (period, same_period_last_year(period), previous_period(period))
    window = settings.repeat_window_days(session)
    # A year's 同比 and 环比 are the same year: each distinct period is computed once.
    memo = {}

    def per_period(key, compute):
        out = []
        for p in periods:
            if (key, p) not in memo:
                memo[(key, p)] = compute(p)
            out.append(memo[(key, p)])
        return out

    figs = per_period("figures", lambda p: figures(session, scope, pkg_scope, p, today, window))
    rep = Report(settings.office_name(session), period, periods[1], periods[2], department_id,
                 names.get(department_id, "全部"), figures=figs[0])

    def add(section, key, label_, unit, values, kind="int", basis=""):
        rep.lines.append(Line(section, key, label_, unit, kind, *values, basis=basis))

    def count(section, key, label_, unit):
        add(section, key, label_, unit, [f[key] for f in figs])

    sec = "一、信访总量"
    count(sec, "items", "信访总量", "件")
    count(sec, "persons", "信访总量", "人次")
    sec = "二、信访形式"
    count(sec, "visit_batches", "来访", "批次")
    count(sec, "visit_persons", "来访", "人次")
    count(sec, "letters", "来信", "件")
    count(sec, "online", "网上信访", "件")
    count(sec, "phone", "来电", "件")
    count(sec, "other_channels", "其他形式（电子邮件、传真）", "件")
    sec = "三、重点信访"
    count(sec, "collective_batches", "集体访", "批次")
    count(sec, "collective_persons", "集体访", "人次")
    count(sec, "repeat", "重复访", "件")
    count(sec, "skip_level", "越级访", "件")
    count(sec, "joint", "联名信访", "件")

    by_purpose = per_period("purpose", lambda p: _grouped(session, scope, p, Case.purpose))
    for code, name in PURPOSES.items():
        add("四、按信访事项类别", f"purpose:{code}", name, "件", [g.get(code, 0) for g in by_purpose])

    by_cat = per_period("category", lambda p: _grouped(session, scope, p, Case.category))
    cats = list(CATEGORIES) + sorted(set().union(*by_cat) - set(CATEGORIES))
    for cat in cats:
        add("五、按问题分类", f"category:{cat}", cat, "件", [g.get(cat, 0) for g in by_cat])

    by_dept = per_period("department_id", lambda p: _grouped(session, scope, p, Case.department_id))
    dept_rows = session.execute(select(Department.id, Department.name, Department.sort_order)).all()
    dept_names = {d.id: (d.sort_order, d.name) for d in dept_rows}
    dept_keys = sorted((k for k in set().union(*by_dept) if k is not None),
                       key=lambda k: dept_names.get(k, (0, ""))) + (
        [None] if any(None in g for g in by_dept) else [])
    for k in dept_keys:
        name = dept_names[k][1] if k is not None else "未交办"
        add("六、按责任单位", f"department:{k or 0}", name, "件", [g.get(k, 0) for g in by_dept])

    by_place = per_period("incident_place", lambda p: _grouped(session, scope, p, Case.incident_place))
    top = sorted(((n, place) for place, n in by_place[0].items()), key=lambda t: (-t[0], t[1] or ""))
    for _n_, place in top[:top_places]:
        add(f"七、按问题属地（本期前{top_places}位）", f"place:{place}", place or "（未填写）", "件",
            [g.get(place, 0) for g in by_place])

    sec = "八、办理质效"
    add(sec, "accept_rate", "及时受理率", "%",
        [rate(f["accept_timely"], f["accept_base"]) for f in figs], "pct",
        f"按时受理告知{figs[0]['accept_timely']}件 / 应受理告知{figs[0]['accept_base']}件")
    add(sec, "close_rate", "按期办结率", "%",
        [rate(f["closed_on_time"], f["closed_base"]) for f in figs], "pct",
        f"按期答复{figs[0]['closed_on_time']}件 / 办结{figs[0]['closed_base']}件（以答复日期对照办理期限）")
    add(sec, "approval_late", "结案审批晚于办理期限", "件", [f["approval_late"] for f in figs],
        basis="答复按期、领导审批结案晚于办理期限的件数（不计入责任单位超期）")
    add(sec, "satisfaction_rate", "满意率", "%",
        [rate(f["satisfied"], f["rated"]) for f in figs], "pct",
        f"满意及基本满意{figs[0]['satisfied']}件 / 参评{figs[0]['rated']}件")
    add(sec, "rated_rate", "参评率", "%",
        [rate(f["rated"], f["eval_base"]) for f in figs], "pct",
        f"参评{figs[0]['rated']}件 / 答复或办结{figs[0]['eval_base']}件")
    add(sec, "package_rate", "包案化解率", "%",
        [rate(f["pkg_resolved"], f["pkg_finished"]) for f in figs], "pct",
        f"化解或息诉罢访{figs[0]['pkg_resolved']}件 / 包案结束{figs[0]['pkg_finished']}件")
    add(sec, "again_rate", "再信访率", "%", [rate(f["again"], f["again_base"]) for f in figs], "pct",
        f"办结后{window}日内就同一事项再次信访{figs[0]['again']}件 / 办结{figs[0]['again_base']}件")
    add(sec, "once_rate", "一次性化解率", "%", [rate(f["once"], f["once_base"]) for f in figs], "pct",
        f"未申请复查、{window}日内未就同一事项再信访{figs[0]['once']}件 / 初次办结{figs[0]['once_base']}件")

    sec = "九、复查复核"
    count(sec, "reviews", "复查", "件")
    count(sec, "re_reviews", "复核", "件")
    for code, name in REVIEW_OUTCOMES.items():
        count(sec, f"review_{code}", f"复查复核结论：{name}", "件")
    return rep


# ---- the Excel sheet (laid out the way it goes upward) -------------------------------------------

REPORT_COLUMNS = [
    excel.Column("项目", 30), excel.Column("单位", 7), excel.Column("本期", 10, "int"),
    excel.Column("去年同期", 10, "int"), excel.Column("同比增减", 10, "delta"),
    excel.Column("上期", 10, "int"), excel.Column("环比增减", 10, "delta"),
    excel.Column("计算依据", 40),
]
REPORT_GROUPS = [(None, 1), (None, 1), (None, 1), ("同比", 2), ("环比", 2), (None, 1)]
NOTE = "注：同比、环比对数量为增减百分比，对比率为增减百分点；上期为紧邻的前一期（月、季、年或等长期间）。"


def report_rows(rep):
    """The sheet rows (with Section rows) of a report; also what the page shows."""
    for section, lines in rep.sections():
        yield excel.Section(section)
        for line in lines:
            k = line.kind
            change = "points" if k == "pct" else "delta"  # a rate changes by points, as on screen
            yield [line.label, line.unit, excel.Cell(line.cur, k), excel.Cell(line.last_year, k),
                   excel.Cell(line.yoy, change), excel.Cell(line.prev, k), excel.Cell(line.mom, change),
                   line.basis]


def write_report_sheet(target, rep, *, filled_by, filled_on=None):
    filled_on = filled_on or office_today()
    total = rep.line("items")
    return excel.write_table(
        target, sheet_title="信访工作统计表", title=rep.title, subtitle=rep.subtitle,
        columns=REPORT_COLUMNS, header_groups=REPORT_GROUPS, rows=report_rows(rep),
        totals=["合计（信访总量）", "件", total.cur, total.last_year, excel.Cell(total.yoy, "delta"),
                total.prev, excel.Cell(total.mom, "delta"),
                f"同期：{rep.last_year.label}；上期：{rep.prev.label}"],
        footer_lines=[NOTE, f"填报单位：{rep.office}　　填报人：{filled_by}　　"
                            f"填报日期：{filled_on:%Y年%m月%d日}"],
        office=rep.office, period=f"统计期间：{rep.period.label}", numbered=False)


# ---- the other sheets: overdue list, 包案 ledger, archive catalogue ------------------------------


def _petitioner_names(session, user, cases):
    """Masked petitioner names per case id (access.party_view, list mode)."""
    from models import CaseParty
    ids = [c.id for c in cases]
    by_id = {c.id: c for c in cases}
    out = {}
    if not ids:
        return out
    links = []
    for i in range(0, len(ids), 1000):  # bounded: 超期 lists of a large office run to 60,000+ cases
        links += session.execute(select(CaseParty).where(
            CaseParty.case_id.in_(ids[i:i + 1000]), CaseParty.role == "petitioner")).scalars().all()
    links.sort(key=lambda link: link.id)
    for link in links:  # the case's own data (CaseParty.data)
        shown = access.party_view(session, user, by_id[link.case_id], link.data, in_list=True)
        out.setdefault(link.case_id, []).append(shown["name"])
    return {k: "、".join(v) for k, v in out.items()}


def overdue_cases(session, user, department_id=None, today=None):
    """Cases with a running clock past its due date (超期: the 受理告知 or the 办理 clock, as the
    case list's 超期 filter and the dashboard count them), grouped by department:
    [(dept_name, [row dict])], oldest due date first."""
    from sqlalchemy.orm import joinedload
    from models.enums import STATUSES
    from services import deadlines
    today = today or office_today()
    scope = _case_scope(session, user, department_id)
    cases = session.execute(
        select(Case).outerjoin(Department, Department.id == Case.department_id)
        .options(joinedload(Case.department), joinedload(Case.handler))
        .where(scope, deadlines.overdue_clause(today))
        .order_by(Department.sort_order, Department.name, Case.id)).scalars().all()
    names = _petitioner_names(session, user, cases)
    clocks = {"accept": "受理告知", "handle": "办理"}
    items = []
    for c in cases:
        late = sorted((due, clock) for clock, due in deadlines.running_dues(c) if due < today)
        if not late:
            continue
        due, clock = late[0]
        items.append((c.department.sort_order if c.department else 10**6,
                      c.department.name if c.department else "未交办", due, c.id, c, clock))
    groups = []
    for _order, dept, due, _id, c, clock in sorted(items, key=lambda t: t[:4]):
        if not groups or groups[-1][0] != dept:
            groups.append((dept, []))
        groups[-1][1].append({
            "id": c.id, "number": c.number, "received_on": c.received_on,
            "petitioners": names.get(c.id, ""), "category": c.category, "summary": c.summary,
            "status": STATUSES.get(c.status, c.status), "handler": c.handler.full_name if c.handler else "",
            "clock": clocks[clock], "due": due, "days_overdue": (today - due).days,
        })
    return groups


OVERDUE_COLUMNS = [
    excel.Column("序号", 6, "int"), excel.Column("责任单位", 22), excel.Column("编号", 14),
    excel.Column("收件日期", 11, "date"), excel.Column("信访人", 12), excel.Column("问题分类", 10),
    excel.Column("内容摘要", 40), excel.Column("状态", 9), excel.Column("承办人", 9),
    excel.Column("超期环节", 9), excel.Column("期限", 11, "date"), excel.Column("超期天数", 9, "int"),
]


def write_overdue_sheet(target, session, user, groups, *, scope_name, today=None):
    today = today or office_today()
    office = settings.office_name(session)

    def rows():
        i = 0
        for dept, items in groups:
            yield excel.Section(f"{dept}（{len(items)}件）")
            for r in items:
                i += 1
                yield [i, dept, r["number"], r["received_on"], r["petitioners"], r["category"],
                       r["summary"], r["status"], r["handler"], r["clock"], r["due"], r["days_overdue"]]
    total = sum(len(items) for _, items in groups)
    return excel.write_table(
        target, sheet_title="逾期清单", title=f"{office}信访事项逾期清单",
        subtitle=f"截至{today:%Y年%m月%d日}　范围：{scope_name}", columns=OVERDUE_COLUMNS, rows=rows(),
        totals=["合计", f"{len(groups)}个单位", f"{total}件"],
        footer_lines=[f"制表：{user.full_name}　　制表日期：{today:%Y年%m月%d日}"],
        office=office, period=f"截至{today:%Y年%m月%d日}")


def package_ledger_rows(session, user, today=None):
    """The 包案 ledger rows within the user's reach."""
    from sqlalchemy.orm import selectinload
    from models.enums import PACKAGE_OUTCOMES, PACKAGE_STATUSES
    today = today or office_today()
    items = session.execute(
        select(PackageAssignment).where(_package_scope(session, user, None))
        .options(selectinload(PackageAssignment.progress), selectinload(PackageAssignment.cases))
        .order_by(PackageAssignment.deadline, PackageAssignment.id)).scalars().all()
    visible = set(session.execute(select(Case.id).where(access.case_filter(session, user))).scalars()) \
        if not access.is_office_staff(user) else None
    out = []
    for p in items:
        latest = p.progress[-1] if p.progress else None
        shown = packages.redactor(session, user, p)  # typed text may name an accuser
        out.append({
            "id": p.id, "title": shown(p.title), "leader": p.leader.full_name if p.leader else "",
            "department": p.department.name if p.department else "",
            "person": p.responsible_person, "deadline": p.deadline, "plan": shown(p.plan),
            "status": PACKAGE_STATUSES.get(p.status, p.status),
            "outcome": PACKAGE_OUTCOMES.get(p.outcome, p.outcome or ""),
            "latest_on": latest.on if latest else None, "latest": shown(latest.text) if latest else "",
            "cases": "、".join(c.number for c in p.cases if visible is None or c.id in visible),
            "overdue": packages.is_package_overdue(p, today),
        })
    return out


PACKAGE_COLUMNS = [
    excel.Column("序号", 6, "int"), excel.Column("包案事项", 24), excel.Column("信访事项编号", 18),
    excel.Column("包案领导", 10), excel.Column("责任单位", 20), excel.Column("责任人", 10),
    excel.Column("化解期限", 11, "date"), excel.Column("化解方案", 36), excel.Column("状态", 10),
    excel.Column("化解结果", 10), excel.Column("最新进展日期", 12, "date"), excel.Column("最新进展", 36),
    excel.Column("是否逾期", 8),
]


def write_package_sheet(target, session, user, rows_, today=None):
    today = today or office_today()
    office = settings.office_name(session)
    rows = ([i, r["title"], r["cases"], r["leader"], r["department"], r["person"], r["deadline"],
             r["plan"], r["status"], r["outcome"], r["latest_on"], r["latest"], "逾期" if r["overdue"] else ""]
            for i, r in enumerate(rows_, 1))
    overdue = sum(1 for r in rows_ if r["overdue"])
    return excel.write_table(
        target, sheet_title="包案台账", title=f"{office}领导包案台账", subtitle=f"截至{today:%Y年%m月%d日}",
        columns=PACKAGE_COLUMNS, rows=rows,
        totals=["合计", f"{len(rows_)}件", None, None, None, None, None, None, None, None, None, None,
                f"逾期{overdue}件"],
        footer_lines=[f"制表：{user.full_name}　　制表日期：{today:%Y年%m月%d日}"],
        office=office, period=f"截至{today:%Y年%m月%d日}")


def archive_records(session, user):
    """The archive catalogue within the user's reach."""
    from sqlalchemy.orm import joinedload
    from models import ArchiveRecord
    from models.enums import RETENTION_PERIODS, VOLUME_TYPES
    recs = session.execute(
        select(ArchiveRecord).join(Case, Case.id == ArchiveRecord.case_id)
        .options(joinedload(ArchiveRecord.case))
        .where(access.case_filter(session, user))
        .order_by(ArchiveRecord.filed_on, ArchiveRecord.archive_number)).scalars().all()
    return [{
        "archive_number": r.archive_number, "case_number": r.case.number,
        "category": r.case.category, "summary": r.case.summary,
        "volume_type": VOLUME_TYPES.get(r.volume_type, r.volume_type),
        "retention": RETENTION_PERIODS.get(r.retention, r.retention), "location": r.location,
        "page_count": r.page_count, "closed_on": r.case.closed_on, "filed_on": r.filed_on,
    } for r in recs]


ARCHIVE_COLUMNS = [
    excel.Column("序号", 6, "int"), excel.Column("档号", 18), excel.Column("信访事项编号", 14),
    excel.Column("问题分类", 10), excel.Column("题名（内容摘要）", 40), excel.Column("案卷类型", 9),
    excel.Column("保管期限", 9), excel.Column("存放位置", 14), excel.Column("页数", 6, "int"),
    excel.Column("办结日期", 11, "date"), excel.Column("归档日期", 11, "date"),
]


def write_archive_sheet(target, session, user, rows_, today=None):
    today = today or office_today()
    office = settings.office_name(session)
    rows = ([i, r["archive_number"], r["case_number"], r["category"], r["summary"], r["volume_type"],
             r["retention"], r["location"], r["page_count"], r["closed_on"], r["filed_on"]]
            for i, r in enumerate(rows_, 1))
    return excel.write_table(
        target, sheet_title="档案目录", title=f"{office}信访档案目录", subtitle=f"截至{today:%Y年%m月%d日}",
        columns=ARCHIVE_COLUMNS, rows=rows,
        totals=["合计", f"{len(rows_)}卷", None, None, None, None, None, None,
                sum(r["page_count"] or 0 for r in rows_)],
        footer_lines=[f"制表：{user.full_name}　　制表日期：{today:%Y年%m月%d日}"],
        office=office, period=f"截至{today:%Y年%m月%d日}")


# ---- definitions shared with the assessment (services/assessment.py): one place for each ----------

SKIP_LEVEL = and_(FIRST, Case.is_skip_level.is_(True))
COLLECTIVE = and_(FIRST, Case.is_collective.is_(True))
RATED = Case.satisfaction.isnot(None)
SATISFIED = Case.satisfaction.in_(("satisfied", "basic"))
PACKAGE_RESOLVED = PackageAssignment.outcome.in_(("resolved", "stopped"))


def closed_in(start, end):
    """按期办结率's (and 再信访率's) base: cases closed in the period."""
    return and_(Case.status.in_(("closed", "archived")), Case.closed_on >= start, Case.closed_on <= end)


def closed_on_time():
    """按期: the reply (closed_on when none was recorded) on or before handle_due."""
    answered_by = func.coalesce(Case.replied_on, Case.closed_on)
    return and_(Case.handle_due.isnot(None), answered_by <= Case.handle_due)


def package_finished_in(start, end):
    return and_(PackageAssignment.status == "finished", PackageAssignment.finished_on >= start,
                PackageAssignment.finished_on <= end)


def days_between(session, earlier, later):
    """later - earlier in days, as SQL on either database (dates)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return later - earlier


def petitioned_again(session, window):
    """再信访: a closed case the petitioner petitioned again on (a later case the clerk linked to it
    as 同一事项) within `window` days after closing. A link is confirmed once the clerk decided at
    intake (a registered case holds only the machine's suggestion); any later case, in or out of
    the user's reach, is the petitioner's."""
    later = aliased(Case)
    return select(later.id).where(
        later.repeat_of_id == Case.id, later.status.notin_(("registered", "voided")),
        later.received_on > Case.closed_on,
        days_between(session, Case.closed_on, later.received_on) <= window).exists()
