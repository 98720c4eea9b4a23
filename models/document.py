from sqlalchemy import UniqueConstraint

from models import db
from models.base import utcnow


class DocumentTemplate(db.Model):
    """An office's own .docx template for one kind of document (replaces the shipped default)."""
    __tablename__ = "document_template"
    kind = db.Column(db.String(40), primary_key=True)
    filename = db.Column(db.String(255), nullable=False)
    content = db.Column(db.LargeBinary, nullable=False)
    uploaded_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    uploaded_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    uploaded_by = db.relationship("User")


class DocumentNumber(db.Model):
    """A 文号 given to one document of one case (a reprint reuses it). The case link goes NULL when
    a destroyed file removes the case: the number stays taken."""
    __tablename__ = "document_number"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case.id", ondelete="SET NULL"), index=True)
    kind = db.Column(db.String(40), nullable=False)
    ref_id = db.Column(db.Integer, nullable=False, default=0)  # e.g. the 督办 event a 督办函 is for
    series = db.Column(db.String(20), nullable=False)
    year = db.Column(db.Integer, nullable=False)
    seq = db.Column(db.Integer, nullable=False)
    number = db.Column(db.String(80), nullable=False)
    printed_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    printed_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    printed_by = db.relationship("User")
    __table_args__ = (
        UniqueConstraint("series", "year", "seq", name="uq_document_number_seq"),
        UniqueConstraint("case_id", "kind", "ref_id", name="uq_document_number_case_kind"),
    )
