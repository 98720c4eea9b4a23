"""系统管理 → 未关联的被反映单位: accused units not linked to a department, each linked by hand,
and 按简称重新关联 once the office has configured the departments' short names."""
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from models import db
from services import access, departments
from views.base import SecureBaseView
from views.saving import saving


class UnlinkedAccusedView(SecureBaseView):
    screen = "accused_link"

    @expose("/")
    def index(self):
        return self.render("accused/unlinked.html", rows=departments.unlinked_accused_units(db.session),
                           total=departments.unlinked_count(db.session),
                           choices=departments.picker_choices(db.session),
                           may_edit=access.may_view(current_user, self.screen, access.E))

    def _check_edit(self):
        if not access.may_view(current_user, self.screen, access.E):
            return self.inaccessible_callback("edit")
        return None

    @expose("/link/", methods=("POST",))
    def link(self):
        refused = self._check_edit()
        if refused is not None:
            return refused
        with saving(flash_errors=True) as result:
            party = departments.link_party(db.session, current_user, request.form.get("party_id"),
                                           request.form.get("department_id"), ip=request.remote_addr)
        if result.ok:
            flash(f"已将“{party.name}”关联到“{party.department.name}”。", "success")
        return redirect(url_for(".index"))

    @expose("/relink/", methods=("POST",))
    def relink(self):
        refused = self._check_edit()
        if refused is not None:
            return refused
        with saving(flash_errors=True) as result:
            n = departments.relink(db.session, current_user, ip=request.remote_addr)
        if result.ok:
            flash(f"已按单位名称和简称关联 {n} 个被反映单位。" if n else "没有可以按名称或简称关联的被反映单位。",
                  "success")
        return redirect(url_for(".index"))
