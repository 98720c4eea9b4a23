"""document templates and numbers

The office's own .docx templates (replacing the shipped defaults) and the 文号 given to printed
documents (one running number per series and year; a reprint reuses its number).

Revision ID: d4e8b2c6a1f3
Revises: 5e2b7c9a1f03
Create Date: 2026-12-02 13:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e8b2c6a1f3'
down_revision = '5e2b7c9a1f03'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'document_template',
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_document_template_uploaded_by_id_user')),
        sa.PrimaryKeyConstraint('kind', name=op.f('pk_document_template')),
    )
    op.create_table(
        'document_number',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('ref_id', sa.Integer(), nullable=False),
        sa.Column('series', sa.String(length=20), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=80), nullable=False),
        sa.Column('printed_by_id', sa.Integer(), nullable=True),
        sa.Column('printed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_document_number_case_id_case'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['printed_by_id'], ['user.id'], name=op.f('fk_document_number_printed_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_number')),
        sa.UniqueConstraint('case_id', 'kind', 'ref_id', name='uq_document_number_case_kind'),
        sa.UniqueConstraint('series', 'year', 'seq', name='uq_document_number_seq'),
    )
    with op.batch_alter_table('document_number', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_number_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('document_number', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_number_case_id'))
    op.drop_table('document_number')
    op.drop_table('document_template')
