"""Official documents (.docx) filled from a case with docxtpl: which fit a case now, what each may
carry for the user who prints it, the 文号, and the office's own templates.

The context of every document has the same keys (KEYS): a template the office uploads is rendered
with StrictUndefined, so a misspelt field is refused at upload rather than printed blank. A
document for the petitioner carries only PETITIONER_KEYS (the rest are blank whatever the template
asks for); an accuser's identity is shown only where access.may_see_identity allows it for the
user, and for a document sent to a department or another body only where that body may know it.
"""
import io
import os
import zipfile
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import (ArchiveLoan, ArchiveRecord, CaseEvent, DocumentNumber, DocumentTemplate,
                    ReceptionSchedule)
from models.enums import (CHANNELS, LOAN_STATUSES, PARTY_ROLES, PURPOSES, REPLY_METHODS,
                          RETENTION_PERIODS, REVIEW_LEVELS, SEXES, STATUSES, SUPERVISE_METHODS,
                          VOLUME_TYPES, label)
from services import ServiceError, access, deadlines, settings
from services.access import ADMIN, ARCHIVIST, CLERK, HANDLER, LEADER
from services.clock import local, today as office_today

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.path.join(os.path.dirname(HERE), "templates", "docx")
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024

PETITIONER, DEPARTMENT, OFFICE = "petitioner", "department", "office"
ACCEPTED_ON = ("accepted", "assigned", "handling", "replied", "closing", "closed", "archived")
ROUTED = ("assigned", "handling", "replied", "closing", "closed", "archived")


@dataclass(frozen=True)
class Doc:
    kind: str
    title: str
    audience: str  # petitioner | department | office
    roles: frozenset
    applies: Callable  # (case) -> bool: fits the case now
    series: str = ""  # the 文号's kind character; "" = no 文号
    responsible_only: bool = False  # a handler prints it only for their own responsible unit
    ref: Callable = None  # (session, case) -> the id a second document of the kind is for

    def __post_init__(self):
        object.__setattr__(self, "roles", frozenset(self.roles))


def _latest_event_id(action):
    def ref(session, case):
        return session.execute(select(func.max(CaseEvent.id)).where(
            CaseEvent.case_id == case.id, CaseEvent.action == action)).scalar() or 0
    return ref


def _has_supervision(case):
    return case.status in ROUTED and any(e.action == "supervise" for e in case.events)


_ALL = (
    Doc("registration", "来访（来信）登记表", OFFICE, {ADMIN, CLERK, HANDLER, LEADER, ARCHIVIST},
        lambda c: c.status != "voided"),
    Doc("accept_notice", "受理告知书", PETITIONER, {ADMIN, CLERK},
        lambda c: c.accepted_on is not None and c.status in ACCEPTED_ON, series="告"),
    Doc("decline_notice", "不予受理告知书", PETITIONER, {ADMIN, CLERK},
        lambda c: c.status == "declined", series="告"),
    Doc("refuse_notice", "不再受理告知书", PETITIONER, {ADMIN, CLERK},
        lambda c: c.status == "refused_repeat", series="告"),
    Doc("extension_notice", "延期告知书", PETITIONER, {ADMIN, CLERK, HANDLER},
        lambda c: c.extension_state == "approved" and c.status != "voided", series="告",
        responsible_only=True, ref=_latest_event_id("extend_approve")),
    Doc("assign_slip", "交办单", DEPARTMENT, {ADMIN, CLERK},
        lambda c: c.department_id is not None and c.status in ROUTED, series="交",
        ref=_latest_event_id("assign")),
    Doc("forward_letter", "转送函", DEPARTMENT, {ADMIN, CLERK}, lambda c: c.status == "forwarded"),
    Doc("supervise_letter", "督办函", DEPARTMENT, {ADMIN, CLERK, LEADER}, _has_supervision, series="督",
        ref=_latest_event_id("supervise")),
    Doc("reply_opinion", "答复意见书", PETITIONER, {ADMIN, CLERK, HANDLER},
        lambda c: bool(c.reply_text) and c.status in ("replied", "closing", "closed", "archived"),
        series="复", responsible_only=True),
    Doc("close_approval", "办结审批表", OFFICE, {ADMIN, CLERK, LEADER, ARCHIVIST},
        lambda c: c.status in ("closing", "closed", "archived")),
    Doc("reception_record", "领导干部接待群众来访登记表", OFFICE, {ADMIN, CLERK, LEADER},
        lambda c: c.reception_id is not None and c.status != "voided"),
    Doc("loan_form", "借阅审批单", OFFICE, {ADMIN, CLERK, LEADER, ARCHIVIST},
        lambda c: c.status == "archived"),
    Doc("volume_cover", "专卷封面", OFFICE, {ADMIN, CLERK, ARCHIVIST}, lambda c: c.status == "archived"),
    Doc("volume_catalogue", "卷内目录", OFFICE, {ADMIN, CLERK, ARCHIVIST}, lambda c: c.status == "archived"),
)
DOCS = {d.kind: d for d in _ALL}

# Every document's context has exactly these keys (the sample too: tests check both).
KEYS = (
    "office_name", "title", "doc_number", "print_date", "printed_by",
    "case_number", "query_code", "received_on", "channel", "purpose", "category", "summary", "demands",
    "incident_place", "people_count", "is_collective", "status",
    "addressee", "addressee_address", "petitioner_names", "parties", "accused_names",
    "department", "assists", "handler", "accepted_on", "notice_on",
    "reason", "legal_basis", "channel_advice", "forward_to", "forward_doc_no",
    "assigned_on", "handle_due", "assign_note", "supervise_method", "supervise_note", "supervise_date",
    "supervise_count", "extension_days", "extension_reason", "base_due", "new_due",
    "reply_text", "replied_on", "reply_method", "review_right", "review_deadline", "review_body",
    "handling_report", "checklist", "close_requested_on", "approver", "closed_on", "approval_note",
    "reception_day", "reception_place", "leader", "leader_instruction",
    "loan_borrower", "loan_unit", "loan_purpose", "loan_requested_on", "loan_approver", "loan_due_back",
    "loan_status", "archive_number", "retention", "filed_on", "page_count", "location", "volume_type",
    "catalogue",
)
# What a document handed to the petitioner may carry: no staff names, internal notes or numbers.
PETITIONER_KEYS = frozenset((
    "office_name", "title", "doc_number", "print_date", "case_number", "query_code", "received_on",
    "channel", "purpose", "category", "summary", "demands", "incident_place", "people_count",
    "addressee", "addressee_address", "petitioner_names", "department", "accepted_on", "notice_on",
    "reason", "legal_basis", "channel_advice", "handle_due", "extension_days", "extension_reason",
    "base_due", "new_due", "reply_text", "replied_on", "reply_method", "review_right", "review_deadline",
    "review_body",
))
LIST_KEYS = ("parties", "checklist", "catalogue")

LEGAL_BASIS = "《信访工作条例》"
MSG_NOT_FIT = "该文书与信访事项当前状态不符，不能打印"


def _d(value):
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


# ---- which documents ----------------------------------------------------------------------------

def may_print(session, user, case, kind, in_reach=None):
    doc = DOCS.get(kind)
    return doc is not None and access.may_print_document(
        session, user, case, doc.roles, doc.audience == PETITIONER, doc.responsible_only, in_reach)


def available(session, user, case):
    """[(kind, button text)]: the documents that fit the case now and this user may print."""
    fitting = [d for d in _ALL if d.applies(case)]
    if not fitting or not access.can_see_case(session, user, case):
        return []
    return [(d.kind, "打印" + d.title) for d in fitting if may_print(session, user, case, d.kind, in_reach=True)]


def check(session, user, case, kind):
    """Raises ServiceError unless `user` may print document `kind` of `case` now."""
    doc = DOCS.get(kind)
    if doc is None or not may_print(session, user, case, kind):
        raise ServiceError("您无权打印该文书")
    if not doc.applies(case):
        raise ServiceError(MSG_NOT_FIT)
    return doc


# ---- 文号 -------------------------------------------------------------------------------------------

def format_number(fmt, series, year, seq):
    return fmt.replace("{类}", series).replace("{年}", str(year)).replace("{号}", str(seq))


def number_for(session, user, case, doc):
    """The 文号 of this document of this case: the one given before (a reprint), or the next of its
    series and year. Two prints at once: the unique constraints make one of them retry."""
    if not doc.series:
        return None, False
    ref = doc.ref(session, case) if doc.ref else 0
    year = office_today().year
    fmt = settings.get(session, "doc_number_format")
    for _attempt in range(20):
        row = session.execute(select(DocumentNumber).where(
            DocumentNumber.case_id == case.id, DocumentNumber.kind == doc.kind,
            DocumentNumber.ref_id == ref)).scalar_one_or_none()
        if row is not None:
            return row, True
        seq = (session.execute(select(func.max(DocumentNumber.seq)).where(
            DocumentNumber.series == doc.series, DocumentNumber.year == year)).scalar() or 0) + 1
        try:
            with session.begin_nested():
                row = DocumentNumber(case_id=case.id, kind=doc.kind, ref_id=ref, series=doc.series, year=year,
                                     seq=seq, number=format_number(fmt, doc.series, year, seq),
                                     printed_by_id=user.id)
                session.add(row)
            return row, False
        except IntegrityError:  # another print took this number (or this document) first
            continue
    raise ServiceError("文号分配繁忙，请稍后再试")


def record_print(session, user, case, doc, number, reprint):
    """The print on the case's timeline: which document, its 文号, by whom (the event's actor)."""
    note = ("重印" if reprint else "打印") + doc.title + (f"（{number.number}）" if number is not None else "")
    session.add(CaseEvent(case_id=case.id, actor_id=user.id, action="document", from_status=case.status,
                          to_status=case.status, note=note, data={"kind": doc.kind,
                                                                  "number": number.number if number else ""}))


# ---- what a document carries --------------------------------------------------------------------

def _recipient_may_know(case, doc):
    """May the body a document is sent to know an accuser? Only the discipline department the
    accusation is assigned to; a 转送 goes outside the office's tree: never."""
    if case.purpose != "accusation":
        return True
    if doc.kind == "forward_letter" or case.department is None:
        return False
    return case.department.kind == "discipline"


def _parties(session, user, case, doc):
    identity = access.may_see_identity(session, user, case)
    if doc.audience == DEPARTMENT and not _recipient_may_know(case, doc):
        identity = False
    out = []
    for link in case.parties:
        p = link.data
        if identity:
            shown = access.party_view(session, user, case, p)
        else:
            shown = {"name": access.MASKED_NAME, "id_number": "", "phone": "", "address": ""}
        out.append({"role": PARTY_ROLES.get(link.role, link.role), "role_code": link.role,
                    "name": shown["name"] or "", "sex": label(SEXES, p.sex) if identity else "",
                    "id_number": shown["id_number"] or "", "phone": shown["phone"] or "",
                    "address": shown["address"] or ""})
    return out


def _channel_advice(case):
    if case.category == "涉法涉诉":
        return "请依照有关法律、行政法规规定，通过诉讼、仲裁、行政复议等法定途径向有关机关提出。"
    return "请向依法有权处理的机关、单位提出，或依照有关法律、行政法规规定的程序办理。"


def _review(session, case, dept):
    """(right, deadline, body) of the reply: 复查 after a first reply, 复核 after a 复查, none after."""
    if not case.replied_on:
        return "", "", ""
    if case.review_level >= 2:
        return ("本复核意见为最终意见。信访人对复核意见仍不服，以同一事实和理由提出信访的，信访工作机构和其他行政机关不再受理。",
                "", "")
    end = deadlines.review_window_end(session, case.replied_on)
    if case.review_level == 1:
        body = f"{dept or '复查机关、单位'}的上一级机关、单位"
        return (f"信访人对本复查意见不服的，可以自收到本意见书之日起30日内向{body}请求复核。", _d(end), body)
    body = f"{dept or '原办理机关、单位'}的上一级机关、单位"
    return (f"信访人对本答复意见不服的，可以自收到本意见书之日起30日内向{body}请求复查。", _d(end), body)


def _latest(case, action):
    for e in reversed(case.events):
        if e.action == action:
            return e
    return None


def _loan(session, case):
    return session.execute(select(ArchiveLoan).join(ArchiveRecord, ArchiveLoan.record_id == ArchiveRecord.id)
                           .where(ArchiveRecord.case_id == case.id).order_by(ArchiveLoan.id.desc())).scalars().first()


def context(session, user, case, doc, number=None):
    """The values of one document for this user (every key of KEYS)."""
    from services.workflow.closing import close_checklist
    dept = case.department.name if case.department else ""
    parties = _parties(session, user, case, doc)
    petitioners = [p for p in parties if p["role_code"] in ("petitioner", "representative")]
    reps = [p for p in petitioners if p["role_code"] == "representative"]
    addressee = (reps or petitioners or [{"name": "", "address": ""}])[0]
    names = []
    for p in petitioners:
        if p["role_code"] == "petitioner" and p["name"] not in names:
            names.append(p["name"])
    assign = _latest(case, "assign")
    supervise = _latest(case, "supervise")
    close = _latest(case, "close_approve")
    right, review_deadline, review_body = _review(session, case, dept)
    missing = close_checklist(case, session=session)
    checks = [("答复意见", "未记录答复意见"), ("答复方式与日期", "未记录答复方式"),
              ("送达回证或拒签说明", "未记录信访人签收送达回证或拒签说明"), ("办结报告", "未填写办结报告")]
    reception = session.get(ReceptionSchedule, case.reception_id) if case.reception_id else None
    leader = case.leader or (reception.leader if reception else None)
    loan = _loan(session, case) if case.status == "archived" else None
    record = session.execute(select(ArchiveRecord).where(ArchiveRecord.case_id == case.id)).scalar_one_or_none()
    values = {
        "office_name": settings.office_name(session), "title": doc.title,
        "doc_number": number.number if number is not None else (case.forward_doc_no or "" if doc.kind == "forward_letter" else ""),
        "print_date": _d(office_today()), "printed_by": user.full_name or user.username,
        "case_number": case.number, "query_code": case.query_code, "received_on": _d(case.received_on),
        "channel": CHANNELS.get(case.channel, case.channel), "purpose": PURPOSES.get(case.purpose, case.purpose),
        "category": case.category, "summary": case.summary or "", "demands": case.demands or "",
        "incident_place": case.incident_place or "", "people_count": str(case.people_count or ""),
        "is_collective": "是" if case.is_collective else "否", "status": STATUSES.get(case.status, case.status),
        "addressee": addressee["name"], "addressee_address": addressee["address"],
        "petitioner_names": "、".join(names), "parties": parties,
        "accused_names": "、".join(p["name"] for p in parties if p["role_code"] == "accused"),
        "department": dept, "assists": "、".join(a.department.name for a in case.assists),
        "handler": case.handler.full_name if case.handler else "",
        "accepted_on": _d(case.accepted_on), "notice_on": _d(case.accept_notice_on),
        "reason": case.decision_note or "", "legal_basis": LEGAL_BASIS, "channel_advice": _channel_advice(case),
        "forward_to": case.forward_to or "", "forward_doc_no": case.forward_doc_no or "",
        "assigned_on": _d(case.assigned_on), "handle_due": _d(case.handle_due),
        "assign_note": assign.note if assign else "",
        "supervise_method": label(SUPERVISE_METHODS, (supervise.data or {}).get("method")) if supervise else "",
        "supervise_note": supervise.note if supervise else "",
        "supervise_date": _d(local(supervise.at).date()) if supervise else "",
        "supervise_count": str(sum(1 for e in case.events if e.action == "supervise")),
        "extension_days": str(case.extension_days or ""), "extension_reason": case.extension_reason or "",
        "base_due": _d(case.handle_base_due), "new_due": _d(case.handle_due) if case.extension_state == "approved" else "",
        "reply_text": case.reply_text or "", "replied_on": _d(case.replied_on),
        "reply_method": label(REPLY_METHODS, case.reply_method),
        "review_right": right, "review_deadline": review_deadline, "review_body": review_body,
        "handling_report": case.handling_report or "",
        "checklist": [{"item": item, "done": "否" if msg in missing else "是"} for item, msg in checks],
        "close_requested_on": _d(case.close_requested_on),
        "approver": case.close_approved_by.full_name if case.close_approved_by else "",
        "closed_on": _d(case.closed_on), "approval_note": close.note if close else "",
        "reception_day": _d(reception.day) if reception else "", "reception_place": reception.place if reception else "",
        "leader": leader.full_name if leader else "", "leader_instruction": case.leader_instruction or "",
        "loan_borrower": (loan.borrower_name or (loan.borrower.full_name if loan.borrower else "")) if loan else "",
        "loan_unit": (loan.borrower_unit or "") if loan else "", "loan_purpose": loan.purpose if loan else "",
        "loan_requested_on": _d(local(loan.requested_at).date()) if loan else "",
        "loan_approver": loan.approved_by.full_name if loan and loan.approved_by else "",
        "loan_due_back": _d(loan.due_back) if loan else "", "loan_status": label(LOAN_STATUSES, loan.status) if loan else "",
        "archive_number": record.archive_number if record else "",
        "retention": label(RETENTION_PERIODS, record.retention) if record else "",
        "filed_on": _d(record.filed_on) if record else "", "page_count": str(record.page_count) if record else "",
        "location": record.location if record else "",
        "volume_type": label(VOLUME_TYPES, record.volume_type) if record else "",
        "catalogue": [{"no": str(i), "title": line.strip()} for i, line in
                      enumerate((ln for ln in (record.catalogue if record else "").splitlines() if ln.strip()), 1)],
    }
    if doc.audience == PETITIONER:
        values = {k: (v if k in PETITIONER_KEYS else ([] if k in LIST_KEYS else "")) for k, v in values.items()}
    if case.review_level:
        values["title"] = doc.title.replace("答复意见书", REVIEW_LEVELS[case.review_level] + "意见书")
    return values


SAMPLE = {
    "office_name": "示范县信访局", "title": "", "doc_number": "示信告〔2026〕1号", "print_date": "2026年11月20日",
    "printed_by": "示例登记员", "case_number": "2026-000001", "query_code": "ABC234", "received_on": "2026年11月2日",
    "channel": "来信", "purpose": "申诉求决类", "category": "城乡建设", "summary": "反映小区道路长期积水。\n请求尽快维修。",
    "demands": "维修道路", "incident_place": "城关镇示例小区", "people_count": "1", "is_collective": "否",
    "status": "已受理", "addressee": "张示例", "addressee_address": "示范县城关镇示例路1号", "petitioner_names": "张示例",
    "parties": [{"role": "信访人", "role_code": "petitioner", "name": "张示例", "sex": "男",
                 "id_number": "110101199003071234", "phone": "13800000000", "address": "示范县城关镇示例路1号"}],
    "accused_names": "", "department": "县住建局", "assists": "", "handler": "示例承办人",
    "accepted_on": "2026年11月3日", "notice_on": "2026年11月3日", "reason": "示例理由", "legal_basis": LEGAL_BASIS,
    "channel_advice": "请向依法有权处理的机关、单位提出。", "forward_to": "市示例局", "forward_doc_no": "示信转〔2026〕1号",
    "assigned_on": "2026年11月4日", "handle_due": "2026年12月31日", "assign_note": "请依法办理",
    "supervise_method": "发函", "supervise_note": "请加快办理", "supervise_date": "2026年11月20日", "supervise_count": "1",
    "extension_days": "30", "extension_reason": "需现场勘查", "base_due": "2026年12月31日", "new_due": "2027年1月30日",
    "reply_text": "经调查核实，已安排维修。", "replied_on": "2026年11月18日", "reply_method": "邮寄",
    "review_right": "信访人对本答复意见不服的，可以自收到本意见书之日起30日内请求复查。",
    "review_deadline": "2026年12月18日", "review_body": "县住建局的上一级机关、单位",
    "handling_report": "已维修完毕。", "checklist": [{"item": "答复意见", "done": "是"}],
    "close_requested_on": "2026年11月19日", "approver": "示例领导", "closed_on": "2026年11月20日", "approval_note": "同意",
    "reception_day": "2026年11月5日", "reception_place": "县信访局接待室", "leader": "示例领导",
    "leader_instruction": "请住建局限期解决", "loan_borrower": "示例借阅人", "loan_unit": "县住建局",
    "loan_purpose": "工作查考", "loan_requested_on": "2026年11月20日", "loan_approver": "示例领导",
    "loan_due_back": "2026年11月30日", "loan_status": "已借出", "archive_number": "XF·2026-Y-0001",
    "retention": "10年", "filed_on": "2026年11月20日", "page_count": "12", "location": "一号柜",
    "volume_type": "专卷", "catalogue": [{"no": "1", "title": "来信原件"}, {"no": "2", "title": "答复意见书"}],
}


# ---- templates and rendering ----------------------------------------------------------------------

def default_bytes(kind):
    with open(os.path.join(DEFAULT_DIR, f"{kind}.docx"), "rb") as f:
        return f.read()


def template_bytes(session, kind):
    """(bytes, uploaded row or None): the office's uploaded template, else the shipped default."""
    row = session.get(DocumentTemplate, kind)
    return (row.content, row) if row is not None else (default_bytes(kind), None)


def _env():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


class RenderError(ServiceError):
    pass


def render_bytes(content, values):
    """The filled .docx; RenderError with a Chinese message when the template cannot be filled."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError
    try:
        tpl = DocxTemplate(io.BytesIO(content))
        tpl.render(values, jinja_env=_env(), autoescape=True)
        out = io.BytesIO()
        tpl.save(out)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise RenderError(f"文件不是有效的 Word（.docx）文档：{exc}") from exc
    except TemplateError as exc:
        raise RenderError(f"模板中的填充标记有误：{_jinja_message(exc)}") from exc
    except Exception as exc:  # noqa: BLE001 - lxml/docx errors of a damaged file: refused, not a 500
        raise RenderError(f"模板无法生成文书：{type(exc).__name__}：{exc}") from exc
    return out.getvalue()


def _jinja_message(exc):
    from jinja2 import TemplateSyntaxError
    text = str(exc)
    if isinstance(exc, TemplateSyntaxError):
        return f"标记语法错误（{text}），请检查 {{{{ }}}} 与 {{% %}} 是否成对、完整"
    if "is undefined" in text:
        name = text.replace(" is undefined", "").strip("'\"")
        return f"模板使用了不存在的字段“{name}”（可用字段见本页下方）"
    return text


def render(session, user, case, kind):
    """Check, give the 文号 (or reuse it), record the print, fill the template: (file name, bytes).
    Runs in the caller's write transaction."""
    doc = check(session, user, case, kind)
    number, reprint = number_for(session, user, case, doc)
    content, _row = template_bytes(session, kind)
    data = render_bytes(content, context(session, user, case, doc, number))
    record_print(session, user, case, doc, number, reprint)
    return f"{doc.title}_{case.number}.docx", data


def check_template(kind, content):
    """A template uploaded for `kind`: rendered with the sample case; raises RenderError."""
    if kind not in DOCS:
        raise ServiceError("没有这种文书")
    if not content:
        raise RenderError("请选择要上传的 Word（.docx）模板文件")
    if len(content) > MAX_TEMPLATE_BYTES:
        raise RenderError("模板文件不能超过5MB")
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise RenderError("文件不是有效的 Word（.docx）文档")
    render_bytes(content, dict(SAMPLE, title=DOCS[kind].title))


def upload_template(session, user, kind, filename, content):
    check_template(kind, content)
    from models.base import utcnow
    row = session.get(DocumentTemplate, kind)
    if row is None:
        row = DocumentTemplate(kind=kind)
        session.add(row)
    row.filename = (filename or f"{kind}.docx")[:255]
    row.content = content
    row.uploaded_by_id = user.id
    row.uploaded_at = utcnow()


def restore_default(session, kind):
    if kind not in DOCS:
        raise ServiceError("没有这种文书")
    row = session.get(DocumentTemplate, kind)
    if row is not None:
        session.delete(row)


def template_rows(session):
    uploaded = {r.kind: r for r in session.execute(select(DocumentTemplate)).scalars()}
    return [(d, uploaded.get(d.kind)) for d in _ALL]
