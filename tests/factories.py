"""Small hand-built rows for tests that need an office smaller than the demo one."""
from models import Department, User, db
from tests.conftest import DEMO_PASSWORD


def make_dept(name, parent=None, kind="unit"):
    d = Department(name=name, kind=kind, parent=parent)
    db.session.add(d)
    db.session.flush()
    return d


def make_user(username, full_name, role, dept, rank=100, position=None, portfolio=None):
    u = User(username=username, full_name=full_name, role=role, department=dept, rank_order=rank,
             position=position, portfolio=portfolio, active=True)
    u.set_password(DEMO_PASSWORD)
    db.session.add(u)
    db.session.flush()
    return u
