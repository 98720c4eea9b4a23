"""A case page in at most ten SQL statements (issue 17) on the worst demo case of each kind, for
every role: not only the first case of a list. The worst of a kind is the one with the most to
show: timeline notes naming other cases, links (原信访事项, 复查/复核), a hearing, a package, an
accusation's audit row.

Counted as a request of its own sees it: a fresh session (BEGIN counted on SQLite), after a warm-up
request of the same page. The menu's 待办 badge is left out (views.todo.todo_lines returns nothing):
it is its own count, measured with the lists."""
import pytest
from sqlalchemy import func, select

from models import Case, CaseEvent, Hearing, db
from models.package import package_cases

MAX_STATEMENTS = 10
ROLES = ("clerk", "handler1", "leader", "archivist", "handler3")  # handler3: 县纪委监委 (discipline)
PER_KIND = 3
WHOLE_OFFICE = ("clerk", "leader")  # see cases of every kind in the demo office


def _kinds():
    has_hearing = select(Hearing.case_id)
    in_package = select(package_cases.c.case_id)
    return {
        "plain": (Case.purpose != "accusation", Case.id.not_in(has_hearing), Case.id.not_in(in_package),
                  Case.status != "archived", Case.review_level == 0),
        "accusation": (Case.purpose == "accusation",),
        "package": (Case.id.in_(in_package),),
        "hearing": (Case.id.in_(has_hearing),),
        "archived": (Case.status == "archived",),
        "review": (Case.review_level > 0,),
    }


def _ranked(where):
    """Case ids of a kind, the most to show first: notes naming a case, then links, then events."""
    numbered = func.sum(func.coalesce(CaseEvent.note, "").like("%-______%").cast(db.Integer))
    rows = db.session.execute(
        select(Case.id).join(CaseEvent, CaseEvent.case_id == Case.id).where(*where).group_by(Case.id)
        .order_by(numbered.desc(), (Case.parent_case_id.is_not(None)).cast(db.Integer).desc(),
                  (Case.repeat_of_id.is_not(None)).cast(db.Integer).desc(), func.count().desc(), Case.id)
    ).scalars().all()
    return rows


def _add_hearings():
    """The demo office holds no hearing: an approved one (on the clock, people named) on the
    open case with the most to show of each department, an accusation's included."""
    from datetime import date
    rows = db.session.execute(select(Case.department_id, Case.id).where(
        Case.status == "handling", Case.handle_due.is_not(None)).order_by(Case.id)).all()
    firsts = {}
    for dept, case_id in rows:
        firsts.setdefault(dept, case_id)
    for case_id in firsts.values():
        db.session.add(Hearing(case_id=case_id, status="approved", reason="案情复杂", start_on=date(2026, 11, 24),
                               end_on=date(2026, 11, 26), place="县信访局听证室", chair="陈海峰",
                               panel="听证员甲\n听证员乙", participants="信访人\n责任单位", paused_days=3))
    db.session.commit()
    assert firsts


@pytest.fixture
def counted(sql_statements, monkeypatch):
    import views.todo
    monkeypatch.setattr(views.todo, "todo_lines", lambda breakdown=False: [], raising=False)
    return sql_statements


def _statements(client, seen, case_id):
    db.session.close()
    if client.get(f"/admin/case/details/?id={case_id}").status_code != 200:
        return None
    db.session.close()  # the request's transaction is its own (a test shares its session)
    seen.clear()
    resp = client.get(f"/admin/case/details/?id={case_id}")
    assert resp.status_code == 200
    return list(seen)


@pytest.mark.parametrize("user", ROLES)
def test_the_worst_case_of_each_kind_takes_at_most_ten_statements(demo_app, make_client, counted, user):
    _add_hearings()
    kinds = {name: _ranked(where) for name, where in _kinds().items()}
    db.session.close()
    client = make_client(user)
    over, measured = [], {}
    for name, ids in kinds.items():
        n = 0
        for case_id in ids:
            statements = _statements(client, counted, case_id)
            if statements is None:
                continue  # not in this user's reach
            measured.setdefault(name, []).append(len(statements))
            if len(statements) > MAX_STATEMENTS:
                over.append((name, case_id, len(statements), [" ".join(s.split())[:120] for s in statements]))
            n += 1
            if n == PER_KIND:
                break
    print(user, measured)
    assert set(measured) == set(kinds) if user in WHOLE_OFFICE else measured, measured
    assert not over, over
