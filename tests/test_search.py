"""Finding a person and everything about them (issue 12 §1): the case list's search box by name,
pinyin, initials, ID number (or its tail), phone, 交办文号 and 档号; the person page (信访人); the
archive list's search; the registration hint — each within the user's reach, and never a case
found through an accuser the user may not know (not in a row, not in a count)."""
import re
from urllib.parse import quote

import pytest
from sqlalchemy import select

from models import ArchiveRecord, Case, CaseAssist, CaseParty, ChangeLog, Department, Party, User, db
from models.party import name_keys
from services import search
from tests import test_migrations

fresh_uri = test_migrations.fresh_uri  # the fixture: a brand-new SQLite or PostgreSQL database

NAME, ID, PHONE = "瞿翊辰", "110101199003075678", "13912345678"
ID_TAIL = ID[-6:]


def _dept(name):
    return db.session.execute(select(Department).where(Department.name == name)).scalar_one()


def _user(name):
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def _first(*where):
    return db.session.execute(select(Case).where(*where).order_by(Case.id)).scalars().first()


@pytest.fixture
def person(demo_app):
    """One person in three cases: an accusation of 县纪委监委 that 住建局 assists (handler1 sees the
    case, not the accuser), a request of 住建局 (handler1's own) and a request of 人社局 (handler2's)."""
    party = Party(name=NAME, id_number=ID, phone=PHONE, address="示范县城关镇解放路2号")
    accusation = _first(Case.purpose == "accusation", Case.status == "handling",
                        Case.department_id == _dept("县纪委监委").id)
    db.session.add(CaseAssist(case=accusation, department=_dept("县住房和城乡建设局")))
    mine = _first(Case.purpose == "request", Case.status == "handling",
                  Case.department_id == _dept("县住房和城乡建设局").id)
    theirs = _first(Case.purpose == "request", Case.status == "handling",
                    Case.department_id == _dept("县人力资源和社会保障局").id)
    for case in (accusation, mine, theirs):
        db.session.add(CaseParty(case=case, party=party, role="petitioner"))
    db.session.commit()
    return {"party": party, "accusation": accusation, "mine": mine, "theirs": theirs}


def _listed(client, text, url="/admin/case/"):
    """(numbers of the case rows, the count in the list tab) for a search of the list."""
    resp = client.get(f"{url}?search={quote(text)}")
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    table = re.search(r'<table[^>]*model-list.*?</table>', body, re.S)
    numbers = set(re.findall(r"\d{4}-\d{6}", table.group(0))) if table else set()
    m = re.search(r'nav-link active">[^<(]*\((\d+)\)', body)
    return numbers, int(m.group(1)) if m else 0, body


def _numbers(p, *keys):
    return {p[k].number for k in keys}


@pytest.mark.parametrize("typed", [NAME, "瞿翊", "quyichen", "qu yi chen", "QuYi", "qyc", ID, ID_TAIL,
                                   ID.lower(), PHONE, "139-1234-5678", PHONE[-4:]])
def test_clerk_finds_every_case_of_the_person_in_one_step(make_client, person, typed):
    numbers, count, _ = _listed(make_client("clerk"), typed)
    assert _numbers(person, "accusation", "mine", "theirs") <= numbers
    assert count >= 3


def test_full_id_and_phone_find_exactly_the_persons_cases(make_client, person):
    clerk = make_client("clerk")
    for typed in (ID, PHONE, NAME):
        numbers, count, _ = _listed(clerk, typed)
        assert numbers == _numbers(person, "accusation", "mine", "theirs") and count == 3, typed


@pytest.mark.parametrize("typed", [NAME, "quyichen", "qyc", ID, ID_TAIL, PHONE])
def test_handler_finds_own_case_but_nothing_of_the_accusation(make_client, person, typed):
    numbers, count, body = _listed(make_client("handler1"), typed)
    assert numbers == {person["mine"].number}
    assert count == 1  # the accusation is not counted either
    assert person["accusation"].number not in body and person["theirs"].number not in body


def test_ledger_export_of_a_search_holds_the_same_rows(make_client, person):
    import io

    import openpyxl
    resp = make_client("handler1").get(f"/admin/case/export.xlsx?search={quote(NAME)}")
    assert resp.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(resp.get_data())).worksheets[0]
    cells = {str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None}
    assert person["mine"].number in cells
    assert person["accusation"].number not in cells and person["theirs"].number not in cells


def test_reception_form_asks_for_the_hint(make_client, demo_app):
    from models import ReceptionSchedule
    from services import reception
    clerk = make_client("clerk")
    entries = db.session.execute(select(ReceptionSchedule).order_by(ReceptionSchedule.id)).scalars()
    entry = next(e for e in entries if reception.receiving_open(e))
    body = clerk.get(f"/admin/reception/receive/?id={entry.id}").get_data(as_text=True)
    assert 'id="visitor-form" data-person-hint="/admin/person/hint/"' in body
    assert "js/person-hint.js" in body


def test_handler_still_finds_the_accusation_by_its_own_number(make_client, person):
    """The accusation itself is in handler1's reach: only the way through its accuser is closed."""
    numbers, count, _ = _listed(make_client("handler1"), person["accusation"].number)
    assert numbers == {person["accusation"].number} and count == 1


def test_discipline_handler_finds_the_accusation_by_the_accuser(make_client, person):
    numbers, _count, _ = _listed(make_client("handler3"), NAME)
    assert person["accusation"].number in numbers and person["theirs"].number not in numbers


def test_search_by_accused_name_and_doc_number(make_client, demo_app):
    accused = db.session.execute(select(CaseParty).where(CaseParty.role == "accused")
                                 .order_by(CaseParty.id)).scalars().first()
    numbers, _c, _ = _listed(make_client("clerk"), accused.party.name)
    assert accused.case.number in numbers
    case = _first(Case.status == "handling")
    case.source, case.source_doc_no = "higher", "市信访交〔2026〕8817号"
    db.session.commit()
    numbers, count, _ = _listed(make_client("clerk"), "〔2026〕8817号")
    assert numbers == {case.number} and count == 1


def test_search_by_archive_number_on_the_case_list(make_client, demo_app):
    record = db.session.execute(select(ArchiveRecord).order_by(ArchiveRecord.id)).scalars().first()
    numbers, _c, _ = _listed(make_client("clerk"), record.archive_number)
    assert record.case.number in numbers


def test_a_search_with_like_wildcards_finds_only_what_it_says(make_client, person):
    numbers, count, _ = _listed(make_client("clerk"), "%_%")
    assert count == 0 and not numbers


# ---- the person page ---------------------------------------------------------------------------

def _person_page(client, party):
    return client.get(f"/admin/person/{party.id}/")


def _table(body, table_id):
    m = re.search(rf'<table[^>]*id="{table_id}".*?</table>', body, re.S)
    return m.group(0)


def test_person_page_for_the_clerk_lists_every_case(make_client, person):
    resp = _person_page(make_client("clerk"), person["party"])
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    cases = _table(body, "person-cases")
    for key in ("accusation", "mine", "theirs"):
        case = person[key]
        assert case.number in cases
        assert case.status_label in cases
    assert person["mine"].handle_due.isoformat() in cases
    assert ID in body and PHONE in body  # office staff read the full numbers


def test_person_page_for_a_handler_shows_only_reachable_cases(make_client, person):
    resp = _person_page(make_client("handler1"), person["party"])
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert person["mine"].number in _table(body, "person-cases")
    assert person["accusation"].number not in body and person["theirs"].number not in body
    assert 'id="person-case-count">1<' in body
    assert ID not in body and PHONE not in body  # masked off the office


def test_person_page_out_of_reach_answers_as_a_missing_person(make_client, person):
    """A person the user may not see and a person that does not exist answer the same (404, the
    same page): the answer does not tell which ids are people."""
    h4 = make_client("handler4")
    hidden, missing = _person_page(h4, person["party"]), h4.get("/admin/person/99999999/")
    assert hidden.status_code == missing.status_code == 404
    strip = lambda r: re.sub(r'nonce="[^"]*"|value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(hidden) == strip(missing)
    assert person["party"].name not in hidden.get_data(as_text=True)
    # an accuser known to handler1 only through the accusation: not a person handler1 may look up
    accuser = Party(name="检举人乙某", id_number="110101199003079999")
    db.session.add(accuser)
    db.session.add(CaseParty(case=person["accusation"], party=accuser, role="petitioner"))
    db.session.commit()
    assert _person_page(make_client("handler1"), accuser).status_code == 404
    assert _person_page(make_client("handler3"), accuser).status_code == 200
    assert make_client("clerk").get("/admin/person/99999999/").status_code == 404


def test_person_page_lists_reception_visits_and_packages(make_client, demo_app):
    from models import PackageAssignment, package_cases
    visit = _first(Case.reception_id.is_not(None), Case.purpose != "accusation")
    party = next(cp.party for cp in visit.parties if cp.role == "petitioner")
    body = _person_page(make_client("clerk"), party).get_data(as_text=True)
    assert visit.number in _table(body, "person-visits")
    assert visit.reception.leader.full_name in _table(body, "person-visits")
    pkg_case = db.session.execute(select(Case).join(package_cases, package_cases.c.case_id == Case.id)
                                  .where(Case.purpose != "accusation").order_by(Case.id)).scalars().first()
    pkg = db.session.execute(select(PackageAssignment).join(package_cases).where(
        package_cases.c.case_id == pkg_case.id)).scalars().first()
    party = next(cp.party for cp in pkg_case.parties if cp.role == "petitioner")
    body = _person_page(make_client("clerk"), party).get_data(as_text=True)
    assert pkg.title in _table(body, "person-packages")


def test_party_list_and_case_page_link_to_the_person_page(make_client, person):
    clerk = make_client("clerk")
    for typed in (NAME, "quyi", "QYC"):
        body = clerk.get(f"/admin/party/?search={quote(typed)}").get_data(as_text=True)
        assert f'href="/admin/person/{person["party"].id}/"' in body, typed
    body = clerk.get(f"/admin/case/details/?id={person['mine'].id}").get_data(as_text=True)
    assert f'href="/admin/person/{person["party"].id}/"' in body
    # handler1 on the accusation: the accuser is masked, and no link names them
    body = make_client("handler1").get(f"/admin/case/details/?id={person['accusation'].id}").get_data(as_text=True)
    assert f'/admin/person/{person["party"].id}/' not in body


# ---- archive list ------------------------------------------------------------------------------

def test_archive_list_finds_a_record_by_case_number_and_petitioner(make_client, demo_app):
    record = db.session.execute(select(ArchiveRecord).join(Case).where(Case.purpose != "accusation")
                                .order_by(ArchiveRecord.id)).scalars().first()
    petitioner = next(cp.party for cp in record.case.parties if cp.role == "petitioner")
    archivist = make_client("archivist")
    for typed in (record.case.number, petitioner.name, name_keys(petitioner.name)[0], record.archive_number):
        body = archivist.get(f"/admin/archive/?search={quote(typed)}").get_data(as_text=True)
        assert record.archive_number in body, typed


def test_archive_list_never_finds_an_accusation_by_its_accuser(make_client, demo_app):
    record = db.session.execute(select(ArchiveRecord).join(Case).where(Case.purpose == "accusation")
                                .order_by(ArchiveRecord.id)).scalars().first()
    accuser = next(cp.party for cp in record.case.parties if cp.role == "petitioner")
    _n, count, body = _listed(make_client("archivist"), accuser.name, "/admin/archive/")
    assert record.archive_number not in body and count == 0
    _n, _count, body = _listed(make_client("clerk"), accuser.name, "/admin/archive/")
    assert record.archive_number in body


# ---- the registration hint ---------------------------------------------------------------------

def test_hint_counts_the_persons_cases_for_the_clerk(make_client, person):
    clerk = make_client("clerk")
    data = clerk.get(f"/admin/person/hint/?id_number={ID.lower()}").get_json()
    assert data["total"] == 3 and data["open"] == 3
    assert data["text"] == "该信访人已有3件信访事项（其中3件在办）"
    assert {c["number"] for c in data["cases"]} == _numbers(person, "accusation", "mine", "theirs")
    assert all(c["url"].startswith("/admin/case/details/?id=") for c in data["cases"])
    by_phone = clerk.get(f"/admin/person/hint/?name={quote(NAME)}&phone=139-1234-5678").get_json()
    assert by_phone["total"] == 3
    for query in (f"id_number={ID[:17]}", f"name={quote(NAME)}", "phone=" + PHONE, "id_number=%00",
                  "id_number=" + "9" * 500):
        resp = clerk.get("/admin/person/hint/?" + query)
        assert resp.status_code in (200, 400) and (resp.status_code == 400 or resp.get_json()["total"] == 0), query


def test_hint_counts_finished_cases_apart(make_client, person):
    closed = _first(Case.status == "closed", Case.purpose == "request")
    db.session.add(CaseParty(case=closed, party=person["party"], role="petitioner"))
    db.session.commit()
    data = make_client("clerk").get(f"/admin/person/hint/?id_number={ID}").get_json()
    assert data["text"] == "该信访人已有4件信访事项（其中3件在办）"


@pytest.mark.parametrize("username", ["handler1", "leader", "archivist", "admin"])
def test_hint_is_for_the_roles_that_register(make_client, person, username):
    assert make_client(username).get(f"/admin/person/hint/?id_number={ID}").status_code == 403


def test_hint_anonymous_goes_to_login(make_client, person):
    resp = make_client().get(f"/admin/person/hint/?id_number={ID}")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_hint_never_counts_what_the_user_may_not_see(session, person):
    """The service under the endpoint, for a user with a narrower reach than the clerk's."""
    found = search.registration_hint(session, _user("handler1"), id_number=ID)
    assert (found["total"], found["open"]) == (1, 1)
    assert [number for _id, number, _s, _o in found["cases"]] == [person["mine"].number]
    assert search.registration_hint(session, _user("handler4"), id_number=ID)["total"] == 0


# ---- the search keys ---------------------------------------------------------------------------

def test_name_keys_read_surnames_as_surnames():
    assert name_keys("张三") == ("zhangsan", "zs")
    assert name_keys("曾小明") == ("zengxiaoming", "zxm")
    assert name_keys("县住房和城乡建设局", "unit")[1] == "xzfhcxjsj"
    assert name_keys("") == (None, None)


def test_keys_follow_an_edit_without_a_change_row(session, person):
    party = person["party"]
    assert (party.name_pinyin, party.name_initials, party.id_tail, party.phone_tail) == \
        ("quyichen", "qyc", ID[-4:], PHONE[-4:])
    party.name, party.phone = "张三丰", "0571-88886666"
    session.commit()
    assert (party.name_pinyin, party.name_initials, party.phone_tail) == ("zhangsanfeng", "zsf", "6666")
    fields = set(session.execute(select(ChangeLog.field).where(
        ChangeLog.model == "party", ChangeLog.record_id == str(party.id))).scalars())
    assert {"name", "phone"} <= fields
    assert not fields & {"name_pinyin", "name_initials", "id_tail", "phone_tail"}


def test_every_demo_party_has_its_keys(session):
    missing = session.execute(select(Party.id).where(Party.name_pinyin.is_(None))).first()
    assert missing is None
    with_id = session.execute(select(Party).where(Party.id_number.is_not(None))).scalars().first()
    assert with_id.id_tail == with_id.id_number[-4:]


def test_migration_fills_the_keys_of_existing_parties(fresh_uri, tmp_path):
    import flask_migrate
    from sqlalchemy import text

    from app import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": fresh_uri,
                      "ATTACHMENT_DIR": str(tmp_path / "att")})
    with app.app_context():
        flask_migrate.upgrade(directory=test_migrations.MIGRATIONS, revision="4f97d5f2153a")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO party (kind, name, id_type, id_number, phone, created_at) "
                              "VALUES ('person', '曾小明', 'resident', :id, '0571-88886666', :now)"),
                         {"id": ID, "now": "2026-01-01 00:00:00"})
        flask_migrate.upgrade(directory=test_migrations.MIGRATIONS, revision="a7c3e91d2b40")
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT name_pinyin, name_initials, id_tail, phone_tail FROM party")).one()
        assert tuple(row) == ("zengxiaoming", "zxm", ID[-4:], "6666")
        db.session.remove()
        db.engine.dispose()


def test_pinyin_and_initials_match_from_the_start_only(session, person):
    def found(term):
        return person["party"].id in set(session.execute(
            select(Party.id).where(search.party_match(term))).scalars())
    assert all(found(t) for t in ("q", "qu", "quyichen", "QUYI", "qy", "qyc"))
    assert not any(found(t) for t in ("yichen", "quyichenz", "quz", "qycz", "yc", "z"))
