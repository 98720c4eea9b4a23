"""Fixtures: a fresh database per test, on SQLite (default) or PostgreSQL (TEST_DATABASE_URL).

The demo office is built once per test session into a template (a SQLite file that is copied,
or a PostgreSQL template database that is cloned), so tests that need it start in milliseconds.
"""
import os
import re
import shutil
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import models.org
from app import create_app
from models import db
from services import clock

# The demo office and all worked examples are built "as of" this office date.
DEMO_TODAY = date(2026, 11, 20)
DEMO_PASSWORD = "demo1234"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
# A cheap hash for test users: the suite logs in well over a thousand times.
models.org.PASSWORD_METHOD = "pbkdf2:sha256:1000"


def _base_config(uri, tmp_path):
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": uri,
        "SECRET_KEY": "test-secret",
        "ATTACHMENT_DIR": str(tmp_path / "attachments"),
        "SERVER_NAME": None,
    }


def _pg_admin_engine():
    return create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _build(app, with_demo):
    with app.app_context():
        db.create_all()
        from services import deadlines
        deadlines.seed_holidays(db.session, range(2024, 2027))
        if with_demo:
            from demo import build_demo_office
            build_demo_office(db.session, cases=300, today=DEMO_TODAY)
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def _templates(tmp_path_factory):
    """Build the empty and the demo template databases once."""
    clock.freeze_today(DEMO_TODAY)
    root = tmp_path_factory.mktemp("db-templates")
    made = {}
    for name, with_demo in (("empty", False), ("demo", True)):
        if PG_URL:
            dbname = f"xf_tpl_{name}_{uuid.uuid4().hex[:8]}"
            with _pg_admin_engine().connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{dbname}"'))
            uri = make_url(PG_URL).set(database=dbname).render_as_string(hide_password=False)
        else:
            uri = "sqlite:///" + str(root / f"{name}.db")
        app = create_app(_base_config(uri, root))
        _build(app, with_demo)
        made[name] = uri if PG_URL else str(root / f"{name}.db")
    yield made
    clock.freeze_today(None)
    if PG_URL:
        with _pg_admin_engine().connect() as conn:
            for name in made.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(name).database}"'))


def _clone(templates, which, tmp_path):
    if PG_URL:
        dbname = f"xf_t_{uuid.uuid4().hex[:12]}"
        tpl = make_url(templates[which]).database
        with _pg_admin_engine().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{dbname}" TEMPLATE "{tpl}"'))
        return make_url(PG_URL).set(database=dbname).render_as_string(hide_password=False), dbname
    target = tmp_path / f"{which}.db"
    shutil.copyfile(templates[which], target)
    return "sqlite:///" + str(target), None


def _make_app(templates, which, tmp_path):
    clock.freeze_today(DEMO_TODAY)
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
def app(_templates, tmp_path):
    """An app on an empty schema (holidays seeded), inside an app context."""
    yield from _make_app(_templates, "empty", tmp_path)


@pytest.fixture
def demo_app(_templates, tmp_path):
    """An app on a copy of the demo office, inside an app context."""
    yield from _make_app(_templates, "demo", tmp_path)


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
