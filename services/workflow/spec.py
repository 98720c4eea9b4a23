"""Every move of a case, one entry each: who may make it, from which status, with what input,
what it checks and what it changes.

A `Move` says:
- name, label (the button and the messages: “您的角色（…）无权{label}”, “当前状态为…，不能{label}”);
- roles: the roles that may make it (services/access.py reads them: the spec declares, access
  decides reach and the rest);
- statuses: the statuses it is made from;
- responsible_only: a handler makes it only on cases of their own responsible department
  (assisting departments see, but do not act);
- guards: preconditions on the case that do not depend on the input, checked in order after the
  status; each raises ServiceError with the message the user reads;
- validate(session, actor, case, data) -> cleaned dict (services.inputs.Fields; ValidationFailed
  with a message per field, or ServiceError); it changes nothing;
- apply(session, actor, case, cleaned) -> CaseEvent: changes the case and adds its event, in the
  caller's transaction;
- fields: the form (views/moves.py builds it from these): name, label, kind, choices,
  description, required (shown as " *"), default(session, case) for a one-case form;
- waiting(session, user): an SQL clause on Case when more than the status says the case waits for
  this user (services/todo.py counts the move's 待办 with it);
- submit, case_label, bulk: the form's button text, a label that depends on the case, and whether
  the case list offers it for several cases at once.

Adding a move: one entry in MOVES below; its guards, validator and applier in the phase module
where it belongs (intake, routing, handling, hearing, closing); its tests in tests/services/test_workflow.py
(the move from every status, its messages, its event) and tests/views/test_moves.py (its form).
The access matrix, the case page's buttons and the 待办 counts follow the entry.
"""
from dataclasses import dataclass
from typing import Callable

from models.enums import (PETITIONER_RESPONSES, RECEIPT_STATUSES, REPLY_METHODS, RETENTION_PERIODS,
                          REVIEW_OUTCOMES, SATISFACTION, STATUSES, SUPERVISE_METHODS)
from services import deadlines, matters
from services.access import ADMIN, ARCHIVIST, CLERK, HANDLER, LEADER
from services.clock import today as office_today
from services.workflow import closing, handling, hearing, intake, routing

DEPARTMENTS = "departments"  # choices filled in by the form: the active departments


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, textarea, date, number, select, multiselect, radio
    choices: object = ()  # (value, label) pairs, or DEPARTMENTS
    description: str = ""
    required: bool = False
    default: Callable = None  # (session, case) -> the value a one-case form starts with
    min: int = None
    max: int = None
    shown: Callable = None  # (session, user, case) -> whether a one-case form shows it (None: always)


@dataclass(frozen=True)
class Move:
    name: str
    label: str
    roles: frozenset
    statuses: tuple
    validate: Callable = None
    apply: Callable = None
    fields: tuple = ()
    guards: tuple = ()
    responsible_only: bool = False
    waiting: Callable = None
    submit: str = ""
    case_label: Callable = None
    bulk: bool = False

    def __post_init__(self):
        object.__setattr__(self, "roles", frozenset(self.roles))


LIVE = tuple(s for s in STATUSES if s not in ("archived", "voided"))


def _today(session, case):
    return office_today().isoformat()


def _notice_default(session, case):
    return "" if case.accept_notice_on else _today(session, case)


def _yes(session, case):
    return "1"


def _no(session, case):
    return "0"


def _is_review(session, user, case):
    return bool(case.review_level)


def _report(session, case):
    return case.handling_report or None


def _date(name, label, description="", required=False, default=_today):
    return Field(name, label, "date", description=description, required=required, default=default)


def _text(name, label, description="", required=False, kind="textarea", default=None):
    return Field(name, label, kind, description=description, required=required, default=default)


def _select(name, label, choices):
    return Field(name, label, "select", tuple(choices), required=True)


_NOTE = _text("note", "备注")
# 同一事项 or 新的事项: the clerk decides at intake, shown when the petitioner has earlier cases.
_MATTER = Field("matter", "是否同一事项", "radio", matters.choices, required=True,
                description="该信访人有在先信访事项（按内容相似度排列，附办理阶段）。经复核并已送达复核意见的同一事项只能不再受理",
                shown=matters.has_candidates)
_DECISION_FIELDS = (_MATTER, _text("reason", "理由", "将写入不予受理/不再受理告知书，告知信访人", required=True),
                    _date("notice_on", "告知日期"))


# The case page shows a case's buttons in this order.
_ALL = (
    # ---- intake ----
    Move("notice", "登记受理告知", {CLERK}, ("registered", "accepted", "assigned", "handling"),
         guards=(intake.not_noticed_yet,),
         validate=intake.validate_notice, apply=intake.apply_notice,
         fields=(_date("notice_on", "告知日期", "受理告知单送达（或告知）信访人的日期；登记后受理告知期限停止计算"),
                 _NOTE)),
    Move("accept", "受理", {CLERK}, ("registered",),
         validate=intake.validate_accept, apply=intake.apply_accept,
         fields=(_MATTER, _date("accepted_on", "受理日期"),
                 _date("notice_on", "受理告知日期", "同时登记受理告知的日期；暂未告知的请清空",
                       default=_notice_default),
                 _text("note", "受理意见"))),
    Move("decline", "不予受理", {CLERK}, ("registered",),
         validate=intake.decision_validator("decline"), apply=intake.decision("decline", "declined"),
         fields=_DECISION_FIELDS),
    Move("refuse_repeat", "不再受理", {CLERK}, ("registered", "accepted"),
         validate=intake.decision_validator("refuse_repeat"), apply=intake.decision("refuse_repeat", "refused_repeat"),
         fields=_DECISION_FIELDS),
    Move("forward", "转送", {CLERK}, ("registered", "accepted"),
         validate=intake.validate_forward, apply=intake.apply_forward,
         fields=(_MATTER, _text("forward_to", "接收机关", required=True, kind="text"),
                 _text("forward_doc_no", "转送文号", required=True, kind="text"),
                 _date("notice_on", "告知日期"), _NOTE)),
    # ---- routing ----
    Move("assign", "交办", {CLERK}, ("accepted",), bulk=True,
         validate=routing.validate_assign, apply=routing.apply_assign,
         fields=(Field("department_id", "责任单位", "select", DEPARTMENTS, required=True),
                 Field("assist_ids", "配合单位", "multiselect", DEPARTMENTS, "可多选（按住 Ctrl）"),
                 _date("due", "办理期限", "留空按法定期限；只能提前，不能晚于法定期限", default=routing.due_shown),
                 _text("note", "交办意见"))),
    Move("sign_for", "签收", {HANDLER}, ("assigned",), responsible_only=True,
         guards=(routing.no_conflict_of_interest,), waiting=routing.signable_without_interest,
         validate=routing.validate_sign_for, apply=routing.apply_sign_for,
         fields=(_NOTE,)),
    Move("return", "退回", {HANDLER}, ("assigned", "handling"), responsible_only=True,
         validate=routing.validate_return, apply=routing.apply_return,
         fields=(_text("reason", "退回理由", "说明不属于本单位职责的依据", required=True),)),
    Move("transfer", "改派", {CLERK}, ("assigned", "handling"), bulk=True,
         validate=routing.validate_transfer, apply=routing.apply_transfer,
         fields=(Field("department_id", "改派至", "select", DEPARTMENTS, required=True),
                 _text("reason", "改派理由", required=True),
                 _date("due", "办理期限", "留空按法定期限；只能提前，不能晚于法定期限", default=None))),
    Move("supervise", "督办", {CLERK, LEADER}, ("assigned", "handling"), bulk=True,
         validate=routing.validate_supervise, apply=routing.apply_supervise,
         fields=(_select("method", "督办方式", SUPERVISE_METHODS.items()),
                 _text("note", "督办意见", required=True))),
    # ---- handling ----
    Move("extend_request", "申请延期", {HANDLER}, ("handling",), responsible_only=True,
         guards=(handling.extension_open,),
         validate=handling.validate_extend_request, apply=handling.apply_extend_request,
         fields=(Field("days", "延期天数", "number", required=True, min=1, max=deadlines.MAX_EXTENSION_DAYS,
                       description=f"最多{deadlines.MAX_EXTENSION_DAYS}天，每个办理阶段限一次"),
                 _text("reason", "延期理由", "将告知信访人延期理由", required=True))),
    Move("extend_withdraw", "撤回延期申请", {HANDLER}, ("handling",), responsible_only=True,
         guards=(handling.extension_pending,),
         validate=handling.validate_extend_withdraw, apply=handling.apply_extend_withdraw,
         fields=(_text("note", "撤回说明"),)),
    Move("extend_decide", "审批延期", {LEADER}, ("handling",),
         waiting=handling.extension_waiting, submit="提交审批",
         guards=(handling.extension_pending,),
         validate=handling.validate_extend_decide, apply=handling.apply_extend_decide,
         fields=(Field("approve", "审批结果", "radio", (("1", "批准"), ("0", "不批准")), required=True),
                 _text("note", "审批意见"))),
    # ---- hearings (信访听证): the case's clock stops for an approved or held hearing ----
    Move("hearing_propose", "提议听证", {CLERK, HANDLER}, hearing.CASE_STATUSES, responsible_only=True,
         guards=(hearing.no_open_hearing,),
         validate=hearing.validate_propose, apply=hearing.apply_propose,
         fields=(_text("reason", "听证理由", "案情复杂、涉及面广等需要听证的理由；复查/复核信访人申请公开听证的，写明其申请",
                       required=True),
                 Field("petitioner_request", "信访人申请公开听证", "radio", hearing.YES_NO, default=_no,
                       description="复查/复核信访人提出公开听证申请的，选“是”", shown=hearing.is_review),
                 _date("start_on", "听证开始日期", required=True, default=None),
                 _date("end_on", "听证结束日期", "一天内结束的可不填；听证期间不计入办理期限", default=None),
                 _text("place", "听证地点", required=True, kind="text"),
                 _text("chair", "听证主持人", required=True, kind="text"),
                 _text("panel", "听证员", "每行一人"),
                 _text("participants", "参加人", "信访人、责任单位、第三人等，每行一人（单位）"),
                 Field("is_public", "是否公开听证", "radio", hearing.PUBLIC, required=True, default=_yes))),
    Move("hearing_decide", "审批听证", {LEADER}, hearing.CASE_STATUSES,
         waiting=hearing.waiting_approval, submit="提交审批",
         guards=(hearing.hearing_pending,),
         validate=hearing.validate_decide, apply=hearing.apply_decide,
         fields=(Field("approve", "审批结果", "radio", (("1", "批准"), ("0", "不批准")), required=True),
                 _text("note", "审批意见", "不批准的须写明理由"))),
    Move("hearing_record", "记录听证", {CLERK, HANDLER}, hearing.CASE_STATUSES, responsible_only=True,
         guards=(hearing.hearing_approved,),
         validate=hearing.validate_record, apply=hearing.apply_record,
         fields=(_date("start_on", "听证开始日期", "实际举行的日期", required=True, default=hearing.start_default),
                 _date("end_on", "听证结束日期", default=hearing.end_default),
                 _text("record", "听证笔录", "笔录扫描件可在信访事项页面以“听证笔录”类别上传"),
                 _text("conclusion", "听证意见", "将在答复时作为答复意见的参考文字", required=True))),
    Move("hearing_cancel", "撤销听证", {CLERK, HANDLER}, hearing.CASE_STATUSES, responsible_only=True,
         guards=(hearing.hearing_open,),
         validate=hearing.validate_cancel, apply=hearing.apply_cancel,
         fields=(_text("reason", "撤销理由", "已批准的听证撤销后，办理期限不再因其顺延", required=True),)),
    Move("reply", "答复", {HANDLER}, ("handling",), responsible_only=True,
         validate=handling.validate_reply, apply=handling.apply_reply,
         fields=(_text("reply_text", "答复意见", "已举行听证的，已填入听证意见供参考", required=True,
                       default=hearing.reply_default),
                 _date("replied_on", "答复日期", required=True),
                 _select("reply_method", "答复方式", REPLY_METHODS.items()),
                 _select("petitioner_response", "信访人意见", PETITIONER_RESPONSES.items()),
                 _select("receipt_status", "送达回证", RECEIPT_STATUSES.items()),
                 _text("receipt_note", "拒签说明", "信访人拒绝签收的，注明情况及见证人"),
                 Field("review_outcome", "复查/复核结论", "select", tuple(REVIEW_OUTCOMES.items()), required=True,
                       description="对原处理意见维持、撤销或变更", shown=_is_review),
                 _text("handling_report", "办结报告", default=_report))),
    Move("follow_up", "回访", {CLERK, HANDLER}, ("replied", "closing", "closed"), responsible_only=True,
         guards=(handling.follow_up_once,), validate=handling.validate_follow_up, apply=handling.apply_follow_up,
         fields=(_date("follow_up_on", "回访日期"), _select("satisfaction", "满意度", SATISFACTION.items()),
                 _text("note", "回访情况"))),
    # ---- closing ----
    Move("close_request", "申请结案", {CLERK}, ("replied",),
         validate=closing.validate_close_request, apply=closing.apply_close_request,
         fields=(_text("handling_report", "办结报告", required=True, default=_report), _NOTE)),
    Move("close_decide", "审批结案", {LEADER}, ("closing",), submit="提交审批",
         validate=closing.validate_close_decide, apply=closing.apply_close_decide,
         fields=(Field("approve", "审批结果", "radio", (("1", "同意结案"), ("0", "退回重办")), required=True),
                 _text("note", "审批意见", "退回重办须写明理由"))),
    # An archived original keeps its 复查/复核 right: the archive is a copy of the file, not the end of rights.
    Move("review_request", "申请复查/复核", {CLERK}, ("replied", "closed", "archived"), case_label=closing.review_label,
         guards=(closing.review_possible,),
         validate=closing.validate_review_request, apply=closing.apply_review_request,
         fields=(_date("requested_on", "申请日期"), _text("reason", "申请理由", required=True))),
    Move("instruction", "批示", {LEADER}, LIVE,
         validate=handling.validate_instruction, apply=handling.apply_instruction,
         fields=(_text("text", "批示内容", required=True),)),
    Move("archive", "归档", {ARCHIVIST}, ("closed",),
         validate=closing.validate_archive, apply=closing.apply_archive,
         fields=(_text("archive_number", "档号", "已按案卷类型和年度填入下一个未用的档号，可修改", required=True,
                       kind="text", default=closing.archive_number_default),
                 _select("retention", "保管期限", RETENTION_PERIODS.items()),
                 _text("location", "存放位置", required=True, kind="text"),
                 Field("page_count", "页数", "number", required=True, min=1),
                 _text("catalogue", "卷内目录", "每行一件材料"))),
    Move("void", "作废", {ADMIN}, LIVE,
         validate=closing.validate_void, apply=closing.apply_void,
         fields=(_text("reason", "作废理由", "作废后不删除任何记录", required=True),)),
)

MOVES = {m.name: m for m in _ALL}
