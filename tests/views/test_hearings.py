"""信访听证 on screen: the moves' forms on the case page, the case page's “因听证顺延至…”, the
hearing page and its 听证通知书, the case list's 超期 filter, the leader's 待办, and what an
accusation's hearing shows to whom (office today 2026-11-20)."""
import re
from datetime import date

from sqlalchemy import select

from models import Case, CaseParty, Hearing, Party, db
from tests.services.test_workflow import make_case


def text(resp):
    return resp.get_data(as_text=True)


def handling(o, due=date(2027, 1, 4), **kw):
    c = make_case(db.session, o, "handling", **kw)
    c.handle_due = c.handle_base_due = due
    db.session.commit()
    return c


def post_move(client, move, case, **data):
    db.session.refresh(case)
    return client.post(f"/admin/moves/{move}/{case.id}/", {"version": str(case.version), **data})


def test_the_whole_path_on_screen(office, login):
    o = office
    c = handling(o)
    handler, leader = login("handler1"), login("leader")
    page = text(handler.get(f"/admin/case/details/?id={c.id}"))
    assert f"/admin/moves/hearing_propose/{c.id}/" in page
    form = text(handler.get(f"/admin/moves/hearing_propose/{c.id}/"))
    assert "听证理由" in form and "petitioner_request" not in form  # only for a 复查/复核
    # bad input: a Chinese message beside the field, nothing saved
    r = post_move(handler, "hearing_propose", c, reason="案情复杂", start_on="2026-11-26", end_on="2026-11-24",
                  place="县信访局听证室", chair="王主任", is_public="1")
    assert r.status_code == 200 and "听证结束日期不能早于开始日期" in text(r)
    assert db.session.execute(select(Hearing)).first() is None
    r = post_move(handler, "hearing_propose", c, reason="案情复杂", start_on="2026-11-24", end_on="2026-11-26",
                  place="县信访局听证室", chair="王主任", panel="赵律师", participants="信访人孙某\n第三人某物业公司",
                  is_public="1")
    assert r.status_code == 302
    h = db.session.execute(select(Hearing)).scalar_one()
    # the leader's 待办 and the approval
    assert re.search(r'id="todo-hearing_decide">.*?todo-count"[^>]*>1<', text(leader.get("/admin/todo/")), re.S)
    r = post_move(leader, "hearing_decide", c, approve="1", note="同意")
    assert r.status_code == 302
    page = text(handler.get(f"/admin/case/details/?id={c.id}"))
    assert "因听证顺延至2027-01-07（已批准的听证2026-11-24至2026-11-26，3天不计入办理期限）" in page
    assert "原办理期限（听证顺延前）" in page and "批准听证" in page
    # the hearing page and the notice
    page = text(handler.get(f"/admin/hearing/details/?id={h.id}"))
    assert "信访人孙某、第三人某物业公司" in page and "因听证顺延至2027-01-07" in page
    notice = text(handler.get(f"/admin/hearing/notice/?id={h.id}"))
    assert "听证通知书" in notice and "2026年11月24日至2026年11月26日" in notice and "@page { size: A4" in notice
    assert "信访人孙某、第三人某物业公司：" in notice and "公开听证" in notice
    # held: the reply form offers the conclusion
    from services.clock import office_day
    with office_day(date(2026, 11, 27)):
        r = post_move(handler, "hearing_record", c, start_on="2026-11-24", end_on="2026-11-26", record="笔录",
                      conclusion="建议补发差额工资")
        assert r.status_code == 302
    form = text(handler.get(f"/admin/moves/reply/{c.id}/"))
    assert "经2026年11月24日听证，听证意见：建议补发差额工资" in form


def test_the_overdue_filter_and_todo_agree_with_the_moved_date(app, office, login):
    o = office
    c = handling(o, due=date(2026, 11, 19))  # overdue yesterday
    clerk, leader = login("clerk"), login("leader")

    from views.dashboard import case_list_url
    with app.test_request_context():
        overdue_url = case_list_url((None, "OverdueFilter", "1"), require_all=True)

    def overdue_numbers():
        return set(re.findall(r">(2026-\d{6})<", text(clerk.get(overdue_url))))

    assert overdue_numbers() == {c.number}
    todo = text(clerk.get("/admin/todo/"))
    assert re.search(r'id="todo-overdue">.*?todo-count"[^>]*>1<', todo, re.S)
    h = Hearing(case=c, status="pending", reason="复杂", start_on=date(2026, 11, 16), end_on=date(2026, 11, 18),
                place="听证室", chair="王主任", panel="", participants="", is_public=False)
    db.session.add(h)
    db.session.commit()
    assert post_move(leader, "hearing_decide", c, approve="1").status_code == 302
    db.session.refresh(c)
    assert c.handle_due == date(2026, 11, 23)
    todo = text(clerk.get("/admin/todo/"))
    assert re.search(r'id="todo-overdue">.*?todo-count"[^>]*>0<', todo, re.S)
    assert overdue_numbers() == set()
    page = text(clerk.get(f"/admin/case/details/?id={c.id}"))
    assert "因听证顺延至2026-11-23" in page and "超期" not in page.split('id="case-clocks"')[1].split("</table>")[0]


def test_an_accusations_hearing_keeps_the_accuser_hidden(office, login):
    """The county leader sees the accusation handled by 纪委监委 but may not know the accuser: the
    hearing page and the notice show （保密） for the participants and the record."""
    o = office
    c = handling(o, purpose="accusation", department_id=o.jw.id)
    accuser = db.session.execute(select(CaseParty).where(CaseParty.case_id == c.id)).scalar_one().party
    accuser.name = "举报人周某"
    db.session.add(CaseParty(case=c, party=Party(kind="unit", name="县住房和城乡建设局", department_id=o.zj.id),
                             role="accused"))
    h = Hearing(case=c, status="held", reason="核实举报", start_on=date(2026, 11, 16), end_on=date(2026, 11, 16),
                place="纪委谈话室", chair="陈主任", panel="", participants="举报人周某\n县住房和城乡建设局",
                is_public=False, record="举报人周某陈述……", conclusion="建议立案核查")
    db.session.add(h)
    db.session.commit()
    for username, sees in (("clerk", True), ("handler3", True), ("leader", False)):
        client = login(username)
        for url in (f"/admin/hearing/details/?id={h.id}", f"/admin/hearing/notice/?id={h.id}",
                    "/admin/hearing/"):
            r = client.get(url)
            assert r.status_code == 200, (username, url)
            assert ("举报人周某" in text(r)) == (sees and "/admin/hearing/?" not in url and url != "/admin/hearing/"), \
                (username, url)
    # the accused unit's handler does not even reach it
    client = login("handler1")
    assert client.get(f"/admin/hearing/details/?id={h.id}").status_code == 404
    assert client.get(f"/admin/hearing/notice/?id={h.id}").status_code == 404
    assert c.number not in text(client.get("/admin/hearing/"))


def test_a_closed_case_offers_no_hearing(office, login):
    o = office
    c = make_case(db.session, o, "closed")
    db.session.commit()
    clerk = login("clerk")
    r = clerk.get(f"/admin/moves/hearing_propose/{c.id}/")
    assert r.status_code == 302
    with clerk.client.session_transaction() as sess:
        flashed = [m for _c, m in sess.get("_flashes", [])]
    assert "当前状态为“已办结”，不能提议听证" in flashed
    version = db.session.get(Case, c.id).version
    r = clerk.post(f"/admin/moves/hearing_propose/{c.id}/", {"version": str(version), "reason": "x",
                                                           "start_on": "2026-11-24", "place": "p", "chair": "c",
                                                           "is_public": "1"})
    assert "当前状态为“已办结”，不能提议听证" in text(r)
    assert db.session.execute(select(Hearing)).first() is None
