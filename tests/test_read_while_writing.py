"""Reads never wait for a writer: a GET runs in a deferred (read) transaction on SQLite's WAL, so a
long ledger export holds no lock; pages open and moves save while it runs, and the export's own
audit row is written afterwards without "database is locked" (services/tx.py)."""
import threading

from sqlalchemy import func, select

from models import AuditLog, Case, User, db
from services import ledger
from tests.conftest import Browserless


def test_pages_and_writes_go_on_while_a_long_export_runs(demo_app, monkeypatch):
    built, release = threading.Event(), threading.Event()
    real = ledger.write_ledger

    def slow_ledger(path, *args, **kw):
        result = real(path, *args, **kw)  # every read of the export happens here
        built.set()
        release.wait(20)  # the export "takes long" while holding its transaction
        return result

    monkeypatch.setattr(ledger, "write_ledger", slow_ledger)
    before = audit_counts()
    handler = db.session.scalars(select(User).where(User.username == "handler3")).one()
    accusation = db.session.scalars(
        select(Case).where(Case.purpose == "accusation", Case.department_id == handler.department_id)
        .order_by(Case.id)).first()
    assert accusation is not None, "the demo office has an accusation handled by 县纪委监委"
    number, case_id = accusation.number, accusation.id

    exporter, reader, writer = Browserless(demo_app), Browserless(demo_app), Browserless(demo_app)
    for c, name in ((exporter, "clerk"), (reader, "handler3"), (writer, "leader")):
        assert c.login(name).status_code == 302
    db.session.commit()  # the test's own session holds no transaction while the requests run
    result = {}

    def run(key, call):  # each request in a thread of its own: its own app context and session
        t = threading.Thread(target=lambda: result.__setitem__(key, call()))
        t.start()
        return t

    export = run("export", lambda: exporter.get("/admin/case/export.xlsx"))
    try:
        assert built.wait(60), "the export did not start"
        # A GET that writes (opening an accusation records who read it) and a POST that writes,
        # each given far less than the 30 s a locked database would make it wait.
        for t in (run("page", lambda: reader.get(f"/admin/case/details/?id={case_id}")),
                  run("logout", lambda: writer.post("/logout"))):
            t.join(25)
            assert not t.is_alive(), "a request waited for the export to finish"
        assert export.is_alive(), "the export had to end before the other requests could run"
    finally:
        release.set()
        export.join(60)

    page = result["page"]
    assert page.status_code == 200 and number in page.get_data(as_text=True)
    assert result["logout"].status_code == 302
    resp = result["export"]
    assert resp.status_code == 200 and resp.data[:2] == b"PK"
    db.session.expire_all()
    after = audit_counts()
    assert {a: after[a] - before[a] for a in after} == {"export": 1, "accusation_view": 1, "logout": 1}


def audit_counts():
    rows = dict(db.session.execute(
        select(AuditLog.action, func.count()).group_by(AuditLog.action)).all())
    return {a: rows.get(a, 0) for a in ("export", "accusation_view", "logout")}
