from sqlalchemy import select

from models import User, db


def _run(app, args, input=None):
    return app.test_cli_runner().invoke(args=args, input=input)


def test_create_user_asks_for_the_password_and_the_user_can_log_in(demo_app, make_client):
    result = _run(demo_app, ["create-user"],
                  input="zhoujie\n周杰\nclerk\n县信访局\nsecret-pass-1\nsecret-pass-1\n")
    assert result.exit_code == 0, result.output
    assert "已创建用户 zhoujie（周杰）" in result.output
    user = db.session.execute(select(User).where(User.username == "zhoujie")).scalar_one()
    assert user.role == "clerk" and user.department.name == "县信访局"
    c = make_client()
    assert c.login("zhoujie", "secret-pass-1").status_code == 302


def test_create_user_refuses_unknown_department_and_short_password(demo_app):
    result = _run(demo_app, ["create-user", "--username", "x1", "--full-name", "某某", "--role", "clerk",
                             "--department", "不存在的局"], input="longenough1\nlongenough1\n")
    assert result.exit_code != 0 and "单位“不存在的局”不存在" in result.output
    result = _run(demo_app, ["create-user", "--username", "x2", "--full-name", "某某", "--role", "clerk",
                             "--department", "县信访局"], input="short\nshort\n")
    assert result.exit_code != 0 and "密码至少 8 位" in result.output
    assert db.session.execute(select(User).where(User.username.in_(["x1", "x2"]))).first() is None


def test_seed_demo_if_empty_leaves_an_existing_office_alone(demo_app):
    before = db.session.execute(select(User)).scalars().all()
    result = _run(demo_app, ["seed-demo", "--if-empty"])
    assert "跳过演示数据" in result.output
    assert len(db.session.execute(select(User)).scalars().all()) == len(before)



def test_seed_demo_with_no_cases_builds_the_office_only(app):
    from models import Case, ReceptionSchedule
    result = _run(app, ["seed-demo", "--cases", "0"])
    assert result.exit_code == 0, result.output
    assert db.session.execute(select(Case.id)).first() is None
    names = set(db.session.execute(select(User.username)).scalars())
    assert {"admin", "clerk", "leader", "archivist", "handler1", "handler3"} <= names
    assert db.session.execute(select(ReceptionSchedule.id)).first() is not None

def test_gen_data_needs_an_office_then_writes_consistent_cases_and_leaves_numbering_going(app):
    import re
    from itertools import groupby

    from models import Case, CaseEvent, CaseParty, Party
    from services.clock import today
    from services.registration import PartyInput, RegistrationInput, register_case
    from tests.factories import leaders_office, make_dept, make_user

    refused = _run(app, ["gen-data", "--cases", "10"])
    assert refused.exit_code != 0 and "请先运行" in refused.output
    assert db.session.execute(select(Case.id)).first() is None

    office = leaders_office()
    jw = make_dept("县纪委监委", office["root"], "discipline")
    make_user("jw1", "纪承办", "handler", jw)
    make_user("archivist", "赵档案", "archivist", office["xfj"])
    db.session.commit()
    result = _run(app, ["gen-data", "--cases", "200", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "信访事项 200 件" in result.output

    cases = db.session.execute(select(Case.id, Case.number, Case.status, Case.purpose, Case.department_id)).all()
    numbers = [c.number for c in cases]
    assert len(cases) == 200 and len(set(numbers)) == 200
    assert all(re.fullmatch(r"\d{4}-\d{6}", n) for n in numbers)
    status = {c.id: c.status for c in cases}
    events = db.session.execute(select(CaseEvent.case_id, CaseEvent.from_status, CaseEvent.to_status)
                                .order_by(CaseEvent.case_id, CaseEvent.id)).all()
    for case_id, chain in groupby(events, key=lambda e: e.case_id):
        chain = list(chain)
        assert chain[0].from_status is None and chain[0].to_status == "registered"
        assert all(a.to_status == b.from_status for a, b in zip(chain, chain[1:])), chain
        assert chain[-1].to_status == status.pop(case_id)
    assert not status  # every case has its events
    from services import deadlines
    for c in db.session.execute(select(Case).where(Case.accepted_on.isnot(None)).limit(20)).scalars():
        assert c.accept_due == deadlines.accept_due(db.session, c.received_on)
        assert c.handle_due == deadlines.handle_due(db.session, c.accepted_on)
    # Accusations go to the discipline department; petitioners are found by pinyin.
    assert {c.department_id for c in cases if c.purpose == "accusation"} <= {jw.id, None}
    unkeyed = db.session.execute(select(Party.id).join(CaseParty).where(Party.name_pinyin.is_(None))).first()
    assert unkeyed is None

    data = RegistrationInput(channel="phone", received_on=today(), purpose="request", category="其他",
                             summary="来电反映路灯不亮。", petitioners=[PartyInput(name="甲", phone="13800000001")])
    case = register_case(db.session, None, data, check_role=False)
    db.session.commit()
    this_year = sorted(n for n in numbers if n.startswith(f"{today().year}-"))
    assert case.number not in numbers
    assert case.number == f"{today().year}-{int(this_year[-1][-6:]) + 1:06d}"
