"""One input layer, driven through the real doors: every date a user types may be written
2026-03-12, 2026/3/12 or 2026年3月12日 and is stored the same; the collective-visit threshold
is the same on every door that registers a visit (demo office, today 2026-11-20)."""
import io
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from models import ArchiveLoan, ArchiveRecord, Case, PackageAssignment, ReceptionSchedule, db, package_cases
from services import importing, reception, statistics
from tests.conftest import DEMO_TODAY

WRITTEN = {
    "iso": lambda d: d.isoformat(),
    "slashes": lambda d: f"{d.year}/{d.month}/{d.day}",
    "chinese": lambda d: f"{d.year}年{d.month}月{d.day}日",
}
STYLES = pytest.mark.parametrize("style", list(WRITTEN))


def _last_case():
    db.session.expire_all()
    return db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))


def _register(client, **over):
    data = {"channel": "letter", "received_on": "2026-11-19", "source": "own", "purpose": "request",
            "category": "劳动社保", "summary": "反映拖欠工资。", "people_count": "1",
            "petitioners-0-name": "测试人乙", "petitioners-0-phone": "13912345670",
            "representatives-0-name": "代表人丙", "representatives-0-phone": "13912345671"}
    data.update(over)
    return client.post("/admin/register/", data=data)


def _import(client, **values):
    """Upload a one-row ledger through the import page; returns the case it made."""
    row = {"原编号": "旧-1", "收件日期": date(2026, 3, 12), "信访形式": "来信", "信访事项类别": "申诉求决类",
           "问题分类": "劳动社保", "信访人姓名": "王五", "内容摘要": "反映拖欠工资", "越级访": "否", "联名": "否"}
    row.update(values)
    wb = openpyxl.Workbook()
    wb.active.append(importing.HEADERS)
    wb.active.append([row.get(h, "") for h in importing.HEADERS])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    resp = client.post("/admin/import/upload", data={"file": (buf, "old.xlsx")}, content_type="multipart/form-data")
    assert resp.status_code == 200 and "已导入1件信访事项" in resp.get_data(as_text=True)
    return _last_case()


# ---- dates, as written by a user ------------------------------------------------------------

@STYLES
def test_registration_dates(make_client, style):
    write = WRITTEN[style]
    resp = _register(make_client("clerk"), received_on=write(date(2026, 3, 12)), source="higher",
                     source_doc_no="市信转〔2026〕1号", source_deadline=write(date(2026, 4, 12)))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    case = _last_case()
    assert (case.received_on, case.source_deadline) == (date(2026, 3, 12), date(2026, 4, 12))


def test_a_received_date_of_the_1990s_is_still_accepted(make_client):
    # Registration's own rule (1990 to today), not the 2000-2100 bound of other dates.
    resp = _register(make_client("clerk"), received_on="1995年3月12日")
    assert resp.status_code == 302
    assert _last_case().received_on == date(1995, 3, 12)


@STYLES
def test_import_date_cells(make_client, style):
    case = _import(make_client("clerk"), 收件日期=WRITTEN[style](date(2026, 3, 12)))
    assert (case.original_number, case.received_on) == ("旧-1", date(2026, 3, 12))


def _free_case():
    """A case of the demo office (not voided or archived) with a petitioner that is in no open package."""
    busy = select(package_cases.c.case_id).join(
        PackageAssignment, PackageAssignment.id == package_cases.c.package_id).where(
        PackageAssignment.status != "finished")
    for case in db.session.execute(select(Case).where(Case.status.not_in(("voided", "archived")), Case.id.not_in(busy))
                                   .order_by(Case.id)).scalars():
        if case.petitioners:
            return case
    raise AssertionError("the demo office has a case to package")


@STYLES
def test_package_deadline_and_progress_dates(make_client, style):
    write = WRITTEN[style]
    case = _free_case()
    leader = db.session.execute(select(PackageAssignment).where(PackageAssignment.status == "active")
                                .order_by(PackageAssignment.id)).scalars().first().leader
    resp = make_client("clerk").post("/admin/package/propose/", data={
        "cases": case.number, "leader_id": str(leader.id), "department_id": str(case.department_id or
                                                                                 leader.department_id),
        "responsible_person": "陈科长", "deadline": write(date(2026, 12, 12)), "plan": "走访核实"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    db.session.expire_all()
    pkg = db.session.scalar(select(PackageAssignment).order_by(PackageAssignment.id.desc()).limit(1))
    assert pkg.deadline == date(2026, 12, 12)
    client = make_client(leader.username)
    assert client.post(f"/admin/package/accept/?id={pkg.id}").status_code == 302
    resp = client.post(f"/admin/package/progress/?id={pkg.id}", data={"on": write(DEMO_TODAY), "text": "走访"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert [p.on for p in db.session.get(PackageAssignment, pkg.id).progress] == [DEMO_TODAY]


@STYLES
def test_loan_due_back_and_return_dates(make_client, style):
    write = WRITTEN[style]
    record = db.session.execute(select(ArchiveRecord).order_by(ArchiveRecord.id)).scalars().first()
    due = DEMO_TODAY + timedelta(days=10)
    resp = make_client("clerk").post(f"/admin/archive/loan/?id={record.id}",
                                     data={"purpose": "复查", "due_back": write(due)})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    loan = db.session.scalar(select(ArchiveLoan).order_by(ArchiveLoan.id.desc()).limit(1))
    assert loan.due_back == due
    assert make_client("leader3").post(f"/admin/loan/approve/?id={loan.id}").status_code == 302
    resp = make_client("archivist").post(f"/admin/loan/return/?id={loan.id}",
                                         data={"returned_on": write(DEMO_TODAY)})
    assert resp.status_code == 302
    db.session.expire_all()
    loan = db.session.get(ArchiveLoan, loan.id)
    assert (loan.status, loan.returned_on) == ("returned", DEMO_TODAY)


@STYLES
def test_report_period_dates(style):
    write = WRITTEN[style]
    period = statistics.parse_period({"kind": "custom", "start": write(date(2026, 3, 12)),
                                      "end": write(date(2026, 4, 2))})
    assert (period.start, period.end) == (date(2026, 3, 12), date(2026, 4, 2))


@pytest.mark.parametrize("text", ["2026-12", "2026/12", "2026年12月"])
def test_reception_months(make_client, text):
    assert reception.read_month(text) == (2026, 12)
    page = make_client("clerk").get(f"/admin/reception-calendar/?month={text}").get_data(as_text=True)
    assert "2026年12月" in page


def test_a_bad_date_reads_the_same_message_on_every_door(make_client):
    message = "格式不正确，应为“年-月-日”，如 2026-03-12、2026/3/12 或 2026年3月12日"
    resp = _register(make_client("clerk"), received_on="2026年13月1日")
    assert resp.status_code == 200 and "收件日期" + message in resp.get_data(as_text=True)
    record = db.session.execute(select(ArchiveRecord).order_by(ArchiveRecord.id)).scalars().first()
    resp = make_client("clerk").post(f"/admin/archive/loan/?id={record.id}",
                                     data={"purpose": "复查", "due_back": "下周"})
    assert resp.status_code == 400 and "应还日期" + message in resp.get_data(as_text=True)
    with pytest.raises(ValueError, match="开始日期" + message):
        statistics.parse_period({"kind": "custom", "start": "3/12/2026", "end": "2026-04-02"})


# ---- the collective-visit rule, the same on every door ---------------------------------------

def _has_representative(case):
    return any(cp.role == "representative" for cp in case.parties)


VISITS = [("visit", 5, True), ("visit", 4, False), ("letter", 5, False)]


@pytest.mark.parametrize("channel,people,collective", VISITS)
def test_collective_on_the_registration_page(make_client, channel, people, collective):
    resp = _register(make_client("clerk"), channel=channel, people_count=str(people))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    case = _last_case()
    assert (case.people_count, case.is_collective) == (people, collective)


@pytest.mark.parametrize("channel,people,collective", VISITS)
def test_collective_on_import(make_client, channel, people, collective):
    case = _import(make_client("clerk"), 信访形式={"visit": "来访", "letter": "来信"}[channel], 人数=people)
    assert (case.people_count, case.is_collective) == (people, collective)
    assert _has_representative(case) == collective  # the one named person represents a collective visit


@pytest.mark.parametrize("people,collective", [(5, True), (4, False)])
def test_collective_on_the_reception_day(make_client, people, collective):
    entry = db.session.execute(select(ReceptionSchedule).where(
        ReceptionSchedule.status.in_(("planned", "swapped", "received")), ReceptionSchedule.day <= DEMO_TODAY)
        .order_by(ReceptionSchedule.day.desc())).scalars().first()
    resp = make_client("clerk").post(f"/admin/reception/receive/register/?id={entry.id}", data={
        "name": "张某", "purpose": "request", "category": "城乡建设", "summary": "小区漏水",
        "people_count": str(people)})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    case = _last_case()
    assert (case.channel, case.people_count, case.is_collective) == ("reception", people, collective)
    assert _has_representative(case) == collective
