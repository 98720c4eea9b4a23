from datetime import datetime, timezone


def utcnow():
    """Naive UTC timestamp: SQLite keeps no zone, so every timestamp column is UTC by convention."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
