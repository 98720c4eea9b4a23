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

    def _change(self, work):
        """Run `work()` (a service call returning the flash message) for a user with the edit
        right, commit, and go back to the list."""
        if not access.may_view(current_user, self.screen, access.E):
            return self.inaccessible_callback("edit")
        with saving(flash_errors=True) as result:
            message = work()
        if result.ok:
            flash(message, "success")
        return redirect(url_for(".index"))

    @expose("/link/", methods=("POST",))
    def link(self):
        def work():
            party = departments.link_party(db.session, current_user, request.form.get("party_id"),
                                           request.form.get("department_id"), ip=request.remote_addr)
            return f"已将“{party.name}”关联到“{party.department.name}”。"
        return self._change(work)

    @expose("/relink/", methods=("POST",))
    def relink(self):
        def work():
            n = departments.relink(db.session, current_user, ip=request.remote_addr)
            return f"已按单位名称和简称关联 {n} 个被反映单位。" if n else "没有可以按名称或简称关联的被反映单位。"
        return self._change(work)
