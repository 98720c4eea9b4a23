"""services/access.py on small hand-built offices (the `app` fixture: empty schema)."""
from datetime import date
from itertools import count

import pytest
from sqlalchemy import select

from models import (ArchiveRecord, Case, CaseAssist, CaseInterest, CaseParty, Department,
                    PackageAssignment, Party, ReceptionSchedule, User, db)
from services import access

_seq = count(1)


def dept(name, parent=None, kind="unit"):
    d = Department(name=name, kind=kind, parent=parent)
    db.session.add(d)
    db.session.flush()
    return d


def user(username, role, department):
    u = User(username=username, full_name=username, role=role, department=department,
             password_hash="x", active=True)
    db.session.add(u)
    db.session.flush()
    return u


def case(department=None, status="handling", purpose="request", **kw):
    n = next(_seq)
    c = Case(number=f"2026-{n:06d}", query_code=f"Q{n:06d}", channel="letter", purpose=purpose,
             category="其他", received_on=date(2026, 10, 1), summary=f"摘要{n}", status=status,
             department=department, **kw)
    db.session.add(c)
    db.session.flush()
    return c


def party(name, id_number=None, phone=None, kind="person"):
    p = Party(name=name, id_number=id_number, phone=phone, kind=kind)
    db.session.add(p)
    db.session.flush()
    return p


def link(c, p, role="petitioner"):
    db.session.add(CaseParty(case=c, party=p, role=role))
    db.session.flush()


def seen(u, model=Case):
    return set(db.session.execute(select(model.id).where(access.scope_filter(db.session, u, model))).scalars())


@pytest.fixture
def office(app):
    o = {}
    o["root"] = root = dept("县政府")
    o["xfj"] = dept("县信访局", root, "office")
    o["jw"] = dept("县纪委监委", root, "discipline")
    o["jw_sub"] = dept("派驻第一纪检监察组", o["jw"], "discipline")
    o["zj"] = zj = dept("县住建局", root)
    o["cg"] = dept("县城管执法大队", zj)
    o["rs"] = dept("县人社局", root)
    for name, role, d in (("admin", "admin", "xfj"), ("clerk", "clerk", "xfj"), ("h1", "handler", "zj"),
                          ("h1sub", "handler", "cg"), ("h2", "handler", "rs"), ("h3", "handler", "jw"),
                          ("h3sub", "handler", "jw_sub"), ("leader", "leader", "root"),
                          ("leader2", "leader", "rs"), ("arch", "archivist", "xfj")):
        o[name] = user(name, role, o[d])
    return o


def test_handler_reach_is_department_subtree_responsible_or_assisting(office):
    o = office
    own, sub, other = case(o["zj"]), case(o["cg"]), case(o["rs"])
    assisting = case(o["rs"])
    db.session.add(CaseAssist(case=assisting, department=o["cg"]))
    unassigned = case(None, status="registered")
    assert seen(o["h1"]) == {own.id, sub.id, assisting.id}
    assert seen(o["h1sub"]) == {sub.id, assisting.id}  # not the parent department's cases
    assert seen(o["h2"]) == {other.id, assisting.id}
    assert unassigned.id not in seen(o["h1"]) | seen(o["h2"])
    assert seen(o["clerk"]) == seen(o["admin"]) == {own.id, sub.id, other.id, assisting.id, unassigned.id}


def test_leader_reach_packages_receptions_standin_and_department(office):
    o = office
    dept_case, other = case(o["rs"]), case(o["zj"])
    r = ReceptionSchedule(day=date(2026, 10, 1), place="接待室", leader=o["leader"], standin=o["leader2"])
    db.session.add(r)
    db.session.flush()
    received = case(o["zj"], reception_id=r.id)
    packaged = case(o["zj"])
    pkg = PackageAssignment(title="包案", leader=o["leader2"], department=o["zj"], responsible_person="甲",
                            deadline=date(2026, 12, 1), plan="方案")
    pkg.cases.append(packaged)
    db.session.add(pkg)
    instructed = case(o["zj"], leader_id=o["leader2"].id)
    db.session.flush()
    assert seen(o["leader2"]) == {dept_case.id, received.id, packaged.id, instructed.id}
    assert other.id not in seen(o["leader2"])
    # the stand-in sees the reception day's case, and so does the leader (whose branch is all)
    assert received.id in seen(o["leader"])
    assert seen(o["leader2"], PackageAssignment) == {pkg.id}
    assert seen(o["h2"], PackageAssignment) == set()


def test_archivist_sees_closed_and_archived_only_and_moves_nothing_else(office):
    o = office
    closed, archived, open_ = case(o["zj"], "closed"), case(o["zj"], "archived"), case(o["zj"])
    assert seen(o["arch"]) == {closed.id, archived.id}
    assert access.may_move(db.session, o["arch"], "archive", closed)
    assert not access.may_move(db.session, o["arch"], "archive", open_)
    assert not access.may_view(o["arch"], "case", access.E)
    rec = ArchiveRecord(case=closed, archive_number="A-1", filed_on=date(2026, 11, 1))
    db.session.add(rec)
    db.session.flush()
    assert seen(o["arch"], ArchiveRecord) == {rec.id}
    assert seen(o["h2"], ArchiveRecord) == set()


@pytest.mark.parametrize("move,allowed", [
    ("register", {"clerk"}), ("accept", {"clerk"}), ("assign", {"clerk"}), ("forward", {"clerk"}),
    ("transfer", {"clerk"}), ("extend_decide", {"leader"}), ("close_decide", {"leader"}),
    ("archive", {"archivist"}), ("void", {"admin"}), ("manage_users", {"admin"}),
    ("sign_for", {"handler"}), ("reply", {"handler"}),
])
def test_move_roles(office, move, allowed):
    users = {"admin": office["admin"], "clerk": office["clerk"], "handler": office["h1"],
             "leader": office["leader"], "archivist": office["arch"]}
    assert {r for r, u in users.items() if access.may_move(db.session, u, move)} == allowed


def test_case_move_roles_are_the_workflow_spec(office):
    """may_move's roles for a case move are its entry's roles in services/workflow/spec.py."""
    from services.workflow import spec
    users = {"admin": office["admin"], "clerk": office["clerk"], "handler": office["h1"],
             "leader": office["leader"], "archivist": office["arch"]}
    for move, entry in spec.MOVES.items():
        assert {r for r, u in users.items() if access.may_move(db.session, u, move)} == entry.roles, move
    assert not set(spec.MOVES) & set(access.OTHER_RIGHTS)


def test_move_clause_is_the_sql_twin_of_may_move(office):
    from services.workflow import spec
    o = office
    cases = [case(o["zj"]), case(o["cg"]), case(o["rs"]), case(None, status="registered"),
             case(o["zj"], status="closed")]
    db.session.add(CaseAssist(case=cases[2], department=o["zj"]))
    db.session.flush()
    for name in ("admin", "clerk", "h1", "h1sub", "h2", "leader", "leader2", "arch"):
        for move in spec.MOVES:
            allowed = set(db.session.execute(select(Case.id).where(
                access.move_clause(db.session, o[name], move))).scalars())
            assert allowed == {c.id for c in cases if access.may_move(db.session, o[name], move, c)}, (name, move)


def test_moves_need_reach_and_responsible_department(office):
    o = office
    mine, theirs = case(o["zj"]), case(o["rs"])
    db.session.add(CaseAssist(case=theirs, department=o["zj"]))
    other = case(o["rs"])
    assert access.may_move(db.session, o["h1"], "reply", mine)
    assert not access.may_move(db.session, o["h1"], "reply", theirs)  # assisting: sees, does not act
    assert not access.may_move(db.session, o["h1"], "sign_for", other)
    assert access.can_see_case(db.session, o["h1"], theirs)
    assert not access.may_move(db.session, o["leader2"], "close_decide", mine)
    assert access.may_move(db.session, o["leader2"], "close_decide", other)
    assert not access.may_move(db.session, None, "register")


def test_screen_rights(office):
    o = office
    assert access.may_view(o["admin"], "user", access.E)
    assert not access.may_view(o["clerk"], "user")
    assert not access.may_view(o["h1"], "party")
    assert access.may_view(o["clerk"], "party", access.E)
    assert not access.may_view(o["h1"], "no-such-screen")
    assert not access.may_view(None, "case")
    assert access.may_view(o["arch"], "case") and not access.may_view(o["arch"], "case", access.C)


def test_accusation_identity_for_office_and_assigned_discipline_only(office):
    o = office
    acc = case(o["jw"], purpose="accusation")
    db.session.add(CaseAssist(case=acc, department=o["rs"]))
    p = party("举报人甲", "110101199003071234", "13812345678")
    link(acc, p)
    for who in ("clerk", "admin", "h3"):
        assert access.party_view(db.session, o[who], acc, p)["name"] == "举报人甲", who
    for who in ("h1", "h2", "leader", "leader2", "arch", "h3sub"):
        shown = access.party_view(db.session, o[who], acc, p)
        assert shown == {"name": "（保密）", "id_number": "", "phone": "", "address": "", "masked": True}, who
    sub_acc = case(o["jw_sub"], purpose="accusation")
    link(sub_acc, p)
    for who in ("h3", "h3sub", "clerk"):  # the discipline branch above knows it too
        assert access.party_view(db.session, o[who], sub_acc, p)["name"] == "举报人甲", who
    assert access.party_view(db.session, o["leader"], sub_acc, p)["name"] == "（保密）"
    # a request case: numbers masked for non-office in lists, full for the responsible handler's page
    req = case(o["zj"])
    link(req, p)
    assert access.party_view(db.session, o["h1"], req, p)["id_number"] == "110101199003071234"
    listed = access.party_view(db.session, o["h1"], req, p, in_list=True)
    assert (listed["id_number"], listed["phone"]) == ("110101********1234", "138****5678")
    assert access.party_view(db.session, o["leader"], req, p)["id_number"] == "110101********1234"
    assert access.party_view(db.session, o["clerk"], req, p, in_list=True)["phone"] == "13812345678"
    # the party screen's scope: h2 sees the person through the accusation? no; through nothing else
    assert p.id not in seen(o["h2"], Party)
    assert p.id in seen(o["h1"], Party)  # via the request case, identity allowed there


def test_accusation_never_reaches_the_accused_unit(office):
    o = office
    acc = case(o["jw"], purpose="accusation")
    db.session.add(CaseAssist(case=acc, department=o["zj"]))
    accused = party("县住建局", kind="unit")
    accused.department_id = o["zj"].id
    link(acc, accused, role="accused")
    assert acc.id not in seen(o["h1"])
    assert acc.id not in seen(o["h1sub"])  # a sub-unit of the accused unit
    assert acc.id in seen(o["h3"])
    ok, msg = access.may_route_to(db.session, acc, o["zj"])
    assert not ok and msg == "检举控告类事项不得交办、转交或请被反映单位（及其上下级单位）配合办理。"
    assert not access.may_route_to(db.session, acc, o["cg"])[0]
    assert access.may_route_to(db.session, acc, o["jw"])[0]


def test_masking_formats():
    assert access.mask_id("110101199003071234") == "110101********1234"
    assert access.mask_id("11010119900307123X") == "110101********123X"
    assert access.mask_id("110101900307123") == "110101*****7123"
    assert access.mask_phone("13812345678") == "138****5678"
    assert access.mask_phone("") == access.mask_id(None) == ""
    for short in ("123456789", "88886666", "1234567"):  # never the whole number
        assert access.mask_id(short) != short and access.mask_phone(short) != short


def test_may_handle_recusal(office):
    o = office
    c = case(o["zj"])
    assert access.may_handle(db.session, o["h1"], c)
    db.session.add(CaseInterest(case=c, user=o["h1"], reason="信访人系其亲属"))
    db.session.flush()
    assert not access.may_handle(db.session, o["h1"], c)
    assert access.may_handle(db.session, o["h1sub"], c)
    assert not access.may_handle(db.session, o["clerk"], c)  # not a handler
    assert not access.may_handle(db.session, o["h2"], c, department_id=o["zj"].id)
    o["h1sub"].active = False
    assert not access.may_handle(db.session, o["h1sub"], c)


def test_unknown_models_and_anonymous_are_closed(office):
    class Anonymous:
        is_authenticated = False
    assert seen(Anonymous()) == set()
    assert str(access.case_filter(db.session, None)) == "false"
    assert seen(office["h1"], User) == {office["h1"].id, office["h1sub"].id}
    assert seen(office["h1"], Department) == {office["zj"].id, office["cg"].id}
    assert len(seen(office["clerk"], Department)) == 7


def test_office_leader_oversees_every_case(office):
    o = office
    boss = user("xfj_leader", "leader", o["xfj"])
    cases = {case(o["zj"]).id, case(o["rs"]).id, case(None, status="registered").id}
    assert cases <= seen(boss)
    assert cases - seen(o["leader2"])  # a department leader does not see unassigned cases


def test_department_cache_follows_changes(office):
    o = office
    c = case(o["rs"])
    assert c.id not in seen(o["h1"])
    o["rs"].parent = o["zj"]  # 人社局 moved under 住建局
    db.session.flush()
    assert c.id in seen(o["h1"])
