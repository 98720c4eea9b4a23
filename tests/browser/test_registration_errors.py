"""A wrong ID number on the registration page: the Chinese message beside the field, the typed
values kept, and nothing registered."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import fill_registration, id_number, list_count, login

GOOD = id_number("11010119851201002")


def test_wrong_id_number_is_refused_beside_the_field(page):
    login(page, "clerk")
    page.get_by_role("link", name="信访事项", exact=True).first.click()
    before = list_count(page)
    page.shots.take(page, "case_list")

    wrong_check = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")  # right length, wrong check digit
    rows = fill_registration(page, summary="浏览器测试：身份证号码错误不应登记。", petitioners=[
        {"name": "钱多多", "id_number": wrong_check},
        {"name": "钱少少", "id_number": GOOD[:17]},  # 17 digits
    ])
    page.get_by_role("button", name="登记", exact=True).click()

    expect(page.locator("#form-errors")).to_contain_text("未保存")
    first_id = rows.nth(0).locator("input[name$='-id_number']")
    # the message sits in the same cell as the field, and the field is marked
    id_cell = page.locator("td").filter(has=page.locator("input[name$='-id_number']"))
    expect(rows.nth(0).locator(id_cell).locator(".field-error")).to_have_text("身份证号码校验位不正确，请核对。")
    expect(rows.nth(1).locator(id_cell).locator(".field-error")).to_have_text("身份证号码应为18位。")
    expect(rows.nth(0).locator(".field-error")).to_have_count(1)  # nothing else on the row is wrong
    expect(first_id).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#form-errors")).to_contain_text("信访人第1行·证件号码：身份证号码校验位不正确")
    # what the clerk typed is still there to correct
    expect(first_id).to_have_value(wrong_check)
    expect(page.get_by_label("内容摘要")).to_have_value("浏览器测试：身份证号码错误不应登记。")
    expect(rows.nth(0).locator("input[name$='-name']")).to_have_value("钱多多")
    page.shots.take(page, "registration_errors")

    page.get_by_role("link", name="信访事项", exact=True).first.click()
    assert list_count(page) == before
    page.get_by_placeholder("编号, 查询码").fill("身份证号码错误不应登记")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("table.model-list tbody")).not_to_contain_text("身份证号码错误不应登记")
