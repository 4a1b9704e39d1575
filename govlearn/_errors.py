"""The exceptions the ``govlearn`` helper package raises.

Every exception is a :class:`GovLearnError`, so a notebook can catch them all::

    GovLearnError
    ├── ConfigurationError        a setting is missing or wrong
    ├── SandboxUnavailable        the sandbox could not be started or reached
    └── SandboxError              the sandbox answered with an error
        ├── AuthenticationError   the learner key is missing, unknown or revoked
        ├── RateLimited           too many calls; wait ``retry_after`` seconds
        ├── IdentityError         the Identity building block refused a request
        │   └── TokenError        the token endpoint refused a request (OAuth error)
        ├── MediatorError         the Information Mediator refused a request
        │   ├── BadRequest              Client.BadRequest
        │   ├── UnknownService          Server.ServerProxy.UnknownService
        │   ├── AccessDenied            Server.ServerProxy.AccessDenied
        │   ├── ServiceDisabled         Server.ServerProxy.ServiceDisabled
        │   └── ProviderUnreachable     Server.ServerProxy.NetworkError
        └── ProviderError         a service behind the mediator answered with an error

Errors raised for an HTTP answer carry ``.request`` and ``.response``.
Messages say what was attempted, what went wrong and what to try next.
"""

from __future__ import annotations

import httpx

__all__ = [
    "AccessDenied",
    "AuthenticationError",
    "BadRequest",
    "ConfigurationError",
    "GovLearnError",
    "IdentityError",
    "MediatorError",
    "ProviderError",
    "ProviderUnreachable",
    "RateLimited",
    "SandboxError",
    "SandboxUnavailable",
    "ServiceDisabled",
    "TokenError",
    "UnknownService",
]


class GovLearnError(Exception):
    """Base class of every error the helper package raises."""


class ConfigurationError(GovLearnError):
    """A setting GovLearn needs is missing or has a wrong value."""


class SandboxUnavailable(GovLearnError):
    """The sandbox could not be started or reached.

    For example, ``GOVLEARN_SANDBOX_URL`` points at a server that is down.
    """


class SandboxError(GovLearnError):
    """The sandbox answered a request with an error status.

    ``code`` is the machine-readable error code of the building block, for
    example ``invalid_transaction`` or ``Server.ServerProxy.AccessDenied``.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.request = request
        self.response = response

    @property
    def status_code(self) -> int | None:
        """The HTTP status of the answer, if there was one."""
        return None if self.response is None else self.response.status_code

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (_rebuild, (type(self), str(self), self.code))


def _rebuild(cls: type[SandboxError], message: str, code: str | None) -> SandboxError:
    error = cls.__new__(cls)
    SandboxError.__init__(error, message, code=code)
    return error


class AuthenticationError(SandboxError):
    """The learner key is missing, unknown or revoked."""


class RateLimited(SandboxError):
    """The sandbox is limiting this learner's calls for a moment.

    ``retry_after`` is the number of seconds to wait before calling again.
    """

    @property
    def retry_after(self) -> float:
        if self.response is None:
            return 1.0
        try:
            return float(self.response.headers.get("Retry-After", "1"))
        except ValueError:
            return 1.0


class IdentityError(SandboxError):
    """The Identity building block refused a request.

    ``code`` is the spec's ``errorCode``, for example ``invalid_transaction``,
    ``auth_failed`` or ``duplicate_client_id``.
    """


class TokenError(IdentityError):
    """The token endpoint refused a request (an OAuth 2.0 error).

    ``code`` is the OAuth ``error``, for example ``invalid_assertion``.
    """


class MediatorError(SandboxError):
    """The Information Mediator refused a request.

    ``code`` is the X-Road error type, for example ``Client.BadRequest``; the
    same text is in the response's ``X-Road-Error`` header.
    """


class BadRequest(MediatorError):
    """``Client.BadRequest``: the service path or the client header is malformed."""


class UnknownService(MediatorError):
    """``Server.ServerProxy.UnknownService``: no such service in the directory."""


class AccessDenied(MediatorError):
    """``Server.ServerProxy.AccessDenied``: the client may not call the service."""


class ServiceDisabled(MediatorError):
    """``Server.ServerProxy.ServiceDisabled``: the provider switched the service off."""


class ProviderUnreachable(MediatorError):
    """``Server.ServerProxy.NetworkError``: the provider behind the service is down."""


class ProviderError(SandboxError):
    """A service behind the mediator answered with an error of its own.

    The mediator passes such errors through untouched; ``response`` holds the
    provider's own status and body.
    """
