"""holiday year: a year's notice entered in full (else the clock counts it by the law, 暂定)

Years that already have holiday rows (seeded from chinese-calendar or typed by the admin) are
marked complete, so their calendars stay as they are.

Revision ID: c7a1d2e3f4b5
Revises: a7c3e91d2b40
Create Date: 2026-12-02 01:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7a1d2e3f4b5'
down_revision = 'a7c3e91d2b40'
branch_labels = None
depends_on = None


def upgrade():
    year_table = op.create_table(
        'holiday_year',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('complete', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_holiday_year')),
    )
    conn = op.get_bind()
    holiday = sa.table("holiday", sa.column("day", sa.Date()))
    years = sorted({d.year for (d,) in conn.execute(sa.select(holiday.c.day)).all()})
    if years:
        op.bulk_insert(year_table, [{"year": y, "complete": True} for y in years])


def downgrade():
    op.drop_table('holiday_year')
