"""A year's holidays: the law's statutory days (the provisional calendar, 暂定) and the State
Council notice as the admin pastes it.

The provisional calendar holds only the statutory days of 《全国年节及纪念日放假办法》 (as amended
in 2024, in force from 2025: 元旦 1 day, 春节 4 days from 除夕, 清明 1, 劳动节 2, 端午 1, 中秋 1,
国庆 3; before 2025 春节 3 days from 正月初一 and 劳动节 1 day). No 调休 is guessed: a statutory
day on a weekend adds nothing, and weekends stay rest days. Lunar dates and 清明 (a solar term)
come from lunar-python.
"""
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import select

from models import Holiday
from services import ValidationFailed, inputs

PROVISIONAL_NOTE = "暂定：仅按法定节日，未含调休"
FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")


@lru_cache(maxsize=64)
def statutory_days(year):
    """{date: name} of the law's statutory holidays in `year` (no 调休)."""
    from lunar_python import Lunar

    def lunar(month, day):
        s = Lunar.fromYmd(year, month, day).getSolar()
        return date(s.getYear(), s.getMonth(), s.getDay())

    new_year = lunar(1, 1)
    qingming = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    spring = ([new_year - timedelta(days=1)] if year >= 2025 else []) + \
        [new_year + timedelta(days=i) for i in range(3)]
    days = {}

    def put(d, name):
        days[d] = f"{days[d]}、{name}" if d in days and name not in days[d] else name

    put(date(year, 1, 1), "元旦")
    for d in spring:
        put(d, "春节")
    put(date(qingming.getYear(), qingming.getMonth(), qingming.getDay()), "清明节")
    for d in (1, 2) if year >= 2025 else (1,):
        put(date(year, 5, d), "劳动节")
    put(lunar(5, 5), "端午节")
    put(lunar(8, 15), "中秋节")
    for d in (1, 2, 3):
        put(date(year, 10, d), "国庆节")
    return days


def nearest_name(year, day):
    """The name of the statutory holiday nearest to `day` (within 10 days), for a day marked by hand."""
    near = [(abs((d - day).days), name) for d, name in statutory_days(year).items()]
    near = [x for x in near if x[0] <= 10]
    return min(near)[1] if near else ""


# ---- the notice, pasted ------------------------------------------------------------------------

WEEKDAYS = "一二三四五六日"
_NUMBERING = re.compile(r"^\s*[（(]?[一二三四五六七八九十\d]+[)）]?[、.．]?\s*")
_HEAD = re.compile(r"^((?:%s)(?:[、和](?:%s))*)[：:]" % ("|".join(FESTIVALS), "|".join(FESTIVALS)))
_DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:[（(]([^）)]*)[）)])?")
_COUNT = re.compile(r"(?:共|放假)(\d+)天")


@dataclass
class ParsedNotice:
    year: int
    rows: list = field(default_factory=list)      # [(date, kind, name)] sorted by date
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    festivals: list = field(default_factory=list)

    @property
    def missing(self):
        found = "、".join(self.festivals)
        return [f for f in FESTIVALS if f not in found]


def _weekday_of(note):
    m = re.search(r"(?:周|星期)([一二三四五六日天])", note or "")
    return None if m is None else WEEKDAYS.index(m.group(1).replace("天", "日"))


def _dates(sentence, year, month, errors, line_name):
    """[(date, weekday given or None, follows '至')] of the sentence; the month carries over."""
    out = []
    for m in _DATE.finditer(sentence):
        y = int(m.group(1)) if m.group(1) else year
        if m.group(2):
            month = int(m.group(2))
        if month is None:
            errors.append(f"{line_name}：“{m.group(0)}”缺少月份")
            continue
        try:
            d = date(y, month, int(m.group(3)))
        except ValueError:
            errors.append(f"{line_name}：“{m.group(0)}”不是有效日期")
            continue
        after_to = sentence[:m.start()].rstrip().endswith("至")
        out.append((d, _weekday_of(m.group(4)), after_to, bool(m.group(1))))
    return out, month


def parse_notice(text, year):
    """The rows of a pasted State Council notice for `year`: holiday ranges (放假) and make-up
    working days (上班), checked against the weekdays written in it and the 共N天 counts."""
    result = ParsedNotice(year)
    kinds = {}
    for raw in (text or "").splitlines():
        line = _NUMBERING.sub("", raw.strip(), count=1)
        head = _HEAD.match(line)
        if head is None:
            if _DATE.search(line) and ("放假" in line or "上班" in line):
                result.errors.append(f"未识别节日名称：{raw.strip()[:40]}")
            continue
        name = head.group(1).replace("和", "、")
        result.festivals.append(name)
        month, holiday_count, stated = None, 0, None
        for sentence in re.split(r"[。；;]", line[head.end():]):
            found, month = _dates(sentence, year, month, result.errors, name)
            if not found:
                continue
            if "上班" in sentence:
                marked = [(d, wd, "workday") for d, wd, _to, _y in found]
            elif "放假" in sentence or "休息" in sentence:
                marked = []
                for i, (d, wd, after_to, explicit_year) in enumerate(found):
                    if after_to and marked:
                        start = marked[-1][0]
                        if start > d and not explicit_year:   # 元旦: 12月31日至1月2日
                            start = start.replace(year=start.year - 1)
                            marked[-1] = (start,) + marked[-1][1:]
                        marked += [(start + timedelta(days=k), None, "holiday")
                                   for k in range(1, (d - start).days + 1)]
                        marked[-1] = (d, wd, "holiday")
                    else:
                        marked.append((d, wd, "holiday"))
                holiday_count += len(marked)
                count = _COUNT.search(sentence)
                stated = int(count.group(1)) if count else stated
            else:
                continue
            for d, wd, kind in marked:
                if wd is not None and d.weekday() != wd:
                    result.errors.append(f"{name}：{d.month}月{d.day}日标为周{WEEKDAYS[wd]}，"
                                         f"但{d.year}年{d.month}月{d.day}日是周{WEEKDAYS[d.weekday()]}，请核对年份")
                if d.year != year:
                    result.errors.append(f"{name}：{d:%Y-%m-%d}不在{year}年内，请在{d.year}年的页面录入")
                    continue
                if kinds.get(d, (kind,))[0] != kind:
                    result.errors.append(f"{d:%Y-%m-%d}既标为放假又标为上班，请核对")
                kinds[d] = (kind, name)
        if stated is not None and stated != holiday_count:
            result.warnings.append(f"{name}：通知写共{stated}天，解析出{holiday_count}天，请核对")
    result.rows = [(d, kind, name) for d, (kind, name) in sorted(kinds.items())]
    if not result.rows and not result.errors:
        result.errors.append("未从粘贴的文字中识别出放假或上班日期")
    return result


# ---- a year's days, saved from the grid ------------------------------------------------------

KINDS = ("holiday", "workday")
NAME_MAX = Holiday.name.type.length
MIN_YEAR, MAX_YEAR = 2000, 2100


def read_year(value):
    """The year of the holiday page (a whole number 2000..2100), or ValidationFailed."""
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        year = None
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed({"year": [f"年份应为{MIN_YEAR}至{MAX_YEAR}之间的整数"]})
    return year


def read_marks(year, form):
    """({date: kind}, {date: name}) from the grid's inputs `day-YYYY-MM-DD` (holiday | workday |
    empty) and `name-YYYY-MM-DD`; a day outside the year or an unknown kind is refused."""
    marks, names = {}, {}
    for key, value in form.items():
        prefix, _, iso = key.partition("-")
        if prefix not in ("day", "name"):
            continue
        try:
            d = date.fromisoformat(iso)
        except ValueError:
            raise ValidationFailed({"days": [f"日期无效：{iso[:20]}"]}) from None
        if d.year != year:
            raise ValidationFailed({"days": [f"{d:%Y-%m-%d}不在{year}年内"]})
        value = (value or "").strip()
        if prefix == "name":
            try:
                names[d] = inputs.parse_text(value, f"{d:%Y-%m-%d}的名称", max_len=NAME_MAX)
            except inputs.InputError as exc:
                raise ValidationFailed({"days": [exc.message]}) from None
        elif value:
            if value not in KINDS:
                raise ValidationFailed({"days": [f"{d:%Y-%m-%d}的类型无效"]})
            marks[d] = value
    return marks, names


def missing_festivals(year, marks, names):
    """The law's festivals of `year` with no day off among `marks`: none of its statutory days is
    marked 放假 and no day off carries its name (2020's 中秋 fell on 国庆, so dates count too)."""
    off = {d for d, kind in marks.items() if kind == "holiday"}
    named = "、".join(names.get(d, "") for d in off)
    law = statutory_days(year)
    missing = []
    for fest in FESTIVALS:
        if year < 2008 and fest in ("清明节", "端午节", "中秋节"):  # festivals only since 2008
            continue
        if fest not in named and not any(fest in name and d in off for d, name in law.items()):
            missing.append(fest)
    return missing


def save_year(session, year, marks, names, complete):
    """Make the year's Holiday rows exactly `marks` and record whether the notice is entered in
    full (a complete year no longer counts the law's days). The year is marked complete only when
    every festival has its days off: otherwise the missing festivals' law days would silently stop
    counting, so it is refused (saved without the mark, they stay 暂定). The caller commits and
    recomputes. Returns (holidays, workdays) counted."""
    from services import deadlines

    rows = {h.day: h for h in session.execute(select(Holiday).where(
        Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))).scalars()}
    names = {day: names.get(day) or (rows[day].name if day in rows else "") or nearest_name(year, day)
             for day in marks}
    missing = missing_festivals(year, marks, names) if complete else []
    if missing:
        raise ValidationFailed({"complete": [
            f"{year}年尚缺{'、'.join(missing)}的放假日期，不能标记为“已完整录入”。请补录后再标记；"
            f"或不勾选先保存，未录入的节日仍按法定节日暂定计算。"]})
    for day, row in rows.items():
        if day not in marks:
            session.delete(row)
    for day, kind in sorted(marks.items()):
        name = names[day]
        row = rows.get(day)
        if row is None:
            session.add(Holiday(day=day, kind=kind, name=name))
        elif (row.kind, row.name) != (kind, name):
            row.kind, row.name = kind, name
    deadlines.mark_year(session, year, bool(complete))
    session.flush()
    kinds = list(marks.values())
    return kinds.count("holiday"), kinds.count("workday")
