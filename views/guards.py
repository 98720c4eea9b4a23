"""Request hooks every page passes: invisible control characters are refused in one place,
a temporary password is changed before anything else, and the Content-Security-Policy."""
import secrets

from flask import g, redirect, request, url_for
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from services.inputs import MAX_ID, MSG_CONTROL_CHARS, has_control_chars
from views.errors import _page

# Pages a user with a temporary password may still open.
OPEN_WHILE_MUST_CHANGE = {"auth.change_password", "auth.logout", "auth.login", "static", "admin.static"}


def csp_nonce():
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce):
    return ("default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}' 'report-sample'; "
            "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
            "object-src 'none'; base-uri 'self'; frame-ancestors 'self'; form-action 'self'")


def _bad_input():
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if has_control_chars(key) or has_control_chars(value):
                return True
    return False  # uploaded file names are cleaned where they are stored (services/attachments.py)


class RowIdConverter(IntegerConverter):
    """`<int:...>` in a URL: a row id the database can hold (1..MAX_ID), anything else does not
    match the route (404), instead of reaching the database and failing there (a 500)."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install_row_ids(app):
    """Before any route is added: every `<int:...>` of the app is a RowIdConverter."""
    app.url_map.converters["int"] = RowIdConverter


def register_guards(app):
    @app.before_request
    def _refuse_control_chars():
        if _bad_input():
            return _page(400, "输入有误", MSG_CONTROL_CHARS)

    @app.before_request
    def _temporary_password():
        if request.endpoint in OPEN_WHILE_MUST_CHANGE or request.endpoint is None:
            return None
        if current_user.is_authenticated and current_user.must_change_password:
            return redirect(url_for("auth.change_password"))

    @app.context_processor
    def _nonce():
        return {"csp_nonce": csp_nonce}

    @app.after_request
    def _csp(resp):
        if resp.mimetype == "text/html":
            resp.headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
        return resp
