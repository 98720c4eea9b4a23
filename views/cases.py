from flask import abort, has_app_context, has_request_context, redirect, render_template, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import not_, select
from sqlalchemy.orm import joinedload, selectinload

from models import Case, CaseEvent, Department, db
from models.enums import CATEGORIES, CHANNELS, PURPOSES, STATUSES
from services import access, audit, deadlines, search
from views.base import AtLeast, SecureModelView, ServiceSearchMixin
from views.exports import LedgerExportMixin
from views.filters import AssessmentFilter, TodoFilter, fmt_due, printed_at, request_calendar
from views.pages import case_page


# ---- list filters ------------------------------------------------------------------------------

class ChoiceFilter(BaseSQLAFilter):
    """Equals one of a fixed set of coded values (shown by their Chinese labels)."""

    def validate(self, value):
        return value in dict(self.get_options(None) or ())

    def apply(self, query, value, alias=None):
        return query.filter(self.get_column(alias) == value)

    def operation(self):
        return "等于"


def _department_options():
    if not has_app_context():
        return []
    try:
        rows = db.session.execute(select(Department.id, Department.name)
                                  .order_by(Department.sort_order, Department.id)).all()
    except Exception:  # noqa: BLE001 - no schema yet (start-up before create_all)
        db.session.rollback()
        return []
    return [(str(i), name) for i, name in rows]


class DepartmentFilter(BaseSQLAFilter):
    """责任单位: options read from the table at request time (not frozen at start-up)."""

    options = property(lambda self: _department_options(), lambda self, value: None)

    def validate(self, value):
        return access.parse_id(value) is not None

    def clean(self, value):
        return access.parse_id(value)

    def apply(self, query, value, alias=None):
        return query.filter(Case.department_id == access.parse_id(value))

    def operation(self):
        return "等于"


class _ClockFilter(BaseSQLAFilter):
    yes_no = [("1", "是"), ("0", "否")]

    def __init__(self, name):
        super().__init__(Case.handle_due, name, options=self.yes_no)

    def validate(self, value):
        return value in ("1", "0")

    def clause(self):
        raise NotImplementedError

    def apply(self, query, value, alias=None):
        clause = self.clause()
        return query.filter(clause if value == "1" else not_(clause))

    def operation(self):
        return "为"


class OverdueFilter(_ClockFilter):
    def clause(self):
        return deadlines.overdue_clause()


class DueSoonFilter(_ClockFilter):
    def clause(self):
        return deadlines.due_soon_filter(db.session)


# ---- columns -------------------------------------------------------------------------------------

def _days_left(view, context, model, name):
    state = case_page.primary_state(db.session, model, request_calendar())
    if state is None:
        return ""
    text = {"overdue": "超期", "due_soon": "临期"}.get(state.state)
    days = f"超{-state.days_left}天" if state.days_left < 0 else f"{state.days_left}天"
    if text:
        return Markup('<span class="badge badge-{}" title="{}">{} {}</span>').format(
            state.state, state.label, text, days)
    return Markup('<span class="days-left" title="{}">{}</span>').format(state.label, days)


def _to_moves(move):
    def run(self, ids):
        return redirect(url_for("moves.bulk_view", move=move, ids=",".join(str(i) for i in ids)))
    return run


class CaseView(ServiceSearchMixin, LedgerExportMixin, SecureModelView):
    screen = "case"
    can_edit = False
    can_delete = False
    details_template = "cases/details.html"
    list_template = "cases/list.html"
    column_list = ("number", "received_on", "channel", "purpose", "category", "summary",
                   "department", "status", "handle_due", "days_left")
    column_labels = {
        "number": "编号", "received_on": "收件日期", "channel": "信访形式", "purpose": "类别",
        "category": "问题分类", "summary": "内容摘要", "department": "责任单位", "status": "状态",
        "handle_due": "办理期限", "department.name": "责任单位", "incident_place": "问题属地",
        "query_code": "查询码", "is_collective": "集体访", "is_repeat": "重复访",
        "days_left": "剩余天数", "closed_on": "办结日期",
    }
    column_default_sort = ("id", True)
    column_sortable_list = ("number", "received_on", "status", "handle_due")
    # The search box (services/search.py): these and 交办文号, 档号, and the parties: name, pinyin
    # or initials, ID number or its last 4+ characters, phone, within reach and confidentiality.
    column_searchable_list = ("number", "query_code", "summary", "incident_place")
    search_hint = "编号, 查询码, 姓名/拼音/首字母, 证件号或电话(可输后4位), 文号, 档号, 摘要"
    column_filters = (
        ChoiceFilter(Case.status, "状态", options=list(STATUSES.items())),
        DepartmentFilter(Case.department_id, "责任单位"),
        ChoiceFilter(Case.purpose, "类别", options=list(PURPOSES.items())),
        ChoiceFilter(Case.category, "问题分类", options=[(c, c) for c in CATEGORIES]),
        ChoiceFilter(Case.channel, "信访形式", options=list(CHANNELS.items())),
        OverdueFilter("超期"),
        DueSoonFilter("临期"),
        "received_on", "handle_due", "is_collective", "is_repeat",
        TodoFilter(Case.status, "待办"), "closed_on", AssessmentFilter(Case.id, "考核明细"),
    )
    column_choices = {
        "status": list(STATUSES.items()),
        "channel": list(CHANNELS.items()),
        "purpose": list(PURPOSES.items()),
        "category": [(c, c) for c in CATEGORIES],
    }
    column_formatters = {
        "summary": lambda v, c, m, n: (m.summary[:40] + "…") if len(m.summary or "") > 40 else m.summary,
        "number": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(
            v.get_url(".details_view", id=m.id), m.number),
        "days_left": _days_left,
        "handle_due": lambda v, c, m, n: fmt_due(m.handle_due),
    }
    # list actions -> the move each needs (views.base.SecureModelView.is_action_allowed)
    action_moves = {"bulk_assign": "assign", "bulk_transfer": "transfer", "bulk_supervise": "supervise"}

    def row_filter(self):
        return access.case_filter(db.session, current_user)

    def search_clause(self, text):
        return search.case_search_clause(db.session, current_user, text)

    def bounded_page(self, query, page, size, sort_column, sort_desc):
        """On SQLite: past count_limit the list is long and its page is walked in order (the walk
        meets 50 rows of it soon; in id order even where a filter has an index). Under it the list
        is short: its ids and sort keys are read through whatever indexes the reach and filters
        offer, sorted here, and the page read by its ids. Asked to sort, the planner would walk the
        whole table in id or due order looking for the few rows of a small department (issue 17:
        10 cases of 1,000,000 took 2 s)."""
        if db.session.get_bind().dialect.name != "sqlite" or not size:
            return super().bounded_page(query, page, size, sort_column, sort_desc)
        if sort_column is not None and sort_column in self._sortable_columns:
            column, desc = self._sortable_columns[sort_column], sort_desc
        else:
            name, desc = self.column_default_sort
            column = getattr(Case, name)
        limit = self.count_limit
        count = self.count_rows(query, limit)
        if isinstance(count, AtLeast):
            if column is Case.id:
                # The walk in id order, even where a filter has an index (超期: the planner would
                # read every overdue case of the office and sort them to show 50 of a reach).
                query = query.with_hint(Case, "NOT INDEXED", "sqlite")
            return self.page_of(query, count, page, size)
        rows = query.limit(None).offset(None).order_by(None).with_entities(Case.id, column).limit(limit + 1).all()
        if len(rows) > limit:  # grew since the count
            return self.page_of(query, AtLeast(limit), page, size)
        # SQLite's order: NULL first ascending, last descending; ties by id the same way.
        rows.sort(key=lambda r: (r[1] is not None, r[1], r[0]), reverse=bool(desc))
        page = min(page or 0, max(0, (len(rows) - 1) // size))
        ids = [r[0] for r in rows[page * size:(page + 1) * size]]
        keys = [column] if column is Case.id else [column, Case.id]
        query = query.limit(None).offset(None).order_by(None).filter(Case.id.in_(ids)).order_by(
            *(k.desc() if desc else k for k in keys))
        return len(rows), query

    def _get_filter_groups(self):
        # Department options come from the table: rebuild the filter groups per request.
        if has_request_context():
            self._refresh_filters_cache()
        return super()._get_filter_groups()

    action_bulk_assign = action("bulk_assign", "批量交办")(_to_moves("assign"))
    action_bulk_transfer = action("bulk_transfer", "批量改派")(_to_moves("transfer"))
    action_bulk_supervise = action("bulk_supervise", "批量督办")(_to_moves("supervise"))

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        # Registration is its own one-screen form (views/registration.py).
        if not self.can_create:
            abort(403)
        return redirect(url_for("register.index"))

    def _case_page_case(self, raw_id):
        """The case with what its page shows, in two statements (case_page.build reads no
        section on its own): the case with its parties, files, 配合单位, handler and reviews
        joined, then its timeline with each actor."""
        pk = access.parse_id(raw_id)
        if pk is None:
            return None
        case = self.get_query().options(
            joinedload(Case.parties), joinedload(Case.attachments), joinedload(Case.assists),
            joinedload(Case.review_cases), joinedload(Case.handler), joinedload(Case.close_approved_by),
            joinedload(Case.hearings),  # rare: joined costs no statement where there is none
            selectinload(Case.events).joinedload(CaseEvent.actor),
        ).filter(Case.id == pk).one_or_none()
        if case is not None:  # found through the scoped query: in reach (no second check per move)
            access.remember_seen(db.session, current_user, case)
        return case

    @expose("/details/")
    def details_view(self):
        case = self._case_page_case(request.args.get("id"))
        if case is None:
            abort(404)
        if audit.case_opened(db.session, current_user, case, ip=request.remote_addr) is not None:
            db.session.commit()
        page = case_page.build(db.session, current_user, case)
        return self.render(self.details_template, case=case, page=page,
                           return_url=self.get_url(".index_view"))

    @expose("/print/")
    def print_view(self):
        """The case page for paper (A4): no menus or buttons, the office name, page numbers."""
        case = self.get_one(request.args.get("id"))
        if case is None:
            abort(404)
        if audit.case_opened(db.session, current_user, case, ip=request.remote_addr) is not None:
            db.session.commit()
        page = case_page.build(db.session, current_user, case)
        return render_template("cases/print.html", case=case, page=page, title=f"信访事项 {case.number}",
                               printed_at=printed_at())


def register(admin):
    admin.add_view(CaseView(Case, name="信访事项", endpoint="case", category=None))
