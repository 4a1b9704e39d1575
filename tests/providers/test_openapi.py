"""The emulators document themselves in the sandbox's OpenAPI, under their tags."""

from __future__ import annotations

import httpx


def test_openapi_lists_each_emulator_under_its_tag(sqlite_sandbox) -> None:
    spec = httpx.get(f"{sqlite_sandbox.url}/openapi.json", timeout=30).json()
    tags = {tag["name"] for tag in spec["tags"]}
    assert {"Digital Registries", "Payments", "Consent"} <= tags
    expected = {
        "/emulators/registries/api/v1/data/{registry}/{version}": "Digital Registries",
        "/emulators/registries/api/v1/data/{registry}/{version}/{record_id}/delete": (
            "Digital Registries"
        ),
        "/emulators/payments/register-beneficiary": "Payments",
        "/emulators/payments/bulk-payment": "Payments",
        "/emulators/consent/v2/service/individual/record/consent-record/": "Consent",
        "/emulators/consent/v2/service/verification/consent-record/"
        "{consentRecordId}/": "Consent",
    }
    for path, tag in expected.items():
        operations = spec["paths"][path]
        assert all(op["tags"] == [tag] for op in operations.values()), path
    # The twin without the trailing slash answers but is not listed twice.
    assert (
        "/emulators/consent/v2/service/individual/record/consent-record"
        not in (spec["paths"])
    )
    body = spec["paths"]["/emulators/payments/register-beneficiary"]["post"]
    assert "400" in body["responses"]
