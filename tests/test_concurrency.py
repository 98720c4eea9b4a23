"""Two users act on the same case at once: one wins, the other is told
"该信访事项已被他人修改，请刷新后重试" and nothing of the winner's move is lost."""
import threading
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models import Case, CaseEvent, User, db
from services import ConflictError, workflow
from tests.conftest import DEMO_PASSWORD, Browserless
from tests.services.test_workflow import build_office, make_case

MESSAGE = "该信访事项已被他人修改，请刷新后重试"


@pytest.fixture
def office(app):
    o = build_office(db.session, password=DEMO_PASSWORD)
    clerk2 = User(username="clerk2", full_name="周登记", role="clerk", department=o.xfj, password_hash="x")
    clerk2.set_password(DEMO_PASSWORD)
    db.session.add(clerk2)
    o.clerk2 = clerk2
    db.session.commit()
    return o


def count_events(case_id, action=None):
    q = select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)
    if action:
        q = q.where(CaseEvent.action == action)
    return db.session.execute(q).scalar()


def test_two_clerks_transfer_the_same_case_over_http(app, office):
    o = office
    case = make_case(db.session, o, "handling")
    db.session.commit()
    a, b = Browserless(app), Browserless(app)
    assert a.login("clerk").status_code == 302 and b.login("clerk2").status_code == 302
    url = f"/admin/moves/transfer/{case.id}/"
    seen = str(case.version)
    assert f'value="{seen}"' in a.get(url).get_data(as_text=True)
    assert f'value="{seen}"' in b.get(url).get_data(as_text=True)

    r = a.post(url, data={"version": seen, "department_id": o.rs.id, "reason": "职责调整，改由人社局办理"})
    assert r.status_code == 302
    r = b.post(url, data={"version": seen, "department_id": o.jw.id, "reason": "涉及公职人员，改由纪委办理"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and MESSAGE in page
    assert "涉及公职人员，改由纪委办理" in page  # the loser's input is still in the form

    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.status, case.department_id) == ("assigned", o.rs.id)
    assert count_events(case.id, "transfer") == 1


def test_stale_write_between_check_and_commit(app, office):
    """Both sessions pass the version check; the second UPDATE finds the version moved on."""
    o = office
    case = make_case(db.session, o, "handling")
    db.session.commit()
    cid, clerk_id, clerk2_id = case.id, o.clerk.id, o.clerk2.id
    db.session.close()  # SQLite: no open transaction may hold the write lock
    s1 = Session(db.engine, expire_on_commit=False)
    s2 = Session(db.engine, expire_on_commit=False)
    try:
        c1, u1 = s1.get(Case, cid), s1.get(User, clerk_id)
        _ = c1.parties, c1.interests, c1.assists
        s1.commit()
        c2, u2 = s2.get(Case, cid), s2.get(User, clerk2_id)
        _ = c2.parties, c2.interests, c2.assists
        s2.commit()
        seen = c1.version
        assert c2.version == seen

        workflow.perform(s1, u1, c1, "supervise", expected_version=seen, method="phone", note="第一次督办")
        s1.commit()
        workflow.perform(s2, u2, c2, "supervise", expected_version=seen,
                         method="letter", note="第二次督办")
        with pytest.raises(StaleDataError):
            s2.commit()
        s2.rollback()
        # The view turns StaleDataError into the same message; a retry with the stale version is refused.
        c2 = s2.get(Case, cid)
        with pytest.raises(ConflictError) as err:
            workflow.perform(s2, u2, c2, "supervise", expected_version=seen, method="letter", note="再试")
        assert err.value.message == MESSAGE
    finally:
        s1.close()
        s2.close()
    db.session.expire_all()
    assert count_events(cid, "supervise") == 1
    assert db.session.get(Case, cid).version == seen + 1


def test_two_threads_race_one_wins(app, office):
    o = office
    case = make_case(db.session, o, "assigned")
    db.session.commit()
    cid, seen = case.id, case.version
    handler_id, clerk_id, rs_id = o.handler1.id, o.clerk.id, o.rs.id
    engine = db.engine
    db.session.close()  # SQLite: no open transaction may hold the write lock
    barrier = threading.Barrier(2, timeout=30)
    results = {}

    def run(name, user_id, move, data):
        with Session(engine) as s:
            try:
                barrier.wait()
                c, u = s.get(Case, cid), s.get(User, user_id)
                workflow.perform(s, u, c, move, expected_version=seen, **data)
                s.commit()
                results[name] = "ok"
            except (ConflictError, StaleDataError):
                s.rollback()
                results[name] = "conflict"
            except Exception as exc:  # noqa: BLE001 - reported below
                s.rollback()
                results[name] = repr(exc)

    threads = [
        threading.Thread(target=run, args=("sign", handler_id, "sign_for", {})),
        threading.Thread(target=run, args=("transfer", clerk_id, "transfer",
                                           {"department_id": rs_id, "reason": "改派"})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results.values()) == ["conflict", "ok"], results
    case = db.session.get(Case, cid)
    winner = next(k for k, v in results.items() if v == "ok")
    if winner == "sign":
        assert (case.status, case.handler_id) == ("handling", handler_id)
    else:
        assert (case.status, case.department_id) == ("assigned", rs_id)
    assert count_events(cid) == 1 and case.version == seen + 1


def test_conflict_on_a_bulk_page(app, office):
    o = office
    case = make_case(db.session, o, "accepted")
    db.session.commit()
    a = Browserless(app)
    assert a.login("clerk").status_code == 302
    seen = case.version
    case.summary = case.summary + "（补充）"  # someone else edits the case
    db.session.commit()
    r = a.post("/admin/moves/bulk/assign/", data={"ids": str(case.id), "department_id": o.zj.id,
                                                  f"v_{case.id}": seen})
    page = r.get_data(as_text=True)
    assert f"{case.number}：{MESSAGE}" in page
    assert db.session.get(Case, case.id).status == "accepted"
