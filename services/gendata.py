"""Bulk test data: N realistic cases written straight through the driver (flask gen-data, benchmarks).

Keeps the invariants the app relies on: numbers in the office's format from the case counter (which
is advanced past them before any case is written), unique 查询码, due dates from services/deadlines
(extensions too), events whose from/to statuses chain to the case's status, 重复访 set as
registration sets it (the petitioner's latest earlier case that is not voided), party search keys
(the ORM listener does not fire here), snapshots on the case-party links, assisting departments
never the accused unit's, packages of one petitioner's case with progress and an outcome once the
case is closed, an archive record per archived case with a 档号 in the archive's own format.

Speed: rows are built as tuples and written by the driver (SQLite executemany, PostgreSQL COPY) in
chunks; SQLite runs the load with a large page cache, restored afterwards. 1,000,000
cases take a few minutes on a 2-core machine (see docs/scaling.md).
"""
import json
import random
import sqlite3
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, text, update

from models import (ArchiveRecord, Case, CaseAssist, CaseCounter, CaseEvent, CaseParty, Department,
                    PackageAssignment, PackageProgress, Party, User, search_index)
from models.case import SNAPSHOT_FIELDS
from models.enums import CATEGORIES, CHANNELS, PACKAGE_OUTCOMES
from models.party import ID_CHARS, digits_tail, name_keys
from services import ServiceError, deadlines, settings
from services.archive import NUMBER_PREFIX
from services.clock import today as office_today
from services.numbering import QUERY_ALPHABET

CHUNK = 20000
YEARS = 5
REPEAT_SHARE = 0.3    # a case by someone who petitioned before
ASSIST_SHARE = 0.1    # an assigned request with a 配合单位
EXTEND_SHARE = 0.06   # a handled case whose handler asked for more time
PACKAGE_SHARE = 0.01  # a handled request a leader took on as a 包案
UTC_OFFSET = timedelta(hours=8)  # office time is Asia/Shanghai; timestamps are stored in UTC

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "桂英", "建国", "建华", "志强", "海燕", "红梅", "国强", "丽华", "玉兰", "德明", "春生", "长青", "金凤"]
TOWNS = ["城关镇", "王集乡", "李寨镇", "新安乡", "白庙镇", "河口镇", "东岗乡", "西湖街道"]
CHANNEL_WEIGHTS = {"letter": 25, "visit": 28, "phone": 15, "online": 28, "email": 3, "fax": 1}
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

CASE_COLUMNS = (
    "id", "number", "query_code", "channel", "source", "purpose", "category", "received_on",
    "registered_at", "registered_by_id", "summary", "demands", "incident_place", "people_count",
    "is_collective", "is_repeat", "repeat_of_id", "is_skip_level", "is_joint", "is_anonymous",
    "is_litigation", "is_urgent", "is_extreme", "status", "department_id", "handler_id",
    "accept_due", "accepted_on", "accept_notice_on", "decision_note", "forward_to", "assigned_on",
    "signed_on", "handle_due", "handle_base_due", "extension_state", "extension_days",
    "extension_reason", "extension_used", "reply_text", "replied_on", "reply_method",
    "handling_report", "satisfaction", "close_requested_on", "closed_on", "close_approved_by_id",
    "archived_on", "review_level", "void_reason", "version", "created_at", "updated_at")
PARTY_COLUMNS = ("id", "kind", "name", "sex", "ethnicity", "birth_date", "id_type", "id_number",
                 "phone", "address", "department_id", "created_at", "name_pinyin", "name_initials",
                 "id_tail", "phone_tail")
LINK_COLUMNS = ("case_id", "party_id", "role", "snapshot")
EVENT_COLUMNS = ("case_id", "at", "actor_id", "action", "from_status", "to_status",
                 "from_department_id", "to_department_id", "note", "data")
RECORD_COLUMNS = ("case_id", "archive_number", "volume_type", "retention", "location", "page_count",
                  "catalogue", "filed_by_id", "filed_on", "created_at")
ASSIST_COLUMNS = ("case_id", "department_id")
PACKAGE_COLUMNS = ("id", "title", "leader_id", "department_id", "responsible_person", "deadline", "plan",
                   "status", "outcome", "outcome_note", "finished_on", "accepted_on", "created_by_id",
                   "created_at")
PROGRESS_COLUMNS = ("package_id", "on", "text", "author_id", "created_at")
PACKAGE_CASE_COLUMNS = ("package_id", "case_id")
_C = {c: i for i, c in enumerate(CASE_COLUMNS)}
NO_DATA = "{}"
BULK_TABLES = ("case", "case_event", "party", "case_party")
DROP_INDEXES_FROM = 100_000  # measured: 40k cases 10.0 s CPU with the drop, 11.6 s without


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
        depts = session.execute(select(Department.id, Department.parent_id, Department.kind, Department.name)
                                .where(Department.active.is_(True))).all()
        users = session.execute(select(User.id, User.role, User.department_id, User.full_name)
                                .where(User.active.is_(True))).all()
        by_role = {}
        for uid, role, _dept, _name in users:
            by_role.setdefault(role, []).append(uid)
        if not depts or not by_role.get("clerk") or not by_role.get("handler"):
            raise ServiceError("数据库里还没有单位和用户（至少要有登记员和承办人）：请先运行 "
                               "flask --app app seed-demo（或建好单位与用户）再生成数据。")
        parent = {d: p for d, p, _k, _n in depts}
        self.dept_name = {d: n for d, _p, _k, n in depts}
        self.user_name = {u: n for u, _r, _d, n in users}
        handlers = {}
        for uid, role, dept, _name in users:
            if role == "handler":
                handlers.setdefault(dept, uid)
        kinds = {d: k for d, _p, k, _n in depts}
        self.units, self.handler_of = [], {}
        for d, _p, kind, _n in depts:
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
        self.leaders = by_role.get("leader") or []
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


def _archive_sequences(session):
    """The highest 档号 sequence in use per (year, volume prefix): generated files follow on."""
    out = {}
    for number in session.execute(select(ArchiveRecord.archive_number)).scalars():
        parts = number.split("-")
        if len(parts) == 4 and parts[0] == "XF" and parts[3].isdigit():
            key = (parts[1], parts[2])
            out[key] = max(out.get(key, 0), int(parts[3]))
    return out


def _sqlite_datetime(value):
    # SQLAlchemy's SQLite DateTime storage format (microseconds always written).
    return value.isoformat(" ", "microseconds")


class _Writer:
    """Rows to tables through the driver of the session's current connection (the caller may commit
    between chunks): executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, session):
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.saved = {}  # SQLite connection -> its cache_size before the load
        if self.dialect == "sqlite":
            sqlite3.register_adapter(datetime, _sqlite_datetime)
            sqlite3.register_adapter(date, date.isoformat)

    def _raw(self):
        raw = self.session.connection().connection.driver_connection
        if self.dialect == "sqlite" and raw not in self.saved:
            # The index inserts want a big page cache (256 MB). synchronous cannot change inside a
            # transaction and hardly matters here: WAL, one commit per chunk.
            cur = raw.cursor()
            self.saved[raw] = cur.execute("PRAGMA cache_size").fetchone()[0]
            cur.execute("PRAGMA cache_size=-262144")
        return raw

    def restore(self):
        for raw, value in self.saved.items():
            raw.execute(f"PRAGMA cache_size={value}")

    def drop_indexes(self, tables):
        """Drop the secondary indexes of `tables` (not the unique ones: they check the data); returns
        what rebuild_indexes needs. One CREATE INDEX sorts once instead of a B-tree insert per row."""
        if self.dialect == "sqlite":
            rows = self.session.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN ({})".format(
                    ", ".join(f"'{t}'" for t in tables)))).all()
        else:
            rows = self.session.execute(text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                "AND i.tablename = ANY(:tables) AND i.indexdef NOT LIKE 'CREATE UNIQUE%'"),
                {"tables": list(tables)}).all()
        for name, _sql in rows:
            self.session.execute(text(f'DROP INDEX "{name}"'))
        return [sql for _name, sql in rows]

    def rebuild_indexes(self, statements):
        for sql in statements:
            self.session.execute(text(sql))

    def write(self, table, columns, rows):
        if not rows:
            return
        raw = self._raw()
        cols = ", ".join(f'"{c}"' for c in columns)
        if self.dialect == "postgresql":
            with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            raw.cursor().executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)


def generate(session, n, seed=1, progress=None, today=None):
    """Write n cases; `progress(done)` is called after each chunk (the caller may commit there).
    Returns counts by table."""
    if n <= 0:
        raise ServiceError("生成的件数必须是正整数。")
    rnd = random.Random(seed)
    office = _Office(session)
    today = today or office_today()
    cal = deadlines.load_calendar(session)
    # deadlines.accept_due / handle_due / extended_due, with the day modes read once.
    modes = {clock: deadlines.mode(session, clock) for clock in ("accept", "handle", "extend")}
    prefix = settings.get(session, "number_prefix") or ""
    span = 365 * YEARS
    received = sorted(today - timedelta(days=int(span * rnd.random() ** 0.8)) for _ in range(n))
    years = {}
    for d in received:
        years[d.year] = years.get(d.year, 0) + 1
    seq = _reserve_numbers(session, prefix, years)
    archive_seq = _archive_sequences(session)
    volume = NUMBER_PREFIX["ordinary"]

    codes = set(session.execute(select(Case.query_code)).scalars())
    id_numbers = set(session.execute(select(Party.id_number).where(Party.id_number.isnot(None))).scalars())
    case_id = (session.execute(select(func.max(Case.id))).scalar() or 0) + 1
    party_id = (session.execute(select(func.max(Party.id))).scalar() or 0) + 1
    next_package = [(session.execute(select(func.max(PackageAssignment.id))).scalar() or 0) + 1]
    accept_due, handle_due, extended, keys = {}, {}, {}, {}
    petitioners = []  # (party_id, name, snapshot json) of everyone who petitioned so far
    latest = {}       # party id -> (case id, number) of their latest case that is not voided
    counts = dict.fromkeys(("cases", "parties", "events", "archive_records", "assists", "packages"), 0)
    now = datetime.utcnow()
    writer = _Writer(session)
    # Rebuilding costs the whole table: only worth it when the load is most of the table. The
    # substring index (SQLite FTS5 triggers) likewise: filled once at the end.
    bulk = n >= DROP_INDEXES_FROM and case_id - 1 < n
    dropped = writer.drop_indexes(BULK_TABLES) if bulk else []
    if bulk:
        search_index.drop_triggers(session.connection())
    channel_note = {k: f"{v}登记" for k, v in CHANNELS.items()}
    reply_text, report = "经调查核实，已依法依规作出处理，现予答复。", "已调查核实并答复信访人。"

    def day_at(day, hour):
        return datetime(day.year, day.month, day.day, hour) - UTC_OFFSET

    def code():
        while True:
            c = "".join(rnd.choices(QUERY_ALPHABET, k=6))
            if c not in codes:
                codes.add(c)
                return c

    def party(name, id_number=None, born=None, dept=None):
        nonlocal party_id
        if name not in keys:
            keys[name] = name_keys(name, "person")
        phone = f"1{rnd.choice('35789')}{rnd.randrange(10**9):09d}"
        sex = rnd.choice("MF")
        address = f"示范县{rnd.choice(TOWNS)}{rnd.randrange(1, 40)}号"
        row = (party_id, "person", name, sex, "汉族", born, "resident", id_number, phone, address, dept, now,
               keys[name][0], keys[name][1], digits_tail(id_number, ID_CHARS), digits_tail(phone))
        snap = dict(zip(PARTY_COLUMNS, row))
        snapshot = json.dumps({f: snap.get(f) for f in SNAPSHOT_FIELDS}, ensure_ascii=False)
        party_id += 1
        counts["parties"] += 1
        return row, snapshot

    for lo in range(0, n, CHUNK):
        chunk = received[lo:lo + CHUNK]
        k = len(chunk)
        channels = rnd.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()), k=k)
        purposes = rnd.choices(list(PURPOSE_WEIGHTS), weights=list(PURPOSE_WEIGHTS.values()), k=k)
        old_status = rnd.choices(list(OLD_STATUS), weights=list(OLD_STATUS.values()), k=k)
        new_status = rnd.choices(list(NEW_STATUS), weights=list(NEW_STATUS.values()), k=k)
        out = {t: [] for t in ("case", "party", "case_party", "case_event", "archive_record", "case_assist",
                               "package_assignment", "package_progress", "package_case")}
        events = out["case_event"]
        for i, recv in enumerate(chunk):
            status = new_status[i] if (today - recv).days < 90 else old_status[i]
            channel, purpose = channels[i], purposes[i]
            if purpose == "accusation" and not office.accused_units:
                purpose = "request"
            category = "纪检监察" if purpose == "accusation" else rnd.choice(CATEGORIES)
            number = f"{prefix}{recv.year}-{seq[recv.year]:06d}"
            seq[recv.year] += 1
            if recv not in accept_due:
                accept_due[recv] = cal.add(recv, deadlines.ACCEPT_DAYS, modes["accept"])
            registered_at = day_at(recv, rnd.randrange(8, 17)) + timedelta(minutes=rnd.randrange(60))
            clerk = rnd.choice(office.clerks)
            c = [None] * len(CASE_COLUMNS)
            c[0:24] = (case_id, number, code(), channel, "own", purpose, category, recv, registered_at, clerk,
                       SUMMARIES.get(category, f"反映{category}方面的问题，要求有关部门依法处理。"),
                       "要求依法依规处理。", f"示范县{rnd.choice(TOWNS)}", 1, False, False, None,
                       False, False, False, False, False, False, status)
            c[_C["accept_due"]] = accept_due[recv]
            c[_C["extension_used"]] = False
            c[_C["review_level"]], c[_C["version"]] = 0, 1
            c[_C["created_at"]] = c[_C["updated_at"]] = registered_at

            # Petitioner: someone new, or (repeat petitioners) someone who came before; 重复访 as
            # registration decides it (services/registration.earlier_case).
            if petitioners and rnd.random() < REPEAT_SHARE:
                pid, pname, snapshot = rnd.choice(petitioners)
            else:
                id_number, born = _id_number(rnd, id_numbers) if rnd.random() < 0.9 else (None, None)
                row, snapshot = party(rnd.choice(SURNAMES) + rnd.choice(GIVEN), id_number, born)
                out["party"].append(row)
                pid, pname = row[0], row[2]
                petitioners.append((pid, pname, snapshot))
            out["case_party"].append((case_id, pid, "petitioner", snapshot))
            earlier = latest.get(pid)
            register_note = channel_note[channel]
            if earlier is not None:
                c[_C["is_repeat"]], c[_C["repeat_of_id"]] = True, earlier[0]
                register_note += f"；重复访，前次信访事项 {earlier[1]}"
            if status != "voided":
                latest[pid] = (case_id, number)
            accused_unit = None
            if purpose == "accusation":  # 检举控告: the accused person of a unit the case may not reach
                disc = rnd.choice(list(office.accused_units))
                accused_unit = rnd.choice(office.accused_units[disc]) if office.accused_units[disc] else None
                row, snap = party(rnd.choice(SURNAMES) + rnd.choice(GIVEN), dept=accused_unit)
                out["party"].append(row)
                out["case_party"].append((case_id, row[0], "accused", snap))

            # The moves, in order, with their dates (never after today).
            if status in SIDE:
                moves = [PATH[0], (SIDE[status], status, None)]
            else:
                moves = PATH[:ON_PATH.index(status) + 1]
            day, prev, dept, pkg = recv, None, None, None
            first_event = len(events)
            for action, to_status, field in moves:
                if action != "register":
                    day = min(today, day + timedelta(days=rnd.randrange(1, 12 if action != "reply" else 50)))
                actor, note, data = clerk, "", NO_DATA
                if action == "register":
                    note = register_note
                    data = json.dumps({"repeat_of": earlier[1] if earlier else None}, ensure_ascii=False)
                elif action == "accept":
                    if day not in handle_due:
                        handle_due[day] = cal.add(day, deadlines.HANDLE_DAYS, modes["handle"])
                    c[_C["handle_due"]] = c[_C["handle_base_due"]] = handle_due[day]
                    c[_C["accept_notice_on"]] = day
                elif action == "assign":
                    if purpose == "accusation":
                        dept = disc
                    else:
                        dept = rnd.choice(office.units)
                    c[_C["department_id"]] = dept
                    helpers = []
                    if purpose != "accusation" and rnd.random() < ASSIST_SHARE:
                        helper = rnd.choice(office.units)
                        if helper != dept:
                            helpers = [helper]
                            out["case_assist"].append((case_id, helper))
                    data = json.dumps({"department": office.dept_name[dept],
                                       "assists": [office.dept_name[h] for h in helpers],
                                       "due": c[_C["handle_due"]].isoformat(), "custom_due": False},
                                      ensure_ascii=False)
                elif action == "sign_for":
                    actor = c[_C["handler_id"]] = office.handler_of[dept]
                    data = json.dumps({"handler": office.user_name[actor]}, ensure_ascii=False)
                elif action == "reply":
                    actor = c[_C["handler_id"]]
                    c[_C["reply_text"]], c[_C["reply_method"]] = reply_text, "mail"
                    c[_C["handling_report"]] = report
                    data = json.dumps({"replied_on": day.isoformat(), "method": "mail", "response": None,
                                       "receipt": None})
                elif action == "close_approve":
                    actor = c[_C["close_approved_by_id"]] = rnd.choice(office.leaders or office.clerks)
                    c[_C["satisfaction"]] = rnd.choice(("satisfied", "satisfied", "basic", "unsatisfied"))
                elif action == "archive":
                    actor = rnd.choice(office.archivists)
                    key = (str(day.year), volume)
                    archive_seq[key] = archive_seq.get(key, 0) + 1
                    out["archive_record"].append(
                        (case_id, f"XF-{day.year}-{volume}-{archive_seq[key]:04d}", "ordinary", "10y", "档案室",
                         rnd.randrange(5, 40), "信访件\n答复意见书", actor, day, now))
                elif action in ("decline", "refuse_repeat"):
                    c[_C["decision_note"]] = note = ("不属于本机关职权范围。" if action == "decline"
                                                     else "同一事项已办结，不再受理。")
                elif action == "forward":
                    c[_C["forward_to"]] = "市人力资源和社会保障局"
                elif action == "void":
                    c[_C["void_reason"]] = note = "重复登记。"
                if field:
                    c[_C[field]] = day
                at = registered_at if action == "register" else day_at(day, 15)
                events.append((case_id, at, actor, action, prev, to_status,
                               None if action == "assign" else dept, dept, note, data))
                prev = to_status
                if action == "sign_for":
                    day, pkg = _handling_extras(rnd, office, c, status, purpose, case_id, pname, day, today,
                                                out, cal, modes, extended, day_at, next_package)
                elif action == "reply" and pkg is not None:
                    # The leader ends the package once the case is answered: 化解结果 and a note.
                    outcome = rnd.choice(list(PACKAGE_OUTCOMES))
                    pkg[7:11] = ["finished", outcome, "已按化解方案办结。", day]
                    events.append((case_id, day_at(day, 16), pkg[2], "package", "replied", "replied", dept, dept,
                                   f"包案结束：{PACKAGE_OUTCOMES[outcome]}。已按化解方案办结。",
                                   json.dumps({"package_id": pkg[0], "step": "finish", "outcome": outcome})))
            for j in range(first_event + 1, len(events)):  # same-day moves keep their order
                if events[j][1] <= events[j - 1][1]:
                    events[j] = events[j][:1] + (events[j - 1][1] + timedelta(minutes=5),) + events[j][2:]
            out["case"].append(tuple(c))
            case_id += 1
        for table, columns in (("party", PARTY_COLUMNS), ("case", CASE_COLUMNS), ("case_party", LINK_COLUMNS),
                               ("case_event", EVENT_COLUMNS), ("archive_record", RECORD_COLUMNS),
                               ("case_assist", ASSIST_COLUMNS), ("package_assignment", PACKAGE_COLUMNS),
                               ("package_case", PACKAGE_CASE_COLUMNS), ("package_progress", PROGRESS_COLUMNS)):
            writer.write(table, columns, out[table])
        counts["cases"] += len(out["case"])
        counts["events"] += len(events)
        counts["archive_records"] += len(out["archive_record"])
        counts["assists"] += len(out["case_assist"])
        counts["packages"] += len(out["package_assignment"])
        if progress:
            progress(counts["cases"])
    writer.rebuild_indexes(dropped)
    if bulk:
        search_index.rebuild(session.connection())
        search_index.create_triggers(session.connection())
    writer.restore()
    _advance_sequences(session, (Party.__table__, Case.__table__, PackageAssignment.__table__,
                                 CaseEvent.__table__, CaseParty.__table__, ArchiveRecord.__table__,
                                 CaseAssist.__table__, PackageProgress.__table__))
    return counts


def _handling_extras(rnd, office, c, status, purpose, case_id, pname, day, today, out, cal, modes,
                     extended, day_at, next_package):
    """While the case is handled: an extension asked for (and decided, unless still pending) and, for
    a few requests, a 包案. Appends the events in date order; returns the day of the last one and
    the package row (or None)."""
    events = out["case_event"]
    dept, handler = c[_C["department_id"]], c[_C["handler_id"]]
    if rnd.random() < EXTEND_SHARE:
        days = rnd.choice((10, 15, 30))
        day = min(today, day + timedelta(days=rnd.randrange(1, 20)))
        reason = "案情复杂，需进一步调查核实。"
        c[_C["extension_days"]], c[_C["extension_reason"]] = days, reason
        events.append((case_id, day_at(day, 10), handler, "extend_request", "handling", "handling", dept, dept,
                       f"申请延期{days}天：{reason}", json.dumps({"days": days})))
        if status == "handling" and rnd.random() < 0.3:
            c[_C["extension_state"]] = "pending"
        else:
            day = min(today, day + timedelta(days=rnd.randrange(1, 5)))
            leader = rnd.choice(office.leaders or office.clerks)
            if rnd.random() < 0.8:
                old = c[_C["handle_base_due"]]
                if (old, days) not in extended:
                    extended[(old, days)] = cal.add(old, days, modes["extend"])
                c[_C["handle_due"]] = extended[(old, days)]
                c[_C["extension_state"]], c[_C["extension_used"]] = "approved", True
                events.append((case_id, day_at(day, 11), leader, "extend_approve", "handling", "handling", dept,
                               dept, "同意延期。", json.dumps({"days": days, "old_due": old.isoformat(),
                                                              "new_due": c[_C["handle_due"]].isoformat()})))
            else:
                c[_C["extension_state"]] = "denied"
                events.append((case_id, day_at(day, 11), leader, "extend_deny", "handling", "handling", dept,
                               dept, "不同意延期，请按期办结。", json.dumps({"days": days})))
    if purpose == "accusation" or not office.leaders or rnd.random() >= PACKAGE_SHARE:
        return day, None
    # A 包案 of this one case (an accusation is never packaged here: its petitioner stays hidden);
    # active while the case is handled, ended by the leader once it is answered (the caller).
    package_id = next_package[0]
    next_package[0] += 1
    leader = rnd.choice(office.leaders)
    clerk = c[_C["registered_by_id"]]
    day = min(today, day + timedelta(days=1))
    accepted = min(today, day + timedelta(days=rnd.randrange(0, 3)))
    deadline = day + timedelta(days=90)
    pkg = [package_id, f"{pname}反映{c[_C['category']]}问题", leader, dept, "单位负责人", deadline,
           "包调查、包处理、包化解、包稳控。", "active", None, None, None, accepted, clerk, day_at(day, 9)]
    out["package_assignment"].append(pkg)
    out["package_case"].append((package_id, case_id))
    name = office.user_name[leader]
    events.append((case_id, day_at(day, 9), clerk, "package", "handling", "handling", dept, dept,
                   f"拟由{name}包案，责任单位{office.dept_name[dept]}，责任人单位负责人，办结期限{deadline}",
                   json.dumps({"package_id": package_id, "step": "propose"})))
    events.append((case_id, day_at(accepted, 10), leader, "package", "handling", "handling", dept, dept,
                   f"{name}确认包案，办结期限{deadline}", json.dumps({"package_id": package_id, "step": "accept"})))
    on = accepted
    for _ in range(rnd.randrange(1, 4)):
        on = min(today, on + timedelta(days=rnd.randrange(3, 15)))
        out["package_progress"].append((package_id, on, "已约谈信访人，正在协调有关部门落实。", leader,
                                        day_at(on, 16)))
    return on, pkg


def _advance_sequences(session, tables):
    """Rows inserted with explicit ids (or by COPY) leave PostgreSQL's id sequences behind: move them
    past the largest id, or the next registration collides with a generated row."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                             f"(SELECT coalesce(max(id), 1) FROM \"{table.name}\"))"))


def analyze(session):
    """Fresh planner statistics after a bulk load: ANALYZE on both; SQLite also runs PRAGMA optimize."""
    session.execute(text("ANALYZE"))
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA optimize"))
