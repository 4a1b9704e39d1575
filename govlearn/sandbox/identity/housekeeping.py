"""Deleting identity rows that can no longer be used.

Login transactions, authorization codes, the ids of accepted client
assertions and access tokens all expire within an hour of being made. A day
after they expire they are deleted, so a hosted sandbox's tables hold about
one day of logins, not every login since it started. For that day a late
call still hears that its code or token *expired*; afterwards it is unknown.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..db import utcnow
from .models import AccessToken, AuthCode, LoginTransaction, UsedAssertion

__all__ = ["KEEP_EXPIRED", "purge_expired"]

#: How long an expired row is kept, so late calls get the precise error.
KEEP_EXPIRED = dt.timedelta(days=1)

_EXPIRING = (LoginTransaction, AuthCode, UsedAssertion, AccessToken)


def purge_expired(session: Session, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete rows that expired more than :data:`KEEP_EXPIRED` ago.

    Returns the number of rows deleted per table. Safe to run on several
    replicas at once: each row is deleted once, whoever gets there first.
    """
    cutoff = (now or utcnow()) - KEEP_EXPIRED
    removed = {}
    for model in _EXPIRING:
        result = session.execute(delete(model).where(model.expires_at < cutoff))
        removed[model.__tablename__] = int(getattr(result, "rowcount", 0) or 0)
    return removed
