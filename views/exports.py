"""The ledger (信访事项台账) export of the case list: the list's own scope, search, filters and sort,
handed to services/ledger.py."""
from datetime import datetime

from flask import abort, flash, redirect
from flask_admin import expose
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from models import db
from services import access, ledger
from services.clock import OFFICE_TZ
from views.adapters import admin_internals
from views.base import send_recorded_xlsx


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

    def ledger_description(self, args):
        parts = []
        for idx, _name, value in args.filters or ():
            flt = self._filters[idx]
            options = dict(getattr(flt, "options", None) or ())
            shown = "、".join(str(options.get(v, v)) for v in str(value).split(","))
            parts.append(f"{flt.name}{flt.operation()}{shown}")
        if args.search:
            parts.append(f"搜索“{args.search}”")
        if not access.is_office_staff(current_user):
            dept = current_user.department.name if current_user.department else ""
            parts.append(f"范围：{dept}可见事项")
        return "筛选条件：" + ("；".join(parts) if parts else "全部")

    @expose("/export.xlsx")
    def export_ledger(self):
        if not self.can_export_ledger:
            abort(403)
        try:
            query, args = self.ledger_query()
            description = self.ledger_description(args)
        except Exception:  # a malformed filter value must not become a 500
            db.session.rollback()
            flash("筛选条件有误，无法导出，请调整后重试。", "error")
            return redirect(self.get_url(".index_view"))
        session, user = db.session, current_user._get_current_object()
        try:
            return send_recorded_xlsx(
                f"信访事项台账_{datetime.now(OFFICE_TZ):%Y%m%d}.xlsx",
                lambda path: ledger.write_ledger(path, session, user, query, description=description),
                detail=f"信访事项台账；{description}")
        except SQLAlchemyError:
            session.rollback()
            flash("导出失败：筛选条件无法执行，请调整后重试。", "error")
            return redirect(self.get_url(".index_view"))
