"""case clock indexes

The 超期 / 临期 filters, the dashboard's open-case figures and the 待办 counts ask
"status in (...) and <due> before a date": an index on (status, handle_due) and on
(status, accept_notice_on, accept_due) answers them from the index instead of reading every
open case (the 受理告知 clock runs while accept_notice_on is NULL). assigned_on: the dashboard's
交办 this year reads the year's cases only. repeat_of_id: the report's 再信访 looks up the cases
linked to those closed in the period.

Revision ID: e5b7c2a9d104
Revises: d4e8b2c6a1f3
Create Date: 2026-12-02 14:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e5b7c2a9d104'
down_revision = 'd4e8b2c6a1f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index('ix_case_status_handle_due', ['status', 'handle_due'], unique=False)
        batch_op.create_index('ix_case_status_accept_due', ['status', 'accept_notice_on', 'accept_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_assigned_on'), ['assigned_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_repeat_of_id'), ['repeat_of_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_repeat_of_id'))
        batch_op.drop_index(batch_op.f('ix_case_assigned_on'))
        batch_op.drop_index('ix_case_status_accept_due')
        batch_op.drop_index('ix_case_status_handle_due')
