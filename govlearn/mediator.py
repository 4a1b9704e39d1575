"""Helpers for the Information Mediator, available as ``client.mediator``.

The Information Mediator is the sandbox's X-Road style security server. A
service is named by a :class:`ServiceId` such as
``SANDBOX/GOV/PROVIDER/PAYMENT/emulator``; the caller by a :class:`ClientId`
such as ``SANDBOX/ORG/CLIENT/TEST``::

    client = govlearn.connect()
    response = client.mediator.call("GET", "SANDBOX/GOV/PROVIDER/TEST/health", "/")
    response.json()                     # {'status': 'UP'}
    response.headers["X-Road-Id"]       # the id of this exchange

Refusals of the mediator raise a :class:`~govlearn.MediatorError` subclass
(:class:`~govlearn.AccessDenied`, :class:`~govlearn.UnknownService` ...); an
error answer of the provider itself raises :class:`~govlearn.ProviderError`
with the provider's response untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from ._errors import (
    AccessDenied,
    AuthenticationError,
    BadRequest,
    MediatorError,
    ProviderError,
    ProviderUnreachable,
    RateLimited,
    SandboxError,
    SandboxUnavailable,
    ServiceDisabled,
    UnknownService,
)
from ._logging import logger

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["DEFAULT_CLIENT", "ClientId", "Mediator", "ServiceId"]

#: The client subsystem of the GovStack sandbox's USCT backend; it holds a
#: grant on every provider service of a fresh workspace.
DEFAULT_CLIENT = "SANDBOX/ORG/CLIENT/TEST"

_SAFE = "-._~!$&'()*+,=@"
_ERROR_TYPES: dict[str, type[MediatorError]] = {
    "Client.BadRequest": BadRequest,
    "Server.ServerProxy.UnknownService": UnknownService,
    "Server.ServerProxy.AccessDenied": AccessDenied,
    "Server.ServerProxy.ServiceDisabled": ServiceDisabled,
    "Server.ServerProxy.NetworkError": ProviderUnreachable,
}


def _split(text: str, sizes: tuple[int, ...], what: str, example: str) -> list[str]:
    parts = str(text).strip().strip("/").split("/")
    if len(parts) not in sizes or not all(p.strip() for p in parts):
        raise ValueError(
            f"{text!r} is not a {what}: write it as {example}, with "
            f"{' or '.join(str(s) for s in sizes)} parts separated by '/'."
        )
    return parts


@dataclass(frozen=True)
class ClientId:
    """An X-Road client: ``INSTANCE/CLASS/MEMBER`` or ``.../SUBSYSTEM``."""

    instance: str
    member_class: str
    member_code: str
    subsystem_code: str | None = None

    @classmethod
    def parse(cls, text: str | ClientId) -> ClientId:
        """Read ``"SANDBOX/ORG/CLIENT/TEST"``; raises ``ValueError`` if malformed."""
        if isinstance(text, ClientId):
            return text
        parts = _split(text, (3, 4), "client id", "SANDBOX/ORG/CLIENT/TEST")
        return cls(*parts)

    def __str__(self) -> str:
        parts = [self.instance, self.member_class, self.member_code]
        if self.subsystem_code is not None:
            parts.append(self.subsystem_code)
        return "/".join(parts)

    @property
    def path(self) -> str:
        """The id as URL path segments, each part percent-encoded."""
        return "/".join(quote(p, safe=_SAFE) for p in str(self).split("/"))


@dataclass(frozen=True)
class ServiceId:
    """An X-Road service: ``INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE``."""

    instance: str
    member_class: str
    member_code: str
    subsystem_code: str
    service_code: str

    @classmethod
    def parse(cls, text: str | ServiceId) -> ServiceId:
        """Read ``"SANDBOX/GOV/PROVIDER/PAYMENT/emulator"``; ``ValueError`` if not."""
        if isinstance(text, ServiceId):
            return text
        parts = _split(
            text, (5,), "service id", "SANDBOX/GOV/PROVIDER/PAYMENT/emulator"
        )
        return cls(*parts)

    @property
    def subsystem(self) -> ClientId:
        """The provider subsystem that offers the service."""
        return ClientId(
            self.instance, self.member_class, self.member_code, self.subsystem_code
        )

    def __str__(self) -> str:
        return f"{self.subsystem}/{self.service_code}"

    @property
    def path(self) -> str:
        """The id as URL path segments, each part percent-encoded."""
        return "/".join(quote(p, safe=_SAFE) for p in str(self).split("/"))


def _xroad_body(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    kind = response.headers.get("X-Road-Error") or str(body.get("type", ""))
    return kind, str(body.get("message", response.text[:200]))


def _hint(kind: str, service: str, client: str, message: str) -> str:
    if kind.endswith("AccessDenied"):
        return (
            f"{client} holds no access right on {service}. Grant it with "
            f'client.mediator.grant("{service}", "{client}"), or call as a '
            f"client that holds one (a fresh workspace grants {DEFAULT_CLIENT} "
            "every provider service)."
        )
    if kind.endswith("UnknownService") and service.endswith(
        ("/listMethods", "/allowedMethods")
    ):
        return (
            "List the members and subsystems of the instance with "
            "client.mediator.list_clients() and check the spelling: ids are "
            "case-sensitive."
        )
    if kind.endswith("UnknownService"):
        subsystem = service.rsplit("/", 1)[0]
        return (
            f"The directory has no service {service}. List what "
            f'{subsystem} offers with client.mediator.list_methods("{subsystem}") '
            "and check the spelling: ids are case-sensitive."
        )
    if kind.endswith("ServiceDisabled"):
        return (
            f"The service is switched off. Switch it on with "
            f'client.mediator.set_service_enabled("{service}", True).'
        )
    if kind.endswith("NetworkError"):
        return (
            "The mediator could not reach the provider behind the service. Check "
            "that the server at the service's URL is running and reachable."
        )
    if kind == "Client.BadRequest":
        return (
            "Service ids look like SANDBOX/GOV/PROVIDER/PAYMENT/emulator and "
            "clients like SANDBOX/ORG/CLIENT/TEST."
        )
    return "See the response for details."


class Mediator:
    """The Information Mediator helpers of one learner's :class:`govlearn.Client`."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._own_member: str | None = None

    def __repr__(self) -> str:
        return f"<govlearn Mediator helpers for {self._client.url}>"

    # -- errors -----------------------------------------------------------

    def _error(
        self, response: httpx.Response, attempted: str, service: str, client: str
    ) -> SandboxError | None:
        """The exception for an error answer on a mediator path, or ``None``."""
        if response.status_code == 401:
            return None
        kind, message = _xroad_body(response)
        if response.status_code == 429:
            return RateLimited(
                f"Attempted to {attempted}, but the sandbox is limiting your calls "
                "for a moment. Wait a few seconds, then try again.",
                code=kind or None,
                request=response.request,
                response=response,
            )
        if "X-Road-Error" not in response.headers:
            return None
        cls = _ERROR_TYPES.get(kind, MediatorError)
        said = message.rstrip()
        if said and said[-1] not in ".!?":
            said += "."
        return cls(
            f"Attempted to {attempted}, but the Information Mediator refused "
            f"({kind}): {said} {_hint(kind, service, client, message)}",
            code=kind,
            request=response.request,
            response=response,
        )

    def _request(
        self,
        method: str,
        path: str,
        *,
        attempted: str,
        subject: str,
        client: str | None = None,
        ok: tuple[int, ...] = (),
        **kwargs: Any,
    ) -> httpx.Response:
        caller = str(ClientId.parse(client or DEFAULT_CLIENT))
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("X-Road-Client", caller)
        return self._client.request(
            method,
            path,
            attempted=attempted,
            error_parser=lambda r, a: self._error(r, a, subject, caller),
            ok=ok,
            headers=headers,
            **kwargs,
        )

    # -- service access ---------------------------------------------------

    def call(
        self,
        method: str,
        service: str | ServiceId,
        path: str = "",
        *,
        client: str | ClientId | None = None,
        **httpx_kwargs: Any,
    ) -> httpx.Response:
        """Call ``service`` through the mediator and return the provider's answer.

        ``path`` (with its query, if any) is the provider's own path, e.g.
        ``"/register-beneficiary"``. ``client`` is who calls; by default
        :data:`DEFAULT_CLIENT`. Other keyword arguments (``json=``,
        ``content=``, ``params=``, ``headers=`` ...) go to httpx.

        Raises a :class:`~govlearn.MediatorError` subclass when the mediator
        refuses, :class:`~govlearn.ProviderError` when the provider answers
        with an error (its response is in ``.response``, unchanged).
        """
        service_id = ServiceId.parse(service)
        caller = str(ClientId.parse(client or DEFAULT_CLIENT))
        if path and not path.startswith("/"):
            path = "/" + path
        url = f"/r1/{service_id.path}{path}"
        headers = httpx.Headers(httpx_kwargs.pop("headers", None) or {})
        if not any(
            name in headers
            for name in (
                "X-Road-Client",
                "X-GovStack-Client",
                "Information-Mediator-Client",
            )
        ):
            headers["X-Road-Client"] = caller
        attempted = f"call {method.upper()} {path or '/'} on {service_id} as {caller}"
        try:
            response = self._client.http.request(
                method, url, headers=headers, **httpx_kwargs
            )
        except httpx.TransportError as exc:
            raise SandboxUnavailable(
                f"Attempted to {attempted}, but the sandbox at {self._client.url} "
                f"could not be reached ({exc.__class__.__name__}). Check that it "
                "is running."
            ) from exc
        logger.info(
            'Mediated call: %s %s as %s "%d"',
            method.upper(),
            url,
            caller,
            response.status_code,
        )
        if response.is_success:
            return response
        from_mediator = "X-Road-Error" in response.headers
        if from_mediator and response.status_code == 401:
            raise AuthenticationError(
                f"Attempted to {attempted}, but the sandbox did not accept your "
                "learner key. Check GOVLEARN_LEARNER_KEY.",
                code=_xroad_body(response)[0] or None,
                request=response.request,
                response=response,
            )
        if response.status_code < 400:
            return response
        error = self._error(response, attempted, str(service_id), caller)
        if from_mediator and error is not None:
            raise error
        raise ProviderError(
            f"Attempted to {attempted}, but the provider answered "
            f"{response.status_code}: {response.text[:300]} (the mediator passed "
            "this answer on unchanged; see .response).",
            code=str(response.status_code),
            request=response.request,
            response=response,
        )

    # -- directory (metaservices) -----------------------------------------

    def list_clients(self) -> list[dict[str, Any]]:
        """Every member and subsystem of the instance (``listClients``)."""
        data = self._client.request(
            "GET",
            "/listClients",
            attempted="list the clients of the instance",
            headers={"Accept": "application/json"},
        ).json()
        return list(data["member"])

    def list_methods(self, subsystem: str | ClientId) -> list[dict[str, Any]]:
        """The services of a provider subsystem and their endpoints."""
        sub = ClientId.parse(subsystem)
        return list(
            self._request(
                "GET",
                f"/r1/{sub.path}/listMethods",
                attempted=f"list the methods of {sub}",
                subject=f"{sub}/listMethods",
            ).json()["service"]
        )

    def allowed_methods(
        self, subsystem: str | ClientId, *, client: str | ClientId | None = None
    ) -> list[dict[str, Any]]:
        """The services of ``subsystem`` that ``client`` may call."""
        sub = ClientId.parse(subsystem)
        caller = str(ClientId.parse(client or DEFAULT_CLIENT))
        return list(
            self._request(
                "GET",
                f"/r1/{sub.path}/allowedMethods",
                attempted=f"list the methods of {sub} that {caller} may call",
                subject=f"{sub}/allowedMethods",
                client=caller,
            ).json()["service"]
        )

    def get_openapi(
        self, subsystem: str | ClientId, service_code: str
    ) -> dict[str, Any]:
        """The OpenAPI description of one service (``getOpenAPI``)."""
        sub = ClientId.parse(subsystem)
        data: dict[str, Any] = self._request(
            "GET",
            f"/r1/{sub.path}/getOpenAPI",
            attempted=f"fetch the OpenAPI description of {sub}/{service_code}",
            subject=f"{sub}/{service_code}",
            params={"serviceCode": service_code},
        ).json()
        return data

    # -- your member, subsystems, services and rights ---------------------

    def my_member(self) -> str:
        """The member you own in your workspace, e.g. ``SANDBOX/COM/amina``."""
        if self._own_member is None:
            data = self._client.request(
                "GET", "/api/v1/status", attempted="find your own member"
            ).json()
            self._own_member = str(data["ownMember"])
        return self._own_member

    def _patch_config(self, members: list[dict[str, Any]], attempted: str) -> None:
        self._client.request(
            "PATCH", "/api/v1/config", attempted=attempted, json={"members": members}
        )

    def register_subsystem(self, code: str) -> str:
        """Add subsystem ``code`` to your member (idempotent); return its id."""
        own = ClientId.parse(self.my_member())
        self._patch_config(
            [
                {
                    "class": own.member_class,
                    "code": own.member_code,
                    "applications": [{"id": code}],
                }
            ],
            f"register the subsystem {code!r} under {own}",
        )
        return f"{own}/{code}"

    def register_service(
        self, subsystem: str | ClientId, service_code: str, url: str
    ) -> str:
        """Register ``service_code`` on one of your subsystems, served at ``url``.

        Calls to the service are forwarded to ``url`` plus the service path.
        Returns the new service id.
        """
        sub = ClientId.parse(subsystem)
        service = f"{sub}/{service_code}"
        self._patch_config(
            [
                {
                    "class": sub.member_class,
                    "code": sub.member_code,
                    "applications": [
                        {
                            "id": sub.subsystem_code,
                            "services": [{"id": service_code, "serviceUrl": url}],
                        }
                    ],
                }
            ],
            f"register the service {service} at {url}",
        )
        return service

    def set_service_enabled(
        self, service: str | ServiceId, enabled: bool, *, notice: str = ""
    ) -> None:
        """Switch a service on or off; ``notice`` tells callers why it is off."""
        sid = ServiceId.parse(service)
        item: dict[str, Any] = {"id": sid.service_code, "enabled": enabled}
        if notice:
            item["disabledNotice"] = notice
        self._patch_config(
            [
                {
                    "class": sid.member_class,
                    "code": sid.member_code,
                    "applications": [{"id": sid.subsystem_code, "services": [item]}],
                }
            ],
            f"{'enable' if enabled else 'disable'} the service {sid}",
        )

    @staticmethod
    def _rights_entry(service: ServiceId, client: ClientId) -> dict[str, Any]:
        return {
            "memberClass": service.member_class,
            "memberCode": service.member_code,
            "applicationId": service.subsystem_code,
            "serviceId": service.service_code,
            "rights": [
                {
                    "memberClass": client.member_class,
                    "memberCode": client.member_code,
                    "applicationId": client.subsystem_code,
                }
            ],
        }

    def grant(self, service: str | ServiceId, client: str | ClientId) -> None:
        """Allow ``client`` to call ``service``; the next call sees it."""
        sid, cid = ServiceId.parse(service), ClientId.parse(client)
        self._client.request(
            "PATCH",
            "/api/v1/rights/allow",
            attempted=f"grant {cid} access to {sid}",
            json=[self._rights_entry(sid, cid)],
        )

    def revoke(self, service: str | ServiceId, client: str | ClientId) -> None:
        """Withdraw ``client``'s right to call ``service``."""
        sid, cid = ServiceId.parse(service), ClientId.parse(client)
        self._client.request(
            "PATCH",
            "/api/v1/rights/deny",
            attempted=f"revoke {cid}'s access to {sid}",
            json=[self._rights_entry(sid, cid)],
        )

    def access_rights(
        self, service: str | ServiceId | None = None
    ) -> list[dict[str, Any]]:
        """Services and the clients allowed to call them.

        Each item is ``{"service": "SANDBOX/...", "clients": ["SANDBOX/...", ...]}``.
        """
        params: dict[str, str] = {"pageSize": "1000"}
        if service is not None:
            sid = ServiceId.parse(service)
            params.update(
                memberClass=sid.member_class,
                memberCode=sid.member_code,
                applicationId=sid.subsystem_code,
                serviceId=sid.service_code,
            )
        found: list[dict[str, Any]] = []
        while True:
            data = self._client.request(
                "GET",
                "/api/v1/rights/allow",
                attempted="list access rights",
                params=params,
            ).json()
            for entry in data["allowList"]:
                owner = ServiceId(
                    "SANDBOX",
                    entry["memberClass"],
                    entry["memberCode"],
                    entry["applicationId"],
                    entry["serviceId"],
                )
                clients = [
                    str(
                        ClientId(
                            "SANDBOX",
                            r["memberClass"],
                            r["memberCode"],
                            r.get("applicationId"),
                        )
                    )
                    for r in entry["rights"]
                ]
                found.append({"service": str(owner), "clients": clients})
            if not data.get("nextPageToken"):
                return found
            params["nextPageToken"] = data["nextPageToken"]

    # -- message log ------------------------------------------------------

    def message_log(
        self, *, service: str | ServiceId | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Your mediated exchanges, newest first; never their payloads."""
        params: dict[str, str] = {"pageSize": str(max(1, min(limit, 1000)))}
        if service is not None:
            params["service"] = str(ServiceId.parse(service))
        records: list[dict[str, Any]] = []
        while len(records) < limit:
            data = self._client.request(
                "GET",
                "/api/v1/messagelog",
                attempted="read your message log",
                params=params,
            ).json()
            records.extend(data["records"])
            if not data.get("nextPageToken"):
                break
            params["nextPageToken"] = data["nextPageToken"]
        return records[:limit]

    # -- pub/sub ----------------------------------------------------------

    def _room_call(
        self,
        method: str,
        room: str | ClientId,
        path: str,
        client: str | ClientId | None,
        **kwargs: Any,
    ) -> httpx.Response:
        room_id = ClientId.parse(room)
        if room_id.subsystem_code is None:
            raise ValueError(f"A room is a subsystem: {room_id} has no subsystem code.")
        service = ServiceId(
            room_id.instance,
            room_id.member_class,
            room_id.member_code,
            room_id.subsystem_code,
            path.split("/")[1],
        )
        rest = "/" + path.split("/", 2)[2]
        return self.call(method, service, rest, client=client, **kwargs)

    def create_event_type(
        self,
        room: str | ClientId,
        event_type: str,
        schema: dict[str, Any],
        *,
        client: str | ClientId | None = None,
    ) -> dict[str, Any]:
        """Create ``event_type`` in ``room``; events must match the JSON ``schema``."""
        data: dict[str, Any] = self._room_call(
            "POST",
            room,
            "/api/v1/eventType",
            client,
            json={"eventType": event_type, "schema": schema},
        ).json()
        return data

    def subscribe(
        self,
        room: str | ClientId,
        event_type: str,
        mode: str = "PULL",
        *,
        client: str | ClientId | None = None,
    ) -> dict[str, Any]:
        """Subscribe the client to ``event_type``; it receives later events."""
        data: dict[str, Any] = self._room_call(
            "POST",
            room,
            f"/api/v1/subs/{quote(event_type, safe=_SAFE)}",
            client,
            json={"delivery": mode},
        ).json()
        return data

    def publish(
        self,
        room: str | ClientId,
        event_type: str,
        event: Any,
        *,
        client: str | ClientId | None = None,
    ) -> str:
        """Publish ``event`` and return its id."""
        data = self._room_call(
            "POST",
            room,
            f"/pub/v1/{quote(event_type, safe=_SAFE)}",
            client,
            json={"eventType": event_type, "event": event},
        ).json()
        return str(data["id"])

    def pull(
        self,
        room: str | ClientId,
        event_type: str,
        *,
        client: str | ClientId | None = None,
    ) -> dict[str, Any] | None:
        """The oldest event not yet acknowledged, or ``None`` if none is waiting."""
        try:
            response = self._room_call(
                "GET", room, f"/pull/v1/{quote(event_type, safe=_SAFE)}", client
            )
        except ProviderError as exc:
            body = _xroad_body_json(exc.response)
            if exc.status_code == 404 and body.get("error") == "no_event":
                return None
            raise
        data: dict[str, Any] = response.json()
        return data

    def acknowledge(
        self,
        room: str | ClientId,
        event_type: str,
        event_id: str,
        *,
        client: str | ClientId | None = None,
    ) -> None:
        """Mark an event as processed, so :meth:`pull` moves on to the next."""
        self._room_call(
            "DELETE",
            room,
            f"/pull/v1/{quote(event_type, safe=_SAFE)}/{quote(event_id, safe='')}",
            client,
        )


def _xroad_body_json(response: httpx.Response | None) -> dict[str, Any]:
    if response is None:
        return {}
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
