"""substring search index

Search by any part of a name or of a case's text through an index (models/search_index.py):
SQLite FTS5 trigram tables kept by triggers, filled here from the existing rows; PostgreSQL the
pg_trgm extension (a trusted extension: the database owner may create it) and GIN trigram indexes.
A later batch migration that rebuilds case, party or archive_record on SQLite drops the triggers
with the table: call search_index.create_triggers after it (tests/test_migrations.py checks them).

Revision ID: 5e2b7c9a1f03
Revises: e5a1c2d3f4b6
Create Date: 2026-12-02 14:00:00

"""
from alembic import op

from models import search_index

# revision identifiers, used by Alembic.
revision = '5e2b7c9a1f03'
down_revision = 'e5a1c2d3f4b6'
branch_labels = None
depends_on = None


def upgrade():
    search_index.create(op.get_bind())


def downgrade():
    search_index.drop(op.get_bind())
