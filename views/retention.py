"""档案管理 → 销毁鉴定: the files whose retention ends in a chosen year, the archivist's proposals,
the leader's approval, and the destruction records that stay. Rules in services/retention.py."""
from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from models import ArchiveDestruction, ArchiveRecord, db
from models.enums import RETENTION_PERIODS
from services import access, retention
from services.clock import today as office_today
from services.inputs import InputError
from views.base import SecureBaseView
from views.saving import saving


class DestructionView(SecureBaseView):
    screen = "destruction"

    @expose("/")
    def index(self):
        today = office_today()
        error = None
        try:
            year = retention.read_year(request.args.get("year"), today)
        except InputError as exc:
            error, year = exc.message, today.year
        user = current_user
        return self.render(
            "retention/index.html", year=year, this_year=today.year, error=error,
            due=retention.due_records(db.session, user, year), pending=retention.pending(db.session, user),
            destroyed=retention.destroyed(db.session, user), statuses=retention.DESTRUCTION_STATUSES,
            retentions=RETENTION_PERIODS, expiry=retention.expiry_label,
            may_propose=access.may_propose_destruction(db.session, user),
            may_decide=access.may_decide_destruction(db.session, user)), 400 if error else 200

    def _back(self):
        year = request.form.get("year") or ""
        return redirect(url_for(".index", year=year) if year.isdigit() else url_for(".index"))

    @expose("/propose/<int:record_id>", methods=("POST",))
    def propose(self, record_id):
        if not access.may_propose_destruction(db.session, current_user):
            abort(403)
        record = db.session.execute(db.select(ArchiveRecord).where(
            ArchiveRecord.id == record_id, access.scope_filter(db.session, current_user, ArchiveRecord))
        ).scalar_one_or_none()
        if record is None:
            abort(404)
        number = record.archive_number
        with saving(flash_errors=True) as result:
            retention.propose(db.session, current_user, record, request.form.get("reason"),
                              ip=request.remote_addr)
        if result.ok:
            flash(f"已提请销毁档案 {number}，待领导审批。", "success")
        return self._back()

    @expose("/decide/<int:destruction_id>", methods=("POST",))
    def decide(self, destruction_id):
        if not access.may_decide_destruction(db.session, current_user):
            abort(403)
        d = db.session.get(ArchiveDestruction, destruction_id)
        if d is None or (d.record is not None and not access.may_decide_destruction(db.session, current_user, d)):
            abort(404)
        approve = request.form.get("approve") == "1"
        number = d.archive_number
        paths = []
        with saving(flash_errors=True) as result:
            paths = retention.decide(db.session, current_user, d, approve, request.form.get("note"),
                                     current_app.config["ATTACHMENT_DIR"], ip=request.remote_addr)
        if result.ok:
            retention.remove_files(paths)  # only once the destruction is committed
            flash(f"已批准并销毁档案 {number}，销毁记录已保存。" if approve else f"已不批准销毁档案 {number}。",
                  "success")
        return self._back()


def register(admin):
    admin.add_view(DestructionView(name="销毁鉴定", endpoint="destruction", url="/admin/destruction",
                                   category="档案管理"))
