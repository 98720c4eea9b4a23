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


def leaders_office(portfolios=True):
    """The county government with its 信访局, 住建局 and 人社局: a clerk, three leaders (县长, 副县长,
    信访局局长, in rank order) and a handler in each bureau. Keys: root, xfj, zj, rs, clerk, leader2,
    leader, leader3, handler1, handler2. Committed."""
    root = make_dept("示范县人民政府")
    xfj = make_dept("示范县信访局", root, "office")
    zj = make_dept("县住房和城乡建设局", root)
    rs = make_dept("县人力资源和社会保障局", root)
    o = {"root": root, "xfj": xfj, "zj": zj, "rs": rs}
    o["clerk"] = make_user("clerk", "王登记", "clerk", xfj)
    for key, name, dept, rank, position, portfolio in (
            ("leader2", "赵县长", root, 1, "县长", "全面工作"),
            ("leader", "李建国", root, 2, "副县长", "城乡建设、信访"),
            ("leader3", "孙局长", xfj, 3, "信访局局长", "信访工作")):
        o[key] = make_user(key, name, "leader", dept, rank, position, portfolio if portfolios else None)
    o["handler1"] = make_user("handler1", "周承办", "handler", zj)
    o["handler2"] = make_user("handler2", "吴承办", "handler", rs)
    db.session.commit()
    return o


# ---- factory_boy factories (rows with every required column filled; override what the test needs) ----

import factory  # noqa: E402
from factory.alchemy import SQLAlchemyModelFactory  # noqa: E402

from models import Case, CaseEvent, PackageAssignment  # noqa: E402


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


def _password_hash():
    u = User()
    u.set_password(DEMO_PASSWORD)
    return u.password_hash


class DepartmentFactory(_Base):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = "unit"
    sort_order = factory.Sequence(lambda n: n)


class UserFactory(_Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    role = "handler"
    active = True
    password_hash = factory.LazyFunction(lambda: _password_hash())


class CaseFactory(_Base):
    class Meta:
        model = Case

    number = factory.Sequence(lambda n: f"F2026-{n:06d}")
    query_code = factory.Sequence(lambda n: f"F{n:07d}")
    channel = "letter"
    purpose = "request"
    category = "其他"
    summary = factory.Sequence(lambda n: f"测试信访事项{n}")
    status = "handling"


class PackageFactory(_Base):
    class Meta:
        model = PackageAssignment

    title = factory.Sequence(lambda n: f"测试包案{n}")
    responsible_person = "责任人"
    plan = "化解方案"
    status = "finished"


class CaseEventFactory(_Base):
    class Meta:
        model = CaseEvent

    note = ""
    data = factory.LazyFunction(dict)
