"""The substring index behind services/search.py: what the database needs so that "contains" is an
index lookup instead of a scan of every case and every name.

- SQLite: two FTS5 tables with the trigram tokenizer (SQLite ≥ 3.34): `case_search` (one row per
  case: its number, 查询码, summary, place, 交办/转送文号, original number and 档号, one per line) and
  `party_search` (one row per party: the name). Triggers keep them in the same transaction as the
  write, whoever writes (ORM, Core, the import, gen-data).
- PostgreSQL: the pg_trgm extension and GIN trigram indexes on the same columns (the query's ILIKE
  uses them as it is). pg_trgm is a trusted extension: the database owner may create it; the
  database needs a UTF-8 LC_CTYPE other than C/POSIX (C.UTF-8, zh_CN.UTF-8), or Chinese characters
  give no trigrams.

None of this is in the models' metadata (FTS tables are not tables SQLAlchemy can describe, and the
GIN indexes exist on PostgreSQL only): create_all runs `create` below through metadata events, the
migration 5e2b7c9a1f03 runs it on an existing database, and tests/test_migrations.py leaves exactly
these names out of the models-vs-migrations comparison (`is_search_object`).

Terms of 1-2 characters (a surname, a given name, a two-character word) are shorter than a
trigram. They have their own index (migration 9c4d2e6f8a17), every character and every pair of
adjacent characters of the same text as one token each, case-folded:
- SQLite: two contentless FTS5 tables (unicode61 tokenizer, detail=none: only which rows hold a
  token) `case_search_short` / `party_search_short`. The document is the bag "王 王伟 伟 伟明 明"
  built in SQL (json_each over the positions), so a term of 1-2 characters is one token, looked up
  as is; the caller's LIKE decides. A contentless table forgets its text: the triggers take a row
  out by tokenizing its text as it was (BEFORE the write) and put it back AFTER.
- PostgreSQL: the function xf_search_grams(text) -> text[] of the same tokens and GIN indexes on
  it (case text, 档号, party name), asked with `@> ARRAY[lower(term)]`.
"""
from sqlalchemy import event, text

SQLITE_TABLES = ("case_search", "party_search")
_FTS_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")
CASE_TEXT_COLUMNS = ("number", "query_code", "summary", "incident_place", "source_doc_no", "forward_doc_no",
                     "original_number")
PG_INDEXES = tuple((f"ix_case_{c}_trgm", "case", c) for c in CASE_TEXT_COLUMNS) + (
    ("ix_archive_record_archive_number_trgm", "archive_record", "archive_number"),
    ("ix_party_name_trgm", "party", "name"))

# One case's searchable text: the fields one per line (a search term never holds a line break, so
# it matches inside one field only), the 档号 last.
_CASE_BODY = " || char(10) || ".join(
    [f"coalesce(c.{col}, '')" for col in CASE_TEXT_COLUMNS]
    + ["coalesce((SELECT a.archive_number FROM archive_record a WHERE a.case_id = c.id), '')"])


def _case_row(case_id):
    return f'SELECT c.id, {_CASE_BODY} FROM "case" c WHERE c.id = {case_id}'


def _case_refresh(case_id):
    return (f"DELETE FROM case_search WHERE rowid = {case_id}; "
            f"INSERT INTO case_search(rowid, body) {_case_row(case_id)};")


SQLITE_TRIGGERS = {
    "case_search_ai": f'AFTER INSERT ON "case" BEGIN INSERT INTO case_search(rowid, body) {_case_row("new.id")}; END',
    "case_search_au": (f'AFTER UPDATE OF {", ".join(CASE_TEXT_COLUMNS)} ON "case" BEGIN '
                       f'{_case_refresh("new.id")} END'),
    "case_search_ad": 'AFTER DELETE ON "case" BEGIN DELETE FROM case_search WHERE rowid = old.id; END',
    "case_search_filed_ai": f"AFTER INSERT ON archive_record BEGIN {_case_refresh('new.case_id')} END",
    "case_search_filed_au": (f"AFTER UPDATE OF archive_number, case_id ON archive_record BEGIN "
                             f"{_case_refresh('old.case_id')} {_case_refresh('new.case_id')} END"),
    "case_search_filed_ad": f"AFTER DELETE ON archive_record BEGIN {_case_refresh('old.case_id')} END",
    "party_search_ai": "AFTER INSERT ON party BEGIN INSERT INTO party_search(rowid, name) VALUES (new.id, new.name); END",
    "party_search_au": "AFTER UPDATE OF name ON party BEGIN UPDATE party_search SET name = new.name WHERE rowid = new.id; END",
    "party_search_ad": "AFTER DELETE ON party BEGIN DELETE FROM party_search WHERE rowid = old.id; END",
}


# ---- terms of 1-2 characters --------------------------------------------------------------------

SQLITE_SHORT_TABLES = ("case_search_short", "party_search_short")
PG_GRAMS_FUNCTION = "xf_search_grams"
# The case's text as one string for PostgreSQL's expression index; the query spells it the same
# (services/search.py) or the planner does not use the index. Pairs across two fields are extra
# candidates only: ILIKE decides.
PG_CASE_TEXT = " || ' ' || ".join(f'coalesce("case".{c}, \'\')' for c in CASE_TEXT_COLUMNS)
PG_SHORT_INDEXES = (("ix_case_text_grams", "case", PG_CASE_TEXT),
                    ("ix_archive_record_archive_number_grams", "archive_record", "archive_number"),
                    ("ix_party_name_grams", "party", "name"))


def _grams(x):
    """SQLite: the bag of the characters and adjacent pairs of the text `x` (an SQL expression),
    space separated; NULL for NULL or ''. json_each over '[0,0,...]' yields the positions (no
    CTE: triggers may not hold one)."""
    return (f"(SELECT group_concat(substr({x}, j.key + 1, 1) || ' ' || substr({x}, j.key + 1, 2), ' ') "
            f"FROM json_each('[' || rtrim(replace(hex(zeroblob(length({x}))), '00', '0,'), ',') || ']') j)")


def _case_short(case_ids, delete=False):
    """Put the cases `case_ids` (an SQL list) into case_search_short as they are now, or take them
    out (`delete`: the tokens of their current text). OFFSET 0 keeps SQLite from flattening the
    subquery, which would build the text again for every character."""
    target = "case_search_short(case_search_short, rowid, body) SELECT 'delete', " if delete else \
        "case_search_short(rowid, body) SELECT "
    return (f"INSERT INTO {target}s.id, {_grams('s.b')} FROM "
            f'(SELECT c.id, {_CASE_BODY} AS b FROM "case" c WHERE c.id IN ({case_ids}) LIMIT -1 OFFSET 0) s;')


def _party_short(party, delete=False):
    if delete:
        return (f"INSERT INTO party_search_short(party_search_short, rowid, name) "
                f"SELECT 'delete', {party}.id, {_grams(party + '.name')};")
    return f"INSERT INTO party_search_short(rowid, name) SELECT {party}.id, {_grams(party + '.name')};"


_CASE_SHORT_COLUMNS = ", ".join(CASE_TEXT_COLUMNS)
SQLITE_SHORT_TRIGGERS = {
    "case_search_short_ai": f'AFTER INSERT ON "case" BEGIN {_case_short("new.id")} END',
    "case_search_short_bu": f'BEFORE UPDATE OF {_CASE_SHORT_COLUMNS} ON "case" BEGIN {_case_short("old.id", True)} END',
    "case_search_short_au": f'AFTER UPDATE OF {_CASE_SHORT_COLUMNS} ON "case" BEGIN {_case_short("new.id")} END',
    "case_search_short_bd": f'BEFORE DELETE ON "case" BEGIN {_case_short("old.id", True)} END',
    "case_search_short_filed_bi": f"BEFORE INSERT ON archive_record BEGIN {_case_short('new.case_id', True)} END",
    "case_search_short_filed_ai": f"AFTER INSERT ON archive_record BEGIN {_case_short('new.case_id')} END",
    "case_search_short_filed_bu": (f"BEFORE UPDATE OF archive_number, case_id ON archive_record BEGIN "
                                   f"{_case_short('old.case_id, new.case_id', True)} END"),
    "case_search_short_filed_au": (f"AFTER UPDATE OF archive_number, case_id ON archive_record BEGIN "
                                   f"{_case_short('old.case_id, new.case_id')} END"),
    "case_search_short_filed_bd": f"BEFORE DELETE ON archive_record BEGIN {_case_short('old.case_id', True)} END",
    "case_search_short_filed_ad": f"AFTER DELETE ON archive_record BEGIN {_case_short('old.case_id')} END",
    "party_search_short_ai": f"AFTER INSERT ON party BEGIN {_party_short('new')} END",
    "party_search_short_bu": f"BEFORE UPDATE OF name ON party BEGIN {_party_short('old', True)} END",
    "party_search_short_au": f"AFTER UPDATE OF name ON party BEGIN {_party_short('new')} END",
    "party_search_short_bd": f"BEFORE DELETE ON party BEGIN {_party_short('old', True)} END",
}
ALL_SQLITE_TRIGGERS = {**SQLITE_TRIGGERS, **SQLITE_SHORT_TRIGGERS}


def create_short(conn):
    """The 1-2 character index on an existing schema, filled (migration 9c4d2e6f8a17)."""
    if conn.dialect.name == "sqlite":
        for table in SQLITE_SHORT_TABLES:
            column = "body" if table.startswith("case") else "name"
            conn.execute(text(f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5({column}, "
                              "tokenize='unicode61', content='', detail=none, columnsize=0)"))
        for name, body in SQLITE_SHORT_TRIGGERS.items():
            conn.execute(text(f"CREATE TRIGGER IF NOT EXISTS {name} {body}"))
        rebuild_short(conn)
    elif conn.dialect.name == "postgresql":
        conn.execute(text(
            f"CREATE OR REPLACE FUNCTION {PG_GRAMS_FUNCTION}(s text) RETURNS text[] "
            "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
            "$$ SELECT array_agg(DISTINCT substr(lower(s), i, n)) "
            "FROM generate_series(1, length(s)) AS i, (VALUES (1), (2)) AS v(n) $$"))
        for name, table, expr in PG_SHORT_INDEXES:
            conn.execute(text(f'CREATE INDEX IF NOT EXISTS {name} ON "{table}" '
                              f"USING gin ({PG_GRAMS_FUNCTION}({expr}))"))


def rebuild_short(conn):
    if conn.dialect.name != "sqlite":
        return
    conn.execute(text("INSERT INTO case_search_short(case_search_short) VALUES ('delete-all')"))
    # MATERIALIZED: the text is built once per case, not once per character (10x at a million).
    conn.execute(text(f'WITH s AS MATERIALIZED (SELECT c.id, {_CASE_BODY} AS b FROM "case" c) '
                      f'INSERT INTO case_search_short(rowid, body) SELECT s.id, {_grams("s.b")} FROM s'))
    conn.execute(text("INSERT INTO party_search_short(party_search_short) VALUES ('delete-all')"))
    conn.execute(text(f"INSERT INTO party_search_short(rowid, name) SELECT p.id, {_grams('p.name')} FROM party p"))


def _drop_objects(conn, triggers, tables, pg_indexes):
    if conn.dialect.name == "sqlite":
        for name in triggers:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        for table in tables:
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
    elif conn.dialect.name == "postgresql":
        for name, *_rest in pg_indexes:
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))


def drop_short(conn):
    _drop_objects(conn, SQLITE_SHORT_TRIGGERS, SQLITE_SHORT_TABLES, PG_SHORT_INDEXES)
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"DROP FUNCTION IF EXISTS {PG_GRAMS_FUNCTION}(text)"))


# ---- both --------------------------------------------------------------------------------------

def is_search_object(name, type_):
    """For the models-vs-database comparison: the objects this module owns."""
    if type_ == "table":
        return any(name == t or name in (t + s for s in _FTS_SHADOWS)
                   for t in SQLITE_TABLES + SQLITE_SHORT_TABLES)
    if type_ == "index":
        return name in {n for n, _t, _c in PG_INDEXES + PG_SHORT_INDEXES}
    return False


def drop_triggers(conn):
    """Before a bulk load (gen-data): the rows are indexed once afterwards by `rebuild`."""
    if conn.dialect.name != "sqlite":
        return
    for name in ALL_SQLITE_TRIGGERS:
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def create_triggers(conn):
    if conn.dialect.name != "sqlite":
        return
    for name, body in ALL_SQLITE_TRIGGERS.items():
        conn.execute(text(f"CREATE TRIGGER IF NOT EXISTS {name} {body}"))


def rebuild(conn):
    """Index every existing case and party again (SQLite; PostgreSQL's indexes need nothing)."""
    if conn.dialect.name != "sqlite":
        return
    conn.execute(text("DELETE FROM case_search"))
    conn.execute(text(f'INSERT INTO case_search(rowid, body) SELECT c.id, {_CASE_BODY} FROM "case" c'))
    conn.execute(text("DELETE FROM party_search"))
    conn.execute(text("INSERT INTO party_search(rowid, name) SELECT id, name FROM party"))
    rebuild_short(conn)


def create_trigram(conn):
    """The trigram index on an existing schema (tables case, party, archive_record present),
    filled."""
    if conn.dialect.name == "sqlite":
        conn.execute(text("CREATE VIRTUAL TABLE IF NOT EXISTS case_search USING fts5(body, tokenize='trigram')"))
        conn.execute(text("CREATE VIRTUAL TABLE IF NOT EXISTS party_search USING fts5(name, tokenize='trigram')"))
        for name, body in SQLITE_TRIGGERS.items():
            conn.execute(text(f"CREATE TRIGGER IF NOT EXISTS {name} {body}"))
        conn.execute(text("DELETE FROM case_search"))
        conn.execute(text(f'INSERT INTO case_search(rowid, body) SELECT c.id, {_CASE_BODY} FROM "case" c'))
        conn.execute(text("DELETE FROM party_search"))
        conn.execute(text("INSERT INTO party_search(rowid, name) SELECT id, name FROM party"))
    elif conn.dialect.name == "postgresql":
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        for name, table, column in PG_INDEXES:
            conn.execute(text(f'CREATE INDEX IF NOT EXISTS {name} ON "{table}" USING gin ({column} gin_trgm_ops)'))


def create(conn):
    """The whole search index on an existing schema, filled (create_all; the migrations: the
    trigram part 5e2b7c9a1f03, the short part 9c4d2e6f8a17 - each idempotent)."""
    create_trigram(conn)
    create_short(conn)


def drop(conn):
    drop_short(conn)
    _drop_objects(conn, SQLITE_TRIGGERS, SQLITE_TABLES, PG_INDEXES)


def register(metadata):
    """create_all / drop_all build and remove the index with the tables."""
    event.listen(metadata, "after_create", lambda _target, conn, **_kw: create(conn))
    event.listen(metadata, "before_drop", lambda _target, conn, **_kw: drop(conn))
