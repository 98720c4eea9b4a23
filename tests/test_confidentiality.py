"""保密: an accuser's identity, masked ID and phone numbers, 回避."""
import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from models import Case, CaseAssist, CaseInterest, CaseParty, Department, Party, User, db
from services import access

ID = "110101199003071234"
PHONE = "13812345678"
NAME = "检举人甲某"


def _dept(name):
    return db.session.execute(select(Department).where(Department.name == name)).scalar_one()


def _user(name):
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


@pytest.fixture
def accusation(demo_app):
    """An accusation of 县纪委监委 that 住建局 (handler1) assists: in handler1's reach, but handler1
    is not the discipline department. Built here, the demo has none assisted by 住建局."""
    case = db.session.execute(select(Case).where(
        Case.purpose == "accusation", Case.status == "handling",
        Case.department_id == _dept("县纪委监委").id).order_by(Case.id)).scalars().first()
    db.session.add(CaseAssist(case=case, department=_dept("县住房和城乡建设局")))
    party = Party(name=NAME, id_number=ID, phone=PHONE, address="示范县城关镇解放路1号")
    db.session.add(party)
    db.session.add(CaseParty(case=case, party=party, role="petitioner"))
    db.session.commit()
    return case


def _page(client, case):
    resp = client.get(f"/admin/case/details/?id={case.id}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _parties_table(body):
    m = re.search(r'<table[^>]*id="case-parties".*?</table>', body, re.S)
    return m.group(0)


def test_handler1_sees_the_accusation_but_not_the_accuser(make_client, accusation):
    body = _page(make_client("handler1"), accusation)
    assert accusation.number in body
    assert "（保密）" in _parties_table(body)
    for secret in (NAME, ID, PHONE, "110101********1234", "138****5678", "解放路1号"):
        assert secret not in body, secret
    # every other petitioner of the case is masked too
    for p in accusation.petitioners:
        assert p.name not in _parties_table(body)


def test_discipline_handler3_sees_the_accuser(make_client, accusation):
    body = _page(make_client("handler3"), accusation)
    table = _parties_table(body)
    assert NAME in table and "（保密）" not in table
    assert ID in table and PHONE in table  # the responsible department works with the full numbers


def test_clerk_sees_full_id_and_leader_sees_it_masked(make_client, accusation):
    clerk = _parties_table(_page(make_client("clerk"), accusation))
    assert NAME in clerk and ID in clerk and PHONE in clerk
    leader = _page(make_client("leader"), accusation)
    assert "（保密）" in _parties_table(leader)
    assert NAME not in leader and ID not in leader and PHONE not in leader


def test_request_case_numbers_masked_in_exact_format(make_client, demo_app):
    """A 申诉求决 case of 住建局: the leader sees the name but masked numbers; handler1 (responsible)
    and the clerk see the full numbers on the case page; the ledger export has the name and no number."""
    case = db.session.execute(select(Case).where(
        Case.purpose == "request", Case.status == "handling",
        Case.department_id == _dept("县住房和城乡建设局").id).order_by(Case.id)).scalars().first()
    party = Party(name="信访人乙某", id_number=ID, phone=PHONE)
    db.session.add(party)
    db.session.add(CaseParty(case=case, party=party, role="petitioner"))
    db.session.commit()
    leader = _parties_table(_page(make_client("leader"), case))
    assert "信访人乙某" in leader
    assert "110101********1234" in leader and "138****5678" in leader and ID not in leader
    assert ID in _parties_table(_page(make_client("handler1"), case))
    assert ID in _parties_table(_page(make_client("clerk"), case))
    resp = make_client("handler1").get(f"/admin/case/export.xlsx?search={case.number}")
    assert resp.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(resp.get_data()), read_only=True)
    cells = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v]
    text = "\n".join(cells)
    assert case.number in text and "信访人乙某" in text
    # the ledger's columns (issue 14) carry no ID or phone number, masked or not
    assert ID not in text and PHONE not in text and "110101********1234" not in text
    clerk = make_client("clerk").get(f"/admin/case/export.xlsx?search={case.number}")
    wb = openpyxl.load_workbook(io.BytesIO(clerk.get_data()), read_only=True)
    assert "信访人乙某" in "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                                 for v in row if v)


def test_accusation_export_hides_the_accuser_from_non_discipline(make_client, accusation):
    resp = make_client("handler1").get(f"/admin/case/export.xlsx?search={accusation.number}")
    assert resp.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(resp.get_data()), read_only=True)
    text = "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)
    assert accusation.number in text and "（保密）" in text
    for secret in (NAME, ID, PHONE, "110101********1234", "138****5678"):
        assert secret not in text, secret


def test_party_screen_is_office_only_and_masks_for_everyone_else(make_client, accusation):
    party = db.session.execute(select(Party).where(Party.name == NAME)).scalar_one()
    for who in ("handler1", "handler3", "leader", "archivist"):
        c = make_client(who)
        assert c.get("/admin/party/").status_code == 403
        assert c.get(f"/admin/party/details/?id={party.id}").status_code == 403
    body = make_client("clerk").get(f"/admin/party/details/?id={party.id}").get_data(as_text=True)
    assert ID in body
    # the accuser appears only in an accusation: no non-office role has them in reach
    for who in ("handler1", "leader", "archivist"):
        visible = db.session.execute(select(Party.id).where(
            access.scope_filter(db.session, _user(who), Party))).scalars().all()
        assert party.id not in visible, who
    assert party.id in db.session.execute(select(Party.id).where(
        access.scope_filter(db.session, _user("handler3"), Party))).scalars().all()


def test_recusal_handler_with_an_interest_cannot_be_made_handler(demo_app):
    case = db.session.execute(select(Case).where(
        Case.status == "assigned", Case.department_id == _dept("县住房和城乡建设局").id)).scalars().first()
    h1 = _user("handler1")
    assert access.may_handle(db.session, h1, case)
    db.session.add(CaseInterest(case=case, user=h1, reason="与信访人系近亲属"))
    db.session.commit()
    assert not access.may_handle(db.session, h1, case)
    assert not access.may_handle(db.session, _user("clerk"), case)


def _register_request_by(petitioner_id, petitioner_name):
    from datetime import date
    from services.registration import PartyInput, RegistrationInput, register_case

    data = RegistrationInput(channel="letter", received_on=date(2026, 11, 19), purpose="request",
                             category="劳动社保", summary="反映工资被拖欠三个月，要求尽快支付。",
                             petitioners=[PartyInput(name=petitioner_name, id_number=petitioner_id)])
    case = register_case(db.session, _user("clerk"), data)
    case.department_id = _dept("县住房和城乡建设局").id
    case.status = "assigned"
    db.session.commit()
    return case


def test_repeat_links_do_not_tie_an_accuser_to_their_accusation(accusation, make_client):
    from services.validation import id_check_char

    valid_id = ID[:17] + id_check_char(ID[:17])
    accuser = db.session.execute(select(Party).where(Party.id_number == ID)).scalar_one()
    accuser.id_number = valid_id
    db.session.commit()
    later = _register_request_by(valid_id, NAME)
    # The registration note names the earlier case; the clerk sees the link and the number.
    assert later.repeat_of_id == accusation.id
    clerk_page = _page(make_client("clerk"), later)
    assert accusation.number in clerk_page and "同一信访人的此前信访事项" in clerk_page
    # The leader sees the later (ordinary) case, but nothing that points at the accusation.
    for who in ("leader", "handler1"):
        body = _page(make_client(who), later)
        assert NAME in body  # an ordinary request: its petitioner is not secret
        assert accusation.number not in body, who
        assert "同一信访人的此前信访事项" not in body, who
        assert "（另一信访事项）" in body  # the timeline note keeps its sense, without the number


def test_withheld_attachment_names_are_not_shown(accusation, make_client):
    clerk = make_client("clerk")
    resp = clerk.post(f"/admin/attachment/upload/{accusation.id}",
                      data={"kind": "letter", "file": (io.BytesIO(b"%PDF-1.4"), "检举人甲某实名举报信.pdf")},
                      content_type="multipart/form-data")
    assert resp.status_code == 302
    assert "检举人甲某实名举报信.pdf" in _page(clerk, accusation)
    body = _page(make_client("leader"), accusation)
    assert "实名举报信" not in body and "（保密材料）" in body
    assert "检举人甲某实名举报信.pdf" in _page(make_client("handler3"), accusation)


# ---- every place two cases of one petitioner are shown together --------------------------------
# The crawl's scene (tests/test_identity_crawl.py): 钱多多's two accusations (accused units spelled
# loosely) and a plain request of theirs that 住建局 handles, with the packagings a clerk might try.
from tests import test_identity_crawl as crawl  # noqa: E402

scene = crawl.scene


def _doors(scene):
    """The places that show several cases at once: the repeat list on each case page, each package
    page and the 包案台账, the overdue list and its Excel (a week past every due date), the
    statistics report and its Excel, the case list and its export, the reception list."""
    urls = [f"/admin/case/details/?id={c.id}" for c in (*scene["accusations"], scene["plain"])]
    urls += [f"/admin/package/details/?id={p.id}" for p in scene["packages"]]
    urls += ["/admin/package/", "/admin/sheets/packages.xlsx", "/admin/overdue/",
             "/admin/overdue/export.xlsx", "/admin/statistics/?period=month&year=2026&month=11",
             "/admin/statistics/export.xlsx?period=month&year=2026&month=11",
             "/admin/case/", "/admin/case/export.xlsx", "/admin/reception/"]
    return urls


@pytest.mark.parametrize("username", ["handler1", "handler2", "leader", "leader2", "leader3", "archivist"])
def test_no_door_shows_an_accusation_beside_its_accuser(make_client, scene, username, time_machine):
    from tests.conftest import DEMO_TODAY, noon
    from datetime import timedelta

    opened = 0
    for when in (DEMO_TODAY, DEMO_TODAY + timedelta(days=70)):
        time_machine.move_to(noon(when))
        client = make_client(username)  # a login of that day (a session cookie does not travel back)
        for url in _doors(scene):
            resp = client.get(url)
            assert resp.status_code in (200, 302, 403, 404), (url, resp.status_code)
            if resp.status_code != 200:
                continue
            opened += 1
            body = crawl._text(resp)
            for unit in crawl._units(url, resp, body):
                if any(m in unit for m in scene["markers"]):
                    leaked = [s for s in crawl.SECRETS if s in unit]
                    assert not leaked, f"{username} sees {leaked} beside the accusation at {url}"
            if username == "handler1":  # 住建局 is the accused unit of 甲案
                assert not any(m in body for m in scene["accused_unit"]["handler1"]), url
    least = 2 if username == "archivist" else 10  # the archivist reaches only the case list and export
    assert opened >= least, f"{username} opened only {opened} of the doors"


def test_an_accusation_is_never_packaged_with_its_accusers_other_case(scene):
    """The scene's clerk tried to package 丙案 with 甲案: refused, so each went alone."""
    accusation_ids = {c.id for c in scene["accusations"]}
    for pkg in scene["packages"]:
        kinds = {c.id in accusation_ids for c in pkg.cases}
        assert len(kinds) == 1, [c.number for c in pkg.cases]
    assert len(scene["packages"]) == 2


def test_free_texts_on_the_case_page_mask_a_number_out_of_reach(make_client, demo_app):
    """答复意见, 办结报告, 回访, 领导批示, 摘要 … are filtered as the timeline's notes: a handler reads
    the number of an accusation out of his reach as （另一信访事项）, on the page, its print and the
    move forms; his own case's number and a case he may see stay."""
    zj = _dept("县住房和城乡建设局")
    mine = db.session.execute(select(Case).where(
        Case.status == "handling", Case.purpose == "request", Case.department_id == zj.id)
        .order_by(Case.id)).scalars().first()
    other_mine = db.session.execute(select(Case).where(
        Case.purpose == "request", Case.department_id == zj.id, Case.id != mine.id)
        .order_by(Case.id)).scalars().first()
    secret = db.session.execute(select(Case).where(
        Case.purpose == "accusation", Case.department_id == _dept("县纪委监委").id).order_by(Case.id)).scalars().first()
    handler = _user("handler1")
    assert not access.can_see_case(db.session, handler, secret)
    assert access.can_see_case(db.session, handler, other_mine)
    said = f"经查与{secret.number}所涉问题有关，并参照{other_mine.number}、{mine.number}办理"
    mine.summary = "摘要：" + said
    mine.reply_text = "答复：" + said
    mine.handling_report = "报告：" + said
    mine.follow_up_note = "回访：" + said
    mine.satisfaction = "satisfied"
    mine.leader_instruction = "批示：" + said
    db.session.commit()
    client = make_client("handler1")
    shown = f"经查与（另一信访事项）所涉问题有关，并参照{other_mine.number}、{mine.number}办理"
    for url in (f"/admin/case/details/?id={mine.id}", f"/admin/case/print/?id={mine.id}"):
        resp = client.get(url)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 200, url
        assert secret.number not in body and shown in body, url
    # a move form shows the summary filtered (its input boxes hold the texts to edit, unchanged)
    body = client.get(f"/admin/moves/reply/{mine.id}/").get_data(as_text=True)
    summary = re.search(r"<th>内容摘要</th><td[^>]*>(.*?)</td>", body, re.S).group(1)
    assert summary == ("摘要：" + shown)[:120]
    body = _page(client, mine)
    reply = re.search(r'id="case-reply">(.*?)</td>', body, re.S).group(1)
    assert reply == "答复：" + shown
    for head in ("报告：", "回访：", "批示：", "摘要："):
        assert head + shown in body, head
    # the clerk, who may see the accusation, reads the number
    assert secret.number in _page(make_client("clerk"), mine)
