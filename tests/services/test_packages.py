"""services/packages.py: 四明确, same petitioner, accept/progress/finish, scope, 我的包案, the
resolution rate. Hand-built office on the `app` fixture (office today frozen to 2026-11-20)."""
from datetime import date
from itertools import count

import pytest
from sqlalchemy import func, select

from models import (AuditLog, Case, CaseEvent, CaseParty, PackageAssignment, PackageProgress, Party,
                    db)
from services import ServiceError, ValidationFailed, access
from services import packages as pk
from tests.factories import leaders_office, make_user


_seq = count(1)
TODAY = date(2026, 11, 20)


def _case(dept, petitioner, place="城关镇", status="handling", purpose="request"):
    n = next(_seq)
    c = Case(number=f"2026-{n:06d}", query_code=f"P{n:06d}", channel="visit", purpose=purpose,
             category="城乡建设", received_on=date(2026, 9, n % 28 + 1), summary=f"反映问题{n}",
             incident_place=place, status=status, department=dept)
    db.session.add(c)
    db.session.flush()
    if petitioner is not None:
        db.session.add(CaseParty(case=c, party=petitioner, role="petitioner"))
        db.session.flush()
    return c


@pytest.fixture
def office(app):
    o = leaders_office(portfolios=False)
    for name in ("张三", "李四", "王五"):
        p = Party(name=name)
        db.session.add(p)
        o[name] = p
    db.session.flush()
    db.session.commit()
    return o


def _input(office, cases, **kw):
    data = dict(case_ids=[c.id for c in cases], leader_id=office["leader"].id,
                department_id=office["zj"].id, responsible_person="陈科长", deadline=date(2026, 12, 31),
                plan="逐户走访，核实补偿标准，一个月内答复。")
    data.update(kw)
    return pk.PackageInput(**data)


def test_missing_four_clear_fields_are_named(office):
    c = _case(office["zj"], office["张三"])
    db.session.commit()
    with pytest.raises(ValidationFailed) as exc:
        pk.propose(db.session, office["clerk"], _input(office, [c], department_id=None, deadline=None))
    assert exc.value.message == "包案必须明确：责任单位、办结期限"
    assert set(exc.value.errors) >= {"department_id", "deadline"}
    with pytest.raises(ValidationFailed) as exc:
        pk.propose(db.session, office["clerk"], _input(office, [c], leader_id=None, responsible_person=" ",
                                                       plan=""))
    assert exc.value.message == "包案必须明确：包案领导、责任人；并须制定化解方案"
    with pytest.raises(ValidationFailed) as exc:
        pk.propose(db.session, office["clerk"], _input(office, [c], plan=" "))
    assert exc.value.message == "包案必须制定化解方案"
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(PackageAssignment)).scalar() == 0


def test_cases_of_different_petitioners_are_refused(office):
    a, b = _case(office["zj"], office["张三"]), _case(office["zj"], office["李四"])
    db.session.commit()
    with pytest.raises(ValidationFailed) as exc:
        pk.propose(db.session, office["clerk"], _input(office, [a, b]))
    assert "同一信访人" in exc.value.message and "张三" in exc.value.message and "李四" in exc.value.message
    db.session.rollback()
    c = _case(office["zj"], office["张三"])
    pkg = pk.propose(db.session, office["clerk"], _input(office, [a, c]))
    db.session.commit()
    assert pkg.status == "proposed" and {x.id for x in pkg.cases} == {a.id, c.id}
    # The default title names neither the petitioner nor a case number.
    assert pkg.title == f"{a.category}问题包案（2件）"
    assert "张三" not in pkg.title and a.number not in pkg.title and c.number not in pkg.title
    # Each case's timeline shows the package; a case already packaged is refused again.
    assert db.session.execute(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.action == "package")).scalar() == 2
    with pytest.raises(ValidationFailed, match="已在包案"):
        pk.propose(db.session, office["clerk"], _input(office, [c]))


def test_propose_checks_roles_and_values(office):
    c = _case(office["zj"], office["张三"])
    db.session.commit()
    with pytest.raises(ServiceError, match="只有信访办"):
        pk.propose(db.session, office["leader"], _input(office, [c]))
    with pytest.raises(ValidationFailed, match="在职的领导"):
        pk.propose(db.session, office["clerk"], _input(office, [c], leader_id=office["handler1"].id))
    with pytest.raises(ValidationFailed, match="不能早于今天"):
        pk.propose(db.session, office["clerk"], _input(office, [c], deadline=date(2026, 11, 1)))
    with pytest.raises(ValidationFailed, match="请选择"):
        pk.propose(db.session, office["clerk"], _input(office, []))


def test_accept_progress_finish(office):
    c = _case(office["zj"], office["张三"])
    pkg = pk.propose(db.session, office["clerk"], _input(office, [c]))
    db.session.commit()
    with pytest.raises(ServiceError, match="本人"):
        pk.accept(db.session, office["leader2"], pkg)
    with pytest.raises(ServiceError, match="化解中"):
        pk.add_progress(db.session, office["leader"], pkg, TODAY, "走访")
    pk.accept(db.session, office["leader"], pkg)
    db.session.commit()
    assert pkg.status == "active" and pkg.accepted_on == TODAY
    pk.add_progress(db.session, office["leader"], pkg, TODAY, "带队走访信访人，听取诉求")
    pk.add_progress(db.session, office["handler1"], pkg, TODAY, "住建局已完成补偿测算")
    with pytest.raises(ServiceError, match="责任单位承办人"):
        pk.add_progress(db.session, office["handler2"], pkg, TODAY, "x")
    with pytest.raises(ServiceError, match="晚于今天"):
        pk.add_progress(db.session, office["leader"], pkg, date(2026, 11, 21), "x")
    db.session.commit()
    assert pk.latest_progress(pkg).text == "住建局已完成补偿测算"
    with pytest.raises(ServiceError, match="本人"):
        pk.finish(db.session, office["handler1"], pkg, "resolved", "x")
    with pytest.raises(ServiceError, match="化解结果"):
        pk.finish(db.session, office["leader"], pkg, "maybe", "x")
    with pytest.raises(ServiceError, match="办结说明"):
        pk.finish(db.session, office["leader"], pkg, "stopped", "")
    pk.finish(db.session, office["leader"], pkg, "stopped", "信访人签署息诉罢访承诺书")
    db.session.commit()
    assert (pkg.status, pkg.outcome, pkg.finished_on) == ("finished", "stopped", TODAY)
    assert db.session.execute(select(func.count()).select_from(PackageProgress)).scalar() == 2


def _pkg(office, leader, dept, deadline, status="active", outcome=None, finished_on=None, cases=()):
    p = PackageAssignment(title=f"包案{next(_seq)}", leader_id=leader.id, department_id=dept.id,
                          responsible_person="责任人", deadline=deadline, plan="方案", status=status,
                          outcome=outcome, finished_on=finished_on)
    p.cases = list(cases)
    db.session.add(p)
    db.session.flush()
    return p


def test_resolution_rate_on_a_hand_built_set(office):
    L, zj, rs = office["leader"], office["zj"], office["rs"]
    in_q = [("resolved", date(2026, 7, 3)), ("resolved", date(2026, 8, 15)), ("resolved", date(2026, 9, 30)),
            ("stopped", date(2026, 7, 1)), ("stopped", date(2026, 9, 1)),
            ("unresolved", date(2026, 8, 1)), ("unresolved", date(2026, 8, 2)), ("unresolved", date(2026, 9, 9))]
    for i, (outcome, on) in enumerate(in_q):
        _pkg(office, L, zj if i % 2 else rs, date(2026, 12, 31), "finished", outcome, on)
    _pkg(office, L, zj, date(2026, 12, 31), "finished", "resolved", date(2026, 6, 30))  # outside
    _pkg(office, L, zj, date(2026, 12, 31), "active")  # not finished
    db.session.commit()
    rate = pk.resolution_rate(db.session, date(2026, 7, 1), date(2026, 9, 30))
    assert (rate.finished, rate.resolved, rate.stopped, rate.unresolved) == (8, 3, 2, 3)
    assert rate.rate == pytest.approx(5 / 8) and rate.percent == "62.5%"
    only_zj = pk.resolution_rate(db.session, date(2026, 7, 1), date(2026, 9, 30), department_ids=[zj.id])
    # odd positions: resolved 08-15, stopped 07-01, unresolved 08-01, unresolved 09-09
    assert (only_zj.finished, only_zj.resolved + only_zj.stopped) == (4, 2)
    empty = pk.resolution_rate(db.session, date(2025, 1, 1), date(2025, 12, 31))
    assert empty.finished == 0 and empty.rate is None and empty.percent == "—"


def test_overdue_and_my_packages(office):
    L = office["leader"]
    late = _pkg(office, L, office["zj"], date(2026, 11, 10))
    soon = _pkg(office, L, office["zj"], date(2026, 11, 30))
    done = _pkg(office, L, office["zj"], date(2026, 11, 1), "finished", "resolved", date(2026, 10, 30))
    _pkg(office, office["leader2"], office["zj"], date(2026, 12, 1))
    db.session.add(PackageProgress(package=soon, on=date(2026, 11, 18), text="已约谈信访人", author_id=L.id))
    db.session.commit()
    assert pk.is_package_overdue(late) and not pk.is_package_overdue(soon) and not pk.is_package_overdue(done)
    rows = pk.my_packages(db.session, L)
    assert [r.package.id for r in rows] == [late.id, soon.id, done.id]
    assert (rows[0].days_left, rows[0].deadline_label, rows[0].overdue) == (-10, "超期10天", True)
    assert (rows[1].days_left, rows[1].deadline_label) == (10, "剩10天")
    assert rows[1].latest.text == "已约谈信访人"


def test_suggested_leaders_by_rank_for_one_area(office):
    zj = office["zj"]
    a1, a2 = _case(zj, office["张三"], "东关村"), _case(zj, office["张三"], "东关村")
    b = _case(zj, office["李四"], "东关村")
    c = _case(zj, office["王五"], "东关村")
    db.session.commit()
    s = pk.suggest_leaders(db.session, [b, a1, c, a2])
    # One package per petitioner; the petitioner with most cases first; leaders by rank.
    assert [(x.petitioner, x.leader.full_name) for x in s] == [
        ("张三", "赵县长"), ("李四", "李建国"), ("王五", "孙局长")]
    assert [x.number for x in s[0].cases] == [a1.number, a2.number]


def test_scope_handlers_see_their_reach_only(office):
    c1 = _case(office["zj"], office["张三"])
    c2 = _case(office["rs"], office["李四"])
    p1 = _pkg(office, office["leader"], office["zj"], date(2026, 12, 31), cases=[c1])
    p2 = _pkg(office, office["leader2"], office["rs"], date(2026, 12, 31), cases=[c2])
    db.session.commit()

    def seen(u):
        return set(db.session.execute(select(PackageAssignment.id).where(pk.package_filter(db.session, u))).scalars())

    assert seen(office["handler1"]) == {p1.id}
    assert seen(office["handler2"]) == {p2.id}
    assert seen(office["clerk"]) == {p1.id, p2.id}
    assert p1.id in seen(office["leader"])
    assert pk.get_visible(db.session, office["handler1"], p2.id) is None
    assert pk.get_visible(db.session, office["handler1"], "x") is None
    assert pk.get_visible(db.session, None, p1.id) is None


# ---- issue 11: an accusation is never packaged beside its accuser's other cases ----------------

def _accusation(office, petitioner, accused_dept=None, dept=None):
    c = _case(dept or office["rs"], petitioner, purpose="accusation")
    if accused_dept is not None:
        unit = Party(name=accused_dept.name, kind="unit", department_id=accused_dept.id)
        db.session.add(unit)
        db.session.add(CaseParty(case=c, party=unit, role="accused"))
        db.session.flush()
    return c


def _count(model, *where):
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


def test_an_accusation_is_never_packaged_with_other_cases(office):
    plain, accusation = _case(office["zj"], office["张三"]), _accusation(office, office["张三"])
    db.session.commit()
    with pytest.raises(ValidationFailed) as exc:
        pk.propose(db.session, office["clerk"], _input(office, [plain, accusation]))
    assert "检举控告类信访事项不能与其他类别的信访事项合并包案" in exc.value.message
    assert accusation.number in exc.value.message and "请将检举控告件单独包案" in exc.value.message
    db.session.rollback()
    assert _count(PackageAssignment) == 0 and _count(CaseEvent) == 0
    # Alone it may be packaged; nothing else of the accuser may join it, nor it another package.
    alone = pk.propose(db.session, office["clerk"], _input(office, [accusation], department_id=office["rs"].id))
    other = pk.propose(db.session, office["clerk"], _input(office, [plain]))
    db.session.commit()
    for pkg, case in ((alone, plain), (other, accusation)):
        with pytest.raises(ValidationFailed, match="检举控告类"):
            pk.add_cases(db.session, office["clerk"], pkg, [case.id])
        db.session.rollback()
    assert [c.id for c in alone.cases] == [accusation.id] and [c.id for c in other.cases] == [plain.id]


def test_archived_cases_are_refused_and_get_no_events(office):
    done = _case(office["zj"], office["张三"], status="archived")
    live = _case(office["zj"], office["张三"])
    db.session.commit()
    with pytest.raises(ValidationFailed, match=f"{done.number}已归档"):
        pk.propose(db.session, office["clerk"], _input(office, [live, done]))
    db.session.rollback()
    pkg = pk.propose(db.session, office["clerk"], _input(office, [live]))
    db.session.commit()
    with pytest.raises(ValidationFailed, match="已归档"):
        pk.add_cases(db.session, office["clerk"], pkg, [done.id])
    db.session.rollback()
    assert _count(CaseEvent, CaseEvent.case_id == done.id) == 0


def test_the_office_adds_cases_of_the_same_petitioner(office):
    a, b, other = _case(office["zj"], office["张三"]), _case(office["zj"], office["张三"]), _case(office["zj"], office["李四"])
    pkg = pk.propose(db.session, office["clerk"], _input(office, [a]))
    db.session.commit()
    with pytest.raises(ServiceError, match="只有信访办"):
        pk.add_cases(db.session, office["leader"], pkg, [b.id])
    with pytest.raises(ValidationFailed, match="同一信访人"):
        pk.add_cases(db.session, office["clerk"], pkg, [other.id])
    db.session.rollback()
    pk.add_cases(db.session, office["clerk"], pkg, [b.id])
    db.session.commit()
    assert {c.id for c in pkg.cases} == {a.id, b.id}
    assert _count(CaseEvent, CaseEvent.case_id == b.id, CaseEvent.action == "package") == 1
    assert _count(AuditLog, AuditLog.action == "package_change") == 1
    with pytest.raises(ValidationFailed, match="已在本包案中"):
        pk.add_cases(db.session, office["clerk"], pkg, [b.id])


def test_a_declined_package_gives_its_leader_no_reach_and_is_reassigned(office):
    far = make_user("leader4", "钱局长", "leader", office["rs"], 4)
    c = _case(office["zj"], office["张三"])
    pkg = pk.propose(db.session, office["clerk"], _input(office, [c], leader_id=far.id))
    db.session.commit()
    assert access.can_see_case(db.session, far, c)  # the proposed package brings the case
    with pytest.raises(ServiceError, match="本人"):
        pk.decline(db.session, office["leader"], pkg, "不是我的")
    with pytest.raises(ServiceError, match="退回理由"):
        pk.decline(db.session, far, pkg, " ")
    db.session.rollback()
    pk.decline(db.session, far, pkg, "与本人分管工作无关")
    db.session.commit()
    assert pkg.status == "declined" and pkg.outcome_note == "与本人分管工作无关"
    assert not access.can_see_case(db.session, far, c)
    assert pk.get_visible(db.session, far, pkg.id) is None and pk.my_packages(db.session, far) == []
    assert _count(AuditLog, AuditLog.action == "package_decline") == 1
    # The case is free again, and the office names another leader.
    with pytest.raises(ServiceError, match="只有信访办"):
        pk.reassign(db.session, far, pkg, office["leader2"].id)
    with pytest.raises(ValidationFailed, match="已退回"):
        pk.reassign(db.session, office["clerk"], pkg, far.id)
    with pytest.raises(ValidationFailed, match="在职的领导"):
        pk.reassign(db.session, office["clerk"], pkg, office["handler1"].id)
    db.session.rollback()
    pk.reassign(db.session, office["clerk"], pkg, office["leader2"].id, office["rs"].id)
    db.session.commit()
    assert (pkg.status, pkg.leader_id, pkg.department_id) == ("proposed", office["leader2"].id, office["rs"].id)
    assert _count(AuditLog, AuditLog.action == "package_reassign") == 1
    pk.accept(db.session, office["leader2"], pkg)
    with pytest.raises(ServiceError, match="已确认"):
        pk.reassign(db.session, office["clerk"], pkg, office["leader"].id)


def test_the_accused_unit_never_leads_the_package_of_an_accusation_against_it(office):
    c = _accusation(office, office["张三"], accused_dept=office["zj"], dept=office["rs"])
    db.session.commit()
    with pytest.raises(ValidationFailed, match="不得由被反映单位") as exc:
        pk.propose(db.session, office["clerk"], _input(office, [c], department_id=office["zj"].id))
    assert "department_id" in exc.value.errors
    db.session.rollback()
    pkg = pk.propose(db.session, office["clerk"], _input(office, [c], department_id=office["rs"].id))
    db.session.commit()
    with pytest.raises(ValidationFailed, match="不得由被反映单位"):
        pk.reassign(db.session, office["clerk"], pkg, office["leader2"].id, office["zj"].id)
    db.session.rollback()
    assert pkg.department_id == office["rs"].id and pkg.leader_id == office["leader"].id
