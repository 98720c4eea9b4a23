"""Flask CLI commands: `flask --app app seed-demo`, `create-user`, `seed-holidays`, `recompute-dues`."""
import click
from sqlalchemy import func, select

from models import Department, User, db


def register_cli(app):
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="只在数据库没有任何信访事项时生成。")
    @click.option("--cases", default=300, show_default=True, help="生成的信访事项件数。")
    def seed_demo(if_empty, cases):
        """生成示范信访办的演示数据。"""
        import demo

        if if_empty and db.session.execute(select(func.count()).select_from(User)).scalar():
            click.echo("数据库已有数据，跳过演示数据。")
            return
        stats = demo.build_demo_office(db.session, cases=cases)
        db.session.commit()
        click.echo(f"演示数据已生成：{stats}")

    @app.cli.command("create-user")
    @click.option("--username", prompt="用户名")
    @click.option("--full-name", prompt="姓名")
    @click.option("--role", prompt="角色 (admin/clerk/handler/leader/archivist)",
                  type=click.Choice(["admin", "clerk", "handler", "leader", "archivist"]))
    @click.option("--department", prompt="所属单位名称")
    @click.password_option(prompt="密码", confirmation_prompt="再次输入密码")
    def create_user(username, full_name, role, department, password):
        """创建一个真实用户（密码交互输入）。"""
        dept = db.session.execute(select(Department).where(Department.name == department)).scalar_one_or_none()
        if dept is None:
            raise click.ClickException(f"单位“{department}”不存在。")
        if db.session.execute(select(User).where(User.username == username)).scalar_one_or_none():
            raise click.ClickException(f"用户名“{username}”已存在。")
        if len(password) < 8:
            raise click.ClickException("密码至少 8 位。")
        user = User(username=username, full_name=full_name, role=role, department=dept)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(f"已创建用户 {username}（{full_name}）。")

    @app.cli.command("seed-holidays")
    @click.argument("years", nargs=-1, type=int)
    def seed_holidays(years):
        """从 chinese-calendar 导入节假日与调休（默认：2020 至 2026 年）。"""
        from services import deadlines

        added = deadlines.seed_holidays(db.session, years or range(2020, 2027))
        db.session.commit()
        click.echo(f"新增节假日记录 {added} 条。")

    @app.cli.command("recompute-dues")
    def recompute_dues():
        """按当前节假日与设置重算所有在办事项的期限。"""
        from services import deadlines

        n = deadlines.recompute_open_cases(db.session)
        db.session.commit()
        click.echo(f"期限有变化的在办事项：{n} 件。")
