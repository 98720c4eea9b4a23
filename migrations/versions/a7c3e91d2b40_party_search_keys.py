"""party search keys: pinyin, initials, ID and phone tails

The case list finds a petitioner by pinyin (zhangsan), initials (zs), the last 4+ characters of an
ID number or a phone number through these indexed columns; existing parties are filled here, new
ones by the listener in models/party.py.

Revision ID: a7c3e91d2b40
Revises: 4f97d5f2153a
Create Date: 2026-12-02 01:50:00

"""
from alembic import op
import sqlalchemy as sa

from models.party import ID_CHARS, digits_tail, name_keys


# revision identifiers, used by Alembic.
revision = 'a7c3e91d2b40'
down_revision = '4f97d5f2153a'
branch_labels = None
depends_on = None

COLUMNS = (("name_pinyin", 255), ("name_initials", 100), ("id_tail", 4), ("phone_tail", 4))


def upgrade():
    with op.batch_alter_table('party', schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_party_{name}'), [name], unique=False)
    conn = op.get_bind()
    party = sa.table("party", sa.column("id"), sa.column("kind"), sa.column("name"),
                     sa.column("id_number"), sa.column("phone"),
                     *(sa.column(name) for name, _len in COLUMNS))
    rows = conn.execute(sa.select(party.c.id, party.c.kind, party.c.name, party.c.id_number,
                                  party.c.phone)).all()
    for pid, kind, name, id_number, phone in rows:
        pinyin, initials = name_keys(name, kind or "person")
        conn.execute(party.update().where(party.c.id == pid).values(
            name_pinyin=pinyin, name_initials=initials, id_tail=digits_tail(id_number, ID_CHARS),
            phone_tail=digits_tail(phone)))


def downgrade():
    with op.batch_alter_table('party', schema=None) as batch_op:
        for name, _length in reversed(COLUMNS):
            batch_op.drop_index(batch_op.f(f'ix_party_{name}'))
            batch_op.drop_column(name)
