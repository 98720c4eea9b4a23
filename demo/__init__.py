"""The demo office (示范县信访局): tables in demo/data.py, the builder in demo/builder.py.

All demo users share the password `demo1234`.
"""
from services import clock


def build_demo_office(session, cases=300, today=None):
    """Build the demo office into `session` (the caller commits); returns a dict of counts.

    Deterministic (random.Random(2026)): every case is registered through register_case and moved
    through workflow.perform on the office day of each move. Dates are "as of" `today`.
    """
    from demo.builder import Builder

    today = today or clock.today()
    with clock.office_day(today):
        return Builder(session, cases, today).build()
