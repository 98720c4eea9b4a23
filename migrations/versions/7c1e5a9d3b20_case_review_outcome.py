"""case review outcome

A 复查/复核 case records its conclusion on the original opinion (维持/撤销/变更), counted on its
own lines of the statistics report.

Revision ID: 7c1e5a9d3b20
Revises: c7a1d2e3f4b5
Create Date: 2026-12-02 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e5a9d3b20'
down_revision = 'c7a1d2e3f4b5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_outcome', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('review_outcome')
