from wtforms import PasswordField, SelectField
from wtforms.validators import Optional

from models import AuditLog, Department, User
from models.enums import DEPT_KINDS, ROLES
from views.base import SecureModelView


class DepartmentView(SecureModelView):
    screen = "department"
    can_delete = False
    column_list = ("name", "kind", "parent", "sort_order", "phone", "active")
    column_labels = {"name": "名称", "code": "代码", "kind": "类型", "parent": "上级单位",
                     "sort_order": "排序", "phone": "电话", "active": "启用"}
    column_choices = {"kind": list(DEPT_KINDS.items())}
    form_columns = ("name", "code", "kind", "parent", "sort_order", "phone", "active")
    form_overrides = {"kind": SelectField}
    form_args = {"kind": {"choices": list(DEPT_KINDS.items()), "label": "类型"}}


class UserView(SecureModelView):
    screen = "user"
    can_delete = False
    column_list = ("username", "full_name", "role", "department", "position", "rank_order", "active",
                   "locked_until")
    column_labels = {"username": "用户名", "full_name": "姓名", "role": "角色", "department": "所属单位",
                     "position": "职务", "rank_order": "排序（越小越靠前）", "active": "启用",
                     "locked_until": "锁定至", "portfolio": "分管工作", "phone": "电话",
                     "new_password": "新密码"}
    column_choices = {"role": list(ROLES.items())}
    column_searchable_list = ("username", "full_name")
    form_columns = ("username", "full_name", "role", "department", "position", "rank_order",
                    "portfolio", "phone", "active")
    form_overrides = {"role": SelectField}
    form_args = {"role": {"choices": list(ROLES.items()), "label": "角色"}}
    form_extra_fields = {"new_password": PasswordField("新密码（不修改请留空）", validators=[Optional()])}

    def on_model_change(self, form, model, is_created):
        if form.new_password.data:
            model.set_password(form.new_password.data)
        elif is_created:
            from wtforms.validators import ValidationError
            raise ValidationError("新建用户必须设置密码。")


class AuditView(SecureModelView):
    screen = "audit"
    can_create = can_edit = can_delete = False
    column_list = ("at", "username", "action", "detail", "row_count", "ip")
    column_labels = {"at": "时间", "username": "用户", "action": "操作", "detail": "内容",
                     "row_count": "行数", "ip": "IP"}
    column_default_sort = ("at", True)
    column_filters = ("action", "username")


def register(admin):
    admin.add_view(DepartmentView(Department, name="单位", endpoint="department", category="系统管理"))
    admin.add_view(UserView(User, name="用户", endpoint="user", category="系统管理"))
    admin.add_view(AuditView(AuditLog, name="审计日志", endpoint="audit", category="系统管理"))
