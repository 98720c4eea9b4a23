"""统计报表: the statistics report, the overdue list, the 包案 ledger, the archive catalogue, and the
import of an old Excel ledger. Thin: every figure comes from services/statistics.py or
services/importing.py; every sheet goes through services/excel.py."""
from datetime import datetime

from flask import abort, flash, render_template, request, url_for
from flask_admin import expose
from flask_login import current_user

from models import db
from models.enums import CATEGORIES, CHANNELS, PURPOSES, SOURCES, STATUSES
from services import access, importing, settings, statistics
from services.clock import OFFICE_TZ, today as office_today
from views.base import SecureBaseView, send_recorded_xlsx, send_xlsx, xlsx_name
from views.filters import printed_at
from views.pages import statistics as statistics_page

CATEGORY = "统计报表"


def _user():
    return current_user._get_current_object()


class StatisticsView(SecureBaseView):
    screen = "statistics"

    def _build(self):
        """(report, form values) from the query string; bad input falls back with a message."""
        session, user = db.session, _user()
        try:
            period = statistics.parse_period(request.args)
        except ValueError as exc:
            flash(str(exc), "error")
            period = statistics.parse_period({})
        dept = request.args.get("department") or None
        try:
            rep = statistics.report(session, user, period, dept)
        except ValueError as exc:
            flash(str(exc), "error")
            rep = statistics.report(session, user, period, None)
        return rep

    @expose("/")
    def index(self):
        rep = self._build()
        today = office_today()
        return self.render(
            "reports/statistics.html", rep=rep, args=request.args, today=today,
            choices=statistics.report_department_choices(db.session, _user()),
            kinds=statistics.KINDS, years=range(today.year, today.year - 10, -1),
            fmt_value=statistics_page.fmt_value, fmt_change=statistics_page.fmt_change,
            export_url=url_for(".export", **request.args), print_url=url_for(".print_view", **request.args))

    @expose("/print/")
    def print_view(self):
        """The table for paper (A4): no menus or buttons, the office name, page numbers."""
        rep = self._build()
        return render_template("reports/statistics_print.html", rep=rep, title=rep.title, today=office_today(),
                               fmt_value=statistics_page.fmt_value, fmt_change=statistics_page.fmt_change,
                               printed_at=printed_at())

    @expose("/export.xlsx")
    def export(self):
        rep = self._build()
        user = _user()
        return send_recorded_xlsx(
            xlsx_name("信访工作统计表", rep.period.label, rep.department_name if rep.department_id else ""),
            lambda path: statistics.write_report_sheet(path, rep, filled_by=user.full_name),
            detail=f"信访工作统计表；{rep.subtitle}", row_count=len(rep.lines))


class OverdueView(SecureBaseView):
    screen = "statistics"

    def _groups(self):
        session, user = db.session, _user()
        dept = request.args.get("department") or None
        try:
            dept_id = statistics.resolve_department(session, user, dept)
        except ValueError as exc:
            flash(str(exc), "error")
            dept_id = statistics.resolve_department(session, user, None)
        names = dict(statistics.report_department_choices(session, user))
        return statistics.overdue_cases(session, user, dept_id), dept_id, names.get(dept_id, "全部")

    @expose("/")
    def index(self):
        groups, dept_id, scope_name = self._groups()
        return self.render("reports/overdue.html", groups=groups, dept_id=dept_id, scope_name=scope_name,
                           choices=statistics.report_department_choices(db.session, _user()),
                           today=office_today(), total=sum(len(i) for _, i in groups))

    @expose("/export.xlsx")
    def export(self):
        groups, dept_id, scope_name = self._groups()
        session, user = db.session, _user()
        return send_recorded_xlsx(
            xlsx_name("信访事项逾期清单", scope_name if dept_id else ""),
            lambda path: statistics.write_overdue_sheet(path, session, user, groups, scope_name=scope_name),
            detail=f"逾期清单；范围：{scope_name}")


class SheetsView(SecureBaseView):
    """包案台账 and 档案目录 (each checked against its own screen right)."""

    def is_accessible(self):
        return access.may_view(current_user, "package") or access.may_view(current_user, "archive")

    @expose("/")
    def index(self):
        return self.render("reports/sheets.html",
                           can_packages=access.may_view(current_user, "package"),
                           can_archive=access.may_view(current_user, "archive"))

    @expose("/packages.xlsx")
    def packages(self):
        if not access.may_view(current_user, "package"):
            abort(403)
        return package_ledger()

    @expose("/archive.xlsx")
    def archive(self):
        if not access.may_view(current_user, "archive"):
            abort(403)
        session, user = db.session, _user()
        rows = statistics.archive_records(session, user)
        return send_recorded_xlsx(
            xlsx_name("信访档案目录"),
            lambda path: statistics.write_archive_sheet(path, session, user, rows), detail="信访档案目录")


def package_ledger():
    """包案台账: one sheet (services/statistics.py), in the viewer's scope; used by two menus."""
    session, user = db.session, _user()
    rows = statistics.package_ledger_rows(session, user)
    return send_recorded_xlsx(
        xlsx_name("领导包案台账"),
        lambda path: statistics.write_package_sheet(path, session, user, rows), detail="领导包案台账")


class ImportView(SecureBaseView):
    screen = "import"

    def _page(self, **kw):
        kw.setdefault("parsed", None)
        kw.setdefault("created", None)
        kw.setdefault("errors", [])
        return self.render("reports/import.html", headers=importing.COLUMNS, channels=CHANNELS.values(),
                           purposes=PURPOSES.values(), sources=SOURCES.values(), categories=CATEGORIES,
                           statuses=STATUSES.values(), max_rows=importing.MAX_ROWS, **kw)

    @expose("/")
    def index(self):
        return self._page()

    @expose("/template.xlsx")
    def template(self):
        office = settings.office_name(db.session)
        return send_xlsx("信访事项台账导入模板.xlsx",
                         lambda path: importing.write_template(path, office=office))[0]

    @expose("/upload", methods=("POST",))
    def upload(self):
        if not access.may_view(current_user, "import", access.C):
            abort(403)
        f = request.files.get("file")
        if f is None or not f.filename:
            return self._page(errors=["请选择要导入的 Excel 文件（.xlsx）。"]), 400
        if not f.filename.lower().endswith(".xlsx"):
            return self._page(errors=[importing.FILE_BAD]), 400
        session, user = db.session, _user()
        parsed = importing.parse(f.stream, session)
        if not parsed.ok:
            session.rollback()
            return self._page(parsed=parsed, errors=parsed.errors, filename=f.filename), 400
        try:
            created = importing.commit(session, user, parsed, filename=f.filename)
        except importing.ImportFailed as exc:
            return self._page(parsed=parsed, errors=exc.errors, filename=f.filename), 400
        except Exception:  # anything unexpected: nothing stored, a message instead of a 500
            session.rollback()
            return self._page(parsed=parsed, errors=["导入时发生错误，未导入任何数据，请稍后重试或联系管理员。"],
                              filename=f.filename), 400
        flash(f"已导入{len(created)}件信访事项。", "success")
        return self._page(parsed=parsed, filename=f.filename,
                          created=[(c.original_number, c.number, c.query_code) for c in created])


def register(admin):
    """Statistics, exports and import views are registered here."""
    admin.add_view(StatisticsView(name="信访工作统计表", endpoint="statistics", url="/admin/statistics",
                                  category=CATEGORY))
    admin.add_view(OverdueView(name="逾期清单", endpoint="overdue", url="/admin/overdue", category=CATEGORY))
    admin.add_view(SheetsView(name="包案台账与档案目录", endpoint="sheets", url="/admin/sheets",
                              category=CATEGORY))
    admin.add_view(ImportView(name="导入台账", endpoint="import_ledger", url="/admin/import",
                              category=CATEGORY))
