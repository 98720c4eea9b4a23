"""services/archive.py: loan request / approve / deny / return, refusals, overdue, audit, catalogue.
On the demo office (office time travelled to 2026-11-20)."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import ArchiveLoan, ArchiveRecord, AuditLog, User
from services import ServiceError, ValidationFailed
from services import archive as svc
from tests.conftest import DEMO_TODAY, noon


@pytest.fixture
def users(session):
    return {u.username: u for u in session.execute(select(User)).scalars()}


@pytest.fixture
def record(session):
    return session.execute(select(ArchiveRecord).order_by(ArchiveRecord.id)).scalars().first()


def _audit(session, action):
    return list(session.execute(select(AuditLog).where(AuditLog.action == action)
                                .order_by(AuditLog.id)).scalars())


def _request(session, users, record, who="clerk", days=10):
    return svc.request_loan(session, users[who], record, "复查来信材料", DEMO_TODAY + timedelta(days=days))


def test_request_approve_return(session, users, record):
    loan = _request(session, users, record)
    assert (loan.status, loan.borrower_id, loan.due_back) == ("requested", users["clerk"].id, date(2026, 11, 30))
    assert svc.active_loan(session, record) is loan
    svc.approve_loan(session, users["leader3"], loan)
    assert loan.status == "approved" and loan.approved_by_id == users["leader3"].id and loan.approved_at
    svc.return_loan(session, users["archivist"], loan)
    assert (loan.status, loan.returned_on) == ("returned", DEMO_TODAY)
    assert svc.active_loan(session, record) is None
    rows = {a: _audit(session, a) for a in ("loan_request", "loan_approve", "loan_return")}
    assert all(len(r) == 1 for r in rows.values())
    assert record.archive_number in rows["loan_request"][0].detail
    assert "复查来信材料" in rows["loan_request"][0].detail
    assert rows["loan_approve"][0].user_id == users["leader3"].id
    assert rows["loan_return"][0].username == "archivist"
    # once back, the file may be lent again
    assert _request(session, users, record, who="archivist").status == "requested"


@pytest.mark.parametrize("purpose, due, field, message", [
    ("", 10, "purpose", "请填写借阅用途"),
    ("   ", 10, "purpose", "请填写借阅用途"),
    ("查阅", None, "due_back", "请填写应还日期"),
    ("查阅", "2026-13-01", "due_back",
     "应还日期格式不正确，应为“年-月-日”，如 2026-03-12、2026/3/12 或 2026年3月12日"),
    ("查阅", -1, "due_back", "应还日期不能早于今天。"),
    ("查阅", 31, "due_back", "借阅期限最长30天，应还日期不能晚于2026-12-20。"),
])
def test_request_refusals(session, users, record, purpose, due, field, message):
    if isinstance(due, int):
        due = DEMO_TODAY + timedelta(days=due)
    with pytest.raises(ValidationFailed) as exc:
        svc.request_loan(session, users["clerk"], record, purpose, due)
    assert exc.value.errors[field] == [message]
    assert session.scalar(select(func.count(ArchiveLoan.id))) == 0
    assert not _audit(session, "loan_request")


def test_due_back_today_and_thirty_days_are_fine(session, users, record):
    loan = svc.request_loan(session, users["clerk"], record, "查阅", DEMO_TODAY.isoformat())
    assert loan.due_back == DEMO_TODAY
    svc.deny_loan(session, users["leader3"], loan)
    assert svc.request_loan(session, users["clerk"], record, "查阅", DEMO_TODAY + timedelta(days=30)).status == "requested"


def test_one_borrower_at_a_time(session, users, record):
    loan = _request(session, users, record)
    with pytest.raises(ServiceError, match="该档案已借出，归还后才能再借"):
        _request(session, users, record, who="archivist")
    svc.approve_loan(session, users["leader3"], loan)
    with pytest.raises(ServiceError, match="该档案已借出，归还后才能再借"):
        _request(session, users, record, who="leader3")
    svc.return_loan(session, users["archivist"], loan)
    _request(session, users, record, who="leader3")


def test_deny_frees_the_file(session, users, record):
    loan = _request(session, users, record)
    svc.deny_loan(session, users["leader3"], loan)
    assert loan.status == "denied" and loan.approved_by_id == users["leader3"].id
    assert len(_audit(session, "loan_deny")) == 1
    with pytest.raises(ServiceError, match="无需审批"):
        svc.approve_loan(session, users["leader3"], loan)
    assert _request(session, users, record).status == "requested"


def test_who_may_do_what(session, users, record):
    with pytest.raises(ServiceError, match="您无权借阅该档案"):
        _request(session, users, record, who="handler1")  # no archive screen
    loan = _request(session, users, record)
    for who in ("clerk", "archivist", "admin", "handler1"):
        with pytest.raises(ServiceError, match="只有领导可以审批借阅申请"):
            svc.approve_loan(session, users[who], loan)
    with pytest.raises(ServiceError, match="只有档案员可以登记归还"):
        svc.return_loan(session, users["leader3"], loan)
    with pytest.raises(ServiceError, match="不能登记归还"):
        svc.return_loan(session, users["archivist"], loan)  # not lent out yet
    assert loan.status == "requested" and loan.approved_by_id is None
    # a leader does not approve their own request
    own = svc.deny_loan(session, users["leader3"], loan)
    mine = _request(session, users, own.record, who="leader3")
    with pytest.raises(ServiceError, match="不能审批本人的借阅申请"):
        svc.approve_loan(session, users["leader3"], mine)
    assert mine.status == "requested"


def test_return_date_checks(session, users, record):
    loan = _request(session, users, record)
    svc.approve_loan(session, users["leader3"], loan)
    with pytest.raises(ValidationFailed, match="归还日期不能晚于今天"):
        svc.return_loan(session, users["archivist"], loan, DEMO_TODAY + timedelta(days=1))
    with pytest.raises(ValidationFailed, match="归还日期不能早于批准借出日期"):
        svc.return_loan(session, users["archivist"], loan, DEMO_TODAY - timedelta(days=3))
    assert loan.status == "approved"


def test_overdue(session, users, record, time_machine):
    loan = _request(session, users, record, days=5)
    svc.approve_loan(session, users["leader3"], loan)
    later = DEMO_TODAY + timedelta(days=8)
    assert not svc.is_loan_overdue(loan) and svc.is_loan_overdue(loan, later)
    assert svc.loan_state(loan, later) == ("overdue", "逾期3天")
    assert session.scalar(select(func.count(ArchiveLoan.id)).where(svc.overdue_clause(later))) == 1
    time_machine.move_to(noon(later))
    with pytest.raises(ServiceError, match="该档案已借出"):
        _request(session, users, record, who="archivist")
    svc.return_loan(session, users["archivist"], loan)
    assert "逾期3天归还" in _audit(session, "loan_return")[0].detail
    time_machine.move_to(noon(DEMO_TODAY))
    assert not svc.is_loan_overdue(loan, later)


def test_pending_request_past_its_due_date_cannot_be_approved(session, users, record, time_machine):
    loan = _request(session, users, record, days=2)
    time_machine.move_to(noon(DEMO_TODAY + timedelta(days=3)))
    with pytest.raises(ServiceError, match="应还日期已过"):
        svc.approve_loan(session, users["leader3"], loan)


def test_pending_for_a_leader(session, users, record):
    other = session.execute(select(ArchiveRecord).order_by(ArchiveRecord.id.desc())).scalars().first()
    a = _request(session, users, record)
    own = _request(session, users, other, who="leader3")
    assert svc.pending_for(session, users["leader3"]) == [a] and own not in svc.pending_for(session, users["leader3"])
    assert svc.pending_for(session, users["clerk"]) == []


def test_view_is_recorded_and_catalogue_items(session, users, record):
    svc.record_view(session, users["leader"], record)
    row = _audit(session, "archive_view")[-1]
    assert row.username == "leader" and record.archive_number in row.detail
    items = svc.catalogue_items(record)
    assert items and not items[0][0].isdigit()
    assert len(items) == len([ln for ln in record.catalogue.splitlines() if ln.strip()])
    assert svc.check_metadata("A柜", -1) == {"page_count": ["页数应在1至100000之间"]}
    assert svc.check_metadata("A柜", 0) == {"page_count": ["页数应在1至100000之间"]}  # a filed case has at least one page
