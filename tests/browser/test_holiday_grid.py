"""放假安排 in Chromium: a click on the grid marks a day 休, a second click 班, a third clears it;
saving persists the marks; marking the year complete with festivals missing is refused (the
grid's script is a static file, under the CSP)."""
from playwright.sync_api import expect

from tests.browser.conftest import flash_text, login


def test_clicking_days_marks_them_and_saving_keeps_them(page, live_server):
    login(page, "admin")
    page.goto("/admin/holiday-year/?year=2027")
    expect(page.locator("#year-status")).to_contain_text("暂定：仅按法定节日，未含调休")
    off, worked, cleared = (page.locator(f'td[data-day="{d}"]') for d in ("2027-02-09", "2027-02-20", "2027-03-01"))
    off.click()
    expect(off.locator(".hmark")).to_have_text("休")
    worked.click()
    worked.click()
    expect(worked.locator(".hmark")).to_have_text("班")
    for _ in range(3):
        cleared.click()
    expect(cleared.locator(".hmark")).to_have_text("")
    # two days are not the whole notice: marking the year complete is refused, the clicks stay
    page.check("#year-complete")
    page.click("#year-save")
    page.wait_for_load_state()
    expect(page.locator("#year-errors")).to_contain_text("2027年尚缺元旦、清明节")
    expect(off.locator(".hmark")).to_have_text("休")
    page.uncheck("#year-complete")
    page.click("#year-save")
    page.wait_for_load_state()
    assert "2027年放假安排：放假1天，调休上班1天。" in flash_text(page)
    page.reload()
    expect(page.locator("#year-status")).to_contain_text("2027年的国务院放假通知尚未完整录入")
    expect(off).to_have_class("hday holiday")
    expect(off.locator(".hmark")).to_have_text("休")
    expect(worked).to_have_class("hday workday weekend")
    expect(worked.locator(".hmark")).to_have_text("班")
    assert live_server.query("SELECT day, kind FROM holiday WHERE day >= '2027-01-01' ORDER BY day") == [
        ("2027-02-09", "holiday"), ("2027-02-20", "workday")]
