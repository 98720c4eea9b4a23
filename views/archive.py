from models import ArchiveRecord
from models.enums import RETENTION_PERIODS, VOLUME_TYPES
from views.base import SecureModelView


class ArchiveView(SecureModelView):
    screen = "archive"
    can_delete = False
    can_create = False
    column_list = ("archive_number", "case", "volume_type", "retention", "location", "page_count", "filed_on")
    column_labels = {"archive_number": "档号", "case": "信访事项", "volume_type": "案卷类型",
                     "retention": "保管期限", "location": "存放位置", "page_count": "页数",
                     "filed_on": "归档日期", "catalogue": "卷内目录"}
    column_choices = {"volume_type": list(VOLUME_TYPES.items()), "retention": list(RETENTION_PERIODS.items())}
    column_searchable_list = ("archive_number",)
    form_columns = ("location", "page_count", "catalogue")
    list_template = "archive/list.html"


def register(admin):
    admin.add_view(ArchiveView(ArchiveRecord, name="档案", endpoint="archive", category="档案管理"))
