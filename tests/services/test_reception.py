"""services/reception.py: the rota (generate across holidays, swap, publish, Excel) and receiving
visitors on a reception day. Hand-built office on the `app` fixture (holidays 2024–2026 seeded;
office today frozen to 2026-11-20)."""
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models import Case, CaseEvent, ReceptionEvent, ReceptionSchedule, db
from services import ServiceError, ValidationFailed
from services import reception as rs
from services.registration import PartyInput, RegistrationInput
from tests.factories import leaders_office

TUE, THU, SAT = 1, 3, 5


@pytest.fixture
def office(app):
    return leaders_office()


def _days(entries):
    return [e.day for e in entries]


def test_generate_october_tuesdays_thursdays_skips_national_day(office):
    made = rs.generate_month(db.session, office["clerk"], 2026, 10, weekdays=[TUE, THU], slot="am",
                             place="县信访局一楼接待室")
    db.session.commit()
    # 10-01 (Thu) and 10-06 (Tue) are in the National Day holiday; 10-10 is a make-up Saturday,
    # not a Tuesday or Thursday, so it is not produced either.
    assert _days(made) == [date(2026, 10, d) for d in (8, 13, 15, 20, 22, 27, 29)]
    # Leaders in turn by rank order: 县长 (1), 副县长 (2), 局长 (3), ...; stand-in is the next one.
    names = [e.leader.full_name for e in made]
    assert names == ["赵县长", "李建国", "孙局长", "赵县长", "李建国", "孙局长", "赵县长"]
    assert made[0].standin.full_name == "李建国"
    assert made[1].portfolio == "城乡建设、信访"
    assert all(e.status == "planned" and e.slot == "am" and not e.published for e in made)
    assert all(e.events[0].action == "generate" for e in made)
    # The next month continues the rotation after the last leader of October.
    nov = rs.generate_month(db.session, office["clerk"], 2026, 11, weekdays=[TUE], slot="pm", place="接待室")
    assert nov[0].leader.full_name == "李建国"


def test_make_up_saturday_counts_as_a_working_day(office):
    made = rs.generate_month(db.session, office["clerk"], 2026, 10, weekdays=[SAT], slot="day", place="接待室")
    # Ordinary Saturdays (03 is also a holiday, 17, 24, 31) are rest days; 10-10 is 调休补班.
    assert _days(made) == [date(2026, 10, 10)]


def test_generate_refuses_a_month_with_entries_unless_replacing_planned(office):
    clerk = office["clerk"]
    first = rs.generate_month(db.session, clerk, 2026, 10, weekdays=[TUE, THU], slot="am", place="接待室")
    db.session.commit()
    with pytest.raises(ServiceError) as exc:
        rs.generate_month(db.session, clerk, 2026, 10, weekdays=[TUE], slot="am", place="接待室")
    assert "2026年10月已有7条接待安排" in exc.value.message
    db.session.rollback()
    # A received entry stays; the planned ones are replaced.
    kept = first[0]
    kept.status = "received"
    db.session.commit()
    again = rs.generate_month(db.session, clerk, 2026, 10, weekdays=[TUE], slot="am", place="新接待室",
                              replace=True)
    db.session.commit()
    rows = rs.month_entries(db.session, 2026, 10)
    assert _days(again) == [date(2026, 10, d) for d in (13, 20, 27)]
    assert [e.id for e in rows if e.status == "received"] == [kept.id]
    assert len(rows) == 4


def test_regenerating_keeps_published_entries(office):
    clerk = office["clerk"]
    rs.generate_month(db.session, clerk, 2026, 10, weekdays=[TUE, THU], slot="am", place="接待室")
    rs.publish_month(db.session, clerk, 2026, 10)
    db.session.commit()
    published = {(e.id, e.day, e.leader_id) for e in rs.month_entries(db.session, 2026, 10)}
    with pytest.raises(ServiceError) as exc:
        rs.generate_month(db.session, clerk, 2026, 10, weekdays=[TUE, THU], slot="am", place="新接待室",
                          replace=True)
    assert exc.value.message == ("2026年10月的接待安排已公示，不能整月重新生成；"
                                 "如需变动，请对具体安排办理调换或取消。")
    db.session.rollback()
    assert {(e.id, e.day, e.leader_id) for e in rs.month_entries(db.session, 2026, 10)} == published
    # Another slot on the published days can still be added; the published mornings stay as told.
    afternoons = rs.generate_month(db.session, clerk, 2026, 10, weekdays=[TUE], slot="pm", place="接待室",
                                   replace=True)
    db.session.commit()
    rows = rs.month_entries(db.session, 2026, 10)
    assert {(e.id, e.day, e.leader_id) for e in rows if e.slot == "am"} == published
    assert _days(afternoons) == [date(2026, 10, d) for d in (13, 20, 27)]


def test_generate_bad_input_and_roles(office):
    with pytest.raises(ServiceError, match="没有编排"):
        rs.generate_month(db.session, office["leader"], 2026, 10, weekdays=[TUE], slot="am", place="x")
    with pytest.raises(ServiceError, match="星期"):
        rs.generate_month(db.session, office["clerk"], 2026, 10, weekdays=[], slot="am", place="x")
    with pytest.raises(ServiceError, match="接待地点"):
        rs.generate_month(db.session, office["clerk"], 2026, 10, weekdays=[TUE], slot="am", place=" ")
    with pytest.raises(ServiceError, match="月份"):
        rs.generate_month(db.session, office["clerk"], 2026, 13, weekdays=[TUE], slot="am", place="x")
    with pytest.raises(ServiceError, match="在职的领导"):
        rs.generate_month(db.session, office["clerk"], 2026, 10, weekdays=[TUE], slot="am", place="x",
                          leader_ids=[office["handler1"].id])
    assert db.session.execute(select(ReceptionSchedule)).first() is None


def _entry(leader, day, status="planned"):
    e = ReceptionSchedule(day=day, slot="am", place="接待室", leader_id=leader.id,
                          portfolio=leader.portfolio or "", status=status)
    db.session.add(e)
    db.session.flush()
    return e


def test_swap_changes_both_entries_and_records_both(office):
    a = _entry(office["leader"], date(2026, 12, 1))
    b = _entry(office["leader2"], date(2026, 12, 8))
    db.session.commit()
    rs.swap_entries(db.session, office["clerk"], a, b, "李建国12月1日赴省里开会")
    db.session.commit()
    assert (a.leader.full_name, b.leader.full_name) == ("赵县长", "李建国")
    assert a.portfolio == "全面工作" and b.portfolio == "城乡建设、信访"
    assert a.status == b.status == "swapped"
    for entry, other in ((a, b), (b, a)):
        ev = entry.events[-1]
        assert ev.action == "swap" and ev.other_schedule_id == other.id
        assert "赴省里开会" in ev.note and ev.actor_id == office["clerk"].id
    # Both leaders' pages show the swap.
    for who in ("leader", "leader2"):
        entries, swaps = rs.leader_history(db.session, office[who])
        assert {ev.schedule_id for ev in swaps} == {a.id, b.id}
    _, swaps = rs.leader_history(db.session, office["leader3"])
    assert swaps == []


def test_swap_refusals_change_nothing(office):
    a = _entry(office["leader"], date(2026, 12, 1))
    b = _entry(office["leader"], date(2026, 12, 8))
    c = _entry(office["leader2"], date(2026, 12, 15), status="cancelled")
    past = _entry(office["leader2"], date(2026, 11, 3))
    db.session.commit()
    cases = [((a, b, "理由"), "无需调换"), ((a, c, "理由"), "不能调换"), ((a, past, "理由"), "已过"),
             ((a, _entry(office["leader3"], date(2026, 12, 22)), " "), "调换原因")]
    for (x, y, reason), msg in cases:
        with pytest.raises(ServiceError, match=msg):
            rs.swap_entries(db.session, office["clerk"], x, y, reason)
    with pytest.raises(ServiceError, match="权限"):
        rs.swap_entries(db.session, office["leader"], a, c, "理由")
    db.session.rollback()
    assert a.leader_id == office["leader"].id and a.status == "planned"
    assert db.session.execute(select(ReceptionEvent).where(ReceptionEvent.action == "swap")).first() is None


def _visitor(name, id_number, summary, place="城关镇"):
    return RegistrationInput(channel="visit", received_on=date(2026, 1, 1), purpose="request",
                             category="城乡建设", summary=summary, demands="请求解决",
                             incident_place=place, petitioners=[PartyInput(name=name, id_number=id_number)])


def test_register_three_visitors_and_summarise_the_day(office):
    from services import workflow

    entry = _entry(office["leader"], date(2026, 11, 17))  # a Tuesday before today (11-20)
    db.session.commit()
    visitors = [("张三", "110101199003071233", "小区漏水无人维修"),
                ("李四", "110101198001010010", "拆迁补偿未到位"),
                ("王五", "", "道路施工噪音扰民")]
    for name, idn, summary in visitors:
        rs.register_visitor(db.session, office["clerk"], entry, _visitor(name, idn, summary))
        db.session.commit()
    cases = list(db.session.execute(select(Case).where(Case.reception_id == entry.id)).scalars())
    assert len(cases) == 3
    assert all(c.channel == "reception" and c.leader_id == office["leader"].id
               and c.received_on == entry.day for c in cases)

    # The leader's 批示 on one case becomes an event on its timeline.
    workflow.perform(db.session, office["leader"], cases[1], "instruction", text="请住建局一周内核实答复")
    db.session.commit()
    assert cases[1].leader_instruction == "请住建局一周内核实答复"
    assert db.session.execute(select(CaseEvent.actor_id).where(
        CaseEvent.case_id == cases[1].id, CaseEvent.action == "instruction")).scalar_one() == office["leader"].id

    # The leader of the day sees the summary: who came, what they asked, where it went.
    rows = rs.reception_summary(db.session, office["leader"], entry)
    assert [r["petitioners"] for r in rows] == ["张三", "李四", "王五"]
    assert [r["summary"] for r in rows] == [v[2] for v in visitors]
    assert rows[1]["instruction"] == "请住建局一周内核实答复"
    assert all(r["status"] == "待受理" for r in rows)

    rs.finish_reception(db.session, office["clerk"], entry, "接待群众3批3人，均已登记交办。")
    db.session.commit()
    assert entry.status == "received" and entry.summary.startswith("接待群众3批")
    assert entry.events[-1].action == "receive"


def test_register_visitor_refusals(office):
    future = _entry(office["leader"], date(2026, 12, 1))
    cancelled = _entry(office["leader"], date(2026, 11, 10), status="cancelled")
    today = _entry(office["leader2"], date(2026, 11, 20))
    db.session.commit()
    with pytest.raises(ServiceError, match="尚未到接待日期"):
        rs.register_visitor(db.session, office["clerk"], future, _visitor("张三", "", "x"))
    with pytest.raises(ServiceError, match="已取消"):
        rs.register_visitor(db.session, office["clerk"], cancelled, _visitor("张三", "", "x"))
    with pytest.raises(ServiceError):  # only the clerk registers (register_case checks the role)
        rs.register_visitor(db.session, office["leader2"], today, _visitor("张三", "", "x"))
    with pytest.raises(ValidationFailed):
        rs.register_visitor(db.session, office["clerk"], today, _visitor("张三", "110101199003071235", "x"))
    db.session.rollback()
    assert db.session.execute(select(Case)).first() is None
    with pytest.raises(ServiceError, match="小结"):
        rs.finish_reception(db.session, office["clerk"], today, "  ")
    with pytest.raises(ServiceError, match="只有信访办或当日接待领导"):
        rs.finish_reception(db.session, office["leader3"], today, "小结")


def test_publish_and_rota_excel_title(office, tmp_path):
    rs.generate_month(db.session, office["clerk"], 2026, 12, weekdays=[TUE], slot="am", place="县信访局接待室")
    n = rs.publish_month(db.session, office["clerk"], 2026, 12)
    db.session.commit()
    assert n == 5 and all(e.published for e in rs.month_entries(db.session, 2026, 12))
    path = tmp_path / "rota.xlsx"
    assert rs.write_rota(str(path), db.session, 2026, 12) == 5
    ws = load_workbook(path).active
    title = ws["A1"].value
    assert "示范县信访局" in title and "2026年12月" in title
    assert ws["A3"].value == "序号" and ws["B4"].value.date() == date(2026, 12, 1)
    assert ws["F4"].value == "赵县长"
    with pytest.raises(ServiceError, match="还没有接待安排"):
        rs.publish_month(db.session, office["clerk"], 2027, 1)


def test_month_grid_marks_holidays_and_make_up_days(office):
    weeks = rs.month_grid(db.session, 2026, 10)
    days = {cd.day: cd for week in weeks for cd in week}
    assert not days[date(2026, 10, 1)].working and days[date(2026, 10, 1)].holiday_name == "国庆节"
    assert days[date(2026, 10, 10)].working
    assert all(len(w) == 7 for w in weeks) and weeks[0][0].day.weekday() == 0


def test_month_grid_names_the_law_holidays_of_a_year_without_a_notice(office):
    """2027's notice is not entered: the clock rests on the law's days, and the grid names them."""
    days = {cd.day: cd for week in rs.month_grid(db.session, 2027, 10) for cd in week}
    for d in (1, 2, 3):
        assert not days[date(2027, 10, d)].working
        assert days[date(2027, 10, d)].holiday_name == "国庆节（暂定）"
    assert days[date(2027, 10, 4)].holiday_name == ""
    days = {cd.day: cd for week in rs.month_grid(db.session, 2027, 2) for cd in week}
    assert days[date(2027, 2, 6)].holiday_name == "春节（暂定）"  # 除夕 2027-02-05, 初一 02-06
