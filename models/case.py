from sqlalchemy import Index, UniqueConstraint

from models import db
from models.base import utcnow
from models.enums import CHANNELS, PURPOSES, STATUSES


class Case(db.Model):
    """A 信访事项. Status only changes through services/workflow.py."""
    __tablename__ = "case"
    id = db.Column(db.Integer, primary_key=True)
    number = db.Column(db.String(30), nullable=False, unique=True)
    query_code = db.Column(db.String(8), nullable=False, unique=True)
    original_number = db.Column(db.String(50))  # number in an imported ledger

    channel = db.Column(db.String(20), nullable=False, index=True)
    source = db.Column(db.String(20), nullable=False, default="own")
    source_doc_no = db.Column(db.String(100))  # 上级交办文号
    source_deadline = db.Column(db.Date)  # a higher body's own deadline
    purpose = db.Column(db.String(20), nullable=False, index=True)
    category = db.Column(db.String(30), nullable=False, index=True)

    received_on = db.Column(db.Date, nullable=False, index=True)
    registered_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    registered_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    summary = db.Column(db.Text, nullable=False)
    demands = db.Column(db.Text, nullable=False, default="")
    incident_place = db.Column(db.String(200), nullable=False, default="", index=True)
    people_count = db.Column(db.Integer, nullable=False, default=1)

    is_collective = db.Column(db.Boolean, nullable=False, default=False)
    is_repeat = db.Column(db.Boolean, nullable=False, default=False)
    repeat_of_id = db.Column(db.Integer, db.ForeignKey("case.id"), index=True)  # 再信访 looks cases up by it
    is_skip_level = db.Column(db.Boolean, nullable=False, default=False)
    is_joint = db.Column(db.Boolean, nullable=False, default=False)
    is_anonymous = db.Column(db.Boolean, nullable=False, default=False)
    is_litigation = db.Column(db.Boolean, nullable=False, default=False)
    is_urgent = db.Column(db.Boolean, nullable=False, default=False)
    is_extreme = db.Column(db.Boolean, nullable=False, default=False)

    status = db.Column(db.String(20), nullable=False, default="registered", index=True)
    department_id = db.Column(db.Integer, db.ForeignKey("department.id"), index=True)
    handler_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)

    # The clock. Each *_due is computed by services/deadlines.py.
    accept_due = db.Column(db.Date, index=True)
    accepted_on = db.Column(db.Date)
    accept_notice_on = db.Column(db.Date)  # 受理告知 recorded: the 15-day clock stops
    decision_note = db.Column(db.Text)  # decline / refuse reason
    forward_to = db.Column(db.String(200))
    forward_doc_no = db.Column(db.String(100))
    assigned_on = db.Column(db.Date, index=True)
    signed_on = db.Column(db.Date)
    handle_due = db.Column(db.Date, index=True)
    handle_base_due = db.Column(db.Date)  # due date before any extension
    extension_state = db.Column(db.String(10))  # pending | approved | denied
    extension_days = db.Column(db.Integer)
    extension_reason = db.Column(db.Text)
    extension_used = db.Column(db.Boolean, nullable=False, default=False)

    reply_text = db.Column(db.Text)
    replied_on = db.Column(db.Date, index=True)
    reply_method = db.Column(db.String(20))
    petitioner_response = db.Column(db.String(20))
    receipt_status = db.Column(db.String(20))
    handling_report = db.Column(db.Text)
    follow_up_on = db.Column(db.Date)
    follow_up_note = db.Column(db.Text)
    satisfaction = db.Column(db.String(20), index=True)
    close_requested_on = db.Column(db.Date)
    closed_on = db.Column(db.Date, index=True)
    close_approved_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    archived_on = db.Column(db.Date)

    # Review stages: a 复查 (1) or 复核 (2) case points at the case it reviews.
    review_level = db.Column(db.Integer, nullable=False, default=0)
    parent_case_id = db.Column(db.Integer, db.ForeignKey("case.id"), index=True)
    review_outcome = db.Column(db.String(20))  # a 复查/复核's conclusion: REVIEW_OUTCOMES

    reception_id = db.Column(db.Integer, db.ForeignKey("reception_schedule.id"), index=True)
    leader_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    leader_instruction = db.Column(db.Text)

    void_reason = db.Column(db.Text)
    version = db.Column(db.Integer, nullable=False, default=1)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    department = db.relationship("Department", foreign_keys=[department_id])
    handler = db.relationship("User", foreign_keys=[handler_id])
    registered_by = db.relationship("User", foreign_keys=[registered_by_id])
    close_approved_by = db.relationship("User", foreign_keys=[close_approved_by_id])
    leader = db.relationship("User", foreign_keys=[leader_id])
    repeat_of = db.relationship("Case", remote_side=[id], foreign_keys=[repeat_of_id])
    parent_case = db.relationship("Case", remote_side=[id], foreign_keys=[parent_case_id],
                                  backref="review_cases")
    reception = db.relationship("ReceptionSchedule", backref="cases")
    parties = db.relationship("CaseParty", back_populates="case", cascade="all, delete-orphan",
                              order_by="CaseParty.id")
    events = db.relationship("CaseEvent", back_populates="case", order_by="CaseEvent.id")
    attachments = db.relationship("Attachment", back_populates="case", order_by="Attachment.id")
    assists = db.relationship("CaseAssist", back_populates="case", cascade="all, delete-orphan")
    interests = db.relationship("CaseInterest", back_populates="case", cascade="all, delete-orphan")

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def channel_label(self):
        return CHANNELS.get(self.channel, self.channel)

    @property
    def purpose_label(self):
        return PURPOSES.get(self.purpose, self.purpose)

    def parties_with(self, role):
        """The parties of `role` with this case's own data (CaseParty.data)."""
        return [cp.data for cp in self.parties if cp.role == role]

    @property
    def petitioners(self):
        return self.parties_with("petitioner")

    def __str__(self):
        return self.number


# (status, department_id) first: counts by status and department. Then the columns the reach
# (access.case_filter), the clocks and the month of closing read, so that the counts over a
# handler's or a leader's reach (dashboard, 待办 and its breakdowns) read this index alone instead
# of a whole case row each (issue 17, at a million cases: the leader's count by status 7.7 s ->
# 2.2 s, the archivist's unfiled cases by month 2.7 s -> 0.8 s, under load).
Index("ix_case_status_dept", Case.status, Case.department_id, Case.purpose, Case.leader_id, Case.reception_id,
      Case.handle_due, Case.accept_notice_on, Case.accept_due, Case.closed_on)
# The clocks: 超期 / 临期 filters, dashboard and 待办 ask "status in (...) and due before a date".
Index("ix_case_status_handle_due", Case.status, Case.handle_due)
Index("ix_case_status_accept_due", Case.status, Case.accept_notice_on, Case.accept_due)
# The list sorted by 办理期限 walks this index; a handler's or leader's reach (department, 包案
# leader, reception day; the id for 配合单位 and packages) is tested from the index, and only the
# cases in reach are read (issue 17).
Index("ix_case_handle_due_reach", Case.handle_due, Case.department_id, Case.leader_id, Case.reception_id)


# The party's fields as they were on a case (CaseParty.snapshot); department_id once Party has it.
SNAPSHOT_FIELDS = ("kind", "name", "sex", "ethnicity", "id_type", "id_number", "phone", "address",
                   "hukou", "occupation", "department_id")


def party_snapshot(party):
    return {f: getattr(party, f, None) for f in SNAPSHOT_FIELDS if hasattr(party, f)}


class PartyData:
    """A party as shown on one case: its snapshot (or, for a link without one, the live party)."""

    def __init__(self, party_id, values):
        self.id = party_id
        for f in SNAPSHOT_FIELDS:
            setattr(self, f, values.get(f))

    def __str__(self):
        return self.name or ""


class CaseParty(db.Model):
    __tablename__ = "case_party"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case.id"), nullable=False, index=True)
    party_id = db.Column(db.Integer, db.ForeignKey("party.id"), nullable=False, index=True)
    role = db.Column(db.String(20), nullable=False)  # petitioner | representative | accused
    note = db.Column(db.String(200))
    # The party's data on this case (services/snapshots.py keeps it): an edit of the shared Party
    # reaches open cases only; a finished (closed, archived ...) case keeps what it was filed with.
    snapshot = db.Column(db.JSON)

    case = db.relationship("Case", back_populates="parties")
    party = db.relationship("Party", backref="case_links")
    __table_args__ = (UniqueConstraint("case_id", "party_id", "role", name="uq_case_party_role"),)

    @property
    def data(self):
        """The one accessor for showing this party on this case."""
        return PartyData(self.party_id, self.snapshot if self.snapshot else party_snapshot(self.party))


class CaseAssist(db.Model):
    """A 配合单位 of a case."""
    __tablename__ = "case_assist"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case.id"), nullable=False, index=True)
    department_id = db.Column(db.Integer, db.ForeignKey("department.id"), nullable=False, index=True)

    case = db.relationship("Case", back_populates="assists")
    department = db.relationship("Department")
    __table_args__ = (UniqueConstraint("case_id", "department_id", name="uq_case_assist_dept"),)


class CaseInterest(db.Model):
    """回避: a staff member with a direct interest in the case may not handle it."""
    __tablename__ = "case_interest"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    reason = db.Column(db.String(200), nullable=False)

    case = db.relationship("Case", back_populates="interests")
    user = db.relationship("User")
    __table_args__ = (UniqueConstraint("case_id", "user_id", name="uq_case_interest_user"),)


class CaseEvent(db.Model):
    """Append-only timeline entry written by every workflow move."""
    __tablename__ = "case_event"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case.id"), nullable=False, index=True)
    at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    action = db.Column(db.String(30), nullable=False, index=True)
    from_status = db.Column(db.String(20))
    to_status = db.Column(db.String(20))
    from_department_id = db.Column(db.Integer, db.ForeignKey("department.id"))
    to_department_id = db.Column(db.Integer, db.ForeignKey("department.id"))
    note = db.Column(db.Text, nullable=False, default="")
    data = db.Column(db.JSON, nullable=False, default=dict)

    case = db.relationship("Case", back_populates="events")
    actor = db.relationship("User")
    from_department = db.relationship("Department", foreign_keys=[from_department_id])
    to_department = db.relationship("Department", foreign_keys=[to_department_id])


class Attachment(db.Model):
    __tablename__ = "attachment"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case.id"), nullable=False, index=True)
    kind = db.Column(db.String(20), nullable=False, default="other")
    filename = db.Column(db.String(255), nullable=False)
    content_type = db.Column(db.String(100), nullable=False, default="application/octet-stream")
    size = db.Column(db.Integer, nullable=False, default=0)
    # Files live on disk under the instance folder; the path is relative to ATTACHMENT_DIR.
    stored_path = db.Column(db.String(300), nullable=False)
    sha256 = db.Column(db.String(64))  # of the file as uploaded: a changed or damaged file is never served
    uploaded_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    uploaded_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    case = db.relationship("Case", back_populates="attachments")
    uploaded_by = db.relationship("User")


class CaseCounter(db.Model):
    """Running number per (prefix, year); bumped with UPDATE so concurrent registrations serialize."""
    __tablename__ = "case_counter"
    prefix = db.Column(db.String(20), primary_key=True, default="")
    year = db.Column(db.Integer, primary_key=True, autoincrement=False)
    last = db.Column(db.Integer, nullable=False, default=0)
