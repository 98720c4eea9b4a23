"""The State Council notice as the admin pastes it (services/holidays.parse_notice): the full 2026
notice, parsed, checked day by day against chinese-calendar's 2026 data."""
from datetime import date

import chinese_calendar as cc

from services.holidays import FESTIVALS, parse_notice

D = date

# 国务院办公厅关于2026年部分节假日安排的通知: the seven lines as published, pasted with the
# heading and the closing paragraph around them (abridged here; they carry no dates to take).
NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。
"""


def test_the_2026_notice_parses_to_chinese_calendars_2026_day_by_day():
    parsed = parse_notice(NOTICE_2026, 2026)
    assert parsed.errors == [] and parsed.warnings == []
    assert parsed.festivals == list(FESTIVALS) and parsed.missing == []
    got = {d: kind for d, kind, _ in parsed.rows}
    want = {d: "holiday" for d in cc.constants.holidays if d.year == 2026}
    want.update({d: "workday" for d in cc.constants.workdays if d.year == 2026})
    for day in sorted(set(got) | set(want)):
        assert got.get(day) == want.get(day), day
    assert len(got) == 33 + 6  # 33 days off, 6 make-up working days
    # and every day of 2026 is a working day or not exactly as chinese-calendar says
    d = D(2026, 1, 1)
    while d.year == 2026:
        off = got.get(d) == "holiday" or (d.weekday() >= 5 and got.get(d) != "workday")
        assert off == (not cc.is_workday(d)), d
        d = D.fromordinal(d.toordinal() + 1)


def test_rows_carry_the_festival_names():
    rows = {d: (kind, name) for d, kind, name in parse_notice(NOTICE_2026, 2026).rows}
    assert rows[D(2026, 2, 15)] == ("holiday", "春节")
    assert rows[D(2026, 2, 28)] == ("workday", "春节")
    assert rows[D(2026, 9, 20)] == ("workday", "国庆节")
    assert rows[D(2026, 10, 7)] == ("holiday", "国庆节")


def test_the_line_from_the_issue_alone():
    parsed = parse_notice("春节：2月15日至23日放假调休，共9天。2月14日（周六）、2月28日（周六）上班。", 2026)
    assert parsed.errors == [] and parsed.missing == ["元旦", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    assert [(d, k) for d, k, _ in parsed.rows] == (
        [(D(2026, 2, 14), "workday")] + [(D(2026, 2, day), "holiday") for day in range(15, 24)]
        + [(D(2026, 2, 28), "workday")])


def test_a_notice_pasted_on_the_wrong_year_is_refused_by_its_weekdays():
    parsed = parse_notice(NOTICE_2026, 2027)
    assert "元旦：1月1日标为周四，但2027年1月1日是周五，请核对年份" in parsed.errors


def test_a_count_that_does_not_add_up_is_a_warning():
    parsed = parse_notice("春节：2月15日至22日放假调休，共9天。", 2026)
    assert parsed.warnings == ["春节：通知写共9天，解析出8天，请核对"]


def test_combined_festivals_a_day_outside_the_year_and_text_without_dates():
    parsed = parse_notice("中秋节、国庆节：10月1日（周三）至8日（周三）放假调休，共8天。"
                          "9月28日（周日）、10月11日（周六）上班。", 2025)
    assert parsed.errors == [] and len(parsed.rows) == 10
    assert parsed.rows[0] == (D(2025, 9, 28), "workday", "中秋节、国庆节")
    parsed = parse_notice("元旦：12月31日至1月2日放假调休，共3天。", 2023)
    assert parsed.errors == ["元旦：2022-12-31不在2023年内，请在2022年的页面录入"]
    assert [d for d, _, _ in parsed.rows] == [D(2023, 1, 1), D(2023, 1, 2)]
    assert parse_notice("今年放假安排另行通知", 2027).errors == ["未从粘贴的文字中识别出放假或上班日期"]
    assert parse_notice("元宵节：2月20日放假", 2027).errors == ["未识别节日名称：元宵节：2月20日放假"]
