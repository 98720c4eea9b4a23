"""Case numbers: YYYY-NNNNNN per year, optional prefix, unique when registrations commit at once."""
import threading
from datetime import date

from sqlalchemy import select

from models import Case, db
from services import settings
from services.registration import PartyInput, RegistrationInput, register_case


def _input(name, phone, received_on=date(2026, 11, 19)):
    return RegistrationInput(channel="phone", received_on=received_on, purpose="request", category="其他",
                             summary=f"{name}来电反映路灯不亮。",
                             petitioners=[PartyInput(name=name, phone=phone)])


def _register_together(app, inputs):
    """Each thread has its own app context (so its own session and connection); all start at once."""
    barrier = threading.Barrier(len(inputs))
    numbers, errors = [], []

    def work(data):
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                case = register_case(db.session, None, data, check_role=False)
                db.session.commit()
                numbers.append(case.number)
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(d,)) for d in inputs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return sorted(numbers)


def test_concurrent_registrations_get_distinct_consecutive_numbers(app):
    db.session.commit()  # the test's own session holds no transaction while threads write
    first = _register_together(app, [_input("甲", "13800000001"), _input("乙", "13800000002")])
    assert first == ["2026-000001", "2026-000002"]  # the year's counter is created under contention
    second = _register_together(app, [_input(f"人{i}", f"1380000010{i}") for i in range(4)])
    assert second == ["2026-000003", "2026-000004", "2026-000005", "2026-000006"]
    stored = db.session.scalars(select(Case.number).order_by(Case.number)).all()
    assert stored == first + second


def test_numbers_run_per_year_and_use_the_office_prefix(app):
    a = register_case(db.session, None, _input("甲", "13800000001"), check_role=False)
    b = register_case(db.session, None, _input("乙", "13800000002", date(2025, 12, 31)), check_role=False)
    settings.set_value(db.session, "number_prefix", "XF")
    c = register_case(db.session, None, _input("丙", "13800000003"), check_role=False)
    db.session.commit()
    assert (a.number, b.number, c.number) == ("2026-000001", "2025-000001", "XF2026-000001")
    assert len({a.query_code, b.query_code, c.query_code}) == 3


def test_a_number_is_never_given_twice_after_a_failed_registration(app):
    from services import ValidationFailed
    register_case(db.session, None, _input("甲", "13800000001"), check_role=False)
    db.session.commit()
    try:
        register_case(db.session, None, _input("乙", "bad phone"), check_role=False)
    except ValidationFailed:
        db.session.rollback()
    c = register_case(db.session, None, _input("丙", "13800000003"), check_role=False)
    db.session.commit()
    assert c.number == "2026-000002"
    assert len(set(db.session.scalars(select(Case.number)))) == 2
