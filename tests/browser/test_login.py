from services.auth import BAD_LOGIN
from tests.browser.conftest import login, logout


def test_wrong_password_says_so_in_chinese(page):
    login(page, "clerk", "wrong-password")
    assert page.locator("#login-error").inner_text() == BAD_LOGIN
    assert "/login" in page.url


def test_clerk_logs_in_sees_dashboard_and_logs_out(page):
    login(page, "clerk")
    assert "王晓燕" in page.locator("#current-user").inner_text()
    assert page.locator("#count-total").inner_text().strip().isdigit()
    page.shots.take(page, "dashboard")
    logout(page)
    page.goto("/admin/case/")
    assert "/login" in page.url
