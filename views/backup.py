"""系统管理 → 备份: start a backup and download it (both audited), past backups with size and
result, the reminder period, and the attachment check. Rules live in services/backup.py."""
from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_login import current_user

from models import BackupRun, db
from services import access, attachments, audit, backup, settings
from services.inputs import InputError, parse_int
from views.base import SecureBaseView

MAX_AGE_LIMIT = 366


def human_size(n):
    if n is None:
        return ""
    for unit in ("字节", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "字节" else f"{n:.1f} {unit}"
        n /= 1024


class BackupView(SecureBaseView):
    screen = "backup"

    def _page(self, checked=None, status=200):
        return self.render(
            "backup/index.html", runs=backup.runs(db.session), last=backup.last_good(db.session),
            warning=backup.stale_warning(db.session), max_age=backup.max_age_days(db.session),
            checked=checked, problems=attachments.PROBLEMS, size=human_size, file_of=backup.file_of,
            may_start=access.may_view(current_user, self.screen, access.C)), status

    @expose("/")
    def index(self):
        return self._page()

    @expose("/start/", methods=("POST",))
    def start(self):
        if not access.may_view(current_user, self.screen, access.C):
            abort(403)
        run = backup.make_backup(current_app, actor=current_user, via="web")
        audit.record(db.session, current_user, "backup", ip=request.remote_addr,
                     detail=f"{run.filename or '（未生成文件）'}：{run.message}")
        db.session.commit()
        flash(f"{run.message}：{run.filename}" if run.filename else run.message,
              "success" if run.ok else "danger")
        return redirect(url_for(".index"))

    @expose("/download/<int:run_id>")
    def download(self, run_id):
        if not access.may_view(current_user, self.screen, access.C):
            abort(403)
        run = db.session.get(BackupRun, run_id)
        path = backup.file_of(run) if run is not None else None
        if path is None:
            abort(404)
        audit.record(db.session, current_user, "backup_download", ip=request.remote_addr,
                     detail=f"{run.filename}（{human_size(run.size)}）")
        db.session.commit()
        return send_file(path, mimetype="application/gzip", as_attachment=True, download_name=run.filename)

    @expose("/check/", methods=("POST",))
    def check(self):
        found = attachments.check_files(db.session, current_app.config["ATTACHMENT_DIR"])
        bad = sum(1 for _a, p in found if p != "unhashed")
        audit.record(db.session, current_user, "file_check", ip=request.remote_addr,
                     detail=f"缺失或已改动 {bad} 个")
        db.session.commit()
        return self._page(checked=found)

    @expose("/settings/", methods=("POST",))
    def save_settings(self):
        if not access.may_view(current_user, self.screen, access.C):
            abort(403)
        try:
            days = parse_int(request.form.get("max_age"), settings.LABELS["backup_max_age_days"], 1,
                             MAX_AGE_LIMIT, required=True)
        except InputError as exc:
            flash(exc.message, "danger")
            return redirect(url_for(".index"))
        settings.set_value(db.session, "backup_max_age_days", days)
        db.session.commit()
        flash(f"已设置：最近一次成功备份超过 {days} 天时在工作台提醒。", "success")
        return redirect(url_for(".index"))


def register(admin):
    admin.add_view(BackupView(name="备份", endpoint="backup", url="/admin/backup", category="系统管理"))
