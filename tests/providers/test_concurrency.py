"""Racing requests: one winner where the rules allow one, never a server error."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from .support import CONSENT, INDIVIDUAL, PAYMENTS, REGISTRIES, learner_http

RACERS = 8
PAYEE = "95209040001066283147"


def race(http: httpx.Client, method: str, path: str, **kwargs) -> Counter:  # type: ignore[no-untyped-def]
    with ThreadPoolExecutor(RACERS) as pool:
        futures = [
            pool.submit(http.request, method, path, **kwargs) for _ in range(RACERS)
        ]
        return Counter(f.result().status_code for f in futures)


def test_racing_writes_have_one_winner(sandbox) -> None:
    http = learner_http(sandbox, "racer")
    people = {
        "RequestID": "r",
        "SourceBBID": "USCT-BB",
        "Beneficiaries": [
            {
                "PayeeFunctionalID": PAYEE,
                "PaymentModality": "00",
                "FinancialAddress": "A",
            }
        ],
    }
    assert race(http, "POST", f"{PAYMENTS}/register-beneficiary", json=people) == {
        200: 1,
        400: RACERS - 1,
    }
    payment = {
        "RequestID": "r",
        "SourceBBID": "USCT-BB",
        "BatchID": "b",
        "CreditInstructions": [
            {
                "InstructionID": "i-1",
                "PayeeFunctionalID": PAYEE,
                "Amount": 900,
                "Currency": "EURO",
            }
        ],
    }
    assert http.post(f"{PAYMENTS}/prepayment-validation", json=payment).is_success
    assert race(http, "POST", f"{PAYMENTS}/bulk-payment", json=payment) == {
        200: 1,
        400: RACERS - 1,
    }
    consent = f"{CONSENT}/service/individual/record/data-agreement/usct-enrollment/"
    assert race(http, "POST", consent, headers={INDIVIDUAL: "PRSN0009"}) == {
        200: 1,
        400: RACERS - 1,
    }
    package = {"name": "R", "description": "race", "amount": 1, "currency": "EURO"}
    created = race(
        http,
        "POST",
        f"{REGISTRIES}/bpkg/1.0/create",
        json={"write": {"content": package}},
    )
    assert set(created) <= {200, 409} and created[200] >= 1
    listed = http.get(f"{REGISTRIES}/bpkg/1.0", params={"pageSize": 100}).json()
    ids = [p["id"] for p in listed["results"]]
    assert len(ids) == len(set(ids)) == 4 + created[200]
