"""考核 (目标管理责任制): the departments' year (or quarter) assessment against the year's scheme.

Indicators (INDICATORS, name -> Indicator): each computes, by one SQL aggregation grouped by
department, {department_id: Figure(numerator, denominator or None, case-id query of the
numerator)}. The definitions are the statistics report's (services/statistics.py), so a rate here
and there is the same number:
- 及时受理率, 按期办结率, 满意率, 再信访率, 包案化解率: as in the 信访工作统计表, per responsible
  department (Case.department_id; PackageAssignment.department_id);
- 越级访, 集体访: first petitions received in the period so flagged; 越级集体访 both at once;
- 督办按时回应率: a 督办 (the supervise move, a CaseEvent) is answered on time when, within
  SUPERVISE_ANSWER_DAYS days (the seeds: 处理结果五日内反馈; 督办件要书面报送结果, 不能按时办结的报出
  办理进度), the supervised department answers in writing on the case: a reply (答复), an extension
  request (its reason is the progress report), a return (退回, not ours) or a close request. Base:
  the 督办 of the period answered, or whose answer time has run out;
- 排查按时报送率: services.screening.report_timeliness when that module provides it (no cases
  behind it).
Scoring (AssessmentItem.rule): linear (rates), deduct (points per occurrence, at most the weight),
veto (一票否决: any occurrence and the department's total is 0, marked 否决). A rate without a base
(no cases to judge) scores full points.
"""
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import and_, case, false, func, select
from sqlalchemy.orm import aliased

from models import AssessmentItem, AssessmentScheme, Case, CaseEvent, Department, PackageAssignment, package_cases
from models.base import utcnow
from services import ValidationFailed, access, settings, statistics as st
from services.clock import OFFICE_TZ, today as office_today

Figure = namedtuple("Figure", "num den cases")

SUPERVISE_ANSWER_DAYS = 5
SUPERVISE_ANSWERS = ("reply", "extend_request", "return", "close_request")
NOT_VOIDED = Case.status != "voided"


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    kind: str  # rate | count
    compute: object  # (session, start, end, today) -> {dept_id: Figure}
    drill: object = None  # (session, start, end, today, dept_id, part) -> select(Case.id) | None
    basis: str = ""
    higher_better: bool = True

    @property
    def unit(self):
        return "%" if self.kind == "rate" else "次"

    def __call__(self, session, start, end, today=None):
        return self.compute(session, start, end, today or office_today())


def _n(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


# ---- indicators on Case rows -----------------------------------------------------------------------

def _case_indicator(code, label, base_fn, num_fn, basis, higher_better=True):
    """A rate over cases: base_fn(session, start, end, today) and num_fn(session, today) are
    clauses on Case; the department is the responsible one."""

    def clauses(session, start, end, today):
        return and_(NOT_VOIDED, base_fn(session, start, end, today)), num_fn(session, today)

    def compute(session, start, end, today):
        base, num = clauses(session, start, end, today)
        rows = session.execute(select(Case.department_id, func.count(Case.id), _n(num))
                               .where(base, Case.department_id.isnot(None)).group_by(Case.department_id))
        return {d: Figure(int(n), int(total), select(Case.id).where(base, num, Case.department_id == d))
                for d, total, n in rows}

    def drill(session, start, end, today, dept_id, part):
        base, num = clauses(session, start, end, today)
        where = [base, Case.department_id == dept_id] + ([num] if part == "num" else [])
        return select(Case.id).where(*where)

    return Indicator(code, label, "rate", compute, drill, basis, higher_better)


def _count_indicator(code, label, clause, basis):
    """Occurrences: first petitions received in the period matching `clause`."""

    def where(start, end):
        return and_(NOT_VOIDED, clause, Case.received_on >= start, Case.received_on <= end)

    def compute(session, start, end, today):
        w = where(start, end)
        rows = session.execute(select(Case.department_id, func.count(Case.id))
                               .where(w, Case.department_id.isnot(None)).group_by(Case.department_id))
        return {d: Figure(int(n), None, select(Case.id).where(w, Case.department_id == d)) for d, n in rows}

    def drill(session, start, end, today, dept_id, part):
        return select(Case.id).where(where(start, end), Case.department_id == dept_id)

    return Indicator(code, label, "count", compute, drill, basis)


def _received_in(session, start, end, today):
    return and_(Case.received_on >= start, Case.received_on <= end, st.accept_notice_owed(today))


def _closed_with_due(session, start, end, today):
    return and_(st.closed_in(start, end), Case.handle_due.isnot(None))


def _rated_in(session, start, end, today):
    return and_(st.answered_between(start, end), st.RATED)


def _closed_in(session, start, end, today):
    return st.closed_in(start, end)


def _again(session, today):
    return st.petitioned_again(session, settings.repeat_window_days(session))


# ---- 包案化解率 (packages; the cases behind them for the drill-down) ---------------------------------

def _package_compute(session, start, end, today):
    where = st.package_finished_in(start, end)
    rows = session.execute(select(PackageAssignment.department_id, func.count(PackageAssignment.id),
                                  _n(st.PACKAGE_RESOLVED)).where(where)
                           .group_by(PackageAssignment.department_id))
    return {d: Figure(int(n), int(total), _package_cases(start, end, d, "num")) for d, total, n in rows}


def _package_cases(start, end, dept_id, part):
    where = [st.package_finished_in(start, end), PackageAssignment.department_id == dept_id]
    if part == "num":
        where.append(st.PACKAGE_RESOLVED)
    return select(package_cases.c.case_id).join(
        PackageAssignment, PackageAssignment.id == package_cases.c.package_id).where(*where)


def _package_drill(session, start, end, today, dept_id, part):
    return _package_cases(start, end, dept_id, part)


# ---- 督办按时回应率 (CaseEvent rows) -----------------------------------------------------------------

def utc_bounds(start, end):
    """[start 00:00, the day after end 00:00) of office dates, as naive UTC (CaseEvent.at)."""
    def utc(d):
        return datetime.combine(d, time(), OFFICE_TZ).astimezone(timezone.utc).replace(tzinfo=None)
    return utc(start), utc(end + timedelta(days=1))


def _within_days(session, earlier, later, days):
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier) <= days
    return later - earlier <= timedelta(days=days)


def _supervise_clauses(session, start, end):
    lo, hi = utc_bounds(start, end)
    sv = CaseEvent
    answer = aliased(CaseEvent)
    on_time = select(answer.id).where(
        answer.case_id == sv.case_id, answer.action.in_(SUPERVISE_ANSWERS),
        answer.from_department_id == sv.to_department_id, answer.at > sv.at,
        _within_days(session, sv.at, answer.at, SUPERVISE_ANSWER_DAYS)).exists()
    answered = select(answer.id).where(
        answer.case_id == sv.case_id, answer.action.in_(SUPERVISE_ANSWERS),
        answer.from_department_id == sv.to_department_id, answer.at > sv.at).exists()
    owed = answered | (sv.at < utcnow() - timedelta(days=SUPERVISE_ANSWER_DAYS))
    base = and_(sv.action == "supervise", sv.at >= lo, sv.at < hi, sv.to_department_id.isnot(None), owed,
                NOT_VOIDED)  # with the join on Case (_supervised)
    return base, on_time


def _supervised(*columns):
    return select(*columns).join(Case, Case.id == CaseEvent.case_id)


def _supervise_compute(session, start, end, today):
    base, on_time = _supervise_clauses(session, start, end)
    rows = session.execute(_supervised(CaseEvent.to_department_id, func.count(CaseEvent.id), _n(on_time))
                           .where(base).group_by(CaseEvent.to_department_id))
    return {d: Figure(int(n), int(total), _supervise_drill(session, start, end, today, d, "num"))
            for d, total, n in rows}


def _supervise_drill(session, start, end, today, dept_id, part):
    base, on_time = _supervise_clauses(session, start, end)
    where = [base, CaseEvent.to_department_id == dept_id] + ([on_time] if part == "num" else [])
    return _supervised(CaseEvent.case_id).where(*where)


# ---- the registry ------------------------------------------------------------------------------------

def _screening_indicator():
    """排查按时报送率, active only where services.screening provides report_timeliness."""
    try:
        from services import screening
    except ImportError:
        return None
    timeliness = getattr(screening, "report_timeliness", None)
    if timeliness is None:
        return None

    def compute(session, start, end, today):
        return {d: Figure(int(on_time), int(required), None)
                for d, (on_time, required) in timeliness(session, start, end).items()}

    return Indicator("screening_rate", "排查按时报送率", "rate", compute, None,
                     "按时报送（含零报告）的排查批次 / 应报送的排查批次")


def build_registry():
    found = [
        _case_indicator("accept_rate", "及时受理率", _received_in,
                        lambda s, today: st.accept_notice_on_time(),
                        "按时受理告知 / 期内收件中应受理告知的件数"),
        _case_indicator("close_rate", "按期办结率", _closed_with_due, lambda s, today: st.closed_on_time(),
                        "按期答复 / 期内办结的件数（以答复日期对照办理期限）"),
        _case_indicator("satisfaction_rate", "满意率", _rated_in, lambda s, today: st.SATISFIED,
                        "满意及基本满意 / 期内答复或办结且参评的件数"),
        _case_indicator("again_rate", "再信访率", _closed_in, _again,
                        "办结后规定期限内就同一事项再次信访 / 期内办结的件数", higher_better=False),
        Indicator("package_rate", "包案化解率", "rate", _package_compute, _package_drill,
                  "化解或息诉罢访 / 期内结束的包案（明细列出包案所含信访事项）"),
        Indicator("supervise_rate", "督办按时回应率", "rate", _supervise_compute, _supervise_drill,
                  f"督办后{SUPERVISE_ANSWER_DAYS}日内责任单位答复、申请延期、退回或申请结案的督办次数 / 期内督办次数"),
        _screening_indicator(),
        _count_indicator("skip_level", "越级访", st.SKIP_LEVEL, "期内收件的越级访件数"),
        _count_indicator("collective", "集体访", st.COLLECTIVE, "期内收件的集体访批次"),
        _count_indicator("skip_collective", "越级集体访", and_(st.SKIP_LEVEL, Case.is_collective.is_(True)),
                         "期内收件中既是越级访又是集体访的批次"),
    ]
    return {i.code: i for i in found if i is not None}


INDICATORS = build_registry()

RULES = {"linear": "线性计分", "deduct": "按次扣分", "veto": "一票否决"}
RULES_BY_KIND = {"rate": ("linear",), "count": ("deduct", "veto")}


# ---- the scheme ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    indicator: str
    rule: str
    weight: float = 0
    floor: float = None
    target: float = None
    per_occurrence: float = None

    @property
    def meta(self):
        return INDICATORS[self.indicator]

    @property
    def description(self):
        if self.rule == "linear":
            if self.meta.higher_better:
                return f"≥{fmt_num(self.target)}%得满分，≤{fmt_num(self.floor)}%得0分，其间按比例计分"
            return f"≤{fmt_num(self.target)}%得满分，≥{fmt_num(self.floor)}%得0分，其间按比例计分"
        if self.rule == "deduct":
            return f"每次扣{fmt_num(self.per_occurrence)}分，扣完{fmt_num(self.weight)}分为止"
        return "发生即考核总分为0（一票否决）"


def fmt_num(x):
    return "" if x is None else (f"{x:.2f}".rstrip("0").rstrip("."))


# The office's default scheme: used for a year without a saved one, and the start of the first.
DEFAULT_RULES = (
    Rule("accept_rate", "linear", 15, 80, 100),
    Rule("close_rate", "linear", 20, 80, 100),
    Rule("satisfaction_rate", "linear", 15, 60, 90),
    Rule("again_rate", "linear", 10, 20, 5),
    Rule("package_rate", "linear", 10, 50, 90),
    Rule("supervise_rate", "linear", 10, 60, 100),
    Rule("screening_rate", "linear", 10, 60, 100),
    Rule("skip_level", "deduct", 5, per_occurrence=1),
    Rule("collective", "deduct", 5, per_occurrence=1),
    Rule("skip_collective", "veto", 0),
)


def _active(rules):
    return [r for r in rules if r.indicator in INDICATORS and r.rule in RULES_BY_KIND[INDICATORS[r.indicator].kind]]


def stored_scheme(session, year):
    return session.execute(select(AssessmentScheme).where(AssessmentScheme.year == year)).scalar_one_or_none()


def rules_of(scheme):
    return [Rule(i.indicator, i.rule, i.weight or 0, i.floor, i.target, i.per_occurrence) for i in scheme.items]


def scheme_for(session, year):
    """(rules, label): the year's saved scheme, else the latest earlier one, else the default."""
    own = stored_scheme(session, year)
    if own is not None:
        return _active(rules_of(own)), f"{year}年度考核方案"
    earlier = session.execute(select(AssessmentScheme).where(AssessmentScheme.year < year)
                              .order_by(AssessmentScheme.year.desc()).limit(1)).scalar_one_or_none()
    if earlier is not None:
        return _active(rules_of(earlier)), f"沿用{earlier.year}年度考核方案（{year}年度尚未制定）"
    return _active(DEFAULT_RULES), f"默认考核方案（{year}年度尚未制定）"


MAX_POINTS = 1000


def _parse_points(value, label, required=True):
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise ValueError(f"请填写{label}")
        return None
    try:
        n = float(text)
    except ValueError:
        raise ValueError(f"{label}应为数字") from None
    if n != n or n in (float("inf"), float("-inf")):
        raise ValueError(f"{label}应为数字")
    if n < 0:
        raise ValueError(f"{label}不能为负数")
    if n > MAX_POINTS:
        raise ValueError(f"{label}不能大于{MAX_POINTS}")
    if round(n, 2) != n:
        raise ValueError(f"{label}最多保留两位小数")
    return n


def parse_rules(form):
    """Rules from the scheme form: for each indicator code, `<code>-on`, `<code>-rule`,
    `<code>-weight`, `<code>-floor`, `<code>-target`, `<code>-per`. Raises ValidationFailed with
    Chinese messages (nothing is stored then)."""
    errors, rules = {}, []
    for code, ind in INDICATORS.items():
        if not form.get(f"{code}-on"):
            continue
        name = f"“{ind.label}”"
        msgs = []
        rule = form.get(f"{code}-rule") or RULES_BY_KIND[ind.kind][0]
        if rule not in RULES_BY_KIND[ind.kind]:
            errors[code] = [f"{name}的计分方式无效"]
            continue

        def points(key, label, required=True):
            try:
                return _parse_points(form.get(f"{code}-{key}"), f"{name}的{label}", required)
            except ValueError as exc:
                msgs.append(str(exc))
                return None

        weight = points("weight", "分值", required=rule != "veto") or 0
        floor = target = per = None
        if rule == "linear":
            floor, target = points("floor", "零分线"), points("target", "满分线")
            if floor is not None and target is not None:
                if max(floor, target) > 100:
                    msgs.append(f"{name}的零分线和满分线应在0至100（%）之间")
                elif ind.higher_better and floor > target:
                    msgs.append(f"{name}的零分线（{fmt_num(floor)}%）不能高于满分线（{fmt_num(target)}%）")
                elif not ind.higher_better and floor < target:
                    msgs.append(f"{name}越低越好：零分线（{fmt_num(floor)}%）不能低于满分线（{fmt_num(target)}%）")
        elif rule == "deduct":
            per = points("per", "每次扣分")
            if per == 0:
                msgs.append(f"{name}的每次扣分应大于0")
        else:
            weight = 0
        if msgs:
            errors[code] = msgs
        else:
            rules.append(Rule(code, rule, weight, floor, target, per))
    if not errors and not rules:
        errors["scheme"] = ["请至少启用一项考核指标"]
    if errors:
        raise ValidationFailed(errors)
    return rules


def save_scheme(session, user, year, rules, note=""):
    """Replace the year's scheme by `rules` (already validated). The caller commits."""
    scheme = stored_scheme(session, year)
    if scheme is None:
        scheme = AssessmentScheme(year=year)
        session.add(scheme)
    scheme.note = note or ""
    scheme.updated_by_id = getattr(user, "id", None)
    scheme.updated_at = utcnow()
    scheme.items = []
    session.flush()  # the old items go first: (scheme, indicator, rule) is unique
    scheme.items = [AssessmentItem(indicator=r.indicator, rule=r.rule, weight=r.weight, floor=r.floor,
                                   target=r.target, per_occurrence=r.per_occurrence, sort_order=i)
                    for i, r in enumerate(rules)]
    session.flush()
    return scheme


def start_year(session, user, year):
    """A new year's scheme: a copy of the latest earlier year's, or of the default. Raises
    ValueError when the year already has one."""
    if stored_scheme(session, year) is not None:
        raise ValueError(f"{year}年度考核方案已存在，可直接修改。")
    rules, _label = scheme_for(session, year)
    return save_scheme(session, user, year, rules)


# ---- the assessment ------------------------------------------------------------------------------------

def score(rule, fig):
    """(value, points, vetoed) of one department on one rule; value is % for rates, count else."""
    num, den = (fig.num, fig.den) if fig is not None else (0, 0 if INDICATORS[rule.indicator].kind == "rate" else None)
    w = float(rule.weight or 0)
    if rule.rule == "linear":
        if not den:
            return None, w, False
        v = 100.0 * num / den
        lo, hi = float(rule.floor), float(rule.target)
        if rule.meta.higher_better:
            pts = w if v >= hi else 0.0 if v <= lo else w * (v - lo) / (hi - lo)
        else:
            pts = w if v <= hi else 0.0 if v >= lo else w * (lo - v) / (lo - hi)
        return v, round(pts, 2), False
    if rule.rule == "deduct":
        return num, round(w - min(w, float(rule.per_occurrence) * num), 2), False
    return num, None, num > 0


@dataclass
class Score:
    rule: Rule
    num: int
    den: int | None
    value: float | None
    points: float | None
    vetoed: bool


@dataclass
class Row:
    department_id: int
    name: str
    scores: list
    total: float = 0
    vetoed: bool = False
    rank: int = 0


@dataclass
class Assessment:
    office: str
    period: object
    scheme_label: str
    rules: list
    rows: list = field(default_factory=list)

    @property
    def full_marks(self):
        return round(sum(float(r.weight or 0) for r in self.rules if r.rule != "veto"), 2)

    @property
    def title(self):
        return f"{self.office}信访工作目标管理考核表"

    @property
    def subtitle(self):
        p = self.period
        return (f"考核期间：{p.label}（{p.start:%Y-%m-%d}至{p.end:%Y-%m-%d}）　{self.scheme_label}"
                f"　满分{fmt_num(self.full_marks)}分")


def assessed_departments(session):
    """Active departments other than the 信访局 itself and the top of a tree (the government)."""
    depts = session.execute(select(Department).where(Department.active.is_(True))
                            .order_by(Department.sort_order, Department.id)).scalars().all()
    parents = {d.parent_id for d in depts}
    return [d for d in depts if d.kind != "office" and not (d.parent_id is None and d.id in parents)]


def visible_department_ids(session, user):
    return access.assessment_dept_ids(session, user)


def assess(session, period, *, visible=None, today=None):
    """Every assessed department scored and ranked (rank among all of them); rows limited to
    `visible` department ids (None = all)."""
    today = today or office_today()
    rules, label = scheme_for(session, period.start.year)
    figures = {code: INDICATORS[code](session, period.start, period.end, today)
               for code in dict.fromkeys(r.indicator for r in rules)}
    rows = []
    for d in assessed_departments(session):
        scores = []
        for r in rules:
            fig = figures[r.indicator].get(d.id)
            value, pts, vetoed = score(r, fig)
            scores.append(Score(r, fig.num if fig else 0, fig.den if fig else (0 if r.meta.kind == "rate" else None),
                                value, pts, vetoed))
        row = Row(d.id, d.name, scores)
        row.vetoed = any(s.vetoed for s in scores)
        row.total = 0.0 if row.vetoed else round(sum(s.points or 0 for s in scores), 2)
        rows.append(row)
    ordered = sorted(rows, key=lambda r: -r.total)
    for i, row in enumerate(ordered):
        row.rank = ordered[i - 1].rank if i and ordered[i - 1].total == row.total else i + 1
    shown = [r for r in ordered if visible is None or r.department_id in visible]
    return Assessment(settings.office_name(session), period, label, rules, shown)


# ---- drill-down: the case list filter's value ----------------------------------------------------------

def drill_value(code, part, dept_id, period):
    return f"{code}~{part}~{dept_id}~{period.start:%Y%m%d}~{period.end:%Y%m%d}"


def parse_drill(value):
    """(indicator, part, dept_id, start, end) or None."""
    try:
        code, part, dept, s, e = str(value).split("~")
        start, end = datetime.strptime(s, "%Y%m%d").date(), datetime.strptime(e, "%Y%m%d").date()
        dept_id = int(dept)
    except (ValueError, TypeError):
        return None
    ind = INDICATORS.get(code)
    if ind is None or ind.drill is None or part not in ("num", "den") or end < start \
            or not 0 < dept_id < 2**31 or (end - start).days > 366:
        return None
    return code, part, dept_id, start, end


def _drill_for(session, user, value):
    """The parsed value when `user` may read that department's assessment, else None."""
    parsed = parse_drill(value)
    if parsed is None:
        return None
    visible = visible_department_ids(session, user)
    return parsed if visible is None or parsed[2] in visible else None


def drill_clause(session, user, value, today=None):
    """A WHERE clause on Case for the cases behind one number (the list adds the viewer's reach)."""
    parsed = _drill_for(session, user, value)
    if parsed is None:
        return false()
    code, part, dept_id, start, end = parsed
    return Case.id.in_(INDICATORS[code].drill(session, start, end, today or office_today(), dept_id, part))


def drill_label(session, user, value):
    parsed = _drill_for(session, user, value)
    if parsed is None:
        return "（无效的考核明细）"
    code, part, dept_id, start, end = parsed
    dept = session.get(Department, dept_id)
    ind = INDICATORS[code]
    what = ("计数" if ind.kind == "count" else "分子") if part == "num" else "基数"
    return f"{dept.name if dept else '未知单位'} {start:%Y-%m-%d}至{end:%Y-%m-%d} {ind.label}（{what}）"
