"""Printed documents (services/documents.py, views/documents.py): every document of every status it
fits, opened with python-docx; the accuser's identity; the 文号 (unique under concurrent prints,
reused by a reprint, on the timeline); the office's own templates (a broken one refused); access;
the print views."""
import io
import threading

import pytest
from docx import Document
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ArchiveRecord, Case, CaseEvent, DocumentNumber, DocumentTemplate, User, db
from models.enums import STATUSES
from services import documents

DOCX_MIME = documents.DOCX_MIME


def user(name):
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def docx_text(data):
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def first_line(text):
    return (text or "").strip().splitlines()[0][:20]


def _cases_by_status():
    out = {}
    for case in db.session.execute(select(Case).order_by(Case.id)).scalars():
        out.setdefault(case.status, []).append(case)
    return out


def _expected(case, kind, number):
    """What a reader checks on the paper of `kind` for `case`."""
    title = documents.DOCS[kind].title
    want = [case.number, {"reply_opinion": "意见书", "volume_cover": "信访事项"}.get(kind, title)]
    if number is not None:
        want.append(number.number)
    if kind in ("decline_notice", "refuse_notice"):
        want += [first_line(case.decision_note), "《信访工作条例》"]
    if kind == "forward_letter":
        want += [case.forward_to, case.forward_doc_no]
    if kind in ("assign_slip", "supervise_letter"):
        want += [case.department.name, documents._d(case.handle_due)]
    if kind == "extension_notice":
        want += [first_line(case.extension_reason), documents._d(case.handle_due)]
    if kind == "reply_opinion":
        want.append(first_line(case.reply_text))
        if case.review_level < 2:
            want.append("30日内")
    if kind in ("volume_cover", "volume_catalogue", "loan_form"):
        want.append(db.session.execute(select(ArchiveRecord.archive_number).where(
            ArchiveRecord.case_id == case.id)).scalar_one())
    if kind == "close_approval" and case.close_approved_by:
        want.append(case.close_approved_by.full_name)
    if kind == "reception_record" and (case.leader or case.reception):
        want.append((case.leader or case.reception.leader).full_name)
    return want


@pytest.mark.parametrize("kind", list(documents.DOCS))
def test_every_document_renders_for_every_status_it_fits(session, kind):
    clerk = user("clerk")
    by_status = _cases_by_status()
    rendered = []
    for status in STATUSES:
        case = next((c for c in by_status.get(status, []) if documents.DOCS[kind].applies(c)), None)
        if case is None:
            continue
        assert kind in dict(documents.available(db.session, clerk, case)), (kind, status)
        name, data = documents.render(db.session, clerk, case, kind)
        db.session.commit()
        assert name.endswith(".docx") and case.number in name
        number = db.session.execute(select(DocumentNumber).where(
            DocumentNumber.case_id == case.id, DocumentNumber.kind == kind)).scalars().first()
        text = docx_text(data)
        assert "{{" not in text and "{%" not in text
        for want in _expected(case, kind, number):
            assert want and want in text, (kind, status, want)
        rendered.append(status)
    assert rendered, f"演示数据中没有适用“{documents.DOCS[kind].title}”的信访事项"


def test_documents_fit_the_status(session):
    clerk = user("clerk")
    by_status = _cases_by_status()
    registered = by_status["registered"][0]
    offered = dict(documents.available(db.session, clerk, registered))
    assert "registration" in offered and "accept_notice" not in offered
    declined = by_status["declined"][0]
    assert dict(documents.available(db.session, clerk, declined))["decline_notice"] == "打印不予受理告知书"
    voided = by_status["voided"][0]
    assert documents.available(db.session, clerk, voided) == []
    with pytest.raises(documents.ServiceError, match="当前状态不符"):
        documents.render(db.session, clerk, registered, "reply_opinion")


def test_context_has_the_same_keys_as_the_sample(session):
    assert set(documents.SAMPLE) == set(documents.KEYS)
    clerk = user("clerk")
    case = _cases_by_status()["closed"][0]
    for doc in documents.DOCS.values():
        assert set(documents.context(db.session, clerk, case, doc)) == set(documents.KEYS)


def test_petitioner_documents_carry_only_what_the_petitioner_may_see(session):
    clerk = user("clerk")
    case = next(c for c in _cases_by_status()["closed"] if c.handler is not None)
    values = documents.context(db.session, clerk, case, documents.DOCS["reply_opinion"])
    assert values["reply_text"] == case.reply_text and values["addressee"]
    assert values["handler"] == "" and values["parties"] == [] and values["handling_report"] == ""
    assert values["approver"] == "" and values["leader_instruction"] == ""


def _accusation(status):
    return next(c for c in _cases_by_status()[status] if c.purpose == "accusation")


def test_accuser_identity_never_printed_for_whom_may_not_know(session):
    case = _accusation("closed")
    accuser = next(cp.data for cp in case.parties if cp.role == "petitioner")
    archivist = user("archivist")  # reads closed cases, may not know an accuser
    offered = dict(documents.available(db.session, archivist, case))
    assert "registration" in offered and "close_approval" in offered
    assert "reply_opinion" not in offered  # names the accuser: not for this reader
    for kind in offered:
        text = docx_text(documents.render(db.session, archivist, case, kind)[1])
        assert accuser.name not in text and (accuser.id_number or "@") not in text, kind
        if kind == "registration":
            assert "（保密）" in text
    db.session.commit()
    # the 信访办 sees the accuser on its own 登记表 ...
    clerk = user("clerk")
    assert accuser.name in docx_text(documents.render(db.session, clerk, case, "registration")[1])
    # ... but a letter to a body outside the office's tree (转送) never names them
    values = documents.context(db.session, clerk, case, documents.DOCS["forward_letter"])
    assert accuser.name not in str(values)


def test_print_over_http_reprint_reuses_number_and_timeline(session, make_client):
    case = _cases_by_status()["accepted"][0]
    clerk = make_client("clerk")
    r = clerk.post(f"/admin/documents/accept_notice/{case.id}/")
    assert r.status_code == 200 and r.mimetype == DOCX_MIME
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    db.session.expire_all()
    row = db.session.execute(select(DocumentNumber).where(DocumentNumber.case_id == case.id)).scalar_one()
    assert row.number == f"示信告〔2026〕{row.seq}号" and row.number in docx_text(r.get_data())
    r2 = clerk.post(f"/admin/documents/accept_notice/{case.id}/")
    assert row.number in docx_text(r2.get_data())
    assert db.session.execute(select(func.count()).select_from(DocumentNumber).where(
        DocumentNumber.case_id == case.id)).scalar() == 1
    notes = [(e.note, e.actor.username) for e in db.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "document").order_by(CaseEvent.id)).scalars()]
    assert notes == [(f"打印受理告知书（{row.number}）", "clerk"), (f"重印受理告知书（{row.number}）", "clerk")]
    page = clerk.get(f"/admin/case/details/?id={case.id}").get_data(as_text=True)
    assert f"重印受理告知书（{row.number}）" in page and 'id="doc-accept_notice"' in page


def test_the_number_format_is_an_office_setting(session):
    from services import settings
    settings.set_value(db.session, "doc_number_format", "某信{类}字〔{年}〕第{号}号")
    db.session.commit()
    case = _cases_by_status()["assigned"][0]
    documents.render(db.session, user("clerk"), case, "assign_slip")
    number = db.session.execute(select(DocumentNumber).where(DocumentNumber.case_id == case.id)).scalar_one()
    assert number.number.startswith("某信交字〔2026〕第") and number.series == "交"


def _print_in_thread(app, case_id, user_id, barrier, errors):
    with app.app_context():
        s = Session(db.engine, expire_on_commit=False)
        try:
            case, u = s.get(Case, case_id), s.get(User, user_id)
            _ = case.parties, case.events, case.assists
            s.commit()  # SQLite: no transaction may hold the write lock while waiting for the others
            barrier.wait(timeout=120)
            documents.render(s, u, case, "accept_notice")
            s.commit()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            s.rollback()
            errors.append(repr(exc))
        finally:
            s.close()


def test_numbers_unique_under_concurrent_prints(demo_app):
    cases = [c.id for c in db.session.execute(select(Case).where(
        Case.accepted_on.is_not(None), Case.status.in_(("accepted", "assigned", "handling")))
        .order_by(Case.id)).scalars()][:4]
    clerk_id = user("clerk").id
    db.session.close()
    # four cases at once, and the first case twice more (a double click)
    targets = cases + [cases[0], cases[0]]
    barrier, errors = threading.Barrier(len(targets)), []
    threads = [threading.Thread(target=_print_in_thread, args=(demo_app, cid, clerk_id, barrier, errors))
               for cid in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = db.session.execute(select(DocumentNumber).where(DocumentNumber.kind == "accept_notice")).scalars().all()
    assert sorted(r.case_id for r in rows) == sorted(cases)  # one number per case, the repeat reused it
    assert len({r.number for r in rows}) == len(rows) == 4
    seqs = sorted(r.seq for r in rows)
    assert seqs == list(range(seqs[0], seqs[0] + 4))


def _template(text):
    doc = Document()
    doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _upload(client, kind, data, name="模板.docx"):
    return client.post(f"/admin/doc-templates/{kind}/upload/", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", follow_redirects=True)


def test_office_template_upload_broken_refused_and_restore(session, make_client):
    admin = make_client("admin")
    page = admin.get("/admin/doc-templates/").get_data(as_text=True)
    assert "受理告知书" in page and "默认模板" in page
    r = admin.get("/admin/doc-templates/accept_notice/download/")
    assert r.status_code == 200 and r.get_data() == documents.default_bytes("accept_notice")

    good = _template("本单位文头 {{ office_name }} {{ doc_number }} {{ addressee }}")
    r = _upload(admin, "accept_notice", good, "我局受理告知书.docx")
    assert "已更换“受理告知书”的模板" in r.get_data(as_text=True)

    for data, name, message in [
        (b"not a word file", "坏.docx", "不是有效的 Word"),
        (_template("{{ no_such_field }}"), "坏.docx", "模板使用了不存在的字段“no_such_field”"),
        (_template("{% if %}"), "坏.docx", "标记语法错误"),
        (good, "模板.doc", "请上传 Word（.docx）格式的模板文件"),
    ]:
        body = _upload(admin, "accept_notice", data, name).get_data(as_text=True)
        assert "模板未更换，原模板保持不变" in body and message in body, message
        db.session.expire_all()
        row = db.session.get(DocumentTemplate, "accept_notice")
        assert row.content == good and row.filename == "我局受理告知书.docx"

    case = _cases_by_status()["accepted"][0]
    text = docx_text(make_client("clerk").post(f"/admin/documents/accept_notice/{case.id}/").get_data())
    petitioner = next(cp.data for cp in case.parties if cp.role in ("petitioner", "representative"))
    assert "本单位文头 示范县信访局 示信告〔2026〕" in text and petitioner.name in text

    r = admin.post("/admin/doc-templates/accept_notice/restore/", follow_redirects=True)
    assert "已恢复为默认模板" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(DocumentTemplate, "accept_notice") is None


def test_templates_screen_is_the_admins(session, make_client):
    clerk = make_client("clerk")
    assert clerk.get("/admin/doc-templates/").status_code == 403
    r = _upload(clerk, "accept_notice", _template("x"))
    assert r.status_code == 403 and db.session.get(DocumentTemplate, "accept_notice") is None


def test_print_refused_outside_reach_without_a_leak(session, make_client):
    handler1 = user("handler1")
    from services import access
    outside = db.session.execute(select(Case).where(
        ~access.case_filter(db.session, handler1), Case.status == "handling").order_by(Case.id)).scalars().first()
    inside = db.session.execute(select(Case).where(
        access.case_filter(db.session, handler1), Case.status == "handling").order_by(Case.id)).scalars().first()
    client = make_client("handler1")
    for kind in ("registration", "accept_notice"):
        r = client.post(f"/admin/documents/{kind}/{outside.id}/")
        assert r.status_code == 403 and outside.number not in r.get_data(as_text=True)
    r = client.post("/admin/documents/registration/2000000000/")
    assert r.status_code == 403
    # in reach: the 登记表 yes, the 受理告知书 (the 信访办's) no
    assert client.post(f"/admin/documents/registration/{inside.id}/").mimetype == DOCX_MIME
    assert client.post(f"/admin/documents/accept_notice/{inside.id}/").status_code == 403
    assert db.session.execute(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == outside.id, CaseEvent.action == "document")).scalar() == 0
    assert client.post(f"/admin/documents/nonsense/{inside.id}/").status_code == 404


def test_decline_form_reason_reaches_the_notice(session, make_client):
    case = next(c for c in _cases_by_status()["registered"] if c.purpose != "accusation"
                and not any(cp.role == "petitioner" and len(cp.party.case_links) > 1 for cp in c.parties))
    clerk = make_client("clerk")
    form = clerk.get(f"/admin/moves/decline/{case.id}/").get_data(as_text=True)
    assert "将写入不予受理/不再受理告知书" in form
    r = clerk.post(f"/admin/moves/decline/{case.id}/", data={
        "version": case.version, "reason": "所反映事项属于司法机关职权范围。", "notice_on": "2026-11-20"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    page = clerk.get(f"/admin/case/details/?id={case.id}").get_data(as_text=True)
    assert "打印不予受理告知书" in page
    text = docx_text(clerk.post(f"/admin/documents/decline_notice/{case.id}/").get_data())
    assert "所反映事项属于司法机关职权范围。" in text and "不予受理" in text


def test_print_views_have_no_menu_and_carry_the_office(session, make_client):
    case = _cases_by_status()["handling"][0]
    clerk = make_client("clerk")
    page = clerk.get(f"/admin/case/details/?id={case.id}").get_data(as_text=True)
    assert f"/admin/case/print/?id={case.id}" in page
    for url in (f"/admin/case/print/?id={case.id}", "/admin/statistics/print/?kind=year&year=2026"):
        r = clerk.get(url)
        body = r.get_data(as_text=True)
        assert r.status_code == 200 and body.count("<h1") == 1
        assert "navbar" not in body and "示范县信访局" in body and "css/print.css" in body
        assert "<form" not in body
    css = clerk.get("/static/css/print.css").get_data(as_text=True)
    assert "size: A4" in css and "counter(page)" in css
    outside = make_client("handler1").get(f"/admin/case/print/?id={case.id}") if case.department is None else None
    if outside is not None:
        assert outside.status_code == 404


def test_shipped_templates_are_what_the_script_builds():
    """templates/docx/*.docx are reproducible: scripts/build_doc_templates.py makes them byte for byte."""
    import importlib.util
    import os
    path = os.path.join(os.path.dirname(documents.DEFAULT_DIR), "..", "scripts", "build_doc_templates.py")
    spec = importlib.util.spec_from_file_location("build_doc_templates", os.path.normpath(path))
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for kind in documents.DOCS:
        assert script.build(kind) == documents.default_bytes(kind), kind
