"""Issue 11 §4 (records change only with a trace) and §5 file names, through the screens: a party's
data on a finished case survives an edit of the party; every edit of a party, user, department,
setting or holiday is a 修改记录 row; party edits are checked as at registration; an assisting
department sees but does not act; downloads and outside openings of accusations are audited; file
names lose direction overrides and unknown types are served as bytes."""
import io
import os
import re

import openpyxl
import pytest
from sqlalchemy import select

from models import (Attachment, AuditLog, Case, CaseAssist, CaseParty, ChangeLog, Department, Holiday,
                    Party, User, db)
from services import access, changes, settings, validation
from tests import test_migrations

fresh_uri = test_migrations.fresh_uri  # the fixture: a brand-new empty database
NEW_NAME, NEW_PHONE, NEW_ADDRESS = "改名后的信访人", "13700001111", "示范县新地址88号"
GOOD_ID = "11010119900307002X"  # a valid check digit (GB 11643)


def _one(model, **where):
    return db.session.execute(select(model).filter_by(**where)).scalar_one()


def _dept(name):
    return _one(Department, name=name)


def _table(body, table_id):
    m = re.search(rf'<table[^>]*id="{table_id}".*?</table>', body, re.S)
    assert m, table_id
    return m.group(0)


def _cells(table):
    """The rows of an HTML table as lists of cell texts."""
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]


def _change_rows(body):
    return _cells(_table(body, "change-rows"))[1:]


def _party_form(party, **changes):
    form = {"name": party.name, "sex": party.sex or "__None", "ethnicity": party.ethnicity or "",
            "id_type": party.id_type or "resident", "id_number": party.id_number or "",
            "phone": party.phone or "", "address": party.address or "", "hukou": party.hukou or "",
            "occupation": party.occupation or ""}
    form.update(changes)
    return form


def _ledger_text(client, number):
    resp = client.get(f"/admin/case/export.xlsx?search={number}")
    assert resp.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(resp.get_data()), read_only=True)
    return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)


# ---- 1. a finished case keeps its party data ------------------------------------------------------

@pytest.fixture
def person(demo_app):
    """The petitioner of an archived case, also named on an open case of another office."""
    link = db.session.execute(
        select(CaseParty).join(Case, Case.id == CaseParty.case_id)
        .where(Case.status == "archived", CaseParty.role == "petitioner")
        .join(Party, Party.id == CaseParty.party_id).where(Party.phone.is_not(None), Party.address.is_not(None))
        .order_by(CaseParty.id)).scalars().first()
    open_case = db.session.execute(select(Case).where(Case.status == "handling", Case.purpose == "request")
                                   .order_by(Case.id)).scalars().first()
    db.session.add(CaseParty(case=open_case, party=link.party, role="petitioner"))
    db.session.commit()
    return {"party": link.party, "archived": link.case, "open": open_case,
            "old": (link.party.name, link.party.phone, link.party.address)}


def test_archived_case_shows_the_data_it_was_filed_with_after_the_party_is_edited(make_client, person):
    party, archived, open_case = person["party"], person["archived"], person["open"]
    old_name, old_phone, old_address = person["old"]
    clerk = make_client("clerk")
    resp = clerk.post(f"/admin/party/edit/?id={party.id}",
                      _party_form(party, name=NEW_NAME, phone=NEW_PHONE, address=NEW_ADDRESS))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Party, party.id).name == NEW_NAME

    archived_parties = _table(clerk.get(f"/admin/case/details/?id={archived.id}").get_data(as_text=True),
                              "case-parties")
    assert old_name in archived_parties and old_phone in archived_parties and old_address in archived_parties
    assert NEW_NAME not in archived_parties and NEW_PHONE not in archived_parties
    open_parties = _table(clerk.get(f"/admin/case/details/?id={open_case.id}").get_data(as_text=True),
                          "case-parties")
    assert NEW_NAME in open_parties and NEW_PHONE in open_parties and NEW_ADDRESS in open_parties
    assert old_phone not in open_parties

    ledger = _ledger_text(clerk, archived.number)
    assert old_name in ledger and NEW_NAME not in ledger  # the ledger has names, no phones
    ledger = _ledger_text(clerk, open_case.number)
    assert NEW_NAME in ledger and old_name not in ledger
    assert [p.name for p in db.session.get(Case, archived.id).petitioners] == [old_name]


def test_a_new_link_takes_the_party_data_and_closed_links_stay(demo_app):
    closed_link = db.session.execute(
        select(CaseParty).join(Case, Case.id == CaseParty.case_id)
        .where(Case.status == "closed").order_by(CaseParty.id)).scalars().first()
    assert closed_link.snapshot["name"] == closed_link.party.name  # filed with the demo
    was = closed_link.party.name
    closed_link.party.name = "新名字"
    db.session.commit()
    db.session.expire_all()
    assert closed_link.snapshot["name"] == was and closed_link.data.name == was


# ---- 2. change rows on each record's page and in the audit screen ----------------------------------

def test_party_edit_is_a_change_row_on_its_page_and_in_the_change_screen(make_client, person):
    party = person["party"]
    old_phone = party.phone
    clerk = make_client("clerk")
    assert clerk.post(f"/admin/party/edit/?id={party.id}", _party_form(party, phone=NEW_PHONE)).status_code == 302
    rows = _change_rows(clerk.get(f"/admin/party/details/?id={party.id}").get_data(as_text=True))
    assert [r[1:] for r in rows] == [["clerk", "联系电话", old_phone, NEW_PHONE], ["系统", "新建", "", party.name]]
    assert _change_rows(clerk.get(f"/admin/party/edit/?id={party.id}").get_data(as_text=True))[0][2:] == \
        ["联系电话", old_phone, NEW_PHONE]
    page = make_client("admin").get("/admin/change_log/?search=" + party.name).get_data(as_text=True)
    assert "联系电话" in page and old_phone in page and NEW_PHONE in page and "信访人" in page
    assert make_client("clerk").get("/admin/change_log/").status_code == 403


def test_user_edit_and_password_change_are_change_rows_without_the_hash(make_client, demo_app):
    bob = _one(User, username="handler2")
    old_hash = bob.password_hash
    admin = make_client("admin")
    form = {"username": bob.username, "full_name": "孙倩倩", "role": "handler",
            "department": str(bob.department_id), "position": bob.position or "", "rank_order": "100",
            "portfolio": "", "phone": "", "active": "y", "new_password": "another-pass-2026"}
    resp = admin.post(f"/admin/user/edit/?id={bob.id}", form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    body = admin.get(f"/admin/user/details/?id={bob.id}").get_data(as_text=True)
    rows = {r[2]: r[3:] for r in _change_rows(body)}
    assert rows["姓名"] == ["孙倩", "孙倩倩"]
    assert rows["密码"] == ["", "已修改"]
    db.session.expire_all()
    new_hash = db.session.get(User, bob.id).password_hash
    stored = " ".join(f"{c.old} {c.new}" for c in db.session.execute(select(ChangeLog)).scalars())
    assert old_hash not in stored and new_hash not in stored
    assert old_hash not in body and new_hash not in body


def test_department_edit_is_a_change_row(make_client, demo_app):
    dept = _dept("县人力资源和社会保障局")
    old_phone = dept.phone or ""
    admin = make_client("admin")
    form = {"name": dept.name, "code": dept.code or "", "kind": dept.kind,
            "parent": str(dept.parent_id) if dept.parent_id else "__None",
            "sort_order": str(dept.sort_order), "phone": "0571-87654321", "active": "y"}
    resp = admin.post(f"/admin/department/edit/?id={dept.id}", form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    rows = _change_rows(admin.get(f"/admin/department/details/?id={dept.id}").get_data(as_text=True))
    assert rows[0][1:] == ["admin", "电话", old_phone, "0571-87654321"]
    assert rows[-1][2:] == ["新建", "", dept.name] and len(rows) == 2


def test_settings_change_is_a_change_row_on_the_settings_page(make_client, demo_app):
    admin = make_client("admin")
    page = admin.get("/admin/office-settings/").get_data(as_text=True)
    old = re.search(r'name="office_name"[^>]*value="([^"]*)"', page).group(1)
    data = {"office_name": "示范县人民来访接待中心", "number_prefix": "", "due_soon_working_days": "3",
            "clock_accept_mode": "calendar", "clock_handle_mode": "working", "clock_extend_mode": "calendar",
            "clock_review_mode": "calendar"}
    assert admin.post("/admin/office-settings/", data).status_code == 302
    rows = {}
    for r in _change_rows(admin.get("/admin/office-settings/").get_data(as_text=True)):
        rows.setdefault(r[2], r[3:])  # the newest row of each setting
    assert rows["单位名称"] == [old, "示范县人民来访接待中心"]
    assert rows["办理期限计算方式"] == ["自然日", "工作日"]


def test_holiday_create_edit_delete_are_change_rows_on_the_calendar(make_client, demo_app):
    admin = make_client("admin")
    assert admin.post("/admin/holiday/new/", {"day": "2027-01-01", "kind": "holiday", "name": "元旦"}).status_code == 302
    day = _one(Holiday, name="元旦", kind="holiday", day=__import__("datetime").date(2027, 1, 1))
    assert admin.post(f"/admin/holiday/edit/?id={day.id}",
                      {"day": "2027-01-01", "kind": "holiday", "name": "元旦节"}).status_code == 302
    assert admin.post("/admin/holiday/delete/", {"id": str(day.id)}).status_code == 302
    rows = _change_rows(admin.get("/admin/holiday/").get_data(as_text=True))
    assert [r[3:] for r in rows[:3]] == [["删除", "2027-01-01 元旦节", ""], ["名称", "元旦", "元旦节"],
                                         ["新建", "", "2027-01-01 元旦"]]
    assert all(r[1] == "admin" for r in rows[:3])


def test_change_rows_follow_the_screens_and_party_filter(demo_app):
    from models import User as U
    rows = lambda username: {r.model for r in db.session.execute(select(ChangeLog).where(
        access.change_filter(db.session, _one(U, username=username)))).scalars()}
    settings.set_value(db.session, "due_soon_working_days", "5")
    db.session.commit()
    assert rows("admin") >= {"party", "user", "department", "holiday", "setting"}
    assert rows("clerk") == {"party", "department", "holiday", "holiday_year"}
    assert rows("handler1") == set() and rows("leader") == set()


def test_changes_outside_a_request_are_the_systems(demo_app):
    party = db.session.execute(select(Party).order_by(Party.id)).scalars().first()
    party.occupation = "退休"
    db.session.commit()
    row = db.session.execute(select(ChangeLog).where(ChangeLog.model == "party", ChangeLog.field == "occupation")
                             ).scalars().one()
    assert (row.username, row.user_id, row.record_id, row.new) == ("系统", None, str(party.id), "退休")


# ---- 3. party edits are checked as at registration --------------------------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("id_number", GOOD_ID[:-1] + "1", validation.ID_CHECKSUM),
    ("phone", "12345", validation.PHONE_BAD),
    ("name", "", "请填写姓名或单位名称。"),
])
def test_party_edit_refuses_what_registration_refuses(make_client, person, field, value, message):
    party = person["party"]
    before = {c: getattr(party, c) for c in ("name", "id_number", "phone")}
    clerk = make_client("clerk")
    resp = clerk.post(f"/admin/party/edit/?id={party.id}", _party_form(party, **{field: value}))
    assert resp.status_code == 200 and message in resp.get_data(as_text=True)
    db.session.expire_all()
    assert {c: getattr(db.session.get(Party, party.id), c) for c in before} == before
    assert db.session.execute(select(ChangeLog).where(
        ChangeLog.model == "party", ChangeLog.record_id == str(party.id), ChangeLog.field != changes.CREATE)).first() is None


def test_party_edit_stores_a_good_id_normalized_and_refuses_anothers(make_client, person):
    party = person["party"]
    clerk = make_client("clerk")
    assert clerk.post(f"/admin/party/edit/?id={party.id}",
                      _party_form(party, id_number=GOOD_ID.lower(), phone="139 1234 5678",
                                  sex="F", birth_date="1990-03-07")).status_code == 302
    db.session.expire_all()
    assert (db.session.get(Party, party.id).id_number, db.session.get(Party, party.id).phone) == \
        (GOOD_ID, "13912345678")
    other = db.session.execute(select(Party).where(Party.id != party.id).order_by(Party.id)).scalars().first()
    resp = clerk.post(f"/admin/party/edit/?id={other.id}", _party_form(other, id_number=GOOD_ID))
    assert "该证件号码已登记为另一信访人" in resp.get_data(as_text=True)


# ---- 4. an assisting department sees but does not act -----------------------------------------------

@pytest.fixture
def assisted(demo_app, tmp_path):
    """A case of 人社局 in handling that 住建局 (handler1) assists."""
    case = db.session.execute(select(Case).where(
        Case.status == "handling", Case.purpose == "request",
        Case.department_id == _dept("县人力资源和社会保障局").id).order_by(Case.id)).scalars().first()
    db.session.add(CaseAssist(case=case, department=_dept("县住房和城乡建设局")))
    db.session.commit()
    return case


def test_assisting_handler_sees_the_case_but_cannot_upload_reply_or_move(make_client, assisted):
    handler1 = make_client("handler1")
    body = handler1.get(f"/admin/case/details/?id={assisted.id}").get_data(as_text=True)
    assert assisted.number in body
    assert 'id="case-moves"' not in body and 'id="attachment-upload"' not in body
    before = len(assisted.attachments)
    resp = handler1.post(f"/admin/attachment/upload/{assisted.id}",
                         {"kind": "evidence", "file": (io.BytesIO(b"%PDF-1.4 x"), "evidence.pdf")},
                         content_type="multipart/form-data")
    assert resp.status_code == 403
    db.session.expire_all()
    assert len(db.session.get(Case, assisted.id).attachments) == before
    resp = handler1.post(f"/admin/moves/reply/{assisted.id}/", {"reply_text": "答复意见", "version": str(assisted.version)},
                         follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(Case, assisted.id).status == "handling"
    assert resp.status_code in (200, 403)
    # the responsible handler (人社局) still may
    body = make_client("handler2").get(f"/admin/case/details/?id={assisted.id}").get_data(as_text=True)
    assert 'id="attachment-upload"' in body and 'id="move-reply"' in body


# ---- 5. audit rows ----------------------------------------------------------------------------------

def _audit(action):
    db.session.expire_all()
    return list(db.session.execute(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).scalars())


def _upload(client, case, name, data=b"%PDF-1.4 test", kind="evidence"):
    return client.post(f"/admin/attachment/upload/{case.id}", {"kind": kind, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_every_download_is_an_audit_row(make_client, assisted):
    handler2 = make_client("handler2")
    assert _upload(handler2, assisted, "证据.pdf").status_code == 302
    att = db.session.execute(select(Attachment).where(Attachment.case_id == assisted.id)
                             .order_by(Attachment.id.desc())).scalars().first()
    for _ in range(2):
        assert make_client("handler1").get(f"/admin/attachment/{att.id}").status_code == 200
    rows = _audit("download")
    assert [r.username for r in rows] == ["handler1", "handler1"]
    assert all(assisted.number in r.detail and "证据.pdf" in r.detail for r in rows)


def test_opening_an_accusation_outside_the_office_is_an_audit_row(make_client, demo_app):
    case = db.session.execute(select(Case).where(
        Case.purpose == "accusation", Case.department_id == _dept("县纪委监委").id).order_by(Case.id)).scalars().first()
    assert make_client("clerk").get(f"/admin/case/details/?id={case.id}").status_code == 200
    assert make_client("admin").get(f"/admin/case/details/?id={case.id}").status_code == 200
    assert _audit("accusation_view") == []
    assert make_client("handler3").get(f"/admin/case/details/?id={case.id}").status_code == 200
    rows = _audit("accusation_view")
    assert [(r.username, case.number in r.detail) for r in rows] == [("handler3", True)]
    request = db.session.execute(select(Case).where(Case.purpose == "request", Case.department_id == _dept(
        "县纪委监委").id)).scalars().first()
    if request is not None:
        make_client("handler3").get(f"/admin/case/details/?id={request.id}")
        assert len(_audit("accusation_view")) == 1


# ---- 6. file names and types ------------------------------------------------------------------------

def test_file_names_drop_direction_overrides_and_control_characters(make_client, assisted):
    handler2 = make_client("handler2")
    assert _upload(handler2, assisted, "invoice\u202efdp.exe\u200f\u2066\x07.pdf").status_code == 302
    att = db.session.execute(select(Attachment).where(Attachment.case_id == assisted.id)
                             .order_by(Attachment.id.desc())).scalars().first()
    assert att.filename == "invoicefdp.exe.pdf"
    body = handler2.get(f"/admin/case/details/?id={assisted.id}").get_data(as_text=True)
    assert "invoicefdp.exe.pdf" in body and "\u202e" not in body


def test_unknown_types_are_served_as_bytes_to_save(make_client, assisted):
    handler2 = make_client("handler2")
    assert _upload(handler2, assisted, "公文.wps", b"<html><script>alert(1)</script></html>").status_code == 302
    att = db.session.execute(select(Attachment).where(Attachment.case_id == assisted.id)
                             .order_by(Attachment.id.desc())).scalars().first()
    resp = handler2.get(f"/admin/attachment/{att.id}")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/octet-stream"
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    # a row stored with the browser's claim (older uploads) is served by its extension all the same
    att.content_type, att.filename = "text/html", "page.html"
    db.session.commit()
    resp = handler2.get(f"/admin/attachment/{att.id}")
    assert resp.headers["Content-Type"] == "application/octet-stream"
    pdf = _upload(handler2, assisted, "reply.pdf")
    assert pdf.status_code == 302
    att = db.session.execute(select(Attachment).where(Attachment.case_id == assisted.id)
                             .order_by(Attachment.id.desc())).scalars().first()
    assert handler2.get(f"/admin/attachment/{att.id}").headers["Content-Type"] == "application/pdf"
    assert os.path.basename(att.stored_path).endswith(".pdf")


# ---- the migration fills the snapshots of existing links ----------------------------------------------

def test_migration_gives_every_existing_link_the_partys_data(fresh_uri, tmp_path):
    import flask_migrate
    from datetime import date as _date, datetime as _datetime
    from sqlalchemy import MetaData, Table
    from app import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": fresh_uri,
                      "ATTACHMENT_DIR": str(tmp_path / "att")})
    with app.app_context():
        flask_migrate.upgrade(directory=test_migrations.MIGRATIONS, revision="609358c4d4cc")
        now = _datetime(2026, 1, 5)
        with db.engine.begin() as conn:
            t = {n: Table(n, MetaData(), autoload_with=conn) for n in ("department", "user", "party", "case", "case_party")}
            conn.execute(t["department"].insert(), {"id": 1, "name": "县信访局", "kind": "office", "sort_order": 0,
                                                    "active": True})
            conn.execute(t["party"].insert(), {"id": 1, "kind": "person", "name": "张三", "id_type": "resident",
                                               "phone": "13912345678", "address": "城关镇1号", "created_at": now})
            flags = {f: False for f in ("is_collective", "is_repeat", "is_skip_level", "is_joint", "is_anonymous",
                                        "is_litigation", "is_urgent", "is_extreme", "extension_used")}
            conn.execute(t["case"].insert(), dict(
                flags, id=1, number="2026-000001", query_code="ABCD1234", channel="letter", source="own",
                purpose="request", category="其他", received_on=_date(2026, 1, 5), registered_at=now,
                summary="s", demands="", incident_place="", people_count=1, status="archived", review_level=0,
                version=1, created_at=now, updated_at=now))
            conn.execute(t["case_party"].insert(), {"id": 1, "case_id": 1, "party_id": 1, "role": "petitioner"})
        flask_migrate.upgrade(directory=test_migrations.MIGRATIONS)
        link = db.session.get(CaseParty, 1)
        assert (link.snapshot["name"], link.snapshot["phone"], link.snapshot["address"]) == \
            ("张三", "13912345678", "城关镇1号")
        link.party.name = "李四"
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(CaseParty, 1).data.name == "张三"
        db.session.remove()
        db.engine.dispose()
