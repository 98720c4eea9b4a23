"""Backup while clerks register, restore into a new instance, compare row by row and file by file;
refusals (tampered file, newer schema, non-empty instance) in Chinese; the secret key never in a
backup. On PostgreSQL with TEST_DATABASE_URL (restoring into a second database on the same server)."""
import io
import json
import os
import tarfile
import threading
import uuid
from datetime import date

import flask_migrate
import pytest
from flask import current_app
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from werkzeug.datastructures import FileStorage

from app import create_app
from models import Case, db
from services import attachments, backup
from services.registration import PartyInput, RegistrationInput, register_case
from tests.conftest import PG_URL, _pg_admin_engine

DEMO_CASES_WITH_FILES = 3


def _cli(app, args):
    """Run `flask --app app ARGS` on `app` (its own app context, so the command sees its database)."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=args)
        db.session.remove()
    return result


@pytest.fixture
def new_instance(tmp_path):
    """Factory of fresh, empty instances (no tables at all): a new SQLite file or a new PostgreSQL
    database on the same server. Each is an app with its own attachment folder."""
    made = []

    def make(name="restored"):
        if PG_URL:
            dbname = f"xf_restore_{uuid.uuid4().hex[:10]}"
            with _pg_admin_engine().connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{dbname}"'))
            uri = make_url(PG_URL).set(database=dbname).render_as_string(hide_password=False)
            made.append(dbname)
        else:
            uri = "sqlite:///" + str(tmp_path / f"{name}.db")
        return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "other-secret",
                           "ATTACHMENT_DIR": str(tmp_path / f"{name}-files"), "RATELIMIT_ENABLED": False})

    yield make
    for dbname in made:
        with _pg_admin_engine().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))


def _files(app):
    """{stored_path: sha256} of every file under the app's attachment folder."""
    root = app.config["ATTACHMENT_DIR"]
    out = {}
    for base, _dirs, names in os.walk(root):
        for n in names:
            path = os.path.join(base, n)
            out[os.path.relpath(path, root).replace(os.sep, "/")] = attachments.file_sha256(path)
    return out


def _rows(app):
    """{table: {primary key: row}} of every model table, read with a plain engine."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    out = {}
    try:
        with engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                pk = [c.name for c in table.primary_key.columns]
                result = conn.execute(select(table))
                out[table.name] = {tuple(r[k] for k in pk): tuple(_norm(v) for v in r.values())
                                   for r in result.mappings()}
    finally:
        engine.dispose()
    return out


def _col(rows, table, pk, column):
    return rows[table][pk][[c.name for c in db.metadata.tables[table].columns].index(column)]


def _norm(v):
    return json.dumps(v, sort_keys=True, ensure_ascii=False) if isinstance(v, (dict, list)) else v


def _upload(case, name, content):
    return attachments.save(db.session, None, case, FileStorage(io.BytesIO(content), filename=name),
                            "letter", root=current_app.config["ATTACHMENT_DIR"], check=False)


def _add_files(count=DEMO_CASES_WITH_FILES):
    cases = db.session.execute(select(Case).where(Case.status.in_(("handling", "accepted", "registered")))
                               .order_by(Case.id).limit(count)).scalars().all()
    for i, case in enumerate(cases):
        _upload(case, f"来信原件{i}.pdf", f"%PDF-1.4 来信 {i} ".encode() * (50 + i))
    db.session.commit()
    return cases


def _input(i):
    return RegistrationInput(channel="phone", received_on=date(2026, 11, 19), purpose="request", category="其他",
                             summary=f"线程登记第{i}件：反映路灯不亮。",
                             petitioners=[PartyInput(name=f"备份测试人{i}", phone=f"1390000{i:04d}")])


def _register_while(app, stop, numbers, errors, worker):
    """Register cases one after another until `stop` is set (own app context = own session)."""
    i = 0
    try:
        with app.app_context():
            while not stop.is_set() and i < 40:
                case = register_case(db.session, None, _input(worker * 100 + i), check_role=False)
                db.session.commit()
                numbers.append(case.number)
                i += 1
            db.session.remove()
    except Exception as exc:  # pragma: no cover - reported by the test
        errors.append(repr(exc))


def _members(path):
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def _rewrite(path, out, change):
    """A copy of the backup at `out` with change(name, data) -> data applied to every member."""
    with tarfile.open(path, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for m in src:
            data = change(m.name, src.extractfile(m).read())
            m.size = len(data)
            dst.addfile(m, io.BytesIO(data))
    return out


def _only_backup(directory):
    names = [n for n in os.listdir(directory) if n.endswith(".tar.gz")]
    assert len(names) == 1, names
    return os.path.join(directory, names[0])


def test_backup_while_clerks_register_restores_the_same_office(demo_app, new_instance, tmp_path):
    app = demo_app
    _add_files()
    db.session.commit()
    db.session.close()  # the test's own session holds no transaction while threads write
    stop, numbers, errors = threading.Event(), [], []
    threads = [threading.Thread(target=_register_while, args=(app, stop, numbers, errors, w)) for w in (1, 2)]
    for t in threads:
        t.start()
    try:
        while len(numbers) < 3 and not errors:  # the clerks are at work when the backup starts
            threading.Event().wait(0.01)
        result = _cli(app, ["backup", "--to", str(tmp_path / "out")])
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert not errors, errors
    assert result.exit_code == 0, result.output
    assert "备份完成" in result.output
    path = _only_backup(tmp_path / "out")
    assert os.path.basename(path).startswith("xinfang-backup-2026")

    members = _members(path)
    manifest = json.loads(members["manifest.json"])
    assert manifest["schema_revision"] == backup.code_head()
    assert len(manifest["attachments"]) == DEMO_CASES_WITH_FILES
    # never the secret key: no such member, and the instance's key is in no member's bytes
    assert not any("secret" in name for name in members)
    key_file = os.path.join(app.instance_path, "secret_key")
    if os.path.exists(key_file):
        key = open(key_file, "rb").read().strip()
        assert not any(key in data for data in members.values())
    assert not any(b"test-secret" in data for data in members.values())

    verified = _cli(app, ["verify-backup", path])
    assert verified.exit_code == 0 and "备份文件校验通过" in verified.output

    target = new_instance()
    restored = _cli(target, ["restore", path])
    assert restored.exit_code == 0, restored.output
    assert "恢复完成" in restored.output
    assert f"信访事项 {manifest['tables']['case']} 件" in restored.output

    source, copy = _rows(app), _rows(target)
    assert {t: len(r) for t, r in copy.items()} == manifest["tables"]
    after = set(numbers) - {row[1] for row in copy["case"].values()}  # registered after the backup point
    # Nothing lost, nothing extra: every restored row is the source's row, unchanged; the source's
    # other rows are those of the cases registered after the backup point (and the backup's own record).
    later_cases = {pk for pk, row in source["case"].items() if row[1] in after}
    assert len(later_cases) == len(after)
    later_parties = set()
    for table, rows in copy.items():  # sorted_tables: party before change_log
        for pk, row in rows.items():
            if table == "case_counter":
                continue  # the running number moved on with the later registrations
            assert source[table].get(pk) == row, (table, pk)
        extra = set(source[table]) - set(rows)
        if table == "case":
            assert extra == later_cases
        elif table in ("case_event", "case_party"):
            assert {_col(source, table, pk, "case_id") for pk in extra} <= {pk[0] for pk in later_cases}
        elif table == "party":
            assert len(extra) <= len(after)
            later_parties = {str(pk[0]) for pk in extra}
        elif table == "change_log":  # the new petitioners' 新建 rows
            assert {(_col(source, table, pk, "model"), _col(source, table, pk, "record_id"))
                    for pk in extra} <= {("party", p) for p in later_parties}
        elif table == "backup_run":
            assert len(extra) == 1
        else:
            assert not extra, (table, sorted(extra)[:3])
    # ... and what is in it is consistent: every case has its registration, numbers are unique,
    # and the restored counter is past every number restored
    with target.app_context():
        cases = db.session.execute(select(Case)).scalars().all()
        starts = {c.number: c.events[0].action if c.events else None for c in cases}
        assert set(starts.values()) <= {"register", "import", "review_request"}, starts
        assert len({c.number for c in cases}) == len(cases)
        year_counter = db.session.execute(text("SELECT last FROM case_counter WHERE prefix = '' AND year = 2026")).scalar()
        assert year_counter >= max(int(c.number[-6:]) for c in cases if c.number.startswith("2026-"))
        db.session.remove()
    # every attachment restored, byte for byte, and nothing else
    source_files = _files(app)
    want = {a["path"]: a["sha256"] for a in manifest["attachments"]}
    assert _files(target) == want
    assert all(source_files[p] == h for p, h in want.items())


def test_restore_refuses_a_non_empty_instance_unless_forced(demo_app, tmp_path):
    assert _cli(demo_app, ["backup", "--to", str(tmp_path)]).exit_code == 0
    path = _only_backup(tmp_path)
    case = register_case(db.session, None, _input(1), check_role=False)
    number = case.number
    db.session.commit()
    db.session.close()
    refused = _cli(demo_app, ["restore", path])
    assert refused.exit_code != 0
    assert "当前实例已有数据" in refused.output and "--force" in refused.output
    assert db.session.execute(select(Case).where(Case.number == number)).scalar_one_or_none() is not None
    db.session.close()

    forced = _cli(demo_app, ["restore", path, "--force"])
    assert forced.exit_code == 0, forced.output
    db.session.remove()
    assert db.session.execute(select(Case).where(Case.number == number)).scalar_one_or_none() is None


def test_a_tampered_backup_is_refused_and_nothing_is_restored(demo_app, new_instance, tmp_path):
    _add_files(1)
    assert _cli(demo_app, ["backup", "--to", str(tmp_path / "b")]).exit_code == 0
    path = _only_backup(tmp_path / "b")

    def flip(name, data):
        return data.replace(b"PDF", b"PDX") if name.startswith("attachments/") else data
    bad = _rewrite(path, str(tmp_path / "tampered.tar.gz"), flip)
    checked = _cli(demo_app, ["verify-backup", bad])
    assert checked.exit_code != 0 and "备份文件校验失败" in checked.output and "校验值不符" in checked.output
    target = new_instance()
    refused = _cli(target, ["restore", bad])
    assert refused.exit_code != 0 and "备份文件校验失败" in refused.output
    assert backup_rows(target) == {}
    with open(tmp_path / "junk.tar.gz", "wb") as f:
        f.write(b"not a backup at all")
    junk = _cli(target, ["restore", str(tmp_path / "junk.tar.gz")])
    assert junk.exit_code != 0 and "不是有效的备份文件" in junk.output


def backup_rows(app):
    with app.app_context():
        rows = backup.instance_rows()
        db.session.remove()
    return {t: n for t, n in rows.items() if n}


def _instance_at(new_instance, name, build):
    app = new_instance(name)
    with app.app_context():
        build()
        db.session.commit()
        db.session.remove()
    return app


def test_a_backup_of_a_newer_schema_is_refused(new_instance, tmp_path):
    def newer():
        db.create_all()
        db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        db.session.execute(text("INSERT INTO alembic_version VALUES ('ffffffffffff')"))
    source = _instance_at(new_instance, "newer", newer)
    assert _cli(source, ["backup", "--to", str(tmp_path / "n")]).exit_code == 0
    path = _only_backup(tmp_path / "n")
    target = new_instance("target")
    refused = _cli(target, ["restore", path])
    assert refused.exit_code != 0
    assert "比本程序新" in refused.output and "ffffffffffff" in refused.output
    assert "比本程序新" in _cli(target, ["verify-backup", path]).output
    with target.app_context():
        assert inspect(db.engine).get_table_names() == []
        db.session.remove()


def test_a_backup_of_an_older_schema_is_upgraded_on_restore(new_instance, tmp_path):
    head = backup.code_head()
    older = backup._script().get_revision(head).down_revision

    def build():
        flask_migrate.upgrade(directory=backup.MIGRATIONS, revision=older)
    source = _instance_at(new_instance, "older", build)
    assert _cli(source, ["backup", "--to", str(tmp_path / "o")]).exit_code == 0
    path = _only_backup(tmp_path / "o")
    assert json.loads(_members(path)["manifest.json"])["schema_revision"] == older
    target = new_instance("target")
    restored = _cli(target, ["restore", path])
    assert restored.exit_code == 0, restored.output
    assert f"数据库结构已从 {older} 升级到 {head}" in restored.output
    with target.app_context():
        assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        db.session.remove()
