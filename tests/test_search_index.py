"""The substring index behind the search box (models/search_index.py): kept in step with every write,
consulted for terms of 3 characters or more, and short terms still found (issue 17)."""
import pytest
from sqlalchemy import select, text, update

from models import ArchiveRecord, Case, CaseParty, Party, db
from services import search
from tests.test_search import _listed


def _petitioned(case_id):
    return db.session.execute(select(Party).join(CaseParty, CaseParty.party_id == Party.id).where(
        CaseParty.case_id == case_id, CaseParty.role == "petitioner")).scalars().first()


def _case(status="handling"):
    return db.session.execute(select(Case).where(Case.status == status, Case.purpose == "request")
                              .order_by(Case.id)).scalars().first()


def test_the_index_follows_every_write(make_client, demo_app):
    case = _case()
    clerk = make_client("clerk")
    # The case's own text, changed through the ORM and through a Core UPDATE alike.
    case.summary = "反映渠首闸门漏水严重需要维修"
    db.session.commit()
    assert case.number in _listed(clerk, "渠首闸门")[0]
    db.session.execute(update(Case).where(Case.id == case.id).values(incident_place="示范县鹭鸶湾村"))
    db.session.commit()
    assert case.number in _listed(clerk, "鹭鸶湾")[0]
    case.summary = "反映道路破损"
    db.session.commit()
    assert case.number not in _listed(clerk, "渠首闸门")[0]
    # A 档号 written, renumbered, removed.
    closed = db.session.execute(select(Case).where(Case.status == "archived")).scalars().first()
    record = db.session.execute(select(ArchiveRecord).where(ArchiveRecord.case_id == closed.id)).scalar_one()
    record.archive_number = "XF-2026-普-9876"
    db.session.commit()
    assert _listed(clerk, "普-9876")[0] == {closed.number}
    # A person renamed is found by the new name, no longer by the old one.
    party = _petitioned(case.id)
    party.name = "欧阳澜汐"
    db.session.commit()
    assert case.number in _listed(clerk, "欧阳澜汐")[0]
    assert case.number in _listed(clerk, "澜汐")[0]  # 2 characters: matched without the index


def test_long_terms_go_through_the_index_and_short_ones_do_not(make_client, demo_app):
    """Take the case's row out of the index (SQLite): a 3-character term no longer finds it, which
    shows the index is what answers; a 2-character term still does, through LIKE."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's GIN index serves the same ILIKE; nothing to take out")
    case = _case()
    case.summary = "反映鹳雀楼附近噪音扰民"
    db.session.commit()
    clerk = make_client("clerk")
    assert case.number in _listed(clerk, "鹳雀楼")[0]
    db.session.execute(text("DELETE FROM case_search WHERE rowid = :id"), {"id": case.id})
    db.session.commit()
    assert case.number not in _listed(clerk, "鹳雀楼")[0]
    assert case.number in _listed(clerk, "鹳雀")[0]


def test_the_index_answers_as_like_does(demo_app):
    """Case-folding and wildcards: the index finds candidates, LIKE decides, so the answer is LIKE's."""
    case = _case()
    case.summary = "反映ABC公司拖欠工资50%以上"
    db.session.commit()
    from models import User
    clerk = db.session.execute(select(User).where(User.username == "clerk")).scalar_one()

    def found(term):
        clause = search.case_search_clause(db.session, clerk, term)
        return case.id in set(db.session.execute(select(Case.id).where(clause)).scalars())

    assert found("abc公司") and found("ABC") and found("50%") and found("工资50%以上")
    assert not found("abd公司") and not found("5_%") and not found("公司ABC")


@pytest.mark.parametrize("term", ["拖欠工资", "王建国", "2026-000123", "XF-2026"])
def test_a_long_term_is_an_index_lookup_not_a_scan(demo_app, term):
    """The plan of the clerk's search (SQLite): the case, party, link and archive tables are
    searched by key, never scanned whole (a 1-2 character term still scans: see docs/scaling.md)."""
    import re

    from models import User
    from services import access
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL's GIN use depends on its statistics")
    # Statistics of an office of a million cases: the demo's 300 rows make any scan look cheap.
    db.session.execute(text("ANALYZE"))
    for tbl, idx, stat in db.session.execute(text("SELECT tbl, idx, stat FROM sqlite_stat1")).all():
        if tbl in ("case", "party", "case_party", "case_event", "archive_record"):
            rows, _sep, rest = stat.partition(" ")
            db.session.execute(text("UPDATE sqlite_stat1 SET stat = :s WHERE tbl = :t AND idx IS :i"),
                               {"s": " ".join(filter(None, [str(int(rows) * 3000), rest])), "t": tbl, "i": idx})
    db.session.execute(text("ANALYZE sqlite_schema"))
    clerk = db.session.execute(select(User).where(User.username == "clerk")).scalar_one()
    query = (select(Case.id).where(search.case_search_clause(db.session, clerk, term),
                                   access.case_filter(db.session, clerk))
             .order_by(Case.id.desc()).limit(20))
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = [row[3] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql))]
    scans = [line for line in plan if re.match(r"SCAN (case|party|case_party|archive_record)\b", line)]
    assert not scans, plan
    assert any("case_search VIRTUAL TABLE" in line for line in plan), plan
