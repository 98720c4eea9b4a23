"""The office's main day in a real browser: register a visit with two petitioners (one known by ID
number), accept, assign, sign for, extend, approve, reply, request closure, approve closure; the
timeline shows every step. Clicks and typing only."""
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import expect_case_page, flash_text, id_number, login, logout, open_case

NEW_ID = id_number("11010119900315003")  # Beijing area code: not in the demo office's data
SUMMARY = "浏览器测试：阳光花园小区业主反映地下车库长期积水，物业公司不予处理。"


def known_petitioner(live_server):
    """A demo petitioner with an ID number and earlier cases (the most frequent one)."""
    row = live_server.query(
        "SELECT p.name, p.id_number, COUNT(*) AS n FROM party p JOIN case_party cp ON cp.party_id = p.id "
        "JOIN \"case\" c ON c.id = cp.case_id "
        "WHERE cp.role = 'petitioner' AND p.id_number IS NOT NULL AND p.id_number != '' "
        "AND c.status != 'voided' GROUP BY p.id ORDER BY n DESC, p.id LIMIT 1")[0]
    return row.name, row.id_number, row.n


def clock_due(page, name="办理期限"):
    """The due date of one clock in the case page's 期限 table (without a 暂定 mark beside it)."""
    row = page.locator("#case-clocks tr").filter(
        has=page.locator("th", has_text=re.compile(rf"^\s*{name}\s*$")))
    expect(row).to_have_count(1)
    text = row.locator("td").first.inner_text().strip()
    return date.fromisoformat(text.split()[0])


def do_move(page, button, status_after, fill=None, submit=None):
    """Click a move button on the case page, fill its form, submit, and land back on the case page
    with the success message and the new status."""
    page.locator("#case-moves").get_by_role("link", name=button, exact=True).click()
    expect(page.locator("h1").filter(has=page.locator("small", has_text="信访事项"))).to_contain_text(button)
    if fill:
        fill()
    page.get_by_role("button", name=submit or f"确定{button}").click()
    expect(page.locator("#case-status")).to_have_text(status_after)
    assert f"（当前状态：{status_after}）" in flash_text(page)


def test_office_main_day(page, desk, live_server):
    known_name, known_id, known_cases = known_petitioner(live_server)
    assert known_cases >= 1

    # ---- the clerk registers a visit with two petitioners --------------------------------------
    login(page, "clerk")
    expect(page.locator("#current-user")).to_contain_text("王晓燕")
    page.shots.take(page, "dashboard")
    page.get_by_role("link", name="登记信访事项").first.click()
    expect(page.get_by_role("heading", name="登记信访事项")).to_be_visible()
    page.get_by_label("信访形式").select_option(label="来访")
    expect(page.get_by_label("收件日期")).to_have_value("2026-11-20")
    page.get_by_label("信访事项类别").select_option(label="申诉求决类")
    page.get_by_label("问题分类").select_option(label="城乡建设")
    page.get_by_label("问题属地（事发地）").fill("城关镇东关社区")
    page.get_by_label("人数").fill("2")
    page.get_by_label("内容摘要").fill(SUMMARY)
    page.get_by_label("诉求").fill("要求物业公司修复排水设施，清理积水。")
    rows = page.locator("table[data-group=petitioners] tbody tr")
    first, second = rows.nth(0), rows.nth(1)
    first.locator("input[name$='-name']").fill(known_name)
    first.locator("input[name$='-id_number']").fill(known_id)
    second.locator("input[name$='-name']").fill("欧阳晨曦")
    second.locator("select[name$='-sex']").select_option(label="男")
    second.locator("select[name$='-ethnicity']").select_option(label="汉族")
    second.locator("input[name$='-id_number']").fill(NEW_ID)
    second.locator("input[name$='-phone']").fill("13912345678")
    second.locator("input[name$='-address']").fill("示范县城关镇东关社区阳光花园3栋")
    page.shots.take(page, "registration")
    page.get_by_role("button", name="登记", exact=True).click()

    message = page.locator(".alert-success").filter(has_text="已登记，编号")
    expect(message).to_be_visible()
    number = re.search(r"编号 (\S+)（查询码", message.inner_text()).group(1)
    assert re.fullmatch(r"2026-\d{6}", number), number
    expect_case_page(page, number)
    case_url = page.url
    expect(page.locator("#case-status")).to_have_text("待受理")
    parties = page.locator("#case-parties")
    expect(parties).to_contain_text(known_name)
    expect(parties).to_contain_text("欧阳晨曦")
    expect(page.get_by_role("heading", name="同一信访人的此前信访事项")).to_be_visible()
    earlier = page.locator("#earlier-cases li a")
    assert earlier.count() >= 1
    expect(page.get_by_role("heading").filter(has=page.locator("#case-number"))).to_contain_text("重复访")
    page.shots.take(page, "case_page")

    # accept (the clerk judges it the same matter as the petitioner's most alike earlier case) and
    # assign to 县住房和城乡建设局
    def same_matter():
        choices = page.locator("input[name=matter]")
        expect(choices.last).to_have_value("new")
        choices.first.check()
    do_move(page, "受理", "已受理", fill=same_matter)
    do_move(page, "交办", "已交办",
            fill=lambda: page.get_by_label("责任单位 *").select_option(label="县住房和城乡建设局"))
    expect(page.locator("#case-facts")).to_contain_text("县住房和城乡建设局")
    logout(page)
    page.goto("/admin/case/")
    expect(page).to_have_url(re.compile(r"/login"))  # logged out means logged out

    # From here each person works at their own desk (own browser, logged in once).
    handler, leader, clerk = desk("handler1"), desk("leader"), desk("clerk")

    # ---- handler1 signs for it and asks for an extension ----------------------------------------
    open_case(handler, number)
    handler.locator("#case-moves").get_by_role("button", name="签收").click()
    expect(handler.locator("#case-status")).to_have_text("办理中")
    expect(handler.locator("#case-facts")).to_contain_text("刘强")
    due_before = clock_due(handler)

    def extension():
        handler.get_by_label("延期天数 *").fill("15")
        handler.get_by_label("延期理由 *").fill("需委托第三方检测排水管网，无法在期限内办结。")
        handler.shots.take(handler, "move_form")
    do_move(handler, "申请延期", "办理中", fill=extension)
    expect(handler.locator("#case-facts")).to_contain_text("需委托第三方检测排水管网")
    assert clock_due(handler) == due_before  # nothing moves before the leader approves

    # ---- the leader approves the extension: the due date moves ----------------------------------
    open_case(leader, number)
    do_move(leader, "审批延期", "办理中", submit="提交审批",
            fill=lambda: leader.get_by_label("批准", exact=True).check())
    due_after = clock_due(leader)
    expected = due_before + timedelta(days=15)
    assert expected.weekday() < 5  # no roll-over involved in this worked example
    assert due_after == expected, (due_before, due_after)
    assert clock_due(leader, "原办理期限（延期前）") == due_before
    expect(leader.locator("#case-facts")).to_contain_text("已批准 申请延期15天")

    # ---- handler1 replies (reopening the case from the address bar) --------------------------------
    handler.goto(case_url)

    def reply():
        handler.get_by_label("答复意见 *").fill("经现场查看，车库排水泵损坏，已责令物业公司更换水泵并清理积水。")
        expect(handler.get_by_label("答复日期 *")).to_have_value("2026-11-20")
        handler.get_by_label("答复方式 *").select_option(label="当面")
        handler.get_by_label("信访人意见 *").select_option(label="同意")
        handler.get_by_label("送达回证 *").select_option(label="已签收")
        handler.get_by_label("办结报告", exact=True).fill("水泵已更换，积水已清理，信访人表示认可。")
    do_move(handler, "答复", "已答复", fill=reply)
    expect(handler.locator("#case-reply")).to_contain_text("车库排水泵损坏")

    # ---- the clerk requests closure (checklist), the leader approves --------------------------------
    open_case(clerk, number)

    def close_request():
        expect(clerk.locator("#close-checklist")).to_contain_text("均已记录")
        expect(clerk.get_by_label("办结报告 *")).to_have_value("水泵已更换，积水已清理，信访人表示认可。")
    do_move(clerk, "申请结案", "待结案审批", fill=close_request)

    leader.goto(case_url)
    do_move(leader, "审批结案", "已办结", submit="提交审批",
            fill=lambda: leader.get_by_label("同意结案").check())
    expect(leader.locator("#case-facts")).to_contain_text("审批：李建国")

    # ---- the timeline shows every step, in order ---------------------------------------------------
    titles = leader.locator("#case-timeline li strong").all_inner_texts()
    steps = [t for t in titles if t != "受理告知"]  # accepting with a notice date also records the notice
    assert steps == ["登记", "受理", "交办", "签收", "申请延期", "批准延期", "答复", "申请结案", "批准结案"], titles
    expect(leader.locator("#case-status")).to_have_text("已办结")
    leader.shots.take(leader, "case_closed")
