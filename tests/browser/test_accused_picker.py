"""The accused-unit picker on the registration page: typing a short name finds the department,
an added row has its own picker, and the accusation is registered linked to the department."""
from playwright.sync_api import expect

from tests.browser.conftest import login


def test_picker_finds_a_department_by_its_short_name(page, live_server):
    missing = []  # scripts and styles the pages ask for and do not get
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 and "favicon" not in r.url else None)
    login(page, "clerk")
    page.goto("/admin/register/")
    row = page.locator("table[data-group='accused'] tbody tr").first
    row.locator(".dept-filter").fill("城管大队")
    picked = row.locator("select.dept-select")
    expect(picked.locator("option:checked")).to_have_text("县城市管理综合执法大队（城管执法大队、城管大队、县城管局、城管局）")
    # the other departments are hidden while the filter is on
    expect(picked.locator("option:not([hidden])")).to_have_count(2)  # the blank choice and the match
    page.locator("button.add-row[data-target='accused']").click()
    second = page.locator("table[data-group='accused'] tbody tr").nth(1)
    expect(second.locator("select.dept-select")).to_have_attribute("name", "accused-1-department_id")
    expect(second.locator("select.dept-select")).to_have_value("")
    second.locator(".dept-filter").fill("住建局")
    expect(second.locator("select.dept-select option:checked")).to_have_text(
        "县住房和城乡建设局（住建局、县住建局、住房和城乡建设局）")
    page.shots.take(page, "accused_picker")

    page.select_option("#channel", "letter")
    page.select_option("#purpose", "accusation")
    page.select_option("#category", "纪检监察")
    page.fill("#summary", "浏览器测试：反映城管大队和住建局工作人员收受好处费。")
    page.fill("input[name='petitioners-0-name']", "检举人戊")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("#case-number")).to_be_visible()
    rows = live_server.query(
        "SELECT p.name, d.name FROM party p JOIN case_party cp ON cp.party_id = p.id "
        "JOIN department d ON d.id = p.department_id WHERE cp.role = 'accused' "
        "AND cp.case_id = (SELECT max(id) FROM \"case\") ORDER BY p.name")
    assert [tuple(r) for r in rows] == [("县住房和城乡建设局", "县住房和城乡建设局"),
                                        ("县城市管理综合执法大队", "县城市管理综合执法大队")]
    assert not missing
