"""Text no database can store (NUL, lone surrogates) gets a 400 in every style."""

from __future__ import annotations

from .support import CONSENT, PAYMENTS, REGISTRIES, learner_http

NUL_BODY = b'{"write": {"content": {"id": "a\\u0000"}}}'


def test_unstorable_text_is_refused_by_every_emulator(sandbox) -> None:
    http = learner_http(sandbox, "nul")
    mediated = {"X-Road-Client": "SANDBOX/ORG/CLIENT/TEST"}
    json = {"Content-Type": "application/json"}
    cases = [
        ("DELETE", f"{REGISTRIES}/prsn/1.0/a%00/delete", None, {}, "detail"),
        ("POST", f"{REGISTRIES}/prsn/1.0/create", NUL_BODY, json, "detail"),
        ("GET", f"{REGISTRIES}/prsn/1.0?search=%00", None, {}, "detail"),
        (
            "POST",
            f"{PAYMENTS}/register-beneficiary",
            b'{"RequestID": "\\u0000"}',
            json,
            "ResponseDescription",
        ),
        (
            "GET",
            f"{CONSENT}/service/verification/consent-record/a%00/",
            None,
            {},
            "errorDescription",
        ),
        (
            "GET",
            "/r1/SANDBOX/GOV/PROVIDER/CONSENT/api/v2/service/individual/record/"
            "consent-record/?individualId=%00",
            None,
            mediated,
            "errorDescription",
        ),
    ]
    surrogate = b'{"write": {"content": {"name": "\\ud800"}}}'
    cases.append(("POST", f"{REGISTRIES}/bpkg/1.0/create", surrogate, json, "detail"))
    before = http.get(f"{REGISTRIES}/prsn/1.0", params={"pageSize": 100}).json()
    for method, path, body, headers, field in cases:
        response = http.request(method, path, content=body, headers=headers)
        assert response.status_code == 400, (path, response.text)
        message = response.json()[field]
        assert "NUL character" in message or "unpaired surrogate" in message
    after = http.get(f"{REGISTRIES}/prsn/1.0", params={"pageSize": 100}).json()
    assert after == before
