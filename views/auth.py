from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from models import db
from services import ServiceError, audit
from services.auth import authenticate, change_own_password

bp = Blueprint("auth", __name__)


def _safe_next(target):
    if not target:
        return None
    if any(ch in target for ch in "\r\n\t\\") or any(ord(ch) < 32 for ch in target):
        return None  # no header splitting, no browser-normalised "/\evil.example"
    parts = urlsplit(target)
    # Only same-site relative paths: no open redirect.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = _safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or url_for("admin.index"))
    error = None
    username = request.form.get("username", "")
    if request.method == "POST":
        try:
            user = authenticate(db.session, username, request.form.get("password", ""),
                                ip=request.remote_addr)
        except ServiceError as exc:
            error = exc.message
        else:
            login_user(user)
            if user.must_change_password:
                flash("管理员为您设置的是临时密码，请先修改密码。", "warning")
                return redirect(url_for("auth.change_password"))
            return redirect(next_url or url_for("admin.index"))
    return render_template("auth/login.html", error=error, username=username, next=next_url)


@bp.route("/logout", methods=["GET", "POST"])
@login_required
def logout():
    if request.method == "GET":  # a link or a copied URL does not sign anyone out
        return render_template("auth/logout.html")
    user = current_user._get_current_object()
    user.end_sessions()  # a copied cookie of this session (or any other) stops working
    audit.record(db.session, user, "logout", "退出登录", ip=request.remote_addr)
    db.session.commit()
    logout_user()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    error = None
    if request.method == "POST":
        user = current_user._get_current_object()
        try:
            change_own_password(db.session, user, request.form.get("current", ""),
                                request.form.get("new", ""), request.form.get("repeat", ""),
                                ip=request.remote_addr)
        except ServiceError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            login_user(user)  # this session goes on with the new token; every other one ends
            flash("密码已修改。其他设备上的登录已失效。", "success")
            return redirect(url_for("admin.index"))
    return render_template("auth/password.html", error=error,
                           must_change=current_user.must_change_password)


def install_limiter(app):
    """Per-client limit on login attempts (XF_LOGIN_RATE), so nobody locks every account by
    trying five passwords on each; the store is RATELIMIT_STORAGE_URI (memory by default). The
    client is request.remote_addr: behind nginx set XF_PROXY_COUNT (app.py) or every login counts
    against the proxy's one address."""
    limiter = Limiter(get_remote_address, app=app)
    app.extensions["xf_limiter"] = limiter  # the decorator holds it weakly only
    view = app.view_functions["auth.login"]
    app.view_functions["auth.login"] = limiter.limit(
        lambda: current_app.config["XF_LOGIN_RATE"], methods=["POST"])(view)
    return limiter
