"""hearing (信访听证)

A hearing on a case: reason, proposal, a leader's approval, the period, place, chair, panel and
participants, public or not, the record and the conclusion; while approved or held its days are kept
off the handling clock (paused_days).

Revision ID: e5b2c8d1f403
Revises: e4b7c2a91f06
Create Date: 2026-12-02 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b2c8d1f403'
down_revision = 'e4b7c2a91f06'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hearing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by_petitioner', sa.Boolean(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('opinion', sa.Text(), nullable=True),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('chair', sa.String(length=50), nullable=False),
    sa.Column('panel', sa.Text(), nullable=False),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('paused_days', sa.Integer(), nullable=False),
    sa.Column('record', sa.Text(), nullable=True),
    sa.Column('conclusion', sa.Text(), nullable=True),
    sa.Column('held_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('held_recorded_at', sa.DateTime(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_hearing_case_id_case')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_hearing_decided_by_id_user')),
    sa.ForeignKeyConstraint(['held_recorded_by_id'], ['user.id'], name=op.f('fk_hearing_held_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user.id'], name=op.f('fk_hearing_proposed_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hearing'))
    )
    with op.batch_alter_table('hearing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hearing_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hearing_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('hearing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hearing_status'))
        batch_op.drop_index(batch_op.f('ix_hearing_case_id'))
    op.drop_table('hearing')
