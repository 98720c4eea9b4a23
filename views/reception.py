from models import ReceptionSchedule
from models.enums import RECEPTION_SLOTS, RECEPTION_STATUSES
from views.base import SecureModelView


class ReceptionView(SecureModelView):
    screen = "reception"
    can_delete = False
    column_list = ("day", "slot", "place", "leader", "portfolio", "standin", "status")
    column_labels = {"day": "接待日期", "slot": "时段", "place": "接待地点", "leader": "接待领导",
                     "portfolio": "分管工作", "standin": "替补领导", "status": "状态",
                     "published": "已公示", "summary": "接待小结", "note": "备注"}
    column_choices = {"slot": list(RECEPTION_SLOTS.items()), "status": list(RECEPTION_STATUSES.items())}
    column_default_sort = ("day", True)
    form_columns = ("day", "slot", "place", "leader", "portfolio", "standin", "note")


def register(admin):
    admin.add_view(ReceptionView(ReceptionSchedule, name="领导接待日", endpoint="reception",
                                 category="领导工作"))
