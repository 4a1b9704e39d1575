"""OIDC vocabulary: scopes, claims, ACR values, and a person's claim values."""

from __future__ import annotations

from typing import Any

from .models import Person

__all__ = [
    "ACR_OTP",
    "ACR_VALUES",
    "SCOPE_CLAIMS",
    "SCOPES",
    "SUPPORTED_CLAIMS",
    "claim_values",
]

#: The authentication context of an OTP login, the one this sandbox runs.
ACR_OTP = "idbb:acr:generated-code"

#: ACR values of the Identity spec (data structures section).
ACR_VALUES = (
    "idbb:acr:static-code",
    ACR_OTP,
    "idbb:acr:linked-wallet",
    "idbb:acr:biometrics",
    "idbb:acr:biometrics-generated-code",
    "idbb:acr:linked-wallet-static-code",
)

#: Which claims each standard scope asks for.
SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "openid": (),
    "profile": ("name", "given_name", "family_name", "gender", "birthdate"),
    "email": ("email",),
    "phone": ("phone_number",),
    "address": ("address",),
}
SCOPES = tuple(SCOPE_CLAIMS)

SUPPORTED_CLAIMS = (
    "name",
    "given_name",
    "family_name",
    "gender",
    "birthdate",
    "email",
    "phone_number",
    "address",
)


def claim_values(person: Person, claims: list[str]) -> dict[str, Any]:
    """The values of ``claims`` for ``person``; empty attributes are left out."""
    address = {
        "locality": person.locality,
        "region": person.region,
        "postal_code": person.postal_code,
        "country": person.country,
    }
    address = {key: value for key, value in address.items() if value}
    if address:
        address["formatted"] = ", ".join(address.values())
    available: dict[str, Any] = {
        "name": person.full_name,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "gender": person.gender,
        "birthdate": person.birthdate,
        "email": person.email,
        "phone_number": person.phone,
        "address": address,
    }
    return {name: available[name] for name in claims if available.get(name)}
