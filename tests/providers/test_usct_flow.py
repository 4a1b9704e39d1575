"""The USCT use case end to end, through the Information Mediator.

As in the GovStack sandbox: the enrollment officer logs in with Identity,
lists the benefit packages (Digital Registries), checks and requests the
candidate's consent (Consent), registers the beneficiary (Payments; update
when it exists already); the payment officer logs in, validates and orders a
bulk payment. The message log then shows each exchange, and nothing of
another learner's.
"""

from __future__ import annotations

import pytest

import govlearn
from govlearn.consent import USCT_ENROLLMENT
from govlearn.payments import Beneficiary, CreditInstruction, functional_id

ENROLLMENT_OFFICER = "9038952310"
PAYMENT_OFFICER = "2405176278"
REGISTRY = "SANDBOX/GOV/PROVIDER/DIGITAL-REGISTRIES/emulator"
CONSENT = "SANDBOX/GOV/PROVIDER/CONSENT/api"
PAYMENT = "SANDBOX/GOV/PROVIDER/PAYMENT/emulator"


def _exchange(record: dict) -> tuple[str, str, str, int]:
    prefix = f"/r1/{record['service']}"
    assert record["path"].startswith(prefix), record
    return (
        record["service"],
        record["method"],
        record["path"][len(prefix) :].rstrip("/"),
        record["status"],
    )


def test_usct_enrollment_and_payment_through_the_mediator(sandbox) -> None:
    learner = sandbox.learner("usct-learner")
    if not hasattr(learner, "identity") or not hasattr(learner, "mediator"):
        pytest.skip("needs the Identity and Information Mediator helpers")
    from govlearn.mediator import DEFAULT_CLIENT

    bystander = sandbox.learner("bystander")
    bystander.registries.benefit_packages()

    # Enrollment officer.
    backend = learner.identity.register_client("USCT backend")
    enrollment = learner.identity.login(backend, ENROLLMENT_OFFICER, otp="111111")
    assert enrollment.id_claims["sub"]
    packages = {p["name"]: p for p in learner.registries.benefit_packages()}
    assert set(packages) == {"TPA", "UBI", "SP", "CFS"}
    package = packages["TPA"]
    candidate = learner.registries.read("prsn", {"id": "PRSN0003"})
    assert candidate["isSynthetic"] is True

    assert learner.consent.has_consent(candidate["id"], USCT_ENROLLMENT) is False
    record = learner.consent.request(candidate["id"], USCT_ENROLLMENT)
    assert record["optIn"] is True
    assert learner.consent.has_consent(candidate["id"], USCT_ENROLLMENT) is True

    payee = functional_id(candidate["personalIdCode"], package["id"])
    assert len(payee) == 20
    beneficiary = Beneficiary(payee, "01", candidate["phoneNumber"])
    first = learner.payments.register_beneficiaries([beneficiary])
    assert first["ResponseDescription"] == "Beneficiaries registered!"
    # Enrolling the same person again: the emulator says it exists; update.
    with pytest.raises(govlearn.ProviderError) as exists:
        learner.payments.register_beneficiaries([beneficiary])
    assert exists.value.code == "beneficiary_exists"
    again = learner.payments.update_beneficiaries([beneficiary])
    assert again["ResponseDescription"] == "Beneficiaries updated!"

    # Payment officer.
    payment_login = learner.identity.login(backend, PAYMENT_OFFICER)
    assert payment_login.id_claims["sub"] != enrollment.id_claims["sub"]
    instruction = CreditInstruction(
        "usct-instr-0001",
        payee,
        package["amount"],
        package["currency"],
        f"Payment for {package['name']} package",
    )
    checked = learner.payments.validate_payments([instruction], batch_id="usct-b1")
    assert checked["ResponseDescription"] == "Payments Validated!"
    ordered = learner.payments.order_bulk_payment([instruction], batch_id="usct-b1")
    assert ordered["ResponseDescription"] == "Payments ordered!"
    assert [
        (i["InstructionID"], i["Status"])
        for i in learner.payments.credit_instructions()
    ] == [("usct-instr-0001", "ORDERED")]

    # The message log: every exchange, oldest first, all as the USCT client.
    log = list(reversed(learner.mediator.message_log()))
    exchanges = [_exchange(r) for r in log]
    record_path = f"/v2/service/individual/record/data-agreement/{USCT_ENROLLMENT}"
    assert exchanges == [
        (REGISTRY, "GET", "/api/v1/data/bpkg/1.0", 200),
        (REGISTRY, "POST", "/api/v1/data/prsn/1.0/read", 200),
        (CONSENT, "GET", "/v2/service/individual/record/consent-record", 200),
        (CONSENT, "POST", record_path, 200),
        (CONSENT, "GET", "/v2/service/individual/record/consent-record", 200),
        (PAYMENT, "POST", "/register-beneficiary", 200),
        (PAYMENT, "POST", "/register-beneficiary", 400),
        (PAYMENT, "POST", "/update-beneficiary-details", 200),
        (PAYMENT, "POST", "/prepayment-validation", 200),
        (PAYMENT, "POST", "/bulk-payment", 200),
        (PAYMENT, "GET", "/credit-instructions", 200),
    ]
    assert {r["client"] for r in log} == {DEFAULT_CLIENT}
    assert all(r["requestHash"] and r["finishedAt"] >= r["startedAt"] for r in log)
    assert all("payload" not in r and "body" not in r for r in log)

    theirs = bystander.mediator.message_log()
    assert [_exchange(r)[:3] for r in theirs] == [
        (REGISTRY, "GET", "/api/v1/data/bpkg/1.0")
    ]
    assert not {r["messageId"] for r in theirs} & {r["messageId"] for r in log}
