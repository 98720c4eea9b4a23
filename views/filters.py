"""Jinja helpers shared by templates (display only; no access decisions here)."""
from models import db
from models import enums
from services import clock, settings


# Flask-Admin messages its Chinese translation leaves in English (2.x): shown in Chinese instead.
ZH_MESSAGES = {
    "Failed to create record.": "未保存：请更正标红的内容后再提交。",
    "Failed to save record.": "未保存：请更正标红的内容后再提交。",
}


def zh_message(text):
    return ZH_MESSAGES.get(str(text).strip(), text)


def register_template_helpers(app):
    app.jinja_env.globals.update(
        office_name=lambda: settings.office_name(db.session),
        enums=enums,
        label=enums.label,
    )
    app.jinja_env.filters["dt"] = clock.fmt_dt
    app.jinja_env.filters["d"] = clock.fmt_date
    app.jinja_env.filters["zh_message"] = zh_message
