"""The demo office: what a person trying the product would check."""
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import create_engine, func, select, text

from models import (ArchiveRecord, Case, CaseEvent, CaseParty, Department, PackageAssignment, Party,
                    ReceptionSchedule, User, db)
from models.enums import EVENT_ACTIONS, IN_PERSON_CHANNELS, STATUSES
from services import deadlines
from services.validation import check_id_number
from tests.conftest import DEMO_TODAY, PG_URL


def all_cases(session):
    return session.scalars(select(Case).order_by(Case.id)).all()


def test_users_and_departments(session):
    users = {u.username: u for u in session.scalars(select(User))}
    assert {"admin", "clerk", "leader", "leader2", "leader3", "archivist", "handler1", "handler2",
            "handler3"} <= set(users)
    assert users["clerk"].role == "clerk" and users["clerk"].department.name == "县信访局"
    assert users["leader"].position == "副县长" and users["leader"].rank_order == 2
    assert users["handler1"].department.name != users["handler2"].department.name
    assert all(u.check_password("demo1234") for u in users.values())
    depts = {d.name: d for d in session.scalars(select(Department))}
    root = depts["示范县人民政府"]
    assert depts["县信访局"].kind == "office" and depts["县信访局"].parent is root
    assert depts["县纪委监委"].kind == "discipline"
    assert depts["县城市管理综合执法大队"].parent is depts["县住房和城乡建设局"]
    assert depts["县劳动保障监察大队"].parent is depts["县人力资源和社会保障局"]
    assert len([d for d in depts.values() if d.kind == "unit" and d.parent is root]) >= 4


def test_every_status_and_channel_and_class(session):
    cases = all_cases(session)
    assert 280 <= len(cases) <= 320
    assert set(STATUSES) == {c.status for c in cases}
    assert {c.channel for c in cases} >= {"letter", "visit", "phone", "online", "reception"}
    assert {c.purpose for c in cases} == {"suggestion", "accusation", "request"}
    assert len({c.category for c in cases}) >= 10
    assert len({c.incident_place for c in cases}) >= 20
    assert min(c.received_on for c in cases) >= DEMO_TODAY - timedelta(days=366)


def test_numbers_are_year_correct_and_unique(session):
    cases = all_cases(session)
    numbers = [c.number for c in cases]
    assert len(set(numbers)) == len(numbers)
    assert all(c.number.startswith(f"{c.received_on.year}-") for c in cases)
    assert {n[:4] for n in numbers} == {"2025", "2026"}
    for year in ("2025", "2026"):
        seq = sorted(int(n[5:]) for n in numbers if n.startswith(year))
        assert seq == list(range(1, len(seq) + 1))


def test_parties_have_valid_id_numbers_and_phones(session):
    from services.validation import check_phone
    parties = session.scalars(select(Party)).all()
    with_id = [p for p in parties if p.id_number]
    assert len(with_id) > 200
    assert [p.id_number for p in with_id if check_id_number(p.id_number, DEMO_TODAY)] == []
    assert [p.phone for p in parties if p.phone and check_phone(p.phone)] == []
    assert len({p.name for p in parties}) > 100


def test_repeat_petitioners_and_links(session):
    per_party = Counter(cp.party_id for cp in session.scalars(
        select(CaseParty).where(CaseParty.role == "petitioner")))
    repeaters = [pid for pid, n in per_party.items() if n >= 2]
    assert 10 <= len(repeaters) <= 25
    assert max(per_party.values()) <= 4
    repeats = [c for c in all_cases(session) if c.is_repeat]
    assert len(repeats) >= 15
    for case in repeats:
        earlier = case.repeat_of
        assert earlier is not None and earlier.received_on <= case.received_on
        mine = {cp.party_id for cp in case.parties}
        assert mine & {cp.party_id for cp in earlier.parties}
    assert any(c.status == "refused_repeat" for c in repeats)


def test_collective_visits(session):
    collective = [c for c in all_cases(session) if c.is_collective]
    assert 8 <= len(collective) <= 15
    for case in collective:
        assert case.channel in IN_PERSON_CHANNELS and 5 <= case.people_count <= 60
        assert 1 <= len(case.parties_with("representative")) <= 5
    assert not [c for c in all_cases(session) if not c.is_collective and c.channel in IN_PERSON_CHANNELS
                and c.people_count >= 5]


def test_handlers_departments_have_cases_in_several_statuses(session):
    for username in ("handler1", "handler2", "handler3"):
        user = session.scalar(select(User).where(User.username == username))
        from services.access import user_dept_ids
        statuses = {c.status for c in all_cases(session) if c.department_id in user_dept_ids(session, user)}
        assert len(statuses) >= 4, (username, statuses)
        assert "handling" in statuses


def test_clocks_overdue_due_soon_and_extensions(session):
    cal = deadlines.load_calendar(session)
    handling = [c for c in all_cases(session) if c.status == "handling"]
    states = Counter(deadlines.due_state(c.handle_due, cal, DEMO_TODAY).state for c in handling)
    assert states["overdue"] >= 5 and states["due_soon"] >= 2 and states["ok"] >= 10
    assert 1 <= sum(c.extension_state == "pending" for c in handling) <= 2
    for c in all_cases(session):
        if c.accepted_on and c.review_level == 0 and not c.source_deadline:
            assert c.handle_base_due == deadlines.handle_due(session, c.accepted_on, cal=cal)
        assert c.accept_due == deadlines.accept_due(session, c.received_on, cal)


def test_history_is_consistent(session):
    events = defaultdict(list)
    for e in session.scalars(select(CaseEvent).order_by(CaseEvent.id)):
        events[e.case_id].append(e)
    limit = datetime(DEMO_TODAY.year, DEMO_TODAY.month, DEMO_TODAY.day) + timedelta(days=1)
    for case in all_cases(session):
        evs = events[case.id]
        if case.review_level:  # a 复查 case is made by the review_request move on its parent
            assert evs[0].action == "review_request" and evs[0].to_status == "accepted"
        else:
            assert evs[0].action == "register" and evs[0].to_status == "registered"
        assert all(e.action in EVENT_ACTIONS for e in evs)
        assert all(e.at + timedelta(hours=8) < limit for e in evs)  # stored UTC, office day not after today
        moves = [e for e in sorted(evs, key=lambda e: e.at) if e.to_status and e.from_status != e.to_status]
        assert moves[-1].to_status == case.status, case.number
        for field in ("accepted_on", "assigned_on", "signed_on", "replied_on", "closed_on", "archived_on"):
            value = getattr(case, field)
            assert value is None or case.received_on <= value <= DEMO_TODAY
        if case.status in ("closed", "archived"):
            assert case.reply_text and case.replied_on and case.close_approved_by.role == "leader"
            assert case.receipt_status and case.satisfaction
        if case.status in ("assigned", "handling", "replied", "closing", "closed", "archived"):
            assert case.department_id is not None


def test_reviews_receptions_packages_archive(session):
    cases = all_cases(session)
    reviews = [c for c in cases if c.review_level == 1]
    assert len(reviews) >= 2 and all(c.parent_case is not None for c in reviews)
    rows = session.scalars(select(ReceptionSchedule).order_by(ReceptionSchedule.day)).all()
    assert rows and all(r.day.weekday() in (1, 3) and r.slot == "am" for r in rows)
    assert {(r.day.year, r.day.month) for r in rows} == {(2026, 11), (2026, 12)}
    assert {r.leader.username for r in rows} == {"leader", "leader2", "leader3"}
    assert all(r.place == "县信访局一楼接待大厅" and r.portfolio == r.leader.portfolio for r in rows)
    received = [c for c in cases if c.channel == "reception"]
    assert received and all(c.reception_id and c.leader_id and c.leader_instruction for c in received)
    packages = session.scalars(select(PackageAssignment)).all()
    assert len(packages) == 3
    assert {p.status for p in packages} == {"active", "finished"}
    for p in packages:
        assert p.leader.role == "leader" and p.responsible_person and p.deadline and p.plan
        assert 1 <= len(p.progress) <= 3 and len(p.cases) >= 2
        people = [{cp.party_id for cp in c.parties if cp.role == "petitioner"} for c in p.cases]
        assert set.intersection(*people)
        # An accusation never sits in a package beside another class of case.
        assert len({c.purpose == "accusation" for c in p.cases}) == 1
        assert (p.status == "finished") == (p.outcome is not None)
    archived = [c for c in cases if c.status == "archived"]
    records = session.scalars(select(ArchiveRecord)).all()
    assert {r.case_id for r in records} == {c.id for c in archived}
    # Every filed case went through 交办 (even the suggestions the 信访局 answers itself), so the
    # archive move files each as a 专卷.
    assert {r.volume_type for r in records} == {"special"}
    assert len({r.archive_number for r in records}) == len(records)
    assert all(r.catalogue.count("\n") >= 3 and r.page_count > 0 and r.location for r in records)


def test_build_is_deterministic(app, _templates):
    """Building the demo gives the same office every time (its speed is no test's business)."""
    import demo
    stats = demo.build_demo_office(db.session, cases=300, today=DEMO_TODAY)
    db.session.commit()
    assert stats["cases"] == db.session.scalar(select(func.count()).select_from(Case))
    mine = db.session.execute(select(Case.number, Case.status, Case.summary).order_by(Case.number)).all()
    uri = _templates["demo"] if PG_URL else "sqlite:///" + _templates["demo"]
    engine = create_engine(uri)
    try:
        with engine.connect() as conn:
            theirs = conn.execute(text('SELECT number, status, summary FROM "case" ORDER BY number')).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in mine] == [tuple(r) for r in theirs]
