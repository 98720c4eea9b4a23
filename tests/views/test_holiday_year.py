"""放假安排 (按年): the admin enters a year's notice by pasting it (parsed and shown before
saving) or clicking days on the grid; saving replaces 2027's provisional (暂定) days and recomputes
open cases; the dashboard warning goes only when the year is marked complete."""
import re
from datetime import date

from sqlalchemy import func, select

from models import Case, Holiday, HolidayYear, db
from tests.services.test_workflow import make_case

URL = "/admin/holiday-year/"
# A made-up 2027 notice (the real one is not out yet): 元旦 01-01..03, 春节 02-05..13 with 01-31
# and 02-20 worked.
NOTICE_2027 = ("一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n"
               "二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共9天。"
               "1月31日（周日）、2月20日（周六）上班。\n")
NOTICE_DAYS = {**{f"day-2027-01-0{d}": "holiday" for d in (1, 2, 3)},
               **{f"day-2027-02-{d:02d}": "holiday" for d in range(5, 14)},
               "day-2027-01-31": "workday", "day-2027-02-20": "workday"}
# The rest of the made-up notice (the law's days of 清明, 劳动节, 端午, 中秋, 国庆): a year is marked
# complete only with every festival entered.
OTHER_FESTIVALS = {f"day-2027-{md}": "holiday" for md in ("04-05", "05-01", "05-02", "06-09", "09-15",
                                                          "10-01", "10-02", "10-03")}
FULL_DAYS = {**NOTICE_DAYS, **OTHER_FESTIVALS}


def text(resp):
    return resp.get_data(as_text=True)


def clock_cell(page, name="办理期限"):
    table = re.search(r'<table class="table table-sm" id="case-clocks">(.*?)</table>', page, re.S).group(1)
    row = re.search(rf"<th[^>]*>{name}</th><td[^>]*>(.*?)</td>", table, re.S).group(1)
    return re.sub(r"<[^>]+>", "", row).split()


def rows_2027():
    return db.session.execute(select(func.count()).select_from(Holiday).where(
        Holiday.day >= date(2027, 1, 1), Holiday.day <= date(2027, 12, 31))).scalar()


def test_a_pasted_notice_is_shown_before_saving(office, login):
    admin = login("admin")
    page = text(admin.get(URL + "?year=2027"))
    assert "2027年的国务院放假通知尚未完整录入" in page and "暂定：仅按法定节日，未含调休" in page
    assert re.search(r'data-day="2027-02-05"[^>]*\n?[^>]*title="2027-02-05（法定：春节，暂定）"', page)
    r = admin.post(URL, data={"year": "2027", "action": "parse", "notice": NOTICE_2027})
    page = text(r)
    assert r.status_code == 200 and "解析结果（尚未保存）" in page
    table = re.search(r'id="notice-rows">(.*?)</table>', page, re.S).group(1)
    cells = re.findall(r"<tr><td[^>]*>(\d{4}-\d\d-\d\d)</td><td>(周.)</td><td>(.*?)</td><td>(.*?)</td></tr>", table)
    assert cells[0] == ("2027-01-01", "周五", "放假", "元旦")
    assert ("2027-01-31", "周日", "调休上班", "春节") in cells and ("2027-02-13", "周六", "放假", "春节") in cells
    assert len(cells) == 14
    assert "未识别到：清明节、劳动节、端午节、中秋节、国庆节" in page
    # the grid carries the parsed marks, ready to save; nothing is stored yet
    assert 'name="day-2027-02-05" value="holiday"' in page and 'name="day-2027-02-20" value="workday"' in page
    assert rows_2027() == 0


def test_saving_the_notice_replaces_the_provisional_days_and_moves_a_due_date(office, login):
    case = make_case(db.session, office, "handling", accepted_on=date(2026, 12, 7),
                     handle_due=date(2027, 2, 9), handle_base_due=date(2027, 2, 9))
    db.session.commit()
    clerk, admin = login("clerk"), login("admin")
    # 2026-12-07 + 60 = 2027-02-05 (除夕 by the law) .. 02-08 (初三) -> Tue 02-09, 暂定
    assert clock_cell(text(clerk.get(f"/admin/case/details/?id={case.id}"))) == ["2027-02-09", "暂定"]
    listing = text(clerk.get("/admin/case/"))
    assert re.search(r"2027-02-09 <span class=\"badge badge-provisional\"[^>]*>暂定</span>", listing)
    assert 'id="holiday-warning"' in text(admin.get("/admin/"))

    r = admin.post(URL, data={"year": "2027", "action": "save", "complete": "1", **FULL_DAYS},
                   follow_redirects=True)
    page = text(r)
    assert "2027年放假安排：放假20天，调休上班2天。" in page
    assert "2027年放假安排已保存，已按新设置重算在办事项期限：1 件有变化" in page
    assert "2027年已按国务院放假通知完整录入" in page
    # 02-05 .. 02-13 off, Sun 02-14 -> Mon 2027-02-15, no longer 暂定
    assert clock_cell(text(clerk.get(f"/admin/case/details/?id={case.id}"))) == ["2027-02-15"]
    db.session.expire_all()
    assert db.session.get(Case, case.id).handle_due == date(2027, 2, 15)
    assert rows_2027() == 22
    assert 'id="holiday-warning"' not in text(admin.get("/admin/"))
    # who marked the year complete is a change row on the page
    assert re.search(r"<td>admin</td><td>新建</td><td></td><td>2027年放假安排（已完整录入）</td>", page)


def test_the_dashboard_warning_goes_only_when_the_year_is_marked_complete(office, login):
    admin = login("admin")
    r = admin.post(URL, data={"year": "2027", "action": "save", "day-2027-01-01": "holiday"},
                   follow_redirects=True)
    assert r.status_code == 200 and rows_2027() == 1
    warning = re.search(r'id="holiday-warning">(.*?)</div>', text(admin.get("/admin/")), re.S).group(1)
    assert "2027年的国务院放假通知尚未完整录入" in warning
    admin.post(URL, data={"year": "2027", "action": "save", "complete": "1", **FULL_DAYS})
    assert 'id="holiday-warning"' not in text(admin.get("/admin/"))
    # and unticking it brings the law (暂定) and the warning back
    admin.post(URL, data={"year": "2027", "action": "save", **FULL_DAYS})
    assert 'id="holiday-warning"' in text(admin.get("/admin/"))
    db.session.expire_all()
    assert db.session.get(HolidayYear, 2027).complete is False
    page = text(admin.get(URL + "?year=2027"))
    assert re.search(r"<td>admin</td><td>放假通知已完整录入</td><td>是</td><td>否</td>", page)


def test_a_day_unmarked_on_the_grid_is_removed(office, login):
    admin = login("admin")
    admin.post(URL, data={"year": "2027", "action": "save", "complete": "1", **FULL_DAYS})
    days = dict(FULL_DAYS, **{"day-2027-02-20": ""})
    admin.post(URL, data={"year": "2027", "action": "save", "complete": "1", **days})
    assert rows_2027() == 21
    assert db.session.execute(select(Holiday).where(Holiday.day == date(2027, 2, 20))).first() is None


def test_bad_input_is_refused_with_a_message_and_nothing_changes(office, login):
    admin = login("admin")
    for data, message in (
            ({"day-2027-02-30": "holiday"}, "日期无效：2027-02-30"),
            ({"day-2027-02-01": "rest"}, "2027-02-01的类型无效"),
            ({"day-2026-12-31": "holiday"}, "2026-12-31不在2027年内")):
        r = admin.post(URL, data={"year": "2027", "action": "save", "complete": "1", **data})
        assert r.status_code == 400 and message in text(r)
    r = admin.get(URL + "?year=abc")
    assert r.status_code == 400 and "年份应为2000至2100之间的整数" in text(r)
    assert rows_2027() == 0 and db.session.get(HolidayYear, 2027) is None


def test_a_clerk_reads_the_page_but_may_not_save(office, login):
    clerk = login("clerk")
    page = text(clerk.get(URL + "?year=2027"))
    assert 'id="year-grid"' in page and 'id="year-save"' not in page and 'data-editable' not in page
    r = clerk.post(URL, data={"year": "2027", "action": "save", "complete": "1", **NOTICE_DAYS})
    assert r.status_code == 403 and "您无权修改放假安排" in text(r)
    assert rows_2027() == 0


def test_a_holiday_name_longer_than_the_column_is_refused_not_cut(office, login):
    admin = login("admin")
    long_name = "国" * 51
    r = admin.post(URL, data={"year": "2027", "action": "save", "day-2027-01-01": "holiday",
                              "name-2027-01-01": long_name})
    assert r.status_code == 400 and "2027-01-01的名称不能超过50字" in text(r)
    assert rows_2027() == 0 and db.session.get(HolidayYear, 2027) is None
    r = admin.post(URL, data={"year": "2027", "action": "save", "day-2027-01-01": "holiday",
                              "name-2027-01-01": "国" * 50}, follow_redirects=True)
    assert r.status_code == 200
    assert db.session.execute(select(Holiday.name).where(Holiday.day == date(2027, 1, 1))).scalar() == "国" * 50


def test_the_holiday_list_form_refuses_a_long_name_in_chinese(office, login):
    admin = login("admin")
    r = admin.post("/admin/holiday/new/", data={"day": "2027-03-03", "kind": "holiday", "name": "国" * 51})
    assert r.status_code == 200 and "字段长度不能超过 50 个字符。" in text(r)
    assert rows_2027() == 0


def test_a_year_is_not_marked_complete_while_festivals_are_missing(office, login):
    """元旦 and 春节 entered, the rest not: marking complete would drop the law's 清明 … 国庆 days
    from the clock, so it is refused with the missing festivals named; nothing changes. Saved
    without the mark, the entered days are kept and the law still counts 国庆 (暂定)."""
    admin = login("admin")
    r = admin.post(URL, data={"year": "2027", "action": "save", "complete": "1", **NOTICE_DAYS})
    assert r.status_code == 400
    assert "2027年尚缺清明节、劳动节、端午节、中秋节、国庆节的放假日期，不能标记为“已完整录入”" in text(r)
    assert rows_2027() == 0 and db.session.get(HolidayYear, 2027) is None

    r = admin.post(URL, data={"year": "2027", "action": "save", **NOTICE_DAYS}, follow_redirects=True)
    assert r.status_code == 200 and rows_2027() == 14
    db.session.expire_all()
    assert db.session.get(HolidayYear, 2027).complete is False
    page = text(admin.get(URL + "?year=2027"))
    assert re.search(r'title="2027-10-01（法定：国庆节，暂定）"', page)

    # a festival entered by hand on another day still counts by its name (e.g. 中秋 moved next to 国庆)
    days = {**FULL_DAYS, "day-2027-09-15": "", "day-2027-09-16": "holiday", "name-2027-09-16": "中秋节"}
    r = admin.post(URL, data={"year": "2027", "action": "save", "complete": "1", **days}, follow_redirects=True)
    assert r.status_code == 200 and "2027年已按国务院放假通知完整录入" in text(r)


def test_every_seeded_year_counts_as_complete_by_the_rule():
    """chinese-calendar's published years pass the festival rule (2020's 中秋 is named 国庆)."""
    import chinese_calendar as cc

    from services import deadlines, holidays
    for year in range(2008, 2027):
        marks = {d: "holiday" for d in cc.constants.holidays if d.year == year}
        names = {d: deadlines._holiday_name(n) for d, n in cc.constants.holidays.items() if d.year == year}
        assert holidays.missing_festivals(year, marks, names) == [], year
