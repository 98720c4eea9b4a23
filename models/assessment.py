"""考核方案: the year's indicators with their weights and scoring rules (services/assessment.py)."""
from models import db
from models.base import utcnow

# Points and percentages: two decimals, read as float (a score is arithmetic, not money).
POINTS = db.Numeric(7, 2, asdecimal=False)


class AssessmentScheme(db.Model):
    """One year's scheme; edited by the admin, started by copying the previous year's."""
    __tablename__ = "assessment_scheme"
    id = db.Column(db.Integer, primary_key=True)
    year = db.Column(db.Integer, nullable=False, unique=True)
    note = db.Column(db.Text, nullable=False, default="")
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    items = db.relationship("AssessmentItem", back_populates="scheme", cascade="all, delete-orphan",
                            order_by="AssessmentItem.sort_order, AssessmentItem.id")


class AssessmentItem(db.Model):
    """One indicator of a scheme. rule: linear (rates: 0 at or below `floor`, full `weight` at or
    above `target`, linear between; reversed for a lower-is-better rate), deduct (`per_occurrence`
    points off per occurrence, at most the weight), veto (一票否决: any occurrence zeroes the total)."""
    __tablename__ = "assessment_item"
    id = db.Column(db.Integer, primary_key=True)
    scheme_id = db.Column(db.Integer, db.ForeignKey("assessment_scheme.id"), nullable=False, index=True)
    indicator = db.Column(db.String(30), nullable=False)
    rule = db.Column(db.String(10), nullable=False)
    weight = db.Column(POINTS, nullable=False, default=0)
    floor = db.Column(POINTS)
    target = db.Column(POINTS)
    per_occurrence = db.Column(POINTS)
    sort_order = db.Column(db.Integer, nullable=False, default=0)

    scheme = db.relationship("AssessmentScheme", back_populates="items")

    __table_args__ = (db.UniqueConstraint("scheme_id", "indicator", "rule",
                                          name="uq_assessment_item_scheme_indicator_rule"),)
