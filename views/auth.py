from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from models import db
from services import ServiceError, audit
from services.auth import authenticate

bp = Blueprint("auth", __name__)


def _safe_next(target):
    if not target:
        return None
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
            return redirect(next_url or url_for("admin.index"))
    return render_template("auth/login.html", error=error, username=username, next=next_url)


@bp.route("/logout")
@login_required
def logout():
    audit.record(db.session, current_user, "logout", "退出登录", ip=request.remote_addr)
    db.session.commit()
    logout_user()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))
