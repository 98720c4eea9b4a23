"""The move form pages, the case page and the case list, through HTTP only.

A small office is built on the `app` fixture (users with password demo1234); office today is
2026-11-20.
"""
import re
from datetime import date

from sqlalchemy import select

from models import Case, CaseEvent, Holiday, db
from services import settings
from tests.services.test_workflow import make_case


def text(resp):
    return resp.get_data(as_text=True)


def version(case_id):
    db.session.expire_all()
    return db.session.get(Case, case_id).version


def move(client, name, case_id, **data):
    data.setdefault("version", version(case_id))
    return client.post(f"/admin/moves/{name}/{case_id}/", data=data)


def test_registration_to_closure_through_the_forms(office, login):
    o = office
    case = make_case(db.session, o, "registered", received_on=date(2026, 11, 16), accept_due=date(2026, 12, 1))
    db.session.commit()
    cid = case.id
    clerk, handler, leader = login("clerk"), login("handler1"), login("leader")

    page = text(clerk.get(f"/admin/case/details/?id={cid}"))
    assert 'id="move-accept"' in page and 'id="move-sign_for"' not in page
    form = text(clerk.get(f"/admin/moves/accept/{cid}/"))
    assert 'name="csrf_token"' in form and f'name="version" type="hidden" value="{version(cid)}"' in form

    r = move(clerk, "accept", cid, accepted_on="2026-11-17", notice_on="2026-11-17", note="符合受理条件")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/admin/case/details/?id={cid}")
    r = move(clerk, "assign", cid, department_id=o.zj.id, assist_ids=[o.rs.id], due="", note="请依法办理")
    assert r.status_code == 302
    r = move(clerk, "supervise", cid, method="phone", note="电话催办")
    assert r.status_code == 302

    page = text(handler.get(f"/admin/case/details/?id={cid}"))
    assert 'id="move-sign_for"' in page and 'id="move-assign"' not in page
    assert move(handler, "sign_for", cid).status_code == 302
    r = move(handler, "extend_request", cid, days="10", reason="需要补充调查")
    assert r.status_code == 302
    r = move(leader, "extend_decide", cid, approve="1", note="同意延期")
    assert r.status_code == 302
    r = move(handler, "reply", cid, reply_text="经调查，已责成相关单位整改。", replied_on="2026-11-20",
             reply_method="in_person", petitioner_response="agree", receipt_status="signed",
             handling_report="已调查核实、当面答复。")
    assert r.status_code == 302
    r = move(clerk, "follow_up", cid, follow_up_on="2026-11-20", satisfaction="satisfied", note="电话回访")
    assert r.status_code == 302
    form = text(clerk.get(f"/admin/moves/close_request/{cid}/"))
    assert "已调查核实、当面答复。" in form  # the report carried over
    assert move(clerk, "close_request", cid, handling_report="已调查核实、当面答复。").status_code == 302
    assert move(leader, "close_decide", cid, approve="1", note="同意结案").status_code == 302

    db.session.expire_all()
    case = db.session.get(Case, cid)
    assert (case.status, case.department_id, case.handler_id, case.close_approved_by_id) == (
        "closed", o.zj.id, o.handler1.id, o.leader.id)
    # 2026-11-17 + 60 = 2027-01-16 (Sat) -> Mon 01-18; + 10 days extension = 01-28 (Thu)
    assert (case.handle_base_due, case.handle_due) == (date(2027, 1, 18), date(2027, 1, 28))
    actions = [e.action for e in db.session.execute(
        select(CaseEvent).where(CaseEvent.case_id == cid).order_by(CaseEvent.id)).scalars()]
    assert actions == ["accept", "assign", "supervise", "sign_for", "extend_request", "extend_approve",
                       "reply", "follow_up", "close_request", "close_approve"]

    page = text(leader.get(f"/admin/case/details/?id={cid}"))
    timeline = page[page.index('id="case-timeline"'):]
    titles = re.findall(r"<strong>(.*?)</strong>", timeline)
    assert titles == ["受理", "交办", "督办", "签收", "申请延期", "批准延期", "答复", "回访", "申请结案", "批准结案"]
    assert "已受理 → 已交办" in timeline and "（— → 县住房和城乡建设局）" in timeline
    assert "已办结" in page and "经调查，已责成相关单位整改。" in page
    assert 'id="move-' not in page.replace('id="move-instruction"', "")  # only 批示 left for the leader


def test_validation_messages_beside_fields_and_nothing_saved(office, login):
    o = office
    case = make_case(db.session, o, "handling")
    db.session.commit()
    handler = login("handler1")
    before = version(case.id)
    r = move(handler, "reply", case.id, reply_text="", replied_on="2026-02-30", receipt_status="refused")
    page = text(r)
    assert r.status_code == 200
    assert re.search(r'id="error-reply_text">请填写答复意见<', page)
    assert re.search(r'id="error-replied_on">答复日期格式不正确', page)
    assert re.search(r'id="error-reply_method">请选择答复方式<', page)
    assert re.search(r'id="error-receipt_note">信访人拒绝签收的，须注明拒签情况<', page)
    assert version(case.id) == before and db.session.get(Case, case.id).status == "handling"


def test_wrong_status_or_role_is_refused_with_a_message(office, login):
    o = office
    case = make_case(db.session, o, "closed")
    db.session.commit()
    clerk, handler = login("clerk"), login("handler1")
    r = clerk.get(f"/admin/moves/assign/{case.id}/", follow_redirects=True)
    assert "当前状态为“已办结”，不能交办" in text(r)
    r = move(clerk, "assign", case.id, department_id=o.zj.id)
    assert "当前状态为“已办结”，不能交办" in text(r)
    r = move(handler, "void", case.id, reason="x")
    assert "您的角色（承办人）无权作废" in text(r)
    assert db.session.get(Case, case.id).status == "closed"


def test_bad_urls_and_input_never_500(office, login):
    o = office
    case = make_case(db.session, o, "accepted")
    db.session.commit()
    clerk = login("clerk")
    assert clerk.get(f"/admin/moves/teleport/{case.id}/").status_code == 404
    assert clerk.get("/admin/moves/accept/999999/").status_code == 404
    assert clerk.post(f"/admin/moves/assign/{case.id}/", data={"version": "abc", "department_id": "x"}).status_code == 200
    r = clerk.post(f"/admin/moves/assign/{case.id}/", data={"version": version(case.id), "department_id": "x",
                                                              "assist_ids": ["y"], "due": "明天"})
    page = text(r)
    assert "所选责任单位不存在或已停用" in page and "所选配合单位不存在或已停用" in page
    assert "办理期限格式不正确" in page
    assert clerk.get("/admin/moves/bulk/assign/?ids=abc,,-1").status_code == 200
    assert clerk.get("/admin/moves/bulk/reply/?ids=1").status_code == 404


def test_handler_of_another_department_gets_404(office, login):
    o = office
    case = make_case(db.session, o, "assigned")
    db.session.commit()
    assert login("handler2").get(f"/admin/moves/sign_for/{case.id}/").status_code == 404
    assert move(login("handler2"), "sign_for", case.id).status_code == 404


def test_bulk_assign_from_the_list_action(office, login):
    o = office
    a = make_case(db.session, o, "accepted")
    b = make_case(db.session, o, "accepted", purpose="accusation")
    closed = make_case(db.session, o, "closed")
    db.session.commit()
    clerk = login("clerk")
    r = clerk.post("/admin/case/action/", data={"action": "bulk_assign", "rowid": [a.id, b.id, closed.id]})
    assert r.status_code == 302 and "/admin/moves/bulk/assign/" in r.headers["Location"]
    page = text(clerk.get(r.headers["Location"]))
    assert "当前状态为“已办结”，不能交办" in page and f'name="v_{a.id}"' in page
    # missing department: errors beside the field, nothing done
    r = clerk.post("/admin/moves/bulk/assign/", data={"ids": f"{a.id},{b.id},{closed.id}", "department_id": ""})
    assert re.search(r'id="error-department_id">请选择责任单位<', text(r))
    assert db.session.get(Case, a.id).status == "accepted"
    r = clerk.post("/admin/moves/bulk/assign/", data={
        "ids": f"{a.id},{b.id},{closed.id}", "department_id": o.zj.id,
        f"v_{a.id}": version(a.id), f"v_{b.id}": version(b.id)})
    page = text(r)
    assert "已交办 1 件" in page
    assert "检举控告类信访事项应交纪检监察部门办理" in page
    db.session.expire_all()
    assert db.session.get(Case, a.id).status == "assigned" and db.session.get(Case, b.id).status == "accepted"


def test_bulk_pages_rescope_ids(office, login):
    o = office
    mine = make_case(db.session, o, "handling")
    unseen = make_case(db.session, o, "accepted")  # no department: out of the leader's reach
    db.session.commit()
    leader = login("leader")
    page = text(leader.get(f"/admin/moves/bulk/supervise/?ids={mine.id},{unseen.id}"))
    assert f"#{unseen.id}：不存在或不在您的查看范围内" in page
    r = leader.post("/admin/moves/bulk/supervise/", data={"ids": f"{mine.id},{unseen.id}", "method": "talk",
                                                          "note": "约谈督办"})
    assert "已督办 1 件" in text(r)
    # the action itself refuses out-of-reach ids
    assert leader.post("/admin/case/action/", data={"action": "bulk_supervise",
                                                    "rowid": [mine.id, unseen.id]}).status_code == 404
    # handlers have no bulk moves
    assert login("handler1").get(f"/admin/moves/bulk/assign/?ids={mine.id}").status_code == 403


def test_case_list_filters_and_days_left(office, login):
    o = office
    late = make_case(db.session, o, "handling", handle_due=date(2026, 11, 19), summary="超期的事项")
    soon = make_case(db.session, o, "assigned", handle_due=date(2026, 11, 24), summary="临期的事项")
    later = make_case(db.session, o, "handling", handle_due=date(2026, 12, 30), summary="从容的事项",
                      department_id=o.rs.id)
    db.session.commit()
    clerk = login("clerk")
    page = text(clerk.get("/admin/case/"))
    assert "剩余天数" in page and "超期 超1天" in page and "临期 4天" in page and ">40天<" in page
    for filters in ("状态", "责任单位", "类别", "问题分类", "信访形式", "超期", "临期"):
        assert filters in page
    assert "县人力资源和社会保障局" in page  # department filter options from the table

    def numbers(url):
        return set(re.findall(r"2026-\d{6}", text(clerk.get(url))))

    assert numbers("/admin/case/?flt0_5=1") == {late.number}
    assert numbers("/admin/case/?flt0_6=1") == {soon.number}
    assert numbers(f"/admin/case/?flt0_1={o.rs.id}") == {later.number}
    assert numbers("/admin/case/?flt0_0=assigned") == {soon.number}
    assert clerk.get("/admin/case/?flt0_1=abc").status_code == 200


def test_case_page_parts(office, login):
    o = office
    case = make_case(db.session, o, "handling", handle_due=date(2026, 11, 23), is_urgent=True)
    db.session.commit()
    page = text(login("handler1").get(f"/admin/case/details/?id={case.id}"))
    assert 'id="case-parties"' in page and "信访人" in page
    assert '<span class="badge badge-due_soon">临期，剩3天</span>' in page
    assert 'action="/admin/attachment/upload/' in page and 'name="kind"' in page
    page = text(login("leader").get(f"/admin/case/details/?id={case.id}"))
    assert 'action="/admin/attachment/upload/' not in page


def test_sign_for_button_posts_with_version(office, login):
    o = office
    case = make_case(db.session, o, "assigned")
    db.session.commit()
    handler = login("handler1")
    page = text(handler.get(f"/admin/case/details/?id={case.id}"))
    m = re.search(r'action="(/admin/moves/sign_for/\d+/)".*?name="version" value="(\d+)"', page, re.S)
    assert m
    r = handler.post(m.group(1), data={"version": m.group(2)})
    assert r.status_code == 302
    assert db.session.get(Case, case.id).status == "handling"


def test_settings_page_recomputes_due_dates(office, login):
    o = office
    case = make_case(db.session, o, "registered", received_on=date(2026, 9, 18), accept_due=date(2026, 10, 8))
    db.session.commit()
    assert login("clerk").get("/admin/office-settings/").status_code == 403
    admin = login("admin")
    page = text(admin.get("/admin/office-settings/"))
    assert "受理告知期限计算方式" in page and "示范县信访局" in page
    r = admin.post("/admin/office-settings/", data={"office_name": "", "number_prefix": "X F",
                                                     "clock_accept_mode": "hours", "clock_handle_mode": "calendar",
                                                     "clock_extend_mode": "calendar", "clock_review_mode": "calendar",
                                                     "due_soon_working_days": "abc"})
    page = text(r)
    assert "请填写单位名称" in page and "编号前缀不超过10个字符" in page and "请选择自然日或工作日" in page
    assert "请填写0至30之间的整数" in page
    r = admin.post("/admin/office-settings/", data={"office_name": "示范县信访局", "number_prefix": "XF",
                                                     "clock_accept_mode": "working", "clock_handle_mode": "calendar",
                                                     "clock_extend_mode": "calendar", "clock_review_mode": "calendar",
                                                     "due_soon_working_days": "3"}, follow_redirects=True)
    assert "已按新设置重算在办事项期限：1 件有变化" in text(r)
    db.session.expire_all()
    assert settings.get(db.session, "number_prefix") == "XF"
    assert db.session.get(Case, case.id).accept_due == date(2026, 10, 15)


def test_holiday_change_recomputes_due_dates(office, login):
    o = office
    case = make_case(db.session, o, "handling", accepted_on=date(2026, 11, 2),
                     handle_due=date(2027, 1, 1), handle_base_due=date(2027, 1, 1))
    db.session.commit()
    admin = login("admin")
    r = admin.post("/admin/holiday/new/", data={"day": "2027-01-01", "kind": "holiday", "name": "元旦"},
                   follow_redirects=True)
    assert "已按新设置重算在办事项期限：1 件有变化" in text(r)
    db.session.expire_all()
    assert db.session.get(Case, case.id).handle_due == date(2027, 1, 4)
    r = admin.post("/admin/holiday/new/", data={"day": "2027-01-01", "kind": "holiday", "name": "元旦"},
                   follow_redirects=True)
    assert "已经存在" in text(r)  # Flask-Admin's Unique validator answers first
    assert len(db.session.execute(select(Holiday).where(Holiday.day == date(2027, 1, 1))).all()) == 1


def test_demo_case_from_registration_to_closure(demo_app, make_client):
    """The demo office: a registered case taken to 已办结 by clerk, handler1 and leader via the forms."""
    from models import Department
    s = db.session
    zj = s.execute(select(Department).where(Department.name == "县住房和城乡建设局")).scalar_one()
    case = s.execute(select(Case).where(Case.status == "registered", Case.purpose == "request",
                                        Case.review_level == 0).order_by(Case.id)).scalars().first()
    cid = case.id
    clerk, handler, leader = make_client("clerk"), make_client("handler1"), make_client("leader")
    steps = [
        (clerk, "accept", {"accepted_on": "2026-11-20", "notice_on": "2026-11-20"}),
        (clerk, "assign", {"department_id": zj.id, "note": "请依法办理"}),
        (handler, "sign_for", {}),
        (handler, "reply", {"reply_text": "经核查，诉求合理，已协调解决。", "replied_on": "2026-11-20",
                            "reply_method": "phone", "petitioner_response": "agree",
                            "receipt_status": "signed"}),
        (clerk, "close_request", {"handling_report": "已核查并答复，信访人同意。"}),
        (leader, "close_decide", {"approve": "1", "note": "同意"}),
    ]
    for client, name, data in steps:
        r = move(client, name, cid, **data)
        assert r.status_code == 302, (name, re.findall(r'field-error[^>]*>([^<]*)', text(r)),
                                      re.findall(r'id="move-error">(.*?)</div>', text(r), re.S))
    db.session.expire_all()
    assert db.session.get(Case, cid).status == "closed"
    page = text(clerk.get(f"/admin/case/details/?id={cid}"))
    titles = re.findall(r"<strong>(.*?)</strong>", page[page.index('id="case-timeline"'):])
    assert titles[-6:] == ["受理", "交办", "签收", "答复", "申请结案", "批准结案"]


def test_every_offered_move_form_renders_on_demo_cases(demo_app, make_client):
    """Each button on the case page leads to a working form, for every role, in every status."""
    from models.enums import STATUSES
    from services import workflow
    from models import User
    s = db.session
    sample = []
    for status in STATUSES:
        sample += list(s.execute(select(Case.id).where(Case.status == status).order_by(Case.id).limit(2)).scalars())
    for username in ("admin", "clerk", "leader", "handler1", "handler3", "archivist"):
        client = make_client(username)
        assert client.get("/admin/case/").status_code == 200
        user = s.execute(select(User).where(User.username == username)).scalar_one()
        from services import access
        visible = set(s.execute(select(Case.id).where(access.case_filter(s, user))).scalars())
        for cid in sample:
            case = s.get(Case, cid)
            r = client.get(f"/admin/case/details/?id={cid}")
            assert r.status_code == (200 if cid in visible else 404), (username, cid, r.status_code)
            if r.status_code == 404:
                continue
            for name, _label in workflow.available_moves(s, user, case):
                if name == "follow_up" and user.role == "handler" and case.follow_up_on is not None:
                    assert f'id="move-{name}"' not in text(r)  # 回访 once; the closing line follows
                    continue
                assert f'id="move-{name}"' in text(r)
                form = client.get(f"/admin/moves/{name}/{cid}/")
                assert form.status_code == 200 and 'id="move-form"' in text(form), (username, cid, name)


def test_settings_text_names_the_calendar_screens_as_the_menu_does(office, login):
    """Every screen the settings page quotes (“…”) in its help text is an entry of the menu."""
    page = text(login("admin").get("/admin/office-settings/"))
    help_text = re.search(r'<p class="text-muted">(期限计算方式.*?)</p>', page, re.S).group(1)
    quoted = re.findall(r"“([^”]+)”", help_text)
    menu = [re.sub(r"\s+", "", m) for m in re.findall(r'<a[^>]*dropdown-item[^>]*>(.*?)</a>', page, re.S)]
    assert quoted and {"放假安排（按年）", "节假日"} <= set(quoted)
    assert all(q in menu or q == "系统管理" for q in quoted), (quoted, menu)
    assert "系统管理" in page
