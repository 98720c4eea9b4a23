"""信访事项台账: the ledger rows of a case query, each petitioner masked as the user may see them
(access.party_view, list mode), streamed in batches into services/excel.py."""
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select

from models import Case, CaseParty, Department
from models.enums import CHANNELS, PURPOSES, SATISFACTION, SOURCES, STATUSES, label
from services import access, excel, settings
from services.clock import OFFICE_TZ

BATCH = 1000

LEDGER_COLUMNS = [
    excel.Column("编号", 14), excel.Column("查询码", 9), excel.Column("收件日期", 11, "date"),
    excel.Column("信访形式", 9), excel.Column("来源", 9), excel.Column("类别", 11),
    excel.Column("问题分类", 10), excel.Column("信访人", 14), excel.Column("证件号码", 21),
    excel.Column("联系电话", 14), excel.Column("问题属地", 18), excel.Column("内容摘要", 40),
    excel.Column("诉求", 30), excel.Column("人数", 6, "int"), excel.Column("集体访", 7),
    excel.Column("重复访", 7), excel.Column("越级访", 7), excel.Column("联名", 6),
    excel.Column("责任单位", 20), excel.Column("状态", 10), excel.Column("受理日期", 11, "date"),
    excel.Column("办理期限", 11, "date"), excel.Column("答复日期", 11, "date"),
    excel.Column("办结日期", 11, "date"), excel.Column("满意度", 9),
]

_CASE_COLUMNS = (
    Case.id, Case.number, Case.query_code, Case.received_on, Case.channel, Case.source,
    Case.purpose, Case.category, Case.incident_place, Case.summary, Case.demands,
    Case.people_count, Case.is_collective, Case.is_repeat, Case.is_skip_level, Case.is_joint,
    Case.department_id, Case.status, Case.accepted_on, Case.handle_due, Case.replied_on,
    Case.closed_on, Case.satisfaction,
)


def _yes(flag):
    return "是" if flag else ""


def iter_ledger_rows(session, user, query, stats):
    """Rows of the ledger for an ORM query over Case (already scoped/filtered/sorted).

    Fetches plain columns in batches of BATCH with yield_per, the petitioners of each batch in one
    query, and masks each party through access.party_view(in_list=True). `stats` collects the
    row count and the number of people for the totals row.
    """
    depts = {d.id: d for d in session.execute(select(Department)).scalars()}
    # with_entities keeps the WHERE, joins and ORDER BY; Case.id makes the order total.
    rows = query.with_entities(*_CASE_COLUMNS).order_by(Case.id.desc())
    batch = []
    for row in rows.yield_per(BATCH):
        batch.append(row)
        if len(batch) >= BATCH:
            yield from _emit(session, user, batch, depts, stats)
            batch = []
    if batch:
        yield from _emit(session, user, batch, depts, stats)


def _emit(session, user, batch, depts, stats):
    ids = [r.id for r in batch]
    petitioners = {}
    for link in session.execute(
            select(CaseParty)
            .where(CaseParty.case_id.in_(ids), CaseParty.role == "petitioner")
            .order_by(CaseParty.id)).scalars():
        petitioners.setdefault(link.case_id, []).append(link.data)  # the case's own data
    for r in batch:
        shell = SimpleNamespace(id=r.id, purpose=r.purpose, department_id=r.department_id,
                                department=depts.get(r.department_id))
        names, ids_, phones = [], [], []
        for party in petitioners.get(r.id, ()):
            shown = access.party_view(session, user, shell, party, in_list=True)
            names.append(shown["name"])
            if shown["id_number"]:
                ids_.append(shown["id_number"])
            if shown["phone"]:
                phones.append(shown["phone"])
        dept = depts.get(r.department_id)
        stats["rows"] += 1
        stats["people"] += r.people_count or 0
        yield (
            r.number, r.query_code, r.received_on, label(CHANNELS, r.channel),
            label(SOURCES, r.source), label(PURPOSES, r.purpose), r.category,
            "、".join(names), "、".join(ids_), "、".join(phones), r.incident_place, r.summary,
            r.demands, r.people_count, _yes(r.is_collective), _yes(r.is_repeat),
            _yes(r.is_skip_level), _yes(r.is_joint), dept.name if dept else "",
            label(STATUSES, r.status), r.accepted_on, r.handle_due, r.replied_on, r.closed_on,
            label(SATISFACTION, r.satisfaction),
        )


def write_ledger(path, session, user, query, *, description, office=None):
    """Write the ledger workbook for `query`; returns the number of case rows."""
    stats = {"rows": 0, "people": 0}
    office = office or settings.office_name(session)
    now = datetime.now(OFFICE_TZ).strftime("%Y-%m-%d %H:%M")
    excel.write_table(
        path, sheet_title="信访事项台账", title=f"{office}信访事项台账",
        subtitle=f"{description}　导出人：{user.full_name}　导出时间：{now}",
        columns=LEDGER_COLUMNS, rows=iter_ledger_rows(session, user, query, stats),
        totals=lambda n: ["合计", f"{n}件"] + [None] * 11 + [stats["people"]] + [None] * 11,
        autofilter=True)
    return stats["rows"]
