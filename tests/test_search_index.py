"""The substring index behind the search box (models/search_index.py): kept in step with every write,
consulted for terms of 3 characters or more, and short terms still found (issue 17)."""
import pytest
from sqlalchemy import select, text, update

from models import ArchiveRecord, Case, CaseParty, Party, db
from services import search
from tests import test_search
from tests.test_search import _listed

person = test_search.person  # the fixture: one person in an accusation and two requests


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


def _clerk_search_plan(term):
    """The plan of the clerk's search (SQLite) under the statistics of an office of a million
    cases (the demo's 300 rows make any scan look cheap)."""
    import re

    from models import User
    from services import access
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
    return plan, scans


@pytest.mark.parametrize("term", ["拖欠工资", "王建国", "2026-000123", "XF-2026"])
def test_a_long_term_is_an_index_lookup_not_a_scan(demo_app, term):
    """The plan of the clerk's search (SQLite): the case, party, link and archive tables are
    searched by key, never scanned whole."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL's GIN use depends on its statistics")
    plan, scans = _clerk_search_plan(term)
    assert not scans, plan
    assert any("case_search VIRTUAL TABLE" in line for line in plan), plan


@pytest.mark.parametrize("term", ["王伟", "王", "工资", "26"])
def test_a_short_term_is_an_index_lookup_not_a_scan(demo_app, term):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL: test_postgresql_asks_the_grams_index")
    plan, scans = _clerk_search_plan(term)
    assert not scans, plan
    assert any("case_search_short VIRTUAL TABLE" in line for line in plan), plan
    assert any("party_search_short VIRTUAL TABLE" in line for line in plan), plan


def test_postgresql_asks_the_grams_index(demo_app):
    """PostgreSQL: a 1-2 character term is answered by the GIN indexes on xf_search_grams (seq
    scans priced out: the demo's rows are too few for the planner to bother otherwise)."""
    from models import User
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's indexes")
    clerk = db.session.execute(select(User).where(User.username == "clerk")).scalar_one()
    db.session.execute(text("SET LOCAL enable_seqscan = off"))

    def plan(query):
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        return "\n".join(db.session.execute(text("EXPLAIN " + sql)).scalars())

    found = plan(select(Case.id).where(search.case_search_clause(db.session, clerk, "王伟")))
    for name in ("ix_case_text_grams", "ix_archive_record_archive_number_grams"):
        assert name in found, found
    # The person's side: the clause the search writes is the one the index serves.
    found = plan(select(Party.id).where(search._pg_grams(Party.name, "王伟")))
    assert "ix_party_name_grams" in found, found
    db.session.rollback()


# ---- terms of 1-2 characters (the short index) -------------------------------------------------

def _forget_party(party_id):
    """Take one person out of the short index, as the triggers do (SQLite's contentless table
    forgets a row by its tokens)."""
    from models import search_index
    db.session.execute(text(
        "INSERT INTO party_search_short(party_search_short, rowid, name) "
        f"SELECT 'delete', p.id, {search_index._grams('p.name')} FROM party p WHERE p.id = :id"), {"id": party_id})
    db.session.commit()


def test_a_surname_and_a_given_name_go_through_the_short_index(make_client, demo_app):
    """A person named 欧阳澜汐 is found by 1 and 2 characters; taken out of the short index (SQLite),
    no longer: the index is what answers, not a scan."""
    case = _case()
    party = _petitioned(case.id)
    party.name = "欧阳澜汐"
    db.session.commit()
    clerk = make_client("clerk")
    for typed in ("欧阳", "澜汐", "阳澜", "汐", "欧阳澜汐"):
        assert case.number in _listed(clerk, typed)[0], typed
    assert case.number not in _listed(clerk, "汐欧")[0]
    if db.engine.dialect.name != "sqlite":
        return
    _forget_party(party.id)
    for typed in ("欧阳", "汐"):
        assert case.number not in _listed(clerk, typed)[0], typed
    assert case.number in _listed(clerk, "欧阳澜")[0]  # 3 characters: the trigram index


def test_a_two_character_word_of_the_case_text_and_the_short_index_follows_writes(make_client, demo_app):
    case = _case()
    clerk = make_client("clerk")
    case.summary = "反映鹳鹬栖息地被占"
    db.session.commit()
    assert case.number in _listed(clerk, "鹬栖")[0] and case.number in _listed(clerk, "鹳")[0]
    db.session.execute(update(Case).where(Case.id == case.id).values(summary="反映道路破损"))
    db.session.commit()
    assert case.number not in _listed(clerk, "鹬栖")[0] and case.number not in _listed(clerk, "鹳")[0]
    # A 档号 written, renumbered.
    closed = db.session.execute(select(Case).where(Case.status == "archived")).scalars().first()
    record = db.session.execute(select(ArchiveRecord).where(ArchiveRecord.case_id == closed.id)).scalar_one()
    record.archive_number = "XF-2026-鼹-0001"
    db.session.commit()
    assert _listed(clerk, "鼹")[0] == {closed.number}
    record.archive_number = "XF-2026-普-0001X"
    db.session.commit()
    assert _listed(clerk, "鼹")[0] == set()
    assert _listed(clerk, "1X")[0] == {closed.number}
    # A person renamed, a person removed.
    party = _petitioned(case.id)
    party.name = "鼯鼠"
    db.session.commit()
    assert case.number in _listed(clerk, "鼯")[0]
    party.name = "张三"
    db.session.commit()
    assert case.number not in _listed(clerk, "鼯")[0]
    if db.engine.dialect.name == "sqlite":
        for table in ("case_search_short", "party_search_short"):
            db.session.execute(text(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)"))


def test_short_terms_answer_as_like_does(demo_app):
    """Case-folding, wildcards and characters the tokenizer drops: the short index finds
    candidates, LIKE decides."""
    from models import User
    case = _case()
    case.summary = "反映Ab公司拖欠5%工资·补发"
    db.session.commit()
    clerk = db.session.execute(select(User).where(User.username == "clerk")).scalar_one()

    def found(term):
        clause = search.case_search_clause(db.session, clerk, term)
        return case.id in set(db.session.execute(select(Case.id).where(clause)).scalars())

    assert found("ab") and found("AB") and found("b公") and found("5%") and found("%") and found("·补")
    assert found("·") and not found("_") and not found("ba") and not found("5_")


@pytest.mark.parametrize("typed", ["瞿翊", "翊辰", "瞿"])
def test_a_handler_never_finds_an_accusation_by_a_part_of_the_accusers_name(make_client, person, typed):
    """handler1 sees the accusation (住建局 assists) but may not know its accuser: 1-2 characters of
    the accuser's name find handler1's own case of that person, not the accusation, not in a count."""
    numbers, count, body = _listed(make_client("handler1"), typed)
    assert numbers == {person["mine"].number} and count == 1
    assert person["accusation"].number not in body and person["theirs"].number not in body
    numbers, count, _ = _listed(make_client("clerk"), typed)
    assert numbers == {person[k].number for k in ("accusation", "mine", "theirs")} and count == 3


def test_a_whole_number_finds_the_case_and_the_cases_that_cite_it(make_client, demo_app):
    """Decided (services/search.py): a whole case number is matched as contained, so the case and
    an imported case whose 原编号 reads the same are both found."""
    case, other = db.session.execute(select(Case).where(Case.status == "handling", Case.purpose == "request")
                                     .order_by(Case.id).limit(2)).scalars().all()
    other.original_number = case.number
    db.session.commit()
    assert _listed(make_client("clerk"), case.number)[0] == {case.number, other.number}
    assert _listed(make_client("clerk"), case.query_code)[0] == {case.number}
    assert _listed(make_client("clerk"), case.query_code.lower())[0] == {case.number}


@pytest.mark.parametrize("username", ["clerk", "handler1"])
def test_a_common_short_term_gives_the_same_answer_without_the_index(make_client, person, monkeypatch, username):
    """A term held by many rows (search.COMMON) is matched by LIKE over the cases newest first,
    not through the index's lists: same rows, same count, same access rules."""
    client = make_client(username)
    typed = ("瞿", "瞿翊", "县", "反映")
    before = [_listed(client, t)[:2] for t in typed]
    monkeypatch.setattr(search, "COMMON", 1)
    assert [_listed(client, t)[:2] for t in typed] == before
    if username == "handler1":
        assert person["accusation"].number not in _listed(client, "瞿")[0]
