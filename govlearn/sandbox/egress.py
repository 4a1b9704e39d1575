"""Where the mediator may forward a learner's registered service (egress).

A service a learner registers with an http(s) URL is called from the
sandbox's own machine. On a laptop that is the learner's own machine, so
anything goes. On a hosted sandbox it would let any learner reach what the
server can reach: the cloud's metadata service, the database, other internal
services. So the policy is checked on every connection, on the address the
name resolves to at that moment (a name that changes its address between a
check and the connection gains nothing), and the connection is made to the
address that was checked.

* Link-local addresses (169.254.0.0/16 holds the cloud metadata services),
  multicast, unspecified and reserved ones are refused always.
* ``any``: everything else is allowed (the embedded sandbox's default).
* ``public`` (a served sandbox's default): addresses on the public internet
  only; loopback, private and shared (carrier-grade NAT) ones are refused.
* A comma-separated list of networks (``10.42.0.0/16, 127.0.0.1``): the
  public internet and those networks, for example a JupyterHub's pod network.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import anyio
import httpcore
import httpx

__all__ = ["SERVED_DEFAULT", "EgressPolicy", "EgressRefused", "guarded_transport"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: The setting (``GOVLEARN_SERVICE_NETWORKS``) that widens the policy.
SETTING = "GOVLEARN_SERVICE_NETWORKS"
#: The policy of a served sandbox (``govlearn sandbox serve``, the ASGI app).
SERVED_DEFAULT = "public"


class EgressRefused(httpcore.ConnectError):
    """The policy forbids every address a service's host name resolves to."""


@dataclass(frozen=True)
class EgressPolicy:
    """Which addresses registered services may have (see the module's text)."""

    internal_allowed: bool = True
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> EgressPolicy:
        """Read ``any``, ``public`` (or empty) or a list of networks.

        Raises ``ValueError`` naming the entry that is not a network.
        """
        value = text.strip().lower()
        if value == "any":
            return cls(internal_allowed=True)
        if value in ("", "public"):
            return cls(internal_allowed=False)
        networks = []
        for entry in (part.strip() for part in value.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(
                    f"{SETTING}: {entry!r} is not a network. Write `any`, "
                    "`public`, or addresses and networks such as "
                    "10.42.0.0/16, separated by commas."
                ) from None
        return cls(internal_allowed=False, networks=tuple(networks))

    def refusal(self, address: Address) -> str | None:
        """Why ``address`` may not be called, or None when it may."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if address.is_link_local or address.is_multicast or address.is_unspecified:
            return "a link-local, multicast or unspecified address"
        if address.is_reserved and not address.is_loopback:  # ::1 is in ::/8
            return "a reserved address"
        if self.internal_allowed or address.is_global:
            return None
        if any(address in network for network in self.networks):
            return None
        return (
            "an internal address (loopback or private), which this sandbox "
            f"does not forward to; its operator can allow networks in {SETTING}"
        )


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks, then connects to the checked address itself."""

    def __init__(self, policy: EgressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
        allowed: list[str] = []
        reasons: list[str] = []
        for *_, sockaddr in found:
            address = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])
            reason = self._policy.refusal(address)
            if reason is None:
                allowed.append(str(address))
            else:
                reasons.append(f"{address} is {reason}")
        if not allowed:
            raise EgressRefused(f"{host} refused: " + "; ".join(dict.fromkeys(reasons)))
        failure: Exception | None = None
        for checked in dict.fromkeys(allowed):
            try:
                return await self._inner.connect_tcp(
                    checked, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise EgressRefused("services are called over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, policy: EgressPolicy) -> None:
        limits = httpx.Limits()
        super().__init__(trust_env=False, limits=limits)
        # httpx has no public hook for the network backend: swap its pool for
        # one with the guarded backend (the egress tests fail if this stops
        # taking effect).
        ssl_context = self._pool._ssl_context  # type: ignore[union-attr]
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(policy),
        )


def guarded_transport(policy: EgressPolicy) -> httpx.AsyncBaseTransport:
    """An httpx transport that connects only where ``policy`` allows."""
    return _GuardedTransport(policy)
