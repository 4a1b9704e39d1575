"""What the Registries, Payments and Consent helpers share: one way to call a
provider service, through the Information Mediator or directly.

Through the mediator (the default), a call goes to
``/r1/SANDBOX/GOV/PROVIDER/<SUBSYSTEM>/<service>/<path>`` as the client
subsystem ``SANDBOX/ORG/CLIENT/TEST``, exactly as the GovStack sandbox's USCT
backend calls its building blocks. With ``direct=True`` it goes straight to
the emulator's own address in the sandbox, which helps to compare the two.

A provider's error answer becomes a :class:`~govlearn.ProviderError` whose
message says what was attempted, what the provider said, and what to try.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from ._errors import ConfigurationError, ProviderError, SandboxError
from ._logging import logger

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["DEFAULT_CLIENT", "Explainer", "ProviderHelper"]

#: The X-Road client subsystem the GovStack sandbox's USCT backend calls as.
DEFAULT_CLIENT = "SANDBOX/ORG/CLIENT/TEST"

#: ``(response, attempted) -> (code, message)`` for a provider's error answer,
#: or ``None`` to leave the error as it is.
Explainer = Callable[[httpx.Response, str], tuple[str, str] | None]


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class ProviderHelper:
    """Base of the helpers for one provider service behind the mediator.

    **Parameters:**

    * **client** - the learner's :class:`govlearn.Client`.
    * **direct** - call the emulator at its own address instead of through
      the Information Mediator.
    * **xroad_client** - the client subsystem to call as (mediated calls).
    """

    #: X-Road service id, e.g. ``SANDBOX/GOV/PROVIDER/PAYMENT/emulator``.
    SERVICE = ""
    #: Where the emulator's routes live in the sandbox.
    BASE_PATH = ""
    #: Human name of the provider, for messages.
    PROVIDER = ""
    #: The body field in which the provider explains an error.
    DESCRIPTION_FIELD = ""

    def __init__(
        self,
        client: Client,
        *,
        direct: bool = False,
        xroad_client: str = DEFAULT_CLIENT,
    ) -> None:
        self._client = client
        self.direct = direct
        self.xroad_client = xroad_client

    def __repr__(self) -> str:
        route = "directly" if self.direct else f"via the mediator as {self.SERVICE}"
        return f"<govlearn {type(self).__name__} helpers, calling {route}>"

    def _described(self, response: httpx.Response) -> str:
        """What the provider said: its ``DESCRIPTION_FIELD``, else the body."""
        body = _body(response)
        if body is None:
            return response.text[:200]
        if isinstance(body, dict) and self.DESCRIPTION_FIELD in body:
            return str(body[self.DESCRIPTION_FIELD])
        return str(body)[:200]

    def _answered(self, response: httpx.Response, attempted: str) -> str:
        """The first sentence of an error message: the attempt and the answer."""
        return (
            f"Attempted to {attempted}, but the {self.PROVIDER} answered "
            f'{response.status_code} "{self._described(response)}".'
        )

    def _explain(
        self, response: httpx.Response, attempted: str
    ) -> tuple[str, str] | None:
        """Turn a provider's error answer into ``(code, message)``; subclasses."""
        return None

    def _provider_error(
        self, response: httpx.Response, attempted: str
    ) -> SandboxError | None:
        if response.status_code in (401, 429):
            return None
        explained = self._explain(response, attempted)
        if explained is None:
            body = _body(response)
            text = response.text[:300] if body is None else str(body)[:300]
            explained = (
                "provider_error",
                f"Attempted to {attempted}, but the {self.PROVIDER} answered "
                f"{response.status_code}: {text}",
            )
        code, message = explained
        return ProviderError(
            message, code=code, request=response.request, response=response
        )

    def _call(
        self,
        method: str,
        path: str,
        *,
        attempted: str,
        ok: tuple[int, ...] = (),
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request to the provider and return its answer.

        Statuses in ``ok`` are returned rather than raised.
        """
        if self.direct:
            return self._client.request(
                method,
                self.BASE_PATH + path,
                attempted=attempted,
                error_parser=self._provider_error,
                ok=ok,
                **kwargs,
            )
        mediator = getattr(self._client, "mediator", None)
        if mediator is None:
            raise ConfigurationError(
                f"Attempted to {attempted} through the Information Mediator, but "
                "this GovLearn installation has no mediator helpers. Pass "
                "direct=True to call the emulator directly."
            )
        try:
            response: httpx.Response = mediator.call(
                method, self.SERVICE, path, client=self.xroad_client, **kwargs
            )
        except ProviderError as exc:
            if exc.response is not None and exc.response.status_code in ok:
                return exc.response
            better = (
                None
                if exc.response is None
                else self._provider_error(exc.response, attempted)
            )
            if better is None:
                raise
            raise better from exc
        if response.is_error and response.status_code not in ok:
            error = self._provider_error(response, attempted)
            if error is not None:
                raise error
        logger.debug(
            "%s %s via %s: %s", method, path, self.SERVICE, response.status_code
        )
        return response
