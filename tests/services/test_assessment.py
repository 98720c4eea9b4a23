"""考核 on a hand-built 2025: three departments, every value, score, total and rank counted by hand.

The 2025 scheme (full marks 100):
  及时受理率 20 (0 at 50%, full at 100%)   按期办结率 20 (50%..100%)   满意率 10 (50%..100%)
  再信访率 10 (lower is better: 0 at 100%, full at 0%)   包案化解率 10 (0%..100%)
  督办按时回应率 10 (0%..100%)   越级访 10 (4 per occurrence)   集体访 10 (2 per occurrence)
  越级集体访: 一票否决
住建局 (A): 受理 3 of 4 on time = 75% -> 10; 办结 2 of 2 on time -> 20; 满意 1 of 2 = 50% -> 0;
  再信访 1 of 2 = 50% -> 5; 包案 1 of 2 = 50% -> 5; 督办 1 of 2 answered in 5 days = 50% -> 5;
  越级访 3 -> 12 points off, capped at 10 -> 0; 集体访 1 -> 8.  Total 53, rank 2.
人社局 (B): 受理 2 of 2 -> 20; 办结 0 of 1 -> 0; 满意 1 of 1 -> 10; 再信访 0 of 1 -> 10; no package
  and no 督办 (no base: full) -> 10 + 10; 越级访 0 -> 10; 集体访 0 -> 10.  Total 80, rank 1.
教育局 (C): one 越级集体访 (也是越级访和集体访): 否决, total 0, rank 3.
"""
from datetime import date, datetime

import pytest

from models import AssessmentScheme, Case, db
from services import ValidationFailed, assessment, statistics
from tests.factories import (CaseEventFactory, CaseFactory, DepartmentFactory, PackageFactory, UserFactory,
                             leaders_office)

d = date
SCHEME_2025 = {
    "accept_rate-on": "1", "accept_rate-weight": "20", "accept_rate-floor": "50", "accept_rate-target": "100",
    "close_rate-on": "1", "close_rate-weight": "20", "close_rate-floor": "50", "close_rate-target": "100",
    "satisfaction_rate-on": "1", "satisfaction_rate-weight": "10", "satisfaction_rate-floor": "50",
    "satisfaction_rate-target": "100",
    "again_rate-on": "1", "again_rate-weight": "10", "again_rate-floor": "100", "again_rate-target": "0",
    "package_rate-on": "1", "package_rate-weight": "10", "package_rate-floor": "0", "package_rate-target": "100",
    "supervise_rate-on": "1", "supervise_rate-weight": "10", "supervise_rate-floor": "0",
    "supervise_rate-target": "100",
    "skip_level-on": "1", "skip_level-rule": "deduct", "skip_level-weight": "10", "skip_level-per": "4",
    "collective-on": "1", "collective-rule": "deduct", "collective-weight": "10", "collective-per": "2",
    "skip_collective-on": "1", "skip_collective-rule": "veto",
}


def build_year():
    """The office of tests.factories.leaders_office plus 县教育局, its 2025 cases and the scheme.
    Returns the office dict with keys a, b, c (departments) and the case groups."""
    o = leaders_office()
    a, b = o["zj"], o["rs"]
    c = DepartmentFactory(name="县教育局", parent=o["root"])
    o.update(a=a, b=b, c=c)
    o["handler3"] = UserFactory(username="handler3", full_name="郑教育", role="handler", department=c)
    o["admin"] = UserFactory(username="admin", full_name="管理员", role="admin", department=o["xfj"])
    o["archivist"] = UserFactory(username="archivist", full_name="周档案", role="archivist", department=o["xfj"])

    # -- 及时受理率: received in 2025, 受理告知 owed
    o["a_accept_on_time"] = [CaseFactory(department_id=a.id, received_on=d(2025, 3, n), accept_due=d(2025, 3, n + 15),
                                         accept_notice_on=d(2025, 3, n + 2)) for n in (1, 2, 3)]
    o["a_accept_late"] = [CaseFactory(department_id=a.id, received_on=d(2025, 4, 1), accept_due=d(2025, 4, 16),
                                      accept_notice_on=d(2025, 4, 20))]
    for n in (1, 2):
        CaseFactory(department_id=b.id, received_on=d(2025, 5, n), accept_due=d(2025, 5, n + 15),
                    accept_notice_on=d(2025, 5, n + 1))
    CaseFactory(department_id=b.id, received_on=d(2024, 12, 20), accept_due=d(2025, 1, 4),
                accept_notice_on=d(2024, 12, 21))  # received in 2024: not in 2025's base
    # -- 按期办结率, 满意率, 再信访率: closed in 2025 (received in 2024)
    a1 = CaseFactory(department_id=a.id, received_on=d(2024, 11, 1), status="closed", handle_due=d(2025, 2, 1),
                     replied_on=d(2025, 1, 20), closed_on=d(2025, 1, 25), satisfaction="satisfied")
    a2 = CaseFactory(department_id=a.id, received_on=d(2024, 11, 2), status="archived", handle_due=d(2025, 3, 1),
                     replied_on=d(2025, 2, 20), closed_on=d(2025, 3, 5), satisfaction="unsatisfied")
    CaseFactory(department_id=b.id, received_on=d(2024, 10, 1), status="closed", handle_due=d(2025, 1, 1),
                replied_on=d(2025, 1, 10), closed_on=d(2025, 1, 12), satisfaction="basic")
    # a1's petitioner came back on the same matter 30 days after closing (not assigned yet)
    CaseFactory(received_on=d(2025, 2, 24), status="accepted", is_repeat=True, repeat_of_id=a1.id)
    o["a_closed"] = [a1, a2]
    # -- 包案化解率
    for outcome in ("resolved", "unresolved"):
        p = PackageFactory(leader_id=o["leader"].id, department_id=a.id, deadline=d(2025, 6, 30),
                           outcome=outcome, finished_on=d(2025, 6, 1))
        p.cases.append(CaseFactory(department_id=a.id, received_on=d(2024, 5, 1), status="closed",
                                   closed_on=d(2024, 12, 1)))
    # -- 督办: one answered (reply) 2 days later, one never answered
    s1, s2 = o["a_accept_on_time"][0], o["a_accept_on_time"][1]
    for case_ in (s1, s2):
        CaseEventFactory(case_id=case_.id, action="supervise", at=datetime(2025, 5, 10, 2, 0),
                         from_status="handling", to_status="handling", from_department_id=a.id,
                         to_department_id=a.id)
    CaseEventFactory(case_id=s1.id, action="reply", at=datetime(2025, 5, 12, 3, 0), from_status="handling",
                     to_status="replied", from_department_id=a.id, to_department_id=a.id)
    o["a_supervised_on_time"] = [s1]
    # -- 越级访 3 at A; 集体访 1 at A; one 越级集体访 at C
    o["a_skip"] = [CaseFactory(department_id=a.id, received_on=d(2025, 7, n), is_skip_level=True) for n in (1, 2, 3)]
    CaseFactory(department_id=a.id, received_on=d(2025, 8, 1), is_collective=True, people_count=6)
    o["c_veto"] = CaseFactory(department_id=c.id, received_on=d(2025, 9, 1), is_collective=True,
                              is_skip_level=True, people_count=8)
    CaseFactory(department_id=c.id, received_on=d(2025, 9, 2), accept_due=d(2025, 9, 17),
                accept_notice_on=d(2025, 9, 3))
    CaseFactory(department_id=a.id, received_on=d(2025, 9, 3), status="voided", is_skip_level=True)  # not counted

    assessment.save_scheme(db.session, o["admin"], 2025, assessment.parse_rules(SCHEME_2025))
    db.session.commit()
    return o


@pytest.fixture
def year(app):
    return build_year()


def table(result):
    """{department name: (rank, total, vetoed, {indicator: (value, points)})}."""
    return {r.name: (r.rank, r.total, r.vetoed,
                     {s.rule.indicator: (None if s.value is None else round(s.value, 2), s.points)
                      for s in r.scores})
            for r in result.rows}


def test_three_departments_scored_and_ranked(year):
    result = assessment.assess(db.session, statistics.year(2025))
    assert result.full_marks == 100
    assert [r.name for r in result.rows] == ["县人力资源和社会保障局", "县住房和城乡建设局", "县教育局"]
    assert table(result) == {
        "县住房和城乡建设局": (2, 53.0, False, {
            "accept_rate": (75.0, 10.0), "close_rate": (100.0, 20.0), "satisfaction_rate": (50.0, 0.0),
            "again_rate": (50.0, 5.0), "package_rate": (50.0, 5.0), "supervise_rate": (50.0, 5.0),
            "skip_level": (3, 0.0), "collective": (1, 8.0), "skip_collective": (0, None)}),
        "县人力资源和社会保障局": (1, 80.0, False, {
            "accept_rate": (100.0, 20.0), "close_rate": (0.0, 0.0), "satisfaction_rate": (100.0, 10.0),
            "again_rate": (0.0, 10.0), "package_rate": (None, 10.0), "supervise_rate": (None, 10.0),
            "skip_level": (0, 10.0), "collective": (0, 10.0), "skip_collective": (0, None)}),
        "县教育局": (3, 0.0, True, {
            "accept_rate": (100.0, 20.0), "close_rate": (None, 20.0), "satisfaction_rate": (None, 10.0),
            "again_rate": (None, 10.0), "package_rate": (None, 10.0), "supervise_rate": (None, 10.0),
            "skip_level": (1, 6.0), "collective": (1, 8.0), "skip_collective": (1, None)}),
    }
    veto = next(r for r in result.rows if r.name == "县教育局")
    assert [s.vetoed for s in veto.scores if s.rule.indicator == "skip_collective"] == [True]


def test_numerators_and_bases_are_the_statistics_reports(year):
    """The same definitions as the 信访工作统计表 for 住建局 over 2025."""
    figs = {code: ind(db.session, d(2025, 1, 1), d(2025, 12, 31)) for code, ind in assessment.INDICATORS.items()}
    a = year["a"].id
    assert {k: tuple(f[a][:2]) for k, f in figs.items() if a in f} == {
        "accept_rate": (3, 4), "close_rate": (2, 2), "satisfaction_rate": (1, 2), "again_rate": (1, 2),
        "package_rate": (1, 2), "supervise_rate": (1, 2), "skip_level": (3, None), "collective": (1, None)}
    clerk = year["clerk"]
    rep = statistics.report(db.session, clerk, statistics.year(2025), a)
    f = rep.figures
    assert (f["accept_timely"], f["accept_base"], f["closed_on_time"], f["closed_base"], f["satisfied"],
            f["rated"], f["again"], f["again_base"], f["skip_level"], f["collective_batches"]) == \
        (3, 4, 2, 2, 1, 2, 1, 2, 3, 1)


def test_drill_down_queries_are_the_numerators_cases(year):
    a = year["a"].id
    figs = assessment.INDICATORS["accept_rate"](db.session, d(2025, 1, 1), d(2025, 12, 31))
    ids = set(db.session.execute(figs[a].cases).scalars())
    assert ids == {c.id for c in year["a_accept_on_time"]}
    skip = assessment.INDICATORS["skip_level"](db.session, d(2025, 1, 1), d(2025, 12, 31))
    assert set(db.session.execute(skip[a].cases).scalars()) == {c.id for c in year["a_skip"]}
    sup = assessment.INDICATORS["supervise_rate"](db.session, d(2025, 1, 1), d(2025, 12, 31))
    assert set(db.session.execute(sup[a].cases).scalars()) == {c.id for c in year["a_supervised_on_time"]}


def test_a_quarter_counts_only_its_cases(year):
    result = assessment.assess(db.session, statistics.quarter(2025, 3))
    rows = table(result)
    # July-September: A's three 越级访 (capped) and C's 越级集体访; nothing else of A's happened then
    assert rows["县住房和城乡建设局"][1] == 88.0 and rows["县住房和城乡建设局"][3]["skip_level"] == (3, 0.0)
    assert rows["县教育局"][:3] == (3, 0.0, True)
    assert rows["县人力资源和社会保障局"][:2] == (1, 100.0)


def test_deduction_is_capped_at_the_weight():
    rule = assessment.Rule("skip_level", "deduct", 10, per_occurrence=4)
    fig = assessment.Figure(2, None, None)
    assert assessment.score(rule, fig) == (2, 2.0, False)
    assert assessment.score(rule, assessment.Figure(30, None, None)) == (30, 0.0, False)


def test_linear_scores_between_floor_and_target():
    rule = assessment.Rule("accept_rate", "linear", 20, 80, 100)
    assert assessment.score(rule, assessment.Figure(9, 10, None)) == (90.0, 10.0, False)
    assert assessment.score(rule, assessment.Figure(7, 10, None))[1] == 0.0
    assert assessment.score(rule, assessment.Figure(10, 10, None))[1] == 20.0
    lower = assessment.Rule("again_rate", "linear", 10, 20, 5)
    assert assessment.score(lower, assessment.Figure(1, 10, None)) == (10.0, 6.67, False)


@pytest.mark.parametrize("change, message", [
    ({"accept_rate-weight": "-5"}, "“及时受理率”的分值不能为负数"),
    ({"close_rate-floor": "90", "close_rate-target": "80"}, "“按期办结率”的零分线（90%）不能高于满分线（80%）"),
    ({"again_rate-floor": "5", "again_rate-target": "20"}, "“再信访率”越低越好：零分线（5%）不能低于满分线（20%）"),
    ({"skip_level-per": "abc"}, "“越级访”的每次扣分应为数字"),
    ({"collective-per": "0"}, "“集体访”的每次扣分应大于0"),
])
def test_bad_scheme_input_is_refused_in_chinese(year, change, message):
    with pytest.raises(ValidationFailed) as exc:
        assessment.parse_rules({**SCHEME_2025, **change})
    assert message in [m for msgs in exc.value.errors.values() for m in msgs]


def test_a_new_year_starts_from_the_last_one(year):
    rules, label = assessment.scheme_for(db.session, 2026)
    assert label == "沿用2025年度考核方案（2026年度尚未制定）"
    scheme = assessment.start_year(db.session, year["admin"], 2026)
    db.session.commit()
    assert [(i.indicator, i.rule, i.weight, i.floor, i.target, i.per_occurrence) for i in scheme.items] == \
        [(r.indicator, r.rule, r.weight, r.floor, r.target, r.per_occurrence) for r in rules]
    with pytest.raises(ValueError, match="2026年度考核方案已存在"):
        assessment.start_year(db.session, year["admin"], 2026)
    assert db.session.query(AssessmentScheme).count() == 2


def test_without_any_scheme_the_default_is_used(app):
    rules, label = assessment.scheme_for(db.session, 2030)
    assert label == "默认考核方案（2030年度尚未制定）"
    assert [r.indicator for r in rules if r.rule == "veto"] == ["skip_collective"]
    assert "screening_rate" not in [r.indicator for r in rules] or "screening_rate" in assessment.INDICATORS


def test_screening_indicator_only_when_the_screening_service_has_it():
    try:
        from services import screening
        has = hasattr(screening, "report_timeliness")
    except ImportError:
        has = False
    assert ("screening_rate" in assessment.INDICATORS) == has


def test_voided_cases_are_never_counted(year):
    ids = {c.id for c in db.session.query(Case).filter(Case.status == "voided")}
    skip = assessment.INDICATORS["skip_level"](db.session, d(2025, 1, 1), d(2025, 12, 31))
    assert not ids & set(db.session.execute(skip[year["a"].id].cases).scalars())


def test_the_assessment_runs_a_fixed_number_of_queries(year):
    """SQL aggregation grouped by department: more cases, not more queries."""
    from sqlalchemy import event

    def count_queries():
        seen = []

        def hook(*_args):
            seen.append(1)
        engine = db.session.get_bind()
        event.listen(engine, "before_cursor_execute", hook)
        try:
            assessment.assess(db.session, statistics.year(2025))
        finally:
            event.remove(engine, "before_cursor_execute", hook)
        return len(seen)

    before = count_queries()
    for n in range(1, 21):
        CaseFactory(department_id=year["b"].id, received_on=d(2025, 10, n % 28 + 1), is_skip_level=True,
                    accept_due=d(2025, 11, 1), accept_notice_on=d(2025, 10, 30))
    db.session.commit()
    assert count_queries() == before
