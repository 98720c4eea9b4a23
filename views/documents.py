"""Printed documents (.docx from the case: services/documents.py) and 系统管理 → 文书模板."""
import io
from urllib.parse import quote

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select

from models import Case, db
from services import ServiceError, access, audit, documents
from views.base import SecureBaseView
from views.saving import saving


def _download(name, data, mimetype=documents.DOCX_MIME):
    resp = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
    # An ASCII fallback name plus the UTF-8 one: browsers take the Chinese name.
    resp.headers["Content-Disposition"] = f"attachment; filename=document.docx; filename*=UTF-8''{quote(name)}"
    return resp


class DocumentPrintView(SecureBaseView):
    """POST /admin/documents/<kind>/<case_id>/: the .docx of one document of one case."""
    screen = "case"

    def is_visible(self):
        return False

    @expose("/")
    def index(self):
        return redirect(url_for("case.index_view"))

    @expose("/<kind>/<int:case_id>/", methods=("POST",))
    def print_view(self, kind, case_id):
        if kind not in documents.DOCS:
            abort(404)
        case_id = access.parse_id(case_id)
        case = None if case_id is None else db.session.execute(select(Case).where(
            Case.id == case_id, access.case_filter(db.session, current_user))).scalar_one_or_none()
        if case is None or not documents.may_print(db.session, current_user, case, kind):
            abort(403)  # out of reach and not allowed look the same: nothing about the case
        back = request.form.get("next") or ""
        back = back if back.startswith("/admin/") else url_for("case.details_view", id=case.id)
        out = {}
        with saving() as result:
            out["name"], out["data"] = documents.render(db.session, current_user, case, kind)
        if not result.ok:
            flash(result.message or "文书未能生成", "danger")
            return redirect(back)
        return _download(out["name"], out["data"])


class DocumentTemplateView(SecureBaseView):
    """系统管理 → 文书模板: list, download, upload (checked by filling it with a sample case), restore."""
    screen = "document_template"

    @expose("/")
    def index(self):
        return self.render("documents/templates.html", rows=documents.template_rows(db.session),
                           keys=documents.KEYS)

    @expose("/<kind>/download/")
    def download(self, kind):
        if kind not in documents.DOCS:
            abort(404)
        content, row = documents.template_bytes(db.session, kind)
        name = row.filename if row is not None else f"{documents.DOCS[kind].title}（默认模板）.docx"
        return _download(name, content)

    @expose("/<kind>/upload/", methods=("POST",))
    def upload(self, kind):
        if not access.may_view(current_user, self.screen, access.E):
            abort(403)
        if kind not in documents.DOCS:
            abort(404)
        upload = request.files.get("file")
        content = upload.read() if upload is not None else b""
        filename = (upload.filename if upload is not None else "") or ""
        title = documents.DOCS[kind].title
        with saving() as result:
            if filename and not filename.lower().endswith(".docx"):
                raise ServiceError("请上传 Word（.docx）格式的模板文件")
            documents.upload_template(db.session, current_user, kind, filename, content)
            audit.record(db.session, current_user, "template_upload", f"上传文书模板：{title}（{filename}）",
                         ip=request.remote_addr)
        if result.ok:
            flash(f"已更换“{title}”的模板（已用示例信访事项试填成功）。", "success")
        else:
            flash(f"模板未更换，原模板保持不变：{result.message}", "danger")
        return redirect(url_for(".index"))

    @expose("/<kind>/restore/", methods=("POST",))
    def restore(self, kind):
        if not access.may_view(current_user, self.screen, access.E):
            abort(403)
        if kind not in documents.DOCS:
            abort(404)
        title = documents.DOCS[kind].title
        with saving() as result:
            documents.restore_default(db.session, kind)
            audit.record(db.session, current_user, "template_restore", f"恢复默认文书模板：{title}",
                         ip=request.remote_addr)
        if result.ok:
            flash(f"“{title}”已恢复为默认模板。", "success")
        return redirect(url_for(".index"))


def register(admin):
    admin.add_view(DocumentPrintView(name="打印文书", endpoint="documents", url="/admin/documents"))
    admin.add_view(DocumentTemplateView(name="文书模板", endpoint="doc_templates", url="/admin/doc-templates",
                                        category="系统管理"))
