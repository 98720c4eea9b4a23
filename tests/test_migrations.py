"""The migration head builds the whole schema on an empty database, and it matches the models."""
import os
import uuid

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app
from models import db, search_index

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


@pytest.fixture
def fresh_uri(tmp_path):
    """A brand-new empty database: a new SQLite file, or a new PostgreSQL database."""
    if not PG_URL:
        yield "sqlite:///" + str(tmp_path / "fresh.db")
        return
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"xf_mig_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_to_head_matches_the_models(fresh_uri, tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": fresh_uri,
                      "ATTACHMENT_DIR": str(tmp_path / "att")})
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        flask_migrate.upgrade(directory=MIGRATIONS)
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        with db.engine.connect() as conn:
            # The substring index is not in the models (models/search_index.py): exactly its
            # FTS5 tables / GIN indexes are left out of the comparison, and checked below.
            ctx = MigrationContext.configure(conn, opts={
                "compare_type": True, "compare_server_default": False,
                "include_name": lambda name, type_, _parent: not search_index.is_search_object(name, type_)})
            diff = compare_metadata(ctx, db.metadata)
        assert diff == [], diff
        _assert_search_index(db.engine)
        # and back down to nothing and up again: the chain is complete both ways
        flask_migrate.downgrade(directory=MIGRATIONS, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade(directory=MIGRATIONS)
        db.session.remove()
        db.engine.dispose()


def _assert_search_index(engine):
    """What create_all builds for search, the migrations built too (and a later batch migration
    that rebuilt a table kept its triggers)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            found = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")).scalars())
            assert set(search_index.SQLITE_TABLES + search_index.SQLITE_SHORT_TABLES) <= found
            assert set(search_index.ALL_SQLITE_TRIGGERS) <= found
        else:
            found = set(conn.execute(text("SELECT indexname FROM pg_indexes")).scalars())
            assert {name for name, _t, _c in search_index.PG_INDEXES + search_index.PG_SHORT_INDEXES} <= found
            assert conn.execute(text("SELECT count(*) FROM pg_proc WHERE proname = :f"),
                                {"f": search_index.PG_GRAMS_FUNCTION}).scalar() == 1


def test_create_all_builds_the_same_search_index(app):
    _assert_search_index(db.engine)
