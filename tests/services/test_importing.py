"""Importing an old Excel ledger: a row-by-row report, all rows or none."""
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from models import AuditLog, Case, CaseEvent, Party, db
from services import importing
from tests.conftest import Browserless
from tests.services.test_statistics import build_office

GOOD_ID = "411421198506121238"
OTHER_ID = "110101198001011232"
BAD_ID = "110101198001011235"  # wrong check digit


def _row(original, name="王五", id_number=OTHER_ID, **kw):
    values = {
        "原编号": original, "收件日期": date(2025, 6, 3), "信访形式": "来信", "来源": "本级登记",
        "交办文号": "", "信访事项类别": "申诉求决类", "问题分类": "劳动社保", "信访人姓名": name,
        "身份证号码": id_number, "联系电话": "13912345678", "住址": "城关镇", "问题属地": "城关镇",
        "内容摘要": f"{original}反映拖欠工资", "诉求": "支付工资", "人数": 1, "越级访": "否", "联名": "否",
        "被反映单位": "", "责任单位": "", "状态": "",
    }
    values.update(kw)
    return [values[h] for h in importing.HEADERS]


def _file(rows, headers=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers or importing.HEADERS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


@pytest.fixture
def office(app):
    return build_office(db.session)


def _cases():
    return db.session.execute(select(func.count()).select_from(Case)).scalar()


def test_template_has_headers_and_an_example(app, tmp_path):
    path = str(tmp_path / "tpl.xlsx")
    importing.write_template(path)
    ws = openpyxl.load_workbook(path)["信访事项台账"]
    assert [c.value for c in ws[1]] == importing.HEADERS
    assert ws["A2"].value.startswith("示例")
    assert ws.freeze_panes == "A2"


def test_template_example_row_is_skipped(app, office, tmp_path):
    path = str(tmp_path / "tpl.xlsx")
    importing.write_template(path)
    with open(path, "rb") as fh:
        parsed = importing.parse(fh, db.session)
    assert parsed.errors == [importing.FILE_EMPTY]


def test_one_bad_row_commits_nothing_and_names_the_row(app, office):
    f = _file([_row("2024-001"), _row("2024-002", id_number=BAD_ID),
               _row("2024-003", 信访形式="飞鸽传书", 责任单位="县宣传部", 收件日期="2025-13-40")])
    parsed = importing.parse(f, db.session)
    assert not parsed.ok
    errors = parsed.errors
    assert "第3行：身份证号码校验位不正确，请核对" in errors
    assert "第4行：未知的信访形式“飞鸽传书”" in errors
    assert any(e.startswith("第4行：未知的责任单位“县宣传部”") for e in errors)
    assert "第4行：收件日期格式不正确，应为“年-月-日”，如 2026-03-12、2026/3/12 或 2026年3月12日" in errors
    assert not any(e.startswith("第2行") for e in errors)
    with pytest.raises(importing.ImportFailed):
        importing.commit(db.session, office["clerk"], parsed)
    assert _cases() == 0
    assert db.session.execute(select(func.count()).select_from(Party)).scalar() == 0


def test_good_file_registers_all_rows(app, office):
    f = _file([
        _row("2024-001", name="张三", id_number=GOOD_ID, 责任单位="县住房和城乡建设局", 状态="已交办",
             问题分类="城乡建设"),
        _row("2024-002", name="张三", id_number=GOOD_ID, 收件日期="2025/7/1", 状态="已办结",
             责任单位="县人力资源和社会保障局"),
        _row("2024-003", name="李四", id_number="", 信访形式="来访", 人数=6, 越级访="是",
             收件日期="2025年8月2日", 责任单位="县住房和城乡建设局", 状态="待受理"),
    ])
    parsed = importing.parse(f, db.session)
    assert parsed.ok, parsed.errors
    created = importing.commit(db.session, office["clerk"], parsed, filename="old.xlsx")
    assert [c.original_number for c in created] == ["2024-001", "2024-002", "2024-003"]
    first, second, third = created
    assert first.number != "2024-001" and first.status == "registered"
    assert first.department_id == office["housing"].id  # the ledger said 已交办
    assert third.department_id is None  # 待受理: no department kept
    assert second.received_on == date(2025, 7, 1) and third.received_on == date(2025, 8, 2)
    assert third.is_collective and third.is_skip_level and third.people_count == 6
    # the same ID number is the same person; the second case is a repeat of the first
    assert db.session.execute(select(func.count()).select_from(Party).where(Party.id_number == GOOD_ID)).scalar() == 1
    assert second.is_repeat
    assert db.session.execute(select(func.count()).select_from(CaseEvent)
                              .where(CaseEvent.action == "import")).scalar() == 3
    log = db.session.execute(select(AuditLog).where(AuditLog.action == "import")).scalar_one()
    assert log.row_count == 3
    # importing the same ledger again is refused
    again = importing.parse(_file([_row("2024-001", name="张三", id_number=GOOD_ID)]), db.session)
    assert again.errors == ["第2行：原编号“2024-001”已导入过，不能重复导入"]


def test_bad_files(app, office):
    assert importing.parse(io.BytesIO(b"not an excel file"), db.session).errors == [importing.FILE_BAD]
    wrong = importing.parse(_file([["x"]], headers=["编号", "日期"]), db.session)
    assert wrong.errors[0].startswith("表头不符合导入模板，缺少列：原编号、收件日期")
    assert importing.parse(_file([]), db.session).errors == [importing.FILE_EMPTY]


def test_only_clerk_may_import(app, office):
    parsed = importing.parse(_file([_row("2024-001")]), db.session)
    with pytest.raises(importing.ImportFailed):
        importing.commit(db.session, office["handler1"], parsed)
    assert _cases() == 0


def _client(app, username):
    c = Browserless(app)
    assert c.login(username, "demo1234").status_code == 302
    return c


def test_import_pages(app, office):
    c = _client(app, "clerk")
    page = c.get("/admin/import/")
    assert page.status_code == 200 and "导入模板" in page.get_data(as_text=True)
    tpl = c.get("/admin/import/template.xlsx")
    assert tpl.status_code == 200 and tpl.get_data()[:2] == b"PK"
    bad = c.post("/admin/import/upload", data={"file": (_file([_row("A1"), _row("A2", id_number=BAD_ID)]), "old.xlsx")},
                 content_type="multipart/form-data")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "未导入任何数据" in text and "第3行：身份证号码校验位不正确" in text
    assert _cases() == 0
    notxlsx = c.post("/admin/import/upload", data={"file": (io.BytesIO(b"a,b"), "old.csv")},
                     content_type="multipart/form-data")
    assert notxlsx.status_code == 400 and importing.FILE_BAD in notxlsx.get_data(as_text=True)
    good = c.post("/admin/import/upload", data={"file": (_file([_row("A1"), _row("A2")]), "old.xlsx")},
                  content_type="multipart/form-data")
    assert good.status_code == 200 and "已导入2件信访事项" in good.get_data(as_text=True)
    assert _cases() == 2
    h = _client(app, "handler1")
    assert h.get("/admin/import/").status_code == 403
    assert h.post("/admin/import/upload", data={"file": (_file([_row("A3")]), "x.xlsx")},
                  content_type="multipart/form-data").status_code == 403


def test_a_large_import_refreshes_the_planner_statistics(app, office, monkeypatch):
    from services import planner
    calls = []
    monkeypatch.setattr(planner, "refresh", lambda session: calls.append(session))
    monkeypatch.setattr(importing, "ANALYZE_AFTER", 3)
    small = importing.parse(_file([_row("2024-101"), _row("2024-102")]), db.session)
    assert len(importing.commit(db.session, office["clerk"], small)) == 2
    assert calls == []  # below the threshold: statistics left as they are
    large = importing.parse(_file([_row(f"2024-2{i:02d}") for i in range(3)]), db.session)
    assert len(importing.commit(db.session, office["clerk"], large)) == 3
    assert len(calls) == 1


def test_a_failed_analyze_leaves_the_import_in_place(app, office, monkeypatch):
    from services import planner

    def broken(session):
        raise RuntimeError("no statistics today")
    monkeypatch.setattr(planner, "refresh", broken)
    monkeypatch.setattr(importing, "ANALYZE_AFTER", 1)
    before = _cases()
    parsed = importing.parse(_file([_row("2024-301")]), db.session)
    assert len(importing.commit(db.session, office["clerk"], parsed)) == 1
    assert _cases() == before + 1


def test_planner_refresh_runs_analyze(app):
    from services import planner
    planner.refresh(db.session)  # ANALYZE (and PRAGMA optimize on SQLite) inside a transaction
    db.session.commit()
