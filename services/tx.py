"""Transaction modes on SQLite (WAL): a read request (GET) runs in a deferred transaction, so it
neither waits for a writer nor holds a lock a writer needs (a long export no longer stalls every
page); whatever writes takes the write lock at BEGIN, so writers queue instead of failing.
PostgreSQL: no change.

A read request that writes (an audit row on opening a page or downloading) calls `write_intent`
first: upgrading a read snapshot that another writer has moved past fails at once with "database is
locked", so the read transaction is ended and the write begins a fresh, locked one.
No Flask here: app.py sets `is_read_request` (services import no Flask, tests/test_layers.py)."""
from contextvars import ContextVar

from sqlalchemy.orm import scoped_session

_next_locked = ContextVar("xf_next_locked", default=False)


def is_read_request():
    """Replaced by app.py: True inside a GET/HEAD/OPTIONS request."""
    return False


def begin_deferred():
    """Called at every SQLite BEGIN: True for a read request's transaction."""
    if _next_locked.get():
        _next_locked.set(False)
        return False
    return is_read_request()


def in_read_transaction(session):
    if isinstance(session, scoped_session):
        session = session()
    return session.in_transaction() and session.connection().info.get("xf_deferred", False)


def write_intent(session):
    """Before a read request writes: end its read snapshot; the next transaction takes the lock."""
    if in_read_transaction(session):
        session.commit()
    if is_read_request():
        _next_locked.set(True)


def check_flush(session, _ctx, _instances):
    """A write flushed inside a read transaction would fail under concurrency: refuse it always,
    so the suite finds the path instead of an office on a busy day."""
    if not (session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)):
        return
    if in_read_transaction(session):
        raise RuntimeError("只读请求中的写入须先调用 services.tx.write_intent(session)")
