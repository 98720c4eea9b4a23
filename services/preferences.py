"""A user's remembered choices (models.UserPreference), one JSON value per (user, key)."""
from sqlalchemy import select

from models import UserPreference


def get(session, user, key, default=None):
    if user is None or getattr(user, "id", None) is None:
        return default
    value = session.execute(select(UserPreference.value).where(
        UserPreference.user_id == user.id, UserPreference.key == key)).scalar_one_or_none()
    return default if value is None else value


def put(session, user, key, value):
    """Remember `value` for `user` (the caller commits)."""
    pref = session.execute(select(UserPreference).where(
        UserPreference.user_id == user.id, UserPreference.key == key)).scalar_one_or_none()
    if pref is None:
        session.add(UserPreference(user_id=user.id, key=key, value=value))
    elif pref.value != value:
        pref.value = value
