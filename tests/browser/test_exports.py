"""The clerk sends things upward: the ledger (导出台账) from the case list and the monthly
statistics report (统计报表 → Excel). The downloaded files open with openpyxl and hold the case."""
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import id_number, login, menu, register_case

OFFICE = "示范县信访局"


def _download(page, click, tmp_path):
    with page.expect_download() as info:
        click()
    download = info.value
    assert download.failure() is None
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.suffix == ".xlsx", download.suggested_filename
    return path, load_workbook(path)  # opens without repair: openpyxl raises on a broken package


def _cells(ws):
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


def _page_total(page):
    return int(page.locator("#stats-table tr[data-key=items] td[data-col=cur]").inner_text())


def test_clerk_exports_ledger_and_monthly_report(page, tmp_path):
    login(page, "clerk")

    # the monthly report before: this month's total as the page shows it (it opens on last month)
    menu(page, "统计报表", "信访工作统计表")
    expect(page.locator("#stats-subtitle")).to_contain_text("2026年10月")
    page.get_by_label("月份").select_option(label="11月")
    page.get_by_role("button", name="统计").click()
    expect(page.locator("#stats-subtitle")).to_contain_text("2026年11月")
    total_before = _page_total(page)

    number = register_case(page, summary="浏览器测试：滨河名苑小区路灯不亮，要求修复。", category="城乡建设",
                           petitioners=[{"name": "台账甲", "id_number": id_number("11010119800101001")}])

    # ---- the ledger from the case list --------------------------------------------------------------
    page.get_by_role("link", name="信访事项", exact=True).first.click()
    listed = int(re.search(r"\((\d+)\)", page.locator(".nav-link.active").filter(has_text="列表").inner_text()).group(1))
    page.get_by_role("link", name="导出台账").click()  # the column chooser: every column ticked
    expect(page.locator("h1")).to_have_text("导出信访事项台账")
    path, wb = _download(page, page.get_by_role("button", name="导出Excel").click, tmp_path)
    assert path.name.startswith("信访事项台账_"), path.name
    ws = wb.active
    assert ws.page_setup.orientation == "landscape" and ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    rows = _cells(ws)
    assert OFFICE in str(rows[0][0]) and "台账" in str(rows[0][0]), rows[0]
    header = next(r for r in rows if r[0] == "序号")
    assert header[1] == "编号" and "信访人" in header and "责任单位" in header
    mine = [r for r in rows if r[1] == number]
    assert len(mine) == 1, f"{number} not in {path.name}"
    assert mine[0][header.index("信访人")] == "台账甲"
    assert mine[0][header.index("状态")] == "待受理"
    assert ws.freeze_panes, "the header row is frozen"
    totals = next(r for r in rows if r[0] == "合计")
    assert totals[1] == f"{listed}件"  # the ledger holds what the list holds

    # ---- the monthly statistics report ---------------------------------------------------------------
    page.reload()  # a page that started a download has a navigation left pending in Chromium
    menu(page, "统计报表", "信访工作统计表")
    page.get_by_label("期间").select_option(label="月报")
    page.get_by_label("年份").select_option(label="2026年")
    page.get_by_label("月份").select_option(label="11月")
    page.get_by_role("button", name="统计").click()
    expect(page.locator("#stats-subtitle")).to_contain_text("2026年11月")
    total = _page_total(page)
    assert total == total_before + 1  # the case registered today is counted
    page.shots.take(page, "statistics")

    path, wb = _download(page, page.get_by_role("link", name="导出Excel").click, tmp_path)
    rows = _cells(wb.active)
    title = str(rows[0][0])
    assert "信访工作统计表" in title or "统计" in title, title
    text = " ".join(str(c) for r in rows for c in r if c is not None)
    assert OFFICE in text and "2026年11月" in text
    assert f"填报单位：{OFFICE}" in text and "填报人：王晓燕" in text
    totals = next(r for r in rows if r[0] == "合计（信访总量）")
    assert totals[2] == total, (totals, total)
    # every figure on the screen is the same in the sheet, line by line
    on_screen = [tr.locator("td").all_inner_texts()
                 for tr in page.locator("#stats-table tbody tr[data-key]").all()]
    units = {(label, unit) for label, unit, *_ in on_screen}
    in_sheet = [r for r in rows if (r[0], r[1]) in units]
    assert len(in_sheet) == len(on_screen) > 20, (len(in_sheet), len(on_screen))
    for (label, _unit, shown, *_), r in zip(on_screen, in_sheet):
        value = r[2]
        assert r[0] == label
        if shown.endswith("%"):
            assert value is not None and abs(float(value) * 100 - float(shown[:-1])) < 0.06, (label, value, shown)
        elif shown == "—":
            assert value in (None, "—", ""), (label, value)
        else:
            assert int(value) == int(shown), (label, value, shown)
