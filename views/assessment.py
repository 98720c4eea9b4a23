"""统计报表 → 考核 (the departments' assessment, drill-down, Excel) and 系统管理 → 考核方案 (the
year's indicators, weights and scoring rules). Thin: services/assessment.py scores, ranks and
validates; the numbers link to the case list filtered to the cases behind them."""
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from models import AssessmentScheme, db
from services import ValidationFailed, access, assessment, audit, excel, statistics, inputs
from services.clock import today as office_today
from views.base import SecureBaseView, send_recorded_xlsx

QUARTERS = {0: "全年", 1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


def _user():
    return current_user._get_current_object()


def _period(args, today):
    """(period, year, quarter) from year= and quarter= (0 = the whole year); bad input falls back
    to this year with a message."""
    try:
        y = inputs.parse_year(args.get("year"), "考核年份") or today.year
        q = inputs.parse_int(args.get("quarter"), "季度", 0, 4) or 0
    except inputs.InputError as exc:
        flash(exc.message, "error")
        y, q = today.year, 0
    return (statistics.quarter(y, q) if q else statistics.year(y)), y, q


def drill_url(code, part, dept_id, period):
    from views.dashboard import case_list_url
    return case_list_url((None, "AssessmentFilter", assessment.drill_value(code, part, dept_id, period)),
                         require_all=True)


def fmt_value(kind, value):
    if value is None:
        return "—"
    return f"{value:.1f}%" if kind == "rate" else str(value)


def fmt_points(value):
    return "—" if value is None else f"{value:.2f}"


class AssessmentView(SecureBaseView):
    screen = "assessment"

    def _build(self):
        today = office_today()
        period, y, q = _period(request.args, today)
        visible = assessment.visible_department_ids(db.session, _user())
        return assessment.assess(db.session, period, visible=visible, today=today), y, q

    @expose("/")
    def index(self):
        result, y, q = self._build()
        today = office_today()
        return self.render("reports/assessment.html", a=result, year=y, quarter=q, quarters=QUARTERS,
                           years=range(today.year, today.year - 10, -1), fmt_value=fmt_value,
                           fmt_points=fmt_points, drill_url=drill_url, rules=assessment.RULES,
                           export_url=url_for(".export", year=y, quarter=q))

    @expose("/export.xlsx")
    def export(self):
        result, _y, _q = self._build()
        user = _user()
        return send_recorded_xlsx(
            f"信访工作目标管理考核表_{result.period.label}.xlsx",
            lambda path: write_sheet(path, result, filled_by=user.full_name),
            detail=f"考核表；{result.subtitle}", row_count=len(result.rows))


def sheet_rows(result):
    for row in result.rows:
        cells = [row.rank, row.name]
        for s in row.scores:
            kind = s.rule.meta.kind
            cells += [excel.Cell(None if s.value is None else s.value / 100, "pct") if kind == "rate"
                      else excel.Cell(s.value, "int"),
                      "否决" if s.vetoed else excel.Cell(s.points, "num")]
        cells += [excel.Cell(row.total, "num"), "一票否决" if row.vetoed else ""]
        yield cells


def write_sheet(target, result, *, filled_by, filled_on=None):
    filled_on = filled_on or office_today()
    columns = [excel.Column("排名", 6, "int"), excel.Column("单位", 24)]
    groups = [(None, 1), (None, 1)]
    for r in result.rules:
        kind = r.meta.kind
        columns += [excel.Column("指标值", 9, "pct" if kind == "rate" else "int"), excel.Column("得分", 8, "num")]
        groups.append((f"{r.meta.label}（{_points_label(r)}）", 2))
    columns += [excel.Column("总分", 8, "num"), excel.Column("备注", 10)]
    groups += [(None, 1), (None, 1)]
    notes = [f"{r.meta.label}：{r.description}。计算依据：{r.meta.basis}" for r in result.rules]
    return excel.write_table(
        target, sheet_title="考核表", title=result.title, subtitle=result.subtitle, columns=columns,
        header_groups=groups, rows=sheet_rows(result), office=result.office, period=result.period.label,
        footer_lines=notes + [f"填报单位：{result.office}　　填报人：{filled_by}　　"
                              f"填报日期：{filled_on:%Y年%m月%d日}"])


def _points_label(rule):
    return "一票否决" if rule.rule == "veto" else f"{assessment.fmt_num(rule.weight)}分"


class SchemeView(SecureBaseView):
    """考核方案 of a year: read by the office, edited by the admin."""
    screen = "assessment_scheme"

    def _year(self):
        try:
            return inputs.parse_year(request.values.get("year"), "方案年份") or office_today().year
        except inputs.InputError as exc:
            flash(exc.message, "error")
            return office_today().year

    def _page(self, year, errors=None, form=None):
        session = db.session
        stored = assessment.stored_scheme(session, year)
        rules, label = assessment.scheme_for(session, year)
        by_code = {r.indicator: r for r in rules}
        rows = []
        for code, ind in assessment.INDICATORS.items():
            r = by_code.get(code)
            if form is not None:
                values = {k: form.get(f"{code}-{k}", "") for k in ("rule", "weight", "floor", "target", "per")}
                values["on"] = bool(form.get(f"{code}-on"))
            else:
                values = {"on": r is not None, "rule": r.rule if r else assessment.RULES_BY_KIND[ind.kind][0],
                          "weight": assessment.fmt_num(r.weight) if r else "",
                          "floor": assessment.fmt_num(r.floor) if r else "",
                          "target": assessment.fmt_num(r.target) if r else "",
                          "per": assessment.fmt_num(r.per_occurrence) if r else ""}
            rows.append({"code": code, "ind": ind, "vals": values,
                         "rules": [(k, assessment.RULES[k]) for k in assessment.RULES_BY_KIND[ind.kind]],
                         "errors": (errors or {}).get(code, [])})
        today = office_today()
        years = sorted({today.year, today.year + 1, year} | {
            y for (y,) in session.execute(db.select(AssessmentScheme.year))}, reverse=True)
        return self.render("reports/assessment_scheme.html", year=year, stored=stored, label=label,
                           rows=rows, years=years, errors=errors or {},
                           editable=access.may_view(current_user, self.screen, access.E),
                           total=sum(r.weight or 0 for r in rules if r.rule != "veto"))

    @expose("/")
    def index(self):
        return self._page(self._year())

    @expose("/save", methods=("POST",))
    def save(self):
        if not access.may_view(current_user, self.screen, access.E):
            abort(403)
        year = self._year()
        session, user = db.session, _user()
        try:
            rules = assessment.parse_rules(request.form)
        except ValidationFailed as exc:
            session.rollback()
            flash("未保存：请按提示修改后再保存。", "error")
            return self._page(year, exc.errors, request.form), 400
        assessment.save_scheme(session, user, year, rules)
        audit.record(session, user, "assessment_scheme", detail=f"保存{year}年度考核方案（{len(rules)}项指标）",
                     ip=request.remote_addr)
        session.commit()
        flash(f"{year}年度考核方案已保存。", "success")
        return redirect(url_for(".index", year=year))

    @expose("/start", methods=("POST",))
    def start(self):
        if not access.may_view(current_user, self.screen, access.E):
            abort(403)
        year = self._year()
        session, user = db.session, _user()
        try:
            assessment.start_year(session, user, year)
        except ValueError as exc:
            session.rollback()
            flash(str(exc), "error")
            return redirect(url_for(".index", year=year))
        audit.record(session, user, "assessment_scheme", detail=f"新建{year}年度考核方案（复制上一年度）",
                     ip=request.remote_addr)
        session.commit()
        flash(f"已按上一年度方案建立{year}年度考核方案，可逐项修改。", "success")
        return redirect(url_for(".index", year=year))


def register_report(admin):
    admin.add_view(AssessmentView(name="考核", endpoint="assessment", url="/admin/assessment",
                                  category="统计报表"))


def register_scheme(admin):
    admin.add_view(SchemeView(name="考核方案", endpoint="assessment_scheme", url="/admin/assessment-scheme",
                              category="系统管理"))
