"""search index for terms of 1-2 characters

A surname or a given name of one or two characters (or a two-character word of a summary) is
shorter than a trigram: every character and pair of characters as a token (models/search_index.py):
SQLite contentless FTS5 tables kept by triggers, filled here from the existing rows; PostgreSQL
the function xf_search_grams and GIN indexes on it. Dropped first: 5e2b7c9a1f03 builds the whole
search index of the current code on a new database.

Revision ID: 9c4d2e6f8a17
Revises: f2c4e6a8b013
Create Date: 2026-12-02 17:00:00

"""
from alembic import op

from models import search_index

# revision identifiers, used by Alembic.
revision = '9c4d2e6f8a17'
down_revision = 'f2c4e6a8b013'
branch_labels = None
depends_on = None


def upgrade():
    search_index.drop_short(op.get_bind())
    search_index.create_short(op.get_bind())


def downgrade():
    search_index.drop_short(op.get_bind())
