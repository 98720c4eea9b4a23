"""A handler cannot open a case of another department by typing its address."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import login


def test_handler_cannot_open_other_departments_case_by_url(page, live_server):
    # a case of 县人力资源和社会保障局 (handler2's department), never of 住建局 (handler1's)
    row = live_server.query(
        "SELECT c.id, c.number, c.summary FROM \"case\" c JOIN department d ON d.id = c.department_id "
        "WHERE d.name = '县人力资源和社会保障局' AND c.status = 'handling' ORDER BY c.id LIMIT 1")[0]
    login(page, "handler1")
    expect(page.locator("#current-user")).to_contain_text("县住房和城乡建设局")

    for url in (f"/admin/case/details/?id={row.id}", f"/admin/moves/reply/{row.id}/"):
        response = page.goto(url)
        assert response.status in (403, 404), (url, response.status)
        expect(page.get_by_role("heading", name=re.compile("未找到|无权访问"))).to_be_visible()
        body = page.locator("body").inner_text()
        assert row.number not in body
        assert row.summary[:12] not in body

    # and the list does not offer it either
    page.goto("/admin/case/")
    page.get_by_placeholder("编号, 查询码").fill(row.number)
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_role("link", name=row.number, exact=True)).to_have_count(0)

    # handler2 of that department does see it (the refusal above is about reach, not a broken page)
    page.click("#logout-link")
    login(page, "handler2")
    page.goto(f"/admin/case/details/?id={row.id}")
    expect(page.locator("#case-number")).to_have_text(row.number)
