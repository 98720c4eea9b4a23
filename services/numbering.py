"""Case numbers: [prefix]YYYY-NNNNNN, one running number per year, never reused."""
import secrets

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from models import Case, CaseCounter
from services import settings

QUERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out on the phone


def next_number(session, year):
    """Reserve the next number inside the caller's transaction.

    The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite, BEGIN IMMEDIATE), so
    two registrations committing at once get different numbers. A rolled-back registration
    also rolls back the counter, so its never-committed number is given to the next one;
    a committed number is never given again.
    """
    prefix = settings.get(session, "number_prefix")
    bumped = session.execute(
        update(CaseCounter).where(CaseCounter.prefix == prefix, CaseCounter.year == year)
        .values(last=CaseCounter.last + 1).returning(CaseCounter.last)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if bumped is None:
        try:
            with session.begin_nested():
                session.add(CaseCounter(prefix=prefix, year=year, last=1))
            bumped = 1
        except IntegrityError:  # another transaction created the year's counter first
            return next_number(session, year)
    number = f"{prefix}{year}-{bumped:06d}"
    from services.retention import is_number_destroyed
    if is_number_destroyed(session, number):  # a destroyed file's number stays taken
        return next_number(session, year)
    return number


def new_query_code(session):
    while True:
        code = "".join(secrets.choice(QUERY_ALPHABET) for _ in range(6))
        if not session.execute(select(exists().where(Case.query_code == code))).scalar():
            return code
