"""What every role sees on the demo office, page by page: Chinese words, local times, one heading.

Logs in as each demo role, follows the menu and the list -> detail links of the demo, and checks the
text a person reads (not the markup): no "None", no Flask-Admin English left untranslated, no
timestamp with microseconds or in ISO form, and exactly one <h1> per page."""
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

ROLES = ("admin", "clerk", "leader", "archivist", "handler1")
SKIP = re.compile(r"/logout|/static/|/delete|/login|/export|/download|/attachment/\d|/print|\.xlsx|/ajax/")
LIST = re.compile(r"^/admin/[a-z_]+/$")
PER_LIST = 3  # detail pages followed from each list
BAD_TEXT = [
    (re.compile(r"(?<![A-Za-z_])None(?![A-Za-z])"), "None"),
    (re.compile(r"Failed to"), "Failed to"),
    (re.compile(r"\d{2}:\d{2}:\d{2}\.\d+"), "microseconds"),
    (re.compile(r"\+00:00"), "+00:00"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:"), "ISO time"),
]
# Flask-Admin words that would show in English on a button, link or heading.
ENGLISH = {"Save", "Cancel", "List", "Create", "Delete", "Edit", "View", "Details", "Search", "Add Filter",
           "Export", "Apply", "Reset Filters", "Save and Add Another", "Save and Continue Editing",
           "Home", "With selected", "Are you sure?", "Record", "Filter", "Next", "Previous", "Back",
           "Submit", "Yes", "No", "True", "False"}


class Page(HTMLParser):
    """The visible text, the link targets, the labels of links and buttons, and the <h1> count."""

    def __init__(self):
        super().__init__()
        self.text, self.links, self.labels, self.h1 = [], [], [], 0
        self._skip = 0
        self._label = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "h1":
            self.h1 += 1
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("a", "button", "h1", "th", "label", "option"):
            self._label = []
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.labels.append(a["value"])
        for key in ("placeholder", "title"):
            if a.get(key):
                self.text.append(a[key])
        if tag == "input" and a.get("type") != "hidden" and a.get("value"):
            self.text.append(a["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag in ("a", "button", "h1", "th", "label", "option") and self._label is not None:
            self.labels.append("".join(self._label).strip())
            self._label = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._label is not None:
            self._label.append(data)


def _read(html):
    p = Page()
    p.feed(html)
    return p


def _problems(html):
    page = _read(html)
    text = " ".join(page.text)
    found = [name for rx, name in BAD_TEXT if rx.search(text)]
    if re.search(r'data-role="(datepicker|datetimepicker)"', html):
        found.append("English date picker")
    found += [f"English '{label}'" for label in page.labels if label in ENGLISH]
    if page.h1 != 1:
        found.append(f"{page.h1} <h1>")
    return found, page


def _local(href, base):
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or SKIP.search(parts.path) or not parts.path.startswith("/admin"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _menu_links(html):
    nav = html.split("</nav>", 1)[0]
    return [h for h in _read(nav).links if h.startswith("/admin")]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_speaks_chinese_in_local_time(make_client, role):
    client = make_client(role)
    home = client.get("/admin/")
    assert home.status_code == 200
    start = ["/admin/"] + _menu_links(home.get_data(as_text=True))
    seen, queue, report = set(), list(dict.fromkeys(start)), {}
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        resp = client.get(url)
        if resp.status_code != 200 or "text/html" not in resp.content_type:
            continue
        html = resp.get_data(as_text=True)
        problems, page = _problems(html)
        if problems:
            report[url] = problems
        if url.split("?")[0] in [u.split("?")[0] for u in start] or LIST.match(url.split("?")[0]):
            found = list(dict.fromkeys(u for u in (_local(h, url) for h in page.links) if u and u not in seen))
            queue.extend([u for u in found if "/new/" in u]
                         + [u for u in found if re.search(r"/(details|edit)/|/\d+$", u)][:PER_LIST])
    assert len(seen) > 10
    assert report == {}, "\n".join(f"{u}: {p}" for u, p in report.items())


def test_hearing_pages_speak_chinese(session, make_client):
    """The demo has no hearing: one made here through the moves (proposed, approved, held) and one
    pending, then the hearing list, page and notice, the case page and the hearing forms as each role."""
    from datetime import date
    from sqlalchemy import select
    from models import Case, Department, User
    from services import workflow
    from services.clock import office_day

    def user(name):
        return session.execute(select(User).where(User.username == name)).scalar_one()
    cases = list(session.execute(select(Case).join(Department, Department.id == Case.department_id).where(
        Department.name == "县住房和城乡建设局", Case.status == "handling").order_by(Case.id).limit(2)).scalars())
    proposal = {"reason": "案情复杂，涉及多方利益", "start_on": "2026-11-16", "end_on": "2026-11-17",
                "place": "县信访局听证室", "chair": "王主任", "panel": "赵律师\n钱代表",
                "participants": "信访人\n县住房和城乡建设局", "is_public": "1"}
    for case in cases:
        workflow.perform(session, user("handler1"), case, "hearing_propose", **proposal)
    workflow.perform(session, user("leader"), cases[0], "hearing_decide", approve="1", note="同意")
    with office_day(date(2026, 11, 18)):
        workflow.perform(session, user("handler1"), cases[0], "hearing_record", start_on="2026-11-16",
                         end_on="2026-11-17", record="笔录", conclusion="建议维持原处理意见")
    session.commit()
    ids = [c.hearings[0].id for c in cases]
    report, checked = {}, 0
    for role in ROLES:
        client = make_client(role)
        urls = ["/admin/hearing/"] + [f"/admin/hearing/details/?id={i}" for i in ids] \
            + [f"/admin/hearing/notice/?id={i}" for i in ids] + [f"/admin/case/details/?id={c.id}" for c in cases] \
            + [f"/admin/moves/{m}/{cases[1].id}/" for m in ("hearing_decide", "hearing_cancel")] \
            + [f"/admin/moves/{m}/{cases[0].id}/" for m in ("hearing_propose", "reply")]
        for url in urls:
            resp = client.get(url)
            if resp.status_code != 200:
                continue
            checked += 1
            problems, _page = _problems(resp.get_data(as_text=True))
            if problems:
                report[f"{role} {url}"] = problems
    assert checked > 30
    assert report == {}, "\n".join(f"{u}: {p}" for u, p in report.items())
