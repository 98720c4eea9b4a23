"""Real-browser fixtures: the app on a free loopback port with a fresh demo office, driven by
Playwright in Debian's chromium (no browser download). Screenshots land in test-artifacts/."""
import logging
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from models import db
from tests.conftest import DEMO_PASSWORD, _base_config, _clone

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("浏览器测试只在 SQLite 轮次运行")
    if not CHROMIUM:
        if os.environ.get("CI") == "true":
            pytest.fail("CI 环境缺少 chromium：请在 .ci/run 中 apt-get install chromium")
        pytest.skip("未找到 chromium，跳过浏览器测试。安装：sudo apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)

    def query(self, sql, **params):
        """Read the live office's database (to find demo data, or to check afterwards); never
        used to change what a scenario does."""
        from sqlalchemy import text

        with self.app.app_context():
            try:
                return db.session.execute(text(sql), params).all()
            finally:
                db.session.remove()


logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in failure output


@pytest.fixture
def live_server(_templates, tmp_path):
    # The server thread reads the same travelled clock as the test (time-machine patches the
    # process, not a thread): DEMO_TODAY at noon, from tests/conftest.py's _office_clock.
    uri, _ = _clone(_templates, "demo", tmp_path)
    app = create_app(_base_config(uri, tmp_path))
    with LiveServer(app) as server:
        yield server
    with app.app_context():
        db.engine.dispose()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


CHARTS_SETTLED = """() => {
  if (typeof Chart === 'undefined' || !Chart.animator) { return true; }
  return Object.values(Chart.instances || {}).every(c => !Chart.animator.running(c));
}"""


class Shots:
    """Saves screenshots on failure, and of every named page when XF_SCREENSHOTS=1."""

    def __init__(self, name):
        self.name = re.sub(r"[^\w.-]+", "_", name)
        self.always = os.environ.get("XF_SCREENSHOTS") == "1"

    def take(self, page, label, force=False):
        if not (self.always or force):
            return None
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}__{label}.png"
        if not force:  # let Chart.js finish drawing, or the bars are caught half-grown
            page.wait_for_function(CHARTS_SETTLED)
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path


def _new_page(browser, live_server, name):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", accept_downloads=True,
                                  viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10000)
    pg.shots = Shots(name)
    return context, pg


def _close(request, context, pg, label="failure"):
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        try:
            path = pg.shots.take(pg, label, force=True)
            print(f"\n失败截图：{path}")
        except Exception:  # the browser may already be gone
            pass
    context.close()


@pytest.fixture
def page(browser, live_server, request):
    context, pg = _new_page(browser, live_server, request.node.name)
    yield pg
    _close(request, context, pg)


@pytest.fixture
def desk(browser, live_server, request):
    """desk("handler1"): that user's own browser (a separate context, logged in once), as when
    the clerk, the handler and the leader each work at their own computer. Saves the password
    hashing of a login per role switch."""
    desks = {}

    def open_desk(username):
        if username not in desks:
            context, pg = _new_page(browser, live_server, f"{request.node.name}__{username}")
            login(pg, username)
            desks[username] = (context, pg)
        return desks[username][1]

    yield open_desk
    for username, (context, pg) in desks.items():
        _close(request, context, pg, f"failure_{username}")


def id_number(first17):
    """An 18-digit 居民身份证号 with its GB 11643 check character (computed here, independently of
    the product's own validation code)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    assert len(first17) == 17 and first17.isdigit()
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def flash_text(page):
    """The text of the flashed messages at the top of the page."""
    return " ".join(page.locator(".alert").all_inner_texts())


def open_case(page, number):
    """Find a case from the case list by its number (search box) and open it."""
    page.goto("/admin/case/")
    page.get_by_placeholder("编号, 查询码").fill(number)
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name=number, exact=True).click()
    expect_case_page(page, number)


def expect_case_page(page, number):
    from playwright.sync_api import expect

    expect(page.locator("#case-number")).to_have_text(number)


def login(page, username, password=DEMO_PASSWORD):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if password == DEMO_PASSWORD:  # a login meant to succeed lands on the dashboard
        from playwright.sync_api import expect

        expect(page.locator("#logout-link")).to_be_visible()
        # The menu's dropdowns work once the scripts at the page's end have run.
        page.wait_for_load_state("load")


def menu(page, top, item, exact=False):
    """Open a dropdown of the top menu and click one of its entries, clicking the menu again while
    the entry stays hidden: a click just after a navigation can land before the dropdown's script."""
    from playwright.sync_api import expect

    entry = page.get_by_role("link", name=item, exact=exact)
    for _ in range(3):
        page.get_by_role("link", name=top).click()
        try:
            expect(entry).to_be_visible(timeout=2000)
            break
        except AssertionError:
            continue
    entry.click()


def logout(page):
    page.click("#logout-link")
    page.wait_for_url("**/login")


def fill_registration(page, *, channel="来访", purpose="申诉求决类", category="城乡建设", summary,
                      demands="要求依法处理。", place="城关镇东关社区", petitioners=()):
    """Open 登记信访事项 from the menu and fill it; petitioners are dicts with name, id_number,
    phone (optional), one per row. Does not submit."""
    from playwright.sync_api import expect

    page.get_by_role("link", name="登记信访事项").first.click()
    expect(page.get_by_role("heading", name="登记信访事项")).to_be_visible()
    page.get_by_label("信访形式").select_option(label=channel)
    page.get_by_label("信访事项类别").select_option(label=purpose)
    page.get_by_label("问题分类").select_option(label=category)
    page.get_by_label("问题属地（事发地）").fill(place)
    page.get_by_label("内容摘要").fill(summary)
    page.get_by_label("诉求").fill(demands)
    rows = page.locator("table[data-group=petitioners] tbody tr")
    for i, person in enumerate(petitioners):
        row = rows.nth(i)
        for key, value in person.items():
            row.locator(f"input[name$='-{key}']").fill(value)
    return rows


def register_case(page, **kw):
    """Register a case through the form and return its number (from the success message)."""
    from playwright.sync_api import expect

    fill_registration(page, **kw)
    page.get_by_role("button", name="登记", exact=True).click()
    message = page.locator(".alert-success").filter(has_text="已登记，编号")
    expect(message).to_be_visible()
    number = re.search(r"编号 (\S+)（查询码", message.inner_text()).group(1)
    expect_case_page(page, number)
    return number


def list_count(page):
    """The number of rows the case list says it has: “列表 (300)”."""
    from playwright.sync_api import expect

    tab = page.locator(".nav-link.active").filter(has_text="列表")
    expect(tab).to_be_visible()
    m = re.search(r"\((\d+)\)", tab.inner_text())
    return int(m.group(1)) if m else 0
