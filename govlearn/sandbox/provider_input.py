"""A guard every provider emulator puts in front of its routes.

PostgreSQL text cannot hold the NUL character, so a NUL anywhere in a path,
query or JSON body would fail deep inside the database. The guard refuses
such requests first, with a 400 that each emulator renders in its own style.
"""

from __future__ import annotations

import re

from fastapi import Request

from .errors import SandboxError

__all__ = ["refuse_nul_characters"]

_ESCAPED_NUL = re.compile(rb"\\u0000", re.IGNORECASE)


async def refuse_nul_characters(request: Request) -> None:
    """FastAPI dependency: 400 if the request carries a NUL character."""
    where = None
    if "\x00" in request.url.path:
        where = "the path"
    elif "\x00" in str(request.query_params) or "%00" in request.url.query:
        where = "the query"
    elif request.method in ("POST", "PUT", "PATCH"):
        body = await request.body()
        if b"\x00" in body or _ESCAPED_NUL.search(body):
            where = "the body"
    if where is not None:
        raise SandboxError(
            400,
            "invalid_request",
            f"Invalid request: {where} contains a NUL character (\\u0000), which "
            "the sandbox cannot store. Remove it and try again.",
        )
