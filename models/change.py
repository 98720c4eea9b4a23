from sqlalchemy import Index

from models import db
from models.base import utcnow


class ChangeLog(db.Model):
    """One changed field of a Party, User, Department, Setting or Holiday row (who, when, old -> new),
    written by services/changes.py on every flush. A create or delete is one row with field
    "__create__" / "__delete__"."""
    __tablename__ = "change_log"
    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime, nullable=False, default=utcnow)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    username = db.Column(db.String(50))  # "系统" for changes made outside a request (CLI, demo)
    model = db.Column(db.String(20), nullable=False)
    record_id = db.Column(db.String(50), nullable=False)
    record_label = db.Column(db.String(200), nullable=False, default="")
    field = db.Column(db.String(50), nullable=False)
    old = db.Column(db.Text)
    new = db.Column(db.Text)

    user = db.relationship("User")


Index("ix_change_log_record", ChangeLog.model, ChangeLog.record_id, ChangeLog.at)
Index("ix_change_log_at", ChangeLog.at)
