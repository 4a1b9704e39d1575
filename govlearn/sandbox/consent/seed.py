"""Starting data of each workspace's Consent emulator (always the same).

Three data agreements; synthetic person ``PRSN0001`` has consented to USCT
enrolment, and ``PRSN0002`` consented and later withdrew (two revisions).
"""

from __future__ import annotations

import copy
import datetime as dt

from sqlalchemy.orm import Session

from ..workspaces.seeding import seeder
from . import ledger
from .agreements import SEED_AGREEMENTS, USCT_ENROLLMENT

__all__ = ["seed_consent"]

_GIVEN = dt.datetime(2024, 2, 1, 10, 0, tzinfo=dt.UTC)
_WITHDRAWN = dt.datetime(2024, 3, 1, 10, 0, tzinfo=dt.UTC)


@seeder("consent")
def seed_consent(session: Session, workspace_id: str) -> None:
    """Fill the workspace with the seed agreements and two consent records."""
    for position, body in enumerate(SEED_AGREEMENTS):
        ledger.add_agreement(session, workspace_id, copy.deepcopy(body), position)
    session.flush()
    for person in ("PRSN0001", "PRSN0002"):
        ledger.create_record(
            session,
            workspace_id,
            USCT_ENROLLMENT,
            person,
            record_id=ledger.stable_id("consent-record", USCT_ENROLLMENT, person),
            moment=_GIVEN,
        )
    ledger.change_opt_in(
        session,
        workspace_id,
        ledger.stable_id("consent-record", USCT_ENROLLMENT, "PRSN0002"),
        "PRSN0002",
        False,
        moment=_WITHDRAWN,
    )
