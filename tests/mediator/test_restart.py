"""A restart keeps what learners did through the mediator and its providers."""

from __future__ import annotations

import pytest

from tests.conftest import RunningSandbox, start_sandbox

HEALTH = "SANDBOX/GOV/PROVIDER/TEST/health"


def _again(first: RunningSandbox, key: str):  # type: ignore[no-untyped-def]
    import govlearn

    second = start_sandbox(first.database_url)
    return second, govlearn.Client(second.url, key)


@pytest.mark.parametrize(
    "kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_restart_keeps_rights_beneficiaries_and_message_log(
    kind: str,
    tmp_path,
    postgres_url,  # type: ignore[no-untyped-def]
) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}" if kind == "sqlite" else postgres_url
    first = start_sandbox(url)
    key = first.new_key("keeper")
    import govlearn

    client = govlearn.Client(first.url, key)
    own = f"{client.mediator.my_member()}/APP"
    client.mediator.grant(HEALTH, own)
    assert client.mediator.call("GET", HEALTH, "/", client=own).status_code == 200
    client.payments.register_beneficiaries(
        [
            {
                "PayeeFunctionalID": "RESTART000000000001",
                "PaymentModality": "01",
                "FinancialAddress": "+000 555 0101",
            }
        ]
    )
    logged = len(client.mediator.message_log(limit=1000))
    client.close()
    first.close()

    second, again = _again(first, key)
    try:
        rights = again.mediator.access_rights(HEALTH)
        assert any(own in item["clients"] for item in rights), rights
        assert again.mediator.call("GET", HEALTH, "/", client=own).status_code == 200
        payees = {b["PayeeFunctionalID"] for b in again.payments.beneficiaries()}
        assert "RESTART000000000001" in payees
        assert len(again.mediator.message_log(limit=1000)) >= logged
    finally:
        again.close()
        second.close()
