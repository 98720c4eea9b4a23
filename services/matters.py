""""The same matter" (同一事项): decided by the clerk at 受理, helped by the machine.

The petitioner's earlier cases are ranked by how alike they are (rapidfuzz on the summary,
demands and place, plus the same 问题分类 and a shared accused party), each with its stage. The
clerk marks "同一事项" (one earlier case) or "新的事项". Only the same matter whose 复核 opinion has
been served is 不再受理 (《信访工作条例》: 同一事实和理由, after 复核); the choice sets the repeat link
(重复访) the case list shows, and goes on the timeline with who made it.
"""
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import select

from models import Case
from services import ServiceError, disclosure

NEW = "new"
# Weights of the text similarities (0..100 each) and the bonuses for the same facts.
WEIGHTS = (("summary", 0.5), ("demands", 0.3), ("incident_place", 0.2))
SAME_CATEGORY_BONUS = 10
SAME_ACCUSED_BONUS = 10
LIVE = ("registered", "accepted", "assigned", "handling")
MSG_CHOOSE = "请判断是否同一事项：选择与之相同的在先信访事项，或选择“新的事项”"
MSG_UNKNOWN = "所选在先信访事项不存在或不是该信访人的信访事项"


@dataclass
class Candidate:
    case: Case
    score: int
    stage: str


def _chain(session, case):
    """The original case of `case` and every 复查/复核 made on it (voided ones left out)."""
    root = case
    while root.parent_case_id is not None and root.parent_case is not None:
        root = root.parent_case
    out, todo = [], [root]
    while todo:
        c = todo.pop()
        if c.status != "voided":
            out.append(c)
        todo.extend(session.execute(select(Case).where(Case.parent_case_id == c.id)).scalars())
    return out


def served_re_review(session, case):
    """The 复核 of `case`'s matter whose opinion has been served (replied), or None."""
    done = [c for c in _chain(session, case) if c.review_level == 2 and c.replied_on is not None]
    return min(done, key=lambda c: c.id) if done else None


def stage(session, case):
    """在办, 已答复, 已复查, 已复核终结 — how far the matter of `case` went; a decision at intake
    (不予受理, 转送 ...) is its status."""
    chain = _chain(session, case)
    answered = {c.review_level for c in chain if c.replied_on is not None}
    if 2 in answered:
        return "已复核终结"
    if 1 in answered:
        return "已复查"
    if 0 in answered:
        return "已答复"
    if any(c.status in LIVE for c in chain):
        return "在办"
    return case.status_label


def _similarity(a, b):
    a, b = (a or "").strip(), (b or "").strip()
    if not a or not b:
        return 0.0
    return fuzz.ratio(a, b)


def _accused(case):
    return {cp.party_id for cp in case.parties if cp.role == "accused"}


def score(case, other):
    """0..100: how alike two petitions are."""
    value = sum(w * _similarity(getattr(case, key), getattr(other, key)) for key, w in WEIGHTS)
    if case.category == other.category:
        value += SAME_CATEGORY_BONUS
    if _accused(case) & _accused(other):
        value += SAME_ACCUSED_BONUS
    return min(100, round(value))


def candidates(session, user, case):
    """The petitioner's earlier cases this user may see, most alike first."""
    if case is None or case.id is None:
        return []
    earlier = [c for c in disclosure.related_earlier_cases(session, user, case)
               if c.status != "voided" and c.id != case.id]
    ranked = [Candidate(c, score(case, c), stage(session, c)) for c in earlier]
    ranked.sort(key=lambda x: (-x.score, -x.case.received_on.toordinal(), -x.case.id))
    return ranked


def choices(session, user, case):
    """The form's options: each earlier case with its stage and likeness, then "新的事项"."""
    out = [(str(x.case.id), f"同一事项：{x.case.number}（{x.case.received_on:%Y-%m-%d}收件，{x.stage}，"
                            f"相似度{x.score}）{(x.case.summary or '')[:40]}")
           for x in candidates(session, user, case)]
    return out + [(NEW, "新的事项（与以上事项均不同）")]


def has_candidates(session, user, case):
    return bool(candidates(session, user, case))


def read_choice(session, user, case, data, f):
    """The clerk's choice in data["matter"]: ("same", earlier case) / ("new", None) / None when
    the caller did not ask (no such key: a programme, not the form). Errors go on `f`."""
    if "matter" not in data:
        return None
    raw = data.get("matter")
    raw = "" if raw is None else str(raw).strip()
    found = candidates(session, user, case)
    if not raw:
        if found:
            f.add("matter", MSG_CHOOSE)
        return None
    if raw == NEW:
        return ("new", None)
    chosen = next((x.case for x in found if str(x.case.id) == raw), None)
    if chosen is None:
        f.add("matter", MSG_UNKNOWN)
        return None
    return ("same", chosen)


def check_not_re_reviewed(session, choice, label):
    """Refuses `label` (受理, 不予受理, 转送) on the same matter after its 复核 opinion was served."""
    if choice is None or choice[0] != "same":
        return
    done = served_re_review(session, choice[1])
    if done is not None:
        raise ServiceError(f"该信访人就同一事项已经复核并送达复核意见（{done.number}），"
                           f"以同一事实和理由再次提出的，不能{label}，只能不再受理", field="matter")


def apply_choice(case, choice):
    """Sets the repeat link (重复访) the case list shows; returns (event data, timeline note)."""
    if choice is None:
        return {}, ""
    kind, earlier = choice
    if kind == "new":
        case.is_repeat, case.repeat_of_id = False, None
        case.repeat_of = None
        return {"matter": "new"}, "经审查为新的事项"
    case.is_repeat, case.repeat_of_id = True, earlier.id
    case.repeat_of = earlier
    return ({"matter": "same", "same_as_id": earlier.id, "same_as": earlier.number},
            f"经审查与{earlier.number}为同一事项")
