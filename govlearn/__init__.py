"""GovLearn: hands-on GovStack learning.

``govlearn.connect()`` returns a :class:`Client` bound to one learner, talking
to a hosted sandbox (``GOVLEARN_SANDBOX_URL``) or to an embedded one started in
the background.
"""

from __future__ import annotations

__version__ = "0.1.0"

from ._client import Client, connect
from ._errors import (
    AccessDenied,
    AuthenticationError,
    BadRequest,
    ConfigurationError,
    GovLearnError,
    IdentityError,
    MediatorError,
    ProviderError,
    ProviderUnreachable,
    RateLimited,
    SandboxError,
    SandboxUnavailable,
    ServiceDisabled,
    TokenError,
    UnknownService,
)

__all__ = [
    "AccessDenied",
    "AuthenticationError",
    "BadRequest",
    "Client",
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
    "__version__",
    "connect",
]
