from models import db
from models.base import utcnow


class Party(db.Model):
    """One person or unit, found again by ID number (or name + phone) across cases."""
    __tablename__ = "party"
    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(10), nullable=False, default="person")
    name = db.Column(db.String(100), nullable=False, index=True)
    sex = db.Column(db.String(1))
    ethnicity = db.Column(db.String(20))
    birth_date = db.Column(db.Date)
    id_type = db.Column(db.String(20), nullable=False, default="resident")
    # Unique when present: the same ID number is the same person.
    id_number = db.Column(db.String(30), unique=True)
    phone = db.Column(db.String(30), index=True)
    address = db.Column(db.String(200))
    hukou = db.Column(db.String(200))  # 户籍地
    occupation = db.Column(db.String(100))  # 职业/工作单位
    # An accused unit that is one of the office's departments, or the department of an accused
    # person: access rules follow this link and the department tree, never the spelling of `name`.
    department_id = db.Column(db.Integer, db.ForeignKey("department.id"), index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    department = db.relationship("Department")

    def __str__(self):
        return self.name
