import secrets

from sqlalchemy import Index, UniqueConstraint
from werkzeug.security import check_password_hash, generate_password_hash

from models import db
from models.base import utcnow
from models.enums import ROLES

# werkzeug's default (scrypt). The test suite lowers it so thousands of logins stay fast;
# stored hashes name their own method, so verification follows whatever was stored.
PASSWORD_METHOD = "scrypt"


def new_session_token():
    return secrets.token_urlsafe(32)


class Department(db.Model):
    __tablename__ = "department"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False, unique=True)
    code = db.Column(db.String(20), unique=True)
    kind = db.Column(db.String(20), nullable=False, default="unit")
    parent_id = db.Column(db.Integer, db.ForeignKey("department.id"), index=True)
    sort_order = db.Column(db.Integer, nullable=False, default=0)
    phone = db.Column(db.String(30))
    active = db.Column(db.Boolean, nullable=False, default=True)
    # Short names a clerk may type for this department (住建局 县住建局 …), separated by spaces,
    # 、 or commas; read by services/departments.py.
    aliases = db.Column(db.String(300), nullable=False, default="", server_default="")

    parent = db.relationship("Department", remote_side=[id], backref="children")

    def __str__(self):
        return self.name


class User(db.Model):
    __tablename__ = "user"
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(50), nullable=False, unique=True)
    full_name = db.Column(db.String(50), nullable=False)
    role = db.Column(db.String(20), nullable=False, index=True)
    department_id = db.Column(db.Integer, db.ForeignKey("department.id"), nullable=False, index=True)
    position = db.Column(db.String(50))
    # Lower number = higher rank; used for reception rotas and 包案 order.
    rank_order = db.Column(db.Integer, nullable=False, default=100)
    portfolio = db.Column(db.String(200))  # 分管工作, for leaders
    phone = db.Column(db.String(30))
    active = db.Column(db.Boolean, nullable=False, default=True)
    password_hash = db.Column(db.String(256), nullable=False)
    failed_logins = db.Column(db.Integer, nullable=False, default=0)
    locked_until = db.Column(db.DateTime)
    last_login_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # The login cookie carries this, not the id: a new token ends every session of the user.
    session_token = db.Column(db.String(64), nullable=False, unique=True, default=new_session_token)
    # Set when an admin gives a temporary password; the user must choose their own first.
    must_change_password = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())

    department = db.relationship("Department", backref="users")

    # Flask-Login protocol, kept here so models stay free of Flask-Login imports.
    is_anonymous = False

    @property
    def is_authenticated(self):
        return True

    @property
    def is_active(self):
        return bool(self.active)

    def get_id(self):
        return self.session_token

    def end_sessions(self):
        """Every login cookie of this user (session and remember-me) stops working."""
        self.session_token = new_session_token()

    def set_password(self, raw):
        self.password_hash = generate_password_hash(raw, method=PASSWORD_METHOD)

    def check_password(self, raw):
        return check_password_hash(self.password_hash, raw)

    @property
    def role_label(self):
        return ROLES.get(self.role, self.role)

    def __str__(self):
        return self.full_name


class Setting(db.Model):
    """Office settings as key/value rows; typed access lives in services/settings.py."""
    __tablename__ = "setting"
    key = db.Column(db.String(50), primary_key=True)
    value = db.Column(db.String(500), nullable=False, default="")


class UserPreference(db.Model):
    """A remembered choice of one user (e.g. the ledger export's columns); read by services/preferences.py."""
    __tablename__ = "user_preference"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    key = db.Column(db.String(50), nullable=False)
    value = db.Column(db.JSON, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_user_preference_user_key"),)


class AuditLog(db.Model):
    """Logins, lockouts, exports and other non-case actions (case moves go to CaseEvent)."""
    __tablename__ = "audit_log"
    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    username = db.Column(db.String(50))
    action = db.Column(db.String(30), nullable=False, index=True)
    detail = db.Column(db.Text, nullable=False, default="")
    row_count = db.Column(db.Integer)
    ip = db.Column(db.String(45))

    user = db.relationship("User")


Index("ix_user_dept_role", User.department_id, User.role)
