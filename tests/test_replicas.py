"""Two real ``govlearn sandbox serve`` processes on one PostgreSQL database.

This is the claim of the operator guide: replicas behind a load balancer behave
like one server, because no state that matters lives only in one process.
Calls here alternate between the two replicas, as a round-robin balancer
would send them.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import govlearn

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Replica:
    url: str
    process: subprocess.Popen[bytes]


@dataclass
class Cohort:
    """Two replicas, their shared admin key and the public URL they announce."""

    replicas: list[Replica]
    admin_key: str
    public_url: str

    def admin(self, index: int) -> httpx.Client:
        return httpx.Client(
            base_url=self.replicas[index].url,
            headers={"X-GovLearn-Admin-Key": self.admin_key},
            timeout=30,
        )


def _serve(
    database_url: str, admin_key: str, port: int, public_url: str, log: Path
) -> subprocess.Popen[bytes]:
    command = [
        str(Path(sys.executable).with_name("govlearn")),
        "sandbox",
        "serve",
        "--host=127.0.0.1",
        f"--port={port}",
        f"--database-url={database_url}",
        f"--admin-key={admin_key}",
        f"--public-url={public_url}",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVLEARN_")}
    env["GOVLEARN_HOME"] = os.environ["GOVLEARN_HOME"]
    with log.open("wb") as handle:
        return subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, env=env
        )


def _wait_ready(replica: Replica, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if replica.process.poll() is not None:
            pytest.fail(f"A replica exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{replica.url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"A replica did not become ready:\n{log.read_text()}")


@pytest.fixture
def cohort(postgres_url: str, tmp_path: Path) -> Iterator[Cohort]:
    """Two replicas started together on one fresh, empty PostgreSQL database."""
    admin_key = "replica-admin-" + uuid.uuid4().hex
    ports = [_free_port(), _free_port()]
    public_url = f"http://127.0.0.1:{ports[0]}"
    logs = [tmp_path / f"replica-{index}.log" for index in range(2)]
    replicas = [
        Replica(
            f"http://127.0.0.1:{port}",
            _serve(postgres_url, admin_key, port, public_url, log),
        )
        for port, log in zip(ports, logs, strict=True)
    ]
    try:
        for replica, log in zip(replicas, logs, strict=True):
            _wait_ready(replica, log)
        yield Cohort(replicas, admin_key, public_url)
    finally:
        for replica in replicas:
            replica.process.terminate()
        for replica in replicas:
            try:
                replica.process.wait(15)
            except subprocess.TimeoutExpired:
                replica.process.kill()
                replica.process.wait(5)


class RoundRobin(httpx.BaseTransport):
    """Send each request to the next replica in turn, like a load balancer."""

    def __init__(self, urls: list[str]) -> None:
        self._targets = itertools.cycle([httpx.URL(url) for url in urls])
        self._transport = httpx.HTTPTransport()
        self.sent: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = next(self._targets)
        request.url = request.url.copy_with(
            scheme=target.scheme, host=target.host, port=target.port
        )
        self.sent.append(f"{target.host}:{target.port}")
        return self._transport.handle_request(request)

    def close(self) -> None:
        self._transport.close()


def test_a_learner_created_on_one_replica_works_on_the_other(cohort: Cohort) -> None:
    with cohort.admin(0) as admin:
        created = admin.post(
            "/admin/learners", json={"learnerId": "amina", "name": "Amina"}
        )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    with cohort.admin(1) as admin:
        again = admin.post("/admin/learners", json={"learnerId": "amina"})
        listed = admin.get("/admin/learners")
    assert again.status_code == 409, again.text
    assert [row["learnerId"] for row in listed.json()] == ["amina"]
    for replica in cohort.replicas:
        answer = httpx.get(f"{replica.url}/workspace", headers={"X-GovLearn-Key": key})
        assert answer.json() == {"learnerId": "amina", "name": "Amina"}


def test_a_key_revoked_on_one_replica_stops_on_the_other(cohort: Cohort) -> None:
    with cohort.admin(0) as admin:
        key = admin.post("/admin/learners", json={"learnerId": "leaver"}).json()["key"]
    second = cohort.replicas[1].url
    headers = {"X-GovLearn-Key": key}
    assert httpx.get(f"{second}/workspace", headers=headers).status_code == 200
    with cohort.admin(0) as admin:
        assert admin.delete("/admin/learners/leaver").status_code == 204
    # Each replica caches a key for at most a few seconds; then it asks the
    # database again and sees the revocation.
    deadline = time.monotonic() + 10
    status = 200
    while time.monotonic() < deadline:
        status = httpx.get(f"{second}/workspace", headers=headers).status_code
        if status == 401:
            break
        time.sleep(0.25)
    assert status == 401


def test_the_identity_flow_alternates_between_replicas(cohort: Cohort) -> None:
    pytest.importorskip("govlearn.identity")
    with cohort.admin(1) as admin:
        key = admin.post("/admin/learners", json={"learnerId": "rp-owner"}).json()[
            "key"
        ]
    transport = RoundRobin([replica.url for replica in cohort.replicas])
    client = govlearn.Client(cohort.public_url, key, transport=transport)
    try:
        identity = client.identity
        relying_party = identity.register_client("Replica portal")
        tokens = identity.login(relying_party, "9038952310", otp="111111")
        claims = identity.userinfo(tokens)
    finally:
        client.close()
    assert claims
    used = set(transport.sent)
    assert len(used) == 2, used
    assert len(transport.sent) >= 6


def test_a_reset_on_one_replica_is_seeded_at_once_for_the_other(
    cohort: Cohort,
) -> None:
    with cohort.admin(0) as admin:
        key = admin.post("/admin/learners", json={"learnerId": "restarter"}).json()[
            "key"
        ]
    other = govlearn.Client(cohort.replicas[1].url, key)
    try:
        enrolled = other.identity.enroll("Rae Example", birthdate="1990-02-02")
        assert other.identity.verify_yes_no(enrolled.vid, "age_over", min_age=18)
        with cohort.admin(0) as admin:
            reset = admin.post("/admin/learners/restarter/reset")
        assert reset.status_code == 200, reset.text
        # At once, with the other replica's cache of the key still fresh: the
        # enrollment is gone and the demo people are back.
        with pytest.raises(govlearn.IdentityError):
            other.identity.verify_yes_no(enrolled.vid, "age_over", min_age=18)
        assert other.identity.verify_yes_no("9038952310", "age_over", min_age=18)
    finally:
        other.close()
