"""Service and client ids, in the helper and in the mediator (no server needed)."""

from __future__ import annotations

import pytest

from govlearn import mediator
from govlearn.sandbox.mediator import identifiers


def test_helper_ids_parse_and_print() -> None:
    service = mediator.ServiceId.parse("SANDBOX/GOV/PROVIDER/PAYMENT/emulator")
    assert service.subsystem_code == "PAYMENT"
    assert str(service) == "SANDBOX/GOV/PROVIDER/PAYMENT/emulator"
    assert str(service.subsystem) == "SANDBOX/GOV/PROVIDER/PAYMENT"
    assert mediator.ServiceId.parse(service) is service
    client = mediator.ClientId.parse(mediator.DEFAULT_CLIENT)
    assert (client.member_class, client.subsystem_code) == ("ORG", "TEST")
    member = mediator.ClientId.parse("SANDBOX/COM/amina")
    assert member.subsystem_code is None and str(member) == "SANDBOX/COM/amina"
    spaced = mediator.ServiceId("SANDBOX", "GOV", "A B", "X", "é")
    assert spaced.path == "SANDBOX/GOV/A%20B/X/%C3%A9"
    assert set(mediator.__all__) == {
        "DEFAULT_CLIENT",
        "ClientId",
        "Mediator",
        "ServiceId",
    }


@pytest.mark.parametrize(
    "text",
    ["", "SANDBOX/GOV", "SANDBOX/GOV/PROVIDER/PAYMENT", "a/b/c/d/e/f", "a//c/d/e"],
)
def test_helper_rejects_malformed_service_ids(text: str) -> None:
    with pytest.raises(ValueError, match="SANDBOX/GOV/PROVIDER/PAYMENT/emulator"):
        mediator.ServiceId.parse(text)


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ("PAYMENT", True),
        ("DIGITAL-REGISTRIES", True),
        ("A%20B", True),
        ("%C3%A9", True),
        ("", False),
        ("%20", False),
        ("..", False),
        ("%2E%2E", False),
        ("a%2Fb", False),
        ("a%3Bb", False),
        ("a%00", False),
        ("%zz", False),
        ("%C3%28", False),
        ("x" * 101, False),
    ],
)
def test_mediator_decodes_id_parts_strictly(raw: str, ok: bool) -> None:
    if ok:
        assert identifiers.decode_part(raw, "part")
    else:
        with pytest.raises(identifiers.IdentifierError):
            identifiers.decode_part(raw, "part")


def test_mediator_ids_in_xroad_json() -> None:
    client = identifiers.ClientId.parse("SANDBOX/ORG/CLIENT/TEST")
    assert client.as_xroad_json() == {
        "member_class": "ORG",
        "member_code": "CLIENT",
        "object_type": "SUBSYSTEM",
        "subsystem_code": "TEST",
        "xroad_instance": "SANDBOX",
    }
    assert identifiers.ClientId.parse("SANDBOX/ORG/CLIENT").object_type == "MEMBER"
