"""Deleting identity rows that can no longer be used.

Login transactions, authorization codes, the ids of accepted client
assertions and access tokens all expire within an hour of being made. A day
after they expire they are deleted, so a hosted sandbox's tables hold about
one day of logins, not every login since it started. For that day a late
call still hears that its code or token *expired*; afterwards it is unknown.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..db import utcnow
from .models import AccessToken, AuthCode, LoginTransaction, UsedAssertion

__all__ = ["KEEP_EXPIRED", "housekeeping", "purge_expired"]

log = logging.getLogger("govlearn")

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


def housekeeping(state: Any) -> None:
    """Delete login transactions, codes and tokens a day past their expiry."""
    with state.database.session() as session:
        removed = purge_expired(session)
    if any(removed.values()):
        log.info(
            "deleted %d expired identity rows (%s)",
            sum(removed.values()),
            ", ".join(f"{table}: {n}" for table, n in removed.items() if n),
        )
