"""Issue 13 through HTTP: the 同一事项 choice on the 受理 form, the closing checklist's 回访 rule, the
office settings saved only when committed, the archive record's link to its 复查, the report page."""
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from models import Case, CaseEvent, Party, db
from services import deadlines, settings, workflow
from tests.conftest import DEMO_PASSWORD
from tests.services.test_workflow import build_office, make_case, valid_data


@pytest.fixture
def office(app):
    o = build_office(db.session, password=DEMO_PASSWORD)
    settings.set_value(db.session, "number_prefix", "XF")
    db.session.commit()
    return o


def text(resp):
    return resp.get_data(as_text=True)


def post_move(client, name, case_id, **data):
    db.session.expire_all()
    data.setdefault("version", db.session.get(Case, case_id).version)
    return client.post(f"/admin/moves/{name}/{case_id}/", data=data)


def test_accept_form_asks_same_or_new_matter(office, app_client):
    o = office
    person = Party(name="钱某", id_number="110101199003078515")
    earlier = make_case(db.session, o, "closed", petitioner=person, summary="东街拆迁补偿款未发放")
    new = make_case(db.session, o, "registered", petitioner=person, summary="东街拆迁补偿款仍未发放",
                    received_on=date(2026, 11, 19))
    alone = make_case(db.session, o, "registered")
    db.session.commit()
    clerk = app_client("clerk")
    page = text(clerk.get(f"/admin/moves/accept/{new.id}/"))
    assert "是否同一事项" in page and f"同一事项：{earlier.number}（2026-11-02收件，已答复，相似度" in page
    assert "新的事项（与以上事项均不同）" in page
    assert "是否同一事项" not in text(clerk.get(f"/admin/moves/accept/{alone.id}/"))  # no earlier case
    r = post_move(clerk, "accept", new.id, accepted_on="2026-11-20", notice_on="2026-11-20")
    assert r.status_code == 200 and "请判断是否同一事项" in text(r)
    r = post_move(clerk, "accept", new.id, accepted_on="2026-11-20", notice_on="2026-11-20",
                  matter=str(earlier.id))
    assert r.status_code == 302
    page = text(clerk.get(f"/admin/case/details/?id={new.id}"))
    assert f"经审查与{earlier.number}为同一事项" in page and "重复访" in page


def test_close_request_form_shows_the_follow_up_rule(office, app_client):
    o = office
    c = make_case(db.session, o, "replied", handling_report="办结报告")
    settings.set_value(db.session, "follow_up_required", "1")
    db.session.commit()
    page = text(app_client("clerk").get(f"/admin/moves/close_request/{c.id}/"))
    assert "未登记回访及满意度（本单位规定申请结案前须回访）" in page
    assert "本单位规定：申请结案前须登记回访及满意度。" in page


SETTINGS = {"office_name": "示范县信访局", "number_prefix": "XF", "clock_accept_mode": "working",
            "clock_handle_mode": "calendar", "clock_extend_mode": "calendar", "clock_review_mode": "calendar",
            "due_soon_working_days": "3", "follow_up_required": "1", "repeat_window_days": "60"}


def test_settings_saved_only_when_committed(office, app_client, monkeypatch):
    admin = app_client("admin")
    page = text(admin.get("/admin/office-settings/"))
    assert "申请结案前须回访" in page and "再信访统计期（日）" in page

    def lost_race(session):
        raise StaleDataError("someone else moved a case")
    monkeypatch.setattr(deadlines, "recompute_open_cases", lost_race)
    r = admin.post("/admin/office-settings/", SETTINGS)
    assert r.status_code == 409 and "未保存" in text(r) and "已保存" not in text(r)
    db.session.expire_all()
    assert settings.get(db.session, "clock_accept_mode") == "calendar"
    assert settings.get(db.session, "follow_up_required") == "0"
    monkeypatch.undo()
    r = admin.post("/admin/office-settings/", SETTINGS, follow_redirects=True)
    assert "单位设置已保存" in text(r)
    db.session.expire_all()
    assert settings.follow_up_required(db.session) and settings.repeat_window_days(db.session) == 60
    r = admin.post("/admin/office-settings/", {**SETTINGS, "repeat_window_days": "0"})
    assert "请填写1至3650之间的整数" in text(r)


def test_archive_record_links_its_review(office, app_client):
    o = office
    c = make_case(db.session, o, "closed")
    db.session.commit()
    workflow.perform(db.session, o.archivist, c, "archive", **valid_data("archive", o))
    ev = workflow.perform(db.session, o.clerk, c, "review_request", reason="不服")
    db.session.commit()
    record_id = c.archive_record.id
    page = text(app_client("clerk").get(f"/admin/archive/details/?id={record_id}"))
    assert f'href="/admin/case/details/?id={ev.data["review_case_id"]}">{ev.data["review_number"]}</a>（已受理）' in page


def test_report_page_shows_the_new_figures(office, app_client):
    page = text(app_client("clerk").get("/admin/statistics/?kind=month&year=2026&month=10"))
    for label in ("再信访率", "一次性化解率", "结案审批晚于办理期限", "复查复核结论：维持", "九、复查复核"):
        assert label in page


def test_demo_history_holds_only_legal_moves(session):
    """Every status change in the demo office is a move the product allows from that status."""
    from services.workflow import spec
    events = session.execute(select(CaseEvent).where(CaseEvent.from_status.isnot(None))).scalars().all()
    assert events
    action_move = {"extend_approve": "extend_decide", "extend_deny": "extend_decide",
                   "close_approve": "close_decide", "close_reject": "close_decide"}
    illegal = [(e.case_id, e.action, e.from_status) for e in events
               if (m := spec.MOVES.get(action_move.get(e.action, e.action))) is not None
               and e.from_status not in m.statuses]
    assert illegal == []
    assert not [e for e in events if e.action == "reply" and e.from_status != "handling"]
