"""Base classes that route every Flask-Admin door through services/access.py.

Doors of a SecureModelView and how each is closed:
- list / count: get_query filtered by row_filter() (default access.scope_filter); the pager's count
  is taken from that query, up to count_limit rows (get_list);
- details, edit GET/POST, delete: get_one through the scoped query; a row out of reach is a 404;
- inline edit (/ajax/update/): refused (403), whatever column_editable_list says;
- ajax lookups (form_ajax_refs): loaders are ScopedAjaxLoader (scoped query and get_one), and the
  door needs a create or edit right; a view without loaders answers 404;
- relationship dropdowns in create/edit forms: every QuerySelect(Multiple)Field gets a query
  scoped by access.scope_filter for its model (a posted id out of scope fails validation);
- actions: posted ids re-scoped; one id out of reach refuses the whole action (404), nothing runs;
- built-in export: off (404); exports go through services/excel.py with access.case_filter.
"""
import os
from datetime import date, datetime

from flask import abort, has_request_context, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader, create_ajax_loader
from flask_admin.contrib.sqla.fields import QuerySelectField, QuerySelectMultipleField
from flask_admin.helpers import get_redirect_target
from flask_admin.model import typefmt
from flask_login import current_user
from sqlalchemy import func, inspect as sa_inspect, or_, select
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from wtforms.fields import DateField
from wtforms.validators import ValidationError
from wtforms.widgets import DateInput

from models import db
from services import audit, clock, excel
from services import access


# SQLAlchemy drops a table hint on SQLite; render it (`INDEXED BY ix` / `NOT INDEXED`, used by
# views/cases.py for the walk of a long list). No other code gives SQLite hints.
SQLiteCompiler.get_from_hint_text = lambda self, table, text: text

# The highest list page number taken from a URL (50 rows a page: far beyond any real list).
MAX_PAGE = 100_000
# A list counts its rows up to this many for the pager; beyond, it says "10000+" (issue 17: the
# exact count of a reach of a million cases read every row in it on every page).
COUNT_LIMIT = 10_000


class AtLeast(int):
    """A row count known only to be at least this (the count stopped at the view's limit): the
    list shows it as "10000+" and its pager keeps going past it."""

    def __str__(self):
        return f"{int(self)}+"


def _deny():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    abort(403)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def send_xlsx(filename, build):
    """(response, build's result): build(path) writes the workbook (services/excel.py) into a temp
    file that is streamed under the Chinese `filename` (RFC 5987) and removed once sent."""
    fh, result = excel.build_file(build)
    try:
        resp = send_file(fh, mimetype=XLSX, as_attachment=True, download_name=filename,
                         conditional=False)
        resp.content_length = os.fstat(fh.fileno()).st_size
    except BaseException:
        fh.close()
        raise
    resp.headers["Cache-Control"] = "no-store"
    return resp, result


def send_recorded_xlsx(filename, build, detail, row_count=None):
    """An xlsx download (send_xlsx) with the export recorded: who, when, what, rows."""
    session, user = db.session, current_user._get_current_object()
    resp, written = send_xlsx(filename, build)
    try:
        audit.record(session, user, "export", detail=detail, ip=request.remote_addr,
                     row_count=written if row_count is None else row_count)
        session.commit()
    except BaseException:
        resp.close()  # removes the temp file
        raise
    return resp


class SecureMixin:
    """Screen-level rights from access.VIEW_RIGHTS."""
    screen = None

    def is_accessible(self):
        return access.may_view(current_user, self.screen, access.R)

    def is_visible(self):
        return has_request_context() and self.is_accessible()

    def inaccessible_callback(self, name, **kwargs):
        return _deny()

    def _right(self, right):
        if not has_request_context():
            return True
        return access.may_view(current_user, self.screen, right)


class SecureBaseView(SecureMixin, BaseView):
    pass


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """A form_ajax_refs loader that only finds rows the current user may see."""

    def get_query(self):
        return super().get_query().filter(access.scope_filter(db.session, current_user, self.model))

    def get_one(self, pk):
        with db.session.no_autoflush:
            try:
                pk = access.parse_id(pk)
                if pk is None:
                    return None
                return self.get_query().filter(self.model.id == pk).one_or_none()
            except (TypeError, ValueError):
                return None


def scoped_loader(loader):
    """The same loader, limited to the rows the current user may see."""
    if isinstance(loader, ScopedAjaxLoader) or not isinstance(loader, QueryAjaxModelLoader):
        return loader
    return ScopedAjaxLoader(loader.name, loader.session, loader.model, **loader.options)


def scope_relation_fields(form):
    """Give every relationship dropdown of a form (inline forms included) a scoped query."""
    for field in _walk(form):
        if getattr(field, "loader", None) is not None:
            field.loader = scoped_loader(field.loader)
        if isinstance(field, QuerySelectField) and field.query_factory is not None:
            base = field.query if field.query is not None else field.query_factory()
            model = _query_model(base)
            if model is None:  # not a query we can scope: offer nothing
                field.query = []
            else:
                clause = access.scope_filter(db.session, current_user, model)
                # The row's current value stays a choice (the user sees it on the row anyway),
                # so editing another field never silently clears it.
                current = field.object_data if isinstance(field.object_data, (list, tuple)) \
                    else [field.object_data]
                keep = [getattr(o, "id", None) for o in current if o is not None]
                if keep and hasattr(model, "id"):
                    clause = or_(clause, model.id.in_(keep))
                field.query = base.filter(clause)
            field.pre_validate = _strict_pre_validate(field)
    return form


def _strict_pre_validate(field):
    """A posted id that is not among the (scoped) choices is an error, not a silent blank."""
    original = field.pre_validate

    def pre_validate(form):
        if _posted_but_not_chosen(field):
            raise ValidationError("请从列表中选择。")
        original(form)
    return pre_validate


def _posted_but_not_chosen(field):
    """Whether a posted id (field.raw_data) matched none of the field's choices.

    Flask-Admin's QuerySelectField with allow_blank turns an unknown id into a silent blank, and
    QuerySelectMultipleField drops it; "__None" is the blank choice of the single field.
    """
    posted = field.raw_data or []
    if isinstance(field, QuerySelectMultipleField):
        chosen = {str(field.get_pk(obj)) for obj in field.data or ()}
        return any(v not in chosen for v in posted)
    if not posted or not posted[0] or (field.allow_blank and posted[0] == "__None"):
        return False
    return field.data is None


def _walk(form):
    for field in form:
        yield field
        sub = getattr(field, "form", None)
        if sub is not None and sub is not form and hasattr(sub, "__iter__"):
            yield from _walk(sub)
        for entry in getattr(field, "entries", None) or ():
            yield entry
            inner = getattr(entry, "form", None)
            if inner is not None:
                yield from _walk(inner)


def _query_model(query):
    try:
        return query.column_descriptions[0]["entity"]
    except (AttributeError, IndexError, KeyError, TypeError):
        return None


def _local_formatters(base):
    """Flask-Admin's formatters with stored UTC timestamps in office time and dates as 2026-12-01."""
    out = dict(base)
    out[datetime] = lambda view, value, name=None: clock.fmt_dt(value)
    out[date] = lambda view, value, name=None: clock.fmt_date(value)
    return out


class ServiceSearchMixin:
    """The list's search box answered by a service's WHERE clause (`search_clause(text)`) instead
    of Flask-Admin's CAST ... ILIKE over column_searchable_list, which here only turns the box on.
    The list, its count and the ledger export (views/adapters list_query) all go through
    get_list, hence through this hook (tests/test_adapters.py checks its signature)."""
    search_hint = None

    def search_clause(self, text):
        raise NotImplementedError

    def _apply_search(self, query, count_query, joins, count_joins, search):
        clause = self.search_clause(search)
        if clause is not None:
            query = query.filter(clause)
            if count_query is not None:
                count_query = count_query.filter(clause)
        return query, count_query, joins, count_joins

    def search_placeholder(self):
        return self.search_hint or super().search_placeholder()


class SecureModelView(SecureMixin, ModelView):
    """A scoped ModelView: list, count, details, edit, delete, actions all see the same rows."""
    column_type_formatters = _local_formatters(typefmt.BASE_FORMATTERS)
    column_type_formatters_detail = _local_formatters(typefmt.DETAIL_FORMATTERS)
    can_export = False  # exports go through services/excel.py with the same scope
    can_view_details = True
    column_editable_list = ()  # no inline edit door
    page_size = 50
    can_set_page_size = True
    create_modal = False
    edit_modal = False
    # action name -> move name in the workflow spec (access.may_move) that the action needs (besides the screen).
    action_moves = {}

    def __init__(self, model, **kwargs):
        super().__init__(model, db.session, **kwargs)

    def scaffold_form(self):
        """Date fields as the browser's own date input (Chinese in a Chinese browser), not
        Flask-Admin's English date picker."""
        form_class = super().scaffold_form()
        for name in dir(form_class):
            unbound = getattr(form_class, name)
            if getattr(unbound, "field_class", None) is not None and issubclass(unbound.field_class, DateField):
                unbound.kwargs["widget"] = DateInput()
        return form_class

    @property
    def can_create(self):
        return self._right(access.C)

    @property
    def can_edit(self):
        return self._right(access.E)

    @property
    def can_delete(self):
        return self._right(access.D)

    # ---- rows --------------------------------------------------------------------------------
    def row_filter(self):
        """A WHERE clause for the rows this user may see (access.scope_filter for the model)."""
        return access.scope_filter(db.session, current_user, self.model)

    def get_query(self):
        q = super().get_query()
        flt = self.row_filter()
        return q.filter(flt) if flt is not None else q

    def get_count_query(self):
        q = super().get_count_query()
        flt = self.row_filter()
        return q.filter(flt) if flt is not None else q

    def get_one(self, id):
        pk = access.parse_id(id)  # None for garbage or an id the database cannot hold
        if pk is None:
            return None
        return self.get_query().filter(self.model.id == pk).one_or_none()

    def scoped_ids(self, ids):
        """Re-check raw ids posted to an action against the rows this user may see."""
        wanted = [pk for pk in (access.parse_id(raw) for raw in ids) if pk is not None]
        if not wanted:
            return []
        return [m.id for m in self.get_query().filter(self.model.id.in_(wanted))]

    # ---- paging: a page number from the URL never reaches the database unchecked ---------------
    # Rows counted at most for the pager (None: the exact count); above it the list shows
    # "10000+" and a pager without a last page (render). Flask-Admin's own count query is off
    # (simple_list_pager): the count is taken from the list query itself (get_list).
    count_limit = COUNT_LIMIT

    @property
    def simple_list_pager(self):
        return self.count_limit is not None

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        page = args.page or 0
        if not 0 <= page <= MAX_PAGE:
            args = args.clone(page=min(max(page, 0), MAX_PAGE))
        return args

    def count_rows(self, query, limit=None):
        """How many rows the list `query` (filtered, any order and paging) holds; with `limit`,
        counted up to limit + 1 rows and AtLeast(limit) when there are more."""
        rows = query.limit(None).offset(None).order_by(None).with_entities(*sa_inspect(self.model).primary_key)
        if limit is not None:
            rows = rows.limit(limit + 1)
        count = db.session.execute(select(func.count()).select_from(rows.subquery())).scalar() or 0
        return AtLeast(limit) if limit is not None and count > limit else count

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """A page beyond the last one shows the last page (never a huge OFFSET); the count stops at
        count_limit."""
        page = min(max(page or 0, 0), MAX_PAGE)
        count, query = super().get_list(page, sort_column, sort_desc, search, filters,
                                        execute=False, page_size=page_size)
        size = self.page_size if page_size is None else page_size
        if self.count_limit is not None:
            count, query = self.bounded_page(query, page, size, sort_column, sort_desc)
        elif count is not None and size and page:
            last = max(0, (count - 1) // size)
            if page > last:
                query = query.limit(size).offset(last * size)
        if execute:
            query = query.all()
        return count, query

    def bounded_page(self, query, page, size, sort_column, sort_desc):
        """(count up to count_limit, the page's query) for the list `query` (Flask-Admin's:
        filtered, sorted, paged). A view may read its page another way once it knows the count."""
        return self.page_of(query, self.count_rows(query, self.count_limit), page, size)

    def page_of(self, query, count, page, size):
        """(count, query) with a page past the end moved to the last page. Past a bounded count
        (AtLeast) the page is looked for; only when it is empty is the list counted in full."""
        if not size or not page:
            return count, query
        if isinstance(count, AtLeast):
            if page * size < count or query.first() is not None:
                return count, query
            count = self.count_rows(query)
        last = max(0, (count - 1) // size)
        if page > last:
            query = query.limit(size).offset(last * size)
        return count, query

    def render(self, template, **kwargs):
        count = kwargs.get("count")
        if isinstance(count, AtLeast) and kwargs.get("num_pages") is not None:
            # A pager without a last page: a few pages ahead (up to those the count vouches
            # for), and always the next one while this page is full.
            page, size = kwargs.get("page") or 0, kwargs.get("page_size") or self.page_size
            known = -(-int(count) // size)
            ahead = page + (2 if len(kwargs.get("data") or ()) >= size else 1)
            kwargs["num_pages"] = max(ahead, min(known, page + 4))
        return super().render(template, **kwargs)

    # ---- forms ---------------------------------------------------------------------------------
    def _create_ajax_loader(self, name, options):
        return scoped_loader(create_ajax_loader(self.model, self.session, name, name, options))

    def create_form(self, obj=None):
        return scope_relation_fields(super().create_form(obj))

    def edit_form(self, obj=None):
        return scope_relation_fields(super().edit_form(obj))

    # ---- doors ---------------------------------------------------------------------------------
    # Doors that must refuse, not merely hide a button. Overrides need @expose again, or
    # Flask-Admin silently drops the route.
    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        if not self.can_create:
            abort(403)
        return super().create_view()

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        if not self.can_edit:
            abort(403)
        self._require_row()
        return super().edit_view()

    @expose("/details/")
    def details_view(self):
        self._require_row()
        return super().details_view()

    @expose("/delete/", methods=("POST",))
    def delete_view(self):
        if not self.can_delete:
            abort(403)
        if self.get_one(request.form.get("id")) is None:
            abort(404)
        return super().delete_view()

    @expose("/action/", methods=("POST",))
    def action_view(self):
        form = self.action_form()
        if not self.validate_form(form):
            abort(400)
        name = form.action.data
        handler = self._actions_data.get(name)
        if handler is None or not self.is_action_allowed(name):
            abort(403)
        raw = request.form.getlist("rowid")
        ids = self.scoped_ids(raw)
        if not ids or len(set(ids)) != len({str(r).strip() for r in raw}):
            abort(404)  # an id out of reach (or garbage): nothing runs
        response = handler[0]([str(i) for i in ids])
        if response is not None:
            return response
        return redirect(get_redirect_target() or self.get_url(".index_view"))

    def is_action_allowed(self, name):
        if not has_request_context():
            return super().is_action_allowed(name)
        if name == "delete" and not self.can_delete:
            return False
        move = self.action_moves.get(name)
        if move is not None and not access.may_move(db.session, current_user, move):
            return False
        return super().is_action_allowed(name)

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self):
        abort(403)

    @expose("/ajax/lookup/")
    def ajax_lookup(self):
        name = request.args.get("name")
        loader = self._form_ajax_refs.get(name) if name else None
        if loader is None:
            abort(404)
        if not (self.can_create or self.can_edit):
            abort(403)
        self._form_ajax_refs[name] = loader = scoped_loader(loader)
        if not isinstance(loader, ScopedAjaxLoader):
            abort(403)  # a loader we cannot scope stays closed
        return super().ajax_lookup()

    @expose("/export/<export_type>/")
    def export(self, export_type):
        abort(404)

    def _require_row(self):
        id_ = request.args.get("id")
        if id_ is not None and self.get_one(id_) is None:
            abort(404)


_UNSAFE_IN_NAMES = '\\/:*?"<>|\r\n\t'
MAX_NAME_PART = 24


def xlsx_name(title, *parts, day=None):
    """A download name that tells what is inside: 信访事项台账_超期_县住建局_20261201.xlsx
    (empty parts left out; characters a file system refuses dropped; each part kept short)."""
    def clean(text):
        text = "".join(ch for ch in str(text) if ch not in _UNSAFE_IN_NAMES).strip().replace(" ", "")
        return text[:MAX_NAME_PART]
    day = day or clock.today()
    kept = [p for p in (clean(p) for p in (title, *parts) if p) if p]
    return "_".join(kept + [f"{day:%Y%m%d}"]) + ".xlsx"
