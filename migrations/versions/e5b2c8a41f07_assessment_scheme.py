"""assessment scheme

考核方案: one scheme per year, its indicators with weights and scoring rules; and an index on
case.repeat_of_id (再信访率 finds the later case linked to a closed one by it).

Revision ID: e5b2c8a41f07
Revises: e5b7c2a9d104
Create Date: 2026-12-02 13:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b2c8a41f07'
down_revision = 'e5b7c2a9d104'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'assessment_scheme',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'],
                                name=op.f('fk_assessment_scheme_updated_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_scheme')),
        sa.UniqueConstraint('year', name=op.f('uq_assessment_scheme_year')),
    )
    op.create_table(
        'assessment_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scheme_id', sa.Integer(), nullable=False),
        sa.Column('indicator', sa.String(length=30), nullable=False),
        sa.Column('rule', sa.String(length=10), nullable=False),
        sa.Column('weight', sa.Numeric(precision=7, scale=2, asdecimal=False), nullable=False),
        sa.Column('floor', sa.Numeric(precision=7, scale=2, asdecimal=False), nullable=True),
        sa.Column('target', sa.Numeric(precision=7, scale=2, asdecimal=False), nullable=True),
        sa.Column('per_occurrence', sa.Numeric(precision=7, scale=2, asdecimal=False), nullable=True),
        sa.Column('sort_order', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['scheme_id'], ['assessment_scheme.id'],
                                name=op.f('fk_assessment_item_scheme_id_assessment_scheme')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_item')),
        sa.UniqueConstraint('scheme_id', 'indicator', 'rule', name='uq_assessment_item_scheme_indicator_rule'),
    )
    with op.batch_alter_table('assessment_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_item_scheme_id'), ['scheme_id'], unique=False)


def downgrade():
    with op.batch_alter_table('assessment_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_item_scheme_id'))
    op.drop_table('assessment_item')
    op.drop_table('assessment_scheme')
