"""The hand-built office (tests/services/test_workflow.build_office) and logged-in clients on it,
for the view tests that use `office` and `login` (a module may define its own instead)."""
import pytest

from models import db
from tests.conftest import DEMO_PASSWORD
from tests.services.test_workflow import build_office


@pytest.fixture
def office(app):
    o = build_office(db.session, password=DEMO_PASSWORD)
    db.session.commit()
    return o


@pytest.fixture
def login(office, app_client):
    """Logged-in clients on the hand-built office."""
    return app_client
