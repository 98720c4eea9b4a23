"""Backup and restore of the whole office: one dated .tar.gz holding a consistent copy of the
database (SQLite online backup API; pg_dump custom format on PostgreSQL, from one exported
snapshot), every attachment the copy refers to, and manifest.json (schema revision, row counts per
table, each file's sha256, the app version). Never the secret key: only the database and the files
named by attachment rows go in.

`backup`, `verify`, `restore` take the Flask app (its database and ATTACHMENT_DIR); a refusal raises
BackupError with a Chinese message and, for restore, changes nothing.
"""
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import timedelta

from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from models import BackupRun, db
from models.base import utcnow
from services import ServiceError, settings
from services.attachments import file_sha256, full_path
from services.clock import fmt_dt, local

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIGRATIONS = os.path.join(HERE, "migrations")
FORMAT = "xinfang-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database/xinfang.sqlite3", "postgresql": "database/xinfang.pgdump"}
ATT_PREFIX = "attachments/"
# Tables whose rows make an instance "not empty" (holidays and settings alone do not).
CONTENT_TABLES = ("user", "case", "attachment")
MSG_NOT_BACKUP = "不是有效的备份文件（无法读取或缺少清单）。"
MSG_TAMPERED = "备份文件校验失败，可能已被改动或损坏：{}"


class BackupError(ServiceError):
    pass


# ---- small helpers --------------------------------------------------------------------------------

def app_version():
    """The code's git commit (short), or XF_VERSION, or "unknown"."""
    if os.environ.get("XF_VERSION"):
        return os.environ["XF_VERSION"]
    try:
        out = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _script():
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    return ScriptDirectory.from_config(cfg)


def code_head():
    return _script().get_current_head()


def known_revision(rev):
    try:
        return rev is not None and _script().get_revision(rev) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


def _db_revision(conn, tables):
    if "alembic_version" not in tables:
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _model_tables(tables):
    return [t.name for t in db.metadata.sorted_tables if t.name in tables]


def _counts(conn, tables):
    return {name: conn.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar()
            for name in _model_tables(tables)}


def _attachment_rows(conn, columns):
    cols = "id, stored_path, size" + (", sha256" if "sha256" in columns else "")
    rows = conn.execute(text(f"SELECT {cols} FROM attachment ORDER BY id")).mappings().all()
    return [dict(r) for r in rows]


def _snapshot_facts(conn):
    """Revision, row counts and attachment rows as the connection's transaction sees them."""
    insp = inspect(conn)
    tables = set(insp.get_table_names())
    columns = {c["name"] for c in insp.get_columns("attachment")} if "attachment" in tables else set()
    rev = _db_revision(conn, tables)
    return {
        # A database built by create_all (no alembic_version) has the schema of the code's head.
        "schema_revision": rev or code_head(),
        "alembic_table": rev is not None,
        "tables": _counts(conn, tables),
        "attachments": _attachment_rows(conn, columns) if "attachment" in tables else [],
    }


def _dialect():
    return db.engine.dialect.name


def _sqlite_path():
    path = db.engine.url.database
    if not path or path == ":memory:":
        raise BackupError("内存数据库无法备份或恢复，请使用数据库文件。")
    return os.path.abspath(path)


def _pg_tool(name):
    """pg_dump / pg_restore: PG_BIN_DIR, then PATH, then the newest /usr/lib/postgresql/*/bin."""
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(os.path.join(os.environ["PG_BIN_DIR"], name))
    found = shutil.which(name)
    if found:
        candidates.append(found)
    base = "/usr/lib/postgresql"
    if os.path.isdir(base):
        def ver(v):
            return [int(x) for x in v.split(".") if x.isdigit()] or [0]
        for v in sorted(os.listdir(base), key=ver, reverse=True):
            candidates.append(os.path.join(base, v, "bin", name))
    for c in candidates:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    raise BackupError(f"找不到 {name}，请安装 PostgreSQL 客户端工具或设置 PG_BIN_DIR。")


def _pg_args():
    """(libpq URI without the password, environment with PGPASSWORD): no password on a command line."""
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(cmd, env):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise BackupError(f"{os.path.basename(cmd[0])} 执行失败：{(out.stderr or out.stdout).strip()[-500:]}")


# ---- taking a backup ------------------------------------------------------------------------------

def _sqlite_copy(dest):
    """A consistent copy through the online backup API, then the facts read from the copy."""
    src = db.engine.raw_connection()
    try:
        out = sqlite3.connect(dest)
        try:
            src.driver_connection.backup(out)
        finally:
            out.close()
    finally:
        src.close()
    engine = create_engine("sqlite:///" + dest, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return _snapshot_facts(conn)
    finally:
        engine.dispose()


def _pg_copy(dest):
    """pg_dump of one exported snapshot; the facts read in the same snapshot."""
    uri, env = _pg_args()
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snap = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            facts = _snapshot_facts(conn)
            _run([_pg_tool("pg_dump"), "--format=custom", f"--snapshot={snap}", "--no-owner",
                  "--no-privileges", f"--file={dest}", f"--dbname={uri}"], env)
    return facts


def backup_name(now=None):
    return f"xinfang-backup-{local(now or utcnow()):%Y%m%d-%H%M}.tar.gz"


def _free_path(directory, name):
    path, n = os.path.join(directory, name), 1
    while os.path.exists(path):
        n += 1
        path = os.path.join(directory, name.replace(".tar.gz", f"-{n}.tar.gz"))
    return path


def _add_file(tar, name, path):
    info = tar.gettarinfo(path, arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    with open(path, "rb") as f:
        tar.addfile(info, f)


def _add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(utcnow().timestamp())
    tar.addfile(info, io.BytesIO(data))


def default_dir(app):
    return app.config.get("BACKUP_DIR") or os.path.join(app.instance_path, "backups")


def make_backup(app, to_dir=None, actor=None, via="cli"):
    """Write one backup file into `to_dir` and record the run (committed). Returns the BackupRun;
    run.ok is False (with run.message) when the backup failed or attachments were missing/altered."""
    to_dir = os.path.abspath(to_dir or default_dir(app))
    run = BackupRun(started_at=utcnow(), started_by_id=getattr(actor, "id", None), via=via, directory=to_dir)
    db.session.rollback()  # no open transaction of ours while the copy is taken
    try:
        os.makedirs(to_dir, exist_ok=True)
        path, manifest = _write(app, to_dir)
        run.filename, run.size = os.path.basename(path), os.path.getsize(path)
        problems = manifest["problems"]
        run.ok = not problems
        run.message = "备份完成" if not problems else \
            f"备份文件已生成，但有{len(problems)}个附件缺失或已改动，请在“备份”页检查附件。"
    except BackupError as exc:
        run.message = exc.message
    except OSError as exc:
        run.message = f"备份失败：{exc.strerror or exc}"
    run.finished_at = utcnow()
    try:
        db.session.add(run)
        db.session.commit()
    except SQLAlchemyError:  # a database not yet upgraded has no backup_run table: the file still counts
        db.session.rollback()
    return run


def _write(app, to_dir):
    root = app.config["ATTACHMENT_DIR"]
    dialect = _dialect()
    if dialect not in DB_MEMBER:
        raise BackupError(f"不支持备份 {dialect} 数据库。")
    work = tempfile.mkdtemp(prefix="xf-backup-", dir=to_dir)
    try:
        dbfile = os.path.join(work, "db")
        facts = _sqlite_copy(dbfile) if dialect == "sqlite" else _pg_copy(dbfile)
        final = _free_path(to_dir, backup_name())
        part = os.path.join(work, "backup.part")
        entries, problems = [], []
        with tarfile.open(part, "w:gz") as tar:
            _add_file(tar, DB_MEMBER[dialect], dbfile)
            for row in facts["attachments"]:
                src = full_path(_Stored(row["stored_path"]), root)
                if src is None or not os.path.isfile(src):
                    problems.append({"id": row["id"], "path": row["stored_path"], "problem": "missing"})
                    continue
                digest = file_sha256(src)
                _add_file(tar, ATT_PREFIX + row["stored_path"], src)
                entries.append({"id": row["id"], "path": row["stored_path"], "sha256": digest,
                                "size": os.path.getsize(src)})
                if row.get("sha256") and row["sha256"] != digest:
                    problems.append({"id": row["id"], "path": row["stored_path"], "problem": "altered"})
            manifest = {
                "format": FORMAT, "format_version": FORMAT_VERSION, "app_version": app_version(),
                "created_at": utcnow().isoformat(timespec="seconds") + "Z", "dialect": dialect,
                "schema_revision": facts["schema_revision"], "alembic_table": facts["alembic_table"],
                "database": {"name": DB_MEMBER[dialect], "sha256": file_sha256(dbfile),
                             "size": os.path.getsize(dbfile)},
                "tables": facts["tables"], "attachments": entries, "problems": problems,
            }
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        os.chmod(part, 0o600)  # every personal record of the office is in it
        os.replace(part, final)  # a file with the backup's name is always complete
        return final, manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)


class _Stored:
    def __init__(self, stored_path):
        self.stored_path = stored_path


# ---- verifying ------------------------------------------------------------------------------------

def _safe_member(name):
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and ".." not in parts and "" not in parts


def verify(path, extract_to=None):
    """Check a backup file against its manifest without restoring: every member listed, none
    extra, every sha256 right. Returns the manifest; raises BackupError (Chinese)."""
    try:
        tar = tarfile.open(path, "r:gz")
    except (OSError, tarfile.TarError, EOFError):
        raise BackupError(MSG_NOT_BACKUP) from None
    try:
        with tar:
            try:
                member = tar.getmember(MANIFEST)
                manifest = json.loads(tar.extractfile(member).read().decode("utf-8"))
            except (KeyError, ValueError, AttributeError, OSError, tarfile.TarError, EOFError):
                raise BackupError(MSG_NOT_BACKUP) from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise BackupError(MSG_NOT_BACKUP)
            if manifest.get("format_version") != FORMAT_VERSION:
                raise BackupError(f"备份文件格式版本（{manifest.get('format_version')}）不受本程序支持。")
            try:
                expected = {manifest["database"]["name"]: manifest["database"]["sha256"]}
                for a in manifest["attachments"]:
                    expected[ATT_PREFIX + a["path"]] = a["sha256"]
            except (KeyError, TypeError):
                raise BackupError(MSG_TAMPERED.format("清单内容不完整")) from None
            seen = set()
            for m in tar:
                if m.name == MANIFEST:
                    continue
                if not m.isfile() or not _safe_member(m.name) or m.name not in expected:
                    raise BackupError(MSG_TAMPERED.format(f"含有清单之外的内容 {m.name}"))
                if m.name in seen:
                    raise BackupError(MSG_TAMPERED.format(f"{m.name} 重复出现"))
                seen.add(m.name)
                digest = _copy_hash(tar.extractfile(m), extract_to and os.path.join(extract_to, m.name))
                if digest != expected[m.name]:
                    raise BackupError(MSG_TAMPERED.format(f"{m.name} 的校验值不符"))
            missing = sorted(set(expected) - seen)
            if missing:
                raise BackupError(MSG_TAMPERED.format(f"缺少 {missing[0]} 等{len(missing)}个文件"))
    except (OSError, tarfile.TarError, EOFError, ValueError):
        raise BackupError(MSG_TAMPERED.format("文件不完整或已损坏")) from None
    return manifest


def _copy_hash(src, dest):
    h = hashlib.sha256()
    out = None
    if dest:
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        out = open(dest, "wb")
    try:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            h.update(chunk)
            if out:
                out.write(chunk)
    finally:
        if out:
            out.close()
    return h.hexdigest()


def check_revision(manifest):
    """Refuse a schema the code does not know (a newer one); returns (revision, needs_upgrade)."""
    rev, head = manifest.get("schema_revision"), code_head()
    if not known_revision(rev):
        raise BackupError(f"备份的数据库结构版本（{rev}）比本程序新或未知，不能恢复。请先升级程序到相应版本。")
    return rev, rev != head


def describe(manifest):
    """A few Chinese lines saying what a backup holds."""
    tables = manifest.get("tables", {})
    return [
        f"备份时间：{manifest.get('created_at', '')}；程序版本：{manifest.get('app_version', '')}；"
        f"数据库：{manifest.get('dialect', '')}；结构版本：{manifest.get('schema_revision', '')}",
        f"数据表 {len(tables)} 张，共 {sum(tables.values())} 行（信访事项 {tables.get('case', 0)} 件，"
        f"用户 {tables.get('user', 0)} 个）；附件 {len(manifest.get('attachments', []))} 个",
    ]


# ---- restoring ------------------------------------------------------------------------------------

def instance_rows(engine=None):
    """{table: rows} of the tables that make an instance non-empty (only those that exist)."""
    engine = engine or db.engine
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        return {t: conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar()
                for t in CONTENT_TABLES if t in tables}


def restore(app, path, force=False, upgrade=None):
    """Restore a verified backup into this instance's database and ATTACHMENT_DIR. Returns a dict
    (manifest, upgraded_from, counts). Refuses (BackupError, nothing changed) a bad file, another
    database kind, a newer schema, or a non-empty instance unless force. An older schema is brought
    to the code's head by upgrade(revision, stamp=...) (Alembic through Flask-Migrate: the caller's)."""
    work = tempfile.mkdtemp(prefix="xf-restore-")
    try:
        manifest = verify(path, extract_to=work)
        rev, needs_upgrade = check_revision(manifest)
        if needs_upgrade and upgrade is None:
            raise BackupError(f"备份的数据库结构版本（{rev}）较旧，需要升级后才能使用。")
        dialect = _dialect()
        if manifest.get("dialect") != dialect:
            raise BackupError(f"该备份来自 {manifest.get('dialect')} 数据库，不能恢复到当前的 {dialect} 数据库。")
        rows = instance_rows()
        if not force and any(rows.values()):
            raise BackupError(f"当前实例已有数据（用户 {rows.get('user', 0)} 个，信访事项 {rows.get('case', 0)} 件），"
                              "拒绝覆盖。确需用备份覆盖，请加 --force。")
        db.session.remove()
        db.engine.dispose()
        dbfile = os.path.join(work, manifest["database"]["name"])
        if dialect == "sqlite":
            _sqlite_restore(dbfile)
        else:
            _pg_restore(dbfile)
        db.engine.dispose()
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            counts = _counts(conn, tables)
        wrong = [t for t, n in manifest["tables"].items() if counts.get(t) != n]
        if wrong:
            raise BackupError(f"恢复后的数据与清单不符（表 {wrong[0]}），请勿使用该实例，并检查备份文件。")
        upgraded_from = None
        if needs_upgrade:
            upgrade(rev, stamp=not manifest.get("alembic_table"))
            upgraded_from = rev
            db.session.remove()
        root = os.path.abspath(app.config["ATTACHMENT_DIR"])
        for a in manifest["attachments"]:
            dest = full_path(_Stored(a["path"]), root)
            if dest is None:
                raise BackupError(MSG_TAMPERED.format(f"附件路径 {a['path']} 不合法"))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.move(os.path.join(work, ATT_PREFIX + a["path"]), dest)
        return {"manifest": manifest, "upgraded_from": upgraded_from, "counts": counts}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _sqlite_restore(dbfile):
    target = _sqlite_path()
    os.makedirs(os.path.dirname(target), exist_ok=True)
    src = sqlite3.connect(dbfile)
    try:
        out = sqlite3.connect(target, timeout=30)
        try:
            src.backup(out)  # replaces every page of the target, under its lock
        finally:
            out.close()
    finally:
        src.close()


def _pg_restore(dbfile):
    uri, env = _pg_args()
    with db.engine.begin() as conn:
        tables = inspect(conn).get_table_names()
        if tables:
            conn.execute(text("DROP TABLE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        # the app's own SQL functions (xf_search_grams) are in the dump too; extensions' stay
        for fn in conn.execute(text(
                "SELECT p.oid::regprocedure::text FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace "
                "LEFT JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e' "
                "WHERE n.nspname = current_schema() AND d.objid IS NULL")).scalars().all():
            conn.execute(text(f"DROP FUNCTION {fn} CASCADE"))
    _run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", f"--dbname={uri}", dbfile], env)


# ---- the admin's view of backups ------------------------------------------------------------------

def max_age_days(session):
    try:
        return max(1, int(settings.get(session, "backup_max_age_days")))
    except (TypeError, ValueError):
        return 30


def last_good(session):
    return session.execute(select(BackupRun).where(BackupRun.ok.is_(True))
                           .order_by(BackupRun.finished_at.desc()).limit(1)).scalar_one_or_none()


def stale_warning(session, now=None):
    """A Chinese warning when the last good backup is older than the set number of days (or there
    is none), else None."""
    days = max_age_days(session)
    last = last_good(session)
    if last is None:
        return f"尚无成功的备份记录。计算机档案应当每月备份，请系统管理员在“备份”中立即备份（提醒周期 {days} 天）。"
    if (now or utcnow()) - (last.finished_at or last.started_at) > timedelta(days=days):
        return (f"最近一次成功备份在 {fmt_dt(last.finished_at)}，已超过 {days} 天，"
                "请系统管理员在“备份”中立即备份。")
    return None


def runs(session, limit=100):
    return list(session.execute(select(BackupRun).order_by(BackupRun.id.desc()).limit(limit)).scalars())


def file_of(run):
    """The path of a run's backup file when it is still there, else None."""
    if not run.filename:
        return None
    path = os.path.join(run.directory, run.filename)
    return path if os.path.isfile(path) else None
