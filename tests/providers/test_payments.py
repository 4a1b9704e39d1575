"""The Payments emulator: the USCT calls, exact codes and messages, atomicity."""

from __future__ import annotations

import httpx

from .support import OVERSIZED, PAYMENTS, TOO_DEEP, learner_http

PAYEE = "95209040001066283147"
OTHER = "95505090002066283148"


def beneficiaries(*payees: str, modality: str = "01") -> dict:
    return {
        "RequestID": "req-benef-1",
        "SourceBBID": "USCT-BB",
        "Beneficiaries": [
            {
                "PayeeFunctionalID": payee,
                "PaymentModality": modality,
                "FinancialAddress": f"+000 555 {payee[-4:]}",
            }
            for payee in payees
        ],
    }


def instructions(*items: tuple[str, str, float], batch: str = "batch-1") -> dict:
    return {
        "RequestID": "req-pay-1",
        "SourceBBID": "USCT-BB",
        "BatchID": batch,
        "CreditInstructions": [
            {
                "InstructionID": instruction,
                "PayeeFunctionalID": payee,
                "Amount": amount,
                "Currency": "EURO",
                "Narration": "Payment for TPA package",
            }
            for instruction, payee, amount in items
        ],
    }


def answer(response: httpx.Response) -> tuple[int, str, str, str | None]:
    body = response.json()
    return (
        response.status_code,
        body["ResponseCode"],
        body["ResponseDescription"],
        body["RequestID"],
    )


def state(http: httpx.Client) -> tuple[list, list]:
    return (
        http.get(f"{PAYMENTS}/beneficiaries").json()["Beneficiaries"],
        http.get(f"{PAYMENTS}/credit-instructions").json()["CreditInstructions"],
    )


def test_usct_payment_calls_answer_as_the_emulator_does(sandbox) -> None:
    http = learner_http(sandbox, "officer")
    register = http.post(f"{PAYMENTS}/register-beneficiary", json=beneficiaries(PAYEE))
    assert answer(register) == (200, "00", "Beneficiaries registered!", "req-benef-1")
    again = http.post(f"{PAYMENTS}/register-beneficiary", json=beneficiaries(PAYEE))
    assert answer(again) == (400, "01", "Beneficiary exist!", "req-benef-1")
    update = http.post(
        f"{PAYMENTS}/update-beneficiary-details",
        json=beneficiaries(PAYEE, modality="00"),
    )
    assert answer(update) == (200, "00", "Beneficiaries updated!", "req-benef-1")

    payment = instructions(("instr-1", PAYEE, 900))
    early = http.post(f"{PAYMENTS}/bulk-payment", json=payment)
    assert answer(early) == (
        400,
        "01",
        'No valid credit instruction for Instruction Id: "instr-1"!',
        "req-pay-1",
    )
    valid = http.post(f"{PAYMENTS}/prepayment-validation", json=payment)
    assert answer(valid) == (200, "00", "Payments Validated!", "req-pay-1")
    ordered = http.post(f"{PAYMENTS}/bulk-payment", json=payment)
    assert answer(ordered) == (200, "00", "Payments ordered!", "req-pay-1")
    twice = http.post(f"{PAYMENTS}/bulk-payment", json=payment)
    assert answer(twice)[:2] == (400, "01")

    people, orders = state(http)
    assert [(b["PayeeFunctionalID"], b["PaymentModality"]) for b in people] == [
        (PAYEE, "00")
    ]
    assert [(o["InstructionID"], o["Status"], o["Amount"]) for o in orders] == [
        ("instr-1", "ORDERED", 900.0)
    ]


def test_bulk_payment_must_match_the_validation_exactly(sqlite_sandbox) -> None:
    http = learner_http(sqlite_sandbox, "matcher")
    http.post(f"{PAYMENTS}/register-beneficiary", json=beneficiaries(PAYEE, OTHER))
    validated = instructions(("i-1", PAYEE, 900), ("i-2", OTHER, 1234.5))
    assert http.post(f"{PAYMENTS}/prepayment-validation", json=validated).is_success
    for changed in (
        instructions(("i-1", PAYEE, 901)),
        instructions(("i-1", OTHER, 900)),
        instructions(("i-3", PAYEE, 900)),
    ):
        refused = http.post(f"{PAYMENTS}/bulk-payment", json=changed)
        instruction = changed["CreditInstructions"][0]["InstructionID"]
        assert answer(refused)[2] == (
            f'No valid credit instruction for Instruction Id: "{instruction}"!'
        )
    narration = instructions(("i-1", PAYEE, 900))
    narration["CreditInstructions"][0]["Narration"] = "Something else"
    assert http.post(f"{PAYMENTS}/bulk-payment", json=narration).status_code == 400
    # One bad instruction refuses the whole batch: i-1 stays unordered.
    mixed = instructions(("i-1", PAYEE, 900), ("i-2", OTHER, 1))
    assert http.post(f"{PAYMENTS}/bulk-payment", json=mixed).status_code == 400
    assert {o["Status"] for o in state(http)[1]} == {"VALIDATED"}
    # A different batch id may order them: the match is on the instructions.
    both = instructions(("i-1", PAYEE, 900), ("i-2", OTHER, 1234.5), batch="b-2")
    assert http.post(f"{PAYMENTS}/bulk-payment", json=both).is_success
    orders = state(http)[1]
    assert {o["Status"] for o in orders} == {"ORDERED"}
    assert {o["OrderBatchID"] for o in orders} == {"b-2"}


def test_validation_needs_registered_beneficiaries(sqlite_sandbox) -> None:
    http = learner_http(sqlite_sandbox, "validator")
    refused = http.post(
        f"{PAYMENTS}/prepayment-validation", json=instructions(("i-1", PAYEE, 10))
    )
    assert answer(refused) == (400, "01", "Beneficiary doesn't exist!", "req-pay-1")
    unknown = http.post(
        f"{PAYMENTS}/update-beneficiary-details", json=beneficiaries(PAYEE)
    )
    assert answer(unknown) == (400, "01", "Beneficiary does not exist!", "req-benef-1")
    assert state(http) == ([], [])


BAD = [
    ("/register-beneficiary", b"{not json", None, "Invalid request"),
    ("/register-beneficiary", b"[1, 2]", None, "Invalid request"),
    ("/register-beneficiary", b'{"RequestID": 7}', None, "RequestID"),
    (
        "/register-beneficiary",
        b'{"RequestID": "r-9", "SourceBBID": "USCT-BB", "Beneficiaries": []}',
        "r-9",
        "Beneficiaries",
    ),
    (
        "/register-beneficiary",
        b'{"RequestID": "r-9", "SourceBBID": "USCT-BB", "Beneficiaries": '
        b'[{"PayeeFunctionalID": "p", "PaymentModality": "99", '
        b'"FinancialAddress": "x"}]}',
        "r-9",
        "mobile money",
    ),
    (
        "/register-beneficiary",
        b'{"RequestID": "r-9", "SourceBBID": "USCT-BB", "Beneficiaries": ['
        b'{"PayeeFunctionalID": "p", "PaymentModality": "00", '
        b'"FinancialAddress": ""}, {"PayeeFunctionalID": "p", '
        b'"PaymentModality": "00", "FinancialAddress": ""}]}',
        "r-9",
        "more than once",
    ),
    (
        "/prepayment-validation",
        b'{"RequestID": "r-8", "SourceBBID": "S", "BatchID": "B", '
        b'"CreditInstructions": [{"InstructionID": "i", "PayeeFunctionalID": "p", '
        b'"Amount": "lots", "Currency": "EURO"}]}',
        "r-8",
        "Amount",
    ),
    (
        "/prepayment-validation",
        b'{"RequestID": "r-8", "SourceBBID": "S", "BatchID": "B", '
        b'"CreditInstructions": [{"InstructionID": "i", "PayeeFunctionalID": "p", '
        b'"Amount": -5, "Currency": "EURO"}]}',
        "r-8",
        "Amount",
    ),
    ("/bulk-payment", b'{"RequestID": "r-7"}', "r-7", "BatchID"),
    ("/bulk-payment", OVERSIZED, None, "larger than"),
    ("/bulk-payment", TOO_DEEP, None, "error parsing the body"),
    ("/bulk-payment", b'{"RequestID": "r-6", "x": ' + TOO_DEEP + b"}", None, "parsing"),
]


def test_bad_input_gets_code_01_and_changes_nothing(sandbox) -> None:
    http = learner_http(sandbox, "careless")
    assert http.post(
        f"{PAYMENTS}/register-beneficiary", json=beneficiaries(PAYEE)
    ).is_success
    assert http.post(
        f"{PAYMENTS}/prepayment-validation", json=instructions(("i-1", PAYEE, 5))
    ).is_success
    before = state(http)
    mixed = http.post(
        f"{PAYMENTS}/register-beneficiary", json=beneficiaries(OTHER, PAYEE)
    )
    assert answer(mixed) == (400, "01", "Beneficiary exist!", "req-benef-1")
    for path, body, request_id, text in BAD:
        response = http.post(
            PAYMENTS + path,
            content=body,
            headers={"Content-Type": "application/json"},
        )
        status = 413 if body is OVERSIZED else 400
        assert response.status_code == status, (path, response.text)
        payload = response.json()
        assert payload["ResponseCode"] == "01"
        assert payload["RequestID"] == request_id
        assert text in payload["ResponseDescription"], payload
    assert state(http) == before


def test_learners_have_their_own_beneficiaries(sandbox) -> None:
    amina, jonas = learner_http(sandbox, "amina"), learner_http(sandbox, "jonas")
    assert amina.post(
        f"{PAYMENTS}/register-beneficiary", json=beneficiaries(PAYEE)
    ).is_success
    payment = instructions(("i-1", PAYEE, 900))
    refused = jonas.post(f"{PAYMENTS}/prepayment-validation", json=payment)
    assert answer(refused)[2] == "Beneficiary doesn't exist!"
    assert jonas.post(
        f"{PAYMENTS}/register-beneficiary", json=beneficiaries(PAYEE)
    ).is_success
    assert amina.post(f"{PAYMENTS}/prepayment-validation", json=payment).is_success
    assert jonas.post(f"{PAYMENTS}/bulk-payment", json=payment).status_code == 400
    assert len(state(amina)[1]) == 1 and state(jonas)[1] == []


def test_health_needs_no_key(sqlite_sandbox) -> None:
    response = httpx.get(f"{sqlite_sandbox.url}{PAYMENTS}/actuator/health")
    assert (response.status_code, response.json()) == (200, {"status": "UP"})
    refused = httpx.post(
        f"{sqlite_sandbox.url}{PAYMENTS}/register-beneficiary",
        json=beneficiaries(PAYEE),
    )
    assert refused.status_code == 401
    assert refused.json()["ResponseCode"] == "01"
    assert refused.json()["RequestID"] == "req-benef-1"
