"""Import of an existing Excel ledger (openpyxl): all rows or none.

    template_rows() / write_template(path)           the downloadable template (headers + one example)
    parse(fileobj) -> Parsed                          read and validate every row; nothing is stored
    commit(session, actor, parsed, filename="") -> list[Case]
        registers every row through services.registration.register_case in the caller's transaction;
        raises ImportFailed (row-numbered Chinese messages) after rolling back if any row fails.

Imported cases get new numbers and keep the ledger's number in Case.original_number; parties are
matched by ID number by register_case. Every case is imported as 待受理 (registered); the 责任单位 is
kept only when the ledger's 状态 says the case had been assigned.
"""
import logging
import zipfile
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from models import Case, CaseEvent
from models.enums import CATEGORIES, CHANNELS, PURPOSES, SOURCES, STATUSES
from services import (ServiceError, ValidationFailed, access, audit, departments, inputs, planner,
                      registration, validation)
from services.clock import today as office_today
from services.inputs import InputError
from services.registration import PartyInput, RegistrationInput

log = logging.getLogger(__name__)

MAX_ROWS = 5000
# An import this large refreshes the planner statistics (ANALYZE) once it is committed.
ANALYZE_AFTER = 1000
MAX_FILE_BYTES = 10 * 1024 * 1024
# What the workbook may unpack to, read from the zip's directory before openpyxl loads anything
# (read-only mode still holds the shared strings in memory): each sheet and the shared strings,
# and the whole. A ledger of MAX_ROWS full rows stays well below.
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_UNPACKED_BYTES = 160 * 1024 * 1024
MAX_PARTS = 200
EXAMPLE_MARK = "示例"

# (header, required, width)
COLUMNS = [
    ("原编号", True, 16), ("收件日期", True, 12), ("信访形式", True, 10), ("来源", False, 10),
    ("交办文号", False, 16),
    ("信访事项类别", True, 12), ("问题分类", True, 10), ("信访人姓名", True, 12),
    ("身份证号码", False, 21), ("联系电话", False, 14), ("住址", False, 24), ("问题属地", False, 18),
    ("内容摘要", True, 40), ("诉求", False, 30), ("人数", False, 6), ("越级访", False, 7),
    ("联名", False, 6), ("被反映单位", False, 20), ("责任单位", False, 20), ("状态", False, 10),
]
HEADERS = [c[0] for c in COLUMNS]
REQUIRED = [c[0] for c in COLUMNS if c[1]]
EXAMPLE = ["示例-2025-0001（导入前请删除本行）", date(2025, 3, 12), "来访", "本级登记", "", "申诉求决类", "劳动社保",
           "张三", "411421198506121238", "13912345678", "示范县城关镇幸福路1号", "示范县城关镇",
           "反映某公司拖欠工资三个月", "请求支付拖欠工资", 1, "否", "否", "", "县人力资源和社会保障局", "已交办"]
# Ledger statuses after which a responsible department had been named.
ASSIGNED_LABELS = {STATUSES[s] for s in ("assigned", "handling", "replied", "closing", "closed", "archived")}
YES = {"是", "Y", "y", "yes", "YES", "1", "√", "✓", "TRUE", "True", "true"}
NO = {"否", "N", "n", "no", "NO", "0", "", "FALSE", "False", "false"}

FILE_BAD = "文件不是有效的 Excel（.xlsx）文件，请使用下载的导入模板。"
FILE_EMPTY = "文件中没有可导入的数据行。"
FILE_TOO_BIG = f"文件超过{MAX_FILE_BYTES // (1024 * 1024)}MB，请分批导入。"
FILE_TOO_MANY_ROWS = f"一次最多导入{MAX_ROWS}行，请分批导入。"
FILE_EXPANDS = "文件解压后内容过大（工作表或共享字符串超出限制），不能导入。请只保留台账数据，另存为新的 .xlsx 文件后重新上传。"

# The longest text of each column: registration's limits (services/registration.py), so a row
# that imports is one the registration form would accept; other columns are short codes.
_REG, _PARTY = registration.TEXT_LIMITS, registration.PARTY_LIMITS
CELL_LIMITS = {"原编号": _REG["original_number"][1], "交办文号": _REG["source_doc_no"][1],
               "信访人姓名": _PARTY["name"][1], "身份证号码": _PARTY["id_number"][1],
               "联系电话": _PARTY["phone"][1], "住址": _PARTY["address"][1],
               "问题属地": _REG["incident_place"][1], "内容摘要": _REG["summary"][1],
               "诉求": _REG["demands"][1], "被反映单位": _PARTY["name"][1], "责任单位": 100}
CELL_DEFAULT_LIMIT = 30


class ImportFailed(ServiceError):
    """The file or some rows are bad; `errors` lists Chinese messages; nothing was stored."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__(self.errors[0] if self.errors else "导入失败")


@dataclass
class Row:
    number: int  # Excel row number
    values: dict
    data: object = None  # RegistrationInput
    department_id: int | None = None
    status_label: str = ""
    errors: list = field(default_factory=list)


@dataclass
class Parsed:
    rows: list
    file_errors: list = field(default_factory=list)

    @property
    def errors(self):
        out = list(self.file_errors)
        for r in self.rows:
            out.extend(f"第{r.number}行：{e}" for e in r.errors)
        return out

    @property
    def ok(self):
        return not self.errors and bool(self.rows)


# ---- the template ---------------------------------------------------------------------------

def write_template(path, office=""):
    """The template (its first row is the header the import reads); `office` goes in the page header."""
    from services import excel
    cols = [excel.Column(h, w, "date" if h == "收件日期" else ("int" if h == "人数" else "text"))
            for h, _req, w in COLUMNS]
    wb = excel.new_workbook(path)
    try:
        fm_head = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7", "font_name": excel.FONT})
        fm_req = wb.add_format({"bold": True, "border": 1, "bg_color": "#FCE4D6", "font_name": excel.FONT})
        fm_date = wb.add_format({"num_format": "yyyy-mm-dd", "border": 1})
        fm = wb.add_format({"border": 1})
        ws = wb.add_worksheet("信访事项台账")
        for c, col in enumerate(cols):
            ws.set_column(c, c, col.width)
            ws.write_string(0, c, col.header, fm_req if col.header in REQUIRED else fm_head)
        for c, value in enumerate(EXAMPLE):
            if isinstance(value, date):
                ws.write_datetime(1, c, value, fm_date)
            elif isinstance(value, int):
                ws.write_number(1, c, value, fm)
            else:
                ws.write_string(1, c, value, fm)
        ws.freeze_panes(1, 0)
        excel.print_setup(ws, office=office, period="信访事项台账导入模板", repeat=(0, 0))
        notes = wb.add_worksheet("填写说明")
        notes.set_column(0, 0, 16)
        notes.set_column(1, 1, 90)
        lines = [
            ("说明", "第一行为列名，请勿修改；从第二行起每行一件信访事项；橙色列为必填。示例行（原编号以“示例”开头）不会导入。"),
            ("收件日期", "日期格式，如 2025-03-12、2025/3/12 或 2025年3月12日。"),
            ("信访形式", "、".join(CHANNELS.values())),
            ("来源", "、".join(SOURCES.values()) + "（不填为本级登记）"),
            ("信访事项类别", "、".join(PURPOSES.values())),
            ("问题分类", "、".join(CATEGORIES)),
            ("身份证号码", "18位居民身份证号码，系统核对校验位；同一号码视为同一信访人。"),
            ("越级访、联名", "填“是”或“否”。"),
            ("被反映单位", "检举控告等反映某单位的，填被反映单位；本县单位可填全称或系统中登记的简称（如 住建局），"
                       "系统自动关联。检举控告类事项不能以被反映单位及其上下级单位为责任单位。"),
            ("责任单位", "须为系统中的单位名称或简称；仅当状态为已交办及以后时保留。"),
            ("限制", f"文件不超过{MAX_FILE_BYTES // (1024 * 1024)}MB，最多{MAX_ROWS}行；内容摘要、诉求不超过"
                     f"{registration.TEXT_LIMITS['summary'][1]}字，其他各列与登记页面的长度限制相同。"),
            ("状态", "原台账中的状态，仅作记录：" + "、".join(STATUSES.values()) + "；导入后一律为待受理。"),
            ("全部或全部不", "任何一行有误，整个文件都不导入；请按提示逐行改正后重新上传。"),
        ]
        for r, (k, v) in enumerate(lines):
            notes.write_string(r, 0, k)
            notes.write_string(r, 1, v)
        excel.print_setup(notes, office=office, period="信访事项台账导入模板　填写说明")
    finally:
        wb.close()


# ---- reading and validating ---------------------------------------------------------------------

def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _lookup(mapping_labels, value):
    """A code from a label (or the code itself)."""
    for code, name in mapping_labels.items():
        if value in (name, code):
            return code
    return None


def _size(fileobj):
    try:
        here = fileobj.tell()
        fileobj.seek(0, 2)
        size = fileobj.tell()
        fileobj.seek(here)
        return size
    except (AttributeError, OSError, ValueError):
        return None


def check_package(fileobj):
    """The message refusing the file before openpyxl reads it (size; what its parts unpack to,
    as the zip directory says: zipfile never yields more than that), or ''."""
    size = _size(fileobj)
    if size is not None and size > MAX_FILE_BYTES:
        return FILE_TOO_BIG
    try:
        with zipfile.ZipFile(fileobj) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return FILE_BAD
    finally:
        try:
            fileobj.seek(0)
        except (AttributeError, OSError, ValueError):
            pass
    if len(infos) > MAX_PARTS:
        return FILE_EXPANDS
    if any(i.file_size > MAX_PART_BYTES for i in infos) or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        return FILE_EXPANDS
    return ""


def parse(fileobj, session=None, today=None):
    """Read the workbook and validate every row. Never raises on a bad file: see Parsed.file_errors."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    today = today or office_today()
    refused = check_package(fileobj)
    if refused:
        return Parsed([], [refused])
    try:
        wb = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        return Parsed([], [FILE_BAD])
    except Exception:  # openpyxl raises many kinds on damaged files
        return Parsed([], [FILE_BAD])
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            return Parsed([], [FILE_EMPTY])
        names = [_text(h) for h in header]
        missing = [h for h in REQUIRED if h not in names]
        if missing:
            return Parsed([], ["表头不符合导入模板，缺少列：" + "、".join(missing) + "。请下载导入模板，按模板填写。"])
        index = {h: names.index(h) for h in HEADERS if h in names}
        rows = []
        for n, raw in enumerate(it, start=2):
            if n > 2 * MAX_ROWS + 1:  # blank rows count too: a sheet of a million is refused early
                return Parsed([], [FILE_TOO_MANY_ROWS])
            values = {h: (raw[i] if i < len(raw) else None) for h, i in index.items()}
            if all(_text(v) == "" for v in values.values()):
                continue
            if _text(values.get("原编号")).startswith(EXAMPLE_MARK):
                continue
            if len(rows) >= MAX_ROWS:
                return Parsed([], [FILE_TOO_MANY_ROWS])
            rows.append(Row(n, values))
    finally:
        wb.close()
    if not rows:
        return Parsed([], [FILE_EMPTY])
    parsed = Parsed(rows)
    if session is not None:
        validate(session, parsed, today)
    return parsed


FIELD_LABELS = {
    "channel": "信访形式", "source": "来源", "source_doc_no": "交办文号", "purpose": "信访事项类别",
    "category": "问题分类", "received_on": "收件日期", "summary": "内容摘要", "incident_place": "问题属地",
    "original_number": "原编号", "people_count": "人数", "petitioners": "信访人", "name": "信访人姓名",
    "id_number": "身份证号码", "phone": "联系电话", "address": "住址", "representatives": "代表人",
    "accused": "被反映单位",
}


def _read(err, parser, value, *args, **kw):
    """`parser(value, ...)`, or None with its message added to the row's errors."""
    try:
        return parser(value, *args, **kw)
    except InputError as exc:
        err.append(exc.message.rstrip("。"))
        return None


def validate(session, parsed, today=None):
    today = today or office_today()
    find = departments.resolver(session)
    seen = {}
    originals = [_text(r.values.get("原编号")) for r in parsed.rows]
    existing = set(session.execute(select(Case.original_number).where(
        Case.original_number.in_([o for o in originals if o]))).scalars()) if any(originals) else set()
    for row in parsed.rows:
        v, err = row.values, row.errors
        t = {h: _text(v.get(h)) for h in HEADERS}
        long = [h for h in HEADERS if len(t[h]) > CELL_LIMITS.get(h, CELL_DEFAULT_LIMIT)]
        if long:
            err.extend(f"“{h}”不能超过{CELL_LIMITS.get(h, CELL_DEFAULT_LIMIT)}字" for h in long)
            continue
        for h in REQUIRED:
            if h != "收件日期" and not t[h]:
                err.append(f"“{h}”不能为空")
        original = t["原编号"]
        if original:
            if original in seen:
                err.append(f"原编号“{original}”与第{seen[original]}行重复")
            elif original in existing:
                err.append(f"原编号“{original}”已导入过，不能重复导入")
            seen.setdefault(original, row.number)
        # A real date cell or text such as 2026/3/12 or 2026年3月12日; the year is registration's rule.
        received = _read(err, inputs.parse_date, v.get("收件日期"), "收件日期", bounded=False)
        if received is None:
            if not t["收件日期"]:
                err.append("“收件日期”不能为空")
        elif received > today:
            err.append("收件日期晚于今天")
        channel = _lookup(CHANNELS, t["信访形式"]) if t["信访形式"] else None
        if t["信访形式"] and channel is None:
            err.append(f"未知的信访形式“{t['信访形式']}”")
        source = _lookup(SOURCES, t["来源"]) if t["来源"] else "own"
        if source is None:
            err.append(f"未知的来源“{t['来源']}”")
        purpose = _lookup(PURPOSES, t["信访事项类别"]) if t["信访事项类别"] else None
        if t["信访事项类别"] and purpose is None:
            err.append(f"未知的信访事项类别“{t['信访事项类别']}”")
        category = t["问题分类"]
        if category and category not in CATEGORIES:
            err.append(f"未知的问题分类“{category}”")
        id_number = validation.normalize_id(t["身份证号码"])
        if id_number:
            msg = validation.check_id_number(id_number, today)
            if msg:
                err.append(msg.rstrip("。"))
        phone = validation.normalize_phone(t["联系电话"])
        if phone and validation.check_phone(phone):
            err.append(f"联系电话“{t['联系电话']}”格式不正确")
        people = _read(err, registration.read_people_count, t["人数"])
        flags = {}
        for h in ("越级访", "联名"):
            if t[h] in YES:
                flags[h] = True
            elif t[h] in NO:
                flags[h] = False
            else:
                err.append(f"“{h}”应填“是”或“否”")
        status_label = t["状态"]
        if status_label and status_label not in STATUSES.values() and status_label not in STATUSES:
            err.append(f"未知的状态“{status_label}”")
        status_label = STATUSES.get(status_label, status_label)
        dept_id = None
        if t["责任单位"]:
            dept = find(t["责任单位"])
            dept_id = dept.id if dept is not None and dept.active else None
            if dept_id is None:
                err.append(f"未知的责任单位“{t['责任单位']}”（须为系统中的单位名称或简称）")
        accused = find(t["被反映单位"]) if t["被反映单位"] else None
        if (purpose == "accusation" and accused is not None and dept_id is not None
                and dept_id in access.banned_dept_ids(session, {accused.id})):
            err.append(f"检举控告类事项不得以被反映单位（及其上下级单位）“{t['责任单位']}”为责任单位")
        if err:
            continue
        row.status_label = status_label
        row.department_id = dept_id if status_label in ASSIGNED_LABELS else None
        person = PartyInput(name=t["信访人姓名"], id_number=id_number, phone=phone, address=t["住址"])
        row.data = RegistrationInput(
            channel=channel, received_on=received, purpose=purpose, category=category,
            summary=t["内容摘要"], demands=t["诉求"], incident_place=t["问题属地"], people_count=people,
            source=source, source_doc_no=t["交办文号"],
            is_skip_level=flags.get("越级访", False), is_joint=flags.get("联名", False),
            petitioners=[person],
            accused=[PartyInput(name=t["被反映单位"], kind="unit",
                                department_id=accused.id if accused is not None else None)]
            if t["被反映单位"] else [],
            # A ledger names one person; for a collective visit that person is the representative.
            representatives=registration.representatives_for(channel, people, person),
            original_number=original,
        )
        for name, messages in registration.validate(session, row.data).items():
            what = ("被反映单位" if name.startswith("accused-") else
                    FIELD_LABELS.get(name.rsplit("-", 1)[-1] if name.startswith(("petitioners-", "representatives-"))
                                     else name, ""))
            for msg in messages:
                msg = msg.rstrip("。")
                err.append(f"{what}：{msg}" if what and what not in msg else msg)
        if err:
            row.data = None
    return parsed


# ---- committing ------------------------------------------------------------------------------

def may_import(user):
    return access.may_view(user, "import", access.C)


def commit(session, actor, parsed, filename=""):
    """Register every row in the current transaction and commit; all or nothing."""

    if not may_import(actor):
        raise ImportFailed(["只有信访办登记员可以导入信访事项台账。"])
    if not parsed.ok:
        raise ImportFailed(parsed.errors or [FILE_EMPTY])
    created, errors = [], []
    try:
        for row in parsed.rows:
            try:
                with session.begin_nested():
                    case = registration.register_case(session, actor, row.data, check_role=True)
                    session.flush()
            except ValidationFailed as exc:
                errors.append(f"第{row.number}行：" + "；".join(_messages(exc.errors)))
                continue
            except ServiceError as exc:
                errors.append(f"第{row.number}行：{exc.message}")
                continue
            if row.department_id is not None:
                ok, message = access.may_route_to(session, case, row.department_id)
                if not ok:
                    errors.append(f"第{row.number}行：{message}")
                    continue
            note = f"从Excel台账导入，原编号 {row.data.original_number}"
            if row.status_label:
                note += f"，原台账状态“{row.status_label}”，导入后为待受理"
            if row.department_id is not None:
                case.department_id = row.department_id
                note += "，保留原责任单位"
            session.add(CaseEvent(case=case, actor_id=actor.id, action="import", to_status=case.status,
                                  to_department_id=row.department_id, note=note,
                                  data={"original_number": row.data.original_number, "row": row.number,
                                        "file": filename}))
            created.append(case)
        if errors:
            raise ImportFailed(errors)
        audit.record(session, actor, "import", detail=f"导入信访事项台账 {filename}".strip(),
                     row_count=len(created))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    if len(created) >= ANALYZE_AFTER:
        _refresh_statistics(session)
    return created


def _refresh_statistics(session):
    """Fresh planner statistics after a large import (plans follow them, services/planner.py). The
    import is committed already: a failure here is logged, not the import's."""
    try:
        planner.refresh(session)
        session.commit()
    except Exception:  # noqa: BLE001 - statistics are an optimisation
        session.rollback()
        log.exception("ANALYZE after the import failed")


def _messages(errors):
    out = []
    for value in (errors or {}).values():
        if isinstance(value, (list, tuple)):
            out.extend(str(v) for v in value)
        else:
            out.append(str(value))
    return out or ["数据有误"]
