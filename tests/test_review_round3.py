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
