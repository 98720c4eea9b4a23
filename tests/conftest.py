"""Fixtures: a fresh database per test, on SQLite (default) or PostgreSQL (TEST_DATABASE_URL).

Per test session (per pytest-xdist worker) the empty and the demo office are built once into
template databases, and one Flask app is created for each. Before every test the app's database
is replaced by a copy of its template (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on
PostgreSQL), so a test starts in milliseconds and commits for real (tests/test_concurrency.py
needs several sessions and threads to see each other's commits).

Office time is travelled with time-machine to DEMO_TODAY at noon (Asia/Shanghai) for the whole
session and keeps ticking; `time_machine.move_to(noon(day))` moves one test to another day.
"""
import fcntl
import os
import pathlib
import re
import shutil
import tempfile
import uuid
from datetime import date, datetime, time, timezone

import pytest
import time_machine
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

import models.org
from app import create_app
from models import db

# The demo office and all worked examples are built "as of" this office date.
DEMO_TODAY = date(2026, 11, 20)
DEMO_PASSWORD = "demo1234"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
# A cheap hash for test users: the suite logs in well over a thousand times.
models.org.PASSWORD_METHOD = "pbkdf2:sha256:1000"


def noon(day):
    """Noon in the office (Asia/Shanghai, UTC+8) on `day`, as a UTC instant: travelling to a UTC
    datetime leaves the process's TZ alone, as the frozen clock did."""
    return datetime.combine(day, time(4, 0), tzinfo=timezone.utc)


def _base_config(uri, tmp_path):
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": uri,
        "SECRET_KEY": "test-secret",
        "RATELIMIT_ENABLED": False,  # tests/test_accounts.py turns it on where it is tested
        "ATTACHMENT_DIR": str(tmp_path / "attachments"),
        "SERVER_NAME": None,
    }


_admin = []


def _pg_admin_engine():
    """One engine on the cluster's `postgres` database, holding no connection between uses."""
    if not _admin:
        _admin.append(create_engine(make_url(PG_URL).set(database="postgres"),
                                    isolation_level="AUTOCOMMIT", poolclass=NullPool))
    return _admin[0]


def _pg_uri(dbname):
    return make_url(PG_URL).set(database=dbname).render_as_string(hide_password=False)


def _build(app, with_demo):
    with app.app_context():
        db.create_all()
        from services import deadlines
        deadlines.seed_holidays(db.session, range(2024, 2027))
        if with_demo:
            from demo import build_demo_office
            build_demo_office(db.session, cases=300, today=DEMO_TODAY)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _office_clock():
    """The whole worker session runs on DEMO_TODAY from noon on, ticking (a run takes minutes).
    Not reset per test: a clock that jumped back would make the login cookies of module-scoped
    clients (tests/test_access_matrix.py) "signed in the future", hence invalid."""
    with time_machine.travel(noon(DEMO_TODAY), tick=True):
        yield


@pytest.fixture(scope="session")
def _worker():
    """A tag unique to this worker and run, for database names (two runs may share a cluster)."""
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:6]}"


def _run_dir():
    """A folder for this run's SQLite databases and template locks, shared by its xdist workers:
    in memory (/dev/shm) where it can be, as the PostgreSQL cluster of scripts/test.sh is, since on
    disk every commit of every test waits for an fsync. Made by the first process (the xdist
    controller, or the only one), inherited by the workers through XF_TEST_RUN_DIR."""
    return os.environ["XF_TEST_RUN_DIR"]


def pytest_configure(config):
    if os.environ.get("XF_TEST_RUN_DIR") or hasattr(config, "workerinput"):
        return
    root = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    os.environ["XF_TEST_RUN_DIR"] = tempfile.mkdtemp(prefix="xf-tests-", dir=root)
    config._xf_run_dir = os.environ["XF_TEST_RUN_DIR"]


def pytest_unconfigure(config):
    run_dir = getattr(config, "_xf_run_dir", None)
    if not run_dir:
        return
    if PG_URL:  # the templates outlive the workers that cloned them; dropped here, after all
        tag = os.path.basename(run_dir).replace("-", "_").lower()
        with _pg_admin_engine().connect() as conn:
            for (name,) in conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                        {"p": f"xf_tpl_%_{tag}"}).all():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    shutil.rmtree(run_dir, ignore_errors=True)
    os.environ.pop("XF_TEST_RUN_DIR", None)


def _template(name, with_demo):
    """The template `name`, built once per run by whichever worker asks first (the others wait on
    the lock, then use it): a SQLite file path or a PostgreSQL URI."""
    run_dir = _run_dir()
    tag = os.path.basename(run_dir).replace("-", "_").lower()
    done = os.path.join(run_dir, f"tpl-{name}.done")
    with open(os.path.join(run_dir, f"tpl-{name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if PG_URL:
            dbname = f"xf_tpl_{name}_{tag}"
            made = _pg_uri(dbname)
        else:
            made = os.path.join(run_dir, f"tpl-{name}.db")
        if not os.path.exists(done):
            if PG_URL:
                with _pg_admin_engine().connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
                    conn.execute(text(f'CREATE DATABASE "{dbname}"'))
                uri = made
            else:
                uri = "sqlite:///" + made
            app = create_app(_base_config(uri, pathlib.Path(run_dir)))
            _build(app, with_demo)
            open(done, "w").close()
    return made


class _Templates(dict):
    """name -> template, built on first use: a worker that runs no demo test builds no demo."""

    def __missing__(self, name):
        self[name] = _template(name, with_demo=(name == "demo"))
        return self[name]


@pytest.fixture(scope="session")
def _templates():
    """The empty and the demo template databases of this run; maps name -> SQLite file path or
    PostgreSQL URI (dropped with the run, in pytest_unconfigure)."""
    return _Templates()


def _copy_template(templates, which, target):
    """Put a fresh copy of a template at `target` (a SQLite file path or a PostgreSQL db name)."""
    if PG_URL:
        tpl = make_url(templates[which]).database
        with _pg_admin_engine().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target}" TEMPLATE "{tpl}" STRATEGY FILE_COPY'))
        return _pg_uri(target)
    for suffix in ("-wal", "-shm", "-journal"):
        if os.path.exists(target + suffix):
            os.remove(target + suffix)
    shutil.copyfile(templates[which], target)
    return "sqlite:///" + target


class _Shared:
    """One app per template for the whole worker session, on a fixed database of its own."""

    def __init__(self, templates, which, root, worker):
        self.templates, self.which = templates, which
        self.target = f"xf_t_{which}_{worker}" if PG_URL else os.path.join(_run_dir(), f"{which}-{worker}.db")
        self.uri = _copy_template(templates, which, self.target)
        self.app = create_app(_base_config(self.uri, root))
        self.config = dict(self.app.config)

    def fresh(self, tmp_path):
        """Yield the app on a fresh copy of the template, inside a new app context."""
        with self.app.app_context():
            db.engine.dispose()
        _copy_template(self.templates, self.which, self.target)
        self.app.config["ATTACHMENT_DIR"] = str(tmp_path / "attachments")
        ctx = self.app.app_context()
        ctx.push()
        try:
            yield self.app
        finally:
            db.session.remove()
            db.engine.dispose()
            ctx.pop()
            self.app.config.clear()
            self.app.config.update(self.config)

    def drop(self):
        with self.app.app_context():
            db.engine.dispose()
        if PG_URL:
            with _pg_admin_engine().connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.target}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def _shared(_templates, tmp_path_factory, _worker):
    root = tmp_path_factory.mktemp("db")
    shared = {}

    def get(which):
        if which not in shared:
            shared[which] = _Shared(_templates, which, root, _worker)
        return shared[which]
    yield get
    for s in shared.values():
        s.drop()


def _clone(templates, which, tmp_path):
    """A database of its own (for an app of its own): (uri, PostgreSQL db name or None)."""
    if PG_URL:
        dbname = f"xf_t_{uuid.uuid4().hex[:12]}"
        return _copy_template(templates, which, dbname), dbname
    return _copy_template(templates, which, os.path.join(_run_dir(), f"{which}-{uuid.uuid4().hex[:12]}.db")), None


def _make_app(templates, which, tmp_path):
    """A separate app on its own copy of a template (for module-scoped worlds)."""
    uri, pg_name = _clone(templates, which, tmp_path)
    app = create_app(_base_config(uri, tmp_path))
    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.remove()
    db.engine.dispose()
    ctx.pop()
    if pg_name:
        with _pg_admin_engine().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


@pytest.fixture
def app(_shared, tmp_path):
    """An app on an empty schema (holidays seeded), inside an app context."""
    yield from _shared("empty").fresh(tmp_path)


@pytest.fixture
def demo_app(_shared, tmp_path):
    """An app on a copy of the demo office, inside an app context."""
    yield from _shared("demo").fresh(tmp_path)


@pytest.fixture
def session(demo_app):
    return db.session


class Browserless:
    """A test client that logs in through /login and adds the CSRF token to every POST."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self._token = None

    def token(self):
        if self._token is None:
            page = self.client.get("/login")
            m = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
            self._token = m.group(1)
        return self._token

    def login(self, username, password=DEMO_PASSWORD):
        resp = self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": self.token()})
        return resp

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token())
        return self.client.post(url, data=data, **kw)


@pytest.fixture
def make_client(demo_app):
    def make(username=None):
        c = Browserless(demo_app)
        if username:
            resp = c.login(username)
            assert resp.status_code == 302, f"login as {username} failed"
        return c
    return make


@pytest.fixture
def app_client(app):
    """Logged-in clients on the `app` fixture, for tests that build a small office by hand."""
    def make(username, password=DEMO_PASSWORD):
        c = Browserless(app)
        assert c.login(username, password).status_code == 302, f"login as {username} failed"
        return c
    return make


@pytest.fixture
def sql_statements(demo_app):
    """Every SQL statement the demo app sends while the test runs (clear() it before the request)."""
    seen = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", listener)
    yield seen
    event.remove(db.engine, "before_cursor_execute", listener)
