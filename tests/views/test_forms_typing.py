"""Forms that do the typing: the representative ticked on the petitioner row, sex and birth date
from the ID number, 民族 from the list of 56."""
import re
from datetime import date
from html import unescape

from sqlalchemy import select

from models import Case, CaseParty, Party, db
from models.enums import ETHNIC_GROUPS
from tests.views.test_registration_view import URL, base_form, field_errors, make_id, page_text

WOMAN_ID = make_id("41142119900704122")  # 17th digit 2: 女, born 1990-07-04


def _party(id_number):
    db.session.expire_all()
    return db.session.execute(select(Party).where(Party.id_number == id_number)).scalar_one()


def _new_case():
    db.session.expire_all()
    return db.session.execute(select(Case).order_by(Case.id.desc()).limit(1)).scalar_one()


def test_sex_and_birth_date_come_from_the_id_number(make_client):
    clerk = make_client("clerk")
    resp = clerk.post(URL, data=base_form(**{"petitioners-0-id_number": WOMAN_ID, "petitioners-0-sex": "",
                                             "petitioners-0-birth_date": ""}))
    assert resp.status_code == 302, field_errors(resp)
    woman = _party(WOMAN_ID)
    assert (woman.sex, woman.birth_date) == ("F", date(1990, 7, 4))


def test_a_sex_or_birth_date_against_the_id_number_is_refused_in_chinese(make_client):
    clerk = make_client("clerk")
    before = db.session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
    resp = clerk.post(URL, data=base_form(**{"petitioners-0-id_number": WOMAN_ID, "petitioners-0-sex": "M",
                                             "petitioners-0-birth_date": "1990-07-05"}))
    assert resp.status_code == 200
    errors = field_errors(resp)
    assert "性别与身份证号码不符（身份证号码第17位表示女），请核对。" in errors
    assert "出生日期与身份证号码不符（身份证号码中为1990-07-04），请核对。" in errors
    assert db.session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) == before


def test_a_matching_birth_date_typed_in_chinese_is_kept(make_client):
    clerk = make_client("clerk")
    resp = clerk.post(URL, data=base_form(**{"petitioners-0-id_number": WOMAN_ID, "petitioners-0-sex": "F",
                                             "petitioners-0-birth_date": "1990年7月4日"}))
    assert resp.status_code == 302, field_errors(resp)
    assert _party(WOMAN_ID).birth_date == date(1990, 7, 4)


def test_ethnicity_is_blank_by_default_and_chosen_from_the_56_groups(make_client):
    clerk = make_client("clerk")
    html = page_text(clerk.get(URL))
    select_html = re.search(r'<select[^>]*name="petitioners-0-ethnicity".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option value="([^"]*)"( selected)?>', select_html)
    assert [v for v, _ in options] == [""] + list(ETHNIC_GROUPS)
    assert len(ETHNIC_GROUPS) == 56 and "汉族" in ETHNIC_GROUPS and "珞巴族" in ETHNIC_GROUPS
    assert [v for v, sel in options if sel] == [""]  # blank until the clerk picks one

    resp = clerk.post(URL, data=base_form(**{"petitioners-0-ethnicity": "汉"}))
    assert "民族请从列表中选择（56个民族之一），不清楚的可不填。" in field_errors(resp)


def test_registration_form_has_the_first_field_focused_and_no_enter_submit(make_client):
    html = page_text(make_client("clerk").get(URL))
    assert re.search(r'<select[^>]*name="channel"[^>]*autofocus', html)
    assert re.search(r'<form[^>]*id="registration-form"[^>]*class="no-enter-submit"', html)


def test_a_collective_visit_names_each_person_once(make_client):
    """6 visitors, 2 of them ticked as representatives: 6 people, 2 representatives, no copy."""
    clerk = make_client("clerk")
    form = base_form(channel="visit", people_count="6")
    ids = [make_id(f"41142119750101{i}12") for i in range(6)]
    for i, id_number in enumerate(ids):
        form.update({f"petitioners-{i}-name": f"集访人{i}", f"petitioners-{i}-id_type": "resident",
                     f"petitioners-{i}-id_number": id_number, f"petitioners-{i}-sex": "",
                     f"petitioners-{i}-phone": f"1390000002{i}"})
    form["petitioners-1-is_representative"] = "y"
    form["petitioners-4-is_representative"] = "y"
    resp = clerk.post(URL, data=form)
    assert resp.status_code == 302, field_errors(resp)
    case = _new_case()
    links = db.session.execute(select(CaseParty).where(CaseParty.case_id == case.id)).scalars().all()
    petitioners = [cp.party_id for cp in links if cp.role == "petitioner"]
    representatives = [cp.party_id for cp in links if cp.role == "representative"]
    assert len(petitioners) == len(set(petitioners)) == 6
    assert sorted(db.session.get(Party, pk).name for pk in representatives) == ["集访人1", "集访人4"]
    assert set(representatives) <= set(petitioners)
    assert case.is_collective
    page = unescape(clerk.get(f"/admin/case/details/?id={case.id}").get_data(as_text=True))
    rows = re.findall(r"<tr[^>]*><td>([^<]+)</td><td>(?:<a [^>]*>)?(集访人\d)(?:</a>)?</td>", page)
    assert sorted(rows, key=lambda r: r[1]) == [
        ("信访人", "集访人0"), ("信访人、代表人", "集访人1"), ("信访人", "集访人2"), ("信访人", "集访人3"),
        ("信访人、代表人", "集访人4"), ("信访人", "集访人5")]


def test_a_collective_visit_without_a_ticked_representative_is_refused(make_client):
    clerk = make_client("clerk")
    resp = clerk.post(URL, data=base_form(channel="visit", people_count="6"))
    assert resp.status_code == 200
    assert "集体访（5人及以上来访）须登记1至5名代表人。" in field_errors(resp)


def test_a_party_edit_keeps_its_birth_date_as_a_date(make_client):
    # no resident ID number: a birth date against the ID's is refused (test below)
    party = db.session.execute(select(Party).where(Party.id_number.is_(None), Party.kind == "person")
                               .order_by(Party.id)).scalars().first()
    clerk = make_client("clerk")
    html = page_text(clerk.get(f"/admin/party/edit/?id={party.id}"))
    assert re.search(r'<input[^>]*name="birth_date"[^>]*type="date"|<input[^>]*type="date"[^>]*name="birth_date"', html)
    resp = clerk.post(f"/admin/party/edit/?id={party.id}", data={
        "name": party.name, "sex": party.sex or "__None", "birth_date": "1980-02-03", "ethnicity": "回族",
        "id_type": party.id_type, "id_number": party.id_number, "phone": party.phone or "",
        "address": party.address or "", "hukou": "", "occupation": ""})
    assert resp.status_code == 302, field_errors(resp)
    db.session.expire_all()
    again = db.session.get(Party, party.id)
    assert (again.birth_date, again.ethnicity) == (date(1980, 2, 3), "回族")
    details = page_text(clerk.get(f"/admin/party/details/?id={party.id}"))
    assert "1980-02-03" in details and "None" not in details


def test_a_party_edit_refuses_a_sex_or_birth_date_against_the_id_number(make_client):
    """The 信访人 edit form applies registration's rule: what the 18-digit ID says wins."""
    party = db.session.execute(select(Party).where(Party.kind == "person").order_by(Party.id)).scalars().first()
    before = (party.sex, party.birth_date, party.id_number)
    clerk = make_client("clerk")
    form = {"name": party.name, "ethnicity": "", "id_type": "resident", "id_number": WOMAN_ID,
            "phone": "", "address": "", "hukou": "", "occupation": ""}
    resp = clerk.post(f"/admin/party/edit/?id={party.id}", data=dict(form, sex="M", birth_date="1990-07-05"))
    assert resp.status_code == 200
    text = page_text(resp)
    assert "性别与身份证号码不符（身份证号码第17位表示女），请核对。" in text
    assert "出生日期与身份证号码不符（身份证号码中为1990-07-04），请核对。" in text
    db.session.expire_all()
    again = db.session.get(Party, party.id)
    assert (again.sex, again.birth_date, again.id_number) == before

    resp = clerk.post(f"/admin/party/edit/?id={party.id}", data=dict(form, sex="F", birth_date="1990-07-04"))
    assert resp.status_code == 302, field_errors(resp)
    db.session.expire_all()
    again = db.session.get(Party, party.id)
    assert (again.sex, again.birth_date, again.id_number) == ("F", date(1990, 7, 4), WOMAN_ID)
