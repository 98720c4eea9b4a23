"""信访事项台账: the ledger rows of a case query, each petitioner and representative shown as the
user may see them (access.party_view, list mode), streamed in batches into services/excel.py.

The columns are those a higher body asks for (序号 is added by services/excel.py); a user may
export fewer (choose_columns / saved_columns, remembered per user in services/preferences.py).
Each batch of BATCH cases costs a fixed number of queries (cases, their parties, their 督办
counts); departments and user names are read once.
"""
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from models import Case, CaseEvent, CaseParty, Department, User
from models.enums import CHANNELS, PURPOSES, REPLY_METHODS, SATISFACTION, STATUSES, label
from services import access, deadlines, excel, preferences, settings
from services.clock import OFFICE_TZ, today as office_today

BATCH = 1000
PREFERENCE_KEY = "ledger_columns"

# Every column but 序号 (services/excel.py numbers the rows), in the ledger's order.
LEDGER_COLUMNS = [
    excel.Column("编号", 14), excel.Column("收件日期", 11, "date"), excel.Column("信访形式", 9),
    excel.Column("信访人", 14), excel.Column("人数", 6, "int"), excel.Column("代表人", 12),
    excel.Column("类别", 11), excel.Column("问题分类", 10), excel.Column("内容摘要", 40),
    excel.Column("诉求", 30), excel.Column("问题属地", 18), excel.Column("责任单位", 20),
    excel.Column("承办人", 9), excel.Column("交办日期", 11, "date"), excel.Column("签收日期", 11, "date"),
    excel.Column("办理期限", 11, "date"), excel.Column("剩余/超期天数", 10), excel.Column("督办次数", 8, "int"),
    excel.Column("状态", 9), excel.Column("答复日期", 11, "date"), excel.Column("答复方式", 9),
    excel.Column("满意度", 9), excel.Column("结案日期", 11, "date"),
]
COLUMN_NAMES = [c.header for c in LEDGER_COLUMNS]
_BY_NAME = {c.header: c for c in LEDGER_COLUMNS}
HEADERS = ["序号"] + COLUMN_NAMES  # the full ledger as written

_CASE_COLUMNS = (
    Case.id, Case.number, Case.received_on, Case.channel, Case.purpose, Case.category,
    Case.incident_place, Case.summary, Case.demands, Case.people_count, Case.department_id,
    Case.handler_id, Case.status, Case.assigned_on, Case.signed_on, Case.accept_due,
    Case.accept_notice_on, Case.handle_due, Case.replied_on, Case.reply_method, Case.satisfaction,
    Case.closed_on,
)


class ColumnChoiceError(ValueError):
    pass


def choose_columns(names):
    """The chosen column names in the ledger's order; a Chinese ColumnChoiceError when none or an
    unknown one is chosen."""
    names = [str(n).strip() for n in names or () if str(n).strip()]
    unknown = [n for n in names if n not in _BY_NAME]
    if unknown:
        raise ColumnChoiceError("台账没有这些列：" + "、".join(unknown[:5]) + "。请在列表中勾选。")
    if not names:
        raise ColumnChoiceError("请至少选择一列再导出。")
    chosen = set(names)
    return [n for n in COLUMN_NAMES if n in chosen]


def saved_columns(session, user):
    """The columns this user chose last time (unknown names dropped), or every column."""
    saved = preferences.get(session, user, PREFERENCE_KEY)
    if isinstance(saved, list):
        kept = [n for n in COLUMN_NAMES if n in set(saved)]
        if kept:
            return kept
    return list(COLUMN_NAMES)


def save_columns(session, user, names):
    """Remember the chosen columns (the caller commits); returns them in ledger order."""
    chosen = choose_columns(names)
    preferences.put(session, user, PREFERENCE_KEY, chosen)
    return chosen


def due_text(case_row, today):
    """剩余/超期天数 of the running clock (the nearest one), as the case list reads it."""
    due = deadlines.running_due(case_row)
    if due is None:
        return ""
    days = (due - today).days
    return f"超期{-days}天" if days < 0 else f"剩{days}天"


def iter_ledger_rows(session, user, query, stats, columns=None, today=None):
    """Rows of the ledger (the `columns` by name, default all; no 序号) for an ORM query over Case
    (already scoped/filtered/sorted). Plain columns are fetched in batches of BATCH with
    yield_per, the parties and 督办 counts of each batch in one query each. `stats` collects the
    row count and the number of people for the totals row."""
    columns = list(columns or COLUMN_NAMES)
    today = today or office_today()
    depts = {d.id: d for d in session.execute(select(Department)).scalars()}
    names = dict(session.execute(select(User.id, User.full_name)).all())
    # with_entities keeps the WHERE, joins and ORDER BY; Case.id makes the order total.
    rows = query.with_entities(*_CASE_COLUMNS).order_by(Case.id.desc())
    batch = []
    for row in rows.yield_per(BATCH):
        batch.append(row)
        if len(batch) >= BATCH:
            yield from _emit(session, user, batch, depts, names, stats, columns, today)
            batch = []
    if batch:
        yield from _emit(session, user, batch, depts, names, stats, columns, today)


def _emit(session, user, batch, depts, names, stats, columns, today):
    ids = [r.id for r in batch]
    parties = {}
    for link in session.execute(
            select(CaseParty).options(selectinload(CaseParty.party))
            .where(CaseParty.case_id.in_(ids), CaseParty.role.in_(("petitioner", "representative")))
            .order_by(CaseParty.id)).scalars():
        parties.setdefault((link.case_id, link.role), []).append(link.data)  # the case's own data
    supervised = dict(session.execute(
        select(CaseEvent.case_id, func.count()).where(CaseEvent.case_id.in_(ids), CaseEvent.action == "supervise")
        .group_by(CaseEvent.case_id)).all())
    for r in batch:
        shell = SimpleNamespace(id=r.id, purpose=r.purpose, department_id=r.department_id,
                                department=depts.get(r.department_id))

        def shown(role):
            return "、".join(access.party_view(session, user, shell, p, in_list=True)["name"]
                            for p in parties.get((r.id, role), ()))

        dept = depts.get(r.department_id)
        stats["rows"] += 1
        stats["people"] += r.people_count or 0
        values = {
            "编号": lambda: r.number, "收件日期": lambda: r.received_on,
            "信访形式": lambda: label(CHANNELS, r.channel), "信访人": lambda: shown("petitioner"),
            "人数": lambda: r.people_count, "代表人": lambda: shown("representative"),
            "类别": lambda: label(PURPOSES, r.purpose), "问题分类": lambda: r.category,
            "内容摘要": lambda: r.summary, "诉求": lambda: r.demands, "问题属地": lambda: r.incident_place,
            "责任单位": lambda: dept.name if dept else "", "承办人": lambda: names.get(r.handler_id, ""),
            "交办日期": lambda: r.assigned_on, "签收日期": lambda: r.signed_on,
            "办理期限": lambda: r.handle_due, "剩余/超期天数": lambda: due_text(r, today),
            "督办次数": lambda: supervised.get(r.id, 0), "状态": lambda: label(STATUSES, r.status),
            "答复日期": lambda: r.replied_on, "答复方式": lambda: label(REPLY_METHODS, r.reply_method),
            "满意度": lambda: label(SATISFACTION, r.satisfaction), "结案日期": lambda: r.closed_on,
        }
        yield [values[name]() for name in columns]


def _totals(columns, stats):
    """合计 under 序号, the case count in the first text column, the people under 人数."""
    out = ["合计"] + [None] * len(columns)
    counted = False
    for i, name in enumerate(columns, 1):
        if name == "人数":
            out[i] = stats["people"]
        elif not counted and _BY_NAME[name].kind == "text":
            out[i], counted = f"{stats['rows']}件", True
    if not counted:
        out[0] = f"合计{stats['rows']}件"
    return out


def write_ledger(path, session, user, query, *, description, columns=None, office=None):
    """Write the ledger workbook (A3 landscape) for `query`; returns the number of case rows."""
    columns = list(columns or COLUMN_NAMES)
    stats = {"rows": 0, "people": 0}
    office = office or settings.office_name(session)
    now = datetime.now(OFFICE_TZ)
    excel.write_table(
        path, sheet_title="信访事项台账", title=f"{office}信访事项台账",
        subtitle=f"{description}　导出人：{user.full_name}　导出时间：{now:%Y-%m-%d %H:%M}",
        columns=[_BY_NAME[n] for n in columns], rows=iter_ledger_rows(session, user, query, stats, columns),
        totals=lambda n: _totals(columns, stats), autofilter=True,
        office=office, period=f"截至{now:%Y年%m月%d日}", paper="A3")
    return stats["rows"]
