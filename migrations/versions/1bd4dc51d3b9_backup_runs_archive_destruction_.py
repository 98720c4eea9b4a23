"""backup runs, archive destruction, attachment sha256

Backups (flask backup / 系统管理 → 备份) are listed from backup_run; a destroyed archive file leaves
its index row in archive_destruction; an attachment keeps the sha256 of the file as uploaded.

Revision ID: 1bd4dc51d3b9
Revises: 7c1e5a9d3b20
Create Date: 2026-12-02 01:27:45.446727

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1bd4dc51d3b9'
down_revision = '7c1e5a9d3b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('backup_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('via', sa.String(length=10), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('directory', sa.String(length=500), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['started_by_id'], ['user.id'], name=op.f('fk_backup_run_started_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_backup_run'))
    )
    with op.batch_alter_table('backup_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_backup_run_started_at'), ['started_at'], unique=False)

    op.create_table('archive_destruction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('case_number', sa.String(length=30), nullable=False),
    sa.Column('archive_number', sa.String(length=50), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('retention', sa.String(length=20), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('expiry_year', sa.Integer(), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('attachment_count', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('destroyed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_archive_destruction_decided_by_id_user')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user.id'], name=op.f('fk_archive_destruction_proposed_by_id_user')),
    sa.ForeignKeyConstraint(['record_id'], ['archive_record.id'], name=op.f('fk_archive_destruction_record_id_archive_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_destruction')),
    sa.UniqueConstraint('archive_number', name=op.f('uq_archive_destruction_archive_number')),
    sa.UniqueConstraint('case_number', name=op.f('uq_archive_destruction_case_number')),
    sa.UniqueConstraint('record_id', name=op.f('uq_archive_destruction_record_id'))
    )
    with op.batch_alter_table('archive_destruction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_destruction_expiry_year'), ['expiry_year'], unique=False)

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sha256', sa.String(length=64), nullable=True))



def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_column('sha256')

    with op.batch_alter_table('archive_destruction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_destruction_expiry_year'))

    op.drop_table('archive_destruction')
    with op.batch_alter_table('backup_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_backup_run_started_at'))

    op.drop_table('backup_run')
