"""信访积案排查登记表 in pages of 50 (the case list's pager) and the round page's counts in one
statement: at a million cases a clerk's register held 95,000 matters and the page listed them all."""
import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from models import ScreeningRound, db
from services import screening
from views.screening import BacklogView


@pytest.fixture
def statements(sql_statements):
    return sql_statements


def _numbers(html):
    table = html.split('id="backlog-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'details/\?id=\d+">([^<]+)</a>', table)


def _register(user):
    from models import User
    u = db.session.execute(select(User).where(User.username == user)).scalar_one()
    rows = screening.backlog(db.session, u)
    db.session.rollback()
    return rows


def test_page_two_shows_the_next_rows_and_the_total_stays(demo_app, make_client, monkeypatch):
    monkeypatch.setattr(BacklogView, "page_size", 4)
    rows = _register("clerk")
    assert len(rows) > 8, "the demo office has a register of more than two small pages"
    clerk = make_client("clerk")
    first = clerk.get("/admin/screening-backlog/").get_data(as_text=True)
    second = clerk.get("/admin/screening-backlog/?page=1").get_data(as_text=True)
    numbers = [r.case.number for r in rows]
    assert _numbers(first) == numbers[:4]
    assert _numbers(second) == numbers[4:8]
    assert f'<strong id="backlog-total">{len(rows)}</strong>' in second
    assert 'id="backlog-pager"' in second and "第2页" in second
    assert re.search(r"<td>5</td>", second)  # 序号 goes on from the first page
    pages = -(-len(rows) // 4)
    last = clerk.get(f"/admin/screening-backlog/?page={pages - 1}").get_data(as_text=True)
    assert _numbers(last) == numbers[(pages - 1) * 4:]
    for odd in ("999", "-1", "abc", "1e3"):  # past the end: the last page; bad input: the first
        resp = clerk.get(f"/admin/screening-backlog/?page={odd}")
        assert resp.status_code == 200
        assert _numbers(resp.get_data(as_text=True)) == (numbers[(pages - 1) * 4:] if odd == "999" else numbers[:4])


def test_the_export_has_every_row(demo_app, make_client, monkeypatch):
    monkeypatch.setattr(BacklogView, "page_size", 4)
    rows = _register("clerk")
    resp = make_client("clerk").get("/admin/screening-backlog/export.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(resp.data)).active
    numbers = [ws.cell(r, 2).value for r in range(4, 4 + len(rows))]
    assert numbers == [r.case.number for r in rows]
    assert any(c.value == f"{len(rows)}件" for row in ws.iter_rows() for c in row)


def test_a_page_takes_the_same_statements_whatever_its_size(demo_app, make_client, monkeypatch, statements):
    clerk = make_client("clerk")
    counts = []
    for size in (2, 8):
        monkeypatch.setattr(BacklogView, "page_size", size)
        for url in ("/admin/screening-backlog/", "/admin/screening-backlog/?page=1"):
            clerk.get(url)
            statements.clear()
            assert clerk.get(url).status_code == 200
            counts.append(len(statements))
    assert len(set(counts)) == 1, counts


def test_the_round_page_counts_entries_in_one_statement(demo_app, make_client, statements):
    rnd = db.session.execute(select(ScreeningRound).order_by(ScreeningRound.id.desc())).scalars().first()
    db.session.rollback()
    clerk = make_client("clerk")
    clerk.get(f"/admin/screening-rounds/{rnd.id}/")
    statements.clear()
    html = clerk.get(f"/admin/screening-rounds/{rnd.id}/").get_data(as_text=True)
    assert "未报" in html or "已报" in html
    entry_reads = [s for s in statements if "FROM screening_entry" in s]
    assert len(entry_reads) == 1 and "GROUP BY" in entry_reads[0], entry_reads
