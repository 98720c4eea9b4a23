"""The live hint on the registration form: while the clerk types a petitioner's ID number (or
name and phone), the row says how many cases that person already has, with links, before saving."""
import re

from playwright.sync_api import expect

from models.enums import OPEN_CASE_STATUSES
from tests.browser.conftest import login


def _known_person(live_server):
    """A demo petitioner with the most cases: (id number, name, phone, total, open, numbers)."""
    open_list = ", ".join(f"'{s}'" for s in OPEN_CASE_STATUSES)
    row = live_server.query(
        "SELECT p.id_number, p.name, p.phone, count(DISTINCT c.id), "
        f"count(DISTINCT CASE WHEN c.status IN ({open_list}) THEN c.id END) "
        "FROM party p JOIN case_party cp ON cp.party_id = p.id JOIN \"case\" c ON c.id = cp.case_id "
        "WHERE cp.role IN ('petitioner', 'representative') AND p.id_number IS NOT NULL "
        "AND p.phone IS NOT NULL "
        "GROUP BY p.id, p.id_number, p.name, p.phone ORDER BY count(DISTINCT c.id) DESC, p.id LIMIT 1")[0]
    numbers = [n for (n,) in live_server.query(
        "SELECT c.number FROM \"case\" c JOIN case_party cp ON cp.case_id = c.id JOIN party p ON "
        "p.id = cp.party_id WHERE p.id_number = :idn", idn=row[0])]
    return (*row, numbers)


def test_registration_shows_the_persons_earlier_cases_while_typing(page, live_server):
    id_number, name, phone, total, open_, numbers = _known_person(live_server)
    assert total >= 2, "演示数据中应有信访多次的信访人"
    login(page, "clerk")
    page.goto("/admin/register/")
    rows = page.locator("table[data-group=petitioners] tbody tr")
    first = rows.nth(0)
    first.locator("input[name$='-id_number']").press_sequentially(id_number[:10])
    first.locator("input[name$='-id_number']").press_sequentially(id_number[10:])
    hint = first.locator(".person-hint")
    expect(hint).to_contain_text(f"该信访人已有{total}件信访事项（其中{open_}件在办）")
    links = hint.locator("a")
    expect(links).to_have_count(min(total, 10))
    assert links.first.inner_text().split("（")[0] in numbers
    expect(links.first).to_have_attribute("href", re.compile(r"^/admin/case/details/\?id=\d+$"))
    page.shots.take(page, "person_hint")

    # a wrong last digit: no such person, the hint goes away
    box = first.locator("input[name$='-id_number']")
    box.fill(id_number[:17] + ("0" if id_number[17] != "0" else "1"))
    expect(hint).to_have_text("")

    # name and phone on the last row find the same person
    last = rows.nth(2)
    last.locator("input[name$='-name']").fill(name)
    last.locator("input[name$='-phone']").fill(phone)
    expect(last.locator(".person-hint")).to_contain_text(f"该信访人已有{total}件信访事项")

    # "增加一行" copies the last row: the copy starts empty, without the hint
    page.locator("button.add-row[data-target='petitioners']").click()
    expect(rows).to_have_count(4)
    expect(rows.nth(3).locator("input[name$='-name']")).to_have_value("")
    expect(rows.nth(3).locator(".person-hint")).to_have_count(0)
    expect(last.locator(".person-hint")).to_contain_text(f"该信访人已有{total}件信访事项")


def test_clerk_finds_every_case_of_a_person_from_the_search_box(page, live_server):
    id_number, name, _phone, total, _open, numbers = _known_person(live_server)
    pinyin = live_server.query("SELECT name_pinyin FROM party WHERE id_number = :idn", idn=id_number)[0][0]
    login(page, "clerk")
    page.goto("/admin/case/")
    for typed in (id_number[-6:], name, pinyin):
        page.get_by_placeholder("姓名/拼音").fill(typed)
        page.get_by_role("button", name="搜索").click()
        listed = page.locator("table.model-list tbody")
        for number in numbers:
            expect(listed.get_by_role("link", name=number, exact=True)).to_be_visible()
    page.shots.take(page, "search_by_pinyin")
    page.get_by_role("link", name=numbers[0], exact=True).click()
    page.locator("#case-parties").get_by_role("link", name=name).first.click()
    expect(page.locator("#person-name")).to_have_text(f"信访人：{name}")
    expect(page.locator("#person-case-count")).to_have_text(str(total))
    for number in numbers:
        expect(page.locator("#person-cases").get_by_role("link", name=number, exact=True)).to_be_visible()
    page.shots.take(page, "person_page")
