"""The archivist files a closed case (一案一档): 归档 → form → the case is 已归档 and read-only."""
from playwright.sync_api import expect

from tests.browser.conftest import login, menu, open_case


def test_archivist_files_a_closed_case(page, live_server):
    case = live_server.query(
        "SELECT number FROM \"case\" WHERE status = 'closed' ORDER BY received_on DESC, id DESC LIMIT 1")[0]
    taken = live_server.query("SELECT archive_number FROM archive_record ORDER BY id LIMIT 1")[0].archive_number

    login(page, "archivist")
    open_case(page, case.number)
    expect(page.locator("#case-status")).to_have_text("已办结")
    page.locator("#case-moves").get_by_role("link", name="归档", exact=True).click()
    expect(page.locator("h1").filter(has=page.locator("small", has_text="信访事项"))).to_contain_text("归档")

    def fill(number):
        page.get_by_label("档号 *").fill(number)
        page.get_by_label("保管期限 *").select_option(label="30年")
        page.get_by_label("存放位置 *").fill("档案室C柜2层")
        page.get_by_label("页数 *").fill("23")
        page.get_by_label("卷内目录").fill("信访事项登记表\n答复意见书\n送达回证\n结案审批表")

    # an archive number already used is refused beside the field, nothing filed
    fill(taken)
    page.get_by_role("button", name="确定归档").click()
    expect(page.locator("#error-archive_number")).to_have_text(f"档号“{taken}”已被使用")
    expect(page.get_by_label("存放位置 *")).to_have_value("档案室C柜2层")
    page.shots.take(page, "archive_form_error")

    fill("XF-2026-专-9001")
    page.get_by_role("button", name="确定归档").click()
    expect(page.locator("#case-status")).to_have_text("已归档")
    expect(page.locator(".alert-success")).to_contain_text("（当前状态：已归档）")
    timeline = page.locator("#case-timeline li").last
    expect(timeline).to_contain_text("归档")
    expect(timeline).to_contain_text("XF-2026-专-9001")
    # archived means read-only: no more moves, no upload
    expect(page.locator("#case-moves").get_by_role("link", name="归档", exact=True)).to_have_count(0)
    expect(page.locator("#attachment-upload")).to_have_count(0)

    # the archive catalogue lists the new file
    menu(page, "档案管理", "档案", exact=True)
    page.get_by_placeholder("档号").fill("XF-2026-专-9001")
    page.keyboard.press("Enter")
    row = page.locator("table.model-list tbody tr").filter(has_text="XF-2026-专-9001")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("档案室C柜2层")
    expect(row).to_contain_text("30年")
