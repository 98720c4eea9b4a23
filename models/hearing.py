from models import db
from models.base import utcnow


class Hearing(db.Model):
    """信访听证 on one case. Created and moved only through the case's workflow moves
    (services/hearings.py); while approved or held its days are kept off the handling clock."""
    __tablename__ = "hearing"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case.id"), nullable=False, index=True)
    status = db.Column(db.String(20), nullable=False, default="pending", index=True)  # HEARING_STATUSES
    reason = db.Column(db.Text, nullable=False)
    # The petitioner of a 复查/复核 asked for a public hearing (the request is the reason).
    requested_by_petitioner = db.Column(db.Boolean, nullable=False, default=False)
    proposed_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    proposed_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    decided_at = db.Column(db.DateTime)
    opinion = db.Column(db.Text)  # the leader's 审批意见
    start_on = db.Column(db.Date, nullable=False)
    end_on = db.Column(db.Date, nullable=False)
    place = db.Column(db.String(200), nullable=False, default="")
    chair = db.Column(db.String(50), nullable=False, default="")
    panel = db.Column(db.Text, nullable=False, default="")  # 听证员, one a line
    participants = db.Column(db.Text, nullable=False, default="")  # 信访人、责任单位、第三人, one a line
    is_public = db.Column(db.Boolean, nullable=False, default=False)
    paused_days = db.Column(db.Integer, nullable=False, default=0)  # days kept off the clock
    record = db.Column(db.Text)  # 听证笔录
    conclusion = db.Column(db.Text)  # 听证意见
    held_recorded_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    held_recorded_at = db.Column(db.DateTime)
    cancel_reason = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    case = db.relationship("Case", backref=db.backref("hearings", order_by="Hearing.id"))
    proposed_by = db.relationship("User", foreign_keys=[proposed_by_id])
    decided_by = db.relationship("User", foreign_keys=[decided_by_id])
    held_recorded_by = db.relationship("User", foreign_keys=[held_recorded_by_id])

    @property
    def status_label(self):
        from models.enums import HEARING_STATUSES
        return HEARING_STATUSES.get(self.status, self.status)

    def __str__(self):
        return f"听证（{self.start_on:%Y-%m-%d}）" if self.start_on else "听证"
