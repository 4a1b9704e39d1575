"""GovLearn: hands-on GovStack learning.

``govlearn.connect()`` returns a :class:`Client` bound to one learner, talking
to a hosted sandbox (``GOVLEARN_SANDBOX_URL``) or to an embedded one started in
the background.
"""

from __future__ import annotations

__version__ = "0.1.0"

from ._client import Client, connect
from ._errors import (
    AuthenticationError,
    ConfigurationError,
    GovLearnError,
    RateLimited,
    SandboxError,
    SandboxUnavailable,
)

__all__ = [
    "AuthenticationError",
    "Client",
    "ConfigurationError",
    "GovLearnError",
    "RateLimited",
    "SandboxError",
    "SandboxUnavailable",
    "__version__",
    "connect",
]
