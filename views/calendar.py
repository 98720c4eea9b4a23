"""Holiday calendar and office clock settings (admin)."""
from wtforms import SelectField

from models import Holiday
from models.enums import HOLIDAY_KINDS
from views.base import SecureModelView


class HolidayView(SecureModelView):
    screen = "holiday"
    column_list = ("day", "kind", "name")
    column_labels = {"day": "日期", "kind": "类型", "name": "名称"}
    column_choices = {"kind": list(HOLIDAY_KINDS.items())}
    column_default_sort = ("day", True)
    form_overrides = {"kind": SelectField}
    form_args = {"kind": {"choices": list(HOLIDAY_KINDS.items()), "label": "类型"}}


def register(admin):
    admin.add_view(HolidayView(Holiday, name="节假日", endpoint="holiday", category="系统管理"))
