"""Forms that do the typing, in Chromium at an office screen's 1366×768: the menu on one line, a
collective visit of 6 with 2 representatives typed once, and Enter that does not send a form."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import expect_case_page, id_number, login, logout

ROLES = ("admin", "clerk", "leader", "archivist", "handler1")
# Six visitors: (name, first 17 digits of the ID: the 17th odd for a man), the 2nd and 5th represent.
VISITORS = [("韩立新", "41142119700203031"), ("韩雪梅", "41142119720514042"), ("宋长河", "41142119650817051"),
            ("宋秀兰", "41142119681109062"), ("冯德胜", "41142119591225071"), ("冯小燕", "41142119880301082")]
REPRESENTATIVES = (1, 4)


def _small_screen(page):
    page.set_viewport_size({"width": 1366, "height": 768})


def test_the_menu_fits_one_line_at_1366(page):
    _small_screen(page)
    for role in ROLES:
        login(page, role)
        items = page.locator("#admin-navbar-collapse > ul > li:visible, #admin-navbar-collapse > a.navbar-brand")
        boxes = [items.nth(i).bounding_box() for i in range(items.count())]
        tops = [b["y"] for b in boxes if b]
        assert len(tops) >= 5
        assert max(tops) - min(tops) < 10, (role, tops)  # every entry on the same line
        assert page.locator("nav.navbar").bounding_box()["height"] < 70, role
        logout(page)


def _open_registration(page):
    page.get_by_role("link", name="登记信访事项").first.click()
    expect(page.get_by_role("heading", name="登记信访事项")).to_be_visible()


def test_a_collective_visit_of_six_with_two_representatives_typed_once(page, live_server):
    _small_screen(page)
    login(page, "clerk")
    _open_registration(page)
    expect(page.get_by_label("信访形式")).to_be_focused()  # the first field has focus
    page.get_by_label("信访形式").select_option(label="来访")
    page.get_by_label("信访事项类别").select_option(label="申诉求决类")
    page.get_by_label("问题分类").select_option(label="城乡建设")
    page.get_by_label("问题属地（事发地）").fill("河口镇沙湾村")
    page.get_by_label("人数").fill("6")
    page.get_by_label("内容摘要").fill("沙湾村六户村民反映村道拓宽占地补偿款未发放到位。")
    page.get_by_label("诉求").fill("要求按标准足额发放补偿款。")
    rows = page.locator("table[data-group=petitioners] tbody tr")
    for _ in range(len(VISITORS) - rows.count()):
        page.locator("button.add-row[data-target=petitioners]").click()
    expect(rows).to_have_count(6)
    for i, (name, first17) in enumerate(VISITORS):
        row = rows.nth(i)
        row.locator("input[name$='-name']").fill(name)
        row.locator("input[name$='-id_number']").fill(id_number(first17))
        row.locator("input[name$='-phone']").fill(f"1398888000{i}")
        if i in REPRESENTATIVES:
            row.get_by_label("代表人").check()
    # sex and birth date came from the ID numbers
    expect(rows.nth(0).locator("select[name$='-sex']")).to_have_value("M")
    expect(rows.nth(1).locator("select[name$='-sex']")).to_have_value("F")
    expect(rows.nth(1).locator("input[name$='-birth_date']")).to_have_value("1972-05-14")
    expect(rows.nth(0).locator("select[name$='-ethnicity']")).to_have_value("")  # 民族 left blank
    expect(page.locator("#representatives-block")).to_have_count(0)  # no second table to type into
    page.get_by_role("button", name="登记", exact=True).click()

    message = page.locator(".alert-success").filter(has_text="已登记，编号")
    expect(message).to_be_visible()
    number = re.search(r"编号 (\S+)（查询码", message.inner_text()).group(1)
    expect_case_page(page, number)
    parties = page.locator("#case-parties tr").filter(has=page.locator("td"))
    expect(parties).to_have_count(6)
    shown = {r.locator("td").nth(1).inner_text(): r.locator("td").nth(0).inner_text() for r in parties.all()}
    assert shown == {name: "信访人、代表人" if i in REPRESENTATIVES else "信访人"
                     for i, (name, _) in enumerate(VISITORS)}
    links = live_server.query(
        "SELECT p.name, cp.role, p.sex, p.birth_date FROM case_party cp JOIN party p ON p.id = cp.party_id "
        "JOIN \"case\" c ON c.id = cp.case_id WHERE c.number = :n", n=number)
    people = {name for name, *_ in links}
    assert len(people) == 6 and len(links) == 8
    assert sorted(name for name, role, *_ in links if role == "representative") == ["冯德胜", "韩雪梅"]
    assert {(name, sex) for name, _role, sex, _b in links} >= {("韩立新", "M"), ("韩雪梅", "F")}
    # one Party row per person: no copy was made for the representatives
    counts = live_server.query("SELECT name, COUNT(*) FROM party WHERE name IN ('韩雪梅', '冯德胜') GROUP BY name")
    assert dict(counts) == {"韩雪梅": 1, "冯德胜": 1}


def test_enter_in_a_text_box_does_not_send_the_form(page):
    _small_screen(page)
    login(page, "clerk")
    _open_registration(page)
    url = page.url
    place = page.get_by_label("问题属地（事发地）")
    place.fill("城关镇东关社区")
    place.press("Enter")
    name = page.locator("table[data-group=petitioners] input[name='petitioners-0-name']")
    name.fill("测试回车")
    name.press("Enter")
    # still the same, unsent form: no error summary, no message, the typed text kept
    expect(page.locator("#form-errors")).to_have_count(0)
    assert page.url == url
    expect(place).to_have_value("城关镇东关社区")
    expect(name).to_have_value("测试回车")
    expect(page.locator("table[data-group=petitioners] select[name='petitioners-0-id_type']")).to_be_focused()
