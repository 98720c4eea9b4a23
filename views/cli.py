"""Flask CLI commands: `flask --app app seed-demo`, `create-user`, `seed-holidays`, `recompute-dues`, `gen-data`,
`backup`, `restore`, `verify-backup`, `check-files`, `analyze-db`."""
import os

import click
from sqlalchemy import func, select

from models import Department, User, db


def register_cli(app):
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="只在数据库没有任何信访事项时生成。")
    @click.option("--cases", default=300, show_default=True, type=click.IntRange(min=0),
                  help="生成的信访事项件数（0：只建机构、用户和接待日；少于约30件时按约20余件生成，以覆盖各个状态）。")
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

    @app.cli.command("gen-data")
    @click.option("--cases", "n", type=click.IntRange(min=1), required=True, help="生成的信访事项件数。")
    @click.option("--seed", default=1, show_default=True, help="随机种子（同一种子、同一数据库得到同样的数据）。")
    def gen_data(n, seed):
        """批量生成测试用信访事项（性能测试用，勿在正式库运行）。

        按本单位的编号格式连续编号并推进编号计数器，期限按法定时限计算（含延期），办理过程与状态一致，
        重复访按登记时的规则标记，另有配合单位、包案与档案。
        要求数据库已有单位和用户（至少一名登记员和一名承办人）：空库请先运行
        flask --app app seed-demo --cases 0（只建单位、用户和接待日）。
        """
        from services import ServiceError, gendata

        def progress(done):
            db.session.commit()
            click.echo(f"已生成 {done}/{n} 件", err=True)

        try:
            counts = gendata.generate(db.session, n, seed=seed, progress=progress)
        except ServiceError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        gendata.analyze(db.session)
        db.session.commit()
        click.echo("已生成：信访事项 {cases} 件，当事人 {parties} 人，办理记录 {events} 条，档案 {archive_records} 卷，"
                   "配合单位 {assists} 个，包案 {packages} 件。".format(**counts))

    @app.cli.command("analyze-db")
    def analyze_db():
        """更新数据库的查询统计信息（批量导入后或每日定时运行，使查询走合适的索引）。"""
        from services import planner

        planner.refresh(db.session)
        db.session.commit()
        click.echo("查询统计信息已更新。")

    register_backup_cli(app)


def _upgrade(revision, stamp=False):
    """Bring a restored database from `revision` to the code's head (stamp first: a database built
    by create_all has no alembic_version)."""
    import flask_migrate
    from services import backup

    if stamp:
        flask_migrate.stamp(directory=backup.MIGRATIONS, revision=revision)
    flask_migrate.upgrade(directory=backup.MIGRATIONS)
    db.session.remove()


def register_backup_cli(app):
    from services import attachments, backup

    @app.cli.command("backup")
    @click.option("--to", "to_dir", default=None, help="备份文件存放目录（默认 instance/backups）。")
    def backup_cmd(to_dir):
        """备份数据库与全部附件为一个带日期的 .tar.gz 文件（不含密钥）。"""
        run = backup.make_backup(app, to_dir, via="cli")
        if not run.filename:
            raise click.ClickException(run.message)
        click.echo(f"{run.message}：{os.path.join(run.directory, run.filename)}（{run.size} 字节）")
        if not run.ok:
            raise SystemExit(1)

    @app.cli.command("verify-backup")
    @click.argument("file", type=click.Path(dir_okay=False))
    def verify_cmd(file):
        """校验备份文件（不恢复）。"""
        try:
            manifest = backup.verify(file)
            backup.check_revision(manifest)
        except backup.BackupError as exc:
            raise click.ClickException(exc.message) from None
        click.echo("备份文件校验通过。")
        for line in backup.describe(manifest):
            click.echo(line)

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--force", is_flag=True, help="当前实例已有数据时仍用备份覆盖。")
    def restore_cmd(file, force):
        """把备份恢复到当前实例（默认只恢复到空实例）。"""
        try:
            done = backup.restore(app, file, force=force, upgrade=_upgrade)
        except backup.BackupError as exc:
            raise click.ClickException(exc.message) from None
        click.echo("恢复完成。")
        for line in backup.describe(done["manifest"]):
            click.echo(line)
        if done["upgraded_from"]:
            click.echo(f"数据库结构已从 {done['upgraded_from']} 升级到 {backup.code_head()}。")

    @app.cli.command("check-files")
    def check_files_cmd():
        """按数据库中的校验值检查全部附件文件，报告缺失或被改动的文件。"""
        found = attachments.check_files(db.session, app.config["ATTACHMENT_DIR"])
        db.session.commit()
        total = db.session.execute(select(func.count()).select_from(attachments.Attachment)).scalar()
        bad = [(a, p) for a, p in found if p != "unhashed"]
        for att, problem in found:
            click.echo(f"{attachments.PROBLEMS[problem]}：附件#{att.id} {att.filename}"
                       f"（信访事项 {att.case.number}，{att.stored_path}）")
        click.echo(f"共检查附件 {total} 个，缺失或已改动 {len(bad)} 个。")
        if bad:
            raise SystemExit(1)
