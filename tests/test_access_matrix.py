"""The authorization matrix, generated from the app's URL map.

Every rule under /admin/ must be classified in MATRIX below (endpoint -> roles allowed to use
it); an endpoint nobody classified fails `test_every_admin_endpoint_is_classified`. For each
(role, endpoint) the doors are knocked on: list, details (a row in reach and one out of reach),
edit GET/POST, delete POST, action POST (an out-of-reach id: the row must not change),
/ajax/lookup/, /ajax/update/, export; and no response to a role contains the number of a case
outside that role's reach (for handler1: e.g. every case of handler2's department).

Adding an endpoint = one line in MATRIX:  "blueprint.endpoint": roles  (or E(roles, args=...)
when the URL needs arguments, method="POST" to force a method). A model view's nine standard
doors are one line too: **doors("endpoint", read=..., create=..., edit=..., delete=..., actions=...).
"""
import io
import re
from dataclasses import dataclass, field

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from models import Case, db
from services import access, workflow
from services.workflow import spec as workflow_spec
from tests.conftest import Browserless, _make_app
from views.adapters import admin_internals

ROLE_USERS = {"admin": "admin", "clerk": "clerk", "handler": "handler1", "leader": "leader2",
              "archivist": "archivist"}
ROLES = ("anonymous",) + tuple(ROLE_USERS)
EVERYONE = frozenset(ROLE_USERS)
OFFICE = frozenset({"admin", "clerk"})
NOBODY = frozenset()
ADMIN, CLERK, LEADER, HANDLER, ARCHIVIST = (frozenset({r}) for r in
                                            ("admin", "clerk", "leader", "handler", "archivist"))
PUBLIC = "public"  # static files: no login needed, no data


def move_roles(*moves):
    """The roles that may make any of these case moves: their entries in services/workflow/spec.py."""
    return frozenset().union(*(workflow_spec.MOVES[m].roles for m in moves))


@dataclass(frozen=True)
class E:
    """An endpoint's classification: the roles allowed; how to call it when the URL needs more."""
    roles: frozenset
    args: object = None      # callable(world, role) -> dict of URL arguments
    method: str = None       # force GET/POST; default: GET if the rule allows it
    query: dict = field(default_factory=dict)


def _backup_run(world):
    """A finished backup whose file is there (the download door needs one)."""
    import os
    import tempfile
    from datetime import datetime
    from models import BackupRun
    folder = tempfile.mkdtemp(prefix="xf-matrix-")
    with open(os.path.join(folder, "xinfang-backup-matrix.tar.gz"), "wb") as f:
        f.write(b"backup")
    run = BackupRun(filename="xinfang-backup-matrix.tar.gz", directory=folder, size=6, ok=True, message="备份完成",
                    finished_at=datetime.utcnow())
    db.session.add(run)
    db.session.commit()
    return run.id


STANDARD_DOORS = ("index_view", "details_view", "create_view", "edit_view", "delete_view",
                  "action_view", "ajax_lookup", "ajax_update", "export")


def doors(endpoint, read, create=NOBODY, edit=NOBODY, delete=NOBODY, actions=NOBODY):
    """The nine doors of a SecureModelView. Inline edit, ajax lookup and the built-in export are
    closed for everyone (no view uses form_ajax_refs; exports have their own endpoint)."""
    return {
        f"{endpoint}.index_view": E(read), f"{endpoint}.details_view": E(read),
        f"{endpoint}.create_view": E(create), f"{endpoint}.edit_view": E(edit),
        f"{endpoint}.delete_view": E(delete), f"{endpoint}.action_view": E(actions),
        f"{endpoint}.ajax_lookup": E(NOBODY), f"{endpoint}.ajax_update": E(NOBODY),
        f"{endpoint}.export": E(NOBODY),
    }


STAFF = frozenset({"admin", "clerk", "leader", "handler"})      # statistics, reception, package readers
ARCHIVE_READERS = frozenset({"admin", "clerk", "archivist", "leader"})


def _reception_with_cases(w, role):
    from models import ReceptionSchedule
    rid = db.session.execute(select(Case.reception_id).where(Case.reception_id.is_not(None))
                             .order_by(Case.reception_id)).scalars().first()
    return {"id": rid or db.session.execute(select(ReceptionSchedule.id)).scalars().first()}


# ---- THE TABLE -------------------------------------------------------------------------------
# endpoint -> roles allowed (anonymous is never allowed: 302 to /login). Custom POST-only doors
# are knocked without a row id: allowed = the door opens (400/404 for the missing row, never 403),
# denied = 403; whether a role may make the move itself is the services' tests.
MATRIX = {
    "admin.index": E(EVERYONE),
    "todo.index": E(EVERYONE),
    "todo.count": E(EVERYONE),  # the menu's number: the user's own total only ({"count": N})
    "admin.static": PUBLIC,
    **doors("case", read=EVERYONE, create=CLERK, actions=move_roles(*workflow.BULK_MOVES)),
    "case.export_ledger": E(STAFF),  # the archivist exports the archive catalogue (sheets.archive)
    "case.ledger_columns": E(STAFF),  # the column chooser before the ledger download
    **doors("party", read=OFFICE, edit=CLERK),
    "person.index": E(NOBODY),  # no list: a person page is opened from a case or the party list
    "person.person_view": E(EVERYONE, args=lambda w, role: {"party_id": w.person_for(role)}),
    "person.hint": E(CLERK,  # the roles that register (access.OTHER_RIGHTS["register"])
                     query={"id_number": "110101199003071234"}),
    **doors("department", read=OFFICE, create=ADMIN, edit=ADMIN),
    "accused_link.index": E(OFFICE),
    "accused_link.link": E(OFFICE),
    "accused_link.relink": E(OFFICE),
    **doors("user", read=ADMIN, create=ADMIN, edit=ADMIN, actions=ADMIN),
    **doors("audit", read=ADMIN),
    **doors("change_log", read=ADMIN),  # 修改记录 (views/trace.py)
    **doors("holiday", read=OFFICE, create=ADMIN, edit=ADMIN, delete=ADMIN, actions=ADMIN),
    **doors("reception", read=STAFF, create=CLERK, edit=CLERK),
    "reception.swap_view": E(CLERK, args=_reception_with_cases),
    "reception.cancel_view": E(CLERK),
    "reception.receive_view": E(STAFF, args=_reception_with_cases),
    "reception.receive_register": E(STAFF),
    "reception.receive_instruction": E(STAFF),
    "reception.receive_finish": E(STAFF),
    "reception_calendar.index": E(STAFF),
    "reception_calendar.generate": E(CLERK),
    "reception_calendar.publish": E(CLERK),
    "reception_calendar.print_view": E(STAFF),
    "reception_calendar.export": E(STAFF),
    "my_reception.index": E(STAFF),
    **doors("package", read=STAFF, create=CLERK),
    "package.propose_view": E(CLERK),
    "package.accept_view": E(STAFF),
    "package.decline_view": E(STAFF),
    "package.add_cases_view": E(CLERK),
    "package.reassign_view": E(CLERK),
    "package.progress_view": E(STAFF),
    "package.finish_view": E(STAFF),
    "package.ledger_view": E(STAFF),
    "my_packages.index": E(STAFF),
    # 信访听证: the hearings of the cases in reach (proposed, approved, recorded as case moves)
    **doors("hearing", read=EVERYONE),
    "hearing.notice_view": E(EVERYONE, args=lambda w, role: {"id": w.sample("hearing", role)[0] or w.any_row("hearing")}),
    **doors("archive", read=ARCHIVE_READERS, edit=ARCHIVIST),  # filing is the workflow's archive move
    "archive.request_loan_view": E(ARCHIVE_READERS, args=lambda w, role: {"id": w.sample("archive", role)[0]}),
    **doors("loan", read=ARCHIVE_READERS),  # 借阅登记: requests on the archive page, moves below
    "loan.approve_view": E(LEADER),
    "loan.deny_view": E(LEADER),
    "loan.return_view": E(ARCHIVIST),
    "statistics.index": E(STAFF),
    "statistics.export": E(STAFF),
    "overdue.index": E(STAFF),
    "overdue.export": E(STAFF),
    "sheets.index": E(EVERYONE),
    "sheets.packages": E(STAFF),
    "sheets.archive": E(ARCHIVE_READERS),
    "assessment.index": E(STAFF),  # 考核: rows limited to the role's departments (assessment_dept_ids)
    "assessment.export": E(STAFF),
    "assessment_scheme.index": E(OFFICE),
    "assessment_scheme.save": E(ADMIN),  # an empty form: 400 with a message, nothing saved
    "assessment_scheme.start": E(ADMIN),
    "import_ledger.index": E(CLERK),
    "import_ledger.template": E(CLERK),
    "import_ledger.upload": E(CLERK),
    "register.index": E(CLERK),
    "moves.index": E(EVERYONE),
    # a case in the role's reach: the move form, or back to the case with a Chinese refusal
    # (every move and role: test_move_forms_follow_the_spec)
    "moves.move_view": E(EVERYONE, args=lambda w, role: {"move": "accept", "case_id": w.case_for(role)}),
    "moves.bulk_view": E(move_roles("assign"), args=lambda w, role: {"move": "assign"}),
    "office_settings.index": E(ADMIN),
    "holiday_year.index": E(OFFICE),
    "attachment.index": E(EVERYONE),
    "attachment.download": E(EVERYONE, args=lambda w, role: {"attachment_id": w.attachment_for(role)}),
    "attachment.upload": E(frozenset({"clerk", "handler"}), args=lambda w, role: {"case_id": w.case_for(role)}),
    "backup.index": E(ADMIN),
    "backup.check": E(ADMIN),
    "backup.save_settings": E(ADMIN),
    "backup.start": E(ADMIN),
    "backup.download": E(ADMIN, args=lambda w, role: {"run_id": _backup_run(w)}),
    "destruction.index": E(frozenset({"admin", "archivist", "leader"})),
    "destruction.propose": E(ARCHIVIST, args=lambda w, role: {"record_id": w.sample("archive", role)[0]}),
    "destruction.decide": E(frozenset({"leader"}), args=lambda w, role: {"destruction_id": 1}),
    # 排查化解 (views/screening.py): rounds opened and reminded by the office; entries filed by the
    # office and the units' handlers; report 1 is the demo's first report, already submitted
    "screening_round.index": E(STAFF),
    "screening_round.details": E(STAFF, args=lambda w, role: {"round_id": 1}),
    "screening_round.open_view": E(CLERK),
    "screening_round.open_half_view": E(CLERK),  # the demo's current round exists: refused, nothing made
    "screening_round.submit_view": E(STAFF, args=lambda w, role: {"report_id": 1}),
    "screening_round.remind_view": E(CLERK, args=lambda w, role: {"report_id": 1}),
    "screening_round.remind_all_view": E(CLERK, args=lambda w, role: {"round_id": 2_000_000}),
    **doors("screening_entry", read=STAFF, create=frozenset({"clerk", "handler"}),
            edit=frozenset({"clerk", "handler"})),
    "screening_entry.progress_view": E(STAFF),
    "screening_stats.index": E(STAFF),
    "screening_stats.export": E(STAFF),
    "screening_major.index": E(STAFF),
    "screening_major.export": E(STAFF),
    "screening_backlog.index": E(STAFF),
    "screening_backlog.export": E(STAFF),
    # printed documents (services/documents.py): the 登记表 of a case in reach, for every role
    "case.print_view": E(EVERYONE, args=lambda w, role: {"id": w.case_for(role)}),
    "statistics.print_view": E(STAFF),
    "documents.index": E(EVERYONE),
    "documents.print_view": E(EVERYONE, args=lambda w, role: {"kind": "registration", "case_id": w.case_for(role)}),
    "doc_templates.index": E(ADMIN),
    "doc_templates.download": E(ADMIN, args=lambda w, role: {"kind": "accept_notice"}),
    "doc_templates.upload": E(ADMIN, args=lambda w, role: {"kind": "accept_notice"}),
    "doc_templates.restore": E(ADMIN, args=lambda w, role: {"kind": "accept_notice"}),
}
# -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(_templates, tmp_path_factory):
    gen = _make_app(_templates, "demo", tmp_path_factory.mktemp("matrix"))
    app = next(gen)
    app.config["WTF_CSRF_ENABLED"] = True
    w = World(app)
    yield w
    try:
        next(gen)
    except StopIteration:
        pass


class World:
    """One demo office for the module: a logged-in client per role and the reach of each."""

    def __init__(self, app):
        from models import User
        self.app = app
        self.admin = app.extensions["xinfang_admin"]
        self.views = {v.endpoint: v for v in admin_internals.registered_views(self.admin)}
        self.users = {role: db.session.execute(select(User).where(User.username == name)).scalar_one()
                      for role, name in ROLE_USERS.items()}
        self.clients = {}
        for role in ROLES:
            c = Browserless(app)
            if role != "anonymous":
                assert c.login(ROLE_USERS[role]).status_code == 302, role
            self.clients[role] = c
        all_numbers = dict(db.session.execute(select(Case.id, Case.number)).all())
        self.case_numbers = all_numbers
        self.visible = {role: set(db.session.execute(select(Case.id).where(
            access.case_filter(db.session, u))).scalars()) for role, u in self.users.items()}
        self.visible["anonymous"] = set()
        self.forbidden_numbers = {role: {all_numbers[i] for i in all_numbers if i not in ids}
                                  for role, ids in self.visible.items()}
        self._rows = {}
        self.attachments = _make_attachments(app)
        self.hearings = _make_hearings(app)

    def attachment_for(self, role):
        """An attachment this role may download (any, for a role that may download none)."""
        user = self.users.get(role)
        from models import Attachment
        for att in self.attachments:
            if user is not None and access.can_download(db.session, user, db.session.get(Attachment, att)):
                return att
        return self.attachments[0]

    def case_for(self, role):
        """A case in the role's reach (any, for a role that sees none); never an archived one."""
        ids = sorted(self.visible.get(role) or self.case_numbers)
        open_ids = set(db.session.execute(select(Case.id).where(Case.status != "archived")).scalars())
        return next((i for i in ids if i in open_ids), ids[0])

    def person_for(self, role):
        """A petitioner of a non-accusation case in the role's reach (the person page opens)."""
        from models import CaseParty
        ids = self.visible.get(role) or set(self.case_numbers)
        return db.session.execute(select(CaseParty.party_id).join(Case, Case.id == CaseParty.case_id).where(
            Case.id.in_(ids), Case.purpose != "accusation", CaseParty.role == "petitioner")
            .order_by(CaseParty.id)).scalars().first()

    def case_for_move(self, role, move):
        """A case in the role's reach from which the move starts (one the role may make it on,
        if any); else any case in reach."""
        entry, user = workflow_spec.MOVES[move], self.users[role]
        ids = sorted(self.visible[role])
        starting = list(db.session.execute(select(Case).where(
            Case.id.in_(ids), Case.status.in_(entry.statuses)).order_by(Case.id)).scalars())
        mine = [c for c in starting if access.may_move(db.session, user, move, c)]
        return (mine or starting)[0].id if (mine or starting) else self.case_for(role)

    def sample(self, endpoint, role):
        """(id in reach, id out of reach) of the view's model for a role (None when none)."""
        key = (endpoint, role)
        if key not in self._rows:
            view = self.views[endpoint]
            model = view.model
            user = self.users.get(role)
            pk = sa_inspect(model).primary_key[0]
            ids = list(db.session.execute(select(pk).order_by(pk)).scalars())
            reach = set(db.session.execute(select(pk).where(
                access.scope_filter(db.session, user, model))).scalars()) if user else set()
            if endpoint == "case" and user is not None:
                assert reach == self.visible[role]
            inside = next((i for i in ids if i in reach), None)
            outside = next((i for i in reversed(ids) if i not in reach), None)
            self._rows[key] = (inside, outside)
        return self._rows[key]

    def any_row(self, endpoint):
        view = self.views[endpoint]
        pk = sa_inspect(view.model).primary_key[0]
        return db.session.execute(select(pk).order_by(pk)).scalars().first()

    def snapshot(self, endpoint, pk):
        if pk is None:
            return None
        model = self.views[endpoint].model
        db.session.expire_all()
        row = db.session.get(model, pk)
        if row is None:
            return "gone"
        return {c.key: getattr(row, c.key) for c in sa_inspect(model).mapper.column_attrs}


ATTACHMENT_TEXT = "附件内容-{}"


def _make_attachments(app):
    """The demo has no files: one attachment on a case of 住建局 (handler1), 人社局 (handler2),
    a closed case, and an accusation of 纪委监委 (handler3). Returns their ids."""
    import os
    from models import Attachment, Department
    made = []
    picks = [
        select(Case).join(Department, Department.id == Case.department_id)
        .where(Department.name == "县住房和城乡建设局", Case.status == "handling"),
        select(Case).join(Department, Department.id == Case.department_id)
        .where(Department.name == "县人力资源和社会保障局", Case.status == "handling"),
        select(Case).where(Case.status == "closed", Case.purpose != "accusation"),
        select(Case).where(Case.purpose == "accusation", Case.status == "handling"),
    ]
    root = app.config["ATTACHMENT_DIR"]
    os.makedirs(root, exist_ok=True)
    for q in picks:
        case = db.session.execute(q.order_by(Case.id)).scalars().first()
        stored = f"matrix-{case.id}.txt"
        with open(os.path.join(root, stored), "w", encoding="utf-8") as f:
            f.write(ATTACHMENT_TEXT.format(case.id))
        att = Attachment(case=case, kind="letter", filename=f"来信{case.id}.txt", content_type="text/plain",
                         size=len(ATTACHMENT_TEXT.format(case.id).encode()), stored_path=stored)
        db.session.add(att)
        db.session.flush()
        made.append(att.id)
    db.session.commit()
    return made


def _make_hearings(app):
    """The demo has no hearings: one on a case of 住建局 (handler1), of 人社局 (handler2), on an
    accusation (纪委监委) and on a closed case (the archivist's reach). Returns their ids."""
    from datetime import date
    from models import Department, Hearing
    picks = [
        select(Case).join(Department, Department.id == Case.department_id)
        .where(Department.name == "县住房和城乡建设局", Case.status == "handling"),
        select(Case).join(Department, Department.id == Case.department_id)
        .where(Department.name == "县人力资源和社会保障局", Case.status == "handling"),
        select(Case).where(Case.purpose == "accusation", Case.status == "handling"),
        select(Case).where(Case.status == "closed", Case.purpose != "accusation"),
    ]
    made = []
    for i, q in enumerate(picks):
        case = db.session.execute(q.order_by(Case.id)).scalars().first()
        h = Hearing(case=case, status="held" if i else "approved", reason="案情复杂，需听证",
                    start_on=date(2026, 11, 16), end_on=date(2026, 11, 16), place="县信访局听证室", chair="王主任",
                    panel="赵律师", participants="信访人\n责任单位", is_public=i != 2, record="笔录", conclusion="听证意见")
        db.session.add(h)
        db.session.flush()
        made.append(h.id)
    db.session.commit()
    return made


def _admin_endpoints(app):
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin"):
            found.setdefault(rule.endpoint, rule)
    return found


def _app_endpoints():
    """The endpoints of a throwaway app (collection time: the table's keys are checked later)."""
    return sorted(MATRIX)


# ---- the tests ---------------------------------------------------------------------------------

def test_every_admin_endpoint_is_classified(world):
    endpoints = _admin_endpoints(world.app)
    missing = sorted(set(endpoints) - set(MATRIX))
    assert not missing, ("端点未在授权矩阵中登记（在 MATRIX 中为每个端点写明允许的角色）: "
                         + ", ".join(f"{e} {endpoints[e].rule}" for e in missing))
    stale = sorted(set(MATRIX) - set(endpoints))
    assert not stale, "MATRIX 中的端点已不存在: " + ", ".join(stale)


def _is_login_redirect(resp):
    return resp.status_code == 302 and "/login" in resp.headers.get("Location", "")


def _text(resp):
    ctype = resp.headers.get("Content-Type", "")
    data = resp.get_data()
    if "wordprocessingml" in ctype:
        from docx import Document
        doc = Document(io.BytesIO(data))
        return "\n".join([p.text for p in doc.paragraphs]
                         + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    if "spreadsheetml" in ctype or data[:2] == b"PK":
        import openpyxl
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                         for v in row if v is not None)
    return data.decode("utf-8", "replace")


class Knock:
    """Requests for one (role, endpoint) and the checks on every response."""

    def __init__(self, world, role, endpoint):
        self.w, self.role, self.endpoint = world, role, endpoint
        self.client = world.clients[role]
        self.problems = []

    def request(self, method, url, data=None):
        if method == "GET":
            resp = self.client.get(url)
        else:
            resp = self.client.post(url, data=data or {})
        body = _text(resp)
        leaked = sorted(n for n in self.w.forbidden_numbers[self.role] if n in body)
        if leaked:
            self.problems.append(f"{method} {url}: 泄露范围外的信访事项编号 {leaked[:5]}")
        if resp.status_code >= 500:
            self.problems.append(f"{method} {url}: {resp.status_code}")
        return resp

    def expect(self, resp, what, ok):
        if not ok:
            self.problems.append(f"{what}: 状态 {resp.status_code} {resp.headers.get('Location', '')}")

    def denied(self, resp, what):
        if self.role == "anonymous":
            self.expect(resp, what + " 应跳转登录", _is_login_redirect(resp))
        else:
            self.expect(resp, what + " 应拒绝(403/404)", resp.status_code in (403, 404))

    def opened(self, resp, what):
        self.expect(resp, what + " 应允许", resp.status_code == 200
                    or (resp.status_code == 302 and not _is_login_redirect(resp)))


def _url(world, endpoint, **kw):
    with world.app.test_request_context():
        from flask import url_for
        return url_for(endpoint, **kw)


@pytest.mark.parametrize("endpoint", _app_endpoints())
@pytest.mark.parametrize("role", ROLES)
def test_door(world, role, endpoint):
    entry = MATRIX[endpoint]
    if entry == PUBLIC:
        return
    if endpoint not in _admin_endpoints(world.app):
        pytest.fail(f"MATRIX 中的端点已不存在: {endpoint}")
    allowed = role in entry.roles
    k = Knock(world, role, endpoint)
    view_ep, _, door = endpoint.partition(".")
    view = world.views.get(view_ep)
    if door in STANDARD_DOORS and view is not None and hasattr(view, "model"):
        _standard(k, world, view_ep, door, allowed)
    else:
        _custom(k, world, endpoint, entry, allowed)
    assert not k.problems, f"[{role}] {endpoint}:\n  " + "\n  ".join(k.problems)


def _standard(k, w, ep, door, allowed):
    inside, outside = w.sample(ep, k.role) if k.role != "anonymous" else (w.any_row(ep), None)
    probe = inside if inside is not None else w.any_row(ep)
    nowhere = 2_000_000_000
    u = lambda door_name, **kw: _url(w, f"{ep}.{door_name}", **kw)  # noqa: E731
    if door == "index_view":
        r = k.request("GET", u("index_view"))
        k.opened(r, "列表") if allowed else k.denied(r, "列表")
        if allowed:
            _check_count(k, w, ep, r)
    elif door == "details_view":
        if allowed and inside is not None:
            k.opened(k.request("GET", u("details_view", id=inside)), "详情(范围内)")
        elif not allowed and probe is not None:
            k.denied(k.request("GET", u("details_view", id=probe)), "详情")
        if allowed:
            r = k.request("GET", u("details_view", id=outside if outside is not None else nowhere))
            k.expect(r, "详情(范围外) 应为 404", r.status_code in (403, 404))
    elif door == "create_view":
        r = k.request("GET", u("create_view"))
        k.opened(r, "新建") if allowed else k.denied(r, "新建")
        if not allowed:
            k.denied(k.request("POST", u("create_view"), {}), "新建提交")
    elif door == "edit_view":
        target = probe if not allowed else (outside if outside is not None else nowhere)
        if allowed and inside is not None:
            r = k.request("GET", u("edit_view", id=inside))
            k.opened(r, "编辑(范围内)")
        if target is not None:
            before = w.snapshot(ep, target)
            r = k.request("GET", u("edit_view", id=target))
            k.denied(r, "编辑(范围外/无权)") if k.role == "anonymous" else k.expect(
                r, "编辑(范围外/无权)", r.status_code in (403, 404))
            r = k.request("POST", u("edit_view", id=target), {})
            k.denied(r, "编辑提交(范围外/无权)") if k.role == "anonymous" else k.expect(
                r, "编辑提交(范围外/无权)", r.status_code in (403, 404))
            k.expect(r, "编辑提交后数据被改动", w.snapshot(ep, target) == before)
    elif door in ("delete_view", "action_view"):
        target = probe if not allowed else (outside if outside is not None else nowhere)
        before = w.snapshot(ep, target)
        if door == "delete_view":
            r = k.request("POST", u("delete_view"), {"id": str(target)})
        else:
            view = w.views[ep]
            names = [name for name, _ in view._actions] or ["delete"]
            for name in names:
                r = k.request("POST", u("action_view"), {"action": name, "rowid": [str(target)]})
                if k.role == "anonymous":
                    k.denied(r, f"批量操作 {name}")
                else:
                    k.expect(r, f"批量操作 {name}(范围外/无权) 应为 403/404", r.status_code in (403, 404))
        if door == "delete_view":
            if k.role == "anonymous":
                k.denied(r, "删除")
            else:
                k.expect(r, "删除(范围外/无权) 应为 403/404", r.status_code in (403, 404))
        k.expect(r, "数据被改动", w.snapshot(ep, target) == before)
    elif door == "ajax_lookup":
        r = k.request("GET", u("ajax_lookup", name="department", query="", limit=100))
        k.denied(r, "ajax 查找") if not allowed else k.opened(r, "ajax 查找")
    elif door == "ajax_update":
        before = w.snapshot(ep, probe)
        r = k.request("POST", u("ajax_update"), {"list_form_pk": str(probe), "name": "x"})
        k.denied(r, "行内编辑")
        k.expect(r, "行内编辑后数据被改动", w.snapshot(ep, probe) == before)
    elif door == "export":
        for kind in ("csv", "xlsx"):
            r = k.request("GET", u("export", export_type=kind))
            k.denied(r, f"内置导出 {kind}")


def _check_count(k, w, ep, resp):
    """The list's count ("列表 (N)") never includes a forbidden row."""
    user = w.users[k.role]
    view = w.views[ep]
    pk = sa_inspect(view.model).primary_key[0]
    expected = db.session.execute(select(pk).where(
        access.scope_filter(db.session, user, view.model))).all()
    m = re.search(r'nav-link active">[^<(]*\((\d+)\)', resp.get_data(as_text=True))
    shown = int(m.group(1)) if m else 0
    k.expect(resp, f"列表计数 {shown} ≠ 范围内 {len(expected)}", shown == len(expected))


def _custom(k, w, endpoint, entry, allowed):
    rule = _admin_endpoints(w.app)[endpoint]
    role_for_args = k.role if k.role != "anonymous" else "admin"
    kwargs = entry.args(w, role_for_args) if entry.args else {}
    kwargs.update(entry.query)
    url = _url(w, endpoint, **kwargs)
    method = entry.method or ("GET" if "GET" in rule.methods else "POST")
    r = k.request(method, url, {} if method == "POST" else None)
    if allowed:
        if method == "POST":  # an empty form: refused as bad input, never as forbidden
            k.expect(r, "提交 应允许", r.status_code not in (403, 500) and not _is_login_redirect(r))
        else:
            k.opened(r, "页面")
    else:
        k.denied(r, "页面")


@pytest.mark.parametrize("move", workflow.MOVES)
def test_move_forms_follow_the_spec(world, move):
    """The form of every move on a case in reach, for every role: a role the move's entry does not
    name goes back to the case with “您的角色（…）无权…”; a role it names gets the form, or back
    with a refusal that is not about the role (the case's state)."""
    entry = workflow_spec.MOVES[move]
    problems = []
    for role, user in world.users.items():
        client = world.clients[role]
        with client.client.session_transaction() as sess:
            sess.pop("_flashes", None)  # left by other tests of the module's clients
        r = client.get(_url(world, "moves.move_view", move=move, case_id=world.case_for_move(role, move)))
        with client.client.session_transaction() as sess:
            flashed = [m for _c, m in sess.pop("_flashes", [])]
        refused = f"您的角色（{user.role_label}）无权{entry.label}"
        if role in entry.roles:
            ok = (r.status_code == 200 and 'id="move-form"' in r.get_data(as_text=True)) or (
                r.status_code == 302 and flashed and refused not in flashed)
        else:
            ok = r.status_code == 302 and flashed == [refused]
        if not ok:
            problems.append(f"{role}: {r.status_code} {flashed}")
    assert not problems, f"{move}: " + "; ".join(problems)


@pytest.mark.parametrize("move", workflow.BULK_MOVES)
@pytest.mark.parametrize("role", ROLES)
def test_bulk_forms_follow_the_spec(world, role, move):
    r = world.clients[role].get(_url(world, "moves.bulk_view", move=move))
    if role == "anonymous":
        assert _is_login_redirect(r)
    else:
        assert r.status_code == (200 if role in move_roles(move) else 403)


def test_handler1_sees_nothing_of_handler2s_department(world):
    """The sets the matrix relies on: handler2's department cases are outside handler1's reach."""
    from models import User
    h2 = db.session.execute(select(User).where(User.username == "handler2")).scalar_one()
    theirs = set(db.session.execute(select(Case.id).where(access.case_filter(db.session, h2))).scalars())
    only_theirs = theirs - world.visible["handler"]
    assert only_theirs, "演示数据中应有 handler2 单位独有的信访事项"
    assert {world.case_numbers[i] for i in only_theirs} <= world.forbidden_numbers["handler"]
    # and handler1 cannot open any of them, nor find them by searching the list
    c = world.clients["handler"]
    for cid in sorted(only_theirs)[:5]:
        number = world.case_numbers[cid]
        r = c.get(f"/admin/case/details/?id={cid}")
        assert r.status_code == 404 and number not in r.get_data(as_text=True)
        for move in ("accept", "sign_for", "reply", "return"):
            for method in ("get", "post"):
                r = getattr(c, method)(f"/admin/moves/{move}/{cid}/")
                assert r.status_code == 404 and number not in r.get_data(as_text=True), (move, method)
        r = c.get(f"/admin/case/?search={number}")  # the page echoes the search term only
        body = r.get_data(as_text=True)
        assert r.status_code == 200 and f"details/?id={cid}&" not in body and f"details/?id={cid}\"" not in body
        assert body.count(number) == body.count(f"search={number}") + body.count(f'value="{number}"')


@pytest.mark.parametrize("role", ROLES)
def test_attachment_downloads_follow_the_case(world, role):
    """Every attachment: 200 with the file to whoever may download it, else 404 (or login) and
    not a byte of it. An accusation's letter only to those who may know the accuser."""
    from models import Attachment
    c = world.clients[role]
    user = world.users.get(role)
    for att_id in world.attachments:
        att = db.session.get(Attachment, att_id)
        expected = user is not None and access.can_download(db.session, user, att)
        r = c.get(f"/admin/attachment/{att_id}")
        content = ATTACHMENT_TEXT.format(att.case_id)
        if expected:
            assert r.status_code == 200 and r.get_data(as_text=True) == content, (role, att_id)
        else:
            assert r.status_code in ((302,) if role == "anonymous" else (403, 404)), (role, att_id, r.status_code)
            assert content not in r.get_data(as_text=True)
    if role == "handler":
        theirs = [a for a in world.attachments if db.session.get(Attachment, a).case.department.name
                  != "县住房和城乡建设局"]
        assert all(not access.can_download(db.session, user, db.session.get(Attachment, a)) for a in theirs)


@pytest.fixture
def own_demo_app(_templates, tmp_path):
    """An app of its own on a copy of the demo office: the test below adds a view to it, which the
    app shared by a test worker must never carry into later tests."""
    yield from _make_app(_templates, "demo", tmp_path)


def test_generic_doors_dropdowns_ajax_lookup_and_actions_are_scoped(own_demo_app, monkeypatch):
    """A probe view on Case with an editable relationship, an ajax reference and an action:
    SecureModelView scopes all three for any view, without view code."""
    demo_app = own_demo_app

    def make_client(username):
        c = Browserless(demo_app)
        assert c.login(username).status_code == 302
        return c
    import json
    from flask_admin.actions import action
    from models import Department
    from views.base import SecureModelView

    monkeypatch.setitem(access.VIEW_RIGHTS, "probe", {"handler": {access.R, access.E},
                                                      "clerk": {access.R, access.E}})

    class ProbeView(SecureModelView):
        screen = "probe"
        form_columns = ("summary", "department", "repeat_of")
        form_ajax_refs = {"repeat_of": {"fields": ["number"]}}

        @action("touch", "标记")
        def action_touch(self, ids):
            for case in self.get_query().filter(Case.id.in_([int(i) for i in ids])):
                case.demands = "已标记"
            db.session.commit()

    demo_app.extensions["xinfang_admin"].add_view(ProbeView(Case, name="probe", endpoint="probe"))
    from models import User
    h1 = db.session.execute(select(User).where(User.username == "handler1")).scalar_one()
    mine = set(db.session.execute(select(Case.id).where(access.case_filter(db.session, h1))).scalars())
    all_ids = set(db.session.execute(select(Case.id)).scalars())
    inside, outside = min(mine), max(all_ids - mine)
    depts = {d.name: d.id for d in db.session.execute(select(Department)).scalars()}

    c = make_client("handler1")
    page = c.get(f"/admin/probe/edit/?id={inside}").get_data(as_text=True)
    assert "县城市管理综合执法大队" in page and "县人力资源和社会保障局" not in page
    clerk_page = make_client("clerk").get(f"/admin/probe/edit/?id={inside}").get_data(as_text=True)
    assert "县人力资源和社会保障局" in clerk_page
    # a posted department out of the dropdown's scope fails validation; nothing changes
    before = db.session.get(Case, inside).department_id
    c.post(f"/admin/probe/edit/?id={inside}", {"summary": "改", "department": str(depts["县人力资源和社会保障局"])})
    db.session.expire_all()
    assert db.session.get(Case, inside).department_id == before
    # ajax lookup only finds cases in reach
    found = json.loads(c.get("/admin/probe/ajax/lookup/?name=repeat_of&query=20&limit=500").get_data())
    assert found and {row[0] for row in found} <= mine
    assert c.get("/admin/probe/ajax/lookup/?name=nope&query=").status_code == 404
    # an action with an out-of-reach id runs on nothing
    assert c.post("/admin/probe/action/", {"action": "touch", "rowid": [str(outside)]}).status_code == 404
    assert c.post("/admin/probe/action/", {"action": "touch", "rowid": [str(inside), str(outside)]}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Case, outside).demands != "已标记" and db.session.get(Case, inside).demands != "已标记"
    assert c.post("/admin/probe/action/", {"action": "touch", "rowid": [str(inside)]}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, inside).demands == "已标记"
    # the details door of the probe is scoped too
    assert c.get(f"/admin/probe/details/?id={outside}").status_code == 404
    assert c.post("/admin/probe/ajax/update/", {"list_form_pk": str(inside), "summary": "x"}).status_code == 403
