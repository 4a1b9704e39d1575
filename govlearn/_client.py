"""The learner's client: one object per learner, with a namespace per building block."""

from __future__ import annotations

import functools
import importlib
import ssl
from collections.abc import Callable
from typing import Any

import httpx

from ._config import sandbox_target
from ._errors import (
    AuthenticationError,
    ConfigurationError,
    RateLimited,
    SandboxError,
    SandboxUnavailable,
)
from ._logging import logger

__all__ = ["Client", "connect"]

LEARNER_HEADER = "X-GovLearn-Key"
DEFAULT_LEARNER = "learner"

#: attribute name -> "module:Class" of each building block's helpers.
_NAMESPACES = {
    "identity": "govlearn.identity:Identity",
    "mediator": "govlearn.mediator:Mediator",
    "registries": "govlearn.registries:Registries",
    "payments": "govlearn.payments:Payments",
    "consent": "govlearn.consent:Consent",
}

ErrorParser = Callable[[httpx.Response, str], SandboxError | None]


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """One TLS context per process, shared by every client.

    Building one reads the whole CA bundle (about 30 ms), which a notebook
    that connects several learners would otherwise pay each time.
    """
    return httpx.create_ssl_context()


def preload() -> None:
    """Do ahead of time what the first :func:`connect` would do.

    Imports every building block's helpers and builds the TLS context; the
    grading engine calls it in its kernel templates, before kernels fork.
    """
    for target in _NAMESPACES.values():
        try:
            importlib.import_module(target.split(":")[0])
        except ModuleNotFoundError:
            continue
    _tls_context()


def _describe(response: httpx.Response) -> tuple[str | None, str]:
    """Pull a code and a message out of any of the sandbox's error bodies."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:200]
    if isinstance(body, dict):
        if isinstance(body.get("errors"), list) and body["errors"]:
            first = body["errors"][0]
            if isinstance(first, dict):
                return first.get("errorCode"), str(first.get("errorMessage", ""))
        for code_key, text_key in (
            ("error", "message"),
            ("error", "error_description"),
            ("type", "message"),
        ):
            if code_key in body:
                return str(body[code_key]), str(body.get(text_key, ""))
    return None, str(body)[:200]


class Client:
    """A learner's connection to the sandbox.

    ``http`` is the underlying :class:`httpx.Client`, with the sandbox URL as
    base and the learner key already in its headers, for making calls by hand.
    The building blocks have their own helpers: ``identity``, ``mediator``,
    ``registries``, ``payments`` and ``consent``.
    """

    identity: Any
    mediator: Any
    registries: Any
    payments: Any
    consent: Any

    def __init__(
        self,
        url: str,
        learner_key: str,
        *,
        timeout: float = 15.0,
        transport: httpx.BaseTransport | None = None,
        embedded: bool = False,
    ) -> None:
        self.url = url.rstrip("/")
        self.embedded = embedded
        self.http = httpx.Client(
            base_url=self.url,
            headers={LEARNER_HEADER: learner_key},
            timeout=timeout,
            transport=transport,
            verify=_tls_context(),
        )
        for attribute, target in _NAMESPACES.items():
            module_name, class_name = target.split(":")
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            setattr(self, attribute, getattr(module, class_name)(self))

    def __repr__(self) -> str:
        kind = "embedded" if self.embedded else "hosted"
        return f"<govlearn.Client {kind} sandbox at {self.url}>"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        attempted: str,
        error_parser: ErrorParser | None = None,
        ok: tuple[int, ...] = (),
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request; raise a :class:`SandboxError` for an error answer.

        ``attempted`` completes the sentence "Attempted to ...", for messages.
        ``error_parser`` lets a building block map its own error bodies; it
        returns ``None`` to fall back to the generic mapping. Statuses in
        ``ok`` are returned even when they are 4xx or 5xx.
        """
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise SandboxUnavailable(
                f"Attempted to {attempted}, but the sandbox at {self.url} could not "
                f"be reached ({exc.__class__.__name__}). Check that it is running "
                "and that GOVLEARN_SANDBOX_URL is right."
            ) from exc
        logger.info(
            'Sandbox call: %s %s "%d"',
            method,
            response.request.url.path,
            response.status_code,
        )
        if response.is_success or response.status_code in ok:
            return response
        if error_parser is not None:
            error = error_parser(response, attempted)
            if error is not None:
                raise error
        raise self.error_for(response, attempted)

    def error_for(self, response: httpx.Response, attempted: str) -> SandboxError:
        """The generic error for an error answer, with a learner-friendly message."""
        code, message = _describe(response)
        status = response.status_code
        cls: type[SandboxError] = SandboxError
        hint = ""
        if status == 401 or code in {"missing_learner_key", "unknown_learner_key"}:
            cls = AuthenticationError
            hint = " Check your learner key (GOVLEARN_LEARNER_KEY)."
        elif status == 429:
            cls = RateLimited
            hint = " Wait a few seconds, then try again."
        text = f"Attempted to {attempted}, but the sandbox answered {status}"
        text += f" ({code}): {message}" if code else f": {message}"
        return cls(
            text.rstrip() + hint,
            code=code,
            request=response.request,
            response=response,
        )

    def whoami(self) -> dict[str, Any]:
        """Which learner this client acts as."""
        data: dict[str, Any] = self.request(
            "GET", "/workspace", attempted="find out which learner this key belongs to"
        ).json()
        return data

    def reset_workspace(self) -> int:
        """Empty your workspace and start again from the seed data.

        Returns how many records were removed.
        """
        data = self.request(
            "POST", "/workspace/reset", attempted="reset your workspace"
        ).json()
        return int(data["removedRecords"])


def connect(
    learner: str | None = None,
    *,
    url: str | None = None,
    key: str | None = None,
    timeout: float = 15.0,
) -> Client:
    """Return a client for one learner.

    With ``url`` (or ``GOVLEARN_SANDBOX_URL``) it talks to that hosted sandbox
    with ``key`` (or ``GOVLEARN_LEARNER_KEY``). Otherwise it starts the embedded
    sandbox in the background, once per process, and acts as ``learner``
    (default ``"learner"``; pass another id to act as a second learner).
    """
    target = sandbox_target()
    if url is not None or (target is not None and learner is None):
        base = (url or (target.url if target else "")).rstrip("/")
        learner_key = key or (target.learner_key if target else None)
        if not learner_key:
            raise ConfigurationError(
                f"Attempted to connect to the sandbox at {base}, but no learner key "
                "was given. Set GOVLEARN_LEARNER_KEY to the key your instructor "
                "gave you, or pass key=... to govlearn.connect()."
            )
        return Client(base, learner_key, timeout=timeout)
    from ._embedded import start_embedded

    sandbox = start_embedded()
    learner_id = learner or DEFAULT_LEARNER
    return Client(
        sandbox.url, key or sandbox.key_for(learner_id), timeout=timeout, embedded=True
    )
