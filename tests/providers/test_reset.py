"""A workspace reset brings every emulator back to the same seed data."""

from __future__ import annotations

from govlearn.consent import USCT_ENROLLMENT
from govlearn.payments import Beneficiary, CreditInstruction


def test_reset_restores_the_same_seed_everywhere(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("resetter")

    def snapshot() -> tuple:
        return (
            client.registries.all("prsn"),
            client.registries.benefit_packages(),
            client.consent.agreements(),
            client.consent.records("PRSN0001") + client.consent.records("PRSN0002"),
            [
                client.consent.verify(r["id"])
                for r in client.consent.records("PRSN0002")
            ],
            client.payments.beneficiaries(),
            client.payments.credit_instructions(),
        )

    seed = snapshot()
    client.registries.delete("prsn", "PRSN0001")
    client.registries.update("bpkg", {"id": 147}, {"amount": 1})
    client.consent.request("PRSN0003", USCT_ENROLLMENT)
    client.consent.give("PRSN0002", client.consent.records("PRSN0002")[0]["id"])
    client.payments.register_beneficiaries([Beneficiary("p-1", "00", "EE1")])
    client.payments.validate_payments([CreditInstruction("i-1", "p-1", 5)])
    assert snapshot() != seed

    assert client.reset_workspace() > 0
    assert snapshot() == seed
    assert client.consent.records("PRSN0003") == []
