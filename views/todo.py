"""待办: the page, the dashboard's top card and the menu's count, all from services/todo.py.

The menu item is plain “待办”: no page waits for the count (issue 17: at a million cases it was most
of every page's time). static/js/todo-badge.js fills the number in after load from /admin/todo/count/,
or from the count a page already shows (the 待办 page and the dashboard's card: data-todo-total)."""
from flask import current_app, jsonify, request, url_for
from flask_admin import expose
from flask_login import current_user

from models import db
from services import todo
from views.adapters import admin_internals
from views.base import SecureBaseView
from views.dashboard import BETWEEN, EQ, case_list_url


def todo_lines(breakdown=False):
    """The current user's lines, computed once per request (with the breakdown if asked). Kept in
    the request's environ, not in `g`: an app context (and its g) may outlive one request."""
    cached = request.environ.get("xf.todo")
    if cached is None or (breakdown and not cached[0]):
        cached = (breakdown, todo.lines(db.session, current_user, breakdown=breakdown))
        request.environ["xf.todo"] = cached
    return cached[1]


def _loan_url(key):
    view = admin_internals.view_by_endpoint(current_app.extensions["xinfang_admin"], "loan")
    return view.filter_url(todo=key) if view is not None else None


def line_url(line):
    kind, target = line.opens
    if kind == "cases":
        return case_list_url((None, "TodoFilter", target), require_all=True)
    if kind == "loans":
        return _loan_url(target)
    return url_for(f"{target}.index")


def part_url(part):
    conditions = [(None, "TodoFilter", part.key)]
    if part.department_id is not None:
        conditions.append(("department_id", EQ, str(part.department_id)))
    if part.month is not None:
        conditions.append(("closed_on", BETWEEN, f"{part.month.isoformat()} to {todo.month_end(part.month).isoformat()}"))
    return case_list_url(*conditions, require_all=True)


def shown(lines):
    """[(line, url, [(part, url)])] for templates/partials/todo.html."""
    return [(ln, line_url(ln), [(p, part_url(p)) for p in ln.parts]) for ln in lines]


class TodoView(SecureBaseView):
    screen = "case"

    def is_visible(self):
        return super().is_visible() and bool(todo.role_keys(current_user))

    @expose("/")
    def index(self):
        return self.render("todo/index.html", todos=shown(todo_lines(breakdown=True)))

    @expose("/count/")
    def count(self):
        """{"count": N}: the menu's number, the user's own lines added up (nothing else)."""
        n = todo.total(todo_lines()) if todo.role_keys(current_user) else 0
        resp = jsonify(count=n)
        resp.headers["Cache-Control"] = "no-store"
        return resp


def register(admin):
    admin.add_view(TodoView(name="待办", endpoint="todo", url="/admin/todo"))
