"""Small tables read once per transaction (office settings, the holiday calendar) instead of once
per list row: a case list asked the due-soon setting 50 times a page.

A cached value is dropped at the end of every transaction, after a flush that wrote one of its
models, and before it is served while an unflushed change of one of its models waits in the
session (a holiday saved and the open cases recomputed in the same transaction see the new day)."""
from dataclasses import dataclass

from sqlalchemy import String, cast, event, literal, null, union_all

_MODELS = {}  # info key -> the model classes whose rows the value is made of


def cached(session, key, models, load):
    """load() once per transaction of `session` (under session.info[key])."""
    _MODELS[key] = models
    info = session.info
    if key in info and not _pending(session, models):
        return info[key]
    value = info[key] = load()
    return value


@dataclass(frozen=True)
class Part:
    """A cached value that can be read together with others (load_together): its selects (each
    of at most WIDTH columns) and how to build the value from their rows, every column as text."""
    key: str
    models: tuple
    selects: object  # () -> [Select]
    build: object    # ([tuple of str or None]) -> value


WIDTH = 3


def load_together(session, parts, extra=()):
    """The values of `parts` not cached yet, read in one statement (UNION ALL, columns as text) and
    cached as `cached` would; `extra` (tag, Select) rows come back uncached: {tag: [rows]}. A page
    that needs the calendar, the settings and a count of its own pays one statement, not three."""
    todo = [p for p in parts if p.key not in session.info or _pending(session, p.models)]
    for p in parts:
        _MODELS[p.key] = p.models
    tagged = [(p.key, stmt) for p in todo for stmt in p.selects()] + list(extra)
    if not tagged:
        return {}
    rows = {tag: [] for tag, _stmt in tagged}
    selects = []
    for tag, stmt in tagged:
        cols = [cast(c, String) for c in stmt.selected_columns]
        cols += [cast(null(), String)] * (WIDTH - len(cols))
        selects.append(stmt.with_only_columns(cast(literal(tag), String), *cols))
    for tag, *values in session.execute(union_all(*selects)):
        rows[tag].append(tuple(values))
    for p in todo:
        session.info[p.key] = p.build(rows.pop(p.key))
    return {tag: rows[tag] for tag, _stmt in extra}


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
