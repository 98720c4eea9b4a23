"""gen-data's rows keep what the app relies on: the same checks a user (or a report) would make."""
import re
from collections import defaultdict
from itertools import groupby

from sqlalchemy import select

from models import (ArchiveRecord, Case, CaseAssist, CaseEvent, CaseParty, PackageAssignment,
                    PackageProgress, User, db, package_cases)
from services import archive, deadlines, gendata
from services.clock import today
from tests.factories import leaders_office, make_dept, make_user


def _office():
    office = leaders_office()
    jw = make_dept("县纪委监委", office["root"], "discipline")
    make_user("jw1", "纪承办", "handler", jw)
    make_user("archivist", "赵档案", "archivist", office["xfj"])
    db.session.commit()
    return office


def test_generated_office_keeps_every_invariant(app):
    _office()
    counts = gendata.generate(db.session, 1500, seed=5)
    db.session.commit()
    assert counts["cases"] == 1500 and counts["packages"] >= 1 and counts["assists"] >= 1
    day, cal = today(), deadlines.load_calendar(db.session)
    cases = {c.id: c for c in db.session.execute(select(Case)).scalars()}
    assert len({c.number for c in cases.values()}) == len({c.query_code for c in cases.values()}) == 1500

    events = defaultdict(list)
    for e in db.session.execute(select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.id)).scalars():
        events[e.case_id].append(e)
    for cid, c in cases.items():
        chain = events[cid]
        actions = [e.action for e in chain]
        # The timeline runs forward and ends where the case stands.
        assert [e.at for e in chain] == sorted(e.at for e in chain), actions
        assert chain[-1].to_status == c.status or chain[-1].action == "package"
        dates = [d for d in (c.received_on, c.accepted_on, c.assigned_on, c.signed_on, c.replied_on,
                             c.close_requested_on, c.closed_on, c.archived_on) if d]
        assert dates == sorted(dates) and dates[-1] <= day
        if c.status in ("closed", "archived"):
            assert {"reply", "close_approve"} <= set(actions) and c.replied_on and c.closed_on
            assert c.reply_text and c.satisfaction and c.close_approved_by_id
        if c.accepted_on:
            base = deadlines.handle_due(db.session, c.accepted_on, cal=cal)
            assert c.handle_base_due == base and c.accept_due == deadlines.accept_due(db.session, c.received_on, cal)
            if c.extension_state == "approved":
                assert c.extension_used and "extend_approve" in actions
                assert c.handle_due == deadlines.extended_due(db.session, base, c.extension_days, cal)
            else:
                assert c.handle_due == base and not c.extension_used
        if c.extension_state == "pending":
            assert c.status == "handling" and actions[-1] == "extend_request"
        if c.status in ("handling", "replied", "closing", "closed", "archived"):
            assert c.handler_id and c.department_id
    assert any(c.extension_state == "approved" for c in cases.values())
    assert any(c.extension_state == "denied" for c in cases.values())

    # 重复访 as registration sets it: the petitioner's latest earlier case that is not voided.
    earlier = {}
    repeats = 0
    for link in db.session.execute(select(CaseParty).where(CaseParty.role == "petitioner")
                                   .order_by(CaseParty.case_id)).scalars():
        c = cases[link.case_id]
        before = earlier.get(link.party_id)
        assert c.is_repeat == (before is not None) and c.repeat_of_id == before, c.number
        repeats += c.is_repeat
        if c.status != "voided":
            earlier[link.party_id] = c.id
        assert link.snapshot and link.snapshot["name"] == link.party.name
    assert 0 < repeats < 1500

    # Assisting departments: another unit than the one handling; none on an accusation.
    for a in db.session.execute(select(CaseAssist)).scalars():
        c = cases[a.case_id]
        assert a.department_id != c.department_id and c.department_id and c.purpose != "accusation"

    # 包案: one case of one petitioner, the leader a leader, the department the case's own;
    # ended with an outcome once the case is answered.
    leaders = set(db.session.execute(select(User.id).where(User.role == "leader")).scalars())
    for p in db.session.execute(select(PackageAssignment)).scalars():
        (c,) = p.cases
        assert c.purpose != "accusation"
        assert p.leader_id in leaders and p.department_id == c.department_id
        steps = [e.data.get("step") for e in events[c.id] if e.action == "package"]
        if p.status == "finished":
            assert c.status in ("replied", "closing", "closed", "archived") and p.outcome
            assert steps == ["propose", "accept", "finish"] and p.accepted_on <= p.finished_on == c.replied_on
        else:
            assert p.status == "active" and c.status == "handling" and steps == ["propose", "accept"]
        progress = db.session.execute(select(PackageProgress.on).where(PackageProgress.package_id == p.id)
                                      ).scalars().all()
        assert progress and all(p.accepted_on <= on <= day for on in progress)
    assert db.session.execute(select(package_cases.c.case_id)).first() is not None

    # One file per archived case, 档号 in the archive's format, and the next suggestion is free.
    records = db.session.execute(select(ArchiveRecord.case_id, ArchiveRecord.archive_number)).all()
    assert sorted(r.case_id for r in records) == sorted(c.id for c in cases.values() if c.status == "archived")
    numbers = {r.archive_number for r in records}
    assert len(numbers) == len(records) and all(re.fullmatch(r"XF-\d{4}-普-\d{4,}", n) for n in numbers)
    assert archive.suggest_number(db.session, "ordinary") not in numbers


def test_a_second_load_follows_on(app):
    """Generating into an office that already has cases: numbers, 档号 and ids continue."""
    _office()
    gendata.generate(db.session, 300, seed=1)
    db.session.commit()
    first = set(db.session.execute(select(Case.number)).scalars())
    gendata.generate(db.session, 300, seed=2)
    db.session.commit()
    numbers = db.session.execute(select(Case.number)).scalars().all()
    assert len(numbers) == len(set(numbers)) == 600 and first < set(numbers)
    files = db.session.execute(select(ArchiveRecord.archive_number)).scalars().all()
    assert len(files) == len(set(files))
    chains = db.session.execute(select(CaseEvent.case_id, CaseEvent.action).order_by(CaseEvent.case_id, CaseEvent.id)).all()
    assert all(list(g)[0].action == "register" for _cid, g in groupby(chains, key=lambda e: e.case_id))
