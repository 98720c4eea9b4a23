"""Flask-Admin (2.2.1) internals the views need, in one place.

Checked against the public API of flask_admin.base.Admin and flask_admin.model.BaseModelView:
- the views an Admin holds: only the private list `Admin._views`. `Admin.menu()` wraps each view in
  a MenuView that keeps it in the private `_view`, and its `get_children()` hides what the current
  user may not open; blueprints do not point back to their view.
- a list page's request arguments (page, sort, search, filters) as the list itself parses them:
  only `_get_list_extra_args()` and `_get_column_by_idx()` (Flask-Admin's own export uses both).
  The query itself goes through the public `get_list(..., execute=False)`.
tests/test_adapters.py checks each assumption and names the one an upgrade broke.
"""


def registered_views(admin):
    """Every view added to `admin` (the index view first), in the order they were added."""
    return list(admin._views)


def view_by_endpoint(admin, endpoint):
    """The view registered under `endpoint`, or None."""
    return next((v for v in registered_views(admin) if v.endpoint == endpoint), None)


def list_arguments(view):
    """(ViewArgs, sort column or None) of the current request, parsed as the list page parses them."""
    args = view._get_list_extra_args()
    sort = view._get_column_by_idx(args.sort)
    return args, (sort[0] if sort is not None else None)


def list_query(view):
    """(query, ViewArgs): the list page's query (scope, search, filters, sort) without paging."""
    args, sort_column = list_arguments(view)
    _count, query = view.get_list(None, sort_column, args.sort_desc, args.search, args.filters,
                                  execute=False, page_size=0)
    return query, args
