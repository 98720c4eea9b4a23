from models import db
from models.base import utcnow


class ReceptionSchedule(db.Model):
    """One leader's reception day (领导接待日) on the published rota."""
    __tablename__ = "reception_schedule"
    id = db.Column(db.Integer, primary_key=True)
    day = db.Column(db.Date, nullable=False, index=True)
    slot = db.Column(db.String(10), nullable=False, default="am")
    place = db.Column(db.String(100), nullable=False)
    leader_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    portfolio = db.Column(db.String(200), nullable=False, default="")
    standin_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    status = db.Column(db.String(20), nullable=False, default="planned")
    published = db.Column(db.Boolean, nullable=False, default=False)
    summary = db.Column(db.Text)  # 接待情况小结
    note = db.Column(db.String(200))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    leader = db.relationship("User", foreign_keys=[leader_id])
    standin = db.relationship("User", foreign_keys=[standin_id])
    events = db.relationship("ReceptionEvent", back_populates="schedule",
                             order_by="ReceptionEvent.id",
                             foreign_keys="ReceptionEvent.schedule_id")

    def __str__(self):
        return f"{self.day} {self.leader.full_name if self.leader else ''}"


class ReceptionEvent(db.Model):
    """Audit of the rota: generated, swapped, cancelled, received."""
    __tablename__ = "reception_event"
    id = db.Column(db.Integer, primary_key=True)
    schedule_id = db.Column(db.Integer, db.ForeignKey("reception_schedule.id"), nullable=False, index=True)
    other_schedule_id = db.Column(db.Integer, db.ForeignKey("reception_schedule.id"))
    at = db.Column(db.DateTime, nullable=False, default=utcnow)
    actor_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    action = db.Column(db.String(20), nullable=False)
    note = db.Column(db.Text, nullable=False, default="")
    data = db.Column(db.JSON, nullable=False, default=dict)

    schedule = db.relationship("ReceptionSchedule", back_populates="events", foreign_keys=[schedule_id])
    actor = db.relationship("User")
