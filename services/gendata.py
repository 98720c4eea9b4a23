"""Bulk test data: N realistic cases written by Core inserts in chunks (flask gen-data, benchmarks).

Keeps the invariants the app relies on: numbers in the office's format from the case counter (which
is advanced past them before any case is written), unique 查询码, due dates from services/deadlines,
events whose from/to statuses chain to the case's status, party search keys (the ORM listener does
not fire for Core inserts), snapshots on the case-party links, an archive record per archived case.
"""
import random
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, text, update

from models import (ArchiveRecord, Case, CaseCounter, CaseEvent, CaseParty, Department, Party,
                    User)
from models.case import SNAPSHOT_FIELDS
from models.enums import CATEGORIES
from models.party import ID_CHARS, digits_tail, name_keys
from services import ServiceError, deadlines, settings
from services.clock import today as office_today
from services.numbering import QUERY_ALPHABET

CHUNK = 5000
YEARS = 5
REPEAT_SHARE = 0.3   # a case by someone who petitioned before

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "桂英", "建国", "建华", "志强", "海燕", "红梅", "国强", "丽华", "玉兰", "德明", "春生", "长青", "金凤"]
TOWNS = ["城关镇", "王集乡", "李寨镇", "新安乡", "白庙镇", "河口镇", "东岗乡", "西湖街道"]
CHANNEL_WEIGHTS = {"letter": 25, "visit": 25, "phone": 15, "online": 28, "email": 3, "fax": 1, "reception": 3}
PURPOSE_WEIGHTS = {"request": 70, "suggestion": 15, "accusation": 15}
SUMMARIES = {
    "土地征收": "反映村里土地被征收后补偿款迟迟未发放到位，多次找村委会未果。",
    "城乡建设": "反映小区开发商延期交房且房屋质量存在问题，要求按合同处理。",
    "劳动社保": "反映所在企业拖欠工资数月，要求尽快支付。",
    "拆迁安置": "反映拆迁后安置房至今未交付，过渡费停发。",
    "生态环境": "反映附近工厂夜间排放异味，影响周边居民生活。",
}

# The moves from registration to each status: (action, to_status, date field set by the move).
PATH = [("register", "registered", None), ("accept", "accepted", "accepted_on"),
        ("assign", "assigned", "assigned_on"), ("sign_for", "handling", "signed_on"),
        ("reply", "replied", "replied_on"), ("close_request", "closing", "close_requested_on"),
        ("close_approve", "closed", "closed_on"), ("archive", "archived", "archived_on")]
ON_PATH = [s for _a, s, _f in PATH]
# A case leaving the main path right after registration: its last move.
SIDE = {"declined": "decline", "refused_repeat": "refuse_repeat", "forwarded": "forward", "voided": "void"}
# Share of statuses for a case received long ago, and for one received in the last 90 days.
OLD_STATUS = {"archived": 45, "closed": 30, "declined": 4, "refused_repeat": 2, "forwarded": 8,
              "voided": 1, "handling": 4, "replied": 3, "closing": 1, "assigned": 1, "accepted": 1}
NEW_STATUS = {"registered": 12, "accepted": 10, "assigned": 12, "handling": 30, "replied": 10,
              "closing": 6, "closed": 12, "declined": 3, "forwarded": 5}


def _weighted(rnd, table, k):
    return rnd.choices(list(table), weights=list(table.values()), k=k)


def _id_number(rnd, seen):
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    while True:
        born = date(1940, 1, 1) + timedelta(days=rnd.randrange(365 * 62))
        body = f"4114{rnd.randrange(21, 30):02d}{born:%Y%m%d}{rnd.randrange(1000):03d}"
        check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
        number = body + check
        if number not in seen:
            seen.add(number)
            return number, born


class _Office:
    """What the generated cases point at: departments, their handlers, the office's staff."""

    def __init__(self, session):
        depts = session.execute(select(Department.id, Department.parent_id, Department.kind)
                                .where(Department.active.is_(True))).all()
        users = session.execute(select(User.id, User.role, User.department_id)
                                .where(User.active.is_(True))).all()
        by_role = {}
        for uid, role, _dept in users:
            by_role.setdefault(role, []).append(uid)
        if not depts or not by_role.get("clerk") or not by_role.get("handler"):
            raise ServiceError("数据库里还没有单位和用户（至少要有登记员和承办人）：请先运行 "
                               "flask --app app seed-demo（或建好单位与用户）再生成数据。")
        parent = {d: p for d, p, _k in depts}
        handlers = {}
        for uid, role, dept in users:
            if role == "handler":
                handlers.setdefault(dept, uid)
        kinds = {d: k for d, _p, k in depts}
        self.units, self.handler_of = [], {}
        for d, _p, kind in depts:
            if kind == "office":
                continue
            walk = d
            while walk is not None and walk not in handlers:
                walk = parent.get(walk)
            if walk is not None:  # a case is only given to a department someone can handle
                self.handler_of[d] = handlers[walk]
                if kind == "unit":
                    self.units.append(d)

        def ancestors(d):
            out = []
            while parent.get(d) is not None:
                d = parent[d]
                out.append(d)
            return out

        # An accusation goes to a discipline department, never to the accused unit, a unit below
        # it, or one above it but the top (services/access.banned_dept_ids).
        self.accused_units = {}
        for disc in (d for d in self.handler_of if kinds[d] == "discipline"):
            self.accused_units[disc] = [
                u for u in self.units
                if u != disc and u not in ancestors(disc)
                and disc not in [a for a in ancestors(u) if parent.get(a) is not None]]
        if not self.units:
            raise ServiceError("没有可交办的单位（单位下没有承办人）：请先建好单位与承办人。")
        self.clerks = by_role["clerk"]
        self.leaders = by_role.get("leader") or self.clerks
        self.archivists = by_role.get("archivist") or self.clerks


def _reserve_numbers(session, prefix, years):
    """Advance each year's counter by the number of cases generated for it; return the first of each."""
    first = {}
    for year, count in sorted(years.items()):
        last = session.execute(select(CaseCounter.last).where(
            CaseCounter.prefix == prefix, CaseCounter.year == year)).scalar()
        if last is None:
            session.execute(insert(CaseCounter).values(prefix=prefix, year=year, last=count))
            first[year] = 1
        else:
            session.execute(update(CaseCounter).where(CaseCounter.prefix == prefix, CaseCounter.year == year)
                            .values(last=CaseCounter.last + count))
            first[year] = last + 1
    return first


def generate(session, n, seed=1, progress=None, today=None):
    """Write n cases; `progress(done)` is called after each chunk (the caller may commit there).
    Returns counts by table."""
    if n <= 0:
        raise ServiceError("生成的件数必须是正整数。")
    rnd = random.Random(seed)
    office = _Office(session)
    today = today or office_today()
    cal = deadlines.load_calendar(session)
    # deadlines.accept_due / handle_due, with the day modes read once instead of per date.
    modes = {clock: deadlines.mode(session, clock) for clock in ("accept", "handle")}
    prefix = settings.get(session, "number_prefix") or ""
    span = 365 * YEARS
    received = sorted(today - timedelta(days=int(span * rnd.random() ** 0.8)) for _ in range(n))
    years = {}
    for d in received:
        years[d.year] = years.get(d.year, 0) + 1
    seq = _reserve_numbers(session, prefix, years)

    codes = set(session.execute(select(Case.query_code)).scalars())
    id_numbers = set(session.execute(select(Party.id_number).where(Party.id_number.isnot(None))).scalars())
    case_id = (session.execute(select(func.max(Case.id))).scalar() or 0) + 1
    party_id = (session.execute(select(func.max(Party.id))).scalar() or 0) + 1
    accept_due, handle_due, keys = {}, {}, {}
    petitioners = []  # (party_id, snapshot) of everyone who petitioned so far: the repeat pool
    counts = {"cases": 0, "parties": 0, "events": 0, "archive_records": 0}
    now = datetime.now()

    def code():
        while True:
            c = "".join(rnd.choice(QUERY_ALPHABET) for _ in range(6))
            if c not in codes:
                codes.add(c)
                return c

    def party(name, kind="person", id_number=None, born=None, dept=None):
        nonlocal party_id
        if name not in keys:
            keys[name] = name_keys(name, kind)
        phone = f"1{rnd.choice('35789')}{rnd.randrange(10**9):09d}" if kind == "person" else None
        row = {"id": party_id, "kind": kind, "name": name, "sex": rnd.choice("MF") if kind == "person" else None,
               "ethnicity": "汉族" if kind == "person" else None, "birth_date": born,
               "id_type": "resident", "id_number": id_number, "phone": phone,
               "address": f"示范县{rnd.choice(TOWNS)}{rnd.randrange(1, 40)}号" if kind == "person" else None,
               "hukou": None, "occupation": None, "department_id": dept, "created_at": now,
               "name_pinyin": keys[name][0], "name_initials": keys[name][1],
               "id_tail": digits_tail(id_number, ID_CHARS), "phone_tail": digits_tail(phone)}
        party_id += 1
        counts["parties"] += 1
        return row, {f: row.get(f) for f in SNAPSHOT_FIELDS}

    for lo in range(0, n, CHUNK):
        cases, parties, links, events, records = [], [], [], [], []
        for recv in received[lo:lo + CHUNK]:
            age = (today - recv).days
            status = _weighted(rnd, NEW_STATUS if age < 90 else OLD_STATUS, 1)[0]
            channel = _weighted(rnd, CHANNEL_WEIGHTS, 1)[0]
            purpose = _weighted(rnd, PURPOSE_WEIGHTS, 1)[0]
            if purpose == "accusation" and not office.accused_units:
                purpose = "request"
            category = "纪检监察" if purpose == "accusation" else rnd.choice(CATEGORIES)
            number = f"{prefix}{recv.year}-{seq[recv.year]:06d}"
            seq[recv.year] += 1
            if recv not in accept_due:
                accept_due[recv] = cal.add(recv, deadlines.ACCEPT_DAYS, modes["accept"])
            c = dict.fromkeys(("accepted_on", "assigned_on", "signed_on", "replied_on", "close_requested_on",
                               "closed_on", "archived_on", "handle_due", "handle_base_due", "department_id",
                               "handler_id", "reply_text", "reply_method", "satisfaction", "handling_report",
                               "decision_note", "forward_to", "void_reason", "close_approved_by_id",
                               "accept_notice_on"))
            registered_at = datetime.combine(recv, datetime.min.time()) + timedelta(
                hours=rnd.randrange(8, 17), minutes=rnd.randrange(60))
            clerk = rnd.choice(office.clerks)
            c.update(id=case_id, number=number, query_code=code(), channel=channel, source="own",
                     purpose=purpose, category=category, received_on=recv, registered_at=registered_at,
                     registered_by_id=clerk,
                     summary=SUMMARIES.get(category, f"反映{category}方面的问题，要求有关部门依法处理。"),
                     demands="要求依法依规处理。", incident_place=f"示范县{rnd.choice(TOWNS)}",
                     people_count=1, is_repeat=False, status=status, accept_due=accept_due[recv],
                     review_level=0, version=1, created_at=registered_at, updated_at=registered_at)
            # The moves, in order, with their dates (never after today).
            if status in SIDE:
                moves = [PATH[0], (SIDE[status], status, None)]
            else:
                moves = PATH[:ON_PATH.index(status) + 1]
            day, prev, dept = recv, None, None
            for action, to_status, field in moves:
                if action != "register":
                    day = min(today, day + timedelta(days=rnd.randrange(1, 12 if action != "reply" else 50)))
                actor = clerk
                if action == "accept":
                    if day not in handle_due:
                        handle_due[day] = cal.add(day, deadlines.HANDLE_DAYS, modes["handle"])
                    c["handle_due"] = c["handle_base_due"] = handle_due[day]
                    c["accept_notice_on"] = day
                elif action == "assign":
                    dept = c["department_id"] = rnd.choice(
                        list(office.accused_units) if purpose == "accusation" else office.units)
                elif action == "sign_for":
                    actor = c["handler_id"] = office.handler_of[dept]
                elif action == "reply":
                    actor = c["handler_id"]
                    c.update(reply_text="经调查核实，已依法依规作出处理，现予答复。", reply_method="mail",
                             handling_report="已调查核实并答复信访人。")
                elif action == "close_approve":
                    actor = c["close_approved_by_id"] = rnd.choice(office.leaders)
                    c["satisfaction"] = rnd.choice(("satisfied", "satisfied", "basic", "unsatisfied"))
                elif action == "archive":
                    actor = rnd.choice(office.archivists)
                    records.append({"case_id": case_id, "archive_number": f"GD-{day.year}-{case_id:07d}",
                                    "volume_type": "ordinary", "retention": "10y", "location": "档案室",
                                    "page_count": rnd.randrange(5, 40), "catalogue": "信访件\n答复意见书",
                                    "filed_by_id": actor, "filed_on": day, "created_at": now})
                elif action in ("decline", "refuse_repeat"):
                    c["decision_note"] = "不属于本机关职权范围。" if action == "decline" else "同一事项已办结，不再受理。"
                elif action == "forward":
                    c["forward_to"] = "市人力资源和社会保障局"
                elif action == "void":
                    c["void_reason"] = "重复登记。"
                if field:
                    c[field] = day
                at = registered_at if action == "register" else datetime.combine(day, datetime.min.time()) + timedelta(hours=15)
                events.append({"case_id": case_id, "at": at, "actor_id": actor, "action": action,
                               "from_status": prev, "to_status": to_status,
                               "from_department_id": None if action == "assign" else dept,
                               "to_department_id": dept, "note": "", "data": {}})
                prev = to_status
            # Petitioner: someone new, or (repeat petitioners) someone who came before.
            if petitioners and rnd.random() < REPEAT_SHARE:
                pid, snap = rnd.choice(petitioners)
            else:
                id_number, born = _id_number(rnd, id_numbers) if rnd.random() < 0.9 else (None, None)
                row, snap = party(rnd.choice(SURNAMES) + rnd.choice(GIVEN), id_number=id_number, born=born)
                parties.append(row)
                pid = row["id"]
                petitioners.append((pid, snap))
            links.append({"case_id": case_id, "party_id": pid, "role": "petitioner", "note": None, "snapshot": snap})
            if purpose == "accusation":  # 检举控告: the accused person of a unit the case may not reach
                disc = dept or rnd.choice(list(office.accused_units))
                unit = rnd.choice(office.accused_units[disc]) if office.accused_units[disc] else None
                row, snap = party(rnd.choice(SURNAMES) + rnd.choice(GIVEN), dept=unit)
                parties.append(row)
                links.append({"case_id": case_id, "party_id": row["id"], "role": "accused", "note": None,
                              "snapshot": snap})
            cases.append(c)
            case_id += 1
        session.execute(insert(Party.__table__), parties)
        session.execute(insert(Case.__table__), cases)
        session.execute(insert(CaseParty.__table__), links)
        session.execute(insert(CaseEvent.__table__), events)
        if records:
            session.execute(insert(ArchiveRecord.__table__), records)
        counts["cases"] += len(cases)
        counts["events"] += len(events)
        counts["archive_records"] += len(records)
        if progress:
            progress(counts["cases"])
    _advance_sequences(session, (Party.__table__, Case.__table__))
    return counts


def _advance_sequences(session, tables):
    """Rows inserted with explicit ids leave PostgreSQL's id sequences behind: move them past the
    largest id, or the next registration collides with a generated case."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                             f"(SELECT coalesce(max(id), 1) FROM \"{table.name}\"))"))


def analyze(session):
    """Fresh planner statistics after a bulk load (SQLite and PostgreSQL both take ANALYZE)."""
    session.execute(text("ANALYZE"))
