"""The library internals the project relies on (views/adapters/, services/adapters/, the
protected Flask-Admin hooks SecureModelView overrides) still behave as assumed.

Each failure names the library, the version installed and the assumption an upgrade broke, so the
fix starts in the right adapter instead of in a failing page test.
"""
import inspect
from contextlib import nullcontext
from importlib.metadata import version

import pytest
from flask import Flask
from flask_admin import Admin, BaseView, expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import create_ajax_loader
from flask_admin.contrib.sqla.fields import QuerySelectField, QuerySelectMultipleField
from flask_admin.form import BaseForm
from sqlalchemy import Column, ForeignKey, Integer, String, create_engine
from sqlalchemy.orm import declarative_base, relationship, scoped_session, sessionmaker
from werkzeug.datastructures import MultiDict
from wtforms.validators import ValidationError

from services.adapters import xlsx_internals
from views.adapters import admin_internals
from views.base import ScopedAjaxLoader, _posted_but_not_chosen, scoped_loader

FLASK_ADMIN = f"Flask-Admin {version('Flask-Admin')}"
WTFORMS = f"WTForms {version('WTForms')}"
XLSXWRITER = f"XlsxWriter {version('XlsxWriter')}"

Base = declarative_base()


class Thing(Base):
    __tablename__ = "thing"
    id = Column(Integer, primary_key=True)
    name = Column(String(20))


class Holder(Base):
    __tablename__ = "holder"
    id = Column(Integer, primary_key=True)
    thing_id = Column(Integer, ForeignKey("thing.id"))
    thing = relationship(Thing)


class ThingView(ModelView):
    column_searchable_list = ("name",)
    column_filters = ("name",)
    column_sortable_list = ("name",)
    page_size = 2

    @action("touch", "标记")
    def action_touch(self, ids):
        return None


class Plain(BaseView):
    @expose("/")
    def index(self):
        return "plain"


@pytest.fixture
def tiny():
    """A Flask app with Flask-Admin, a plain view and a ModelView on an in-memory table."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    session = scoped_session(sessionmaker(bind=engine))
    session.add_all([Thing(name=n) for n in ("b", "a", "c")])
    session.commit()
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "x"
    admin = Admin(app)
    plain, things = Plain(name="plain", endpoint="plain"), ThingView(Thing, session, endpoint="thing")
    admin.add_views(plain, things)
    yield app, admin, plain, things, session
    session.remove()
    engine.dispose()


def _has_method(cls, name, params):
    method = getattr(cls, name, None)
    assert callable(method), f"{FLASK_ADMIN}: {cls.__name__}.{name}() is gone"
    got = list(inspect.signature(method).parameters)[1:len(params) + 1]
    assert got == list(params), f"{FLASK_ADMIN}: {cls.__name__}.{name}{tuple(params)} now takes {got}"


# ---- Flask-Admin: views/adapters/admin_internals.py -------------------------------------------

def test_flask_admin_lists_its_views_in_admin__views(tiny):
    _app, admin, plain, things, _session = tiny
    assert isinstance(getattr(admin, "_views", None), list), \
        f"{FLASK_ADMIN}: Admin._views is no longer a list (admin_internals.registered_views)"
    assert admin_internals.registered_views(admin) == [admin.index_view, plain, things], \
        f"{FLASK_ADMIN}: Admin._views no longer holds the index view and the added views in order"
    assert admin_internals.view_by_endpoint(admin, "thing") is things
    assert admin_internals.view_by_endpoint(admin, "nope") is None


def test_flask_admin_parses_list_arguments_and_builds_the_unpaged_list_query(tiny):
    app, _admin, _plain, things, _session = tiny
    _has_method(ModelView, "_get_list_extra_args", ())
    _has_method(ModelView, "_get_column_by_idx", ("idx",))
    _has_method(ModelView, "get_list", ("page", "sort_column", "sort_desc", "search", "filters",
                                        "execute", "page_size"))
    flt = f"flt0_{things.get_filter_arg(0, things._filters[0])}"
    with app.test_request_context(f"/admin/thing/?search=a&sort=0&desc=1&{flt}=zz"):
        args, sort_column = admin_internals.list_arguments(things)
        assert (args.search, args.sort, args.sort_desc) == ("a", 0, True), \
            f"{FLASK_ADMIN}: _get_list_extra_args() no longer reads search/sort/desc from the URL"
        assert [(i, v) for i, _name, v in args.filters] == [(0, "zz")], \
            f"{FLASK_ADMIN}: _get_list_extra_args() no longer returns filters as (index, name, value)"
        assert sort_column == "name", f"{FLASK_ADMIN}: _get_column_by_idx() no longer returns (column, name)"
    with app.test_request_context("/admin/thing/?sort=0"):
        query, _args = admin_internals.list_query(things)
        assert [t.name for t in query] == ["a", "b", "c"], \
            f"{FLASK_ADMIN}: get_list(execute=False, page_size=0) no longer returns the whole sorted query"
    with app.test_request_context("/admin/thing/?search=a"):
        query, _args = admin_internals.list_query(things)
        assert [t.name for t in query] == ["a"], f"{FLASK_ADMIN}: get_list() no longer applies the search"


def test_flask_admin_searches_through_apply_search(tiny):
    """views.base.ServiceSearchMixin: the list, its count and list_query (exports) search through
    _apply_search, and the box's placeholder comes from search_placeholder()."""
    from views.base import ServiceSearchMixin

    app, admin, _plain, _things, session = tiny

    class ServiceThings(ServiceSearchMixin, ThingView):
        search_hint = "名称或拼音"

        def search_clause(self, text):
            return Thing.name == {"bee": "b"}.get(text, text)

    view = ServiceThings(Thing, session, endpoint="service_thing")
    admin.add_view(view)
    with app.test_request_context("/admin/service_thing/?search=bee"):
        query, _args = admin_internals.list_query(view)
        assert [t.name for t in query] == ["b"], f"{FLASK_ADMIN}: get_list() no longer calls _apply_search"
        count, rows = view.get_list(0, None, False, "bee", None)
        assert (count, [t.name for t in rows]) == (1, ["b"]), \
            f"{FLASK_ADMIN}: the list's count no longer goes through _apply_search"
        assert view.search_placeholder() == "名称或拼音"
    assert "search_placeholder=self.search_placeholder()" in inspect.getsource(ModelView.index_view), \
        f"{FLASK_ADMIN}: the list page no longer asks search_placeholder() for the box's placeholder"


def test_flask_admin_protected_members_secure_model_view_overrides_or_reads(tiny):
    """views/base.py, views/cases.py, views/archive.py, views/dashboard.py and the access matrix
    override or read these; an upgrade that renames one silently drops a guard."""
    _app, _admin, _plain, things, _session = tiny
    _has_method(ModelView, "_create_ajax_loader", ("name", "options"))
    _has_method(ModelView, "_get_filter_groups", ())
    _has_method(ModelView, "_refresh_filters_cache", ())
    # views.base.ServiceSearchMixin answers the search box through this hook
    _has_method(ModelView, "_apply_search", ("query", "count_query", "joins", "count_joins", "search"))
    _has_method(ModelView, "search_placeholder", ())
    with _app.test_request_context("/admin/thing/"):
        for name in ("_filters", "_actions", "_actions_data", "_form_ajax_refs", "_template_args"):
            assert hasattr(things, name), f"{FLASK_ADMIN}: ModelView.{name} is gone"
    assert isinstance(things._form_ajax_refs, dict), \
        f"{FLASK_ADMIN}: ModelView._form_ajax_refs is no longer a dict of loaders by name"
    assert ("touch", "标记") in things._actions and things._actions_data["touch"][0] == things.action_touch, \
        f"{FLASK_ADMIN}: ModelView._actions / _actions_data['name'][0] no longer list actions and their handlers"
    with _app.test_request_context("/admin/thing/?page=3"):
        args = things._get_list_extra_args()
        assert args.clone(page=1).page == 1, f"{FLASK_ADMIN}: ViewArgs.clone(page=...) is gone"
    # overridden doors keep the names Flask-Admin routes to
    for door in ("create_view", "edit_view", "details_view", "delete_view", "action_view",
                 "ajax_update", "ajax_lookup", "export", "index_view"):
        assert callable(getattr(ModelView, door, None)), f"{FLASK_ADMIN}: ModelView.{door} is gone"


# ---- Flask-Admin loaders and fields: views/base.py (public API only) --------------------------

def test_scoped_loader_is_built_through_the_public_constructor(tiny):
    session = tiny[-1]
    loader = create_ajax_loader(Holder, session, "thing", "thing", {"fields": ["name"], "placeholder": "选择"})
    scoped = scoped_loader(loader)
    assert isinstance(scoped, ScopedAjaxLoader)
    assert (scoped.name, scoped.model, scoped.session, scoped.options, scoped.pk) == \
        (loader.name, loader.model, loader.session, loader.options, loader.pk), \
        f"{FLASK_ADMIN}: QueryAjaxModelLoader(name, session, model, **options) no longer rebuilds a loader"
    assert scoped_loader(scoped) is scoped


def _form(field_class, posted, **kwargs):
    things = [type("T", (), {"id": i, "__str__": lambda s: f"t{s.id}"})() for i in (1, 2)]

    class F(BaseForm):
        pick = field_class(query_factory=lambda: things, get_pk=lambda t: t.id, **kwargs)

    return F(MultiDict(posted)).pick


@pytest.mark.parametrize("posted, unmatched", [
    ([], False), ([("pick", "")], False), ([("pick", "__None")], False),
    ([("pick", "2")], False), ([("pick", "9")], True),
])
def test_single_query_select_posted_id_not_among_choices(posted, unmatched):
    field = _form(QuerySelectField, posted, allow_blank=True)
    assert [v for v, *_ in field.iter_choices()][0] == "__None", \
        f"{FLASK_ADMIN}: QuerySelectField's blank choice is no longer '__None' (views/base.py)"
    assert field.raw_data == [v for _k, v in posted], f"{WTFORMS}: Field.raw_data is no longer the posted list"
    assert _posted_but_not_chosen(field) is unmatched


@pytest.mark.parametrize("posted, unmatched", [
    ([], False), ([("pick", "1"), ("pick", "2")], False), ([("pick", "1"), ("pick", "9")], True),
    ([("pick", "")], True),
])
def test_multiple_query_select_posted_id_not_among_choices(posted, unmatched):
    field = _form(QuerySelectMultipleField, posted)
    assert _posted_but_not_chosen(field) is unmatched
    if posted:  # Flask-Admin refuses the same posts itself (in English); ours answers first
        with pytest.raises(ValidationError) if unmatched else nullcontext():
            field.pre_validate(None)


# ---- XlsxWriter: services/adapters/xlsx_internals.py ------------------------------------------

def test_xlsxwriter_writes_merges_recorded_in_worksheet_merge(tmp_path):
    import openpyxl
    import xlsxwriter

    path = tmp_path / "m.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet()
    assert isinstance(getattr(ws, "merge", None), list), \
        f"{XLSXWRITER}: Worksheet.merge is no longer the list of merged ranges (xlsx_internals.record_merge)"
    ws.write_string(0, 0, "上")
    ws.write_string(0, 1, "右上")
    ws.write_blank(1, 0, None)
    ws.write_string(1, 1, "右下")
    xlsx_internals.record_merge(ws, 0, 0, 1, 0)
    wb.close()
    sheet = openpyxl.load_workbook(path).active
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:A2"], \
        f"{XLSXWRITER}: a range appended to Worksheet.merge is no longer written as <mergeCell>"
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["上", "右上"], [None, "右下"]]
