"""user preference

A remembered choice of one user: the ledger export's columns (key "ledger_columns").

Revision ID: e4b7c2a91f06
Revises: c3f1a9d2e7b4
Create Date: 2026-12-02 13:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b7c2a91f06'
down_revision = 'c3f1a9d2e7b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_preference',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=50), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_preference_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_preference')),
        sa.UniqueConstraint('user_id', 'key', name='uq_user_preference_user_key'),
    )


def downgrade():
    op.drop_table('user_preference')
