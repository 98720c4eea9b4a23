"""待办 in a real browser: a leader opens 待办 from the menu, follows 延期申请待审批 to the case,
reads the reason on the approval form, approves, and sees the line and the menu count go down; a
clerk's case list shows the menu number once the page has loaded (it is fetched, not rendered)."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import flash_text, login


def _menu_count(page, expected=None):
    """The number static/js/todo-badge.js puts on the 待办 menu entry after load (none when 0)."""
    badge = page.locator("a.nav-link #todo-badge")
    if expected is not None:
        expect(badge).to_have_text(str(expected)) if expected else expect(badge).to_have_count(0)
        return expected
    expect(badge).to_have_text(re.compile(r"^\d+$"))
    return int(badge.inner_text())


def test_leader_approves_an_extension_from_todo(page, live_server):
    login(page, "leader")
    before_total = _menu_count(page)
    page.locator("a.nav-link", has_text="待办").first.click()
    expect(page.get_by_role("heading", name="待办", exact=True)).to_be_visible()
    line = page.locator("#todo-extend_decide")
    expect(line).to_contain_text("延期申请待审批")
    waiting = int(line.locator(".todo-count").first.inner_text())
    assert waiting > 0 and before_total >= waiting

    line.locator("a.todo-count").first.click()
    numbers = page.locator("table.model-list td a").filter(has_text=re.compile(r"\d{6}$"))
    expect(numbers).to_have_count(waiting)
    number = numbers.first.inner_text().strip()
    numbers.first.click()
    expect(page.locator("#case-number")).to_have_text(number)
    expect(page.locator("#case-extension")).to_contain_text("待审批")

    page.locator("#move-extend_decide").click()
    reason = live_server.query('SELECT extension_reason, extension_days FROM "case" WHERE number = :n', n=number)[0]
    expect(page.locator("#move-extension")).to_contain_text(f"申请延期{reason[1]}天，理由：{reason[0]}")
    expect(page.locator("#move-extension")).to_contain_text("批准后办理期限由")
    page.get_by_label("批准", exact=True).check()
    page.get_by_label("审批意见").fill("同意延期，请按期办结")
    page.get_by_role("button", name="提交审批").click()

    expect(page.locator("#case-number")).to_have_text(number)
    assert "已审批延期" in flash_text(page)
    expect(page.locator("#case-extension")).to_contain_text("已批准")
    expect(page.locator("#case-extension")).to_contain_text("批准）")
    _menu_count(page, before_total - 1)

    page.locator("a.nav-link", has_text="待办").first.click()
    expect(page.locator("#todo-extend_decide .todo-count").first).to_have_text(str(waiting - 1))
    page.shots.take(page, "todo_leader")


def test_clerk_sees_the_menu_number_filled_in_after_load(page, live_server):
    login(page, "clerk")
    page.goto(live_server.url + "/admin/case/")
    count = page.request.get(live_server.url + "/admin/todo/count/").json()["count"]
    assert count > 0  # the demo office has something waiting for the clerk
    expect(page.locator("a.nav-link[href='/admin/todo/'] #todo-badge")).to_have_text(str(count))
    # the 待办 page itself carries the same number (no second request for it)
    page.locator("a.nav-link[href='/admin/todo/']").click()
    expect(page.get_by_role("heading", name="待办", exact=True)).to_be_visible()
    expect(page.locator("#todo")).to_have_attribute("data-todo-total", str(count))
    expect(page.locator("a.nav-link #todo-badge")).to_have_text(str(count))
