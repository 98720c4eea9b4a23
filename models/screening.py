from models import db
from models.base import utcnow

screening_entry_parties = db.Table(
    "screening_entry_party",
    db.Column("entry_id", db.Integer, db.ForeignKey("screening_entry.id"), primary_key=True),
    db.Column("party_id", db.Integer, db.ForeignKey("party.id"), primary_key=True, index=True),
)


class ScreeningRound(db.Model):
    """排查批次: one screening period (e.g. 2026年12月上半月) the units report on by a due date."""
    __tablename__ = "screening_round"
    id = db.Column(db.Integer, primary_key=True)
    period_label = db.Column(db.String(50), nullable=False, unique=True)
    start_on = db.Column(db.Date, nullable=False)
    end_on = db.Column(db.Date, nullable=False)
    due_on = db.Column(db.Date, nullable=False, index=True)
    note = db.Column(db.Text)
    opened_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    opened_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    opened_by = db.relationship("User")
    reports = db.relationship("ScreeningReport", back_populates="round", cascade="all, delete-orphan")

    def __str__(self):
        return self.period_label


class ScreeningReport(db.Model):
    """One unit's report in a round: made (pending) when the round opens, submitted with entries
    or as a 零报告. Late (迟报) is derived: submitted_on after the round's due date."""
    __tablename__ = "screening_report"
    __table_args__ = (db.UniqueConstraint("round_id", "department_id", name="uq_screening_report_round_dept"),)
    id = db.Column(db.Integer, primary_key=True)
    round_id = db.Column(db.Integer, db.ForeignKey("screening_round.id"), nullable=False, index=True)
    department_id = db.Column(db.Integer, db.ForeignKey("department.id"), nullable=False, index=True)
    is_zero = db.Column(db.Boolean, nullable=False, default=False)
    entry_count = db.Column(db.Integer, nullable=False, default=0)
    submitted_on = db.Column(db.Date)  # office date of submission; None = not reported yet
    submitted_at = db.Column(db.DateTime)
    submitted_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    note = db.Column(db.Text)

    round = db.relationship("ScreeningRound", back_populates="reports")
    department = db.relationship("Department")
    submitted_by = db.relationship("User")
    reminders = db.relationship("ScreeningReminder", back_populates="report",
                                order_by="ScreeningReminder.sent_at", cascade="all, delete-orphan")

    @property
    def is_late(self):
        return self.submitted_on is not None and self.submitted_on > self.round.due_on


class ScreeningReminder(db.Model):
    """催报: the office reminded a unit that has not reported."""
    __tablename__ = "screening_reminder"
    id = db.Column(db.Integer, primary_key=True)
    report_id = db.Column(db.Integer, db.ForeignKey("screening_report.id"), nullable=False, index=True)
    sent_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    sent_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    note = db.Column(db.Text)

    report = db.relationship("ScreeningReport", back_populates="reminders")
    sent_by = db.relationship("User")


class ScreeningEntry(db.Model):
    """矛盾纠纷 / 信访苗头隐患 found by a unit; may become a case or a 包案 (linked both ways)."""
    __tablename__ = "screening_entry"
    id = db.Column(db.Integer, primary_key=True)
    round_id = db.Column(db.Integer, db.ForeignKey("screening_round.id"), index=True)
    department_id = db.Column(db.Integer, db.ForeignKey("department.id"), nullable=False, index=True)
    found_on = db.Column(db.Date, nullable=False, index=True)
    place = db.Column(db.String(200), nullable=False)
    parties_text = db.Column(db.String(500), nullable=False, default="")  # 当事人 as typed
    category = db.Column(db.String(50), nullable=False)
    summary = db.Column(db.Text, nullable=False)
    people_count = db.Column(db.Integer, nullable=False, default=1)
    risk_level = db.Column(db.String(20), nullable=False, default="general", index=True)
    threatens_extreme = db.Column(db.Boolean, nullable=False, default=False)  # 扬言
    collective_tendency = db.Column(db.Boolean, nullable=False, default=False)  # 集体访倾向
    measures = db.Column(db.Text, nullable=False, default="")
    leader_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)  # 包保领导
    responsible_person = db.Column(db.String(50), nullable=False, default="")
    status = db.Column(db.String(20), nullable=False, default="screening", index=True)
    resolved_on = db.Column(db.Date)
    converted_on = db.Column(db.Date)
    reported_on = db.Column(db.Date)
    case_id = db.Column(db.Integer, db.ForeignKey("case.id"), index=True)
    package_id = db.Column(db.Integer, db.ForeignKey("package_assignment.id"), index=True)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    round = db.relationship("ScreeningRound")
    department = db.relationship("Department")
    leader = db.relationship("User", foreign_keys=[leader_id])
    created_by = db.relationship("User", foreign_keys=[created_by_id])
    case = db.relationship("Case", backref="screening_entries")
    package = db.relationship("PackageAssignment", backref="screening_entries")
    parties = db.relationship("Party", secondary=screening_entry_parties)
    progress = db.relationship("ScreeningProgress", back_populates="entry",
                               order_by="ScreeningProgress.on", cascade="all, delete-orphan")

    def __str__(self):
        return f"{self.place}：{(self.summary or '')[:20]}"


class ScreeningProgress(db.Model):
    __tablename__ = "screening_progress"
    id = db.Column(db.Integer, primary_key=True)
    entry_id = db.Column(db.Integer, db.ForeignKey("screening_entry.id"), nullable=False, index=True)
    on = db.Column(db.Date, nullable=False)
    text = db.Column(db.Text, nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    entry = db.relationship("ScreeningEntry", back_populates="progress")
    author = db.relationship("User")
