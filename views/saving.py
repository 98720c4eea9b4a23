"""One way for a view to run a service call in a transaction and tell the user what happened.

    with saving() as result:
        pkg = packages.propose(db.session, current_user, data)
    if not result.ok:
        return page(errors=result.errors), 400
    flash("已提出包案……", "success")

On success the session is committed. A refusal (ServiceError, ValidationFailed) or a lost race
(another user's write: StaleDataError, IntegrityError) rolls the session back, so nothing is
stored, and is kept on `result`: `errors` maps field names to messages ("__all__" for the page),
`message` is the first message. With `flash_errors=True` the message is also flashed, for views
that answer with a redirect. Anything else propagates (a bug should show as one).
"""
from contextlib import contextmanager

from flask import flash
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from models import db
from services import ConflictError, ServiceError, ValidationFailed

CONFLICT = ConflictError().message
PAGE = "__all__"


class Result:
    def __init__(self):
        self.ok = False
        self.errors = {}
        self.message = ""
        self.conflict = False

    def fail(self, errors, conflict=False):
        self.errors = errors
        self.message = next((m for ms in errors.values() for m in ms), "")
        self.conflict = conflict

    @property
    def page_errors(self):
        """The messages that belong to no field, for the top of a form page."""
        return list(self.errors.get(PAGE, []))


@contextmanager
def saving(flash_errors=False, conflict_message=CONFLICT, session=None):
    session = session if session is not None else db.session
    result = Result()
    try:
        yield result
        session.commit()
        result.ok = True
    except ValidationFailed as exc:
        session.rollback()
        result.fail({k: list(v) if isinstance(v, (list, tuple)) else [str(v)]
                     for k, v in exc.errors.items()})
    except ConflictError as exc:
        session.rollback()
        result.fail({PAGE: [exc.message]}, conflict=True)
    except ServiceError as exc:
        session.rollback()
        result.fail({exc.field or PAGE: [exc.message]})
    except (StaleDataError, IntegrityError):
        session.rollback()
        result.fail({PAGE: [conflict_message]}, conflict=True)
    if not result.ok and flash_errors and result.message:
        flash(result.message, "error")
