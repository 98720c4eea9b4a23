"""The confidentiality crawl: every page and export a non-office user can reach by following links,
checked for (a) the accused unit reading an accusation against it and (b) an accuser's identity on
the same page as their accusation. The accused units are spelled the ways a clerk writes them."""
import io
import re
from collections import deque
from datetime import date
from urllib.parse import urljoin, urlsplit

import openpyxl
import pytest
from sqlalchemy import select

from models import Department, User, db
from services import ServiceError, ValidationFailed, packages, workflow
from services.registration import PartyInput, RegistrationInput, register_case
from services.validation import id_check_char

ACCUSER = "钱多多"
ACCUSER_ID = "41142119770707123" + id_check_char("41142119770707123")
ACCUSER_PHONE = "13687654321"
SECRETS = (ACCUSER, ACCUSER_ID, ACCUSER_PHONE, ACCUSER_ID[:6] + "********" + ACCUSER_ID[-4:],
           ACCUSER_PHONE[:3] + "****" + ACCUSER_PHONE[-4:])
# Who is crawled: every non-office role except the discipline department, who may know accusers.
CRAWLED = ("handler1", "handler2", "handler4", "handler7", "leader", "leader2", "leader3", "archivist")
LIST_PAGE = re.compile(r"^/admin/((case|archive|loan|party|audit|package|overdue|reception)/)?$")
SKIP = re.compile(r"/logout|/static/|/delete|/login")
PER_PATH, PER_USER = 12, 260


def _dept(name):
    return db.session.execute(select(Department).where(Department.name == name)).scalar_one()


def _user(username):
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def _accuser():
    return PartyInput(name=ACCUSER, id_number=ACCUSER_ID, phone=ACCUSER_PHONE, address="示范县河口镇新街9号")


def _register(purpose, summary, accused=(), category="纪检监察"):
    data = RegistrationInput(channel="letter", received_on=date(2026, 11, 18), purpose=purpose,
                             category=category, summary=summary, petitioners=[_accuser()],
                             accused=list(accused))
    case = register_case(db.session, _user("clerk"), data)
    db.session.commit()
    workflow.perform(db.session, _user("clerk"), case, "accept", accepted_on="2026-11-19")
    db.session.commit()
    return case


def _assign(case, dept, assists=()):
    """Route as a careless clerk would; a refused door is the wanted outcome, then route plainly."""
    clerk = _user("clerk")
    try:
        workflow.perform(db.session, clerk, case, "assign", department_id=str(_dept(dept).id),
                         assist_ids=[str(_dept(a).id) for a in assists])
        db.session.commit()
        return
    except (ServiceError, ValidationFailed):
        db.session.rollback()
    workflow.perform(db.session, clerk, case, "assign", department_id=str(_dept(dept).id))
    db.session.commit()


def _package(cases, leader="leader"):
    data = packages.PackageInput(case_ids=[c.id for c in cases], leader_id=_user(leader).id,
                                 department_id=_dept("县纪委监委").id, responsible_person="周正",
                                 deadline="2026-12-31", plan="约谈核实，限期化解。")
    try:
        pkg = packages.propose(db.session, _user("clerk"), data)
        db.session.commit()
        return pkg
    except (ServiceError, ValidationFailed):
        db.session.rollback()
        return None


@pytest.fixture
def scene(demo_app):
    """Two accusations by one accuser, accused units spelled loosely, and a plain request of the
    same accuser that 住建局 handles; the careless routings and packagings a clerk might try."""
    first = _register("accusation", "检举县住建局工作人员索要好处费（甲案）",
                      [PartyInput(name="县住建局", kind="unit")])
    _assign(first, "县纪委监委", assists=["县住房和城乡建设局"])
    second = _register("accusation", "检举城管执法队员粗暴执法（乙案）",
                       [PartyInput(name="县城市管理综合执法大队", kind="person")])
    _assign(second, "县纪委监委", assists=["县住房和城乡建设局"])
    plain = _register("request", "小区电梯长期停运请求维修（丙案）", category="城乡建设")
    _assign(plain, "县住房和城乡建设局")
    made = [_package([plain, first])]
    if made[0] is None:
        made = [_package([first]), _package([plain], leader="leader2")]
    return {"accusations": [first, second], "plain": plain, "packages": [p for p in made if p],
            "markers": [first.number, second.number, "甲案", "乙案"],
            "accused_unit": {"handler1": [first.number, second.number, "甲案", "乙案"]}}


def _text(resp):
    if resp.mimetype and "spreadsheet" in resp.mimetype:
        wb = openpyxl.load_workbook(io.BytesIO(resp.get_data()), read_only=True)
        return "\n".join("\t".join(str(v) for v in row if v is not None)
                         for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
    if resp.mimetype in ("text/html", "application/json", "text/plain", "text/csv"):
        return resp.get_data(as_text=True)
    return ""


def _units(url, resp, body):
    """What must not hold both an accusation and its accuser: on a list or an export each row
    (rows of different cases sit side by side without saying they share a person); on any other
    page, the whole page."""
    path = urlsplit(url).path
    if resp.mimetype and "spreadsheet" in resp.mimetype:
        return body.split("\n")
    if LIST_PAGE.match(path):
        return re.findall(r"<tr.*?</tr>", body, re.S)
    return [body]


def _links(base, body):
    for href in re.findall(r'href="([^"#]+)"', body):
        url = urljoin(base, href.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or SKIP.search(parts.path):
            continue
        yield parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, seeds):
    """Breadth-first over GET links: (url, text) of every page and export reached."""
    seen, per_path, queue = set(), {}, deque(seeds)
    while queue and len(seen) < PER_USER:
        url = queue.popleft()
        path = urlsplit(url).path
        if url in seen or per_path.get(path, 0) >= PER_PATH:
            continue
        seen.add(url)
        per_path[path] = per_path.get(path, 0) + 1
        resp = client.get(url)
        assert resp.status_code < 500, url
        if resp.status_code != 200:
            continue
        body = _text(resp)
        yield url, resp, body
        if resp.mimetype == "text/html":
            queue.extend(u for u in _links(url, body) if u not in seen)


@pytest.mark.parametrize("username", CRAWLED)
def test_no_page_ties_an_accuser_to_their_accusation(make_client, scene, username):
    seeds = ["/admin/", "/admin/case/", "/admin/package/", "/admin/case/export.xlsx"]
    seeds += [f"/admin/case/details/?id={c.id}" for c in (*scene["accusations"], scene["plain"])]
    seeds += [f"/admin/package/details/?id={p.id}" for p in scene["packages"]]
    forbidden = scene["accused_unit"].get(username, [])
    pages = 0
    for url, resp, body in crawl(make_client(username), seeds):
        pages += 1
        for marker in forbidden:
            assert marker not in body, f"{username} (accused unit) reads {marker} at {url}"
        for unit in _units(url, resp, body):
            if any(m in unit for m in scene["markers"]):
                for secret in SECRETS:
                    assert secret not in unit, \
                        f"{username} sees the accuser ({secret}) beside the accusation at {url}"
    assert pages > 10, f"the crawl of {username} reached only {pages} pages"
