"""系统管理 → 备份 and the attachment check: what the admin sees and clicks; a corrupt attachment is
reported and never served."""
import io
import tarfile
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from models import Attachment, AuditLog, BackupRun, Case, db
from models.base import utcnow
from services import attachments, settings


def _actions(action):
    return db.session.execute(select(AuditLog).where(AuditLog.action == action)).scalars().all()


def _upload(client, case_id, name, content):
    return client.post(f"/admin/attachment/upload/{case_id}",
                       data={"file": (io.BytesIO(content), name), "kind": "letter"},
                       content_type="multipart/form-data")


def test_a_corrupt_attachment_is_reported_and_never_served(demo_app, make_client):
    clerk = make_client("clerk")
    case = db.session.execute(select(Case).where(Case.status == "registered").order_by(Case.id)).scalars().first()
    content = b"%PDF-1.4 original letter " * 40
    assert _upload(clerk, case.id, "来信原件.pdf", content).status_code == 302
    assert _upload(clerk, case.id, "证据.pdf", b"%PDF evidence").status_code == 302
    first, second = db.session.execute(select(Attachment).where(Attachment.case_id == case.id)
                                       .order_by(Attachment.id)).scalars().all()
    assert first.sha256 == attachments.file_sha256(attachments.full_path(first, current_app.config["ATTACHMENT_DIR"]))
    r = clerk.get(f"/admin/attachment/{first.id}")
    assert r.status_code == 200 and r.data == content

    root = current_app.config["ATTACHMENT_DIR"]
    path = attachments.full_path(first, root)
    with open(path, "r+b") as f:  # same size, one byte changed
        f.seek(10)
        f.write(b"X")
    r = clerk.get(f"/admin/attachment/{first.id}")
    assert r.status_code == 302 and b"original letter" not in r.data
    page = clerk.get(r.headers["Location"]).get_data(as_text=True)
    assert "该附件文件已损坏或被改动" in page
    assert len(_actions("download_refused")) == 1

    import os
    os.remove(attachments.full_path(second, root))
    result = demo_app.test_cli_runner().invoke(args=["check-files"])
    assert result.exit_code == 1
    assert f"文件已改动（校验值不符）：附件#{first.id} 来信原件.pdf（信访事项 {case.number}" in result.output
    assert f"文件缺失：附件#{second.id} 证据.pdf" in result.output
    assert "缺失或已改动 2 个" in result.output

    admin = make_client("admin")
    page = admin.post("/admin/backup/check/").get_data(as_text=True)
    assert "发现 2 个附件缺失或已改动" in page and "来信原件.pdf" in page and "证据.pdf" in page


def test_check_files_on_a_sound_office(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["check-files"])
    assert result.exit_code == 0 and "缺失或已改动 0 个" in result.output


def test_admin_backs_up_downloads_and_the_dashboard_reminds(demo_app, make_client, tmp_path):
    demo_app.config["BACKUP_DIR"] = str(tmp_path / "bk")
    admin, clerk = make_client("admin"), make_client("clerk")
    assert "尚无成功的备份记录" in admin.get("/admin/").get_data(as_text=True)
    assert 'id="backup-warning"' not in clerk.get("/admin/").get_data(as_text=True)
    assert clerk.get("/admin/backup/").status_code == 403
    assert clerk.post("/admin/backup/start/").status_code == 403
    assert 'href="/admin/backup/"' in admin.get("/admin/").get_data(as_text=True)  # in the 系统管理 menu

    page = admin.post("/admin/backup/start/", follow_redirects=True).get_data(as_text=True)
    run = db.session.execute(select(BackupRun)).scalar_one()
    assert run.ok and run.filename.startswith("xinfang-backup-") and run.size > 0
    assert "备份完成" in page and run.filename in page and "成功" in page
    assert "尚无成功的备份记录" not in admin.get("/admin/").get_data(as_text=True)

    r = admin.get(f"/admin/backup/download/{run.id}")
    assert r.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(r.data), mode="r:gz") as tar:
        assert "manifest.json" in tar.getnames()
    assert len(_actions("backup")) == 1 and len(_actions("backup_download")) == 1
    assert clerk.get(f"/admin/backup/download/{run.id}").status_code == 403

    run.finished_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert "已超过 30 天" in admin.get("/admin/").get_data(as_text=True)
    r = admin.post("/admin/backup/settings/", data={"max_age": "abc"}, follow_redirects=True)
    assert "备份提醒周期（天）应为整数" in r.get_data(as_text=True)
    assert settings.get(db.session, "backup_max_age_days") == "30"
    admin.post("/admin/backup/settings/", data={"max_age": "60"})
    assert 'id="backup-warning"' not in admin.get("/admin/").get_data(as_text=True)
