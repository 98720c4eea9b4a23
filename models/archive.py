from models import db
from models.base import utcnow


class ArchiveRecord(db.Model):
    """一案一档: the file of one closed case. Once filed, the case is read-only."""
    __tablename__ = "archive_record"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case.id"), nullable=False, unique=True)
    archive_number = db.Column(db.String(50), nullable=False, unique=True)
    volume_type = db.Column(db.String(20), nullable=False, default="ordinary")
    retention = db.Column(db.String(20), nullable=False, default="10y")
    location = db.Column(db.String(100), nullable=False, default="")
    page_count = db.Column(db.Integer, nullable=False, default=0)
    catalogue = db.Column(db.Text, nullable=False, default="")  # 卷内目录, one item per line
    filed_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    filed_on = db.Column(db.Date, nullable=False, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    case = db.relationship("Case", backref=db.backref("archive_record", uselist=False))
    filed_by = db.relationship("User")
    loans = db.relationship("ArchiveLoan", back_populates="record", order_by="ArchiveLoan.id")

    def __str__(self):
        return self.archive_number


class ArchiveLoan(db.Model):
    __tablename__ = "archive_loan"
    id = db.Column(db.Integer, primary_key=True)
    record_id = db.Column(db.Integer, db.ForeignKey("archive_record.id"), nullable=False, index=True)
    borrower_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    # The person (and unit) the file is lent to when the archivist files the request for them;
    # blank when the user who asked (borrower) is the reader.
    borrower_name = db.Column(db.String(50))
    borrower_unit = db.Column(db.String(100))
    purpose = db.Column(db.String(200), nullable=False)
    status = db.Column(db.String(20), nullable=False, default="requested")
    requested_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    approved_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    approved_at = db.Column(db.DateTime)
    due_back = db.Column(db.Date)
    returned_on = db.Column(db.Date)

    record = db.relationship("ArchiveRecord", back_populates="loans")

    @property
    def borrower_label(self):
        """Who reads the file: the person (unit) named on the request, and who filed it for them."""
        filer = self.borrower.full_name if self.borrower is not None else ""
        if not self.borrower_name:
            return filer
        unit = f"（{self.borrower_unit}）" if self.borrower_unit else ""
        return f"{self.borrower_name}{unit}，{filer}代为申请"
    borrower = db.relationship("User", foreign_keys=[borrower_id])
    approved_by = db.relationship("User", foreign_keys=[approved_by_id])


class ArchiveDestruction(db.Model):
    """销毁鉴定: a proposal to destroy an archive file whose retention has ended, the leader's
    decision, and, once destroyed, the index row that stays for ever (the case number, the archive
    number, what it was, who proposed, approved and destroyed it, when). The case number is never
    given again (services/numbering.py)."""
    __tablename__ = "archive_destruction"
    id = db.Column(db.Integer, primary_key=True)
    record_id = db.Column(db.Integer, db.ForeignKey("archive_record.id"), unique=True)  # NULL once destroyed
    status = db.Column(db.String(20), nullable=False, default="proposed")  # proposed | denied | destroyed
    case_number = db.Column(db.String(30), nullable=False, unique=True)
    archive_number = db.Column(db.String(50), nullable=False, unique=True)
    description = db.Column(db.String(300), nullable=False, default="")  # 信访目的、类别、收件日期
    retention = db.Column(db.String(20), nullable=False)
    filed_on = db.Column(db.Date, nullable=False)
    expiry_year = db.Column(db.Integer, nullable=False, index=True)
    page_count = db.Column(db.Integer, nullable=False, default=0)
    attachment_count = db.Column(db.Integer, nullable=False, default=0)
    reason = db.Column(db.Text, nullable=False, default="")  # 鉴定意见
    proposed_by_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    proposed_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    decided_at = db.Column(db.DateTime)
    decision_note = db.Column(db.Text, nullable=False, default="")  # 审批意见
    destroyed_at = db.Column(db.DateTime)

    record = db.relationship("ArchiveRecord")
    proposed_by = db.relationship("User", foreign_keys=[proposed_by_id])
    decided_by = db.relationship("User", foreign_keys=[decided_by_id])


class BackupRun(db.Model):
    """One backup (flask backup, or 系统管理 → 备份): its file, size and result."""
    __tablename__ = "backup_run"
    id = db.Column(db.Integer, primary_key=True)
    started_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    finished_at = db.Column(db.DateTime)
    started_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    via = db.Column(db.String(10), nullable=False, default="cli")  # cli | web
    filename = db.Column(db.String(300), nullable=False, default="")
    directory = db.Column(db.String(500), nullable=False, default="")
    size = db.Column(db.BigInteger)
    ok = db.Column(db.Boolean, nullable=False, default=False)
    message = db.Column(db.Text, nullable=False, default="")

    started_by = db.relationship("User")
