"""The Registries, Payments and Consent helpers, through the mediator and direct."""

from __future__ import annotations

import pytest

import govlearn
from govlearn.consent import USCT_ENROLLMENT, Consent
from govlearn.payments import Beneficiary, CreditInstruction, Payments, functional_id
from govlearn.registries import Registries


def test_registries_helpers_go_through_the_mediator(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("reg-helper")
    registries = client.registries
    assert isinstance(registries, Registries) and registries.direct is False
    packages = registries.benefit_packages()
    assert [(p["id"], p["name"]) for p in packages] == [
        (147, "TPA"),
        (148, "UBI"),
        (149, "SP"),
        (150, "CFS"),
    ]
    page = registries.list("prsn", search="amina", filter="firstName", page_size=1)
    assert page["count"] == 2 and len(page["results"]) == 1
    samples = registries.list("prsn", lastName="Sample", ordering="-id")
    assert samples["results"][0]["id"] == "PRSN0024"
    assert len(registries.all("prsn")) == 24
    assert registries.read("prsn", {"id": "PRSN0003"})["firstName"] == "Mei"
    assert registries.exists("prsn", {"firstName": "Nobody"}) is False
    made = registries.create(
        "bpkg", {"name": "E", "description": "d", "amount": 1, "currency": "EURO"}
    )
    assert made["id"] == 151
    assert registries.update("bpkg", {"id": 151}, {"amount": 2})["amount"] == 2
    assert (
        registries.update_or_create("bpkg", {"id": 151}, {"amount": 3})["amount"] == 3
    )
    registries.delete("bpkg", 151)
    with pytest.raises(govlearn.ProviderError) as caught:
        registries.read("bpkg", {"id": 151})
    assert caught.value.code == "not_found"
    assert "exists()" in str(caught.value)
    assert caught.value.response is not None
    assert caught.value.response.json() == {"detail": "no record found"}
    with pytest.raises(govlearn.ProviderError) as unknown:
        registries.list("nope")
    assert unknown.value.code == "unknown_registry"
    logged = client.mediator.message_log(
        service="SANDBOX/GOV/PROVIDER/DIGITAL-REGISTRIES/emulator"
    )
    assert len(logged) >= 10


def test_payments_helpers_explain_refusals(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("pay-helper")
    payments = client.payments
    assert isinstance(payments, Payments)
    payee = functional_id("95209040001", 147)
    assert payee == "95209040001066283147" and len(payee) == 20
    done = payments.register_beneficiaries([Beneficiary(payee, "01", "+000 555 1")])
    assert done["ResponseDescription"] == "Beneficiaries registered!"
    with pytest.raises(govlearn.ProviderError) as exists:
        payments.register_beneficiaries(
            [
                {
                    "payee_functional_id": payee,
                    "payment_modality": "00",
                    "financial_address": "EE12",
                }
            ]
        )
    assert exists.value.code == "beneficiary_exists"
    assert "update_beneficiaries()" in str(exists.value)
    updated = payments.update_beneficiaries(
        [
            {
                "PayeeFunctionalID": payee,
                "PaymentModality": "00",
                "FinancialAddress": "EE12",
            }
        ]
    )
    assert updated["ResponseCode"] == "00"
    assert payments.beneficiaries()[0]["FinancialAddress"] == "EE12"

    payment = CreditInstruction("instr-1", payee, 900, narration="Payment for TPA")
    with pytest.raises(govlearn.ProviderError) as early:
        payments.order_bulk_payment([payment], batch_id="b-1")
    assert early.value.code == "no_valid_credit_instruction"
    assert "validate_payments()" in str(early.value)
    checked = payments.validate_payments([payment], batch_id="b-1", request_id="r-1")
    assert checked == {
        "ResponseCode": "00",
        "ResponseDescription": "Payments Validated!",
        "RequestID": "r-1",
    }
    ordered = payments.order_bulk_payment([payment], batch_id="b-1")
    assert ordered["ResponseDescription"] == "Payments ordered!"
    assert [i["Status"] for i in payments.credit_instructions()] == ["ORDERED"]
    with pytest.raises(govlearn.ProviderError) as missing:
        payments.validate_payments([CreditInstruction("i-2", "unknown", 1)])
    assert missing.value.code == "beneficiary_not_found"
    assert payments.health() == {"status": "UP"}
    with pytest.raises(TypeError):
        payments.register_beneficiaries([42])


def test_consent_helpers(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("consent-helper")
    consent = client.consent
    assert isinstance(consent, Consent)
    assert [a["id"] for a in consent.agreements()][0] == USCT_ENROLLMENT
    assert consent.has_consent("PRSN0001", USCT_ENROLLMENT) is True
    assert consent.has_consent("PRSN0002", USCT_ENROLLMENT) is False
    assert consent.has_consent("PRSN0005", USCT_ENROLLMENT) is False
    record = consent.request("PRSN0005", USCT_ENROLLMENT)
    assert record["optIn"] is True
    assert consent.has_consent("PRSN0005", USCT_ENROLLMENT) is True
    with pytest.raises(govlearn.ProviderError) as exists:
        consent.request("PRSN0005", USCT_ENROLLMENT)
    assert exists.value.code == "consent_record_exists"
    with pytest.raises(govlearn.ProviderError) as inactive:
        consent.request("PRSN0005", "usct-sms-outreach")
    assert inactive.value.code == "agreement_inactive"
    assert consent.withdraw("PRSN0005", record["id"])["optIn"] is False
    assert consent.has_consent("PRSN0005", USCT_ENROLLMENT) is False
    assert consent.give("PRSN0005", record["id"])["optIn"] is True
    verified = consent.verify(record["id"])
    assert verified["consentRecord"]["optIn"] is True
    assert verified["revision"]["objectId"] == record["id"]
    assert [r["id"] for r in consent.records("PRSN0005")] == [record["id"]]
    with pytest.raises(govlearn.ProviderError) as unknown:
        consent.verify("no-such-record")
    assert unknown.value.code == "not_found"


def test_direct_calls_give_the_same_answers(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("direct")
    direct = Registries(client, direct=True)
    assert "directly" in repr(direct)
    assert direct.benefit_packages() == client.registries.benefit_packages()
    assert Consent(client, direct=True).agreements() == client.consent.agreements()
    with pytest.raises(govlearn.ProviderError) as caught:
        Payments(client, direct=True).update_beneficiaries([Beneficiary("nobody")])
    assert caught.value.code == "beneficiary_not_found"
    before = len(client.mediator.message_log())
    direct.list("prsn")
    assert len(client.mediator.message_log()) == before
