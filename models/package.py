from models import db
from models.base import utcnow

package_cases = db.Table(
    "package_case",
    db.Column("package_id", db.Integer, db.ForeignKey("package_assignment.id"), primary_key=True),
    db.Column("case_id", db.Integer, db.ForeignKey("case.id"), primary_key=True, index=True),
)


class PackageAssignment(db.Model):
    """包案: a leader personally owns one or more hard cases of one petitioner (四明确)."""
    __tablename__ = "package_assignment"
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    leader_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    department_id = db.Column(db.Integer, db.ForeignKey("department.id"), nullable=False, index=True)
    responsible_person = db.Column(db.String(50), nullable=False)
    deadline = db.Column(db.Date, nullable=False, index=True)
    plan = db.Column(db.Text, nullable=False)  # 化解方案
    status = db.Column(db.String(20), nullable=False, default="proposed", index=True)
    outcome = db.Column(db.String(20))
    outcome_note = db.Column(db.Text)
    finished_on = db.Column(db.Date)
    accepted_on = db.Column(db.Date)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    leader = db.relationship("User", foreign_keys=[leader_id])
    created_by = db.relationship("User", foreign_keys=[created_by_id])
    department = db.relationship("Department")
    cases = db.relationship("Case", secondary=package_cases, backref="packages")
    progress = db.relationship("PackageProgress", back_populates="package",
                               order_by="PackageProgress.on", cascade="all, delete-orphan")

    def __str__(self):
        return self.title


class PackageProgress(db.Model):
    __tablename__ = "package_progress"
    id = db.Column(db.Integer, primary_key=True)
    package_id = db.Column(db.Integer, db.ForeignKey("package_assignment.id"), nullable=False, index=True)
    on = db.Column(db.Date, nullable=False)
    text = db.Column(db.Text, nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    package = db.relationship("PackageAssignment", back_populates="progress")
    author = db.relationship("User")
