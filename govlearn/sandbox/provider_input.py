"""A guard every provider emulator puts in front of its routes.

Some text cannot be stored: PostgreSQL text holds no NUL character, and no
database encodes a lone UTF-16 surrogate (``"\\ud800"`` in JSON) as UTF-8. A
request carrying either would fail deep inside the database; the guard
refuses it first, with a 400 that each emulator renders in its own style.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from .errors import SandboxError

__all__ = ["refuse_unstorable_text"]


def _problem(text: str) -> str | None:
    if "\x00" in text:
        return "a NUL character (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "an unpaired surrogate (an invalid character)"
    return None


def _body_problem(data: Any) -> str | None:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            problem = _problem(item)
            if problem:
                return problem
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


async def refuse_unstorable_text(request: Request) -> None:
    """FastAPI dependency: 400 if the path, query or JSON body has text that
    cannot be stored."""
    where, problem = "the path", _problem(request.url.path)
    if problem is None:
        where, problem = "the query", _problem(str(request.query_params))
    if problem is None and "%00" in request.url.query:
        where, problem = "the query", "a NUL character (\\u0000)"
    if problem is None and request.method in ("POST", "PUT", "PATCH"):
        try:
            data = json.loads(await request.body() or b"null")
        except (ValueError, RecursionError):
            data = None  # FastAPI reports the malformed body itself.
        where, problem = "the body", _body_problem(data)
    if problem is not None:
        raise SandboxError(
            400,
            "invalid_request",
            f"Invalid request: {where} contains {problem}, which the sandbox "
            "cannot store. Remove it and try again.",
        )
