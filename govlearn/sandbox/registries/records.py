"""Reading and writing registry records: validation, matching, search and paging.

Every function works inside one learner's workspace and raises
:class:`~govlearn.sandbox.errors.SandboxError` with a message for the learner
when the request cannot be served. Nothing is written unless the whole
request is valid.
"""

from __future__ import annotations

import datetime as dt
import re
import re._parser as re_parser  # the stdlib's own pattern parser
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import utcnow
from ..errors import SandboxError
from .catalog import REGISTRIES, Field, Registry, find_registry
from .models import RegistryRecord

__all__ = [
    "NOT_FOUND",
    "Page",
    "create_record",
    "delete_record",
    "find_records",
    "list_records",
    "registry_or_404",
    "update_records",
]

#: The Digital Registries spec's message when no record matches.
NOT_FOUND = "no record found"
MAX_TEXT = 200
MAX_SEARCH = 100
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def registry_or_404(code: str, version: str) -> Registry:
    """The registry named in the path, or a 404 that lists the known ones."""
    registry = find_registry(code, version)
    if registry is None:
        known = ", ".join(f"{r.code} {r.version}" for r in REGISTRIES)
        raise SandboxError(
            404,
            "unknown_registry",
            f"There is no registry '{code}' version '{version}' here. "
            f"Known registries: {known}.",
        )
    return registry


def _bad(message: str) -> SandboxError:
    return SandboxError(400, "invalid_request", message)


def _check_value(registry: Registry, field: Field, value: Any) -> Any:
    where = f"Field '{field.name}' of registry '{registry.code}'"
    if value is None:
        if field.required:
            raise _bad(f"{where} is required and cannot be null.")
        return None
    if field.kind in ("string", "date"):
        if not isinstance(value, str):
            raise _bad(f"{where} must be a string, not {type(value).__name__}.")
        if len(value) > MAX_TEXT:
            raise _bad(f"{where} is longer than {MAX_TEXT} characters.")
        if field.kind == "date":
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise _bad(f"{where} must be a date like 1990-12-31.") from None
        return value
    if field.kind == "boolean":
        if not isinstance(value, bool):
            raise _bad(f"{where} must be true or false.")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(f"{where} must be a number, not {type(value).__name__}.")
    if field.kind == "integer":
        if isinstance(value, float) and not value.is_integer():
            raise _bad(f"{where} must be a whole number.")
        value = int(value)
        if not -(2**53) <= value <= 2**53:
            raise _bad(f"{where} is out of range.")
        return value
    if value != value or value in (float("inf"), float("-inf")):
        raise _bad(f"{where} must be a finite number.")
    return value


def _known_fields(registry: Registry, content: dict[str, Any]) -> None:
    unknown = sorted(set(content) - set(registry.field_names))
    if unknown:
        raise _bad(
            f"Registry '{registry.code}' has no field {', '.join(map(repr, unknown))}. "
            f"Its fields are: {', '.join(registry.field_names)}."
        )


def validate_write(
    registry: Registry, content: dict[str, Any], *, complete: bool
) -> dict[str, Any]:
    """Check a ``write.content``; with ``complete`` every required field must be set."""
    _known_fields(registry, content)
    cleaned = {
        name: _check_value(registry, registry.field(name), value)  # type: ignore[arg-type]
        for name, value in content.items()
    }
    if complete:
        missing = [
            f.name
            for f in registry.fields
            if f.required and cleaned.get(f.name) is None
        ]
        if missing:
            raise _bad(
                f"A new '{registry.code}' record needs {', '.join(missing)}; "
                "add them to write.content."
            )
    if "id" in cleaned and cleaned["id"] is None:
        raise _bad("Field 'id' cannot be null; leave it out to get a new id.")
    if registry.id_kind == "string" and cleaned.get("id") == "":
        raise _bad("Field 'id' cannot be empty; leave it out to get a new id.")
    return cleaned


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _matches(content: dict[str, Any], query: dict[str, Any]) -> bool:
    return all(
        _text(content.get(name)) == _text(value) for name, value in query.items()
    )


def _sort_key(registry: Registry, name: str, content: dict[str, Any]) -> tuple:
    value = content.get(name)
    if value is None:
        return (1, 0, "")
    if isinstance(value, bool):
        return (0, int(value), "")
    if isinstance(value, int | float):
        return (0, value, "")
    return (0, 0, str(value).casefold())


def _rows(
    session: Session, workspace_id: str, registry: Registry
) -> list[RegistryRecord]:
    rows = session.scalars(
        select(RegistryRecord).where(
            RegistryRecord.workspace_id == workspace_id,
            RegistryRecord.registry_code == registry.code,
            RegistryRecord.version == registry.version,
        )
    ).all()
    return sorted(rows, key=lambda row: _sort_key(registry, "id", row.content))


def find_records(
    session: Session, workspace_id: str, registry: Registry, query: dict[str, Any]
) -> list[RegistryRecord]:
    """Every record whose fields equal all of ``query`` (the spec's query.content)."""
    if not isinstance(query, dict) or not query:
        raise _bad(
            "query.content must name at least one field to match, "
            'for example {"query": {"content": {"id": "PRSN0001"}}}.'
        )
    _known_fields(registry, query)
    for name, value in query.items():
        if isinstance(value, dict | list):
            raise _bad(
                f"query.content.{name} must be a single value, "
                f"not a {type(value).__name__}."
            )
    return [
        row
        for row in _rows(session, workspace_id, registry)
        if _matches(row.content, query)
    ]


@dataclass(frozen=True)
class Page:
    """One page of a list: the total that matched and this page's records."""

    count: int
    page: int
    page_size: int
    results: list[dict[str, Any]]

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.count


def list_records(
    session: Session,
    workspace_id: str,
    registry: Registry,
    *,
    search: str | None = None,
    filter_field: str | None = None,
    ordering: str | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    exact: dict[str, str] | None = None,
) -> Page:
    """The spec's list: ``search`` (a regular expression, case-insensitive) in
    ``filter_field`` or in any field, ``query.<field>`` exact matches,
    ``ordering`` by a field (``-field`` or ``descending`` to reverse), pages."""
    for name in [filter_field or "id", *(exact or {})]:
        if registry.field(name) is None:
            raise _bad(
                f"Registry '{registry.code}' has no field '{name}'. "
                f"Its fields are: {', '.join(registry.field_names)}."
            )
    contents = [row.content for row in _rows(session, workspace_id, registry)]
    if exact:
        contents = [c for c in contents if _matches(c, exact)]
    if search:
        pattern = compile_search(search)
        fields = [filter_field] if filter_field else registry.field_names
        contents = [
            c for c in contents if any(pattern.search(_text(c.get(f))) for f in fields)
        ]
    field, reverse = _ordering(registry, ordering)
    contents.sort(key=lambda c: _sort_key(registry, field, c), reverse=reverse)
    start = (page - 1) * page_size
    return Page(len(contents), page, page_size, contents[start : start + page_size])


#: Repetitions (``*``, ``+``, ``{m,n}``) one search expression may use.
MAX_REPEATS = 3


def _repeats(items: Any, inside_repeat: bool = False) -> int:
    """Count repetitions in a parsed pattern. Refuse nested repetition,
    repeated alternatives and backreferences: they can make matching take
    exponential time on a hosted sandbox."""
    count = 0
    for op, argument in items:
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            if inside_repeat:
                raise _bad(
                    "search repeats a group that itself repeats, which could run "
                    "for ever; simplify the expression."
                )
            count += 1 + _repeats(argument[2], True)
        elif name in ("GROUPREF", "GROUPREF_EXISTS"):
            raise _bad("search may not use backreferences such as \\1.")
        elif name == "BRANCH":
            if inside_repeat:
                raise _bad(
                    "search repeats a group of alternatives such as (a|b)*, which "
                    "could run for ever; use a character class like [ab]* instead."
                )
            count += sum(_repeats(branch, inside_repeat) for branch in argument[1])
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            count += _repeats(argument[-1], inside_repeat)
        elif name in ("ASSERT", "ASSERT_NOT"):
            count += _repeats(argument[1], inside_repeat)
    return count


def compile_search(search: str) -> re.Pattern[str]:
    """The ``search`` expression, compiled case-insensitively.

    Only expressions that match in reasonable time are accepted: no nested
    repetition, no backreferences, at most :data:`MAX_REPEATS` repetitions.
    """
    if len(search) > MAX_SEARCH:
        raise _bad(f"search is longer than {MAX_SEARCH} characters.")
    try:
        pattern = re.compile(search, re.IGNORECASE)
        parsed = re_parser.parse(search)
    except re.error as exc:
        raise _bad(f"search is not a valid regular expression ({exc}).") from None
    if _repeats(parsed) > MAX_REPEATS:
        raise _bad(
            f"search uses more than {MAX_REPEATS} repetitions (*, +, {{m,n}}); "
            "simplify the expression."
        )
    return pattern


def _ordering(registry: Registry, ordering: str | None) -> tuple[str, bool]:
    text = (ordering or "").strip()
    if text.lower() in ("", "asc", "ascending"):
        return "id", False
    if text.lower() in ("desc", "descending"):
        return "id", True
    reverse = text.startswith("-")
    name = text.lstrip("-+")
    if registry.field(name) is None:
        raise _bad(
            f"Cannot order by '{text}': use a field name "
            f"({', '.join(registry.field_names)}), "
            "with '-' in front to reverse, or 'ascending' / 'descending'."
        )
    return name, reverse


def _next_id(session: Session, workspace_id: str, registry: Registry) -> Any:
    ids = [row.content.get("id") for row in _rows(session, workspace_id, registry)]
    if registry.id_kind == "integer":
        numbers = [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
        return max(numbers, default=0) + 1
    suffixes = [
        int(i[len(registry.id_prefix) :])
        for i in ids
        if isinstance(i, str)
        and i.startswith(registry.id_prefix)
        and i[len(registry.id_prefix) :].isdigit()
    ]
    return f"{registry.id_prefix}{max(suffixes, default=0) + 1:04d}"


def _check_id_type(registry: Registry, value: Any) -> None:
    if registry.id_kind == "integer" and not isinstance(value, int):
        raise _bad(f"Field 'id' of registry '{registry.code}' must be a whole number.")
    if registry.id_kind == "string" and not isinstance(value, str):
        raise _bad(f"Field 'id' of registry '{registry.code}' must be a string.")


def create_record(
    session: Session, workspace_id: str, registry: Registry, content: dict[str, Any]
) -> dict[str, Any]:
    """Add one record; a missing ``id`` is given the next free one."""
    record = validate_write(registry, content, complete=True)
    if "id" in record:
        _check_id_type(registry, record["id"])
        if find_records(session, workspace_id, registry, {"id": record["id"]}):
            raise _bad(
                f"A '{registry.code}' record with id {record['id']!r} already exists. "
                "Use update (or updateOrCreate) to change it, or leave id out."
            )
    else:
        record = {"id": _next_id(session, workspace_id, registry), **record}
    record = {name: record.get(name) for name in registry.field_names if name in record}
    row = RegistryRecord(
        workspace_id=workspace_id,
        registry_code=registry.code,
        version=registry.version,
        record_id=_text(record["id"]),
        content=record,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise SandboxError(
            409,
            "conflict",
            f"Another request created a '{registry.code}' record with id "
            f"{record['id']!r} at the same moment. Try again.",
        ) from None
    return dict(record)


def update_records(
    session: Session,
    workspace_id: str,
    registry: Registry,
    query: dict[str, Any],
    write: dict[str, Any],
    *,
    every: bool,
) -> list[dict[str, Any]]:
    """Apply ``write`` to the first matching record (or to all, with ``every``)."""
    changes = validate_write(registry, write, complete=False)
    if not changes:
        raise _bad("write.content is empty: name the fields to change.")
    rows = find_records(session, workspace_id, registry, query)
    if not rows:
        raise SandboxError(404, "not_found", NOT_FOUND)
    if not every:
        rows = rows[:1]
    updated = []
    for row in rows:
        if "id" in changes and _text(changes["id"]) != row.record_id:
            raise _bad(
                "A record's id cannot be changed with update. Create a new record "
                "and delete the old one instead."
            )
        content = {**row.content, **changes}
        for field in registry.fields:
            if field.required and content.get(field.name) is None:
                raise _bad(f"Field '{field.name}' is required and cannot be null.")
        row.content = {n: content[n] for n in registry.field_names if n in content}
        row.updated_at = utcnow()
        updated.append(dict(row.content))
    session.flush()
    return updated


def delete_record(
    session: Session, workspace_id: str, registry: Registry, record_id: str
) -> None:
    """Remove the record with this id, or answer 404."""
    rows: Iterable[RegistryRecord] = session.scalars(
        select(RegistryRecord).where(
            RegistryRecord.workspace_id == workspace_id,
            RegistryRecord.registry_code == registry.code,
            RegistryRecord.version == registry.version,
            RegistryRecord.record_id == record_id,
        )
    ).all()
    found = False
    for row in rows:
        session.delete(row)
        found = True
    if not found:
        raise SandboxError(404, "not_found", NOT_FOUND)
    session.flush()
