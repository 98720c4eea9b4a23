"""Hostile review of the third round's doors (person page and hint, 待办, holiday year, backup,
销毁鉴定, search): an accuser's identity or a row out of reach never reaches a page, and odd input
is a 404/400 with a Chinese message, never a 500."""
import pytest
from sqlalchemy import select

from models import User, db

HUGE = "99999999999999999999"


def _user(name):
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


@pytest.mark.parametrize("role,url,method", [
    ("clerk", f"/admin/person/{HUGE}/", "get"),
    ("handler1", f"/admin/person/{HUGE}/", "get"),
    ("admin", f"/admin/backup/download/{HUGE}", "get"),
    ("archivist", f"/admin/destruction/propose/{HUGE}", "post"),
    ("leader", f"/admin/destruction/decide/{HUGE}", "post"),
])
def test_huge_ids_in_new_doors_are_404(make_client, role, url, method):
    resp = getattr(make_client(role), method)(url)
    assert resp.status_code == 404, (url, resp.status_code)
    assert "未找到" in resp.get_data(as_text=True)
