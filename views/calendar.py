"""Holiday calendar and office settings (admin). Saving either recomputes open cases' due dates."""
import calendar as pycal
from datetime import date

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select
from wtforms import Form, SelectField, StringField
from wtforms.validators import ValidationError

from models import Holiday, db
from models.enums import DAY_MODES, HOLIDAY_KINDS
from services import ValidationFailed, access, deadlines, holidays, settings
from services.clock import today as office_today
from views.base import SecureBaseView, SecureModelView
from views.saving import saving
from views.trace import ChangeRowsMixin, change_rows


def _recompute(what):
    """Recompute the open cases' due dates after `what` was saved (and committed) by the caller."""
    with saving() as result:
        n = deadlines.recompute_open_cases(db.session)
    if not result.ok:
        flash(f"{what}已保存，但重算期限时有事项正被他人修改，请稍后在“单位设置”中再次保存以重算。", "warning")
        return
    flash(f"{what}已保存，已按新设置重算在办事项期限：{n} 件有变化。", "success")


class HolidayView(ChangeRowsMixin, SecureModelView):
    screen = "holiday"
    change_model = "holiday"
    list_changes = True
    list_template = "trace/list.html"
    column_list = ("day", "kind", "name")
    column_labels = {"day": "日期", "kind": "类型", "name": "名称"}
    column_choices = {"kind": list(HOLIDAY_KINDS.items())}
    column_default_sort = ("day", True)
    column_filters = ("day", "kind")
    form_overrides = {"kind": SelectField}
    form_args = {"kind": {"choices": list(HOLIDAY_KINDS.items()), "label": "类型"},
                 "day": {"label": "日期"}, "name": {"label": "名称"}}

    def on_model_change(self, form, model, is_created):
        message = deadlines.holiday_error(db.session, model)
        if message:
            raise ValidationError(message)

    def after_model_change(self, form, model, is_created):
        _recompute("节假日")

    def after_model_delete(self, model):
        _recompute("节假日")


CLOCKS = (("accept", "受理告知期限（15日）"), ("handle", "办理期限（60日）"),
          ("extend", "延期（最多30日）"), ("review", "复查/复核期限（30日）"))


class OfficeSettingsForm(Form):
    office_name = StringField("单位名称 *")
    number_prefix = StringField("编号前缀", description="如“XF”，编号即为 XF2026-000123；可留空")
    clock_accept_mode = SelectField("受理告知期限计算方式", choices=list(DAY_MODES.items()), validate_choice=False)
    clock_handle_mode = SelectField("办理期限计算方式", choices=list(DAY_MODES.items()), validate_choice=False)
    clock_extend_mode = SelectField("延期期限计算方式", choices=list(DAY_MODES.items()), validate_choice=False)
    clock_review_mode = SelectField("复查复核期限计算方式", choices=list(DAY_MODES.items()), validate_choice=False)
    due_soon_working_days = StringField("临期提醒（工作日）", description="距期限不超过几个工作日提示临期，默认3")
    follow_up_required = SelectField("申请结案前须回访", choices=list(settings.YES_NO.items()), validate_choice=False,
                                     description="选择“是”时，须登记回访及满意度后才能申请结案")
    repeat_window_days = StringField("再信访统计期（日）",
                                     description="办结后多少日内就同一事项再次信访计入再信访率，默认90")
    backlog_days = StringField("积案排查期限（日）",
                               description="在办超过多少日的信访事项列入信访积案排查登记表，默认90")
    doc_number_format = StringField("文书文号格式",
                                    description="{类}为文书类别字（告、交、督、复），{年}为年度，{号}为当年序号，如 示信{类}〔{年}〕{号}号")


class OfficeSettingsView(SecureBaseView):
    """单位设置: office name, number prefix, day mode per clock (admin)."""
    screen = "setting"

    @expose("/", methods=("GET", "POST"))
    def index(self):
        editable = access.may_view(current_user, self.screen, access.E)
        keys = [f.name for f in OfficeSettingsForm()]
        if request.method == "POST":
            if not editable:
                return self.render("moves/settings.html", form=OfficeSettingsForm(request.form),
                                   editable=False, error="您无权修改单位设置", change_rows=[]), 403
            form = OfficeSettingsForm(request.form)
            # The settings and the recompute they cause are one transaction: "已保存" only after it
            # committed; a failed recompute leaves the old settings, and the page says so.
            with saving() as result:
                settings.save(db.session, {key: getattr(form, key).data for key in keys})
                changed = deadlines.recompute_open_cases(db.session)
            if not result.ok:
                fields = {k: v for k, v in result.errors.items() if hasattr(form, k)}
                for key, messages in fields.items():
                    getattr(form, key).errors = messages
                error = ("请按提示修改后再保存" if fields else
                         "未保存：重算期限时有事项正被他人修改，设置保持不变，请稍后重新保存")
                return self.render("moves/settings.html", form=form, editable=True, error=error,
                                   change_rows=change_rows("setting")), 400 if fields else 409
            flash(f"单位设置已保存，已按新设置重算在办事项期限：{changed} 件有变化。", "success")
            return redirect(url_for(".index"))
        form = OfficeSettingsForm(data={k: settings.get(db.session, k) for k in keys})
        return self.render("moves/settings.html", form=form, editable=editable, error=None,
                           change_rows=change_rows("setting"))


def year_grid(session, year, marks, names):
    """Twelve months of weeks (Monday first) of the year's days: each day's mark (holiday,
    workday or none), its name, and the law's statutory holiday when the year is not complete."""
    cal = deadlines.load_calendar(session)
    statutory = holidays.statutory_days(year) if year not in cal.complete_years else {}
    months = []
    for month in range(1, 13):
        weeks = []
        for week in pycal.Calendar(firstweekday=0).monthdatescalendar(year, month):
            weeks.append([{
                "day": d, "in_month": d.month == month, "mark": marks.get(d, ""),
                "name": names.get(d, ""), "statutory": statutory.get(d, ""), "weekend": d.weekday() >= 5,
            } for d in week])
        months.append({"month": month, "weeks": weeks})
    return months


class HolidayYearView(SecureBaseView):
    """放假安排: a year's State Council notice entered on one page, by clicking days on a
    12-month grid or pasting the notice's lines (parsed and shown before saving)."""
    screen = "holiday"
    column_labels = {"complete": "放假通知已完整录入"}  # the change rows' field label

    def _page(self, year, marks, names, complete, parsed=None, notice="", errors=None, status=200):
        editable = access.may_view(current_user, self.screen, access.E)
        return self.render("calendar/year.html", year=year, editable=editable, parsed=parsed,
                           notice=notice, errors=errors or [], complete=complete,
                           months=year_grid(db.session, year, marks, names),
                           provisional=year in deadlines.provisional_years(db.session, [year]),
                           weekdays="一二三四五六日", note=holidays.PROVISIONAL_NOTE,
                           change_rows=change_rows("holiday_year", str(year))), status

    def _stored(self, year):
        rows = db.session.execute(select(Holiday).where(
            Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))).scalars()
        marks, names = {}, {}
        for h in rows:
            marks[h.day], names[h.day] = h.kind, h.name
        return marks, names

    @expose("/", methods=("GET", "POST"))
    def index(self):
        source = request.form if request.method == "POST" else request.args
        error = None
        try:
            year = holidays.read_year(source.get("year") or self._default_year())
        except ValidationFailed as exc:
            year, error = office_today().year, exc.message
        marks, names = self._stored(year)
        complete = year not in deadlines.provisional_years(db.session, [year])
        if error or request.method == "GET":
            return self._page(year, marks, names, complete, errors=[error] if error else [],
                              status=400 if error else 200)
        if not access.may_view(current_user, self.screen, access.E):
            return self._page(year, marks, names, complete, errors=["您无权修改放假安排"], status=403)
        if request.form.get("action") == "parse":
            notice = request.form.get("notice", "")[:20000]
            parsed = holidays.parse_notice(notice, year)
            marks = {d: kind for d, kind, _ in parsed.rows}
            names = {d: name for d, _, name in parsed.rows}
            return self._page(year, marks, names, not parsed.errors and not parsed.missing,
                              parsed=parsed, notice=notice)
        try:
            marks, names = holidays.read_marks(year, request.form)
        except ValidationFailed as exc:
            return self._page(year, marks, names, complete, errors=[exc.message], status=400)
        with saving() as result:
            n_off, n_on = holidays.save_year(db.session, year, marks, names,
                                             request.form.get("complete") == "1")
        if not result.ok:
            return self._page(year, marks, names, complete, errors=[result.message],
                              status=409 if result.conflict else 400)
        flash(f"{year}年放假安排：放假{n_off}天，调休上班{n_on}天。", "info")
        _recompute(f"{year}年放假安排")
        return redirect(url_for(".index", year=year))

    def _default_year(self):
        today = office_today()
        missing = deadlines.provisional_years(db.session, [today.year, today.year + 1])
        return missing[0] if missing else today.year


def register(admin):
    admin.add_view(HolidayView(Holiday, name="节假日", endpoint="holiday", category="系统管理"))
    admin.add_view(HolidayYearView(name="放假安排（按年）", endpoint="holiday_year",
                                   url="/admin/holiday-year", category="系统管理"))
    admin.add_view(OfficeSettingsView(name="单位设置", endpoint="office_settings", url="/admin/office-settings",
                                      category="系统管理"))
