"""Registering a case (登记): one transaction, parties found again by ID number, repeat and
collective derived from data. Implemented per the foundation issue."""
from dataclasses import dataclass, field
from datetime import date


@dataclass
class PartyInput:
    name: str
    id_number: str = ""
    id_type: str = "resident"
    sex: str = ""
    ethnicity: str = ""
    phone: str = ""
    address: str = ""
    hukou: str = ""
    occupation: str = ""
    kind: str = "person"


@dataclass
class RegistrationInput:
    channel: str
    received_on: date
    purpose: str
    category: str
    summary: str
    demands: str = ""
    incident_place: str = ""
    people_count: int = 1
    source: str = "own"
    source_doc_no: str = ""
    source_deadline: date | None = None
    is_skip_level: bool = False
    is_joint: bool = False
    is_anonymous: bool = False
    is_litigation: bool = False
    is_urgent: bool = False
    is_extreme: bool = False
    petitioners: list[PartyInput] = field(default_factory=list)
    representatives: list[PartyInput] = field(default_factory=list)
    accused: list[PartyInput] = field(default_factory=list)
    reception_id: int | None = None
    leader_id: int | None = None
    leader_instruction: str = ""
    original_number: str = ""


def register_case(session, actor, data, *, check_role=True):
    """Validate `data`, create the case with its parties and a 'register' event; return the Case.

    Raises services.ValidationFailed (errors per field, in Chinese) and changes nothing on bad input.
    The caller commits.
    """
    raise NotImplementedError
