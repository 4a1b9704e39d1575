"""Answers the Identity building block's hot read calls from memory.

Relying parties fetch the discovery document and the JWKS on every login, and
call userinfo again and again with the same token. Their answers do not change:

* the discovery document and the JWKS depend only on the issuer (the signing
  key is one database row that never rotates), so their first 200 answer per
  issuer is kept and replayed;
* a userinfo answer for one learner key and one access token is kept for
  ``USERINFO_TTL`` seconds (never past the token's own expiry, which is
  longer), and replayed only while the learner key is live in the sandbox's
  key cache, so a revoked key stops answering within the key cache's few
  seconds. After a workspace reset a cached answer may outlive its token row
  by up to ``USERINFO_TTL``.

Everything else, and every first call, goes through the application as usual:
the database stays the source of truth, and replicas need not share this cache.
"""

from __future__ import annotations

import threading
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..deps import key_is_live
from ..workspaces.keys import hash_key

__all__ = ["IdentityReadCache", "USERINFO_TTL"]

DISCOVERY_PATHS = frozenset(
    {"/.well-known/openid-configuration", "/.well-known/jwks.json"}
)
USERINFO_PATH = "/oidc/userinfo"
USERINFO_TTL = 30.0
MAX_USERINFO_ENTRIES = 10_000

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


def _header(scope: Scope, wanted: bytes) -> bytes:
    for name, value in scope["headers"]:
        if name == wanted:
            return bytes(value)
    return b""


class IdentityReadCache:
    """ASGI middleware replaying discovery, JWKS and recent userinfo answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._public: dict[tuple[str, bytes, bytes], Answer] = {}
        self._userinfo: dict[tuple[bytes, bytes], tuple[float, Answer]] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path in DISCOVERY_PATHS:
            key = (path, scope.get("scheme", "http").encode(), _header(scope, b"host"))
            answer = self._public.get(key)
            if answer is None:
                answer = await self._capture(scope, receive, send)
                if answer is not None and answer[0] == 200:
                    self._public[key] = answer
                return
            await self._replay(answer, send)
            return
        if path == USERINFO_PATH:
            learner = _header(scope, b"x-govlearn-key")
            token = _header(scope, b"authorization")
            if not learner or not token:
                await self.app(scope, receive, send)
                return
            ukey = (learner, token)
            now = time.monotonic()
            entry = self._userinfo.get(ukey)
            if (
                entry is not None
                and entry[0] > now
                and self._key_is_live(scope, learner)
            ):
                await self._replay(entry[1], send)
                return
            answer = await self._capture(scope, receive, send)
            if answer is not None and answer[0] == 200:
                with self._lock:
                    if len(self._userinfo) >= MAX_USERINFO_ENTRIES:
                        self._userinfo = {
                            k: v for k, v in self._userinfo.items() if v[0] > now
                        }
                    self._userinfo[ukey] = (now + USERINFO_TTL, answer)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _key_is_live(scope: Scope, learner: bytes) -> bool:
        """Whether the sandbox's key cache vouches for this learner key now."""
        state = getattr(scope.get("app"), "state", None)
        sandbox = getattr(state, "sandbox", None)
        if sandbox is None:
            return False
        digest = hash_key(learner.decode("latin-1").strip())
        return key_is_live(sandbox, digest)

    async def _capture(
        self, scope: Scope, receive: Receive, send: Send
    ) -> Answer | None:
        """Pass the request on, forwarding and recording a single-part answer."""
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        body: list[bytes] = []
        whole = True

        async def recording_send(message: Message) -> None:
            nonlocal status, headers, whole
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (bytes(k), bytes(v))
                    for k, v in message.get("headers", [])
                    if k.lower() != b"x-correlation-id"
                ]
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    whole = False
            await send(message)

        await self.app(scope, receive, recording_send)
        if not status or not whole:
            return None
        return status, headers, b"".join(body)

    @staticmethod
    async def _replay(answer: Answer, send: Send) -> None:
        status, headers, body = answer
        await send(
            {"type": "http.response.start", "status": status, "headers": headers}
        )
        await send({"type": "http.response.body", "body": body})
