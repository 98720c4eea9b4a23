"""services/archive.suggest_number: one past the highest all-digit sequence of the year and volume
type, whatever else the archivist typed (gaps, no padding, a suffix, another year or type)."""
from datetime import date

from sqlalchemy import event, select

from models import ArchiveRecord, db
from services import archive


def _number_as(session, numbers):
    records = session.execute(select(ArchiveRecord).order_by(ArchiveRecord.id)).scalars().all()
    assert len(records) >= len(numbers)
    for i, r in enumerate(records):  # park the demo's numbers out of the way first
        r.archive_number = f"OLD-{i}"
    session.flush()
    for r, n in zip(records, numbers):
        r.archive_number = n
    session.flush()


def _next(session, volume="ordinary"):
    return archive.suggest_number(session, volume, today=date(2026, 11, 20))


def test_gaps_and_odd_numbers(session):
    _number_as(session, ["XF-2026-普-0001", "XF-2026-普-0007", "XF-2026-普-0012补", "XF-2026-普-9",
                         "XF-2026-普-", "XF-2025-普-0500", "XF-2026-专-0300", "XF-2026-普-0x20"])
    assert _next(session) == "XF-2026-普-0010"
    assert _next(session, "special") == "XF-2026-专-0301"
    assert archive.suggest_number(session, "ordinary", today=date(2025, 3, 1)) == "XF-2025-普-0501"
    assert archive.suggest_number(session, "ordinary", today=date(2024, 3, 1)) == "XF-2024-普-0001"


def test_past_four_digits_the_numeric_highest_counts(session):
    _number_as(session, ["XF-2026-普-9999", "XF-2026-普-10000", "XF-2026-普-9998", "XF-2026-普-00042"])
    assert _next(session) == "XF-2026-普-10001"


def test_percent_and_underscore_in_a_typed_number_are_not_wildcards(session):
    _number_as(session, ["XF-2026-普_0050", "XF%2026-普-0060", "XF-2026-普-0003"])
    assert _next(session) == "XF-2026-普-0004"


def test_one_statement(session):
    seen = []
    listener = lambda *a: seen.append(a[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        _next(session)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 1
