"""The Content-Security-Policy holds on the main pages: no violation, no console error, the chart
is drawn, and the behaviour moved out of inline handlers (delete confirmation, list actions,
filters, print buttons) still works."""
from playwright.sync_api import expect

from tests.browser.conftest import login

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.sample + ' ' + e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
window.__printed = 0;
window.print = function () { window.__printed += 1; };
"""


def _watch(page):
    problems = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    return problems


def _check(page, problems, url):
    violations = page.evaluate("window.__csp || []")
    assert violations == [], (url, violations)
    assert [p for p in problems if "Content Security Policy" in p or "pageerror" in p] == [], (url, problems)


def test_main_pages_satisfy_the_policy(page, live_server):
    problems = _watch(page)
    login(page, "clerk")
    case_id = live_server.query("SELECT id FROM \"case\" ORDER BY id LIMIT 1")[0][0]
    urls = ["/admin/", "/admin/case/", "/admin/case/?flt0_0=1", f"/admin/case/details/?id={case_id}",
            "/admin/register/", "/admin/reception-calendar/", "/admin/package/", "/password"]
    for url in urls:
        resp = page.goto(url)
        assert resp.status == 200, url
        assert "script-src 'self'" in resp.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        _check(page, problems, url)

    # the dashboard chart is drawn (Chart.js from static js, data from the JSON block)
    page.goto("/admin/")
    page.wait_for_function("() => typeof Chart !== 'undefined' && Object.keys(Chart.instances).length > 0")
    drawn = page.evaluate("""() => {
      const c = document.getElementById('trend-chart');
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < px.length; i += 4) { if (px[i] !== 0) return true; }
      return false; }""")
    assert drawn
    _check(page, problems, "/admin/ chart")

    # the filter menu of the case list adds a filter row
    page.goto("/admin/case/")
    page.get_by_text("添加筛选器").first.click()
    page.locator(".field-filters a.filter").first.click()
    expect(page.locator("#filter_form .filter-op").first).to_be_visible()
    _check(page, problems, "/admin/case/ filter")

    # the print button of the reception calendar prints, through static js
    page.goto("/admin/reception-calendar/")
    page.locator("[data-xf-print]").first.click()
    assert page.evaluate("window.__printed") == 1
    _check(page, problems, "calendar print")


def test_delete_asks_first_and_a_no_keeps_the_row(page, live_server):
    problems = _watch(page)
    login(page, "admin")
    page.goto("/admin/holiday/")
    rows = page.locator("table.model-list tbody tr")
    before = rows.count()
    assert before > 0
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.dismiss()
    page.on("dialog", answer)
    page.locator("[data-xf-confirm]").first.click()
    page.wait_for_timeout(300)
    assert len(asked) == 1
    page.goto("/admin/holiday/")
    assert page.locator("table.model-list tbody tr").count() == before
    _check(page, problems, "/admin/holiday/ delete")


def test_list_actions_run_from_static_js(page, live_server):
    problems = _watch(page)
    login(page, "admin")
    page.goto("/admin/user/")
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.dismiss()
    page.on("dialog", answer)
    page.locator("input.action-checkbox").first.check()
    page.get_by_text("选中的").first.click()
    page.locator("[data-xf-action=unlock]").click()
    page.wait_for_timeout(300)
    assert asked == ["确定解除所选用户的登录锁定吗？"]
    assert "/admin/user/" in page.url
    _check(page, problems, "/admin/user/ action")
