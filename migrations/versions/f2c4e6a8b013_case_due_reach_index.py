"""case due reach index

The case list sorted by 办理期限 walks the due dates in order and stops after a page; with the
reach's columns (department, 包案 leader, reception day) in the index, the cases out of reach are
passed over without reading their rows (issue 17: a handler's sorted list at 1,000,000 cases read
hundreds of thousands of rows).

Revision ID: f2c4e6a8b013
Revises: e6c1d2a7b9f3
Create Date: 2026-12-02 16:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f2c4e6a8b013'
down_revision = 'e6c1d2a7b9f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index('ix_case_handle_due_reach', ['handle_due', 'department_id', 'leader_id', 'reception_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_handle_due_reach')
