"""待办 (services/todo.py, views/todo.py): every role's lines on the demo office, each count equal to
the list it opens and to a count made here from the data another way; a hand-made office counted
by hand; reach; the extension request that is decided or withdrawn; the approval forms."""
import re
from datetime import date, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from models import (ArchiveLoan, ArchiveRecord, Case, CaseEvent, CaseParty, PackageAssignment, Party, ScreeningReport,
                    ReceptionSchedule, User, db)
from services import access, deadlines, todo, workflow
from services.clock import OFFICE_TZ
from tests.conftest import DEMO_TODAY
from tests.factories import leaders_office, make_dept, make_user
from tests.services.test_workflow import make_case

ROLE_USERS = ("clerk", "handler1", "handler2", "handler3", "leader", "leader2", "leader3", "archivist")


def text(resp):
    return resp.get_data(as_text=True)


def todo_page(client, url="/admin/todo/"):
    """{line key: (count, url or None)} and {line key: [(part label, count, url)]} as a page shows them."""
    page = text(client.get(url))
    lines, parts = {}, {}
    for key, body in re.findall(r'<li class="[^"]*" id="todo-(\w+)">(.*?)(?=<li class="[^"]*" id="todo-|</ul>\s*</div>)',
                                page, re.S):
        m = re.search(r'<(?:a|span) class="badge [^"]*todo-count"(?: href="([^"]+)")?>(\d+)<', body)
        lines[key] = (int(m.group(2)), m.group(1).replace("&amp;", "&") if m.group(1) else None)
        parts[key] = [(lbl.strip(), int(n), (u or "").replace("&amp;", "&") or None) for lbl, u, n in re.findall(
            r'<li class="todo-part">([^<]*)<(?:a|span) class="badge [^"]*todo-count"(?: href="([^"]+)")?>(\d+)<',
            body)]
    return lines, parts


def menu_count(client):
    """The 待办 menu's number as static/js/todo-badge.js shows it: the count endpoint's answer, or the
    total the page's own 待办 card carries."""
    resp = client.get("/admin/todo/count/")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    assert set(resp.get_json()) == {"count"}
    card = re.search(r'data-todo-total="(\d+)"', text(client.get("/admin/")))
    assert card is None or int(card.group(1)) == resp.get_json()["count"]
    return resp.get_json()["count"]


def list_total(client, url):
    """The row count a Flask-Admin list shows in its active tab: “列表 (N)”."""
    return int(re.search(r'nav-link active">[^<(]*\((\d+)\)', text(client.get(url))).group(1))


def listed_numbers(client, url, numbers):
    """The case numbers a (filtered) case list shows, over all its pages."""
    seen, page = set(), 0
    while True:
        sep = "&" if "?" in url else "?"
        html = text(client.get(f"{url}{sep}page={page}&page_size=100"))
        found = {n for n in re.findall(r'>([^<>\s]+)</a>', html) if n in numbers}
        if not found - seen:
            return seen
        seen |= found
        page += 1


def user(username):
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


# ---- the demo office: each count equals its list and a count made here ------------------------------

def _local_day(at):
    return at.replace(tzinfo=timezone.utc).astimezone(OFFICE_TZ).date()


def expected_by_hand(session, u, today=DEMO_TODAY):
    """The 待办 of one demo user, computed here case by case in Python: the moves through
    workflow.can_move, the clocks through deadlines.running_dues, the events read one by one.
    {line key: set of case numbers (or a count for loans, packages, reception days)}."""
    cases = list(session.execute(select(Case).where(access.case_filter(session, u))).scalars())
    evs = {}
    for e in session.execute(select(CaseEvent).order_by(CaseEvent.id)).scalars():
        evs.setdefault(e.case_id, []).append(e)
    cal = deadlines.load_calendar(session)
    cutoff = deadlines.due_soon_cutoff(cal, today, deadlines.due_soon_days(session))
    week_start = today - timedelta(days=today.weekday())
    branch = access.dept_subtree_ids(session, u.department_id)

    def recent(c, *actions):
        return any(e.action in actions and (today - _local_day(e.at)).days < todo.WINDOW_DAYS
                   for e in evs.get(c.id, []))

    def had(c, action):
        return any(e.action == action for e in evs.get(c.id, []))

    def overdue(c):
        return any(due < today for _clock, due in deadlines.running_dues(c))

    def due_soon(c):
        return any(today <= due <= cutoff for _clock, due in deadlines.running_dues(c))

    def numbers(cond):
        return {c.number for c in cases if cond(c)}

    mine = lambda c: c.department_id in branch  # noqa: E731
    reports = list(session.execute(select(ScreeningReport)).scalars())
    at_work = ("assigned", "handling")
    open_ = ("registered", "accepted", "assigned", "handling", "replied", "closing")
    if u.role == "handler":
        return {
            "sign_for": numbers(lambda c: c.status == "assigned" and workflow.can_move(session, u, c, "sign_for")),
            "supervised": numbers(lambda c: c.status in at_work and mine(c) and recent(c, "supervise")),
            "instructed": numbers(lambda c: c.status in open_ and mine(c) and recent(c, "instruction")),
            "extension_decided": numbers(lambda c: c.status in open_ and mine(c)
                                         and recent(c, "extend_approve", "extend_deny")),
            "redo": numbers(lambda c: c.status == "handling" and mine(c) and had(c, "close_reject")),
            "mine_due_soon": numbers(lambda c: mine(c) and due_soon(c)),
            "mine_overdue": numbers(lambda c: mine(c) and overdue(c)),
            # the unit's screening reports not yet submitted, and those the office reminded (催报)
            "screening_pending": sum(1 for r in reports if r.department_id in branch and r.submitted_on is None),
            "screening_reminded": sum(1 for r in reports if r.department_id in branch and r.submitted_on is None
                                      and r.reminders),
        }
    if u.role == "leader":
        loans = session.execute(select(ArchiveLoan).where(ArchiveLoan.status == "requested")).scalars()
        pkgs = list(session.execute(select(PackageAssignment).where(PackageAssignment.leader_id == u.id)).scalars())
        days = session.execute(select(ReceptionSchedule).where(ReceptionSchedule.leader_id == u.id)).scalars()
        return {
            "extend_decide": numbers(lambda c: workflow.can_move(session, u, c, "extend_decide")),
            "hearing_decide": numbers(lambda c: workflow.can_move(session, u, c, "hearing_decide")),
            "close_decide": numbers(lambda c: workflow.can_move(session, u, c, "close_decide")),
            "loans_to_decide": sum(1 for ln in loans if ln.borrower_id != u.id
                                   and access.may_decide_loan(session, u, ln)),
            "packages_to_accept": sum(1 for p in pkgs if p.status == "proposed"),
            "packages_due": sum(1 for p in pkgs if p.status in ("proposed", "active") and p.deadline <= cutoff),
            "receptions": sum(1 for d in days if d.status != "cancelled"
                              and week_start <= d.day <= week_start + timedelta(days=6)),
        }
    if u.role == "clerk":
        return {
            "registered": numbers(lambda c: c.status == "registered"),
            "notice_due": numbers(lambda c: any(clock == "accept" and due <= cutoff
                                                for clock, due in deadlines.running_dues(c))),
            "to_assign": numbers(lambda c: c.status == "accepted" and not had(c, "return")),
            "returned": numbers(lambda c: c.status == "accepted" and had(c, "return")),
            "replied": numbers(lambda c: c.status == "replied"),
            "overdue": numbers(overdue),
        }
    if u.role == "archivist":
        loans = session.execute(select(ArchiveLoan).where(ArchiveLoan.status == "approved")).scalars()
        return {
            "unfiled": numbers(lambda c: c.status == "closed"),
            "loans_due": sum(1 for ln in loans if ln.returned_on is None and ln.due_back <= cutoff),
        }
    return {}


@pytest.mark.parametrize("username", ROLE_USERS)
def test_every_line_counts_what_its_list_shows_and_what_the_data_says(session, make_client, username):
    u = user(username)
    expected = expected_by_hand(session, u)
    all_numbers = set(session.execute(select(Case.number)).scalars())
    client = make_client(username)
    lines, _parts = todo_page(client)
    assert list(lines) == list(expected)
    for key, (count, url) in lines.items():
        want = expected[key]
        assert count == (len(want) if isinstance(want, set) else want), key
        if not count:
            assert url is None, key  # nothing to open
            continue
        assert url, key
        if isinstance(want, set):
            assert list_total(client, url) == count, key
            assert listed_numbers(client, url, all_numbers) == want, key
        elif url.startswith("/admin/loan/"):
            assert list_total(client, url) == count, key
    # The menu's number (filled in from the count endpoint) is the sum of the lines.
    total = sum(n for n, _u in lines.values())
    assert menu_count(client) == total


def test_the_demo_office_has_something_waiting_for_every_role(session):
    """So that the test above checks real lists, not empty ones."""
    for username in ("clerk", "handler1", "leader", "archivist"):
        assert sum(len(v) if isinstance(v, set) else v
                   for v in expected_by_hand(session, user(username)).values()), username


def test_breakdowns_by_month_and_by_department(session, make_client):
    client = make_client("archivist")
    lines, parts = todo_page(client)
    closed = session.execute(select(Case.closed_on).where(Case.status == "closed")).scalars().all()
    by_month = {}
    for d in closed:
        by_month[(d.year, d.month)] = by_month.get((d.year, d.month), 0) + 1
    assert [(label, n) for label, n, _u in parts["unfiled"]] == [
        (f"{y}年{m}月办结", n) for (y, m), n in sorted(by_month.items())]
    assert sum(n for _l, n, _u in parts["unfiled"]) == lines["unfiled"][0]
    for label, n, url in parts["unfiled"]:
        assert list_total(client, url) == n, label

    clerk = make_client("clerk")
    lines, parts = todo_page(clerk)
    assert sum(n for _l, n, _u in parts["overdue"]) == lines["overdue"][0]
    today = DEMO_TODAY
    by_dept = {}
    for c in session.execute(select(Case)).scalars():
        if any(due < today for _clock, due in deadlines.running_dues(c)):
            name = c.department.name if c.department else "未交办（受理告知超期）"
            by_dept[name] = by_dept.get(name, 0) + 1
    assert {label: n for label, n, _u in parts["overdue"]} == by_dept
    for label, n, url in parts["overdue"]:
        assert list_total(clerk, url) == n, label


def test_the_dashboard_shows_the_same_lines(make_client):
    client = make_client("handler1")
    lines, _ = todo_page(client)
    top, _ = todo_page(client, "/admin/")
    assert top == lines
    page = text(client.get("/admin/"))
    assert page.index('id="todo"') < page.index('id="count-total"')  # the top of the dashboard


def test_admin_has_no_todo_and_no_menu_entry(make_client):
    client = make_client("admin")
    assert 'href="/admin/todo/"' not in text(client.get("/admin/"))
    assert "您的角色没有待办事项" in text(client.get("/admin/todo/"))


def test_pages_do_not_wait_for_the_menu_number(make_client, monkeypatch):
    """The menu entry is rendered without counting: the number comes after load from the count
    endpoint (static/js/todo-badge.js), so a page that has no 待办 card of its own counts nothing."""
    client = make_client("clerk")
    expected = client.get("/admin/todo/count/").get_json()["count"]
    assert expected > 0
    counted = []
    real = todo.lines
    monkeypatch.setattr(todo, "lines", lambda *a, **kw: counted.append(1) or real(*a, **kw))
    for url in ("/admin/case/", "/admin/case/?search=a", "/admin/statistics/"):
        page = text(client.get(url))
        assert re.search(r'<a class="nav-link[^"]*" href="/admin/todo/">\s*待办\s*</a>', page), url
        assert 'js/todo-badge.js' in page and 'data-todo-count="/admin/todo/count/"' in page, url
    assert counted == []
    assert client.get("/admin/todo/count/").get_json() == {"count": expected}
    assert counted == [1]


def test_the_count_is_one_statement_through_the_status_index(session):
    """The menu counts on every page: one SELECT for every line (besides the calendar and the
    due-soon setting), reading the case table through the status index."""
    clerk = user("clerk")
    seen = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))
    engine = session.get_bind()
    session.commit()
    assert clerk.department_id  # loaded before counting
    sa_event.listen(engine, "before_cursor_execute", grab)
    try:
        todo.lines(session, clerk)
    finally:
        sa_event.remove(engine, "before_cursor_execute", grab)
    selects = [s for s in seen if s[0].lstrip().upper().startswith("SELECT")]
    counting = [s for s in selects if 'FROM "case"' in s[0]]
    # besides the count: the holidays and the years whose notice is complete, the due-soon setting
    # (the 临期 cutoff), the department tree (cached for the transaction, the reach reads it too)
    others = [s for s, _p in selects if s not in [c for c, _ in counting]]
    assert len(counting) == 1 and len(others) <= 4, others
    assert all(re.match(r'SELECT (holiday|holiday_year|setting|department)\.', s) for s in others), others
    if engine.dialect.name == "sqlite":
        statement, parameters = counting[0]
        plan = " | ".join(row[-1] for row in session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters))
        assert "INDEX ix_case_status" in plan, plan


@pytest.mark.parametrize("username", ["clerk", "handler1", "leader", "archivist"])
def test_every_line_is_counted_through_an_index(session, username):
    """Issue 17: with the statistics of a 100,000-case office, no line's count reads the whole case
    table (a plain `SCAN case` or every row in an index's order): each finds its cases through an
    index (status, the clocks, the week's events, the pending hearings)."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("plans with office-sized statistics are checked on SQLite (tests/test_query_plans.py)")
    from tests.test_query_plans import _office_sized_statistics
    _office_sized_statistics()
    seen = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))
    engine = session.get_bind()
    u = user(username)
    sa_event.listen(engine, "before_cursor_execute", grab)
    try:
        counted = todo.lines(session, u)
    finally:
        sa_event.remove(engine, "before_cursor_execute", grab)
    assert counted
    statement, parameters = next(s for s in seen if 'FROM "case"' in s[0])
    plan = [row[-1].strip() for row in session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, parameters)]
    assert not [p for p in plan if p == "SCAN case" or p.startswith("SCAN case USING")], plan
    assert any(p.startswith("SEARCH case USING") for p in plan), plan


# ---- a hand-made office, counted by hand ---------------------------------------------------------------

@pytest.fixture
def small(app):
    """The county of tests/factories.leaders_office plus a discipline office, an archivist and a
    leader of 住建局; on 2026-11-20 (Fri): cases waiting for each role, one of each kind."""
    o = leaders_office()
    o["jw"] = make_dept("县纪委监委", o["root"], "discipline")
    o["handler3"] = make_user("handler3", "陈纪检", "handler", o["jw"])
    o["archivist"] = make_user("archivist", "赵档案", "archivist", o["xfj"])
    o["leader4"] = make_user("leader4", "钱局长", "leader", o["zj"], 4)
    o = SimpleNamespace(**o)
    s = db.session
    far = dict(handle_due=date(2027, 1, 4), handle_base_due=date(2027, 1, 4))
    c = o.cases = {}
    c["A"] = make_case(s, o, "assigned", **far)                              # 待签收
    c["B"] = make_case(s, o, "handling", **far)                              # 督办
    c["C"] = make_case(s, o, "handling", **far)                              # 批示
    c["D"] = make_case(s, o, "handling", **far)                              # 延期已批准
    c["E"] = make_case(s, o, "handling", **far)                              # 延期待审批
    c["F"] = make_case(s, o, "closing", **far)                               # 退回重办
    c["G"] = make_case(s, o, "handling", handle_due=date(2026, 11, 24))      # 临期
    c["H"] = make_case(s, o, "handling", handle_due=date(2026, 11, 10))      # 超期
    c["I"] = make_case(s, o, "handling", handle_due=date(2026, 11, 10), department_id=o.rs.id)
    c["J"] = make_case(s, o, "registered", accept_due=date(2026, 11, 24))    # 受理告知临期
    c["K"] = make_case(s, o, "registered", accept_due=date(2026, 11, 24), accept_notice_on=date(2026, 11, 3))
    c["R"] = make_case(s, o, "registered", accept_due=date(2026, 11, 18))    # 受理告知超期
    c["L"] = make_case(s, o, "accepted", **far)                              # 待交办
    c["M"] = make_case(s, o, "assigned", **far)                              # 将被退回
    c["N"] = make_case(s, o, "replied", **far)                               # 待申请结案
    c["O"] = make_case(s, o, "closing", **far, reply_text="已为信访人补发拖欠工资12000元。",
                       handling_report="经调查核实，信访人反映属实，已督促用人单位足额支付。")
    c["P"] = make_case(s, o, "closed", closed_on=date(2026, 10, 12))
    c["Q"] = make_case(s, o, "closed", closed_on=date(2026, 11, 18))
    c["S"] = make_case(s, o, "handling", **far, department_id=o.rs.id)      # 人社局的督办
    # An accusation against 住建局, handled by 纪委监委, received on 住建局 leader's reception day
    # (so leader4 would reach it but for the accusation rule), with an extension pending.
    c["X"] = make_case(s, o, "handling", purpose="accusation", **far, department_id=o.jw.id,
                       leader_id=o.leader4.id, extension_state="pending", extension_days=10,
                       extension_reason="需调取账目")
    unit = Party(kind="unit", name="县住房和城乡建设局", department_id=o.zj.id)
    s.add(CaseParty(case=c["X"], party=unit, role="accused"))
    a1, a2 = (make_case(s, o, "archived") for _ in range(2))
    r1 = ArchiveRecord(case_id=a1.id, archive_number="2026-WS-0001", filed_on=date(2026, 11, 1))
    r2 = ArchiveRecord(case_id=a2.id, archive_number="2026-WS-0002", filed_on=date(2026, 11, 1))
    s.add_all([r1, r2])
    s.flush()
    s.add_all([ArchiveLoan(record_id=r1.id, borrower_id=o.archivist.id, purpose="复查调卷", status="requested"),
               ArchiveLoan(record_id=r2.id, borrower_id=o.clerk.id, purpose="核对", status="approved",
                           approved_by_id=o.leader.id, due_back=date(2026, 11, 19))])
    pkg = dict(leader_id=o.leader.id, department_id=o.zj.id, responsible_person="周承办", plan="化解方案")
    s.add_all([PackageAssignment(title="包案一", deadline=date(2026, 12, 30), status="proposed", **pkg),
               PackageAssignment(title="包案二", deadline=date(2026, 11, 24), status="active", **pkg),
               PackageAssignment(title="包案三", deadline=date(2026, 12, 30), status="active", **pkg)])
    s.add_all([ReceptionSchedule(day=date(2026, 11, 17), place="县信访局接待室", leader_id=o.leader.id),
               ReceptionSchedule(day=date(2026, 11, 24), place="县信访局接待室", leader_id=o.leader.id),
               ReceptionSchedule(day=date(2026, 11, 19), place="县信访局接待室", leader_id=o.leader.id,
                                 status="cancelled")])
    s.commit()
    p = workflow.perform
    p(s, o.clerk, c["B"], "supervise", method="phone", note="请加快办理")
    p(s, o.clerk, c["S"], "supervise", method="phone", note="请加快办理")
    p(s, o.leader, c["C"], "instruction", text="请住建局牵头妥善处理")
    p(s, o.handler1, c["D"], "extend_request", days=10, reason="需现场勘查")
    p(s, o.leader, c["D"], "extend_decide", approve="1", note="同意")
    p(s, o.handler1, c["E"], "extend_request", days=15, reason="需委托第三方鉴定房屋质量")
    p(s, o.leader, c["F"], "close_decide", approve="0", note="答复未回应补偿诉求，退回重办")
    p(s, o.handler1, c["M"], "return", reason="不属于本单位职责")
    s.commit()
    return o


HAND_COUNTED = {
    "handler1": {"sign_for": 1, "supervised": 1, "instructed": 1, "extension_decided": 1, "redo": 1,
                 "mine_due_soon": 1, "mine_overdue": 1, "screening_pending": 0, "screening_reminded": 0},
    "handler2": {"sign_for": 0, "supervised": 1, "instructed": 0, "extension_decided": 0, "redo": 0,
                 "mine_due_soon": 0, "mine_overdue": 1, "screening_pending": 0, "screening_reminded": 0},
    "leader": {"extend_decide": 2, "hearing_decide": 0, "close_decide": 1, "loans_to_decide": 1, "packages_to_accept": 1,
               "packages_due": 1, "receptions": 1},
    "leader4": {"extend_decide": 1, "hearing_decide": 0, "close_decide": 1, "loans_to_decide": 1, "packages_to_accept": 0,
                "packages_due": 0, "receptions": 0},
    "clerk": {"registered": 3, "notice_due": 2, "to_assign": 1, "returned": 1, "replied": 1, "overdue": 3},
    "archivist": {"unfiled": 2, "loans_due": 1},
}


@pytest.mark.parametrize("username", list(HAND_COUNTED))
def test_a_small_office_counted_by_hand(small, app_client, username):
    client = app_client(username)
    lines, parts = todo_page(client)
    assert {k: n for k, (n, _u) in lines.items()} == HAND_COUNTED[username]
    total = sum(HAND_COUNTED[username].values())
    assert menu_count(client) == total
    if username == "clerk":
        assert [(lbl, n) for lbl, n, _u in parts["overdue"]] == [
            ("县住房和城乡建设局", 1), ("县人力资源和社会保障局", 1), ("未交办（受理告知超期）", 1)]
    if username == "archivist":
        assert [(lbl, n) for lbl, n, _u in parts["unfiled"]] == [("2026年10月办结", 1), ("2026年11月办结", 1)]


def test_lines_open_exactly_their_cases_in_the_small_office(small, app_client):
    c = {k: v.number for k, v in small.cases.items()}
    numbers = set(c.values())
    want = {
        "handler1": {"sign_for": {c["A"]}, "supervised": {c["B"]}, "instructed": {c["C"]},
                     "extension_decided": {c["D"]}, "redo": {c["F"]}, "mine_due_soon": {c["G"]},
                     "mine_overdue": {c["H"]}},
        "leader": {"extend_decide": {c["E"], c["X"]}, "close_decide": {c["O"]}},
        "clerk": {"registered": {c["J"], c["K"], c["R"]}, "notice_due": {c["J"], c["R"]}, "to_assign": {c["L"]},
                  "returned": {c["M"]}, "replied": {c["N"]}, "overdue": {c["H"], c["I"], c["R"]}},
        "archivist": {"unfiled": {c["P"], c["Q"]}},
    }
    for username, lines_wanted in want.items():
        client = app_client(username)
        lines, _ = todo_page(client)
        for key, cases in lines_wanted.items():
            assert listed_numbers(client, lines[key][1], numbers) == cases, (username, key)
    leader = app_client("leader")
    lines, _ = todo_page(leader)
    loans = text(leader.get(lines["loans_to_decide"][1]))
    assert "2026-WS-0001" in loans and "2026-WS-0002" not in loans
    assert lines["packages_due"][1] == "/admin/my-packages/" and lines["receptions"][1] == "/admin/my-reception/"
    archivist = app_client("archivist")
    lines, _ = todo_page(archivist)
    loans = text(archivist.get(lines["loans_due"][1]))
    assert "2026-WS-0002" in loans and "2026-WS-0001" not in loans


def test_no_line_reveals_a_case_out_of_reach(small, app_client):
    """leader4 (住建局) would reach the accusation X through its reception day, but X accuses 住建局:
    not in their count, not in the list the line opens, not by its number anywhere on the page."""
    x = small.cases["X"]
    leader4 = app_client("leader4")
    lines, _ = todo_page(leader4)
    assert lines["extend_decide"] == (1, lines["extend_decide"][1])
    assert x.number not in text(leader4.get(lines["extend_decide"][1]))
    assert x.number not in text(leader4.get("/admin/todo/"))
    # The leader's link opened by a handler (who does not decide extensions) shows nothing.
    url = todo_page(app_client("leader"))[0]["extend_decide"][1]
    assert listed_numbers(app_client("handler1"), url, {x.number, small.cases["E"].number}) == set()
    # 人社局's supervision is not counted for 住建局 and the other way round.
    assert todo_page(app_client("handler2"))[0]["supervised"][0] == 1


def test_a_pending_extension_is_decided_or_withdrawn_and_the_case_page_says_which(small, app_client):
    o, e = small, small.cases["E"]
    leader, handler = app_client("leader"), app_client("handler1")
    assert todo_page(leader)[0]["extend_decide"][0] == 2
    page = text(handler.get(f"/admin/case/details/?id={e.id}"))
    assert re.search(r'id="case-extension">.*待审批.*申请延期15天，理由：需委托第三方鉴定房屋质量', page)
    assert 'id="move-extend_withdraw"' in page
    db.session.refresh(e)
    resp = handler.post(f"/admin/moves/extend_withdraw/{e.id}/", data={"version": e.version, "note": "已鉴定完毕"})
    assert resp.status_code == 302
    assert todo_page(leader)[0]["extend_decide"][0] == 1
    for client in (handler, leader):
        page = text(client.get(f"/admin/case/details/?id={e.id}"))
        assert re.search(r'id="case-extension">.*已撤回.*申请延期15天，理由：需委托第三方鉴定房屋质量'
                         r'（2026-11-20 周承办撤回）', page), page
        assert "撤回延期15天的申请：已鉴定完毕" in page  # the timeline
    # withdrawn, it may be asked again; a transfer while pending withdraws it and says so
    db.session.refresh(e)
    handler.post(f"/admin/moves/extend_request/{e.id}/", data={"version": e.version, "days": "5", "reason": "补充材料"})
    db.session.refresh(e)
    assert e.extension_state == "pending"
    clerk = app_client("clerk")
    resp = clerk.post(f"/admin/moves/transfer/{e.id}/", data={"version": e.version, "department_id": o.rs.id,
                                                              "reason": "属人社局职责"})
    assert resp.status_code == 302
    page = text(clerk.get(f"/admin/case/details/?id={e.id}"))
    assert re.search(r'id="case-extension">.*已撤回.*申请延期5天，理由：补充材料（2026-11-20 王登记改派时撤回）', page), page
    assert "属人社局职责（待审批的延期申请随之撤回）" in page
    assert todo_page(leader)[0]["extend_decide"][0] == 1  # X only
    # decided: the handler sees the decision in 待办 and on the case page
    d = small.cases["D"]
    page = text(handler.get(f"/admin/case/details/?id={d.id}"))
    assert re.search(r'id="case-extension">.*已批准.*申请延期10天，理由：需现场勘查（2026-11-20 李建国批准）', page)


def test_a_reply_while_an_extension_is_pending_withdraws_it(small):
    e, h = small.cases["E"], small.handler1
    workflow.perform(db.session, h, e, "reply", reply_text="已答复", replied_on="2026-11-20", reply_method="in_person",
                     petitioner_response="agree", receipt_status="signed")
    db.session.commit()
    assert e.extension_state == "withdrawn"
    reply = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == e.id, CaseEvent.action == "reply")
                               ).scalar_one()
    assert reply.note == "（待审批的延期申请随之撤回）"


def test_the_approval_forms_show_what_is_approved(small, app_client):
    leader = app_client("leader")
    o_case, e = small.cases["O"], small.cases["E"]
    page = text(leader.get(f"/admin/moves/close_decide/{o_case.id}/"))
    assert re.search(r'id="move-reply">.*已为信访人补发拖欠工资12000元。', page, re.S)
    assert re.search(r'id="move-report">.*经调查核实，信访人反映属实，已督促用人单位足额支付。', page, re.S)
    page = text(leader.get(f"/admin/moves/extend_decide/{e.id}/"))
    due = deadlines.extended_due(db.session, date(2027, 1, 4), 15)
    assert re.search(rf'id="move-extension"><th>延期申请</th><td colspan="3">申请延期15天，理由：.*需委托第三方鉴定房屋质量.*'
                     rf'批准后办理期限由 2027-01-04 延至 <strong>{due:%Y-%m-%d}</strong>', page, re.S), page


def test_bad_filter_values_and_strangers(small, app, app_client):
    handler = app_client("handler1")
    lines, _ = todo_page(handler)
    arg = re.search(r"\?(flt0_\d+)=", lines["sign_for"][1]).group(1)
    resp = handler.get(f"/admin/case/?{arg}=nonsense")  # an unknown line: the filter is ignored, no 500
    assert resp.status_code == 200
    assert app.test_client().get("/admin/todo/").status_code == 302  # to the login page
