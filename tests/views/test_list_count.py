"""The list's count is bounded (issue 17): a list counts its rows up to the view's count_limit and
says "N+" above it, with a pager that still goes on; under the bound the count is exact. Pages past
the bound show the right rows, and a page past the end shows the last one."""
import re
from html import unescape

import pytest
from sqlalchemy import select

from models import Case, User, db
from services import access


def _case_view(app):
    return next(v for v in app.extensions["xinfang_admin"]._views if getattr(v, "endpoint", None) == "case")


def _get(client, url):
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return unescape(resp.get_data(as_text=True))


def _ids(html):
    """The case ids of the rows, in the order shown."""
    return list(dict.fromkeys(int(i) for i in re.findall(r"details/\?id=(\d+)", html)))


def _tab(html):
    return re.search(r'nav-link active">列表 \(([^)]*)\)', html).group(1)


def _reach(username, *order):
    user = db.session.scalar(select(User).where(User.username == username))
    return list(db.session.scalars(select(Case.id).where(access.case_filter(db.session, user)).order_by(*order)))


@pytest.fixture
def bound(demo_app, monkeypatch):
    """Set the case list's count bound for one test."""
    view = _case_view(demo_app)
    return lambda n: monkeypatch.setattr(view, "count_limit", n)


def test_a_short_list_shows_its_exact_count_and_a_last_page(make_client):
    ids = _reach("clerk", Case.id.desc())
    assert 50 < len(ids) < 10_000
    html = _get(make_client("clerk"), "/admin/case/")
    assert _tab(html) == str(len(ids))
    assert f"共 {len(ids)} 条" in html
    last = (len(ids) - 1) // 50
    assert f"?page={last}&page_size=50" in html  # the pager's last page
    assert _ids(html) == ids[:50]


def test_above_the_bound_the_list_says_so_and_the_next_page_works(make_client, bound):
    bound(5)
    ids = _reach("clerk", Case.id.desc())
    client = make_client("clerk")
    html = _get(client, "/admin/case/?page_size=20")
    assert _tab(html) == "5+"
    assert "共 5+ 条" in html
    assert _ids(html) == ids[:20]
    nxt = re.search(r'href="([^"]*\?page=1&page_size=20)">></a>', html)
    assert nxt, "a next page link"
    assert _ids(_get(client, nxt.group(1))) == ids[20:40]


def test_pages_far_beyond_the_bound_show_their_rows(make_client, bound):
    bound(5)
    ids = _reach("clerk", Case.id.desc())
    assert len(ids) > 220
    client = make_client("clerk")
    html = _get(client, "/admin/case/?page=10&page_size=20")
    assert _ids(html) == ids[200:220]
    assert _tab(html) == "5+"
    assert re.search(r'href="[^"]*\?page=11&page_size=20">></a>', html)  # and on to the next


def test_a_page_past_the_end_of_a_bounded_list_shows_the_last_page(make_client, bound):
    bound(5)
    ids = _reach("clerk", Case.id.desc())
    html = _get(make_client("clerk"), "/admin/case/?page=5000&page_size=20")
    last = (len(ids) - 1) // 20
    assert _ids(html) == ids[last * 20:]
    assert _tab(html) == str(len(ids))  # counted in full to find the last page


@pytest.mark.parametrize("limit", [5, 10_000])
@pytest.mark.parametrize("desc", [False, True])
def test_sorted_by_due_every_case_in_reach_once_in_order(demo_app, make_client, bound, limit, desc):
    """handler1's reach sorted by 办理期限, page after page: each case once, the dates in order,
    whether the list is short (read by its ids and sorted) or long (walked in order)."""
    bound(limit)
    reach = _reach("handler1")
    due = dict(db.session.execute(select(Case.id, Case.handle_due).where(Case.id.in_(reach))).all())
    client = make_client("handler1")
    sort = [c for c, _n in _case_view(demo_app)._list_columns].index("handle_due")
    seen = []
    for page in range(len(reach) // 20 + 1):
        url = f"/admin/case/?sort={sort}&page={page}&page_size=20" + ("&desc=1" if desc else "")
        html = _get(client, url)
        if page == 0:
            assert _tab(html) == (f"{limit}+" if len(reach) > limit else str(len(reach)))
        seen += _ids(html)
    assert sorted(seen) == sorted(reach)  # each once
    dated = [due[i] for i in seen if due[i] is not None]
    assert dated == sorted(dated, reverse=desc)


def test_a_small_reach_lists_its_cases_newest_first(make_client, bound):
    """Under the bound the page is read by ids: same rows and order as the walk above it."""
    reach = _reach("handler1", Case.id.desc())
    client = make_client("handler1")
    short = [_ids(_get(client, f"/admin/case/?page={p}&page_size=20")) for p in range(2)]
    bound(3)
    long = [_ids(_get(client, f"/admin/case/?page={p}&page_size=20")) for p in range(2)]
    assert short == long == [reach[:20], reach[20:40]]
