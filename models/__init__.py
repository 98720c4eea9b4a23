"""Plain SQLAlchemy models. No request, no current_user, no Flask-Admin here."""
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Deterministic constraint names keep Alembic autogenerate stable on SQLite and PostgreSQL.
naming = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
db = SQLAlchemy(metadata=MetaData(naming_convention=naming))

from models.enums import *  # noqa: E402,F401,F403
from models.org import Department, User, UserPreference, Setting, AuditLog  # noqa: E402
from models.party import Party  # noqa: E402
from models.case import (  # noqa: E402
    Case, CaseParty, CaseEvent, Attachment, CaseAssist, CaseInterest, CaseCounter,
)
from models.reception import ReceptionSchedule, ReceptionEvent  # noqa: E402
from models.package import PackageAssignment, PackageProgress, package_cases  # noqa: E402
from models.archive import ArchiveRecord, ArchiveLoan, ArchiveDestruction, BackupRun  # noqa: E402
from models.calendar import Holiday, HolidayYear  # noqa: E402
from models.change import ChangeLog  # noqa: E402
from models.hearing import Hearing  # noqa: E402
from models.screening import (  # noqa: E402
    ScreeningRound, ScreeningReport, ScreeningReminder, ScreeningEntry, ScreeningProgress,
    screening_entry_parties,
)
from models.document import DocumentTemplate, DocumentNumber  # noqa: E402
from models.assessment import AssessmentScheme, AssessmentItem  # noqa: E402

__all__ = [
    "db", "Department", "User", "UserPreference", "Setting", "AuditLog", "Party", "Case", "CaseParty",
    "CaseEvent", "Attachment", "CaseAssist", "CaseInterest", "CaseCounter",
    "ReceptionSchedule", "ReceptionEvent", "PackageAssignment", "PackageProgress",
    "package_cases", "ArchiveRecord", "ArchiveLoan", "ArchiveDestruction", "BackupRun", "Holiday", "HolidayYear",
    "ChangeLog", "Hearing", "ScreeningRound", "ScreeningReport", "ScreeningReminder", "ScreeningEntry",
    "ScreeningProgress", "screening_entry_parties", "DocumentTemplate", "DocumentNumber",
    "AssessmentScheme", "AssessmentItem",
]

from models import search_index  # noqa: E402

search_index.register(db.metadata)
