"""Settings of one sandbox process."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace

from .._config import home

__all__ = ["SandboxSettings", "default_database_url"]

ENV_DATABASE_URL = "GOVLEARN_DATABASE_URL"
ENV_ADMIN_KEY = "GOVLEARN_ADMIN_KEY"


def default_database_url() -> str:
    """The SQLite file under the GovLearn home folder."""
    return f"sqlite:///{home() / 'sandbox.db'}"


@dataclass(frozen=True)
class SandboxSettings:
    """Everything one sandbox process needs to know.

    **Parameters:**

    * **database_url** - a SQLAlchemy URL: ``sqlite:///path`` or
      ``postgresql://user@host/db``.
    * **admin_key** - the instructor's key for the admin routes.
    * **public_url** - the address learners use; it becomes the OIDC issuer.
      Left empty, it is derived from each request.
    * **rate_limit** - calls per second allowed to one learner key, on average.
    * **rate_burst** - calls one learner key may make at once before limiting.
    * **max_body_bytes** - the largest request body accepted.
    * **service_networks** - where the mediator may forward services that
      learners register with a URL: ``any`` (the default, for a sandbox on
      the learner's own machine), ``public`` (the public internet only; a
      served sandbox's default) or a list of networks allowed besides it.
      Link-local addresses (cloud metadata) are refused always.
    * **housekeeping_interval** - seconds between two clean-ups of rows that
      can no longer be used (expired codes, tokens); 0 turns them off. The
      first runs as the sandbox starts.
    """

    database_url: str = field(default_factory=default_database_url)
    admin_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    public_url: str = ""
    rate_limit: float = 100.0
    rate_burst: int = 200
    max_body_bytes: int = 1_048_576
    service_networks: str = "any"
    housekeeping_interval: float = 3600.0

    @classmethod
    def from_env(cls, **overrides: object) -> SandboxSettings:
        """Build settings from ``GOVLEARN_DATABASE_URL`` and ``GOVLEARN_ADMIN_KEY``."""
        values: dict[str, object] = {}
        if os.environ.get(ENV_DATABASE_URL):
            values["database_url"] = os.environ[ENV_DATABASE_URL]
        if os.environ.get(ENV_ADMIN_KEY):
            values["admin_key"] = os.environ[ENV_ADMIN_KEY]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return (
            f"SandboxSettings(database_url={self.database_url!r}, admin_key='****', "
            f"public_url={self.public_url!r}, rate_limit={self.rate_limit!r})"
        )
