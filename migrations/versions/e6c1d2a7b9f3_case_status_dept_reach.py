"""case status/department index covers the reach

ix_case_status_dept gains the columns access.case_filter reads for a leader or a handler
(purpose, leader_id, reception_id), the clocks' (handle_due, accept_notice_on, accept_due) and
closed_on: the dashboard's and 待办's counts over a reach read the index alone instead of a whole
case row each. Its first two columns are unchanged, so every plan that used it still can.

Revision ID: e6c1d2a7b9f3
Revises: e5b2c8a41f07
Create Date: 2026-12-02 16:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e6c1d2a7b9f3'
down_revision = 'e5b2c8a41f07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_status_dept')
        batch_op.create_index('ix_case_status_dept',
                              ['status', 'department_id', 'purpose', 'leader_id', 'reception_id', 'handle_due',
                               'accept_notice_on', 'accept_due', 'closed_on'], unique=False)


def downgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_status_dept')
        batch_op.create_index('ix_case_status_dept', ['status', 'department_id'], unique=False)
