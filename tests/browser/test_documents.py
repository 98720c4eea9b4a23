"""The clerk prints the 受理告知书 of a newly accepted case in one click from the case page: a .docx
download with the case, the petitioner and its 文号; the timeline says who printed it."""
from docx import Document
from playwright.sync_api import expect

from tests.browser.conftest import login, open_case


def test_clerk_prints_the_accept_notice_from_the_case_page(page, live_server, tmp_path):
    case = live_server.query(
        "SELECT c.id, c.number, p.name FROM \"case\" c JOIN case_party cp ON cp.case_id = c.id "
        "JOIN party p ON p.id = cp.party_id WHERE c.status = 'accepted' AND c.purpose != 'accusation' "
        "AND cp.role = 'petitioner' ORDER BY c.id LIMIT 1")[0]
    login(page, "clerk")
    open_case(page, case.number)
    button = page.locator("#case-documents").get_by_role("button", name="打印受理告知书")
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == f"受理告知书_{case.number}.docx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert "受理告知书" in text and case.number in text and case.name in text
    number = live_server.query("SELECT number FROM document_number WHERE case_id = :cid", cid=case.id)[0].number
    assert number.startswith("示信告〔2026〕") and number in text

    page.reload()
    expect(page.locator("#case-timeline")).to_contain_text(f"打印受理告知书（{number}）")
    page.shots.take(page, "case_page_documents")
