"""Layers: services/ knows no Flask (pages and responses are built in views/), and the SQLite
listeners belong to the app's own engine, not to every Engine in the process."""
import ast
import importlib
import pkgutil

import pytest
from sqlalchemy import create_engine, text

import services
from models import db


def _services_modules():
    yield services.__name__, services.__file__
    for info in pkgutil.walk_packages(services.__path__, prefix="services."):
        module = importlib.import_module(info.name)
        yield info.name, module.__file__


def _flask_imports(path):
    """Every import of flask or a flask_* package in the file, at any depth (lazy ones too)."""
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read(), path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        found += [f"{n} (line {node.lineno})" for n in names
                  if n.split(".")[0] == "flask" or n.startswith("flask_")]
    return found


def test_no_module_of_services_imports_flask():
    modules = dict(_services_modules())
    assert "services.excel" in modules and "services.attachments" in modules
    offenders = {name: found for name, path in modules.items() if (found := _flask_imports(path))}
    assert offenders == {}


def test_sqlite_pragmas_and_begin_immediate_on_the_apps_engine_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.connection.dbapi_connection.in_transaction  # BEGIN IMMEDIATE ran on begin
    other = create_engine("sqlite://")
    try:
        with other.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 0
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() != 30000
            assert not conn.connection.dbapi_connection.in_transaction
    finally:
        other.dispose()


def test_department_cache_listeners_belong_to_the_apps_session(app):
    """access caches the department tree per transaction; the app's session drops it at commit,
    and no listener is left on SQLAlchemy's global Session class."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from models import Department
    from services import access

    db.session.add(Department(name="甲单位", kind="unit"))
    db.session.commit()
    assert [r[3] for r in access._dept_rows(db.session)] == ["甲单位"]
    assert access._DEPT_CACHE in db.session.info
    db.session.commit()
    assert access._DEPT_CACHE not in db.session.info
    assert not event.contains(Session, "after_transaction_end", access._forget_depts)
