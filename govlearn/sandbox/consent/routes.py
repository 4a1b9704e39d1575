"""HTTP routes of the Consent emulator (GovStack Consent BB API, iGrant.io style).

Paths are relative to the emulator's base path and start with ``/v2``, as
iGrant.io's do in the GovStack sandbox. Every path answers with and without
its trailing slash. The individual is named by the ``X-ConsentBB-IndividualId``
header (iGrant.io) or the ``individualId`` query parameter (the spec).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, StrictBool
from sqlalchemy.orm import Session

from ..deps import CurrentLearner, DbSession
from ..errors import SandboxError
from ..provider_input import refuse_unstorable_text
from . import ledger
from .models import ConsentRecordRow

__all__ = ["INDIVIDUAL_HEADER", "render_error", "routes"]

TAG_NAME = "Consent"
INDIVIDUAL_HEADER = "X-ConsentBB-IndividualId"
routes = APIRouter(tags=[TAG_NAME], dependencies=[Depends(refuse_unstorable_text)])

F = TypeVar("F", bound=Callable[..., Any])


class ErrorOut(BaseModel):
    errorCode: int
    errorDescription: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Bad input parameter."},
    404: {"model": ErrorOut, "description": "No such agreement or record."},
}


def _route(method: str, path: str, **options: Any) -> Callable[[F], F]:
    """Register ``path`` and its twin with (or without) a trailing slash."""

    def register(function: F) -> F:
        twin = path[:-1] if path.endswith("/") else path + "/"
        routes.api_route(path, methods=[method], responses=ERRORS, **options)(function)
        routes.api_route(twin, methods=[method], include_in_schema=False, **options)(
            function
        )
        return function

    return register


def _individual(header: str | None, query: str | None) -> str:
    header = (header or "").strip() or None
    query = (query or "").strip() or None
    if header and query and header != query:
        raise SandboxError(
            400,
            "invalid_request",
            f"The {INDIVIDUAL_HEADER} header and the individualId query name "
            "different individuals; send one of them.",
        )
    individual = header or query
    if not individual:
        raise SandboxError(
            400,
            "invalid_request",
            f"Name the individual in the {INDIVIDUAL_HEADER} header (or the "
            "individualId query parameter).",
        )
    if len(individual) > 128:
        raise SandboxError(400, "invalid_request", "The individual id is too long.")
    return individual


IndividualHeader = Header(
    None, alias=INDIVIDUAL_HEADER, max_length=200, examples=["PRSN0003"]
)
IndividualQuery = Query(None, alias="individualId", max_length=200)
Offset = Query(0, ge=0, le=1_000_000)
Limit = Query(10, ge=1, le=100)


class Pagination(BaseModel):
    currentPage: int
    totalItems: int
    totalPages: int
    limit: int
    hasPrevious: bool
    hasNext: bool


def _page(items: list[Any], offset: int, limit: int) -> tuple[list[Any], Pagination]:
    total = len(items)
    pages = max(1, -(-total // limit))
    return items[offset : offset + limit], Pagination(
        currentPage=offset // limit + 1,
        totalItems=total,
        totalPages=pages,
        limit=limit,
        hasPrevious=offset > 0,
        hasNext=offset + limit < total,
    )


class AgreementsOut(BaseModel):
    dataAgreements: list[dict[str, Any]]
    pagination: Pagination


class AgreementOut(BaseModel):
    dataAgreement: dict[str, Any]
    revision: dict[str, Any]


class RecordOut(BaseModel):
    consentRecord: dict[str, Any]


class RecordRevisionOut(BaseModel):
    consentRecord: dict[str, Any]
    revision: dict[str, Any] | None


class RecordsOut(BaseModel):
    consentRecords: list[dict[str, Any]]
    pagination: Pagination


class OptInIn(BaseModel):
    optIn: StrictBool = Field(examples=[False])


def _agreements(
    session: Session, workspace_id: str, offset: int, limit: int
) -> AgreementsOut:
    rows = ledger.list_agreements(session, workspace_id)
    items, pagination = _page([ledger.agreement_out(r) for r in rows], offset, limit)
    return AgreementsOut(dataAgreements=items, pagination=pagination)


@_route("GET", "/v2/config/data-agreements/", response_model=AgreementsOut)
def config_list_agreements(
    learner: CurrentLearner,
    session: DbSession,
    offset: int = Offset,
    limit: int = Limit,
) -> AgreementsOut:
    """Every data agreement of the workspace (the organisation's view)."""
    return _agreements(session, learner.id, offset, limit)


@_route(
    "GET", "/v2/service/verification/data-agreements/", response_model=AgreementsOut
)
def verification_list_agreements(
    learner: CurrentLearner,
    session: DbSession,
    offset: int = Offset,
    limit: int = Limit,
) -> AgreementsOut:
    """Every data agreement, for a data consumer deciding what to verify."""
    return _agreements(session, learner.id, offset, limit)


def _agreement(
    session: DbSession, workspace_id: str, agreement_id: str
) -> AgreementOut:
    row = ledger.get_agreement(session, workspace_id, agreement_id)
    revision = ledger.latest_revision(session, workspace_id, row.agreement_id)
    return AgreementOut(
        dataAgreement=ledger.agreement_out(row),
        revision=ledger.revision_out(revision) if revision else {},
    )


@_route(
    "GET", "/v2/config/data-agreement/{dataAgreementId}/", response_model=AgreementOut
)
def config_read_agreement(
    dataAgreementId: str,  # noqa: N803
    learner: CurrentLearner,
    session: DbSession,
) -> AgreementOut:
    """One data agreement and its current revision."""
    return _agreement(session, learner.id, dataAgreementId)


@_route(
    "GET", "/v2/service/data-agreement/{dataAgreementId}/", response_model=AgreementOut
)
def service_read_agreement(
    dataAgreementId: str,  # noqa: N803
    learner: CurrentLearner,
    session: DbSession,
) -> AgreementOut:
    """One data agreement and its current revision (service view)."""
    return _agreement(session, learner.id, dataAgreementId)


RECORD_FOR_AGREEMENT = "/v2/service/individual/record/data-agreement/{dataAgreementId}/"


@_route("POST", RECORD_FOR_AGREEMENT, response_model=RecordRevisionOut)
def create_consent_record(
    dataAgreementId: str,  # noqa: N803
    learner: CurrentLearner,
    session: DbSession,
    individual_header: str | None = IndividualHeader,
    individual_query: str | None = IndividualQuery,
    revisionId: str | None = Query(None, max_length=64),  # noqa: N803
) -> RecordRevisionOut:
    """Record the individual's consent to the agreement's current revision.

    The record is created with ``optIn: true`` and ``state: "unsigned"``.
    A second request for the same individual and agreement is refused.
    """
    individual = _individual(individual_header, individual_query)
    row, revision = ledger.create_record(
        session, learner.id, dataAgreementId, individual, revision_id=revisionId
    )
    return RecordRevisionOut(
        consentRecord=ledger.record_out(row), revision=ledger.revision_out(revision)
    )


@_route("GET", RECORD_FOR_AGREEMENT, response_model=RecordOut)
def read_consent_record(
    dataAgreementId: str,  # noqa: N803
    learner: CurrentLearner,
    session: DbSession,
    individual_header: str | None = IndividualHeader,
    individual_query: str | None = IndividualQuery,
) -> RecordOut:
    """The individual's current consent record for the agreement."""
    individual = _individual(individual_header, individual_query)
    row = ledger.current_record(session, learner.id, dataAgreementId, individual)
    return RecordOut(consentRecord=ledger.record_out(row))


def _records(rows: list[ConsentRecordRow], offset: int, limit: int) -> RecordsOut:
    items, pagination = _page([ledger.record_out(r) for r in rows], offset, limit)
    return RecordsOut(consentRecords=items, pagination=pagination)


@_route(
    "GET", "/v2/service/individual/record/consent-record/", response_model=RecordsOut
)
def list_consent_records(
    learner: CurrentLearner,
    session: DbSession,
    individual_header: str | None = IndividualHeader,
    individual_query: str | None = IndividualQuery,
    offset: int = Offset,
    limit: int = Limit,
) -> RecordsOut:
    """Every consent record of the individual."""
    individual = _individual(individual_header, individual_query)
    return _records(ledger.records_of(session, learner.id, individual), offset, limit)


@_route(
    "PUT",
    "/v2/service/individual/record/consent-record/{consentRecordId}/",
    response_model=RecordRevisionOut,
)
def update_consent_record(
    consentRecordId: str,  # noqa: N803
    body: OptInIn,
    learner: CurrentLearner,
    session: DbSession,
    individual_header: str | None = IndividualHeader,
    individual_query: str | None = IndividualQuery,
    dataAgreementId: str | None = Query(None, max_length=64),  # noqa: N803
) -> RecordRevisionOut:
    """Give (``optIn: true``) or withdraw (``false``) consent; adds a revision."""
    individual = _individual(individual_header, individual_query)
    row, revision = ledger.change_opt_in(
        session,
        learner.id,
        consentRecordId,
        individual,
        body.optIn,
        agreement_id=dataAgreementId,
    )
    return RecordRevisionOut(
        consentRecord=ledger.record_out(row), revision=ledger.revision_out(revision)
    )


@_route("GET", "/v2/service/verification/consent-records/", response_model=RecordsOut)
def verification_list_records(
    learner: CurrentLearner,
    session: DbSession,
    dataAgreementId: str | None = Query(None, max_length=64),  # noqa: N803
    individualId: str | None = Query(None, max_length=128),  # noqa: N803
    offset: int = Offset,
    limit: int = Limit,
) -> RecordsOut:
    """Consent records a data consumer may check, filtered by agreement or person."""
    rows = ledger.search_records(
        session, learner.id, individual_id=individualId, agreement_id=dataAgreementId
    )
    return _records(rows, offset, limit)


@_route(
    "GET",
    "/v2/service/verification/consent-record/{consentRecordId}/",
    response_model=RecordRevisionOut,
)
def verify_consent_record(
    consentRecordId: str,  # noqa: N803
    learner: CurrentLearner,
    session: DbSession,
) -> RecordRevisionOut:
    """One consent record and its latest revision, for a data consumer."""
    row, revision = ledger.verify_record(session, learner.id, consentRecordId)
    return RecordRevisionOut(
        consentRecord=ledger.record_out(row),
        revision=ledger.revision_out(revision) if revision else None,
    )


def render_error(_request: Request, error: SandboxError) -> Response:
    """Errors as iGrant.io gives them: ``{"errorCode", "errorDescription"}``."""
    return JSONResponse(
        {"errorCode": error.status_code, "errorDescription": error.message},
        status_code=error.status_code,
        headers=error.headers,
    )
