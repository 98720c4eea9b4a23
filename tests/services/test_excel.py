"""The one export helper (services/excel.py, sent by views.base.send_xlsx) and the ledger rows
(services/ledger.py), opened back with openpyxl."""
import os
import tempfile
import zipfile
from datetime import date, datetime
from xml.dom import minidom

import openpyxl
import pytest

from models import Case, db
from services import access, excel
from services.ledger import HEADERS, write_ledger
from tests.services.test_statistics import build_month, build_office
from views.base import send_xlsx


def _xml_ok(path):
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                minidom.parseString(z.read(name))


def test_write_table_layout(tmp_path):
    path = str(tmp_path / "t.xlsx")
    cols = [excel.Column("项目", 20), excel.Column("件数", 8, "int"), excel.Column("比率", 8, "pct"),
            excel.Column("日期", 12, "date"), excel.Column("时间", 16, "datetime")]
    n = excel.write_table(
        path, sheet_title="测试/表[1]", title="示范县信访局 测试表", subtitle="2026年11月",
        columns=cols,
        rows=(r for r in [excel.Section("一、总量"), ["来信", 3, 0.5, date(2026, 11, 2), datetime(2026, 11, 2, 9, 30)],
                          ["=HYPERLINK(\"x\")", None, excel.Cell(12, "int"), None, None]]),
        totals=lambda count: ["合计", count, None, None, None], footer_lines=["填报单位：示范县信访局"],
        numbered=False)
    assert n == 2
    _xml_ok(path)
    ws = openpyxl.load_workbook(path).active
    assert ws.title == "测试_表_1_"
    assert ws["A1"].value == "示范县信访局 测试表" and ws["A2"].value == "2026年11月"
    assert [c.value for c in ws[3]] == ["项目", "件数", "比率", "日期", "时间"]
    assert ws.freeze_panes == "A4"
    assert ws["A4"].value == "一、总量"
    assert ws["B5"].value == 3 and ws["C5"].number_format == "0.0%"
    assert ws["D5"].value == datetime(2026, 11, 2) and ws["D5"].is_date
    assert ws["E5"].value == datetime(2026, 11, 2, 9, 30)
    assert ws["A6"].value == '=HYPERLINK("x")' and ws["A6"].data_type == "s"  # never a formula
    assert ws["C6"].value == 12
    assert (ws["A7"].value, ws["B7"].value) == ("合计", 2) and ws["A7"].font.b
    assert ws["A9"].value == "填报单位：示范县信访局"
    assert {"A1:E1", "A2:E2", "A4:E4"} <= {str(r) for r in ws.merged_cells.ranges}
    assert ws.column_dimensions["A"].width == pytest.approx(20, abs=1)


def test_several_sheets_in_one_workbook(tmp_path):
    path = str(tmp_path / "two.xlsx")
    wb = excel.new_workbook(path)
    for name in ("台账", "台账"):
        excel.write_table(wb, sheet_title=name, title="t", columns=[excel.Column("a")], rows=[["x"]])
    wb.close()
    assert openpyxl.load_workbook(path).sheetnames == ["台账", "台账(2)"]


def _one_cell(seen):
    def build(path):
        seen["path"] = path
        return excel.write_table(path, sheet_title="s", title="t", columns=[excel.Column("a")], rows=[["x"]])
    return build


def test_send_xlsx_streams_the_file_under_its_chinese_name_and_removes_it(app):
    seen = {}
    with app.test_request_context():
        resp, written = send_xlsx("信访事项台账_20261120.xlsx", _one_cell(seen))
    assert written == 1
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename=_20261120.xlsx" in disposition
    assert "filename*=UTF-8''%E4%BF%A1%E8%AE%BF" in disposition  # RFC 5987
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.is_streamed and int(resp.headers["Content-Length"]) == os.path.getsize(seen["path"])
    body = b"".join(resp.response)
    resp.close()
    assert body[:2] == b"PK" and len(body) == int(resp.headers["Content-Length"])
    assert not os.path.exists(seen["path"])


def test_a_download_leaves_no_temp_file_once_sent(make_client, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    resp = make_client("clerk").get("/admin/import/template.xlsx")
    assert resp.status_code == 200 and resp.get_data()[:2] == b"PK"
    assert list(tmp_path.glob("xf-export-*"))  # still there while the server sends it
    resp.close()  # what the WSGI server does once the body is sent
    assert not list(tmp_path.glob("xf-export-*"))


def test_send_xlsx_removes_the_file_when_the_build_fails(app):
    seen = {}

    def build(path):
        _one_cell(seen)(path)
        raise RuntimeError("boom")

    with app.test_request_context(), pytest.raises(RuntimeError):
        send_xlsx("测试.xlsx", build)
    assert not os.path.exists(seen["path"])


@pytest.fixture
def office(app):
    o = build_office(db.session)
    build_month(db.session, o)
    return o


def _ledger(tmp_path, user, where=None):
    q = db.session.query(Case).filter(access.case_filter(db.session, user))
    if where is not None:
        q = q.filter(where)
    q = q.order_by(Case.received_on)
    path = str(tmp_path / f"ledger-{user.username}.xlsx")
    n = write_ledger(path, db.session, user, q, description="筛选条件：全部")
    _xml_ok(path)
    return n, openpyxl.load_workbook(path).active


def test_ledger_for_clerk_lists_the_month(office, tmp_path):
    n, ws = _ledger(tmp_path, office["clerk"], Case.received_on >= date(2026, 11, 1))
    assert n == 7
    assert ws["A1"].value == "示范县信访局信访事项台账"
    assert "筛选条件：全部" in ws["A2"].value and "导出人：王登记" in ws["A2"].value
    assert [c.value for c in ws[3]] == HEADERS
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] and str(r[1]).startswith("T")]
    assert [r[0] for r in rows] == list(range(1, 8))  # 序号
    row = next(r for r in rows if r[9] == "小区业主反映物业维修基金使用问题")
    assert row[2:9] == (datetime(2026, 11, 5), "来访", "李四", 6, None, "申诉求决类", "城乡建设")
    assert row[12] == "县住房和城乡建设局" and row[19] == "已交办"
    total = [r for r in ws.iter_rows(values_only=True) if r[0] == "合计"][0]
    assert total[1] == "7件" and total[5] == 15  # 14 people + 1 in the voided one


def test_ledger_for_handler_is_own_department(office, tmp_path):
    n, ws = _ledger(tmp_path, office["handler1"])
    depts = {r[12] for r in ws.iter_rows(min_row=4, values_only=True) if r[1] and str(r[1]).startswith("T")}
    assert depts == {"县住房和城乡建设局"} and n == 3
