"""The Identity building block's envelopes and error shapes.

Requests are ``{requestTime, request}``; answers are ``{responseTime,
response, errors}``. Following the spec (and eSignet), a refused request is
answered with HTTP 200 and a non-empty ``errors`` list of ``{errorCode,
errorMessage}``. Only the token endpoint answers the OAuth way: HTTP 400 with
``{error, error_description}``. Problems of the sandbox itself keep their own
status: 401 for a missing or unknown learner key, 404, 405, 413 and 429.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from ..db import utcnow
from ..errors import SandboxError, error_style

__all__ = [
    "ENVELOPE_PREFIXES",
    "IdentityFailure",
    "aware",
    "envelope",
    "timestamp",
]

#: The paths whose errors use the ``errors[]`` envelope.
ENVELOPE_PREFIXES = (
    "/.well-known",
    "/client-mgmt",
    "/authorization",
    "/oidc",
    "/verification",
)


class IdentityFailure(SandboxError):
    """A refusal in the spec's vocabulary, answered as HTTP 200 + ``errors``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(200, code, message)


def timestamp(when: dt.datetime | None = None) -> str:
    """An ISO 8601 UTC time with milliseconds, as MOSIP writes it."""
    when = when or utcnow()
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{when.microsecond // 1000:03d}Z"
    )


def aware(when: dt.datetime) -> dt.datetime:
    """``when`` as a UTC-aware datetime (SQLite hands back naive ones)."""
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def envelope(response: Any) -> dict[str, Any]:
    """A successful answer."""
    return {"responseTime": timestamp(), "response": response, "errors": []}


def _code(error: SandboxError) -> str:
    """FastAPI's unreadable-body error, in the spec's words."""
    if error.code == "http_error" and error.status_code == 400:
        return "invalid_request"
    return error.code


def _status(error: SandboxError, *, keep_400: bool = False) -> int:
    if error.status_code == 400 and not keep_400:
        return 200
    return error.status_code


def _render_envelope(request: Request, error: SandboxError) -> Response:
    headers = dict(error.headers)
    if error.code == "invalid_token" and error.status_code == 401:
        headers.setdefault("WWW-Authenticate", f'Bearer error="{error.code}"')
    return JSONResponse(
        {
            "responseTime": timestamp(),
            "response": None,
            "errors": [{"errorCode": _code(error), "errorMessage": error.message}],
        },
        status_code=_status(error),
        headers=headers,
    )


for _prefix in ENVELOPE_PREFIXES:
    error_style(_prefix)(_render_envelope)


@error_style("/authorize")
def _render_authorize(request: Request, error: SandboxError) -> Response:
    """``/authorize`` is a browser endpoint: errors keep their HTTP status."""
    return JSONResponse(
        {
            "responseTime": timestamp(),
            "response": None,
            "errors": [{"errorCode": _code(error), "errorMessage": error.message}],
        },
        status_code=200 if error.status_code == 200 else error.status_code,
        headers=error.headers,
    )


@error_style("/enrollment")
def _render_enrollment(request: Request, error: SandboxError) -> Response:
    """The enrollment API's own envelope (``responsetime``, ``message``)."""
    return JSONResponse(
        {
            "id": "govstack.enrollment",
            "version": "v1",
            "responsetime": timestamp(),
            "metaData": None,
            "response": None,
            "errors": [
                {
                    "errorCode": _code(error),
                    "message": error.message,
                    "errorMessage": error.message,
                }
            ],
        },
        status_code=_status(error),
        headers=error.headers,
    )


@error_style("/oauth")
def _render_oauth(request: Request, error: SandboxError) -> Response:
    """RFC 6749 section 5.2 errors: ``{error, error_description}``."""
    status = 400 if error.status_code == 200 else error.status_code
    return JSONResponse(
        {"error": _code(error), "error_description": error.message},
        status_code=status,
        headers={"Cache-Control": "no-store", **error.headers},
    )
