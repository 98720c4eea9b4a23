"""Planner statistics. Both databases choose their plans from statistics gathered by ANALYZE: on
SQLite, ANALYZE alone moved a 1M-case handler list from 1.5 s to 0.4 s (issue 17), and stale
statistics choose a full scan. gen-data refreshes them after its load; `flask --app app
analyze-db` does it after an import or on a schedule (e.g. nightly, beside the backup)."""
from sqlalchemy import text


def refresh(session):
    """ANALYZE (every table), then on SQLite PRAGMA optimize (it re-checks the query planner's needs)."""
    session.execute(text("ANALYZE"))
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA optimize"))
