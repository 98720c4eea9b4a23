"""Every status change of a case: one entry, `perform`, for every move.

perform(session, actor, case, move, *, expected_version=None, **data) -> CaseEvent

Order of checks: the actor's role, the version the user saw (ConflictError), the actor's reach
(access.may_move), the status and state of the case, then the input (ValidationFailed with
per-field Chinese messages). Only then is the case changed and a CaseEvent added, in the
caller's transaction (the caller commits). A refused move adds nothing to the session.

What each move is — roles, statuses, guards, input, form, what it changes — is its entry in
services/workflow/spec.py; the functions live by phase in intake, routing, handling, hearing,
closing.
"""
from sqlalchemy import select

from models import Case
from services import ConflictError, ServiceError, access
from services.workflow import spec
from services.workflow.closing import close_checklist

__all__ = ("perform", "check_actor", "check_state", "can_move", "available_moves", "move_label",
           "close_checklist", "MOVES", "MOVE_LABELS", "BULK_MOVES")

MOVES = tuple(spec.MOVES)
MOVE_LABELS = {m.name: m.label for m in spec.MOVES.values()}
BULK_MOVES = tuple(m.name for m in spec.MOVES.values() if m.bulk)


def perform(session, actor, case, move, *, expected_version=None, **data):
    """Make one move on one case; returns the CaseEvent added. The caller commits."""
    entry = spec.MOVES.get(move)
    if entry is None:
        raise ServiceError("未知的操作")
    if not access.may_move(session, actor, move):  # the role alone; reach comes after the version
        check_actor(session, actor, case, move)
    if expected_version is not None and str(expected_version).strip() != "":
        try:
            seen = int(expected_version)
        except (TypeError, ValueError):
            raise ConflictError()
        if seen != case.version:
            raise ConflictError()
    try:
        check_actor(session, actor, case, move)
        check_state(session, actor, case, move)
    except ServiceError:
        # A refusal caused by someone else's move since the user loaded the case is a conflict.
        if expected_version is not None and _moved_on(session, case):
            raise ConflictError()
        raise
    cleaned = entry.validate(session, actor, case, data)
    with session.no_autoflush:  # one UPDATE of the case per move: the version moves on by one
        return entry.apply(session, actor, case, cleaned)


def _moved_on(session, case):
    if case.id is None:
        return False
    current = session.execute(select(Case.version).where(Case.id == case.id)).scalar()
    return current is not None and current != case.version


def check_actor(session, actor, case, move):
    """Raises ServiceError saying why the actor may not make this move on this case."""
    label = MOVE_LABELS.get(move, move)
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise ServiceError("请先登录")
    if access.may_move(session, actor, move, case):
        return
    entry = spec.MOVES.get(move)
    if entry is None or actor.role not in entry.roles:
        raise ServiceError(f"您的角色（{actor.role_label}）无权{label}")
    if not access.can_see_case(session, actor, case):
        raise ServiceError(f"该信访事项不在您的办理范围内，您无权{label}")
    raise ServiceError(f"只有责任单位的承办人才能{label}")


def check_state(session, actor, case, move):
    """Status and state preconditions that do not depend on the input."""
    entry = spec.MOVES[move]
    if case.status not in entry.statuses:
        raise ServiceError(f"当前状态为“{case.status_label}”，不能{entry.label}")
    for guard in entry.guards:
        guard(session, actor, case, entry)


def can_move(session, actor, case, move):
    try:
        check_actor(session, actor, case, move)
        check_state(session, actor, case, move)
    except ServiceError:
        return False
    return True


def available_moves(session, actor, case):
    """[(move, label)] the actor may make on this case now (input still to be validated)."""
    return [(move, move_label(move, case)) for move in MOVES if can_move(session, actor, case, move)]


def move_label(move, case=None):
    entry = spec.MOVES[move]
    if entry.case_label is not None and case is not None:
        return entry.case_label(case)
    return entry.label
