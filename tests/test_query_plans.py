"""The hot pages at scale (issue 17): how many statements a page sends, and the plans of those
statements. The demo office is small, so on SQLite the planner is given the statistics of a
100,000-case office (sqlite_stat1 as ANALYZE wrote it on `benchmarks/pages.py`'s database) and
on PostgreSQL sequential scans are priced out (enable_seqscan off): a statement that still reads
the whole `case` table has no index to go by. (The demo's leaders oversee the whole office:
for them only the list page itself is checked, see WHOLE_OFFICE.)

What fails: a page over 10 statements (a query per row or per section); on SQLite a plain
`SCAN case` (the whole table) other than the list walking the ids in order and stopping after
the page, a `SCAN case USING INDEX` (every row, read in index order), or a list that sorts every
row in reach (`USE TEMP B-TREE FOR ORDER BY`) for the default order; on PostgreSQL a
`Seq Scan on "case"`.
"""
import re

import pytest
from sqlalchemy import event, text

from models import db

MAX_STATEMENTS = 10

# sqlite_stat1 of the case tables after gen-data --cases 100000 and ANALYZE (benchmarks/pages.py).
STAT1 = """\
case|ix_case_accept_due|100300 80
case|ix_case_assigned_on|100300 56
case|ix_case_category|100300 7165
case|ix_case_channel|100300 14329
case|ix_case_closed_on|100300 56
case|ix_case_department_id|100300 7716
case|ix_case_handle_due|100300 80
case|ix_case_handler_id|100300 10030
case|ix_case_incident_place|100300 3236
case|ix_case_leader_id|100300 50150
case|ix_case_parent_case_id|100300 33434
case|ix_case_purpose|100300 33434
case|ix_case_received_on|100300 55
case|ix_case_reception_id|100300 50150
case|ix_case_repeat_of_id|100300 3583
case|ix_case_replied_on|100300 56
case|ix_case_satisfaction|100300 25075
case|ix_case_status|100300 8359
case|ix_case_status_accept_due|100300 8359 12 3
case|ix_case_status_dept|100300 8359 1433
case|ix_case_status_handle_due|100300 8359 16
case|sqlite_autoindex_case_1|100300 1
case|sqlite_autoindex_case_2|100300 1
case_event|ix_case_event_action|639405 31971
case_event|ix_case_event_at|639405 7
case_event|ix_case_event_case_id|639405 7
case_party|ix_case_party_case_id|115228 2
case_party|ix_case_party_party_id|115228 2
case_party|sqlite_autoindex_case_party_1|115228 2 1 1
party|ix_party_department_id|85086 8509
party|ix_party_id_tail|85086 8
party|ix_party_name|85086 48
party|ix_party_name_initials|85086 146
party|ix_party_name_pinyin|85086 50
party|ix_party_phone|85086 1
party|ix_party_phone_tail|85086 9
party|sqlite_autoindex_party_1|85086 2
"""


def _is_pg():
    return db.engine.dialect.name == "postgresql"


def _office_sized_statistics():
    db.session.execute(text("ANALYZE"))
    if _is_pg():
        db.session.commit()
        return
    tables = sorted({line.split("|")[0] for line in STAT1.splitlines()})
    db.session.execute(text("DELETE FROM sqlite_stat1 WHERE tbl IN (%s)" % ",".join(f"'{t}'" for t in tables)))
    for line in STAT1.splitlines():
        tbl, idx, stat = line.split("|")
        db.session.execute(text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (:t, :i, :s)"),
                           {"t": tbl, "i": idx, "s": stat})
    db.session.commit()
    db.engine.dispose()  # new connections load the statistics


class Recorder:
    def __init__(self):
        self.statements = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((statement, parameters))


@pytest.fixture
def recorder(demo_app):
    rec = Recorder()
    event.listen(db.engine, "before_cursor_execute", rec)
    yield rec
    event.remove(db.engine, "before_cursor_execute", rec)


def _get(client, rec, url):
    client.get(url)  # warm-up: the page's first request may read what later ones have cached
    rec.statements.clear()
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return resp.get_data(as_text=True), list(rec.statements)


def _case_view(app):
    return next(v for v in app.extensions["xinfang_admin"]._views if getattr(v, "endpoint", None) == "case")


def _urls(app):
    from views.dashboard import case_list_url

    with app.test_request_context():
        overdue = case_list_url((None, "OverdueFilter", "1"))
    sort_due = [c for c, _n in _case_view(app)._list_columns].index("handle_due")
    return overdue, f"/admin/case/?sort={sort_due}"


def _first_case(html):
    return re.findall(r"details/\?id=(\d+)", html)[0]


# ---- statements per page -----------------------------------------------------------------------

@pytest.mark.parametrize("user", ["clerk", "handler1", "leader", "archivist"])
def test_case_list_and_case_page_take_at_most_ten_statements(demo_app, make_client, recorder, user):
    client = make_client(user)
    html, statements = _get(client, recorder, "/admin/case/")
    rows = re.findall(r"details/\?id=(\d+)", html)
    assert len(rows) >= 10  # a full page of cases, with their 剩余天数 and 办理期限
    assert len(statements) <= MAX_STATEMENTS, [s for s, _p in statements]
    html, statements = _get(client, recorder, f"/admin/case/details/?id={rows[0]}")
    assert "办理过程" in html or "时间" in html
    assert len(statements) <= MAX_STATEMENTS, [s for s, _p in statements]


def test_a_list_page_of_open_cases_reads_settings_and_calendar_once(demo_app, make_client, recorder):
    client = make_client("clerk")
    overdue, _sort = _urls(demo_app)
    html, statements = _get(client, recorder, overdue)
    assert "超期" in html
    texts = [s for s, _p in statements]
    assert sum("FROM setting" in s for s in texts) <= 1, texts
    assert sum("FROM holiday" in s for s in texts) <= 1, texts


# ---- plans -------------------------------------------------------------------------------------

def _plan(statement, parameters):
    conn = db.session.connection()
    if _is_pg():
        conn.exec_driver_sql("SET enable_seqscan = off")
        return [r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters)]
    return [r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]


def _case_reads(statements):
    return [(s, p) for s, p in statements
            if s.lstrip().upper().startswith("SELECT") and re.search(r'FROM "case"', s)]


def _full_scans(statement, plan):
    if _is_pg():
        return [line for line in plan if 'Seq Scan on "case"' in line]
    # A page (LIMIT) read in its order from the table or an index stops after the page: a walk.
    walks = "LIMIT" in statement and not any("USE TEMP B-TREE FOR ORDER BY" in line for line in plan)
    return [line.strip() for line in plan
            if (line.strip() == "SCAN case" or line.strip().startswith("SCAN case USING INDEX")) and not walks]


def _pages(app):
    overdue, sort_due = _urls(app)
    return [("handler1", "/admin/case/"), ("handler1", "/admin/case/?page=3"), ("leader", "/admin/case/"),
            ("clerk", overdue), ("handler1", overdue), ("leader", sort_due), ("handler1", sort_due),
            ("handler1", "/admin/"), ("clerk", "/admin/")]


# The demo's leaders sit at the top of the tree: their reach is the whole office, and counting it
# (the pager's count, the 待办 menu line) reads every case whatever the shape. Their pages are
# checked for the page itself (a walk, not a sort of everything), not for those counts.
WHOLE_OFFICE = ("leader",)


def _checked(user, statement):
    return user not in WHOLE_OFFICE or "LIMIT" in statement


def test_hot_pages_read_case_through_indexes(demo_app, make_client, recorder):
    _office_sized_statistics()
    problems, seen = [], 0
    pages = _pages(demo_app)
    html, _s = _get(make_client("handler1"), recorder, "/admin/case/")
    pages.append(("handler1", f"/admin/case/details/?id={_first_case(html)}"))
    for user, url in pages:
        _html, statements = _get(make_client(user), recorder, url)
        for statement, params in _case_reads(statements):
            if not _checked(user, statement):
                continue
            seen += 1
            plan = _plan(statement, params)
            bad = _full_scans(statement, plan)
            if bad:
                problems.append((user, url, bad, statement[:300], plan))
        db.session.rollback()
    assert seen >= 10
    assert not problems, "\n".join(f"{u} {url}: {bad} {s[:150]!r}" for u, url, bad, s, _p in problems)


def test_default_list_order_never_sorts_the_whole_reach(demo_app, make_client, recorder):
    """The list pages of a handler and a leader walk the ids in order (or read the reach through
    its indexes) rather than sorting every case in reach to show 50."""
    _office_sized_statistics()
    if _is_pg():
        pytest.skip("PostgreSQL plans the walk itself (Index Scan Backward on the primary key)")
    for user in ("handler1", "leader", "clerk"):
        _html, statements = _get(make_client(user), recorder, "/admin/case/")
        lists = [(s, p) for s, p in _case_reads(statements) if "LIMIT" in s and "count(" not in s]
        assert lists
        for statement, params in lists:
            plan = _plan(statement, params)
            assert not any("USE TEMP B-TREE FOR ORDER BY" in line for line in plan), (user, plan)
        db.session.rollback()
