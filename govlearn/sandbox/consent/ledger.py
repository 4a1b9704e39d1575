"""The Consent emulator's rules: agreements, consent records and revisions.

The rule for a new consent record is simple and deterministic: asking for
consent creates the record at once with ``optIn: true`` and ``state:
"unsigned"`` (no signature ceremony), so the individual counts as having
consented. Changing ``optIn`` writes a new revision that points back at the
previous one by hash. One record exists per individual and agreement.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import utcnow
from ..errors import SandboxError
from .models import ConsentRecordRow, ConsentRevision, DataAgreement

__all__ = [
    "add_agreement",
    "agreement_out",
    "change_opt_in",
    "create_record",
    "current_record",
    "get_agreement",
    "latest_revision",
    "list_agreements",
    "new_id",
    "record_out",
    "records_of",
    "revision_out",
    "search_records",
    "verify_record",
]


def new_id() -> str:
    """A fresh 24-hex-digit id, the length iGrant.io uses."""
    return uuid.uuid4().hex[:24]


def stable_id(*parts: str) -> str:
    """A 24-hex-digit id that is always the same for the same parts (seeds)."""
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:24]


def _timestamp(moment: dt.datetime | None = None) -> str:
    moment = moment or utcnow()
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _not_found(message: str) -> SandboxError:
    return SandboxError(404, "not_found", message)


def _revise(
    session: Session,
    workspace_id: str,
    schema_name: str,
    object_id: str,
    data: dict[str, Any],
    *,
    timestamp: str,
    by_individual: str = "",
    by_other: str = "",
    revision_id: str | None = None,
) -> ConsentRevision:
    previous = latest_revision(session, workspace_id, object_id)
    snapshot = json.dumps(
        {
            "objectData": data,
            "schemaName": schema_name,
            "objectId": object_id,
            "signedWithoutObjectId": False,
            "timestamp": timestamp,
            "authorizedByIndividual": by_individual,
            "authorizedByOther": by_other,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    revision = ConsentRevision(
        workspace_id=workspace_id,
        revision_id=revision_id or new_id(),
        schema_name=schema_name,
        object_id=object_id,
        snapshot=snapshot,
        snapshot_hash=hashlib.sha1(snapshot.encode()).hexdigest(),
        timestamp=timestamp,
        authorized_by_individual=by_individual,
        authorized_by_other=by_other,
        predecessor_hash=previous.snapshot_hash if previous else "",
        successor_id="",
    )
    if previous is not None:
        previous.successor_id = revision.revision_id
    session.add(revision)
    return revision


def latest_revision(
    session: Session, workspace_id: str, object_id: str
) -> ConsentRevision | None:
    """The newest revision of an object, or ``None``."""
    return session.scalars(
        select(ConsentRevision)
        .where(
            ConsentRevision.workspace_id == workspace_id,
            ConsentRevision.object_id == object_id,
        )
        .order_by(ConsentRevision.pk.desc())
        .limit(1)
    ).first()


def add_agreement(
    session: Session, workspace_id: str, body: dict[str, Any], position: int
) -> DataAgreement:
    """Store a data agreement with its first revision (used by the seeder)."""
    agreement_id = str(body["id"])
    revision = _revise(
        session,
        workspace_id,
        "dataAgreement",
        agreement_id,
        body,
        timestamp="2024-01-15T09:00:00Z",
        by_other="sandbox-seed",
        revision_id=stable_id("agreement-revision", agreement_id),
    )
    row = DataAgreement(
        workspace_id=workspace_id,
        agreement_id=agreement_id,
        position=position,
        body=body,
        active=bool(body.get("active", True)),
        revision_id=revision.revision_id,
        revision_hash=revision.snapshot_hash,
    )
    session.add(row)
    return row


def agreement_out(row: DataAgreement) -> dict[str, Any]:
    return {**row.body, "id": row.agreement_id, "active": row.active}


def revision_out(revision: ConsentRevision) -> dict[str, Any]:
    return {
        "id": revision.revision_id,
        "schemaName": revision.schema_name,
        "objectId": revision.object_id,
        "signedWithoutObjectId": False,
        "serializedSnapshot": revision.snapshot,
        "serializedHash": revision.snapshot_hash,
        "timestamp": revision.timestamp,
        "authorizedByIndividual": revision.authorized_by_individual,
        "authorizedByOther": revision.authorized_by_other,
        "predecessorHash": revision.predecessor_hash,
        "predecessorSignature": "",
        "successorId": revision.successor_id,
    }


def record_out(row: ConsentRecordRow) -> dict[str, Any]:
    return {
        "id": row.record_id,
        "dataAgreementId": row.agreement_id,
        "dataAgreementRevisionId": row.agreement_revision_id,
        "dataAgreementRevisionHash": row.agreement_revision_hash,
        "individualId": row.individual_id,
        "optIn": row.opt_in,
        "state": row.state,
        "signatureId": "",
    }


def list_agreements(session: Session, workspace_id: str) -> list[DataAgreement]:
    return list(
        session.scalars(
            select(DataAgreement)
            .where(DataAgreement.workspace_id == workspace_id)
            .order_by(DataAgreement.position, DataAgreement.pk)
        )
    )


def get_agreement(
    session: Session, workspace_id: str, agreement_id: str
) -> DataAgreement:
    """The agreement with this id, or a 404 that lists the known ids."""
    row = session.scalars(
        select(DataAgreement).where(
            DataAgreement.workspace_id == workspace_id,
            DataAgreement.agreement_id == agreement_id,
        )
    ).first()
    if row is None:
        known = ", ".join(
            a.agreement_id for a in list_agreements(session, workspace_id)
        )
        raise _not_found(
            f"There is no data agreement {agreement_id!r}. Known agreements: {known}."
        )
    return row


def _pair(
    session: Session, workspace_id: str, agreement_id: str, individual_id: str
) -> ConsentRecordRow | None:
    return session.scalars(
        select(ConsentRecordRow).where(
            ConsentRecordRow.workspace_id == workspace_id,
            ConsentRecordRow.agreement_id == agreement_id,
            ConsentRecordRow.individual_id == individual_id,
        )
    ).first()


def _exists_error(agreement_id: str, individual_id: str) -> SandboxError:
    return SandboxError(
        400,
        "consent_record_exists",
        f"Data agreement record for data agreement: {agreement_id} and individual "
        f"id : {individual_id} exists. Read it, or change its optIn with PUT "
        "/service/individual/record/consent-record/{consentRecordId}/.",
    )


def create_record(
    session: Session,
    workspace_id: str,
    agreement_id: str,
    individual_id: str,
    *,
    revision_id: str | None = None,
    record_id: str | None = None,
    moment: dt.datetime | None = None,
) -> tuple[ConsentRecordRow, ConsentRevision]:
    """Record the individual's consent to the agreement (``optIn`` true)."""
    agreement = get_agreement(session, workspace_id, agreement_id)
    if not agreement.active:
        raise SandboxError(
            400,
            "agreement_inactive",
            f"Data agreement {agreement_id!r} is not active, so no new consent "
            "records can be made for it. Pick an active agreement.",
        )
    if revision_id and revision_id != agreement.revision_id:
        raise _not_found(
            f"Data agreement {agreement_id!r} has no revision {revision_id!r}; "
            f"its current revision is {agreement.revision_id!r}."
        )
    if _pair(session, workspace_id, agreement_id, individual_id) is not None:
        raise _exists_error(agreement_id, individual_id)
    now = moment or utcnow()
    row = ConsentRecordRow(
        workspace_id=workspace_id,
        record_id=record_id or new_id(),
        agreement_id=agreement_id,
        agreement_revision_id=agreement.revision_id,
        agreement_revision_hash=agreement.revision_hash,
        individual_id=individual_id,
        opt_in=True,
        state="unsigned",
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _exists_error(agreement_id, individual_id) from None
    revision = _revise(
        session,
        workspace_id,
        "consentRecord",
        row.record_id,
        record_out(row),
        timestamp=_timestamp(now),
        by_individual=individual_id,
        revision_id=stable_id("record-revision", row.record_id, "1")
        if moment
        else None,
    )
    session.flush()
    return row, revision


def current_record(
    session: Session, workspace_id: str, agreement_id: str, individual_id: str
) -> ConsentRecordRow:
    get_agreement(session, workspace_id, agreement_id)
    row = _pair(session, workspace_id, agreement_id, individual_id)
    if row is None:
        raise _not_found(
            f"Individual {individual_id!r} has no consent record for data agreement "
            f"{agreement_id!r}. Create one with POST on this path."
        )
    return row


def records_of(
    session: Session, workspace_id: str, individual_id: str
) -> list[ConsentRecordRow]:
    return search_records(session, workspace_id, individual_id=individual_id)


def search_records(
    session: Session,
    workspace_id: str,
    *,
    individual_id: str | None = None,
    agreement_id: str | None = None,
) -> list[ConsentRecordRow]:
    query = select(ConsentRecordRow).where(
        ConsentRecordRow.workspace_id == workspace_id
    )
    if individual_id is not None:
        query = query.where(ConsentRecordRow.individual_id == individual_id)
    if agreement_id is not None:
        query = query.where(ConsentRecordRow.agreement_id == agreement_id)
    return list(session.scalars(query.order_by(ConsentRecordRow.pk)))


def _record(session: Session, workspace_id: str, record_id: str) -> ConsentRecordRow:
    row = session.scalars(
        select(ConsentRecordRow).where(
            ConsentRecordRow.workspace_id == workspace_id,
            ConsentRecordRow.record_id == record_id,
        )
    ).first()
    if row is None:
        raise _not_found(f"There is no consent record {record_id!r}.")
    return row


def change_opt_in(
    session: Session,
    workspace_id: str,
    record_id: str,
    individual_id: str,
    opt_in: bool,
    *,
    agreement_id: str | None = None,
    moment: dt.datetime | None = None,
) -> tuple[ConsentRecordRow, ConsentRevision]:
    """Give or withdraw consent on an existing record; writes a new revision."""
    row = _record(session, workspace_id, record_id)
    if row.individual_id != individual_id:
        raise _not_found(
            f"Individual {individual_id!r} has no consent record {record_id!r}."
        )
    if agreement_id is not None and agreement_id != row.agreement_id:
        raise SandboxError(
            400,
            "invalid_request",
            f"Consent record {record_id!r} belongs to data agreement "
            f"{row.agreement_id!r}, not {agreement_id!r}.",
        )
    if row.opt_in == opt_in:
        raise SandboxError(
            400,
            "invalid_request",
            "Data agreement record opt in is same as provided value "
            f"(optIn is already {str(opt_in).lower()}).",
        )
    now = moment or utcnow()
    # Conditional, so two requests racing to flip the same record make one
    # revision between them, not two.
    changed = session.execute(
        update(ConsentRecordRow)
        .where(ConsentRecordRow.pk == row.pk, ConsentRecordRow.opt_in.is_(not opt_in))
        .values(opt_in=opt_in, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(changed, "rowcount", 1) != 1:
        session.rollback()
        raise SandboxError(
            400,
            "invalid_request",
            "Data agreement record opt in is same as provided value "
            f"(optIn is already {str(opt_in).lower()}).",
        )
    session.refresh(row)
    revision = _revise(
        session,
        workspace_id,
        "consentRecord",
        row.record_id,
        record_out(row),
        timestamp=_timestamp(now),
        by_individual=individual_id,
        revision_id=stable_id("record-revision", row.record_id, "2")
        if moment
        else None,
    )
    session.flush()
    return row, revision


def verify_record(
    session: Session, workspace_id: str, record_id: str
) -> tuple[ConsentRecordRow, ConsentRevision | None]:
    """A record and its latest revision, for a data consumer checking consent."""
    row = _record(session, workspace_id, record_id)
    return row, latest_revision(session, workspace_id, record_id)
