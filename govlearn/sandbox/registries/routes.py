"""HTTP routes of the Digital Registries emulator (the GovStack DR data API).

Paths are relative to the emulator's base path; the Information Mediator
reaches them as ``SANDBOX/GOV/PROVIDER/DIGITAL-REGISTRIES/emulator``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ..deps import CurrentLearner, DbSession
from ..errors import SandboxError
from ..provider_input import refuse_unstorable_text
from . import records
from .records import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, NOT_FOUND, registry_or_404

__all__ = ["routes"]

TAG_NAME = "Digital Registries"
routes = APIRouter(tags=[TAG_NAME], dependencies=[Depends(refuse_unstorable_text)])

DATA = "/api/v1/data/{registry}/{version}"
EXAMPLE_PERSON = {"id": "PRSN0001"}


class Content(BaseModel):
    content: dict[str, Any] = Field(examples=[EXAMPLE_PERSON])


class QueryBody(BaseModel):
    query: Content


class WriteBody(BaseModel):
    write: Content


class QueryWriteBody(BaseModel):
    query: Content
    write: Content


class Answer(BaseModel):
    status: bool
    message: str


class AnswerOut(BaseModel):
    answer: Answer


class ContentOut(BaseModel):
    content: dict[str, Any]


class ListOut(BaseModel):
    count: int
    next: str | None
    previous: str | None
    results: list[dict[str, Any]]


class EntriesOut(BaseModel):
    count: int
    results: list[dict[str, Any]]


class DetailOut(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": DetailOut, "description": "The request is not valid."},
    404: {"model": DetailOut, "description": "No such registry or record."},
}


def _page_size(request: Request, page_size: int | None) -> int:
    raw = request.query_params.get("page_size")
    if page_size is None and raw is not None:
        try:
            page_size = int(raw)
        except ValueError:
            raise SandboxError(
                400, "invalid_request", "page_size must be a whole number."
            ) from None
    if page_size is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise SandboxError(
            400,
            "invalid_request",
            f"pageSize must be between 1 and {MAX_PAGE_SIZE}.",
        )
    return page_size


@routes.get(DATA, response_model=ListOut, responses=ERRORS, summary="list")
def list_records(
    registry: str,
    version: str,
    request: Request,
    learner: CurrentLearner,
    session: DbSession,
    search: str | None = Query(None, max_length=100, examples=["Example"]),
    filter: str | None = Query(None, max_length=64, examples=["lastName"]),
    ordering: str | None = Query(None, max_length=64, examples=["-birthDate"]),
    page: int | None = Query(None, ge=1, le=1_000_000),
    pageSize: int | None = Query(None, ge=1, le=MAX_PAGE_SIZE),  # noqa: N803
) -> ListOut:
    """Records of a registry, with search, filter, ordering and pages.

    ``search`` is a case-insensitive regular expression looked for in the
    field named by ``filter`` (or in every field). ``query.<field>=value``
    keeps records whose field equals the value. ``page_size`` is accepted as
    a synonym of ``pageSize``.
    """
    found = registry_or_404(registry, version)
    exact = {
        key[len("query.") :]: value
        for key, value in request.query_params.items()
        if key.startswith("query.")
    }
    size = _page_size(request, pageSize)
    result = records.list_records(
        session,
        learner.id,
        found,
        search=search,
        filter_field=filter or None,
        ordering=ordering,
        page=page or 1,
        page_size=size,
        exact=exact,
    )
    url = request.url
    next_url = (
        str(url.include_query_params(page=result.page + 1)) if result.has_next else None
    )
    previous = (
        str(url.include_query_params(page=result.page - 1)) if result.page > 1 else None
    )
    return ListOut(
        count=result.count, next=next_url, previous=previous, results=result.results
    )


@routes.post(
    f"{DATA}/read", response_model=ContentOut, responses=ERRORS, summary="read"
)
def read_record(
    registry: str,
    version: str,
    body: QueryBody,
    learner: CurrentLearner,
    session: DbSession,
) -> ContentOut:
    """The first record whose fields equal every field of ``query.content``."""
    found = registry_or_404(registry, version)
    rows = records.find_records(session, learner.id, found, body.query.content)
    if not rows:
        raise SandboxError(404, "not_found", NOT_FOUND)
    return ContentOut(content=rows[0].content)


@routes.post(
    f"{DATA}/exists", response_model=AnswerOut, responses=ERRORS, summary="exists"
)
def record_exists(
    registry: str,
    version: str,
    body: QueryBody,
    learner: CurrentLearner,
    session: DbSession,
) -> AnswerOut:
    """Whether a record matches ``query.content``."""
    found = registry_or_404(registry, version)
    rows = records.find_records(session, learner.id, found, body.query.content)
    message = "Object found from database" if rows else "Object not found from database"
    return AnswerOut(answer=Answer(status=bool(rows), message=message))


@routes.post(
    f"{DATA}/create", response_model=ContentOut, responses=ERRORS, summary="create"
)
def create_record(
    registry: str,
    version: str,
    body: WriteBody,
    learner: CurrentLearner,
    session: DbSession,
) -> ContentOut:
    """Add ``write.content`` as a new record; leave ``id`` out to get the next one."""
    found = registry_or_404(registry, version)
    content = records.create_record(session, learner.id, found, body.write.content)
    return ContentOut(content=content)


@routes.put(
    f"{DATA}/update", response_model=ContentOut, responses=ERRORS, summary="update"
)
def update_record(
    registry: str,
    version: str,
    body: QueryWriteBody,
    learner: CurrentLearner,
    session: DbSession,
) -> ContentOut:
    """Change the first record matching ``query.content`` with ``write.content``."""
    found = registry_or_404(registry, version)
    updated = records.update_records(
        session, learner.id, found, body.query.content, body.write.content, every=False
    )
    return ContentOut(content=updated[0])


@routes.put(
    f"{DATA}/update-entries",
    response_model=EntriesOut,
    responses=ERRORS,
    summary="update-entries",
)
@routes.put(f"{DATA}/updateEntries", response_model=EntriesOut, include_in_schema=False)
def update_entries(
    registry: str,
    version: str,
    body: QueryWriteBody,
    learner: CurrentLearner,
    session: DbSession,
) -> EntriesOut:
    """Change every record matching ``query.content`` (also at ``updateEntries``)."""
    found = registry_or_404(registry, version)
    updated = records.update_records(
        session, learner.id, found, body.query.content, body.write.content, every=True
    )
    return EntriesOut(count=len(updated), results=updated)


@routes.post(
    f"{DATA}/updateOrCreate",
    response_model=ContentOut,
    responses=ERRORS,
    summary="update-or-create",
)
@routes.post(
    f"{DATA}/update-or-create", response_model=ContentOut, include_in_schema=False
)
def update_or_create(
    registry: str,
    version: str,
    body: QueryWriteBody,
    learner: CurrentLearner,
    session: DbSession,
) -> ContentOut:
    """Update the record matching ``query.content``, or create one from both parts.

    Also answers at ``update-or-create``, the spelling of the 1.3.0 template.
    """
    found = registry_or_404(registry, version)
    query = body.query.content
    if records.find_records(session, learner.id, found, query):
        updated = records.update_records(
            session, learner.id, found, query, body.write.content, every=False
        )
        return ContentOut(content=updated[0])
    content = records.create_record(
        session, learner.id, found, {**query, **body.write.content}
    )
    return ContentOut(content=content)


@routes.delete(
    f"{DATA}/{{record_id}}/delete", status_code=204, responses=ERRORS, summary="delete"
)
def delete_record(
    registry: str,
    version: str,
    record_id: str,
    learner: CurrentLearner,
    session: DbSession,
) -> Response:
    """Remove the record with this id."""
    found = registry_or_404(registry, version)
    records.delete_record(session, learner.id, found, record_id)
    return Response(status_code=204)


def render_error(_request: Request, error: SandboxError) -> Response:
    """Errors as the Digital Registries spec gives them: ``{"detail": ...}``."""
    return JSONResponse(
        {"detail": error.message}, status_code=error.status_code, headers=error.headers
    )
