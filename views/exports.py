"""The ledger (信访事项台账) export of the case list: the list's own scope, search, filters and sort,
handed to services/ledger.py. 导出台账 opens a page choosing the columns (remembered per user);
export.xlsx downloads at once with the remembered columns."""
from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from models import db
from services import access, ledger
from views.adapters import admin_internals
from views.base import send_recorded_xlsx, xlsx_name

NOT_EQUAL = ("不等于", "不为")


def _export_screen():
    return "export" if "export" in access.VIEW_RIGHTS else "case"


class LedgerExportMixin:
    """Adds the ledger (台账) xlsx export to the case list, reusing the view's query and filters."""

    @property
    def can_export_ledger(self):
        return access.may_view(current_user, _export_screen(), access.R)

    def ledger_query(self):
        """The list's query (scope + search + filters + sort) without paging."""
        return admin_internals.list_query(self)

    def _filter_parts(self, args):
        """[(filter, operation, shown value)] of the list's active filters."""
        out = []
        for idx, _name, value in args.filters or ():
            flt = self._filters[idx]
            options = dict(getattr(flt, "options", None) or ())
            shown = "、".join(str(options.get(v, v)) for v in str(value).split(","))
            out.append((flt, str(flt.operation()), shown))
        return out

    def ledger_description(self, args):
        parts = [f"{flt.name}{op}{shown}" for flt, op, shown in self._filter_parts(args)]
        if args.search:
            parts.append(f"搜索“{args.search}”")
        if not access.is_office_staff(current_user):
            parts.append(f"范围：{self._own_department()}可见事项")
        return "筛选条件：" + ("；".join(parts) if parts else "全部")

    def _own_department(self):
        return current_user.department.name if current_user.department else ""

    def ledger_filename(self, args):
        """信访事项台账_超期_县住房和城乡建设局_20261201.xlsx: the filters, the department, the date."""
        parts, dept = [], None
        for flt, op, shown in self._filter_parts(args):
            negated = op in NOT_EQUAL
            yes_no = {str(k) for k, _ in (getattr(flt, "options", None) or ())} == {"1", "0"}
            if str(flt.name) == "责任单位" and not negated:
                dept = shown
            elif yes_no:
                parts.append(("非" if (shown == "否") != negated else "") + str(flt.name))
            elif getattr(flt, "options", None):
                parts.append(("非" if negated else "") + shown)
            else:
                parts.append(f"{flt.name}{op}{shown.replace(' to ', '至')}")
        if args.search:
            parts.append(f"搜索{args.search}")
        if dept is None and not access.is_office_staff(current_user):
            dept = self._own_department()
        return xlsx_name("信访事项台账", *parts, dept)

    def _send_ledger(self, columns):
        try:
            query, args = self.ledger_query()
            description = self.ledger_description(args)
            filename = self.ledger_filename(args)
        except Exception:  # a malformed filter value must not become a 500
            db.session.rollback()
            flash("筛选条件有误，无法导出，请调整后重试。", "error")
            return redirect(self.get_url(".index_view"))
        session, user = db.session, current_user._get_current_object()
        try:
            return send_recorded_xlsx(
                filename,
                lambda path: ledger.write_ledger(path, session, user, query, description=description,
                                                 columns=columns),
                detail=f"信访事项台账；{description}")
        except SQLAlchemyError:
            session.rollback()
            flash("导出失败：筛选条件无法执行，请调整后重试。", "error")
            return redirect(self.get_url(".index_view"))

    @expose("/export.xlsx")
    def export_ledger(self):
        if not self.can_export_ledger:
            abort(403)
        return self._send_ledger(ledger.saved_columns(db.session, current_user))

    @expose("/ledger/", methods=("GET", "POST"))
    def ledger_columns(self):
        """Choose the ledger's columns (remembered for this user), then download."""
        if not self.can_export_ledger:
            abort(403)
        session = db.session
        error = None
        if request.method == "POST":
            names = ledger.COLUMN_NAMES if request.form.get("all") else request.form.getlist("columns")
            try:
                columns = ledger.save_columns(session, current_user, names)
            except ledger.ColumnChoiceError as exc:
                session.rollback()
                error = str(exc)
            else:
                session.commit()
                return self._send_ledger(columns)
            chosen = [n for n in ledger.COLUMN_NAMES if n in set(request.form.getlist("columns"))]
        else:
            chosen = ledger.saved_columns(session, current_user)
        try:
            _query, args = self.ledger_query()
            description = self.ledger_description(args)
        except Exception:  # a malformed filter value: the page still opens
            session.rollback()
            description = "筛选条件有误，请返回列表调整"
        page = self.render("cases/ledger_columns.html", columns=ledger.COLUMN_NAMES, chosen=set(chosen),
                           description=description, error=error,
                           list_url=self.get_url(".index_view", **request.args.to_dict()),
                           action=self.get_url(".ledger_columns", **request.args.to_dict()))
        return (page, 400) if error else page
