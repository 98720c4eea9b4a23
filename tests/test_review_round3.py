"""Hostile review of the third round's doors (person page and hint, 待办, holiday year, backup,
销毁鉴定, search): an accuser's identity or a row out of reach never reaches a page, and odd input
is a 404/400 with a Chinese message, never a 500."""
import pytest
from sqlalchemy import select

from models import User, db

HUGE = "99999999999999999999"


def _user(name):
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


@pytest.mark.parametrize("role,url,method", [
    ("clerk", f"/admin/person/{HUGE}/", "get"),
    ("handler1", f"/admin/person/{HUGE}/", "get"),
    ("admin", f"/admin/backup/download/{HUGE}", "get"),
    ("archivist", f"/admin/destruction/propose/{HUGE}", "post"),
    ("leader", f"/admin/destruction/decide/{HUGE}", "post"),
])
def test_huge_ids_in_new_doors_are_404(make_client, role, url, method):
    resp = getattr(make_client(role), method)(url)
    assert resp.status_code == 404, (url, resp.status_code)
    assert "未找到" in resp.get_data(as_text=True)


# ---- 销毁鉴定: the ledger of destroyed files ------------------------------------------------------

def _accusation_against(dept_name):
    """An accusation whose accused unit is linked to `dept_name` (the demo's unit accusation)."""
    from models import Case, CaseParty, Department, Party
    dept = db.session.execute(select(Department).where(Department.name == dept_name)).scalar_one()
    return db.session.execute(select(Case).join(CaseParty, CaseParty.case_id == Case.id)
                              .join(Party, Party.id == CaseParty.party_id)
                              .where(Case.purpose == "accusation", CaseParty.role == "accused",
                                     Party.department_id == dept.id).order_by(Case.id)).scalars().first(), dept


def _sub_leader(dept):
    """A leader of a unit below the county government (the demo's leaders sit at the top)."""
    from werkzeug.security import generate_password_hash
    u = User(username="leader_zj", full_name="钱副局长", role="leader", department=dept, active=True,
             password_hash=generate_password_hash("demo1234", method="pbkdf2:sha256:1000"))
    db.session.add(u)
    db.session.commit()
    return u


def _destroy_old(case, make_client):
    """File `case` ten years ago, have the archivist propose and the 信访局 leader approve its
    destruction; returns (case number, archive number, summary head)."""
    from datetime import date

    from sqlalchemy import text

    from models import ArchiveRecord
    db.session.execute(text("UPDATE \"case\" SET status = 'archived', closed_on = :d WHERE id = :i"),
                       {"d": date(2016, 2, 1), "i": case.id})
    record = db.session.execute(select(ArchiveRecord).where(ArchiveRecord.case_id == case.id)).scalar_one_or_none()
    if record is None:
        record = ArchiveRecord(case_id=case.id, archive_number="XF-2016-专-0999", filed_on=date(2016, 3, 1),
                               retention="10y", page_count=3)
        db.session.add(record)
    else:
        record.filed_on, record.retention = date(2016, 3, 1), "10y"
    db.session.commit()
    numbers = (case.number, record.archive_number, case.summary[:20])
    rid = record.id
    r = make_client("archivist").post(f"/admin/destruction/propose/{rid}",
                                      data={"reason": "保管期满，无继续保存价值", "year": "2026"})
    assert r.status_code == 302
    from models import ArchiveDestruction
    d = db.session.execute(select(ArchiveDestruction)).scalar_one()
    r = make_client("leader3").post(f"/admin/destruction/decide/{d.id}", data={"approve": "1", "note": "同意销毁"},
                                    follow_redirects=True)
    assert "已批准并销毁档案" in r.get_data(as_text=True)
    return numbers


def test_destroyed_accusation_stays_out_of_the_accused_units_leaders_ledger(demo_app, make_client):
    case, dept = _accusation_against("县住房和城乡建设局")
    assert case is not None, "the demo office has its unit accusation"
    _sub_leader(dept)
    number, archive_number, summary = _destroy_old(case, make_client)
    # The office sees the ledger ...
    for role in ("archivist", "leader3", "admin"):
        page = make_client(role).get("/admin/destruction/").get_data(as_text=True)
        assert number in page and archive_number in page, role
    # ... the accused unit's leader never saw the case and does not see its destruction either.
    resp = make_client("leader_zj").get("/admin/destruction/")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert number not in page and archive_number not in page and summary not in page


# ---- an accuser's identity through the search box and the person page -------------------------------

from tests.test_identity_crawl import ACCUSER, ACCUSER_ID, ACCUSER_PHONE, scene  # noqa: E402
from tests.test_search import _listed  # noqa: E402

FIXTURES = (scene,)  # the confidentiality crawl's scene: two accusations and a plain request of one accuser

# Who sees (some of) the accusations of the scene but may not know their accuser.
NOT_KNOWING = ("handler1", "handler2", "leader", "leader2", "leader3", "archivist")


def _accuser_party():
    from models import Party
    return db.session.execute(select(Party).where(Party.id_number == ACCUSER_ID)).scalar_one()


def _typed():
    p = _accuser_party()
    return (ACCUSER, p.name_pinyin, p.name_initials, ACCUSER_ID, ACCUSER_ID[-4:], ACCUSER_PHONE,
            ACCUSER_PHONE[-6:], f"{ACCUSER} 检举")


@pytest.mark.parametrize("username", NOT_KNOWING)
def test_no_search_finds_an_accusation_by_its_accuser(make_client, scene, username):
    client = make_client(username)
    accusations = {c.number for c in scene["accusations"]}
    plain = scene["plain"].number
    for typed in _typed():
        numbers, count, body = _listed(client, typed)
        assert not numbers & accusations, (username, typed)
        assert count == len(numbers), (username, typed)  # the count is the rows', no hidden one
        assert "甲案" not in body and "乙案" not in body, (username, typed)
        if username not in ("handler1", "handler2"):  # the archive screen is not the handlers'
            numbers, count, _body = _listed(client, typed, "/admin/archive/")
            assert not numbers & accusations and count == len(numbers), (username, typed)
    # the same cases by their own number: the search itself works for this user
    for case in scene["accusations"]:
        from services import access
        if access.can_see_case(db.session, _user(username), case):
            assert case.number in _listed(client, case.number)[0]
    if username != "archivist":
        from services import access
        if access.can_see_case(db.session, _user(username), scene["plain"]):
            assert plain in _listed(client, ACCUSER)[0]


@pytest.mark.parametrize("username", NOT_KNOWING)
def test_the_accusers_person_page_lists_no_accusation(make_client, scene, username):
    from services import access
    resp = make_client(username).get(f"/admin/person/{_accuser_party().id}/")
    body = resp.get_data(as_text=True)
    assert resp.status_code in (200, 404)  # out of reach: as if no such person
    for case in scene["accusations"]:
        assert case.number not in body and case.summary not in body
    sees_plain = access.can_see_case(db.session, _user(username), scene["plain"])
    # the page opens only through a case that shows the person: the plain request
    assert (resp.status_code == 200) == sees_plain, username
    if sees_plain:
        assert scene["plain"].number in body and 'id="person-case-count">1<' in body


def test_the_discipline_handler_finds_and_reads_the_accuser(make_client, scene):
    client = make_client("handler3")
    accusations = {c.number for c in scene["accusations"]}
    assert accusations <= _listed(client, ACCUSER)[0]
    body = client.get(f"/admin/person/{_accuser_party().id}/").get_data(as_text=True)
    assert all(n in body for n in accusations)


# ---- rules the case page's buttons showed but the doors did not keep ---------------------------------

def test_the_handler_records_the_follow_up_once_at_the_door_too(make_client):
    """The case page hides the handler's 回访 button once it is recorded; a POST straight to the
    move must be refused the same way (the rule is the workflow's, not the page's)."""
    from models import Case
    from tests.conftest import DEMO_TODAY
    handler = _user("handler1")
    case = db.session.execute(select(Case).where(
        Case.status == "replied", Case.department_id == handler.department_id).order_by(Case.id)).scalars().first()
    client = make_client("handler1")
    first = {"follow_up_on": DEMO_TODAY.isoformat(), "satisfaction": "satisfied", "note": "电话回访，满意"}
    if case.follow_up_on is None:
        resp = client.post(f"/admin/moves/follow_up/{case.id}/", data={"version": str(case.version), **first})
        assert resp.status_code == 302
        db.session.expire_all()
    case = db.session.get(Case, case.id)
    recorded = (case.follow_up_on, case.satisfaction, case.follow_up_note)
    assert 'id="move-follow_up"' not in client.get(f"/admin/case/details/?id={case.id}").get_data(as_text=True)
    resp = client.post(f"/admin/moves/follow_up/{case.id}/", data={
        "version": str(case.version), "follow_up_on": DEMO_TODAY.isoformat(), "satisfaction": "unsatisfied",
        "note": "改成不满意"}, follow_redirects=True)
    assert "回访已于" in resp.get_data(as_text=True)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.follow_up_on, case.satisfaction, case.follow_up_note) == recorded
    # the 信访办 may still correct it
    clerk_page = make_client("clerk").get(f"/admin/case/details/?id={case.id}").get_data(as_text=True)
    assert 'id="move-follow_up"' in clerk_page


# ---- forged posts and odd input on the new doors ----------------------------------------------------

@pytest.mark.parametrize("role,url", [
    ("admin", "/admin/backup/start/"),
    ("admin", "/admin/backup/settings/"),
    ("admin", "/admin/backup/check/"),
    ("admin", "/admin/holiday-year/"),
    ("archivist", "/admin/destruction/propose/1"),
    ("leader", "/admin/destruction/decide/1"),
])
def test_new_posts_without_the_csrf_token_change_nothing(make_client, role, url):
    from models import ArchiveDestruction, AuditLog, BackupRun, Holiday, Setting
    counts = lambda: [db.session.execute(select(db.func.count()).select_from(m)).scalar()  # noqa: E731
                      for m in (ArchiveDestruction, AuditLog, BackupRun, Holiday, Setting)]
    client = make_client(role)
    before = counts()
    resp = client.client.post(url, data={"max_age": "3", "year": "2027", "reason": "x", "approve": "1",
                                         "note": "x", "day-2027-01-01": "holiday"})
    assert resp.status_code == 400
    assert "表单已过期" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert counts() == before


LONG = "张" * 5000


@pytest.mark.parametrize("role,url,status,message", [
    ("clerk", "/admin/person/0/", 404, "未找到"),
    ("clerk", "/admin/person/-3/", 404, "未找到"),
    ("clerk", "/admin/person/abc/", 404, "未找到"),
    ("admin", "/admin/backup/download/0", 404, "未找到"),
    ("admin", "/admin/holiday-year/?year=abc", 400, "年份应为2000至2100之间的整数"),
    ("admin", f"/admin/holiday-year/?year={HUGE}", 400, "年份应为2000至2100之间的整数"),
    ("admin", "/admin/holiday-year/?year=-2026", 400, "年份应为2000至2100之间的整数"),
    ("archivist", f"/admin/destruction/?year={HUGE}", 400, "到期年度"),
    ("archivist", "/admin/destruction/?year=二〇二六", 400, "到期年度"),
    ("clerk", f"/admin/case/?search={LONG}", 200, "信访事项"),
    ("clerk", "/admin/case/?search=%25_%5C%27%22", 200, "信访事项"),
    ("clerk", f"/admin/person/hint/?id_number={'1' * 5000}&name={LONG}&phone={'9' * 5000}", 200, '"total":0'),
    ("clerk", "/admin/person/hint/?name=%E5%BC%A0&phone=--++()", 200, '"total":0'),
    ("handler1", "/admin/todo/?x=" + "9" * 3000, 200, "待办"),
])
def test_odd_input_on_the_new_doors_is_a_message_never_a_500(make_client, role, url, status, message):
    resp = make_client(role).get(url)
    assert resp.status_code == status, (url, resp.status_code)
    assert message in resp.get_data(as_text=True).replace(" ", "")


def test_holiday_year_odd_marks_are_refused_with_a_message(make_client):
    from models import Holiday
    client = make_client("admin")
    before = db.session.execute(select(db.func.count()).select_from(Holiday)).scalar()
    for form, message in (({"day-2027-13-01": "holiday"}, "日期无效"),
                          ({"day-2026-05-01": "holiday"}, "不在2027年内"),
                          ({"day-2027-05-01": "party"}, "的类型无效"),
                          ({"day-" + "9" * 3000: "holiday"}, "日期无效")):
        resp = client.post("/admin/holiday-year/", data={"year": "2027", **form})
        assert resp.status_code == 400 and message in resp.get_data(as_text=True), form
    # a clerk reads the page but may not save it
    resp = make_client("clerk").post("/admin/holiday-year/", data={"year": "2027", "day-2027-05-01": "holiday"})
    assert resp.status_code == 403 and "您无权修改放假安排" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.execute(select(db.func.count()).select_from(Holiday)).scalar() == before


# ---- a fixed number of queries, whatever the number of rows ----------------------------------------

class _Selects:
    """Counts the SELECT statements sent while the block runs."""

    def __enter__(self):
        from sqlalchemy import event
        self.n, self.engine = 0, db.engine
        event.listen(self.engine, "before_cursor_execute", self._grab)
        return self

    def _grab(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            self.n += 1

    def __exit__(self, *exc):
        from sqlalchemy import event
        event.remove(self.engine, "before_cursor_execute", self._grab)


def _selects(client, url):
    client.get(url)  # warm: the login's and the menu's one-off reads
    db.session.commit()
    db.session.expunge_all()  # the tests' app context keeps one session: start each count from cold
    with _Selects() as counted:
        assert client.get(url).status_code == 200
    return counted.n


def test_person_page_queries_do_not_grow_with_the_persons_cases(make_client):
    from models import Case, CaseParty, Department, Party
    party = Party(name="多案人", kind="person")
    db.session.add(party)
    depts = db.session.execute(select(Department).order_by(Department.id)).scalars().all()
    cases = db.session.execute(select(Case).where(Case.purpose != "accusation", Case.reception_id.is_not(None))
                               .order_by(Case.id)).scalars().all()
    more = db.session.execute(select(Case).where(Case.purpose != "accusation", Case.department_id.is_not(None),
                                                 Case.reception_id.is_(None)).order_by(Case.id)).scalars().all()
    assert len(cases) >= 4 and len(depts) >= 6
    for case in cases[:2] + more[:2]:
        db.session.add(CaseParty(case=case, party=party, role="petitioner"))
    db.session.commit()
    client, url = make_client("clerk"), f"/admin/person/{party.id}/"
    later = [c.id for c in cases[2:6] + more[2:12]]
    pid = party.id
    few = _selects(client, url)
    for case_id in later:
        db.session.add(CaseParty(case_id=case_id, party_id=pid, role="petitioner"))
    db.session.commit()
    many = _selects(client, url)
    assert 'id="person-case-count">' in client.get(url).get_data(as_text=True)
    assert many == few, (few, many)


def test_destruction_page_queries_do_not_grow_with_the_files_due(make_client):
    from datetime import date

    from sqlalchemy import text

    from models import ArchiveRecord
    ids = db.session.execute(select(ArchiveRecord.id).order_by(ArchiveRecord.id)).scalars().all()
    assert len(ids) >= 8
    for i in ids[:2]:
        db.session.execute(text("UPDATE archive_record SET filed_on = :d, retention = '10y' WHERE id = :i"),
                           {"d": date(2016, 3, 1), "i": i})
    db.session.commit()
    client = make_client("archivist")
    few = _selects(client, "/admin/destruction/?year=2026")
    for i in ids[2:8]:
        db.session.execute(text("UPDATE archive_record SET filed_on = :d, retention = '10y' WHERE id = :i"),
                           {"d": date(2016, 3, 1), "i": i})
    db.session.commit()
    many = _selects(client, "/admin/destruction/?year=2026")
    page = client.get("/admin/destruction/?year=2026").get_data(as_text=True)
    assert page.count('class="propose-form"') == 8
    assert many == few, (few, many)


# ---- the case page's extension row ------------------------------------------------------------------

def test_the_extension_row_hides_what_the_timeline_hides(make_client):
    """The 延期申请 row repeats the handler's reason; a case number in it that the reader may not
    see is hidden there as on the timeline (an assisting department reads the page too)."""
    from models import Case, CaseAssist, Department
    from services import access, workflow
    handler1, handler2 = _user("handler1"), _user("handler2")
    rs = db.session.execute(select(Department).where(Department.name == "县人力资源和社会保障局")).scalar_one()
    mine = db.session.execute(select(Case).where(
        Case.status == "handling", Case.department_id == handler1.department_id, Case.extension_state.is_(None),
        Case.extension_used.is_(False)).order_by(Case.id)).scalars().first()
    other = next(c for c in db.session.execute(select(Case).where(
        Case.department_id == handler1.department_id, Case.id != mine.id).order_by(Case.id)).scalars()
        if not access.can_see_case(db.session, handler2, c))
    db.session.add(CaseAssist(case=mine, department=rs))
    db.session.commit()
    workflow.perform(db.session, handler1, mine, "extend_request", days="15",
                     reason=f"与{other.number}系同一小区问题，需合并协调")
    db.session.commit()
    page = make_client("handler2").get(f"/admin/case/details/?id={mine.id}").get_data(as_text=True)
    assert 'id="case-extension"' in page and "系同一小区问题" in page
    assert other.number not in page
    # the responsible department reads its own reason whole
    assert other.number in make_client("handler1").get(f"/admin/case/details/?id={mine.id}").get_data(as_text=True)


def test_the_extension_decision_form_hides_a_number_out_of_the_leaders_reach(make_client):
    from models import Case, Department
    from services import access, workflow
    handler1 = _user("handler1")
    zj = db.session.execute(select(Department).where(Department.name == "县住房和城乡建设局")).scalar_one()
    leader = _sub_leader(zj)
    mine = db.session.execute(select(Case).where(
        Case.status == "handling", Case.department_id == handler1.department_id, Case.extension_state.is_(None),
        Case.extension_used.is_(False)).order_by(Case.id)).scalars().first()
    other = next(c for c in db.session.execute(select(Case).where(Case.department_id.is_not(None))
                                               .order_by(Case.id)).scalars()
                 if not access.can_see_case(db.session, leader, c))
    workflow.perform(db.session, handler1, mine, "extend_request", days="15",
                     reason=f"与{other.number}涉及同一地块，需会商")
    db.session.commit()
    resp = make_client("leader_zj").get(f"/admin/moves/extend_decide/{mine.id}/")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="move-extension"' in page and "涉及同一地块" in page
    assert other.number not in page
