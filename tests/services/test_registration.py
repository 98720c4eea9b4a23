"""register_case: validation, parties found again, derived repeat/collective, one transaction."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import Case, CaseEvent, CaseParty, Department, Party, User, db
from services import ServiceError, ValidationFailed
from services.registration import PartyInput, RegistrationInput, register_case
from services.validation import id_check_char

TODAY = date(2026, 11, 20)


def pid(first17):
    return first17 + id_check_char(first17)


ID_A = pid("41142119700101123")
ID_B = pid("41142119800202224")


@pytest.fixture
def clerk(app):
    office = Department(name="县信访局", kind="office")
    unit = Department(name="县住建局", kind="unit")
    db.session.add_all([office, unit])
    users = {}
    for username, role, dept in (("clerk", "clerk", office), ("h", "handler", unit)):
        u = User(username=username, full_name=username, role=role, department=dept, password_hash="x")
        db.session.add(u)
        users[username] = u
    db.session.commit()
    return users["clerk"]


def data(**over):
    values = dict(channel="letter", received_on=TODAY - timedelta(days=1), purpose="request",
                  category="城乡建设", summary="小区电梯经常故障。",
                  petitioners=[PartyInput(name="王大明", id_number=ID_A, phone="13912345678", sex="M")])
    values.update(over)
    return RegistrationInput(**values)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_registers_a_case_with_number_clock_and_event(clerk):
    case = register_case(db.session, clerk, data())
    db.session.commit()
    assert case.number == "2026-000001" and len(case.query_code) == 6
    assert case.status == "registered" and case.registered_by_id == clerk.id
    assert case.accept_due == date(2026, 12, 4)  # 15 days, first day not counted
    assert [(e.action, e.to_status, e.actor_id) for e in case.events] == [("register", "registered", clerk.id)]
    assert case.petitioners[0].name == "王大明" and case.petitioners[0].id_number == ID_A
    second = register_case(db.session, clerk, data(petitioners=[PartyInput(name="李四", phone="13800000000")]))
    assert second.number == "2026-000002"
    old = register_case(db.session, clerk, data(received_on=date(2025, 12, 30),
                                                 petitioners=[PartyInput(name="赵五", phone="13800000001")]))
    assert old.number == "2025-000001"


def test_only_a_clerk_registers_unless_role_check_is_off(clerk):
    handler = db.session.scalar(select(User).where(User.username == "h"))
    with pytest.raises(ServiceError) as exc:
        register_case(db.session, handler, data())
    assert "登记员" in exc.value.message
    case = register_case(db.session, None, data(), check_role=False)
    assert case.registered_by_id is None


def test_bad_input_raises_per_field_and_adds_nothing(clerk):
    bad = data(summary=" ", received_on=TODAY + timedelta(days=1), people_count=0, category="天气",
               petitioners=[PartyInput(name="甲", phone="12345"),
                            PartyInput(name="", id_number=ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1"), row=4)])
    with pytest.raises(ValidationFailed) as exc:
        register_case(db.session, clerk, bad)
    errors = exc.value.errors
    assert errors["summary"] == ["请填写内容摘要。"]
    assert errors["received_on"] == ["收件日期不能晚于今天。"]
    assert errors["people_count"] == ["人数至少为1。"]
    assert errors["category"] == ["问题分类的取值无效"]
    assert errors["petitioners-0-phone"][0].startswith("电话号码格式不正确")
    assert errors["petitioners-4-name"] == ["请填写姓名或单位名称。"]   # the form's row index
    assert errors["petitioners-4-id_number"] == ["身份证号码校验位不正确，请核对。"]
    assert not db.session.new
    db.session.commit()
    assert count(Case) == count(Party) == count(CaseEvent) == 0


def test_no_petitioner_unless_anonymous(clerk):
    with pytest.raises(ValidationFailed) as exc:
        register_case(db.session, clerk, data(petitioners=[]))
    assert "petitioners" in exc.value.errors
    case = register_case(db.session, clerk, data(petitioners=[], is_anonymous=True,
                                                 accused=[PartyInput(name="某村支书")]))
    assert case.is_anonymous and case.parties_with("accused")[0].name == "某村支书"


def test_known_person_by_id_number_is_one_party_and_blank_fields_filled(clerk):
    register_case(db.session, clerk, data(petitioners=[PartyInput(name="王大明", id_number=ID_A)]))
    db.session.commit()
    register_case(db.session, clerk, data(petitioners=[PartyInput(
        name="王大名", id_number=ID_A.lower(), phone="13912345678", address="城关镇")]))
    db.session.commit()
    people = db.session.scalars(select(Party)).all()
    assert len(people) == 1
    assert people[0].name == "王大明"  # what was recorded stays
    assert people[0].phone == "13912345678" and people[0].address == "城关镇"  # blanks filled


def test_known_person_by_name_and_phone_without_id(clerk):
    register_case(db.session, clerk, data(petitioners=[PartyInput(name="刘芳", phone="13700000000")]))
    register_case(db.session, clerk, data(petitioners=[PartyInput(name="刘芳", phone="137 0000 0000")]))
    register_case(db.session, clerk, data(petitioners=[PartyInput(name="刘芳", phone="13700000001")]))
    db.session.commit()
    assert count(Party) == 2


def test_repeat_is_derived_and_links_the_latest_earlier_case(clerk):
    first = register_case(db.session, clerk, data(received_on=date(2026, 3, 1)))
    second = register_case(db.session, clerk, data(received_on=date(2026, 6, 1)))
    other = register_case(db.session, clerk, data(petitioners=[PartyInput(name="孙七", id_number=ID_B)]))
    third = register_case(db.session, clerk, data())
    db.session.commit()
    assert not first.is_repeat and first.repeat_of_id is None
    assert second.is_repeat and second.repeat_of_id == first.id
    assert third.is_repeat and third.repeat_of_id == second.id
    assert not other.is_repeat
    assert "重复访" in third.events[0].note and second.number in third.events[0].note


def test_voided_earlier_case_does_not_make_a_repeat(clerk):
    first = register_case(db.session, clerk, data())
    first.status = "voided"
    db.session.commit()
    assert not register_case(db.session, clerk, data()).is_repeat


def rep(n):
    return PartyInput(name=f"代表{n}", phone=f"1390000000{n}")


def test_collective_is_derived_and_needs_one_to_five_representatives(clerk):
    with pytest.raises(ValidationFailed) as exc:
        register_case(db.session, clerk, data(channel="visit", people_count=5))
    assert exc.value.errors == {"representatives": ["集体访（5人及以上来访）须登记1至5名代表人。"]}
    with pytest.raises(ValidationFailed) as exc:
        register_case(db.session, clerk, data(channel="visit", people_count=30,
                                              representatives=[rep(i) for i in range(6)]))
    assert exc.value.errors == {"representatives": ["代表人最多5名。"]}
    case = register_case(db.session, clerk, data(channel="visit", people_count=30,
                                                 representatives=[rep(i) for i in range(5)]))
    assert case.is_collective and len(case.parties_with("representative")) == 5
    four = register_case(db.session, clerk, data(channel="visit", people_count=4))
    letter = register_case(db.session, clerk, data(channel="letter", people_count=12))
    reception = register_case(db.session, clerk, data(channel="reception", people_count=6,
                                                      representatives=[rep(1)]))
    assert not four.is_collective and not letter.is_collective and reception.is_collective


def test_same_new_person_as_petitioner_and_representative_is_one_party(clerk):
    person = PartyInput(name="钱八", id_number=ID_B, phone="13600000000")
    case = register_case(db.session, clerk, data(channel="visit", people_count=8, petitioners=[person],
                                                 representatives=[person, rep(2)]))
    db.session.commit()
    assert count(Party) == 2
    roles = sorted((cp.party.name, cp.role) for cp in db.session.scalars(select(CaseParty)))
    assert roles == [("代表2", "representative"), ("钱八", "petitioner"), ("钱八", "representative")]
    assert case.is_collective


def test_duplicate_id_in_one_list_is_refused(clerk):
    with pytest.raises(ValidationFailed) as exc:
        register_case(db.session, clerk, data(petitioners=[PartyInput(name="甲", id_number=ID_A),
                                                           PartyInput(name="乙", id_number=ID_A)]))
    assert exc.value.errors == {"petitioners-1-id_number": ["同一证件号码在本表中重复填写。"]}


def test_higher_body_source_needs_doc_number_and_keeps_deadline(clerk):
    with pytest.raises(ValidationFailed) as exc:
        register_case(db.session, clerk, data(source="higher"))
    assert exc.value.errors == {"source_doc_no": ["上级交办的事项请填写交办文号。"]}
    case = register_case(db.session, clerk, data(source="higher", source_doc_no="市信交〔2026〕8号",
                                                 source_deadline=date(2026, 12, 31)))
    assert case.source_doc_no == "市信交〔2026〕8号" and case.source_deadline == date(2026, 12, 31)


def test_passport_numbers_are_not_checked_as_resident_ids(clerk):
    case = register_case(db.session, clerk, data(petitioners=[PartyInput(
        name="John Smith", id_type="passport", id_number="E12345678")]))
    assert case.petitioners[0].id_number == "E12345678"
