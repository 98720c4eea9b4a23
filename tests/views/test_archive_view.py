"""档案管理 through HTTP as the office uses it: the record page (audited), 借阅 request → leader's
approval → archivist's return, every refusal in Chinese, overdue highlighting, read-only records."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import ArchiveLoan, ArchiveRecord, AuditLog, db
from tests.conftest import DEMO_TODAY, noon


@pytest.fixture
def record(demo_app):
    return db.session.execute(select(ArchiveRecord).order_by(ArchiveRecord.id)).scalars().first()


def _audit(action):
    db.session.expire_all()
    return list(db.session.execute(select(AuditLog).where(AuditLog.action == action)
                                   .order_by(AuditLog.id)).scalars())


def _loans(record):
    db.session.expire_all()
    return list(db.session.execute(select(ArchiveLoan).where(ArchiveLoan.record_id == record.id)
                                   .order_by(ArchiveLoan.id)).scalars())


def _ask(client, record, purpose="复查需调阅原始材料", days=10):
    due = (DEMO_TODAY + timedelta(days=days)).isoformat() if isinstance(days, int) else days
    return client.post(f"/admin/archive/loan/?id={record.id}", {"purpose": purpose, "due_back": due})


def test_record_page_shows_the_file_and_every_opening_is_recorded(make_client, record):
    c = make_client("leader")
    before = len(_audit("archive_view"))
    r = c.get(f"/admin/archive/details/?id={record.id}")
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert record.archive_number in body and record.case.number in body
    assert f'href="/admin/case/details/?id={record.case_id}"' in body
    assert record.location in body and {"special": "专卷", "ordinary": "普通"}[record.volume_type] in body
    catalogue = re.search(r'<ol id="archive-catalogue">(.*?)</ol>', body, re.S).group(1)
    assert catalogue.count("<li>") == len(record.catalogue.splitlines())
    assert "<li>信访事项登记表</li>" in catalogue  # numbered by the list, not "1. 1."
    assert "暂无借阅记录" in body and "申请借阅" in body
    c.get(f"/admin/archive/details/?id={record.id}")
    rows = _audit("archive_view")[before:]
    assert len(rows) == 2 and all(r.username == "leader" and record.archive_number in r.detail for r in rows)


def test_request_approve_return_as_the_users_would(make_client, record):
    clerk, leader, archivist = make_client("clerk"), make_client("leader3"), make_client("archivist")
    # 王晓燕 asks to borrow the file
    page = clerk.get(f"/admin/archive/loan/?id={record.id}").get_data(as_text=True)
    assert "借阅用途" in page and "应还日期" in page and 'name="csrf_token"' in page
    r = _ask(clerk, record)
    assert r.status_code == 302
    page = clerk.get(r.headers["Location"]).get_data(as_text=True)
    assert "已提交档案" in page and "待审批" in page and "复查需调阅原始材料" in page
    loan, = _loans(record)
    assert loan.status == "requested"
    # the leader sees the request waiting and approves it
    listing = leader.get("/admin/loan/").get_data(as_text=True)
    assert "待您审批的借阅申请（1）" in listing and record.archive_number in listing
    r = leader.post(f"/admin/loan/approve/?id={loan.id}", {"url": "/admin/loan/"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/loan/")
    assert "已批准借阅档案" in leader.get("/admin/loan/").get_data(as_text=True)
    loan, = _loans(record)
    assert loan.status == "approved" and loan.approved_by.username == "leader3" and loan.approved_at
    assert "已借出" in archivist.get(f"/admin/archive/?search={record.archive_number}").get_data(as_text=True)
    # nobody else may borrow it meanwhile
    assert "该档案已借出，归还后才能再借" in archivist.get(f"/admin/archive/loan/?id={record.id}").get_data(as_text=True)
    # the archivist records it back
    detail = archivist.get(f"/admin/loan/details/?id={loan.id}").get_data(as_text=True)
    assert "登记归还" in detail
    r = archivist.post(f"/admin/loan/return/?id={loan.id}", {"returned_on": DEMO_TODAY.isoformat()})
    assert r.status_code == 302
    assert "已于 2026-11-20 归还" in archivist.get(r.headers["Location"]).get_data(as_text=True)
    loan, = _loans(record)
    assert (loan.status, loan.returned_on) == ("returned", DEMO_TODAY)
    page = clerk.get(f"/admin/archive/details/?id={record.id}").get_data(as_text=True)
    assert "已归还" in page and "申请借阅" in page
    # each step left its audit row
    for action, who in (("loan_request", "clerk"), ("loan_approve", "leader3"), ("loan_return", "archivist")):
        rows = _audit(action)
        assert len(rows) == 1 and rows[0].username == who and record.archive_number in rows[0].detail


@pytest.mark.parametrize("purpose, days, field, message", [
    ("", 10, "purpose", "请填写借阅用途"),
    ("查阅", "", "due_back", "请填写应还日期"),
    ("查阅", -1, "due_back", "应还日期不能早于今天。"),
    ("查阅", 31, "due_back", "借阅期限最长30天，应还日期不能晚于2026-12-20。"),
])
def test_request_refusals_beside_the_field(make_client, record, purpose, days, field, message):
    r = _ask(make_client("clerk"), record, purpose, days)
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    assert f'<div class="field-error text-danger" id="error-{field}">{message}</div>' in body
    if purpose:
        assert f"{purpose}</textarea>" in body  # the input is kept
    assert _loans(record) == []


def test_already_lent_or_pending_is_refused(make_client, record):
    assert _ask(make_client("clerk"), record).status_code == 302
    r = _ask(make_client("archivist"), record)
    assert r.status_code == 400 and "该档案已借出，归还后才能再借" in r.get_data(as_text=True)
    assert len(_loans(record)) == 1


def test_only_a_leader_decides_and_not_on_their_own_request(make_client, record):
    assert _ask(make_client("clerk"), record).status_code == 302
    loan, = _loans(record)
    for who in ("clerk", "archivist", "admin", "handler1"):
        c = make_client(who)
        assert c.post(f"/admin/loan/approve/?id={loan.id}").status_code == 403, who
        assert c.post(f"/admin/loan/deny/?id={loan.id}").status_code == 403, who
    assert make_client("leader3").post(f"/admin/loan/return/?id={loan.id}").status_code == 403
    assert _loans(record)[0].status == "requested"
    # a leader's own request goes to another leader
    leader = make_client("leader3")
    leader.post(f"/admin/loan/deny/?id={loan.id}")
    assert _ask(leader, record).status_code == 302
    own = _loans(record)[-1]
    r = leader.post(f"/admin/loan/approve/?id={own.id}")
    assert "不能审批本人的借阅申请" in leader.get(r.headers["Location"]).get_data(as_text=True)
    assert _loans(record)[-1].status == "requested"
    assert "待您审批" not in leader.get("/admin/loan/").get_data(as_text=True)


def test_handler_has_no_archive_screen(make_client, record):
    c = make_client("handler1")
    for url in ("/admin/archive/", f"/admin/archive/details/?id={record.id}",
                f"/admin/archive/loan/?id={record.id}", "/admin/loan/"):
        assert c.get(url).status_code == 403, url
    assert _ask(c, record).status_code == 403
    assert _loans(record) == []


def test_overdue_loans_are_highlighted(make_client, record, time_machine):
    assert _ask(make_client("clerk"), record, days=3).status_code == 302
    loan, = _loans(record)
    make_client("leader3").post(f"/admin/loan/approve/?id={loan.id}")
    c = make_client("archivist")
    time_machine.move_to(noon(DEMO_TODAY + timedelta(days=5)))
    loans = c.get("/admin/loan/").get_data(as_text=True)
    assert '<span class="badge badge-overdue">逾期2天</span>' in loans and "逾期未还（1）" in loans
    overdue_only = c.get("/admin/loan/?flt0_1=1").get_data(as_text=True)
    assert record.archive_number in overdue_only
    archive = c.get(f"/admin/archive/?search={record.archive_number}").get_data(as_text=True)
    assert '<span class="badge badge-overdue">逾期2天</span>' in archive
    page = c.get(f"/admin/archive/details/?id={record.id}").get_data(as_text=True)
    assert 'class="table-danger"' in page


def test_loan_list_filters_by_status(make_client, record):
    other = db.session.execute(select(ArchiveRecord).order_by(ArchiveRecord.id.desc())).scalars().first()
    clerk = make_client("clerk")
    _ask(clerk, record)
    _ask(clerk, other)
    make_client("leader3").post(f"/admin/loan/approve/?id={_loans(other)[0].id}")
    c = make_client("archivist")
    listing = c.get("/admin/loan/").get_data(as_text=True)
    assert record.archive_number in listing and other.archive_number in listing
    pending = c.get("/admin/loan/?flt0_0=requested").get_data(as_text=True)
    assert record.archive_number in pending and other.archive_number not in pending
    lent = c.get("/admin/loan/?flt0_0=approved").get_data(as_text=True)
    assert other.archive_number in lent and record.archive_number not in lent


def test_archive_records_are_read_only_but_for_the_archivists_metadata(make_client, record):
    number, case_id = record.archive_number, record.case_id
    archivist = make_client("archivist")
    r = archivist.post(f"/admin/archive/edit/?id={record.id}",
                       {"location": "档案室C柜2层", "page_count": "-3", "catalogue": "登记表"})
    assert r.status_code == 200 and "页数应在1至100000之间" in r.get_data(as_text=True)
    r = archivist.post(f"/admin/archive/edit/?id={record.id}",
                       {"location": "档案室C柜2层", "page_count": "30", "catalogue": "登记表\n答复意见书",
                        "archive_number": "篡改", "case": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    rec = db.session.get(ArchiveRecord, record.id)
    assert (rec.location, rec.page_count, rec.archive_number, rec.case_id) == ("档案室C柜2层", 30, number, case_id)
    assert _audit("archive_edit")[-1].username == "archivist"
    for who in ("archivist", "admin", "clerk", "leader"):
        assert make_client(who).post("/admin/archive/delete/", {"id": str(record.id)}).status_code == 403
    assert make_client("leader").get(f"/admin/archive/edit/?id={record.id}").status_code == 403
    assert db.session.get(ArchiveRecord, record.id) is not None


@pytest.mark.parametrize("pages, message", [("", "请填写页数"), ("十", "页数应为整数"), ("100001", "页数应在1至100000之间")])
def test_page_count_rule_is_the_services(make_client, record, pages, message):
    r = make_client("archivist").post(f"/admin/archive/edit/?id={record.id}",
                                      {"location": "档案室C柜2层", "page_count": pages, "catalogue": "登记表"})
    assert r.status_code == 200 and message in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ArchiveRecord, record.id).location != "档案室C柜2层"
