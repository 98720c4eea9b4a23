"""party birth date and loan borrower

A party's birth date (filled from an 18-digit ID number when the clerk leaves it blank), and the
person and unit a loan is for when the archivist files the request for someone else.

Revision ID: c3f1a9d2e7b4
Revises: 1bd4dc51d3b9
Create Date: 2026-12-02 01:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3f1a9d2e7b4'
down_revision = '1bd4dc51d3b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('party', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))
    with op.batch_alter_table('archive_loan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('borrower_name', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('borrower_unit', sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table('archive_loan', schema=None) as batch_op:
        batch_op.drop_column('borrower_unit')
        batch_op.drop_column('borrower_name')
    with op.batch_alter_table('party', schema=None) as batch_op:
        batch_op.drop_column('birth_date')
