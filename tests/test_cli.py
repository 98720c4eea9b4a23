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
