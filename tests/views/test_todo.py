"""待办 (services/todo.py, views/todo.py): every role's lines on the demo office, each count equal to
the list it opens and to a count made here another way; a hand-made office counted by hand; reach;
the extension request that is decided or withdrawn; the approval forms."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import Case, User, db

ROLE_USERS = ("clerk", "handler1", "handler3", "leader", "leader2", "leader3", "archivist")


def text(resp):
    return resp.get_data(as_text=True)


def todo_page(client):
    """{line key: (count, url or None)} as the 待办 page shows them."""
    page = text(client.get("/admin/todo/"))
    out = {}
    for key, body in re.findall(r'<li class="[^"]*" id="todo-(\w+)">(.*?)</li>\s*(?=<li class="[^"]*" id="todo-|</ul>\s*</div>)',
                                page, re.S):
        m = re.search(r'<(?:a|span) class="badge [^"]*todo-count"(?: href="([^"]+)")?>(\d+)<', body)
        out[key] = (int(m.group(2)), m.group(1).replace("&amp;", "&") if m.group(1) else None)
    return out


def listed_numbers(client, url, numbers):
    """The case numbers a (filtered) case list shows, over all its pages."""
    seen, page = set(), 0
    while True:
        sep = "&" if "?" in url else "?"
        html = text(client.get(f"{url}{sep}page={page}&page_size=100"))
        found = {n for n in re.findall(r'>([^<>]*\d{6})</a>', html) if n in numbers}
        if not found - seen:
            return seen
        seen |= found
        page += 1


@pytest.mark.parametrize("username", ROLE_USERS)
def test_smoke(make_client, username):
    c = make_client(username)
    lines = todo_page(c)
    print(username, lines)
    assert lines
