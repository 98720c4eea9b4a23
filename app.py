"""Xinfang Desk (信访事项管理台): application factory. `flask --app app ...` works from the repo root."""
import os
import secrets

from flask import Flask, g, has_request_context, redirect, request, url_for
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event, select
from sqlalchemy.orm import joinedload

from models import db, User
from services import tx

# Known to everyone who has read this file: refused in production, used nowhere (a development
# app without SECRET_KEY makes its own key in instance/secret_key, as scripts/run.sh does).
DEV_SECRET = "dev-insecure-change-me"
HERE = os.path.dirname(os.path.abspath(__file__))

migrate = Migrate(directory=os.path.join(HERE, "migrations"))
login_manager = LoginManager()
csrf = CSRFProtect()  # the one CSRF mechanism; admin forms must not add SecureForm
babel = Babel()


def _config_from_env(app):
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        SQLALCHEMY_DATABASE_URI=os.environ.get(
            "DATABASE_URL", "sqlite:///" + os.path.join(app.instance_path, "xinfang.db")),
        XINFANG_ENV=os.environ.get("XINFANG_ENV", "development"),
        ATTACHMENT_DIR=os.environ.get("ATTACHMENT_DIR", os.path.join(app.instance_path, "attachments")),
        MAX_CONTENT_LENGTH=50 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="zh_Hans_CN",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        SQLALCHEMY_ENGINE_OPTIONS={},
        # Login attempts per client address; a shared store (e.g. redis://...) when several
        # processes serve the office, else each process counts on its own.
        XF_LOGIN_RATE=os.environ.get("XF_LOGIN_RATE", "10 per minute;50 per hour"),
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        RATELIMIT_ENABLED=os.environ.get("RATELIMIT_ENABLED", "1") == "1",
        RATELIMIT_HEADERS_ENABLED=False,
        # Reverse proxies in front of the app (nginx: 1). 0, the default, trusts no
        # X-Forwarded-* header: the client address is the socket's. With N > 0 the address (and
        # scheme) the N-th proxy from the app reports in X-Forwarded-For/-Proto is the client's:
        # the login rate limit and the audit log's ip then see the real client, not the proxy.
        # Set it only when every request passes through those proxies, or a client could forge
        # its address.
        XF_PROXY_COUNT=os.environ.get("XF_PROXY_COUNT", "0"),
    )


def instance_secret_key(instance_path):
    """The key in instance/secret_key, made once (random, mode 600) if it is not there yet."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(tmp, path)  # atomic: two processes starting at once keep one key
        except FileExistsError:
            pass
        finally:
            os.remove(tmp)
    with open(path) as f:
        return f.read().strip()


def _sqlite_pragmas(dbapi_conn, _record):
    # Take over transaction control from pysqlite so BEGIN IMMEDIATE below is honoured.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def _sqlite_begin(conn):
    # Reads (GET) never wait for a writer; writers queue on the lock instead of failing with
    # "database is locked" when a read transaction tries to upgrade (services/tx.py). The lock
    # at BEGIN is what keeps case numbers unique.
    deferred = tx.begin_deferred()
    conn.info["xf_deferred"] = deferred
    conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def _is_read_request():
    return has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")


def _sqlite_listeners(app):
    """The pragmas and the BEGIN mode on every connection of this app's SQLite engines (and only
    theirs: other engines in the process, e.g. a test's own, are left as they are)."""
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
                event.listen(engine, "begin", _sqlite_begin)


def _security(app):
    """Cookie flags, response headers, and the production guards (secret key, no debugger)."""
    app.config.update(SESSION_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_HTTPONLY=True)
    if app.config.get("SESSION_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if app.config.get("REMEMBER_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    key = app.config.get("SECRET_KEY")
    if app.config["XINFANG_ENV"] == "production":
        if not key or not str(key).strip() or key == DEV_SECRET:
            raise RuntimeError("生产模式必须设置 SECRET_KEY 环境变量，拒绝使用开发密钥或空密钥启动。")
        if app.debug or os.environ.get("FLASK_DEBUG", "").lower() in ("1", "true", "yes", "on"):
            raise RuntimeError("生产模式不得开启调试模式（FLASK_DEBUG），拒绝启动。")
        app.debug = False
        app.config.update(DEBUG=False, TESTING=False, PROPAGATE_EXCEPTIONS=False,
                          TEMPLATES_AUTO_RELOAD=False)
        app.config["SESSION_COOKIE_SECURE"] = os.environ.get("COOKIE_SECURE", "1") == "1"
        app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
        run = app.run

        def _run_without_debugger(*args, **kwargs):
            kwargs["debug"] = False
            kwargs["use_debugger"] = False
            return run(*args, **kwargs)
        app.run = _run_without_debugger
    elif not key or not str(key).strip() or key == DEV_SECRET:
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)

    @app.before_request
    def _reload_user():
        # Load the user afresh on every request (a deactivated or changed user takes effect at
        # once), even when an outer app context -- as in tests -- keeps `g` between requests.
        g.pop("_login_user", None)
        g.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # per-session token too

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith(("/static/", "/admin/static/")):
            # Pages carry personal data: no copies in the browser cache of a shared office PC.
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp


def _behind_proxies(app):
    """ProxyFix for XF_PROXY_COUNT trusted reverse proxies (see _config_from_env)."""
    raw = app.config.get("XF_PROXY_COUNT") or 0
    try:
        count = int(str(raw).strip())
    except ValueError:
        count = -1
    if not 0 <= count <= 10:
        raise RuntimeError(f"XF_PROXY_COUNT 应为0至10之间的整数（反向代理层数），当前为“{raw}”，拒绝启动。")
    app.config["XF_PROXY_COUNT"] = count
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def create_app(config=None):
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    _config_from_env(app)
    if config:
        app.config.update(config)
    _security(app)
    _behind_proxies(app)

    db.init_app(app)
    _sqlite_listeners(app)
    tx.is_read_request = _is_read_request
    if not event.contains(db.session, "before_flush", tx.check_flush):
        event.listen(db.session, "before_flush", tx.check_flush)

    @app.teardown_request
    def _end_read_transaction(_exc):
        # A read request's snapshot ends with it, also where the app context outlives the request
        # (tests, CLI): later writes in that context must not inherit a deferred transaction.
        if tx.in_read_transaction(db.session):
            db.session.rollback()
    from services import access
    access.install_session_listeners(db.session)
    from views import trace
    trace.install(db.session)  # case-party snapshots and change rows (services/changes.py)
    from services import retention
    retention.install_guard(db.session)  # an archived record leaves only through an approved 销毁
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: "zh_Hans_CN", timezone_selector=lambda: "Asia/Shanghai")
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"

    @login_manager.user_loader
    def _load_user(token):
        # The cookie carries the user's session token (User.get_id): a rotated token, e.g. after
        # logout or a password change, matches nobody and the copied cookie is worthless.
        if not token or len(token) > 64:
            return None
        # the department with it: the menu shows its name on every page
        user = db.session.execute(select(User).options(joinedload(User.department))
                                  .where(User.session_token == token)).scalar_one_or_none()
        return user if user is not None and user.active else None

    from views import register_views
    from views.auth import bp as auth_bp, install_limiter
    from views.guards import csp_nonce, install_row_ids, register_guards
    from views.errors import register_error_handlers
    from views.filters import register_template_helpers

    install_row_ids(app)
    app.register_blueprint(auth_bp)
    install_limiter(app)
    register_guards(app)
    register_error_handlers(app)
    register_template_helpers(app)

    from views.dashboard import DashboardView
    admin = Admin(
        app,
        name="信访事项管理台",
        index_view=DashboardView(name="工作台", url="/admin", endpoint="admin"),
        theme=Bootstrap4Theme(base_template="xf_base.html", swatch="default", fluid=True),
        csp_nonce_generator=csp_nonce,
    )
    register_views(admin)
    app.extensions["xinfang_admin"] = admin

    @app.route("/")
    def _root():
        return redirect(url_for("admin.index"))

    from views.cli import register_cli
    register_cli(app)
    return app
