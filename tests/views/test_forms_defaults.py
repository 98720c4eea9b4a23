"""Sensible defaults and the lines that say what happens next: a new user's role, the monthly
report's month, the reception visitor's 问题分类, the next free 档号, the borrower a loan is for,
and the handler's closing-status line."""
import re
from datetime import timedelta
from html import unescape

from sqlalchemy import select

from models import ArchiveLoan, ArchiveRecord, Case, ReceptionSchedule, User, db
from tests.conftest import DEMO_TODAY


def _html(resp):
    return unescape(resp.get_data(as_text=True))


def _selected(html, name):
    box = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [(value, text) for value, sel, text in
            re.findall(r'<option(?: value="([^"]*)")?( selected)?[^>]*>([^<]*)</option>', box) if sel]


def test_a_new_users_role_is_blank_until_chosen(make_client):
    admin = make_client("admin")
    html = _html(admin.get("/admin/user/new/"))
    assert re.search(r'<select[^>]*name="role"[^>]*>\s*<option selected value="">请选择</option>', html) \
        or _selected(html, "role") in ([], [("", "请选择")])
    resp = admin.post("/admin/user/new/", data={"username": "newbie", "full_name": "新同事", "role": "",
                                               "new_password": "longenough1", "active": "y"})
    assert "请选择角色" in _html(resp)
    assert db.session.execute(select(User).where(User.username == "newbie")).first() is None


def test_the_monthly_report_opens_on_the_last_full_month(make_client):
    html = _html(make_client("clerk").get("/admin/statistics/"))
    assert DEMO_TODAY.month == 11
    assert "2026年10月" in re.search(r'id="stats-subtitle">([^<]+)<', html).group(1)
    assert _selected(html, "month") == [("10", "10月")]
    # only the fields of 月报 are on show; 季度 and the custom dates are hidden
    hidden = re.findall(r'class="period-fields form-inline d-none" data-kinds="([^"]+)"', html)
    assert sorted(hidden) == ["custom", "quarter"]


def test_the_reception_visitor_form_starts_at_please_choose(make_client):
    entry = db.session.execute(select(ReceptionSchedule).order_by(ReceptionSchedule.id)).scalars().first()
    html = _html(make_client("clerk").get(f"/admin/reception/receive/?id={entry.id}"))
    box = re.search(r'<select[^>]*name="category"[^>]*>(.*?)</select>', html, re.S).group(1)
    first = re.search(r"<option[^>]*>([^<]*)</option>", box)
    assert first.group(1) == "请选择" and "selected" not in box


def _special_numbers(year):
    prefix = f"XF-{year}-专-"
    return [n for n in db.session.execute(select(ArchiveRecord.archive_number)).scalars() if n.startswith(prefix)]


def test_the_archive_number_suggests_the_next_free_one(make_client):
    case = db.session.execute(select(Case).where(Case.status == "closed", Case.department_id.is_not(None))
                              .order_by(Case.id)).scalars().first()
    used = _special_numbers(2026)
    expected = f"XF-2026-专-{max(int(n[-4:]) for n in used) + 1:04d}"
    archivist = make_client("archivist")
    html = _html(archivist.get(f"/admin/moves/archive/{case.id}/"))
    assert re.search(rf'name="archive_number"[^>]*value="{expected}"', html), expected
    form = dict(re.findall(r'<input[^>]*name="(version|archive_number)"[^>]*value="([^"]*)"', html))
    resp = archivist.post(f"/admin/moves/archive/{case.id}/", data={
        **form, "retention": "10y", "location": "档案室A柜1层", "page_count": "12"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).archive_record.archive_number == expected
    other = db.session.execute(select(Case).where(Case.status == "closed", Case.department_id.is_not(None))
                               .order_by(Case.id)).scalars().first()
    again = _html(archivist.get(f"/admin/moves/archive/{other.id}/"))
    assert f'value="XF-2026-专-{int(expected[-4:]) + 1:04d}"' in again


def test_the_archivist_files_a_loan_for_someone_else(make_client):
    record = db.session.execute(select(ArchiveRecord).order_by(ArchiveRecord.id)).scalars().first()
    archivist = make_client("archivist")
    form = _html(archivist.get(f"/admin/archive/loan/?id={record.id}"))
    assert 'name="borrower_name"' in form and 'name="borrower_unit"' in form
    due = (DEMO_TODAY + timedelta(days=7)).isoformat()
    bad = archivist.post(f"/admin/archive/loan/?id={record.id}",
                         {"purpose": "复查调阅", "due_back": due, "borrower_unit": "县住房和城乡建设局"})
    assert bad.status_code == 400 and "填写了借阅人单位的，请同时填写借阅人姓名。" in _html(bad)
    resp = archivist.post(f"/admin/archive/loan/?id={record.id}",
                          {"purpose": "复查调阅", "due_back": due, "borrower_name": "刘强",
                           "borrower_unit": "县住房和城乡建设局"})
    assert resp.status_code == 302
    db.session.expire_all()
    loan = db.session.execute(select(ArchiveLoan).where(ArchiveLoan.record_id == record.id)
                              .order_by(ArchiveLoan.id.desc())).scalars().first()
    assert (loan.borrower_name, loan.borrower_unit) == ("刘强", "县住房和城乡建设局")
    shown = "刘强（县住房和城乡建设局），赵丽代为申请"
    assert shown in _html(archivist.get(f"/admin/archive/details/?id={record.id}"))
    assert shown in _html(make_client("leader").get(f"/admin/loan/details/?id={loan.id}"))


def test_only_the_archivist_names_another_borrower(make_client):
    record = db.session.execute(select(ArchiveRecord).order_by(ArchiveRecord.id)).scalars().first()
    leader = make_client("leader")
    assert 'name="borrower_name"' not in _html(leader.get(f"/admin/archive/loan/?id={record.id}"))
    due = (DEMO_TODAY + timedelta(days=7)).isoformat()
    resp = leader.post(f"/admin/archive/loan/?id={record.id}",
                       {"purpose": "调阅", "due_back": due, "borrower_name": "某人"})
    assert resp.status_code == 400
    assert "只有档案员可以代他人申请借阅。" in _html(resp)


def _handler_case(status):
    handler = db.session.execute(select(User).where(User.username == "handler1")).scalar_one()
    return db.session.execute(select(Case).where(Case.status == status, Case.department_id == handler.department_id)
                              .order_by(Case.id)).scalars().first()


def test_the_handler_sees_who_requests_closing_not_a_repeating_follow_up(make_client):
    case = _handler_case("replied")
    handler = make_client("handler1")
    html = _html(handler.get(f"/admin/case/details/?id={case.id}"))
    line = re.search(r'id="closing-status">([^<]+)<', html).group(1)
    assert line.startswith("答复已登记，待信访办申请结案")
    if case.follow_up_on is None:  # 回访 once ...
        assert 'id="move-follow_up"' in html
        resp = handler.post(f"/admin/moves/follow_up/{case.id}/", data={
            "version": str(case.version), "follow_up_on": DEMO_TODAY.isoformat(), "satisfaction": "satisfied"})
        assert resp.status_code == 302
        html = _html(handler.get(f"/admin/case/details/?id={case.id}"))
    assert 'id="move-follow_up"' not in html  # ... and no 回访 button again
    assert "答复已登记，待信访办申请结案" in html
    # the clerk, who requests closing, has the button instead of the line
    clerk_page = _html(make_client("clerk").get(f"/admin/case/details/?id={case.id}"))
    assert 'id="closing-status"' not in clerk_page and 'id="move-close_request"' in clerk_page


def test_the_closing_line_names_what_is_missing(make_client):
    case = _handler_case("replied")
    case.handling_report = None
    case.receipt_status = None
    db.session.commit()
    html = _html(make_client("handler1").get(f"/admin/case/details/?id={case.id}"))
    assert re.search(r'id="closing-status">答复已登记，待信访办申请结案；结案前尚需补充：[^<]*未记录信访人签收送达回证或拒签说明'
                     r'[^<]*未填写办结报告', html)


def test_a_case_waiting_for_the_leader_says_so(make_client):
    case = _handler_case("closing")
    html = _html(make_client("handler1").get(f"/admin/case/details/?id={case.id}"))
    assert re.search(r'id="closing-status">信访办已申请结案，待领导审批<', html)
