"""services/screening.py: rounds with on-time, late, zero and missing reports (未报单位, 催报, 待办),
the monthly 排查 table and the 重大隐患 list on a hand-built month, the 信访积案 register on
hand-built cases, report_timeliness, and who sees which entries. Hand-built office on `app`."""
from datetime import date
from itertools import count

import pytest
from sqlalchemy import select

from models import Case, CaseParty, Party, ScreeningEntry, ScreeningReport, db
from services import ServiceError, ValidationFailed, settings, todo
from services import screening as sc
from services.clock import office_day
from tests.factories import leaders_office, make_dept, make_user

D = date


@pytest.fixture
def office(app):
    o = leaders_office(portfolios=False)
    o["cg"] = make_dept("城关镇人民政府", o["root"])
    o["handler3"] = make_user("handler3", "郑承办", "handler", o["cg"])
    o["leader4"] = make_user("leader4", "钱局长", "leader", o["zj"], 4, "住建局局长")
    db.session.commit()
    return o


def entry(o, user, dept, found_on, category="城乡建设", risk="general", rnd=None, **kw):
    data = {"department_id": dept.id, "round_id": rnd.id if rnd else "", "found_on": found_on.isoformat(),
            "place": kw.pop("place", f"{dept.name}某村"), "category": category, "summary": kw.pop("summary", "村民反映问题"),
            "people_count": str(kw.pop("people", 3)), "risk_level": risk, "measures": "入户走访，做好疏导。",
            "responsible_person": "张科长", **kw}
    with office_day(found_on):
        e = sc.create_entry(db.session, user, data)
    db.session.commit()
    return e


def settle(o, e, on, status="resolved", user=None):
    with office_day(on):
        sc.add_progress(db.session, user or o["clerk"], e, on, "已化解，当事人签订协议。", status)
    db.session.commit()


def todo_counts(user, day):
    with office_day(day):
        return {ln.key: ln.count for ln in todo.lines(db.session, user)}


# ---- rounds ----------------------------------------------------------------------------------

def test_a_round_with_an_on_time_a_zero_a_late_and_a_missing_report(office):
    o = office
    with office_day(D(2026, 12, 1)):
        rnd = sc.open_half_month(db.session, o["clerk"])
    db.session.commit()
    assert (rnd.period_label, rnd.start_on, rnd.end_on, rnd.due_on) == (
        "2026年12月上半月", D(2026, 12, 1), D(2026, 12, 15), D(2026, 12, 15))
    reports = {r.department.name: r for r in sc.reports_of(db.session, o["clerk"], rnd)}
    assert list(reports) == ["县住房和城乡建设局", "县人力资源和社会保障局", "城关镇人民政府"]

    # the same half month cannot be opened twice; a handler opens none
    with office_day(D(2026, 12, 3)), pytest.raises(ValidationFailed) as exc:
        sc.open_half_month(db.session, o["clerk"])
    assert exc.value.errors["period_label"] == ["“2026年12月上半月”的排查批次已经开启，不能重复开启"]
    db.session.rollback()
    with pytest.raises(ServiceError, match="只有信访办可以开启排查批次"):
        sc.open_half_month(db.session, o["handler1"])

    # 住建局: an entry, then its report; nothing found is not a report, and a zero report is refused
    zj, rs, cg = (reports[n] for n in ("县住房和城乡建设局", "县人力资源和社会保障局", "城关镇人民政府"))
    with office_day(D(2026, 12, 10)), pytest.raises(ServiceError) as exc:
        sc.submit(db.session, o["handler1"], zj)
    assert exc.value.message == "本期尚未填报矛盾纠纷，没有发现的请报送零报告。"
    entry(o, o["handler1"], o["zj"], D(2026, 12, 9), rnd=rnd)
    with office_day(D(2026, 12, 10)), pytest.raises(ServiceError) as exc:
        sc.submit(db.session, o["handler1"], zj, zero=True)
    assert exc.value.message == "本期已填报1条矛盾纠纷，不能报送零报告；请直接报送。"
    with office_day(D(2026, 12, 10)), pytest.raises(ServiceError, match="只能填报本单位"):
        sc.submit(db.session, o["handler1"], rs, zero=True)
    with office_day(D(2026, 12, 10)):
        sc.submit(db.session, o["handler1"], zj)
    with office_day(D(2026, 12, 14)):
        sc.submit(db.session, o["handler2"], rs, zero=True)
    db.session.commit()
    assert (zj.entry_count, zj.is_late, sc.report_state(zj, D(2026, 12, 16))) == (1, False, "已报送（1条）")
    assert sc.report_state(rs, D(2026, 12, 16)) == "零报告"

    # 城关镇 has not reported: the office sees it, reminds it; it shows on the unit's 待办
    assert [r.department.name for r in sc.unreported(db.session, o["clerk"], rnd)] == ["城关镇人民政府"]
    assert sc.report_state(cg, D(2026, 12, 16)) == "逾期未报"
    assert todo_counts(o["handler3"], D(2026, 12, 16))["screening_pending"] == 1
    assert todo_counts(o["handler3"], D(2026, 12, 16))["screening_reminded"] == 0
    with pytest.raises(ServiceError, match="只有信访办可以催报"):
        sc.remind(db.session, o["handler1"], cg)
    with pytest.raises(ServiceError, match="已报送，无需催报"):
        sc.remind(db.session, o["clerk"], zj)
    with office_day(D(2026, 12, 16)):
        assert sc.remind_all(db.session, o["clerk"], rnd) == 1
    db.session.commit()
    assert len(cg.reminders) == 1 and cg.reminders[0].sent_by.full_name == "王登记"
    assert todo_counts(o["handler3"], D(2026, 12, 16))["screening_reminded"] == 1
    assert todo_counts(o["handler1"], D(2026, 12, 16))["screening_pending"] == 0

    # a late report is accepted and marked 迟报
    with office_day(D(2026, 12, 17)):
        sc.submit(db.session, o["handler3"], cg, zero=True)
    db.session.commit()
    assert cg.is_late and sc.report_state(cg) == "零报告·迟报"
    assert sc.unreported(db.session, o["clerk"], rnd) == []
    s = sc.summary(sc.reports_of(db.session, o["clerk"], rnd))
    assert (s.required, s.submitted, s.zero, s.late, s.missing) == (3, 3, 2, 1, 0)
    with pytest.raises(ServiceError, match="城关镇人民政府已于2026-12-17报送本期排查情况"):
        sc.submit(db.session, o["handler3"], cg)
    # after a zero report nothing more is filed into that round for the unit
    with office_day(D(2026, 12, 17)), pytest.raises(ValidationFailed) as exc:
        entry(o, o["handler3"], o["cg"], D(2026, 12, 17), rnd=rnd)
    assert exc.value.errors["round_id"][0].startswith("城关镇人民政府本期已报送零报告")


def test_the_second_half_of_february_is_due_on_its_last_day():
    assert sc.half_month(D(2027, 2, 20)) == ("2027年2月下半月", D(2027, 2, 16), D(2027, 2, 28), D(2027, 2, 28))
    assert sc.half_month(D(2026, 12, 15))[0] == "2026年12月上半月"


def test_report_timeliness_over_hand_built_rounds(office):
    o = office

    def open_(label, start, end, due):
        with office_day(start):
            r = sc.open_round(db.session, o["clerk"], {"period_label": label, "start_on": start.isoformat(),
                                                      "end_on": end.isoformat(), "due_on": due.isoformat()})
        db.session.commit()
        return {x.department_id: x for x in r.reports}

    def report(reports, dept, day, user):
        with office_day(day):
            sc.submit(db.session, user, reports[dept.id], zero=True)
        db.session.commit()

    a = open_("2026年11月上半月", D(2026, 11, 1), D(2026, 11, 15), D(2026, 11, 15))
    report(a, o["zj"], D(2026, 11, 15), o["handler1"])  # on the due date: on time
    report(a, o["rs"], D(2026, 11, 16), o["handler2"])  # late
    # 城关镇 never reports
    b = open_("2026年11月下半月", D(2026, 11, 16), D(2026, 11, 30), D(2026, 11, 30))
    report(b, o["zj"], D(2026, 11, 20), o["handler1"])
    report(b, o["rs"], D(2026, 11, 30), o["handler2"])
    report(b, o["cg"], D(2026, 11, 29), o["handler3"])
    c = open_("2026年12月上半月", D(2026, 12, 1), D(2026, 12, 15), D(2026, 12, 15))  # due outside
    report(c, o["rs"], D(2026, 12, 2), o["handler2"])

    assert sc.report_timeliness(db.session, D(2026, 11, 1), D(2026, 11, 30)) == {
        o["zj"].id: (2, 2), o["rs"].id: (1, 2), o["cg"].id: (1, 2)}
    assert sc.report_timeliness(db.session, D(2026, 11, 16), D(2026, 12, 31)) == {
        o["zj"].id: (1, 2), o["rs"].id: (2, 2), o["cg"].id: (1, 2)}
    assert sc.report_timeliness(db.session, D(2027, 1, 1), D(2027, 12, 31)) == {}


# ---- the monthly table and the 重大隐患 list ------------------------------------------------------

def _month_of_entries(o):
    """November 2026, by hand: 住建局 城乡建设 3 (one resolved 11-20, one resolved only on 12-02,
    one open), 住建局 拆迁安置 1 (became a case 11-25), 人社局 劳动社保 2 (both resolved in November);
    and one entry before and one after the month."""
    a = entry(o, o["handler1"], o["zj"], D(2026, 11, 3))
    settle(o, a, D(2026, 11, 20))
    b = entry(o, o["handler1"], o["zj"], D(2026, 11, 10))
    settle(o, b, D(2026, 12, 2))
    entry(o, o["handler1"], o["zj"], D(2026, 11, 28))
    d = entry(o, o["clerk"], o["zj"], D(2026, 11, 12), category="拆迁安置", risk="major", threatens_extreme="1",
              place="城关镇东关社区")
    case = Case(number="2026-000901", query_code="Q00901", channel="visit", purpose="request", category="拆迁安置",
                received_on=D(2026, 11, 25), summary="拆迁安置", status="registered", department=o["zj"])
    db.session.add(case)
    db.session.flush()
    with office_day(D(2026, 11, 25)):
        sc.link_case(db.session, o["clerk"], d, case)
    db.session.commit()
    for day in (D(2026, 11, 5), D(2026, 11, 6)):
        e = entry(o, o["handler2"], o["rs"], day, category="劳动社保")
        settle(o, e, D(2026, 11, 18), user=o["handler2"])
    entry(o, o["handler2"], o["rs"], D(2026, 10, 31), category="劳动社保")
    with office_day(D(2026, 12, 5)):
        entry(o, o["handler2"], o["rs"], D(2026, 12, 1), category="劳动社保")


def _lines(table):
    return [(ln.unit, ln.category, ln.found, ln.resolved, ln.resolving, ln.converted, ln.percent)
            for ln in table.lines]


def test_the_monthly_table_by_unit_and_category(office):
    o = office
    _month_of_entries(o)
    table = sc.monthly_table(db.session, o["clerk"], D(2026, 11, 1))
    assert _lines(table) == [
        ("县住房和城乡建设局", "城乡建设", 3, 1, 2, 0, "33.3%"),
        ("县住房和城乡建设局", "拆迁安置", 1, 0, 0, 1, "0.0%"),
        ("县住房和城乡建设局", "小计", 4, 1, 2, 1, "25.0%"),
        ("县人力资源和社会保障局", "劳动社保", 2, 2, 0, 0, "100.0%"),
        ("县人力资源和社会保障局", "小计", 2, 2, 0, 0, "100.0%"),
    ]
    t = table.total
    assert (t.found, t.resolved, t.resolving, t.converted, t.percent) == (6, 3, 2, 1, "50.0%")
    # a handler's table holds his department only
    mine = sc.monthly_table(db.session, o["handler2"], D(2026, 11, 1))
    assert [ln.unit for ln in mine.lines] == ["县人力资源和社会保障局"] * 2 and mine.total.found == 2
    # December: the entry of 12-01 only
    dec = sc.monthly_table(db.session, o["clerk"], D(2026, 12, 1))
    assert _lines(dec) == [("县人力资源和社会保障局", "劳动社保", 1, 0, 1, 0, "0.0%"),
                           ("县人力资源和社会保障局", "小计", 1, 0, 1, 0, "0.0%")]


def test_the_major_risk_list_of_a_month(office):
    o = office
    listed = entry(o, o["handler1"], o["zj"], D(2026, 11, 5), risk="major", place="甲：在册",
                   collective_tendency="1", leader_id=str(o["leader"].id))
    gone = entry(o, o["handler1"], o["zj"], D(2026, 10, 10), risk="major", place="乙：十月已化解")
    settle(o, gone, D(2026, 10, 30))
    late = entry(o, o["handler2"], o["rs"], D(2026, 10, 10), risk="major", place="丙：十一月化解", category="劳动社保")
    settle(o, late, D(2026, 11, 3), user=o["handler2"])
    with office_day(D(2026, 12, 3)):
        entry(o, o["handler1"], o["zj"], D(2026, 12, 2), risk="major", place="丁：十二月发现")
    entry(o, o["handler1"], o["zj"], D(2026, 11, 6), risk="serious", place="戊：较大")
    got = sc.major_risks(db.session, o["clerk"], D(2026, 11, 1))
    assert [e.place for e in got] == ["甲：在册", "丙：十一月化解"]
    row = sc.major_row(listed)
    assert row[:3] == ["县住房和城乡建设局", D(2026, 11, 5), "甲：在册"]
    assert row[7:12] == ["集体访倾向", "入户走访，做好疏导。", "李建国", "张科长", "排查中"]
    assert [e.place for e in sc.major_risks(db.session, o["handler2"], D(2026, 11, 1))] == ["丙：十一月化解"]


# ---- 信访积案排查登记表 ----------------------------------------------------------------------------

_seq = count(1)


def _case(o, received, status="handling", repeat_of=None, petitioner=None):
    n = next(_seq)
    c = Case(number=f"2026-{n:06d}", query_code=f"B{n:06d}", channel="visit", purpose="request",
             category="城乡建设", received_on=received, summary=f"反映问题{n}", incident_place="城关镇",
             status=status, department=o["zj"], repeat_of=repeat_of, is_repeat=repeat_of is not None)
    db.session.add(c)
    db.session.flush()
    if petitioner is not None:
        db.session.add(CaseParty(case=c, party=petitioner, role="petitioner"))
    db.session.flush()
    return c


def test_the_backlog_register_from_the_cases(office):
    o = office
    p = Party(name="赵六")
    db.session.add(p)
    old = _case(o, D(2026, 7, 1), petitioner=p)            # open 142 days: listed
    recent = _case(o, D(2026, 10, 1))                      # open 50 days: not (yet)
    _case(o, D(2026, 1, 1), status="closed")               # closed: never
    m1 = _case(o, D(2026, 9, 1), status="closed")
    m2 = _case(o, D(2026, 10, 1), status="closed", repeat_of=m1)
    m3 = _case(o, D(2026, 11, 1), repeat_of=m2)            # third petition on the matter: listed
    r1 = _case(o, D(2026, 10, 5))
    _case(o, D(2026, 11, 5), repeat_of=r1)                 # two petitions only: not (yet)
    db.session.commit()
    with office_day(D(2026, 11, 20)):
        rows = sc.backlog(db.session, o["clerk"])
    assert [(r.case.number, r.days_open, r.petitions, r.reasons) for r in rows] == [
        (old.number, 142, 1, "超过90日未办结"), (m3.number, 19, 3, "同一事项信访3次")]
    assert rows[0].petitioners == "赵六"
    assert sc.backlog_row(1, rows[0])[:3] == [1, old.number, "赵六"]
    settings.set_value(db.session, "backlog_days", "30")
    db.session.commit()
    with office_day(D(2026, 11, 20)):
        rows = sc.backlog(db.session, o["clerk"])
    # one row per matter: its case open longest
    assert [(r.case.number, r.petitions, r.reasons) for r in rows] == [
        (old.number, 1, "超过30日未办结"), (recent.number, 1, "超过30日未办结"), (r1.number, 2, "超过30日未办结"),
        (m3.number, 3, "同一事项信访3次")]
    # 人社局's handler sees none of 住建局's cases
    with office_day(D(2026, 11, 20)):
        assert sc.backlog(db.session, o["handler2"]) == []


# ---- who sees which entries --------------------------------------------------------------------------

def test_entries_are_seen_by_their_branch_the_leaders_and_the_office(office):
    o = office
    zj = entry(o, o["handler1"], o["zj"], D(2026, 11, 5), place="住建局的")
    rs = entry(o, o["handler2"], o["rs"], D(2026, 11, 5), place="人社局的", leader_id=str(o["leader4"].id))

    def seen(user):
        return {e.place for e in db.session.execute(select(ScreeningEntry).where(
            sc.entry_filter(db.session, user))).scalars()}
    assert seen(o["handler1"]) == {"住建局的"}
    assert seen(o["handler2"]) == {"人社局的"}
    assert seen(o["leader4"]) == {"住建局的", "人社局的"}  # his branch, and the one he is 包保 leader of
    assert seen(o["leader3"]) == seen(o["leader2"]) == seen(o["clerk"]) == {"住建局的", "人社局的"}
    assert sc.get_entry(db.session, o["handler1"], rs.id) is None
    assert sc.get_entry(db.session, o["handler2"], zj.id) is None
    # a handler files for his own branch only, and moves only its entries
    with pytest.raises(ValidationFailed) as exc:
        entry(o, o["handler1"], o["rs"], D(2026, 11, 6))
    assert exc.value.errors["department_id"] == ["只能填报本单位（及下属单位）的排查情况。"]
    db.session.rollback()
    with pytest.raises(ServiceError, match="只能填报本单位"):
        sc.add_progress(db.session, o["handler1"], rs, D(2026, 11, 10), "进展")
    # the archivist has no screen
    archivist = make_user("archivist", "赵丽", "archivist", o["xfj"])
    assert seen(archivist) == set()
    assert db.session.execute(select(ScreeningReport.id).where(
        sc.access.screening_report_filter(db.session, archivist))).first() is None


def test_bad_entry_input_is_named_and_nothing_is_stored(office):
    o = office
    with office_day(D(2026, 11, 20)), pytest.raises(ValidationFailed) as exc:
        sc.create_entry(db.session, o["handler1"], {
            "department_id": str(o["zj"].id), "found_on": "2026-13-01", "place": "", "category": "火星",
            "summary": "", "people_count": "零", "risk_level": "特大", "party_ids": "110101199003071234"})
    e = exc.value.errors
    assert e["place"] == ["请填写地点"] and e["summary"] == ["请填写主要情况"]
    assert e["category"] == ["类别的取值无效"] and e["risk_level"] == ["风险等级的取值无效"]
    assert e["people_count"] == ["涉及人数应为整数"] and "排查日期" in e["found_on"][0]
    assert e["party_ids"] == ["未找到证件号码为110101199003071234的信访人（或不在您的查看范围内）"]
    db.session.rollback()
    assert db.session.execute(select(ScreeningEntry.id)).first() is None


def test_the_backlog_days_setting_is_checked(app):
    base = {"office_name": "示范县信访局", "number_prefix": "", "due_soon_working_days": "3",
            **{k: "calendar" for k in settings.CLOCK_MODE_KEYS}}
    assert settings.check({**base, "backlog_days": "120"})["backlog_days"] == "120"
    with pytest.raises(ValidationFailed) as exc:
        settings.check({**base, "backlog_days": "0"})
    assert exc.value.errors["backlog_days"] == ["请填写1至3650之间的整数"]
    assert settings.backlog_days(db.session) == 90
