"""user session token and must change password

Each user gets a random session token (the login cookie carries it instead of the id, so a new
token ends every session) and a flag for a temporary password set by the admin.

Revision ID: 4f97d5f2153a
Revises: bd252318460a
Create Date: 2026-12-01 22:13:00.839055

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4f97d5f2153a'
down_revision = 'bd252318460a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    conn = op.get_bind()
    user = sa.table("user", sa.column("id"), sa.column("session_token"))
    for (uid,) in conn.execute(sa.select(user.c.id)).all():
        conn.execute(user.update().where(user.c.id == uid).values(session_token=secrets.token_urlsafe(32)))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_user_session_token'), ['session_token'])


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_session_token'), type_='unique')
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('session_token')
