"""Code values stored in the database and their Chinese labels (the only place labels live)."""

ROLES = {
    "admin": "系统管理员",
    "clerk": "信访办登记员",
    "handler": "承办人",
    "leader": "领导",
    "archivist": "档案员",
}

DEPT_KINDS = {"office": "信访办", "discipline": "纪检监察", "unit": "责任单位"}

CHANNELS = {
    "letter": "来信",
    "visit": "来访",
    "phone": "来电",
    "online": "网上信访",
    "email": "电子邮件",
    "fax": "传真",
    "reception": "领导接待",
}
IN_PERSON_CHANNELS = ("visit", "reception")

SOURCES = {"own": "本级登记", "higher": "上级交办", "instruction": "领导批示"}

PURPOSES = {"suggestion": "建议意见类", "accusation": "检举控告类", "request": "申诉求决类"}

CATEGORIES = [
    "土地征收", "城乡建设", "劳动社保", "涉法涉诉", "教育", "卫生", "企业改制", "拆迁安置",
    "农村农业", "生态环境", "交通运输", "民政", "纪检监察", "其他",
]

STATUSES = {
    "registered": "待受理",
    "accepted": "已受理",
    "declined": "不予受理",
    "refused_repeat": "不再受理",
    "forwarded": "已转送",
    "assigned": "已交办",
    "handling": "办理中",
    "replied": "已答复",
    "closing": "待结案审批",
    "closed": "已办结",
    "archived": "已归档",
    "voided": "已作废",
}
FINAL_STATUSES = ("declined", "refused_repeat", "forwarded", "closed", "archived", "voided")
OPEN_CASE_STATUSES = tuple(s for s in STATUSES if s not in FINAL_STATUSES)

PARTY_ROLES = {"petitioner": "信访人", "representative": "代表人", "accused": "被反映人"}
PARTY_KINDS = {"person": "个人", "unit": "单位"}
SEXES = {"M": "男", "F": "女"}
# The 56 ethnic groups, in the order of GB/T 3304 (民族 is chosen from this list, or left blank).
ETHNIC_GROUPS = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族",
    "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族",
    "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族",
    "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族",
    "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族",
    "门巴族", "珞巴族", "基诺族")
ID_TYPES = {"resident": "居民身份证", "passport": "护照", "other": "其他证件"}

REVIEW_LEVELS = {0: "初次办理", 1: "复查", 2: "复核"}
# The conclusion of a 复查/复核 on the original opinion.
REVIEW_OUTCOMES = {"upheld": "维持", "revoked": "撤销", "changed": "变更"}

REPLY_METHODS = {"in_person": "当面", "mail": "邮寄", "phone": "电话", "online": "网上"}
PETITIONER_RESPONSES = {"agree": "同意", "disagree": "不同意", "none": "无明确意见"}
RECEIPT_STATUSES = {"signed": "已签收", "refused": "拒绝签收"}
SATISFACTION = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
SUPERVISE_METHODS = {"phone": "电话", "letter": "发函", "talk": "约谈", "onsite": "实地"}
EXTENSION_STATES = {"pending": "待审批", "approved": "已批准", "denied": "未批准", "withdrawn": "已撤回"}

DAY_MODES = {"calendar": "自然日", "working": "工作日"}

RECEPTION_SLOTS = {"am": "上午", "pm": "下午", "day": "全天"}
RECEPTION_STATUSES = {"planned": "计划", "received": "已接待", "swapped": "已调换", "cancelled": "取消"}

PACKAGE_STATUSES = {"proposed": "待领导确认", "active": "化解中", "finished": "已结束", "declined": "领导已退回"}
PACKAGE_OPEN = ("proposed", "active")  # a case sits in at most one open package
PACKAGE_OUTCOMES = {"resolved": "已化解", "stopped": "息诉罢访", "unresolved": "未化解"}

RISK_LEVELS = {"general": "一般", "serious": "较大", "major": "重大"}
SCREENING_STATUSES = {"screening": "排查中", "resolving": "化解中", "resolved": "已化解",
                      "converted": "已转信访事项", "reported": "已上报"}
SCREENING_OPEN = ("screening", "resolving", "reported")  # not yet resolved nor become a case

VOLUME_TYPES = {"special": "专卷", "ordinary": "普通"}
RETENTION_PERIODS = {"permanent": "永久", "30y": "30年", "10y": "10年"}
LOAN_STATUSES = {
    "requested": "待审批", "approved": "已借出", "denied": "未批准", "returned": "已归还",
}

HOLIDAY_KINDS = {"holiday": "法定节假日", "workday": "调休上班"}

ATTACHMENT_KINDS = {
    "letter": "来信原件", "reply": "答复意见书", "receipt": "送达回证", "evidence": "证据材料",
    "report": "办结报告", "hearing": "听证笔录", "other": "其他",
}

# 信访听证: 待审批 → 已批准 | 不批准; 已批准 → 已举行; 待审批/已批准 → 已撤销.
HEARING_STATUSES = {"pending": "待审批", "approved": "已批准", "denied": "不批准", "held": "已举行",
                    "cancelled": "已撤销"}
HEARING_OPEN = ("pending", "approved")  # a case has at most one open hearing
HEARING_ON_CLOCK = ("approved", "held")  # their days are kept off the handling clock


def label(mapping, value, default=""):
    if value is None:
        return default
    return mapping.get(value, str(value))

EVENT_ACTIONS = {
    "register": "登记", "notice": "受理告知", "accept": "受理", "decline": "不予受理",
    "refuse_repeat": "不再受理", "forward": "转送", "assign": "交办", "sign_for": "签收",
    "return": "退回", "transfer": "改派", "supervise": "督办", "extend_request": "申请延期",
    "extend_approve": "批准延期", "extend_deny": "不批准延期", "extend_withdraw": "撤回延期申请", "reply": "答复",
    "follow_up": "回访", "close_request": "申请结案", "close_approve": "批准结案",
    "close_reject": "退回重办", "review_request": "申请复查/复核", "instruction": "领导批示",
    "archive": "归档", "void": "作废", "attach": "上传附件", "import": "导入", "package": "包案",
    "recompute": "期限重算", "hearing_propose": "提议听证", "hearing_approve": "批准听证",
    "hearing_deny": "不批准听证", "hearing_record": "记录听证", "hearing_cancel": "撤销听证",
    "document": "打印文书",
}
