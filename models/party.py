import re

from pypinyin import Style, lazy_pinyin
from sqlalchemy import event

from models import db
from models.base import utcnow

# Surnames read differently from the same character in a word (pypinyin reads 曾 as "ceng").
SURNAME_READINGS = {"曾": "zeng", "单": "shan", "区": "ou", "仇": "qiu", "查": "zha", "解": "xie",
                    "朴": "piao", "盖": "ge", "覃": "qin", "缪": "miao", "翟": "zhai", "乐": "yue",
                    "员": "yun", "召": "shao", "尉": "yu", "种": "chong", "秘": "bi"}
PINYIN_LEN, INITIALS_LEN, TAIL_LEN = 255, 100, 4
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def _syllables(name, kind):
    name = (name or "").strip()
    if not name:
        return []
    words = lazy_pinyin(name, style=Style.NORMAL, errors="default")
    if kind == "person" and name[0] in SURNAME_READINGS and words:
        words[0] = SURNAME_READINGS[name[0]]
    return words


def name_keys(name, kind="person"):
    """(pinyin, initials) of a name, lower case letters and digits only: 张三 -> ("zhangsan", "zs").
    Non-Chinese parts (letters, digits) are kept as they are."""
    words = _syllables(name, kind)
    pinyin = _NOT_ALNUM.sub("", "".join(words).lower())
    # A run of Latin letters or digits pypinyin left whole counts as itself, not one initial.
    initials = "".join(w if not w.isalpha() or not w.isascii() or len(words) == 1 else w[:1]
                       for w in (_NOT_ALNUM.sub("", w.lower()) for w in words))
    return pinyin[:PINYIN_LEN] or None, initials[:INITIALS_LEN] or None


def digits_tail(value, keep="0123456789"):
    """The last 4 characters of `value` among `keep` (an ID number's tail may end in X)."""
    kept = "".join(c for c in (value or "").upper() if c in keep)
    return kept[-TAIL_LEN:] if len(kept) >= TAIL_LEN else None


ID_CHARS = "0123456789X"


class Party(db.Model):
    """One person or unit, found again by ID number (or name + phone) across cases."""
    __tablename__ = "party"
    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(10), nullable=False, default="person")
    name = db.Column(db.String(100), nullable=False, index=True)
    sex = db.Column(db.String(1))
    ethnicity = db.Column(db.String(20))
    birth_date = db.Column(db.Date)
    id_type = db.Column(db.String(20), nullable=False, default="resident")
    # Unique when present: the same ID number is the same person.
    id_number = db.Column(db.String(30), unique=True)
    phone = db.Column(db.String(30), index=True)
    address = db.Column(db.String(200))
    hukou = db.Column(db.String(200))  # 户籍地
    occupation = db.Column(db.String(100))  # 职业/工作单位
    # An accused unit that is one of the office's departments, or the department of an accused
    # person: access rules follow this link and the department tree, never the spelling of `name`.
    department_id = db.Column(db.Integer, db.ForeignKey("department.id"), index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # Search keys (services/search.py), kept by the listener below: indexed prefix / equality
    # lookups instead of a scan of every name and number.
    name_pinyin = db.Column(db.String(PINYIN_LEN), index=True)
    name_initials = db.Column(db.String(INITIALS_LEN), index=True)
    id_tail = db.Column(db.String(TAIL_LEN), index=True)
    phone_tail = db.Column(db.String(TAIL_LEN), index=True)

    department = db.relationship("Department")

    def fill_search_keys(self):
        self.name_pinyin, self.name_initials = name_keys(self.name, self.kind or "person")
        self.id_tail = digits_tail(self.id_number, ID_CHARS)
        self.phone_tail = digits_tail(self.phone)

    def __str__(self):
        return self.name


@event.listens_for(Party, "before_insert")
@event.listens_for(Party, "before_update")
def _search_keys(_mapper, _connection, party):
    party.fill_search_keys()
