from models import PackageAssignment
from models.enums import PACKAGE_OUTCOMES, PACKAGE_STATUSES
from views.base import SecureModelView


class PackageView(SecureModelView):
    screen = "package"
    can_delete = False
    can_edit = False
    column_list = ("title", "leader", "department", "responsible_person", "deadline", "status", "outcome")
    column_labels = {"title": "包案事项", "leader": "包案领导", "department": "责任单位",
                     "responsible_person": "责任人", "deadline": "化解期限", "status": "状态",
                     "outcome": "化解结果", "plan": "化解方案", "cases": "信访事项"}
    column_choices = {"status": list(PACKAGE_STATUSES.items()), "outcome": list(PACKAGE_OUTCOMES.items())}
    form_columns = ("title", "leader", "department", "responsible_person", "deadline", "plan")


def register(admin):
    admin.add_view(PackageView(PackageAssignment, name="包案", endpoint="package", category="领导工作"))
