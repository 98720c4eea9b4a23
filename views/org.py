from flask import flash, request
from flask_admin.actions import action
from flask_login import current_user, login_user
from wtforms import PasswordField, SelectField
from wtforms.validators import InputRequired, ValidationError

from models import AuditLog, Department, User, db
from services import ServiceError, audit, auth, departments
from services.clock import fmt_dt
from services.inputs import parse_ids
from models.enums import DEPT_KINDS, ROLES
from views.base import SecureModelView
from views.saving import saving
from views.trace import ChangeRowsMixin


class DepartmentView(ChangeRowsMixin, SecureModelView):
    screen = "department"
    change_model = "department"
    can_delete = False
    column_list = ("name", "aliases", "kind", "parent", "sort_order", "phone", "active")
    column_labels = {"name": "名称", "code": "代码", "kind": "类型", "parent": "上级单位",
                     "sort_order": "排序", "phone": "电话", "active": "启用", "aliases": "简称"}
    column_choices = {"kind": list(DEPT_KINDS.items())}
    form_columns = ("name", "aliases", "code", "kind", "parent", "sort_order", "phone", "active")
    form_overrides = {"kind": SelectField}
    form_args = {"kind": {"choices": list(DEPT_KINDS.items()), "label": "类型"},
                 "aliases": {"label": "简称", "description": (
                     "登记时常写的简称、别称，用空格、顿号或逗号分隔，如：住建局、县住建局、住房和城乡建设局。"
                     "登记、接待登记和Excel导入中写成这些名称的被反映单位会自动关联到本单位，"
                     "检举控告不会交给本单位及其上下级单位办理，本单位人员也看不到。"
                     "同一简称只能属于一个单位。")}}

    def on_model_change(self, form, model, is_created):
        model.aliases = " ".join(departments.split_aliases(model.aliases))
        message = departments.check_aliases(db.session, model)
        if message:
            raise ValidationError(message)  # Flask-Admin shows it and rolls back


class UserView(ChangeRowsMixin, SecureModelView):
    """Users: admin only (VIEW_RIGHTS["user"]). The password hash is never shown or exported."""
    screen = "user"
    change_model = "user"
    can_delete = False  # deactivate instead: history keeps the user
    column_list = ("username", "full_name", "role", "department", "position", "rank_order", "active",
                   "locked_until")
    column_details_list = ("username", "full_name", "role", "department", "position", "rank_order",
                           "portfolio", "phone", "active", "must_change_password", "failed_logins",
                           "locked_until", "last_login_at", "created_at")
    column_labels = {"username": "用户名", "full_name": "姓名", "role": "角色", "department": "所属单位",
                     "position": "职务", "rank_order": "排序（越小越靠前）", "active": "启用",
                     "locked_until": "锁定至", "portfolio": "分管工作", "phone": "电话",
                     "new_password": "新密码", "failed_logins": "连续密码错误次数",
                     "last_login_at": "最近登录", "created_at": "创建时间",
                     "must_change_password": "须修改临时密码"}
    column_choices = {"role": list(ROLES.items())}
    column_searchable_list = ("username", "full_name")
    column_exclude_list = ("password_hash",)
    form_excluded_columns = ("password_hash",)
    form_columns = ("username", "full_name", "role", "department", "position", "rank_order",
                    "portfolio", "phone", "active", "new_password")
    form_overrides = {"role": SelectField}
    # No role until the admin chooses one: a default would hand out rights by accident.
    form_args = {"role": {"choices": [("", "请选择")] + list(ROLES.items()), "label": "角色", "default": "",
                          "validators": [InputRequired("请选择角色")]}}
    # The password rules (length, required on create) are services/auth.save_user's.
    form_extra_fields = {"new_password": PasswordField("新密码（临时密码，用户登录后须自行修改；不修改请留空）")}

    def on_model_change(self, form, model, is_created):
        try:
            auth.save_user(db.session, current_user, model, form.new_password.data, is_created,
                           ip=request.remote_addr)
        except ServiceError as exc:
            raise ValidationError(exc.message) from None  # Flask-Admin shows it and rolls back
        if model.id == current_user.id:
            login_user(model)  # the admin's own sessions elsewhere end, this one goes on

    @action("unlock", "解除锁定", "确定解除所选用户的登录锁定吗？")
    def action_unlock(self, ids):
        with saving(flash_errors=True) as result:
            for user in self.get_query().filter(User.id.in_([i for i in parse_ids(ids) if i is not None])):
                auth.unlock(db.session, current_user, user, ip=request.remote_addr)
        if result.ok:
            flash("已解除所选用户的登录锁定。", "success")

    action_moves = {"unlock": "manage_users"}


class AuditView(SecureModelView):
    screen = "audit"
    can_create = can_edit = can_delete = False
    column_list = ("at", "username", "action", "detail", "row_count", "ip")
    column_labels = {"at": "时间", "username": "用户", "action": "操作", "detail": "内容",
                     "row_count": "行数", "ip": "IP"}
    column_default_sort = ("at", True)
    column_filters = ("action", "username", "at")
    column_choices = {"action": list(audit.ACTIONS.items())}
    column_formatters = {"at": lambda v, c, m, n: fmt_dt(m.at)}


def register(admin):
    from views.accused import UnlinkedAccusedView

    admin.add_view(DepartmentView(Department, name="单位", endpoint="department", category="系统管理"))
    admin.add_view(UnlinkedAccusedView(name="未关联的被反映单位", endpoint="accused_link", category="系统管理"))
    admin.add_view(UserView(User, name="用户", endpoint="user", category="系统管理"))
    admin.add_view(AuditView(AuditLog, name="审计日志", endpoint="audit", category="系统管理"))
