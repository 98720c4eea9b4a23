"""信访听证: what the hearing pages read (the list's scope, one hearing in reach, the case page's
clock lines, the people shown). The steps themselves are moves of the case: their guards,
validators and appliers are services/workflow/hearing.py, their entries services/workflow/spec.py.

The clock: an approved or held hearing's days do not count on the handling clock; the rule and its
counting are services/deadlines.py (with_hearings)."""
from sqlalchemy import select

from models import Hearing
from models.enums import HEARING_ON_CLOCK
from services import access, deadlines
from services.workflow.hearing import held_hearing, lines, open_hearing, period_text

__all__ = ("hearing_filter", "get", "clock_note", "shown", "held_hearing", "open_hearing", "lines",
           "period_text")

# ---- what the pages read --------------------------------------------------------------------------

def hearing_filter(session, user):
    return access.scope_filter(session, user, Hearing)


def get(session, user, hearing_id):
    """A hearing in the user's reach, or None."""
    pk = access.parse_id(hearing_id)
    if pk is None:
        return None
    return session.execute(select(Hearing).where(Hearing.id == pk, hearing_filter(session, user))) \
        .scalar_one_or_none()


def clock_note(session, case, cal=None):
    """“因听证顺延至…” for the case page: the due date the hearings moved the clock to, and each
    hearing's days kept off it; "" when no hearing is on the clock."""
    rows = [h for h in case.hearings if h.status in HEARING_ON_CLOCK]
    if not rows or case.handle_due is None:
        return ""
    cal = cal or deadlines.load_calendar(session)
    day_mode = deadlines.hearing_mode(session, case)
    unit = "个工作日" if day_mode == "working" else "天"
    parts = [f"{h.status_label}的听证{period_text(h)}，"
             f"{deadlines.paused_days(cal, h.start_on, h.end_on, day_mode)}{unit}不计入办理期限" for h in rows]
    return f"因听证顺延至{case.handle_due:%Y-%m-%d}（{'；'.join(parts)}）"


def shown(session, user, hearing):
    """The hearing as this user may read it: the people (参加人) and the 笔录 of an accusation are
    for those who may know the accuser (access.may_see_identity)."""
    identity = access.may_see_hearing_people(session, user, hearing)
    secret = access.MASKED_NAME
    return {
        "participants": lines(hearing.participants) if identity else [secret],
        "record": (hearing.record or "") if identity else (secret if hearing.record else ""),
        "panel": lines(hearing.panel),
        "identity": identity,
    }
