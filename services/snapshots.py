"""Case-party snapshots: each CaseParty keeps the party's data as it was on that case.

A new link takes the party's data; an edit of a Party reaches the links of its open cases only, so
a closed, archived or otherwise finished case (FINAL_STATUSES) keeps the data it was finished with.
`sync` runs in the session's before_flush (services/changes.install)."""
from sqlalchemy import inspect, select

from models import Case, CaseParty, Party
from models.case import SNAPSHOT_FIELDS, party_snapshot
from models.enums import FINAL_STATUSES


def _party_changed(party):
    state = inspect(party)
    return any(state.attrs[f].history.has_changes() for f in SNAPSHOT_FIELDS if f in state.attrs)


def sync(session):
    """Bring the snapshots of this flush's new links and of the open links of edited parties up to
    date (before the flush writes them)."""
    for party in [o for o in session.dirty if isinstance(o, Party)]:
        if party.id is None or not _party_changed(party):
            continue
        links = session.execute(
            select(CaseParty).join(Case, Case.id == CaseParty.case_id)
            .where(CaseParty.party_id == party.id, Case.status.not_in(FINAL_STATUSES))).scalars()
        data = party_snapshot(party)
        for link in links:
            if link.snapshot != data:
                link.snapshot = data
    for link in [o for o in session.new if isinstance(o, CaseParty)]:
        party = link.party if link.party is not None else session.get(Party, link.party_id)
        if party is not None and not link.snapshot:
            link.snapshot = party_snapshot(party)
