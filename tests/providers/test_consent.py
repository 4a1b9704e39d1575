"""The Consent emulator: agreements, records, revisions, verification, errors."""

from __future__ import annotations

import hashlib
import json

import httpx

from .support import CONSENT, INDIVIDUAL, OVERSIZED, TOO_DEEP, learner_http

RECORDS = f"{CONSENT}/service/individual/record"
ENROLLMENT = "usct-enrollment"


def who(individual: str) -> dict[str, str]:
    return {INDIVIDUAL: individual}


def test_agreements_are_seeded(sqlite_sandbox) -> None:
    http = learner_http(sqlite_sandbox, "reader")
    listed = http.get(f"{CONSENT}/config/data-agreements/")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    ids = [a["id"] for a in body["dataAgreements"]]
    assert ids == ["usct-enrollment", "usct-payment-details", "usct-sms-outreach"]
    assert [a["active"] for a in body["dataAgreements"]] == [True, True, False]
    assert body["pagination"]["totalItems"] == 3
    assert body["pagination"]["hasNext"] is False
    first = body["dataAgreements"][0]
    assert first["lawfulBasis"] == "consent"
    assert {"id", "name", "url"} <= set(first["controller"])
    page = http.get(
        f"{CONSENT}/service/verification/data-agreements", params={"limit": 2}
    ).json()
    assert len(page["dataAgreements"]) == 2 and page["pagination"]["hasNext"]
    one = http.get(f"{CONSENT}/service/data-agreement/{ENROLLMENT}/").json()
    revision = one["revision"]
    assert one["dataAgreement"]["id"] == ENROLLMENT
    assert revision["schemaName"] == "dataAgreement"
    assert (
        revision["serializedHash"]
        == hashlib.sha1(revision["serializedSnapshot"].encode()).hexdigest()
    )


def test_seeded_people_have_given_and_withdrawn_consent(sqlite_sandbox) -> None:
    http = learner_http(sqlite_sandbox, "seed")
    given = http.get(f"{RECORDS}/consent-record", headers=who("PRSN0001")).json()
    assert [(r["dataAgreementId"], r["optIn"]) for r in given["consentRecords"]] == [
        (ENROLLMENT, True)
    ]
    withdrawn = http.get(f"{RECORDS}/consent-record", headers=who("PRSN0002")).json()
    record = withdrawn["consentRecords"][0]
    assert record["optIn"] is False
    checked = http.get(f"{CONSENT}/service/verification/consent-record/{record['id']}")
    revision = checked.json()["revision"]
    assert revision["predecessorHash"] != ""
    assert json.loads(revision["serializedSnapshot"])["objectData"]["optIn"] is False
    nobody = http.get(f"{RECORDS}/consent-record/", headers=who("PRSN0003")).json()
    assert nobody["consentRecords"] == []


def test_consent_record_lifecycle(sandbox) -> None:
    http = learner_http(sandbox, "officer")
    created = http.post(
        f"{RECORDS}/data-agreement/{ENROLLMENT}/", headers=who("PRSN0003")
    )
    assert created.status_code == 200, created.text
    record = created.json()["consentRecord"]
    assert record["optIn"] is True and record["state"] == "unsigned"
    assert record["individualId"] == "PRSN0003"
    agreement = http.get(f"{CONSENT}/config/data-agreement/{ENROLLMENT}").json()
    assert (
        record["dataAgreementRevisionHash"] == agreement["revision"]["serializedHash"]
    )
    first_revision = created.json()["revision"]
    assert first_revision["predecessorHash"] == ""

    again = http.post(f"{RECORDS}/data-agreement/{ENROLLMENT}", headers=who("PRSN0003"))
    assert again.status_code == 400
    assert again.json()["errorCode"] == 400
    assert "exists" in again.json()["errorDescription"]

    current = http.get(
        f"{RECORDS}/data-agreement/{ENROLLMENT}/", params={"individualId": "PRSN0003"}
    )
    assert current.json()["consentRecord"] == record

    withdrawn = http.put(
        f"{RECORDS}/consent-record/{record['id']}/",
        headers=who("PRSN0003"),
        params={"dataAgreementId": ENROLLMENT},
        json={"optIn": False},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["consentRecord"]["optIn"] is False
    second = withdrawn.json()["revision"]
    assert second["predecessorHash"] == first_revision["serializedHash"]
    same = http.put(
        f"{RECORDS}/consent-record/{record['id']}",
        headers=who("PRSN0003"),
        json={"optIn": False},
    )
    assert same.status_code == 400 and "same" in same.json()["errorDescription"]
    stranger = http.put(
        f"{RECORDS}/consent-record/{record['id']}/",
        headers=who("PRSN0004"),
        json={"optIn": True},
    )
    assert stranger.status_code == 404

    verified = http.get(
        f"{CONSENT}/service/verification/consent-record/{record['id']}/"
    )
    assert verified.json()["consentRecord"]["optIn"] is False
    assert verified.json()["revision"]["id"] == second["id"]
    listed = http.get(
        f"{CONSENT}/service/verification/consent-records/",
        params={"dataAgreementId": ENROLLMENT},
    ).json()
    assert {r["individualId"] for r in listed["consentRecords"]} == {
        "PRSN0001",
        "PRSN0002",
        "PRSN0003",
    }


BAD = [
    ("POST", f"{RECORDS}/data-agreement/{ENROLLMENT}/", {}, None, 400, "Name the"),
    (
        "POST",
        f"{RECORDS}/data-agreement/{ENROLLMENT}/?individualId=B",
        who("A"),
        None,
        400,
        "different individuals",
    ),
    ("POST", f"{RECORDS}/data-agreement/nope/", who("A"), None, 404, "Known"),
    (
        "POST",
        f"{RECORDS}/data-agreement/usct-sms-outreach/",
        who("A"),
        None,
        400,
        "not active",
    ),
    (
        "POST",
        f"{RECORDS}/data-agreement/{ENROLLMENT}/?revisionId=old",
        who("A"),
        None,
        404,
        "no revision",
    ),
    ("GET", f"{RECORDS}/data-agreement/{ENROLLMENT}/", who("A"), None, 404, "no"),
    ("GET", f"{RECORDS}/consent-record/?limit=0", who("A"), None, 400, "limit"),
    ("PUT", f"{RECORDS}/consent-record/zzz/", who("A"), b'{"optIn": true}', 404, ""),
    ("PUT", f"{RECORDS}/consent-record/zzz/", who("A"), b'{"optIn": "yes"}', 400, ""),
    ("PUT", f"{RECORDS}/consent-record/zzz/", who("A"), b"{broken", 400, ""),
    ("PUT", f"{RECORDS}/consent-record/zzz/", who("A"), OVERSIZED, 413, "larger"),
    ("PUT", f"{RECORDS}/consent-record/zzz/", who("A"), TOO_DEEP, 400, "parsing"),
    ("GET", f"{CONSENT}/service/verification/consent-record/zzz/", {}, None, 404, ""),
    ("GET", f"{CONSENT}/config/data-agreement/zzz/", {}, None, 404, "Known"),
]


def test_bad_input_gets_consent_errors_and_changes_nothing(sandbox) -> None:
    http = learner_http(sandbox, "careless")
    listing = f"{CONSENT}/service/verification/consent-records/"
    before = http.get(listing).json()
    for method, path, headers, body, status, text in BAD:
        response = http.request(
            method,
            path,
            headers={**headers, "Content-Type": "application/json"},
            content=body,
        )
        assert response.status_code == status, (path, response.text)
        payload = response.json()
        assert payload["errorCode"] == status
        assert text in payload["errorDescription"], payload
    assert http.get(listing).json() == before


def test_learners_keep_their_own_consent(sandbox) -> None:
    amina, jonas = learner_http(sandbox, "amina"), learner_http(sandbox, "jonas")
    made = amina.post(f"{RECORDS}/data-agreement/{ENROLLMENT}/", headers=who("P9"))
    record_id = made.json()["consentRecord"]["id"]
    assert (
        jonas.get(f"{RECORDS}/consent-record/", headers=who("P9")).json()[
            "consentRecords"
        ]
        == []
    )
    hidden = jonas.get(f"{CONSENT}/service/verification/consent-record/{record_id}")
    assert hidden.status_code == 404
    assert jonas.post(
        f"{RECORDS}/data-agreement/{ENROLLMENT}/", headers=who("P9")
    ).is_success


def test_consent_calls_need_a_learner_key(sqlite_sandbox) -> None:
    response = httpx.get(f"{sqlite_sandbox.url}{CONSENT}/config/data-agreements/")
    assert response.status_code == 401
    assert response.json()["errorCode"] == 401
