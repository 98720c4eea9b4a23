"""保管期限 and 销毁鉴定: an archive file leaves the office only through a leader-approved destruction,
which leaves its record; its case number stays taken; no other door removes an archived record."""
import io
import os
from datetime import date

import pytest
from flask import current_app
from sqlalchemy import delete, select, text
from werkzeug.datastructures import FileStorage

from models import ArchiveDestruction, ArchiveRecord, AuditLog, Case, CaseEvent, CaseParty, db
from services import ServiceError, attachments, numbering, retention
from services.registration import PartyInput, RegistrationInput, register_case


def _old_record(filed=date(2016, 3, 1), retention_code="10y"):
    """A demo archive file made ten years old (its retention ends this year, 2026), with a file."""
    record = db.session.execute(select(ArchiveRecord).order_by(ArchiveRecord.id)).scalars().first()
    case = record.case
    db.session.execute(text("UPDATE archive_record SET filed_on = :d, retention = :r WHERE id = :i"),
                       {"d": filed, "r": retention_code, "i": record.id})
    # an attachment uploaded before filing (archived cases take no uploads: put it in directly)
    db.session.execute(text("UPDATE \"case\" SET status = 'closed' WHERE id = :i"), {"i": case.id})
    db.session.expire_all()
    att = attachments.save(db.session, None, db.session.get(Case, case.id),
                           FileStorage(io.BytesIO(b"%PDF old letter"), filename="来信原件.pdf"), "letter",
                           root=current_app.config["ATTACHMENT_DIR"], check=False)
    db.session.flush()
    path = attachments.full_path(att, current_app.config["ATTACHMENT_DIR"])
    db.session.execute(text("UPDATE \"case\" SET status = 'archived' WHERE id = :i"), {"i": case.id})
    db.session.commit()
    db.session.expire_all()
    return db.session.get(ArchiveRecord, record.id), path


def test_expiry_year_follows_the_retention(session):
    record = session.execute(select(ArchiveRecord)).scalars().first()
    record.filed_on, record.retention = date(2020, 5, 1), "30y"
    assert retention.expiry_year(record) == 2050
    record.retention = "permanent"
    assert retention.expiry_year(record) is None and retention.expiry_label(record) == "永久"
    session.rollback()


def test_a_destroyed_file_leaves_its_record_and_its_number_stays_taken(demo_app, make_client):
    record, path = _old_record()
    rid, case_id, archive_number = record.id, record.case_id, record.archive_number
    number = record.case.number
    assert os.path.isfile(path)

    archivist = make_client("archivist")
    page = archivist.get("/admin/destruction/?year=2026").get_data(as_text=True)
    assert archive_number in page and "提请销毁" in page
    # only files whose retention has ended, and a 鉴定意见 is required
    assert archive_number not in archivist.get("/admin/destruction/?year=2030").get_data(as_text=True)
    r = archivist.post(f"/admin/destruction/propose/{rid}", data={"reason": "", "year": "2026"},
                       follow_redirects=True)
    assert "请填写鉴定意见" in r.get_data(as_text=True)
    r = archivist.post(f"/admin/destruction/propose/{rid}", data={"reason": "保管期满，无继续保存价值", "year": "2026"},
                       follow_redirects=True)
    assert f"已提请销毁档案 {archive_number}" in r.get_data(as_text=True)
    # the archivist cannot approve; the file is still there
    assert archivist.post("/admin/destruction/decide/1", data={"approve": "1", "note": "同意"}).status_code == 403
    assert db.session.get(ArchiveRecord, rid) is not None

    leader = make_client("leader")
    page = leader.get("/admin/destruction/").get_data(as_text=True)
    assert "待您审批的销毁申请" in page and archive_number in page
    d = db.session.execute(select(ArchiveDestruction)).scalar_one()
    r = leader.post(f"/admin/destruction/decide/{d.id}", data={"approve": "1", "note": ""}, follow_redirects=True)
    assert "请填写审批意见" in r.get_data(as_text=True)
    r = leader.post(f"/admin/destruction/decide/{d.id}", data={"approve": "1", "note": "同意销毁"},
                    follow_redirects=True)
    page = r.get_data(as_text=True)
    assert f"已批准并销毁档案 {archive_number}" in page

    db.session.expire_all()
    # gone: the record, the case, its events and links, the file on disk
    assert db.session.get(ArchiveRecord, rid) is None and db.session.get(Case, case_id) is None
    assert not db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)).first()
    assert not db.session.execute(select(CaseParty).where(CaseParty.case_id == case_id)).first()
    assert not os.path.exists(path)
    # the trace: who, when, approval, what
    d = db.session.execute(select(ArchiveDestruction)).scalar_one()
    assert (d.status, d.case_number, d.archive_number, d.decision_note) == ("destroyed", number, archive_number, "同意销毁")
    assert d.proposed_by.username == "archivist" and d.decided_by.username == "leader"
    assert d.attachment_count == 1 and d.expiry_year == 2026 and d.destroyed_at is not None
    listed = make_client("admin").get("/admin/destruction/").get_data(as_text=True)
    assert number in listed and "同意销毁" in listed and "保管期满，无继续保存价值" in listed
    actions = [a for (a,) in db.session.execute(select(AuditLog.action).where(
        AuditLog.action.in_(("destruction_propose", "destruction_approve"))))]
    assert sorted(actions) == ["destruction_approve", "destruction_propose"]

    # the number is never given again: a new registration gets another, and even a counter set
    # back skips it
    data = RegistrationInput(channel="phone", received_on=date(2026, 11, 19), purpose="request", category="其他",
                             summary="来电反映路灯不亮。", petitioners=[PartyInput(name="新来电人", phone="13911112222")])
    case = register_case(db.session, None, data, check_role=False)
    db.session.commit()
    assert case.number != number
    year, seq = int(number[:4]), int(number[-6:])
    db.session.execute(text("UPDATE case_counter SET last = :n WHERE prefix = '' AND year = :y"),
                       {"n": seq - 1, "y": year})
    assert numbering.next_number(db.session, year) == f"{year}-{seq + 1:06d}"
    db.session.rollback()


def test_a_file_within_its_retention_or_kept_for_ever_cannot_be_proposed(demo_app, make_client):
    record, _ = _old_record(filed=date(2020, 1, 1))
    archivist = make_client("archivist")
    r = archivist.post(f"/admin/destruction/propose/{record.id}", data={"reason": "想销毁"}, follow_redirects=True)
    assert "期满前不能销毁" in r.get_data(as_text=True)
    db.session.execute(text("UPDATE archive_record SET retention = 'permanent' WHERE id = :i"), {"i": record.id})
    db.session.commit()
    r = archivist.post(f"/admin/destruction/propose/{record.id}", data={"reason": "想销毁"}, follow_redirects=True)
    assert "永久的档案不能销毁" in r.get_data(as_text=True)
    assert db.session.execute(select(ArchiveDestruction)).first() is None


def test_a_denied_destruction_keeps_the_file(demo_app, make_client):
    record, path = _old_record()
    archivist, leader = make_client("archivist"), make_client("leader")
    archivist.post(f"/admin/destruction/propose/{record.id}", data={"reason": "保管期满"})
    d = db.session.execute(select(ArchiveDestruction)).scalar_one()
    r = leader.post(f"/admin/destruction/decide/{d.id}", data={"approve": "0", "note": "仍有查考价值"},
                    follow_redirects=True)
    assert f"已不批准销毁档案 {record.archive_number}" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ArchiveRecord, record.id) is not None and os.path.isfile(path)
    assert db.session.get(ArchiveDestruction, d.id).status == "denied"


def test_no_other_door_removes_an_archived_record(demo_app, make_client):
    record, _ = _old_record()
    rid, case_id = record.id, record.case_id
    # Flask-Admin delete views and the delete action
    for user in ("admin", "archivist", "leader"):
        c = make_client(user)
        assert c.post("/admin/archive/delete/", data={"id": str(rid)}).status_code in (403, 404)
        assert c.post("/admin/archive/action/", data={"action": "delete", "rowid": str(rid)}).status_code in (403, 404)
        assert c.post("/admin/case/delete/", data={"id": str(case_id)}).status_code in (403, 404)
    # the ORM, one row or in bulk, and SQL through the app's session
    with pytest.raises(ServiceError, match="只能经销毁鉴定"):
        db.session.delete(db.session.get(ArchiveRecord, rid))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(ServiceError, match="只能经销毁鉴定"):
        db.session.delete(db.session.get(Case, case_id))
        db.session.flush()
    db.session.rollback()
    for stmt in (delete(ArchiveRecord), delete(CaseEvent).where(CaseEvent.case_id == case_id),
                 text("DELETE FROM archive_record")):
        with pytest.raises(ServiceError, match="只能经销毁鉴定"):
            db.session.execute(stmt)
        db.session.rollback()
    db.session.expire_all()
    assert db.session.get(ArchiveRecord, rid) is not None and db.session.get(Case, case_id) is not None
    # and a destruction record is never deleted
    archivist, leader = make_client("archivist"), make_client("leader")
    archivist.post(f"/admin/destruction/propose/{rid}", data={"reason": "保管期满"})
    d = db.session.execute(select(ArchiveDestruction)).scalar_one()
    leader.post(f"/admin/destruction/decide/{d.id}", data={"approve": "1", "note": "同意"})
    with pytest.raises(ServiceError, match="永久保存"):
        db.session.delete(db.session.get(ArchiveDestruction, d.id))
        db.session.flush()
    db.session.rollback()


def test_destruction_screen_rights(make_client):
    assert make_client("clerk").get("/admin/destruction/").status_code == 403
    assert make_client("handler1").get("/admin/destruction/").status_code == 403
    assert make_client("leader").post("/admin/destruction/propose/1", data={"reason": "x"}).status_code == 403
    r = make_client("archivist").get("/admin/destruction/?year=abc")
    assert r.status_code == 400 and "到期年度" in r.get_data(as_text=True)
