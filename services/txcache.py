"""Small tables read once per transaction (office settings, the holiday calendar) instead of once
per list row: a case list asked the due-soon setting 50 times a page.

A cached value is dropped at the end of every transaction, after a flush that wrote one of its
models, and before it is served while an unflushed change of one of its models waits in the
session (a holiday saved and the open cases recomputed in the same transaction see the new day)."""
from sqlalchemy import event

_MODELS = {}  # info key -> the model classes whose rows the value is made of


def cached(session, key, models, load):
    """load() once per transaction of `session` (under session.info[key])."""
    _MODELS[key] = models
    info = session.info
    if key in info and not _pending(session, models):
        return info[key]
    value = info[key] = load()
    return value


def _pending(session, models):
    return any(isinstance(o, models) for o in (*session.new, *session.dirty, *session.deleted))


def _forget_all(session, _transaction):
    for key in _MODELS:
        session.info.pop(key, None)


def _forget_changed(session, _ctx):
    for key, models in _MODELS.items():
        if key in session.info and _pending(session, models):
            session.info.pop(key, None)


def install(target):
    """On the sessions of `target` (see access.install_session_listeners)."""
    for name, fn in (("after_transaction_end", _forget_all), ("after_flush", _forget_changed)):
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)
