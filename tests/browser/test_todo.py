"""待办 in a real browser: a leader opens 待办 from the menu, follows 延期申请待审批 to the case,
reads the reason on the approval form, approves, and sees the line and the menu count go down."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import flash_text, login


def _menu_count(page):
    label = page.locator("a.nav-link", has_text="待办").first.inner_text().strip()
    m = re.fullmatch(r"待办(?: \((\d+)\))?", label)
    assert m, label
    return int(m.group(1) or 0)


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
    assert _menu_count(page) == before_total - 1

    page.locator("a.nav-link", has_text="待办").first.click()
    expect(page.locator("#todo-extend_decide .todo-count").first).to_have_text(str(waiting - 1))
    page.shots.take(page, "todo_leader")
