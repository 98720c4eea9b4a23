"""Office time: dates are Asia/Shanghai office dates, timestamps are stored in UTC."""
from contextlib import contextmanager
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

OFFICE_TZ = ZoneInfo("Asia/Shanghai")
_frozen_today = None


def today():
    """The office's date today (tests may freeze it with freeze_today)."""
    if _frozen_today is not None:
        return _frozen_today
    return datetime.now(OFFICE_TZ).date()


def freeze_today(value):
    global _frozen_today
    _frozen_today = value


@contextmanager
def office_day(value):
    """Run a block as if the office date were `value` (the demo office replays its history)."""
    saved = _frozen_today
    freeze_today(value)
    try:
        yield value
    finally:
        freeze_today(saved)


def local(dt):
    """A stored naive-UTC timestamp as office local time."""
    if dt is None:
        return None
    return dt.replace(tzinfo=timezone.utc).astimezone(OFFICE_TZ)


def fmt_dt(dt):
    value = local(dt)
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def fmt_date(value):
    return value.strftime("%Y-%m-%d") if isinstance(value, date) else ""
