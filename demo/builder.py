"""Build the demo office (示范县信访局): departments, users, ~300 cases with a realistic history,
reception days, packages and archive records. Deterministic: random.Random(2026).

Three phases. Planning decides every case: its status, story, people and the days of its history.
Deciding turns each plan into steps - registration (services.registration.register_case) and
moves (services.workflow.perform) with their actor, data and office-day timestamp - drawing every
random value. Running performs the steps of the whole office in date order, each on its own office
day (clock.office_day), so the demo only ever holds what the product itself could have produced.
"""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

import models.org as org_models
from demo.data import (ACCUSATIONS, AREA_CODES, CATALOGUE, CATEGORY_DEPTS, CATEGORY_WEIGHTS, COMPANIES,
                       DECLINE_REASONS, DEMO_PASSWORD, DEPARTMENT_ALIASES, DEPARTMENTS, ESTATES, ETHNICITIES,
                       EXTENSION_REASONS, FOLLOW_UP_NOTES, FORWARD_TARGETS, GIVEN_F, GIVEN_M,
                       HOSPITALS, INSTRUCTIONS, MORE_HANDLERS, OCCUPATIONS, PROJECTS,
                       RECEIPT_REFUSED_NOTE, ROADS, SCHOOLS, SCREENING_ENTRIES, STATUS_MIX, STORIES, SUGGESTIONS,
                       SUPERVISE_NOTES, SURNAMES, TOWNS, UNIT_ACCUSATION, USERS, VOID_REASON)
from models import (CaseEvent, Department, Holiday, PackageAssignment, PackageProgress, Party,
                    ReceptionEvent, ReceptionSchedule, Setting, User)
from services import clock, deadlines, settings, workflow
from services.registration import PartyInput, RegistrationInput, is_collective, register_case
from services.validation import id_check_char


class _People:
    def __init__(self, rng, today):
        self.rng, self.today, self.ids, self.phones = rng, today, set(), set()

    def id_number(self, sex, born):
        while True:
            seq = self.rng.randrange(0, 100) * 10 + self.rng.choice(
                (1, 3, 5, 7, 9) if sex == "M" else (0, 2, 4, 6, 8))
            first17 = f"{self.rng.choice(AREA_CODES)}{born:%Y%m%d}{seq:03d}"
            value = first17 + id_check_char(first17)
            if value not in self.ids:
                self.ids.add(value)
                return value

    def phone(self):
        while True:
            value = "1" + self.rng.choice(("38", "39", "50", "51", "58", "59", "86", "87", "88", "35",
                                           "36", "77", "80", "89", "33")) + f"{self.rng.randrange(10**8):08d}"
            if value not in self.phones:
                self.phones.add(value)
                return value

    def person(self, with_id=True):
        rng = self.rng
        sex = rng.choice("MF")
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_M if sex == "M" else GIVEN_F)
        born = date(rng.randint(1948, 2002), rng.randint(1, 12), rng.randint(1, 28))
        town = rng.choice(list(TOWNS))
        village = rng.choice(TOWNS[town])
        return PartyInput(
            name=name, sex=sex, ethnicity=rng.choice(ETHNICITIES),
            id_number=self.id_number(sex, born) if with_id else "",
            phone=self.phone(), address=f"示范县{town}{village}{rng.randint(1, 40)}组{rng.randint(1, 99)}号",
            hukou=f"示范县{town}", occupation=rng.choice(OCCUPATIONS))


# ---- the plan of one case ---------------------------------------------------------------------

@dataclass(eq=False)
class _Plan:
    status: str
    received_on: date
    channel: str
    purpose: str
    category: str
    story: tuple
    petitioners: list
    representatives: list = field(default_factory=list)
    accused: list = field(default_factory=list)
    people_count: int = 1
    anonymous: bool = False
    joint: bool = False
    repeat_group: int | None = None
    flavor: str = ""  # overdue | due_soon | extension | extended | direct | review
    dept: str = ""
    reception: object = None
    leader: object = None
    slots: dict = field(default_factory=dict)


@dataclass
class _Step:
    """One thing the office did on one day: register a case, or a move on it."""
    day: date
    order: tuple  # (the plan's place in registration order, the step's place in the plan)
    at: datetime  # the event's timestamp (naive UTC)
    run: object  # callable(builder) -> the event(s) to stamp with `at`


# Roles whose reach is every case: their moves need no flush before perform reads the case.
_SEE_EVERY_CASE = ("admin", "clerk")


# The days after acceptance: (date, counted from, working days min, max, the status it reaches).
_CHAIN = [("assigned", "accepted", 0, 2, "assigned"), ("signed", "assigned", 0, 2, "handling"),
          ("replied", "signed", 10, 35, "replied"), ("followed", "replied", 1, 6, None),
          ("close_req", "followed", 0, 3, "closing"), ("closed", "close_req", 1, 5, "closed"),
          ("archived", "closed", 5, 20, "archived")]


def _ts(day, hour, minute=0):
    """An office-local time on `day` as the naive UTC timestamp the database keeps."""
    return datetime(day.year, day.month, day.day, hour, minute) - timedelta(hours=8)


class Builder:
    def __init__(self, session, cases, today):
        self.s, self.n, self.today = session, cases, today
        self.rng = random.Random(2026)
        self.people = _People(self.rng, today)
        self.plans, self.repeat_groups = [], []
        self.steps = []
        self.last_at = {}
        self.finish = []  # rows made once every case exists (packages)
        self.registered = set()  # ids of the PartyInputs registered so far

    # ---- small helpers ----
    def after(self, base, lo, hi):
        n = self.rng.randint(lo, hi)
        return self.cal.add(base, n, "working") if n else self.cal.roll_forward(base)

    def workday_on_or_before(self, d):
        while not self.cal.is_working_day(d):
            d -= timedelta(days=1)
        return d

    def stamp(self, plan, day, hour=None):
        """The timestamp of the plan's next event on `day`: same-day events keep their order."""
        hour = hour if hour is not None else self.rng.randint(9, 16)
        at = _ts(day, hour, self.rng.randint(0, 59))
        last = self.last_at.get(id(plan)) or plan.registered_at
        if last is not None and at <= last and day == (last + timedelta(hours=8)).date():
            at = last + timedelta(minutes=self.rng.randint(10, 90))
        self.last_at[id(plan)] = at
        return at

    def step(self, plan, day, at, run):
        self.steps.append(_Step(day, (plan.order, len(self.steps)), at, run))

    def move(self, plan, move, day, actor, at=None, **data):
        """Plan `move` on the plan's case by `actor` on office day `day`. A callable value is
        computed from the case when the move is made."""
        at = at or self.stamp(plan, day)

        def run(b):
            if plan.case.id is None or (actor.role not in _SEE_EVERY_CASE and plan in b.unflushed):
                b.flush()  # this actor's reach is read from the case's row
            values = {k: (v(plan.case) if callable(v) else v) for k, v in data.items()}
            b.unflushed.add(plan)
            return workflow.perform(b.s, actor, plan.case, move, **values)
        self.step(plan, day, at, run)

    def slots(self, town=None):
        rng = self.rng
        town = town or rng.choice(list(TOWNS))
        village = rng.choice(TOWNS[town])
        return {
            "town": town, "village": village, "place": f"{town}{village}",
            "company": rng.choice(COMPANIES), "estate": rng.choice(ESTATES), "school": rng.choice(SCHOOLS),
            "hospital": rng.choice(HOSPITALS), "road": rng.choice(ROADS), "project": rng.choice(PROJECTS),
            "year": rng.randint(2015, 2024), "months": rng.randint(2, 14), "amount": rng.randint(3, 120),
            "n": rng.randint(5, 40), "mu": rng.randint(2, 18), "diff": rng.choice(["0.8", "1.2", "1.5", "2.3"]),
            "years": rng.randint(3, 21),
            "accused": rng.choice(SURNAMES) + rng.choice(GIVEN_M + GIVEN_F),
        }

    # ---- the office ----
    def build(self):
        s = self.s
        # Held here so the identity map keeps them: settings.get() then needs no query per case.
        self.setting_rows = []
        for key, value in settings.DEFAULTS.items():
            row = s.get(Setting, key)
            if row is None:
                row = Setting(key=key, value=value)
                s.add(row)
            self.setting_rows.append(row)
        holidays_added = 0
        if s.execute(select(func.count()).select_from(Holiday)).scalar() == 0:
            holidays_added = deadlines.seed_holidays(s, range(self.today.year - 1, self.today.year + 2))
        self.depts = {}
        for i, (name, kind, parent, code) in enumerate(DEPARTMENTS):
            dept = Department(name=name, kind=kind, code=code, sort_order=i, aliases=DEPARTMENT_ALIASES.get(name, ""),
                              parent=self.depts.get(parent), phone=f"0394-52{self.rng.randint(10000, 99999)}")
            s.add(dept)
            self.depts[name] = dept
        pw_hash = generate_password_hash(DEMO_PASSWORD, method=org_models.PASSWORD_METHOD)
        self.users = {}
        # The later handlers draw their phones apart, so the rest of the office stays as it was.
        more = _People(random.Random(2027), self.today)
        more.phones = self.people.phones
        for people, rows in ((self.people, USERS), (more, MORE_HANDLERS)):
            for username, full_name, role, dept, position, rank, portfolio in rows:
                user = User(username=username, full_name=full_name, role=role, department=self.depts[dept],
                            position=position, rank_order=rank, portfolio=portfolio, password_hash=pw_hash,
                            phone=people.phone())
                s.add(user)
                self.users[username] = user
        s.flush()
        self.cal = deadlines.load_calendar(s)
        self.handler_of = {}
        for dept in self.depts.values():
            d = dept
            while d is not None and dept.name not in self.handler_of:
                for u in self.users.values():
                    if u.role == "handler" and u.department_id == d.id:
                        self.handler_of[dept.name] = u
                d = d.parent

        self.receptions = self.build_receptions()
        if self.n:  # 0: the office, its users and the rota only
            self.plan_cases()
        self.plans.sort(key=lambda p: p.received_on)
        for order, plan in enumerate(self.plans):
            plan.order = order
            plan.registered_at = _ts(plan.received_on, self.rng.randint(8, 11), self.rng.randint(0, 59))
            if plan.flavor != "review":  # a 复查 case is made by the review_request move on its parent
                self.step(plan, plan.received_on, plan.registered_at, self.registration(plan))
            self.decide(plan)
        packages = self.build_packages()
        records = self.plan_archive()
        self.run()
        for make in self.finish:
            make()
        s.flush()
        self.build_screening()
        counts = {
            "departments": len(self.depts), "users": len(self.users), "cases": len(self.plans),
            "parties": s.execute(select(func.count()).select_from(Party)).scalar(),
            "events": s.execute(select(func.count()).select_from(CaseEvent)).scalar(),
            "receptions": len(self.receptions), "packages": packages, "archive_records": records,
            "holidays_added": holidays_added,
        }
        by_status = {}
        for plan in self.plans:
            by_status[plan.status] = by_status.get(plan.status, 0) + 1
        counts["by_status"] = by_status
        return counts

    def flush(self):
        self.s.flush()
        self.unflushed.clear()

    def registration(self, plan):
        seen = any(id(p) in self.registered for p in plan.petitioners + plan.representatives)
        self.registered.update(id(p) for p in plan.petitioners + plan.representatives)

        def run(b):
            if seen:
                b.flush()  # register_case looks for this person's earlier cases
            data = RegistrationInput(
                channel=plan.channel, received_on=plan.received_on, purpose=plan.purpose,
                category=plan.category, summary=plan.story[0], demands=plan.story[1],
                incident_place=plan.slots["place"], people_count=plan.people_count,
                source=plan.source, source_doc_no=plan.source_doc_no, source_deadline=plan.source_deadline,
                is_skip_level=plan.skip_level, is_joint=plan.joint, is_anonymous=plan.anonymous,
                is_litigation=plan.category == "涉法涉诉", is_urgent=plan.urgent, is_extreme=plan.extreme,
                petitioners=plan.petitioners, representatives=plan.representatives, accused=plan.accused,
                reception_id=plan.reception.id if plan.reception else None,
                leader_id=plan.leader.id if plan.leader else None,
                leader_instruction=plan.instruction, registered_at=plan.registered_at,
            )
            plan.case = register_case(b.s, b.users["clerk"], data, check_role=False, calendar=b.cal)
            # A new case has no assists or interests: known now, perform need not load them later.
            plan.case.assists, plan.case.interests = [], []
            return []  # register_case stamps its own event with registered_at
        return run

    def run(self):
        """Every step of the office in date order, each on its own office day.

        Written rows are flushed only when a query needs them: before registering someone who came
        before (register_case looks for their earlier cases), before the first move on a new case,
        and before a move whose actor's reach is read from a case changed since the last flush. Flushing before every query of perform made the
        build several times slower.
        """
        self.unflushed = set()
        with self.s.no_autoflush:
            for step in sorted(self.steps, key=lambda st: (st.day, st.order)):
                with clock.office_day(step.day):
                    made = step.run(self)
                for event in ([made] if isinstance(made, CaseEvent) else made):
                    event.at = step.at

    def build_receptions(self):
        today = self.today
        leaders = sorted((u for u in self.users.values() if u.role == "leader"), key=lambda u: u.rank_order)
        first = today.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        end = (nxt + timedelta(days=32)).replace(day=1)
        rows, d, turn = [], first, 0
        clerk = self.users["clerk"]
        while d < end:
            if d.weekday() in (1, 3) and d not in self.cal.holidays:
                leader = leaders[turn % len(leaders)]
                standin = leaders[(turn + 1) % len(leaders)]
                turn += 1
                past = d < today
                row = ReceptionSchedule(
                    day=d, slot="am", place="县信访局一楼接待大厅", leader=leader,
                    portfolio=leader.portfolio or "", standin=standin,
                    # this month's rota was publicised; next month's is still a draft
                    status="received" if past else "planned", published=d < nxt)
                self.s.add(row)
                self.s.add(ReceptionEvent(schedule=row, actor_id=clerk.id, action="generate",
                                          at=_ts(first - timedelta(days=5), 10),
                                          note="按每周二、周四上午领导轮流接待的规则生成"))
                rows.append(row)
            d += timedelta(days=1)
        self.s.flush()
        return rows

    # ---- planning ----
    def status_pool(self, total):
        scale = total / 300
        pool = {s: max(1, round(w * scale)) if w else 0 for s, w in STATUS_MIX.items()}
        pool["closed"] = max(1, total - sum(pool.values()))
        return pool

    def take(self, pool, prefs):
        prefs = [p for p in prefs if pool.get(p, 0) > 0]
        if not prefs:
            prefs = [s for s, n in pool.items() if n > 0] or ["closed"]
        st = self.rng.choice(prefs)
        pool[st] = pool.get(st, 0) - 1
        return st

    def new_plan(self, status, category, purpose="request", story=None, channel=None, petitioners=None,
                 town=None, flavor=""):
        rng = self.rng
        slots = self.slots(town)
        if story is None:
            story = rng.choice(STORIES[category])
        if channel is None:
            channel = rng.choices(["letter", "visit", "phone", "online", "email", "fax"],
                                  [25, 22, 10, 33, 6, 4])[0]
        plan = _Plan(status=status, received_on=self.today, channel=channel, purpose=purpose,
                     category=category, story=story, flavor=flavor, slots=slots,
                     petitioners=petitioners if petitioners is not None else [self.people.person(
                         with_id=channel != "phone" or rng.random() < 0.5)])
        plan.source, plan.source_doc_no, plan.source_deadline = "own", "", None
        plan.skip_level = channel == "visit" and rng.random() < 0.08
        plan.joint = plan.urgent = plan.extreme = plan.anonymous = False
        plan.instruction = ""
        plan.raw_story = story
        self.plans.append(plan)
        return plan

    def plan_cases(self):
        rng, pool = self.rng, None
        reception_plans = self.plan_reception_cases()
        total = self.n - len(reception_plans) - 2  # two review cases are planned at the end
        pool = self.status_pool(max(total, 20))
        cats = list(CATEGORY_WEIGHTS)
        weights = list(CATEGORY_WEIGHTS.values())

        def general_cat():
            return rng.choices(cats, weights)[0]

        # ~15 repeat petitioners with 2-4 cases each about the same matter.
        self.repeat_groups = []
        for g in range(max(2, round(15 * total / 300))):
            person = self.people.person(with_id=g not in (3, 9))
            category = rng.choice(["城乡建设", "拆迁安置", "劳动社保", "土地征收", "企业改制", "民政"])
            story = rng.choice(STORIES[category])
            k = rng.choice((2, 2, 3, 3, 4))
            statuses = [self.take(pool, ["closed", "archived", "archived"])]
            for _ in range(k - 2):
                statuses.append(self.take(pool, ["closed", "declined", "forwarded", "replied"]))
            statuses.append(self.take(pool, ["refused_repeat", "refused_repeat", "handling", "registered",
                                             "accepted", "assigned"]))
            town = rng.choice(list(TOWNS))
            group = []
            for i, st in enumerate(statuses):
                plan = self.new_plan(st, category, story=story, petitioners=[person], town=town)
                plan.repeat_group = g
                if i:
                    plan.slots = group[0].slots
                group.append(plan)
            self.repeat_groups.append(group)

        # ~10 collective visits with 1-5 representatives.
        for _ in range(max(1, round(10 * total / 300))):
            category = rng.choice(["劳动社保", "拆迁安置", "土地征收", "城乡建设", "企业改制"])
            st = self.take(pool, ["handling", "closed", "archived", "replied", "assigned", "accepted",
                                  "registered", "closing"])
            reps = [self.people.person() for _ in range(rng.randint(1, 5))]
            plan = self.new_plan(st, category, channel="visit", petitioners=reps[:1])
            plan.representatives = reps
            plan.people_count = rng.choice([5, 6, 8, 12, 15, 20, 28, 35, 60])
            plan.slots["n"] = plan.people_count
            plan.urgent = plan.people_count >= 30

        # Accusations (检举控告类) go to the discipline department; a few are anonymous.
        for i in range(max(2, round(26 * total / 300))):
            st = self.take(pool, ["handling", "assigned", "replied", "closed", "archived", "accepted",
                                  "registered", "closing", "handling", "archived"])
            anonymous = i % 5 == 0
            plan = self.new_plan(st, "纪检监察", purpose="accusation", story=rng.choice(ACCUSATIONS),
                                 channel=rng.choice(["letter", "online", "letter", "visit"]) if not anonymous
                                 else rng.choice(["letter", "online"]),
                                 petitioners=[] if anonymous else None)
            plan.anonymous = anonymous
            plan.accused = [PartyInput(name=plan.slots["accused"], sex=rng.choice("MF"),
                                       occupation=f"{plan.slots['place']}干部",
                                       address=f"示范县{plan.slots['place']}")]
            town = self.depts.get(f"{plan.slots['town']}人民政府")
            if "人民政府工作人员" in plan.story[0] and town is not None:
                plan.accused[0].department_id = town  # a person accused, tied to their department
            if i == 1:  # (no draw: the rest of the office stays as it was)
                unit, plan.story = UNIT_ACCUSATION
                plan.raw_story = plan.story
                plan.accused.insert(0, PartyInput(name=unit, kind="unit"))

        # Suggestions the office answers itself.
        for _ in range(max(1, round(10 * total / 300))):
            st = self.take(pool, ["closed", "archived", "replied", "archived"])
            summary, demands, reply, category = rng.choice(SUGGESTIONS)
            self.new_plan(st, category, purpose="suggestion", story=(summary, demands, reply),
                          channel=rng.choice(["online", "letter", "email"]), flavor="direct")

        # Litigation-related requests: pointed to their legal channel (诉访分离).
        for _ in range(max(1, round(6 * total / 300))):
            st = self.take(pool, ["forwarded", "declined"])
            self.new_plan(st, "涉法涉诉")

        # Joint letters.
        for _ in range(max(1, round(6 * total / 300))):
            st = self.take(pool, ["handling", "closed", "archived", "replied"])
            category = general_cat() if rng.random() < 0.5 else "城乡建设"
            if category == "涉法涉诉":
                category = "城乡建设"
            people = [self.people.person() for _ in range(rng.randint(2, 3))]
            plan = self.new_plan(st, category, channel="letter", petitioners=people)
            plan.joint = True
            plan.people_count = len(people)

        # Everything else.
        while sum(max(0, v) for v in pool.values()) > 0:
            st = self.take(pool, [s for s, v in pool.items() if v > 0])
            category = general_cat()
            if category == "涉法涉诉" and st not in ("forwarded", "declined", "registered"):
                category = "其他"
            self.new_plan(st, category)

        # Flavours of the open cases: overdue, due soon, extension requests, one extended.
        handling = [p for p in self.plans if p.status == "handling" and p.repeat_group is None
                    and p.purpose == "request"]
        rng.shuffle(handling)
        flavors = (["overdue"] * 10 + ["due_soon"] * 5 + ["extension"] * 2 + ["extended"])
        for plan, flavor in zip(handling, flavors):
            plan.flavor = flavor
        late = [p for p in self.plans if p.status == "registered" and p.repeat_group is None]
        if late:
            late[0].flavor = "late"
        # Handed down by a higher body (市信访局交办).
        done = [p for p in self.plans if p.status in ("closed", "archived", "replied") and not p.flavor
                and p.purpose == "request"]
        for plan in done[:8]:
            plan.source = "higher"
            plan.source_doc_no = f"市信交〔{self.today.year - 1}〕{rng.randint(10, 300)}号"
        for plan in self.plans:
            self.place_in_time(plan)
        for group in self.repeat_groups:
            group.sort(key=lambda p: p.received_on)
            for plan in group[1:]:
                plan.story = ("信访人再次反映：" + plan.story[0],) + tuple(plan.story[1:])
        for plan in done[:8]:
            plan.source_doc_no = f"市信交〔{plan.received_on.year}〕{rng.randint(10, 300)}号"
            plan.source_deadline = plan.received_on + timedelta(days=60)
        for plan in self.plans:
            self.fill_story(plan)
            plan.dept = self.choose_dept(plan)
        for group in self.repeat_groups:
            for plan in group[1:]:
                plan.dept = group[0].dept
        extreme = [p for p in self.plans if p.channel == "visit" and p.status in ("handling", "assigned")]
        for plan in extreme[:2]:
            plan.extreme = True
            plan.story = (plan.story[0] + "信访人情绪激动，扬言问题再得不到解决就到市里、省里上访。",
                          plan.story[1], plan.story[2])
        self.plan_reviews()
        self.plans.extend(reception_plans)

    def plan_reception_cases(self):
        plans = []
        past = [r for r in self.receptions if r.day < self.today]
        for sched in past[-5:]:
            age = (self.today - sched.day).days
            status = "accepted" if age <= 3 else "assigned" if age <= 8 else "handling"
            category = self.rng.choice(["城乡建设", "劳动社保", "拆迁安置"])
            plan = self.new_plan(status, category, channel="reception")
            self.plans.remove(plan)
            plan.reception, plan.leader = sched, sched.leader
            plan.instruction = {"城乡建设": INSTRUCTIONS[0], "拆迁安置": INSTRUCTIONS[0],
                                "劳动社保": INSTRUCTIONS[1]}[category]
            plan.received_on = sched.day
            plan.dates = self.clamp(self.chain(plan, sched.day))
            self.fill_story(plan)
            plan.dept = self.choose_dept(plan)
            plans.append(plan)
        return plans

    def fill_story(self, plan):
        summary, demands, reply = plan.story
        plan.story = tuple(t.format(**plan.slots) for t in (summary, demands, reply))

    def plan_reviews(self):
        """Two 复查 cases: petitioners who disagreed with a recent reply."""
        parents = [p for p in self.plans if p.status in ("closed", "replied") and p.petitioners
                   and p.flavor != "direct" and p.repeat_group is None and not p.anonymous
                   and self.today - timedelta(days=110) <= p.dates["replied"] <= self.today - timedelta(days=15)]
        parents.sort(key=lambda p: p.dates["replied"], reverse=True)
        for parent, status in zip(parents[:2], ("accepted", "assigned")):
            parent.review_child = True
            received = self.workday_on_or_before(
                min(parent.dates["replied"] + timedelta(days=self.rng.randint(5, 20)), self.today))
            plan = _Plan(status=status, received_on=received, channel="letter", purpose=parent.purpose,
                         category=parent.category, petitioners=parent.petitioners, slots=parent.slots,
                         story=("信访人不服" + parent.dept + "作出的答复意见，申请复查。原事项："
                                + parent.story[0], "要求撤销原答复意见，重新处理。", ""),
                         flavor="review")
            plan.source, plan.source_doc_no, plan.source_deadline = "own", "", None
            plan.skip_level = plan.joint = plan.urgent = plan.extreme = plan.anonymous = False
            plan.instruction = ""
            plan.parent = parent
            # An accusation is reviewed where it was handled; other matters by the county government.
            plan.dept = "县纪委监委" if parent.purpose == "accusation" else "示范县人民政府"
            plan.dates = {"received": received, "accepted": self.after(received, 1, 3)}
            if status == "assigned":
                plan.dates["assigned"] = self.after(plan.dates["accepted"], 0, 1)
            self.clamp(plan.dates)
            self.plans.append(plan)

    WINDOWS = {"registered": (0, 12), "accepted": (3, 20), "assigned": (5, 25), "handling": (12, 50),
               "replied": (50, 110), "closing": (80, 160), "closed": (100, 364), "archived": (130, 364),
               "declined": (3, 364), "forwarded": (3, 364), "refused_repeat": (3, 60), "voided": (3, 364)}

    def place_in_time(self, plan):
        rng, today = self.rng, self.today
        flavor = plan.flavor
        if flavor in ("overdue", "due_soon", "extension", "extended"):
            accepted = self.pick_accepted(flavor)
            received = self.workday_on_or_before(accepted - timedelta(days=rng.randint(1, 5)))
            plan.received_on = received
            plan.dates = self.chain(plan, received, accepted=accepted)
            return
        lo, hi = (16, 25) if flavor == "late" else self.WINDOWS[plan.status]
        for _ in range(30):
            received = today - timedelta(days=rng.randint(lo, hi))
            if plan.channel not in ("online", "email"):
                received = self.workday_on_or_before(received)
            dates = self.chain(plan, received)
            if max(dates.values()) <= today:
                break
        plan.received_on = received
        plan.dates = self.clamp(dates)

    def clamp(self, dates):
        for key, value in dates.items():
            if isinstance(value, date) and value > self.today:
                dates[key] = self.today
        return dates

    def pick_accepted(self, flavor):
        today, rng = self.today, self.rng
        cutoff = deadlines.due_soon_cutoff(self.cal, today)
        for _ in range(200):
            if flavor == "overdue":
                accepted = today - timedelta(days=60 + rng.randint(3, 40))
                ok = lambda due: due < today  # noqa: E731
            elif flavor == "due_soon":
                accepted = today - timedelta(days=rng.randint(55, 60))
                ok = lambda due: today <= due <= cutoff  # noqa: E731
            elif flavor == "extension":
                accepted = today - timedelta(days=rng.randint(44, 50))
                ok = lambda due: due > cutoff  # noqa: E731
            else:  # extended: the base due date passed, the approved extension still runs
                accepted = today - timedelta(days=rng.randint(66, 74))
                ok = lambda due: due < today  # noqa: E731
            accepted = self.workday_on_or_before(accepted)
            if ok(self.cal.add(accepted, deadlines.HANDLE_DAYS)):
                return accepted
        return today - timedelta(days=70)

    def chain(self, plan, received, accepted=None):
        """The dates of a case's history up to its status."""
        st, A = plan.status, self.after
        d = {"received": received}
        if st == "registered":
            return d
        if st == "voided":
            d["voided"] = A(received, 0, 3)
            return d
        if st in ("declined", "refused_repeat", "forwarded"):
            d["decided"] = A(received, 1, 8)
            return d
        d["accepted"] = accepted or A(received, 1, 5)
        if st == "accepted":
            return d
        direct = plan.flavor == "direct"
        for key, base, lo, hi, reached in _CHAIN:
            if direct and key in ("assigned", "signed"):
                d[key] = d["accepted"]  # the 信访局 answers itself: assigned to itself, signed for at once
            elif direct and key == "replied":
                d[key] = A(d["accepted"], 5, 20)
            else:
                d[key] = A(d[base], lo, hi)
            if reached == st:
                break
        return d

    def choose_dept(self, plan):
        if plan.flavor == "direct":
            return "县信访局"
        if plan.purpose == "accusation":
            return "县纪委监委"
        return self.rng.choice(CATEGORY_DEPTS[plan.category])

    # ---- history ----

    # ---- history ----
    def decide(self, plan):
        """The moves a real office would have made on this case up to its status."""
        rng, d, u = self.rng, plan.dates, self.users
        clerk, archivist = u["clerk"], u["archivist"]
        dept = self.depts[plan.dept]
        handler = self.handler_of.get(plan.dept)
        approver = (u["leader2"] if plan.urgent or plan.people_count >= 5 else
                    u["leader"] if plan.dept in ("县住房和城乡建设局", "县城市管理综合执法大队") else u["leader3"])
        st = plan.status
        if plan.flavor == "review":
            self.review_request(plan)
        if plan.reception is not None:
            self.move(plan, "instruction", d["received"], plan.leader, at=self.stamp(plan, d["received"], 11),
                      text=plan.instruction)

        if st == "voided":
            self.move(plan, "void", d["voided"], u["admin"], reason=VOID_REASON)
            return
        if st in ("declined", "refused_repeat", "forwarded"):
            on = d["decided"]
            if st == "declined":
                reason = rng.choice(DECLINE_REASONS[:1] if plan.category == "涉法涉诉" else DECLINE_REASONS)
                self.move(plan, "decline", on, clerk, reason=reason, notice_on=on)
            elif st == "refused_repeat":
                self.move(plan, "refuse_repeat", on, clerk, reason=_repeat_reason, notice_on=on)
            else:
                to = "县人民法院" if plan.category == "涉法涉诉" else rng.choice(FORWARD_TARGETS)
                self.move(plan, "forward", on, clerk, forward_to=to,
                          forward_doc_no=f"示信转〔{on.year}〕{rng.randint(1, 199)}号", notice_on=on,
                          note=f"该事项属于{to}职权范围，已转送并告知信访人。")
            self.stamp(plan, on)  # the decision records its notice; the draw keeps the office as it was
            return
        if st == "registered":
            return

        # Accepted: the 15-day clock stops, the handling clock starts.
        if plan.flavor == "review":  # accepted on the day of the request, by the review_request move
            base = deadlines.handle_due(self.s, d["received"], None, 1, self.cal)
            self.stamp(plan, d["accepted"]), self.stamp(plan, d["accepted"])  # keep the draws of the office
        else:
            base = deadlines.handle_due(self.s, d["accepted"], plan.source_deadline, 0, self.cal)
            self.move(plan, "accept", d["accepted"], clerk, accepted_on=d["accepted"],
                      note="经审查符合受理条件，予以受理。")
            self.move(plan, "notice", d["accepted"], clerk, notice_on=d["accepted"],
                      note="已向信访人送达受理告知书。")
        if st == "accepted":
            return

        direct = plan.flavor == "direct"
        assign_at = self.after_last(plan, d["assigned"]) if direct else self.stamp(plan, d["assigned"])
        assists = []
        if plan.category == "拆迁安置" and rng.random() < 0.4 and dept.name != "城关镇人民政府":
            assists = [self.depts["城关镇人民政府"].id]
        self.move(plan, "assign", d["assigned"], clerk, at=assign_at, department_id=dept.id, assist_ids=assists,
                  note=f"交{dept.name}办理，请于{base:%Y年%m月%d日}前办结并报送办理结果。")
        if st == "assigned":
            return
        sign_at = self.after_last(plan, d["signed"]) if direct else self.stamp(plan, d["signed"])
        self.move(plan, "sign_for", d["signed"], handler, at=sign_at, note="已签收，安排专人调查核实。")
        if st == "handling":
            self.open_clock(plan, handler, approver, base)
            return

        reply_method = rng.choice(["in_person", "in_person", "mail", "phone", "online"])
        response = rng.choice(["agree", "agree", "none", "disagree"])
        receipt = "signed" if rng.random() < 0.9 else "refused"
        if getattr(plan, "review_child", False):
            response = "disagree"
        self.move(plan, "reply", d["replied"], handler, reply_text=plan.story[2], replied_on=d["replied"],
                  reply_method=reply_method, petitioner_response=response, receipt_status=receipt,
                  receipt_note=RECEIPT_REFUSED_NOTE if receipt == "refused" else "",
                  handling_report=f"{dept.name}已调查核实并作出答复，答复意见已送达信访人。")
        if st == "replied":
            return

        satisfaction = ("unsatisfied" if getattr(plan, "review_child", False) or response == "disagree"
                        else rng.choice(["satisfied", "satisfied", "satisfied", "basic"]))
        self.move(plan, "follow_up", d["followed"], clerk, follow_up_on=d["followed"], satisfaction=satisfaction,
                  note=FOLLOW_UP_NOTES[satisfaction])
        self.move(plan, "close_request", d["close_req"], clerk, note="答复意见、送达回证、办结报告齐全，提请结案。")
        if st == "closing":
            return
        self.move(plan, "close_decide", d["closed"], approver, approve=True, note="同意结案。")
        if st == "closed":
            return
        plan.archive = {}  # filled by plan_archive: numbers follow the filing dates of the whole office
        self.move(plan, "archive", d["archived"], archivist, **{
            key: (lambda _case, key=key: plan.archive[key])
            for key in ("archive_number", "retention", "location", "page_count", "catalogue")})

    def after_last(self, plan, day):
        """A moment after the plan's last event on `day`, drawing nothing (a move made at once)."""
        at = max(self.last_at.get(id(plan)) or plan.registered_at, _ts(day, 9)) + timedelta(minutes=5)
        self.last_at[id(plan)] = at
        return at

    def review_request(self, plan):
        """The petitioner asks for 复查 of the parent's reply: the move makes the review case."""
        parent, on = plan.parent, plan.dates["received"]
        at = self.stamp(parent, on)

        def run(b):
            event = workflow.perform(b.s, b.users["clerk"], parent.case, "review_request", requested_on=on,
                                     reason=f"信访人不服{parent.dept}作出的答复意见，要求撤销原答复意见，重新处理。")
            plan.case = b.s.get(type(parent.case), event.data["review_case_id"])
            plan.case.registered_at = at
            return [event, *plan.case.events]
        self.step(plan, on, at, run)

    def open_clock(self, plan, handler, approver, base):
        """Supervision, extension requests and the approved extension of a case in handling."""
        clerk = self.users["clerk"]
        if plan.flavor == "overdue":
            day = self.workday_on_or_before(min(self.today, base + timedelta(days=2)))
            self.move(plan, "supervise", day, clerk, note=self.rng.choice(SUPERVISE_NOTES), method="phone")
        elif plan.flavor == "extension":
            reason = self.rng.choice(EXTENSION_REASONS)
            self.move(plan, "extend_request", self.workday_on_or_before(self.today - timedelta(days=1)),
                      handler, days=30, reason=reason)
        elif plan.flavor == "extended":
            reason = self.rng.choice(EXTENSION_REASONS)
            due = deadlines.extended_due(self.s, base, 30, self.cal)
            self.move(plan, "extend_request", self.workday_on_or_before(base - timedelta(days=7)), handler,
                      days=30, reason=reason)
            self.move(plan, "extend_decide", self.workday_on_or_before(base - timedelta(days=4)), approver,
                      approve=True, note=f"同意延期30日，新的办理期限为{due:%Y年%m月%d日}，请告知信访人延期理由。")

    # ---- packages and archives ----
    def build_packages(self):
        """Three 包案 of repeat petitioners; the rows are made once their cases exist."""
        rng, u = self.rng, self.users
        # An accusation is never packaged with other cases (services.packages._check_cases).
        groups = [g for g in self.repeat_groups
                  if len({p.purpose == "accusation" for p in g}) == 1]
        groups = sorted(groups, key=lambda g: -len(g))[:3]
        leaders = [u["leader"], u["leader2"], u["leader3"]]
        made = 0
        for i, (group, leader) in enumerate(zip(groups, leaders)):
            first = group[0]
            person = first.petitioners[0]
            dept_name = group[-1].dept
            handler = self.handler_of.get(dept_name)
            start = self.workday_on_or_before(max(p.received_on for p in group) + timedelta(days=3))
            start = min(start, self.today - timedelta(days=10))
            finished = i == 2
            pkg = PackageAssignment(
                title=f"{person.name}反映{first.category}问题包案化解",
                leader_id=leader.id, department_id=self.depts[dept_name].id,
                responsible_person=handler.full_name if handler else f"{dept_name}分管负责人",
                deadline=start + timedelta(days=60 if not finished else 45),
                plan=(f"一是由{leader.full_name}同志牵头，{dept_name}具体负责，全面梳理信访人历次反映的问题；"
                      "二是逐项核实诉求，合理合法的限期解决，不合理的做好解释疏导；"
                      "三是每半月向包案领导报告一次进展，化解前保持与信访人的联系。"),
                status="finished" if finished else "active", accepted_on=start,
                created_by_id=u["clerk"].id, created_at=_ts(start, 10),
            )
            if finished:
                pkg.outcome = rng.choice(["resolved", "stopped"])
                pkg.outcome_note = "信访人合理诉求已解决，签订息诉罢访承诺书。"
                pkg.finished_on = min(self.today, start + timedelta(days=40))
            steps = ["包案领导带队上门走访信访人，听取诉求，明确化解思路。",
                     "召开专题协调会，责任单位汇报核查情况，研究解决办法。",
                     "与信访人面谈，就解决方案达成初步一致，落实工作正在推进。"]
            for k in range(rng.randint(1, 3)):
                on = min(self.today, start + timedelta(days=7 + 12 * k))
                pkg.progress.append(PackageProgress(on=on, text=steps[k], author_id=leader.id))
            note = f"列入{leader.full_name}同志包案，责任单位：{dept_name}。"
            stamps = [(p, self.stamp(p, start)) for p in group]
            self.finish.append(lambda pkg=pkg, group=group, stamps=stamps, note=note: self.make_package(
                pkg, group, stamps, note))
            made += 1
        return made

    def make_package(self, pkg, group, stamps, note):
        pkg.cases = [p.case for p in group]
        self.s.add(pkg)
        for plan, at in stamps:
            self.s.add(CaseEvent(case=plan.case, action="package", at=at, actor_id=self.users["clerk"].id,
                                 note=note, data={}))

    def build_screening(self):
        """Two screening rounds: the previous half month (all but 河口镇 reported, 人社局 late, 河口镇
        reminded) and the current one (only 教育局 has made a 零报告 so far)."""
        from models import ScreeningEntry, ScreeningProgress, ScreeningReminder, ScreeningReport, ScreeningRound
        from services import screening
        u = self.users
        label, start, end, due = screening.half_month(self.today)
        plabel, pstart, pend, pdue = screening.half_month(start - timedelta(days=1))
        units = screening.reporting_departments(self.s)
        prev = ScreeningRound(period_label=plabel, start_on=pstart, end_on=pend, due_on=pdue,
                              opened_by_id=u["clerk"].id, opened_at=_ts(pstart, 9))
        cur = ScreeningRound(period_label=label, start_on=start, end_on=end, due_on=due,
                             opened_by_id=u["clerk"].id, opened_at=_ts(start, 9))
        for rnd in (prev, cur):
            rnd.reports = [ScreeningReport(department_id=d.id) for d in units]
            self.s.add(rnd)
        self.s.flush()
        found = {}
        for (dept, place, parties, cat, summary, people, risk, extreme, collective, measures, leader, person,
             status, progress) in SCREENING_ENTRIES:
            on = pend - timedelta(days=2)
            entry = ScreeningEntry(
                round_id=prev.id, department_id=self.depts[dept].id, found_on=on, place=place,
                parties_text=parties, category=cat, summary=summary, people_count=people, risk_level=risk,
                threatens_extreme=extreme, collective_tendency=collective, measures=measures,
                leader_id=u[leader].id if leader else None, responsible_person=person, status=status,
                resolved_on=min(self.today, pend + timedelta(days=3)) if status == "resolved" else None,
                created_by_id=self.handler_of[dept].id, created_at=_ts(on, 15))
            if progress:
                entry.progress.append(ScreeningProgress(on=min(self.today, pend + timedelta(days=3)), text=progress,
                                                        author_id=self.handler_of[dept].id))
            self.s.add(entry)
            found[dept] = found.get(dept, 0) + 1
        late = "县人力资源和社会保障局"
        for report in prev.reports:
            name = next(d.name for d in units if d.id == report.department_id)
            if name == "河口镇人民政府":
                report.reminders.append(ScreeningReminder(sent_at=_ts(pdue + timedelta(days=1), 9),
                                                          sent_by_id=u["clerk"].id))
                continue
            day = min(self.today, pdue + timedelta(days=2) if name == late else pdue - timedelta(days=1))
            who = self.handler_of.get(name)
            report.is_zero = name not in found
            report.entry_count = found.get(name, 0)
            report.submitted_on = day
            report.submitted_at = _ts(day, 16)
            report.submitted_by_id = (who or u["clerk"]).id
        for report in cur.reports:
            if report.department_id == self.depts["县教育局"].id and self.today > start:
                report.is_zero = True
                report.submitted_on = self.today - timedelta(days=1)
                report.submitted_at = _ts(report.submitted_on, 10)
                report.submitted_by_id = u["handler5"].id
        self.s.flush()

    def plan_archive(self):
        """The archivist's input for each filing: 档号 in order of filing, one sequence a year."""
        rng, seq = self.rng, {}
        archived = sorted((p for p in self.plans if p.status == "archived"), key=lambda p: p.dates["archived"])
        for plan in archived:
            year = plan.dates["archived"].year
            seq[year] = seq.get(year, 0) + 1
            plan.archive.update(
                archive_number=f"XF-{year}-专-{seq[year]:04d}",
                retention="permanent" if is_collective(plan.channel, plan.people_count)
                else "10y" if plan.flavor == "direct" else "30y",
                location=f"档案室{rng.choice('AB')}柜{rng.randint(1, 5)}层",
                page_count=rng.randint(12, 60) if plan.flavor != "direct" else rng.randint(4, 12),
                catalogue="\n".join(f"{i}. {name}" for i, name in enumerate(CATALOGUE, 1)),
            )
        return len(archived)


def _repeat_reason(case):
    prev = case.repeat_of
    if prev is None:
        return "信访人就已经复核终结的同一事项再次提出，不再受理。"
    return (f"信访人就同一事项再次提出，该事项已于{prev.received_on:%Y年%m月%d日}登记办理（编号 {prev.number}），"
            "依据《信访工作条例》第三十五条不再受理。")
