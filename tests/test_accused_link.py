"""An accused unit is a link to a department, not a spelling (issue 11, section 1).

On the demo office: 示范县人民政府 (top) → 县住房和城乡建设局 (handler1, short names 住建局 县住建局 …)
→ 县城市管理综合执法大队; 县纪委监委 (handler3) handles accusations; leader sits at the top.
"""
import importlib.util
import io
import os
import re
import zipfile
from html import unescape

import openpyxl
import pytest
from sqlalchemy import func, select

from models import AuditLog, Case, CaseAssist, CaseParty, Department, Party, User, db
from services import access, departments, importing, registration, workflow
from services.inputs import TEXT_MAX
from services.registration import PartyInput
from tests.services.test_importing import _file as _xlsx
from tests.views.test_registration_view import base_form

ZJ, CG, JW, GOV, RS = "县住房和城乡建设局", "县城市管理综合执法大队", "县纪委监委", "示范县人民政府", "县人力资源和社会保障局"


def _dept(name):
    return db.session.execute(select(Department).where(Department.name == name)).scalar_one()


def _user(name):
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def _text(resp):
    return unescape(resp.get_data(as_text=True))


def _register(client, accused_name="", kind="unit", department_id="", **over):
    """An accusation registered on the registration page; returns the Case."""
    data = base_form(purpose="accusation", category="纪检监察", summary="反映某单位工作人员收受好处费。",
                     **{"accused-0-name": accused_name, "accused-0-kind": kind,
                        "accused-0-department_id": str(department_id)}, **over)
    resp = client.post("/admin/register/", data=data)
    assert resp.status_code == 302, _text(resp)[:3000]
    cid = int(re.search(r"id=(\d+)", resp.headers["Location"]).group(1))
    db.session.expire_all()
    return db.session.get(Case, cid)


def _accused(case):
    return [cp.party for cp in case.parties if cp.role == "accused"]


def _accept(case):
    workflow.perform(db.session, _user("clerk"), case, "accept")
    db.session.commit()


def _assign_form(client, case, **data):
    db.session.expire_all()
    data.setdefault("version", db.session.get(Case, case.id).version)
    return _text(client.post(f"/admin/moves/assign/{case.id}/", data=data))


def _handling_case_of(dept_name):
    """A request handled by `dept_name` in the demo, the one handler1's desk shows."""
    return db.session.execute(select(Case).where(
        Case.purpose == "request", Case.status == "assigned",
        Case.department_id == _dept(dept_name).id).order_by(Case.id)).scalars().first()


def _as_accusation_against(case, name, kind="unit"):
    """Old data: an accusation assigned to (or assisted by) a unit it accuses, the unit typed as a
    clerk typed it. Linked as registration links it today."""
    case.purpose = "accusation"
    p = PartyInput(name=name, kind=kind)
    registration._read_accused(db.session, p, "accused-0-", lambda *a: None)
    party = Party(name=p.name, kind=p.kind, department_id=getattr(p.department_id, "id", None))
    db.session.add(CaseParty(case=case, party=party, role="accused"))
    db.session.commit()
    return party


def _dashboard_total(client):
    body = _text(client.get("/admin/"))
    m = re.search(r'id="count-total">(?:<a[^>]*>)?(\d+)', body)
    return int(m.group(1))


def _sheet_text(resp):
    wb = openpyxl.load_workbook(io.BytesIO(resp.get_data()), read_only=True)
    return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)


# ---- the example ----------------------------------------------------------------------

def test_accusation_against_an_alias_is_linked_and_never_routed_to_the_unit(make_client):
    clerk = make_client("clerk")
    case = _register(clerk, "县住建局")
    (party,) = _accused(case)
    assert party.department_id == _dept(ZJ).id and party.kind == "unit" and party.name == "县住建局"
    _accept(case)
    page = _assign_form(clerk, case, department_id=_dept(ZJ).id)
    assert "“县住房和城乡建设局”是被反映单位或其上下级单位，不能交其办理" in page
    page = _assign_form(clerk, case, department_id=_dept(JW).id, assist_ids=[_dept(ZJ).id])
    assert "“县住房和城乡建设局”是被反映单位或其上下级单位，不能作为配合单位" in page
    page = _assign_form(clerk, case, department_id=_dept(JW).id, assist_ids=[_dept(CG).id])
    assert "“县城市管理综合执法大队”是被反映单位或其上下级单位，不能作为配合单位" in page
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "accepted" and not db.session.get(Case, case.id).assists
    # 人社局 may assist the discipline department
    page = _assign_form(clerk, case, department_id=_dept(JW).id, assist_ids=[_dept(RS).id])
    db.session.expire_all()
    assert db.session.get(Case, case.id).department_id == _dept(JW).id
    # transfer later: the same door
    db.session.expire_all()
    c = db.session.get(Case, case.id)
    resp = clerk.post(f"/admin/moves/transfer/{c.id}/", data={
        "version": c.version, "department_id": _dept(CG).id, "reason": "改派"})
    assert "是被反映单位或其上下级单位" in _text(resp)
    db.session.expire_all()
    assert db.session.get(Case, c.id).department_id == _dept(JW).id


def test_handler1_does_not_see_an_accusation_against_an_abbreviated_zj(make_client):
    handler1 = make_client("handler1")
    case = _handling_case_of(ZJ)
    db.session.add(CaseAssist(case_id=case.id, department_id=_dept(RS).id))
    db.session.commit()
    number = case.number
    total = _dashboard_total(handler1)
    row = f"details/?id={case.id}&"
    assert row in _text(handler1.get(f"/admin/case/?search={number}"))
    assert case.summary in _sheet_text(handler1.get(f"/admin/case/export.xlsx?search={number}"))
    _as_accusation_against(case, "县住建局")
    assert row not in _text(handler1.get(f"/admin/case/?search={number}"))
    assert handler1.get(f"/admin/case/details/?id={case.id}").status_code == 404
    export = handler1.get(f"/admin/case/export.xlsx?search={number}")
    assert export.status_code == 200 and case.summary not in _sheet_text(export)
    assert "合计\n0件" in _sheet_text(export)
    assert _dashboard_total(handler1) == total - 1
    # the assisting 人社局 and the county's leaders still see it; the accuser is theirs to know not
    assert row in _text(make_client("handler2").get(f"/admin/case/?search={number}"))
    assert make_client("leader").get(f"/admin/case/details/?id={case.id}").status_code == 200


def test_department_rename_keeps_the_ban(make_client):
    case = _handling_case_of(ZJ)
    _as_accusation_against(case, "住建局")
    zj = _dept(ZJ)
    zj.name = "县住房城乡建设局"
    db.session.commit()
    handler1 = make_client("handler1")
    assert handler1.get(f"/admin/case/details/?id={case.id}").status_code == 404
    assert not access.may_route_to(db.session, case, zj)[0]


def test_a_unit_typed_as_person_still_bans(make_client):
    case = _register(make_client("clerk"), "住建局", kind="person")
    (party,) = _accused(case)
    assert (party.kind, party.department_id) == ("unit", _dept(ZJ).id)
    assert access.may_route_to(db.session, case, _dept(ZJ)) == (False, access.MSG_ACCUSED_ROUTE)


def test_person_accused_with_their_department_keeps_colleagues_away(make_client):
    clerk = make_client("clerk")
    case = _register(clerk, "某科长", kind="person", department_id=_dept(ZJ).id)
    (party,) = _accused(case)
    assert (party.kind, party.name, party.department_id) == ("person", "某科长", _dept(ZJ).id)
    assert not access.may_route_to(db.session, case, _dept(ZJ))[0]
    # a picked department with no name: the unit's name
    case = _register(clerk, "", kind="unit", department_id=_dept(CG).id)
    assert [(p.name, p.department_id) for p in _accused(case)] == [(CG, _dept(CG).id)]
    # a department picked that does not exist: a message, nothing stored
    before = db.session.scalar(select(func.count()).select_from(Case))
    resp = clerk.post("/admin/register/", data=base_form(
        purpose="accusation", category="纪检监察", **{"accused-0-name": "某单位", "accused-0-kind": "unit",
                                                     "accused-0-department_id": "999999"}))
    assert resp.status_code == 200 and "所选被反映单位不存在" in _text(resp)
    assert db.session.scalar(select(func.count()).select_from(Case)) == before


def test_brigade_accused_bans_its_parent_but_not_the_county_leaders(make_client):
    case = _handling_case_of(ZJ)
    party = _as_accusation_against(case, "城管大队")
    assert party.department_id == _dept(CG).id
    banned = access.accused_dept_ids(db.session, case)
    assert banned == {_dept(CG).id, _dept(ZJ).id}
    for name, ok in ((ZJ, False), (CG, False), (JW, True), (GOV, True), (RS, True)):
        assert access.may_route_to(db.session, case, _dept(name))[0] is ok, name
    assert make_client("handler1").get(f"/admin/case/details/?id={case.id}").status_code == 404
    for leader in ("leader", "leader2"):  # 示范县人民政府: the top of the tree oversees
        assert make_client(leader).get(f"/admin/case/details/?id={case.id}").status_code == 200


def test_top_of_the_tree_accused_bans_everyone_below(demo_app):
    case = _handling_case_of(ZJ)
    _as_accusation_against(case, "县政府")
    assert access.accused_dept_ids(db.session, case) == set(db.session.execute(select(Department.id)).scalars())
    visible = set(db.session.execute(select(Case.id).where(
        access.case_filter(db.session, _user("leader")))).scalars())
    assert case.id not in visible


def test_bulk_assign_refuses_the_accused_unit(make_client):
    clerk = make_client("clerk")
    case = _register(clerk, "", kind="unit", department_id=_dept(JW).id)  # 纪委 itself accused
    _accept(case)
    r = clerk.post("/admin/moves/bulk/assign/", data={
        "ids": str(case.id), "department_id": _dept(JW).id, f"v_{case.id}": case.version})
    assert "“县纪委监委”是被反映单位或其上下级单位，不能交其办理" in _text(r)
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "accepted"


def test_reception_day_form_links_the_accused_unit(make_client):
    from models import ReceptionSchedule
    from services.clock import today
    entry = db.session.execute(select(ReceptionSchedule).where(
        ReceptionSchedule.day == today(), ReceptionSchedule.status != "cancelled")).scalars().first()
    if entry is None:
        entry = db.session.execute(select(ReceptionSchedule).where(
            ReceptionSchedule.day <= today(), ReceptionSchedule.status != "cancelled")
            .order_by(ReceptionSchedule.day.desc())).scalars().first()
    clerk = make_client("clerk")
    page = _text(clerk.get(f"/admin/reception/receive/?id={entry.id}"))
    assert "县住房和城乡建设局（住建局、县住建局、住房和城乡建设局）" in page and "js/dept-picker.js" in page
    resp = clerk.post(f"/admin/reception/receive/register/?id={entry.id}", data={
        "name": "来访人丙", "purpose": "accusation", "category": "纪检监察", "summary": "反映城管大队乱收费。",
        "people_count": "1", "accused_name": "", "accused_kind": "unit",
        "accused_department_id": str(_dept(CG).id)})
    assert resp.status_code == 302, _text(resp)[:2000]
    case = db.session.execute(select(Case).where(Case.reception_id == entry.id).order_by(Case.id.desc())).scalars().first()
    assert [(p.name, p.department_id) for p in _accused(case)] == [(CG, _dept(CG).id)]


def test_registration_page_offers_the_picker_without_inline_script(make_client):
    body = _text(make_client("clerk").get("/admin/register/"))
    assert 'name="accused-0-department_id"' in body
    assert "县住房和城乡建设局（住建局、县住建局、住房和城乡建设局）" in body
    assert 'data-search="县住房和城乡建设局 ZJ 住建局 县住建局 住房和城乡建设局"' in body
    assert "js/dept-picker.js" in body and "js/party-rows.js" in body
    form = body[body.index('id="registration-form"'):]
    form = form[:form.index("</form>")]
    assert "<script" not in form
    assert make_client("clerk").get("/static/js/dept-picker.js").status_code == 200


def test_registration_summary_has_the_same_cap_as_the_import(make_client):
    resp = make_client("clerk").post("/admin/register/", data=base_form(summary="长" * (TEXT_MAX + 1)))
    assert resp.status_code == 200 and f"内容摘要不能超过{TEXT_MAX}字" in _text(resp)


# ---- the resolver ---------------------------------------------------------------------------------

def test_alias_splitter():
    assert departments.split_aliases("住建局、县住建局, 住房和城乡建设局，住建局\u3000城建局") == [
        "住建局", "县住建局", "住房和城乡建设局", "城建局"]
    assert departments.split_aliases("") == [] and departments.split_aliases(None) == []


def test_resolver_exact_only(demo_app):
    s = db.session
    assert departments.resolve(s, " 县住建局\u3000").name == ZJ
    assert departments.resolve(s, "县 住房和城乡建设局").name == ZJ
    assert departments.resolve(s, "zj").name == ZJ  # the code
    assert departments.resolve(s, "住建") is None  # no guessing
    assert departments.resolve(s, "县住房和城乡建设局（局机关）") is None
    # an alias two departments share names neither
    rs = _dept(RS)
    rs.aliases += " 两局"
    zj = _dept(ZJ)
    zj.aliases += " 两局"
    s.flush()
    assert departments.resolve(s, "两局") is None
    assert "同一简称只能属于一个单位" in departments.check_aliases(s, zj)


def test_department_screen_saves_aliases_and_refuses_a_taken_one(make_client):
    admin = make_client("admin")
    rs = _dept(RS)
    page = _text(admin.get(f"/admin/department/edit/?id={rs.id}"))
    assert "简称" in page and "用空格、顿号或逗号分隔" in page
    form = {"name": rs.name, "code": rs.code, "kind": rs.kind, "parent": rs.parent_id,
            "sort_order": rs.sort_order, "phone": rs.phone or "", "active": "y"}
    resp = admin.post(f"/admin/department/edit/?id={rs.id}", data={**form, "aliases": "人社局、住建局"})
    assert "简称“住建局”已是“县住房和城乡建设局”的名称、代码或简称" in _text(resp)
    db.session.expire_all()
    assert "住建局" not in _dept(RS).aliases
    resp = admin.post(f"/admin/department/edit/?id={rs.id}", data={**form, "aliases": "人社局，社保局"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert _dept(RS).aliases == "人社局 社保局"


# ---- the import ----------------------------------------------------------------------------------

def _row(original, **kw):
    values = {
        "原编号": original, "收件日期": "2026-10-12", "信访形式": "来信", "来源": "本级登记", "交办文号": "",
        "信访事项类别": "检举控告类", "问题分类": "纪检监察", "信访人姓名": "检举人丁", "身份证号码": "",
        "联系电话": "13912345678", "住址": "城关镇", "问题属地": "城关镇", "内容摘要": "反映某单位问题",
        "诉求": "查处", "人数": 1, "越级访": "否", "联名": "否", "被反映单位": "", "责任单位": "", "状态": "",
    }
    values.update(kw)
    return [values[h] for h in importing.HEADERS]


def test_import_refuses_an_accusation_routed_to_the_accused_unit(demo_app):
    parsed = importing.parse(_xlsx([
        _row("J-1", 被反映单位="住建局", 责任单位=ZJ, 状态="已交办"),
        _row("J-2", 被反映单位="住建局", 责任单位="城管大队", 状态="办理中"),
        _row("J-3", 被反映单位="城管执法大队", 责任单位="住建局"),
        _row("J-4", 被反映单位="住建局", 责任单位=JW, 状态="已交办"),
        _row("J-5", 被反映单位="某县外公司", 责任单位=JW, 状态="已交办"),
    ]), db.session)
    assert parsed.errors == [
        f"第2行：检举控告类事项不得以被反映单位（及其上下级单位）“{ZJ}”为责任单位",
        "第3行：检举控告类事项不得以被反映单位（及其上下级单位）“城管大队”为责任单位",
        "第4行：检举控告类事项不得以被反映单位（及其上下级单位）“住建局”为责任单位",
    ]
    good = importing.parse(_xlsx([_row("J-4", 被反映单位="住建局", 责任单位=JW, 状态="已交办"),
                                  _row("J-5", 被反映单位="某县外公司", 责任单位="纪委", 状态="已交办")]), db.session)
    assert good.ok, good.errors
    created = importing.commit(db.session, _user("clerk"), good)
    assert [(p.name, p.kind, p.department_id) for c in created for p in _accused(c)] == [
        ("住建局", "unit", _dept(ZJ).id), ("某县外公司", "unit", None)]
    assert [c.department_id for c in created] == [_dept(JW).id] * 2


def test_import_commit_checks_routing_again(demo_app):
    """The commit door asks may_route_to too (a parsed file changed between parse and commit)."""
    parsed = importing.parse(_xlsx([_row("J-9", 被反映单位="住建局", 责任单位=JW, 状态="已交办")]), db.session)
    parsed.rows[0].department_id = _dept(ZJ).id
    with pytest.raises(importing.ImportFailed) as err:
        importing.commit(db.session, _user("clerk"), parsed)
    assert err.value.errors == [f"第2行：{access.MSG_ACCUSED_ROUTE}"]
    assert db.session.scalar(select(func.count()).select_from(Case).where(Case.original_number == "J-9")) == 0


def test_import_caps_cell_length_like_the_registration_form(demo_app):
    parsed = importing.parse(_xlsx([
        _row("C-1", 内容摘要="长" * (TEXT_MAX + 1)),
        _row("C-2", 住址="址" * 201, 被反映单位="单" * 101),
        _row("C-3", 内容摘要="长" * TEXT_MAX),
    ]), db.session)
    assert parsed.errors == [f"第2行：“内容摘要”不能超过{TEXT_MAX}字",
                             "第3行：“住址”不能超过200字", "第3行：“被反映单位”不能超过100字"]
    assert importing.CELL_LIMITS["内容摘要"] == registration.TEXT_LIMITS["summary"][1]
    assert importing.CELL_LIMITS["住址"] == registration.PARTY_LIMITS["address"][1]


def test_import_caps_rows_and_file_size(demo_app, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    assert importing.parse(_xlsx([_row(f"R-{i}") for i in range(4)]), db.session).errors == [
        importing.FILE_TOO_MANY_ROWS]
    blank = [[None] * len(importing.HEADERS)] * 8
    assert importing.parse(_xlsx(blank + [_row("R-9")]), db.session).errors == [importing.FILE_TOO_MANY_ROWS]
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 1000)
    assert importing.parse(_xlsx([_row("R-1")]), db.session).errors == [importing.FILE_TOO_BIG]


def _bomb(member, size):
    """A valid-looking xlsx whose `member` unpacks to `size` bytes (highly compressible)."""
    src = _xlsx([_row("B-1")])
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == member:
                data = data + b" " * (size - len(data))
            zout.writestr(info.filename, data)
        if member not in zin.namelist():  # openpyxl writes inline strings; Excel writes shared ones
            zout.writestr(member, b" " * size)
    out.seek(0)
    return out


@pytest.mark.parametrize("member", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
def test_import_refuses_a_workbook_that_expands_before_loading_it(demo_app, monkeypatch, member):
    bomb = _bomb(member, importing.MAX_PART_BYTES + 1)
    assert len(bomb.getvalue()) < importing.MAX_FILE_BYTES  # small on disk

    def never(*a, **kw):
        raise AssertionError("openpyxl must not open it")
    monkeypatch.setattr(openpyxl, "load_workbook", never)
    assert importing.parse(bomb, db.session).errors == [importing.FILE_EXPANDS]


def test_import_page_shows_the_cap_message(make_client, monkeypatch):
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 1000)
    resp = make_client("clerk").post("/admin/import/upload", data={
        "file": (_xlsx([_row("P-1")]), "台账.xlsx")}, content_type="multipart/form-data")
    assert resp.status_code == 400 and importing.FILE_TOO_BIG in _text(resp)


# ---- the migration and 按简称重新关联 --------------------------------------------------------------

def _migration():
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations", "versions",
                        "bd252318460a_accused_party_department_link.py")
    spec = importlib.util.spec_from_file_location("accused_link_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _unlinked(case, name, kind):
    party = Party(name=name, kind=kind)
    db.session.add(CaseParty(case=case, party=party, role="accused"))
    db.session.flush()
    return party


def test_migration_data_step_links_accused_parties_named_like_a_department(demo_app):
    case = _handling_case_of(ZJ)
    by_name = _unlinked(case, ZJ, "unit")
    as_person = _unlinked(case, f" {CG}", "person")
    alias_only = _unlinked(case, "住建局", "unit")
    outsider = _unlinked(case, "某县外公司", "unit")
    petitioner = Party(name=RS, kind="unit")  # not accused: left alone
    db.session.add(CaseParty(case=case, party=petitioner, role="petitioner"))
    db.session.flush()
    for d in db.session.execute(select(Department)).scalars():
        d.aliases = ""  # as at the migration: aliases are new and empty
    db.session.flush()
    linked = _migration().link_accused_by_name(db.session.connection())
    db.session.expire_all()
    got = {p.id: (p.kind, p.department_id) for p in (db.session.get(Party, x.id) for x in
                                                      (by_name, as_person, alias_only, outsider, petitioner))}
    assert got == {by_name.id: ("unit", _dept(ZJ).id), as_person.id: ("unit", _dept(CG).id),
                   alias_only.id: ("unit", None), outsider.id: ("unit", None), petitioner.id: ("unit", None)}
    assert linked == 2


def test_relink_by_alias_after_the_office_configured_them(demo_app):
    case = _handling_case_of(ZJ)
    alias_only = _unlinked(case, "县住建局", "unit")
    outsider = _unlinked(case, "某县外公司", "unit")
    db.session.commit()
    assert departments.relink(db.session, _user("clerk")) == 1
    db.session.commit()
    assert db.session.get(Party, alias_only.id).department_id == _dept(ZJ).id
    assert db.session.get(Party, outsider.id).department_id is None
    log = db.session.execute(select(AuditLog).where(AuditLog.action == "accused_link")).scalar_one()
    assert "县住建局" in log.detail and log.username == "clerk"


def test_unlinked_accused_screen_lists_and_links_by_hand(make_client):
    case = _handling_case_of(ZJ)
    party = _unlinked(case, "县住房和城乡建设局（局机关）", "unit")
    db.session.commit()
    clerk = make_client("clerk")
    page = _text(clerk.get("/admin/accused_link/"))
    row = re.search(r"<tr>\s*<td class=\"party-name\">县住房和城乡建设局（局机关）</td>\s*<td>([^<]*)</td>", page)
    assert row and case.number in row.group(1)
    # a bad choice: a message, nothing changed
    resp = clerk.post("/admin/accused_link/link/", data={"party_id": party.id, "department_id": ""},
                      follow_redirects=True)
    assert "请选择要关联的单位" in _text(resp)
    assert db.session.get(Party, party.id).department_id is None
    resp = clerk.post("/admin/accused_link/link/", data={"party_id": party.id, "department_id": _dept(ZJ).id},
                      follow_redirects=True)
    assert f"已将“县住房和城乡建设局（局机关）”关联到“{ZJ}”" in _text(resp)
    db.session.expire_all()
    assert db.session.get(Party, party.id).department_id == _dept(ZJ).id
    assert "县住房和城乡建设局（局机关）" not in _text(clerk.get("/admin/accused_link/"))
    log = db.session.execute(select(AuditLog).where(AuditLog.action == "accused_link")).scalar_one()
    assert log.detail == f"被反映单位“县住房和城乡建设局（局机关）”：未关联 → {ZJ}"
    # a petitioner is no accused party: refused
    pet = next(cp.party for cp in case.parties if cp.role == "petitioner")
    resp = clerk.post("/admin/accused_link/link/", data={"party_id": pet.id, "department_id": _dept(ZJ).id},
                      follow_redirects=True)
    assert "所选被反映单位不存在" in _text(resp)
    # and the accusation is now kept from handler1
    case.purpose = "accusation"
    db.session.commit()
    assert make_client("handler1").get(f"/admin/case/details/?id={case.id}").status_code == 404


def test_unlinked_accused_screen_is_for_the_office(make_client):
    for who in ("handler1", "leader", "archivist"):
        c = make_client(who)
        assert c.get("/admin/accused_link/").status_code == 403
        assert c.post("/admin/accused_link/relink/").status_code == 403
    resp = make_client("admin").post("/admin/accused_link/relink/", follow_redirects=True)
    assert resp.status_code == 200 and "没有可以按名称或简称关联的被反映单位" in _text(resp)


def test_demo_accusation_against_an_abbreviation_is_linked(demo_app):
    rows = db.session.execute(select(Party).join(CaseParty, CaseParty.party_id == Party.id).where(
        CaseParty.role == "accused", Party.kind == "unit")).scalars().all()
    assert rows and all(p.department_id is not None for p in rows)
    assert any(p.name == "住建局" and p.department_id == _dept(ZJ).id for p in rows)
    assert _dept(ZJ).aliases == "住建局 县住建局 住房和城乡建设局"


def test_party_screen_links_an_accused_party_to_a_department(make_client):
    case = _handling_case_of(ZJ)
    party = _unlinked(case, "县住建局城建股", "unit")
    db.session.commit()
    clerk = make_client("clerk")
    page = _text(clerk.get(f"/admin/party/edit/?id={party.id}"))
    assert 'name="department"' in page and "本县单位（被反映单位/被反映人所在单位）" in page
    resp = clerk.post(f"/admin/party/edit/?id={party.id}", data={
        "name": party.name, "sex": "", "ethnicity": "", "phone": "", "address": "", "hukou": "",
        "occupation": "", "department": _dept(ZJ).id})
    assert resp.status_code == 302, _text(resp)[:2000]
    db.session.expire_all()
    assert db.session.get(Party, party.id).department_id == _dept(ZJ).id


def test_a_department_name_may_not_be_another_departments_short_name(demo_app):
    rs = _dept(RS)
    rs.name = "住建局"
    db.session.flush()
    assert departments.check_aliases(db.session, rs) == "名称“住建局”已是“县住房和城乡建设局”的简称，请先修改该单位的简称"
