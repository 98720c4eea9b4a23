"""Change rows: every create, edit and delete of a Party, User, Department, Setting or Holiday row
writes ChangeLog rows (who, when, model, record, field, old -> new) in the same transaction.

Why one after_flush listener over attribute history and not SQLAlchemy-Continuum: the office needs
"who changed which field from what to what" on five small tables, not a queryable version of every
row; Continuum would add a library, a shadow table per model and a transaction table, and it
versions everything (password hashes and lockout counters included) unless told otherwise. Here the
fields that must never be written down (secrets, login bookkeeping) are simply not read.

The snapshots of case-party links (services/snapshots.py) are kept by the before_flush listener
installed alongside."""
from datetime import date, datetime

from sqlalchemy import event, inspect

from models import ChangeLog, Department, Holiday, HolidayYear, Party, Setting, User
from services import settings, snapshots

SYSTEM = "系统"
CREATE, DELETE, PASSWORD = "__create__", "__delete__", "password"

# model key -> (model, fields recorded). User's secrets and login bookkeeping (password_hash as
# "password changed" only; session_token, failed_logins, locked_until, last_login_at,
# must_change_password) are never written down.
TRACKED = {
    "party": (Party, None),
    "user": (User, None),
    "department": (Department, None),
    "setting": (Setting, ("value",)),
    "holiday": (Holiday, ("day", "kind", "name")),
    "holiday_year": (HolidayYear, ("complete",)),
}
NEVER = {"id", "created_at", "password_hash", "session_token", "failed_logins", "locked_until",
         "last_login_at", "must_change_password",
         # a party's search keys follow its name and numbers (models/party.py): not an edit
         "name_pinyin", "name_initials", "id_tail", "phone_tail"}
DEPT_FIELDS = ("department_id", "parent_id")  # recorded by the department's name

_actor = [lambda: None]


def install(target, actor=None):
    """Listen on the sessions of `target` (a scoped_session, sessionmaker or Session class).
    `actor()` returns the acting user (or None: the change is the system's)."""
    if actor is not None:
        _actor[0] = actor
    for name, fn in (("before_flush", _before_flush), ("after_flush", _after_flush)):
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)


def _before_flush(session, _ctx, _instances):
    snapshots.sync(session)


def _key(obj):
    for key, (model, _fields) in TRACKED.items():
        if type(obj) is model:
            return key
    return None


def _fields(key, obj):
    fields = TRACKED[key][1]
    if fields is not None:
        return fields
    return [a.key for a in inspect(type(obj)).column_attrs if a.key not in NEVER]


def _text(session, field, value):
    if value is None or value == "":
        return None
    if field in DEPT_FIELDS:
        dept = session.get(Department, value)
        return dept.name if dept is not None else f"#{value}"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _label(key, obj):
    if key == "setting":
        return settings.LABELS.get(obj.key, obj.key)
    return str(obj)[:200]


def _record_id(key, obj):
    if key == "holiday_year":
        return str(obj.year)
    return str(obj.key if key == "setting" else obj.id)


def rows_for(session, obj, how):
    """The change rows (dicts) of one object of this flush; `how` is new, dirty or deleted."""
    key = _key(obj)
    if key is None:
        return []
    base = {"model": key, "record_id": _record_id(key, obj), "record_label": _label(key, obj)}
    if key == "setting" and how == "new":  # a setting first stored: a change from its default
        old, new = settings.DEFAULTS.get(obj.key), _text(session, "value", obj.value)
        return [dict(base, field="value", old=old, new=new)] if old != new else []
    if how == "new":
        return [dict(base, field=CREATE, old=None, new=base["record_label"])]
    if how == "deleted":
        return [dict(base, field=DELETE, old=base["record_label"], new=None)]
    state = inspect(obj)
    out = []
    for field in _fields(key, obj):
        hist = state.attrs[field].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        old, new = _text(session, field, old), _text(session, field, new)
        if old != new:
            out.append(dict(base, field=field, old=old, new=new))
    if key == "user" and state.attrs.password_hash.history.has_changes():
        out.append(dict(base, field=PASSWORD, old=None, new=None))
    return out


def _who():
    user = _actor[0]()
    if user is None or not getattr(user, "is_authenticated", False):
        return None, SYSTEM
    return getattr(user, "id", None), getattr(user, "username", None) or SYSTEM


def _after_flush(session, _ctx):
    rows = []
    for how, objs in (("new", session.new), ("dirty", session.dirty), ("deleted", session.deleted)):
        for obj in objs:
            rows += rows_for(session, obj, how)
    if not rows:
        return
    user_id, username = _who()
    for row in rows:
        row.update(user_id=user_id, username=username)
    session.connection().execute(ChangeLog.__table__.insert(), rows)
