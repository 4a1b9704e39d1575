"""Small helpers shared by the provider tests."""

from __future__ import annotations

import httpx

REGISTRIES = "/emulators/registries/api/v1/data"
PAYMENTS = "/emulators/payments"
CONSENT = "/emulators/consent/v2"
INDIVIDUAL = "X-ConsentBB-IndividualId"
OVERSIZED = b'{"pad": "' + b"x" * 1_100_000 + b'"}'
#: Nested deeper than Python's JSON decoder can recurse.
TOO_DEEP = b"[" * 100_000 + b"]" * 100_000


def learner_http(sandbox, learner_id: str) -> httpx.Client:  # type: ignore[no-untyped-def]
    """A plain httpx client carrying a new learner's key."""
    client = httpx.Client(
        base_url=sandbox.url,
        headers={"X-GovLearn-Key": sandbox.new_key(learner_id)},
        timeout=30,
    )
    sandbox._clients.append(client)
    return client
