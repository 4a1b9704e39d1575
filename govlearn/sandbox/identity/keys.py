"""The identity provider's signing key, its JWKS, and token signing.

The key pair is a database row, created the first time any replica needs it.
Replicas that start together race on one fixed primary key: one insert wins,
the others roll back and read the winner's row. Each process then keeps the
loaded key in memory, which is safe because the row never changes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from sqlalchemy.exc import IntegrityError

from ..db import Database, utcnow
from .models import SigningKey

__all__ = [
    "ProviderKey",
    "at_hash",
    "b64url",
    "jwk_thumbprint",
    "provider_key",
    "psut",
]

SLOT = "idp-signing"
KEY_BITS = 2048
_CACHE: weakref.WeakKeyDictionary[Database, ProviderKey] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def b64url(data: bytes) -> str:
    """Base64url without padding, as JOSE writes it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of an RSA public JWK."""
    canonical = json.dumps(
        {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":")
    )
    return b64url(hashlib.sha256(canonical.encode()).digest())


def at_hash(access_token: str) -> str:
    """The OIDC ``at_hash``: left half of SHA-256 of the token, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])


@dataclass(frozen=True)
class ProviderKey:
    """The loaded signing key: private key, public JWK and PSUT secret."""

    kid: str
    private_key: rsa.RSAPrivateKey
    public_jwk: dict[str, Any]
    psut_secret: bytes

    def sign(self, claims: dict[str, Any], *, typ: str = "JWT") -> str:
        """Sign ``claims`` as an RS256 JWS with this key's ``kid``."""
        return jwt.encode(
            claims,
            self.private_key,
            algorithm="RS256",
            headers={"kid": self.kid, "typ": typ},
        )

    def verify(self, token: str, **options: Any) -> dict[str, Any]:
        """Verify a token this provider signed; raises ``jwt.PyJWTError``."""
        claims: dict[str, Any] = jwt.decode(
            token, self.private_key.public_key(), algorithms=["RS256"], **options
        )
        return claims


def _self_signed(private: rsa.RSAPrivateKey, now: dt.datetime) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "GovLearn sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, "GovLearn mock identity provider"),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(private, hashes.SHA256())
    )


def _new_row() -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    numbers = private.public_key().public_numbers()
    jwk = {"kty": "RSA", "n": _int_b64(numbers.n), "e": _int_b64(numbers.e)}
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    certificate = _self_signed(private, utcnow())
    return SigningKey(
        slot=SLOT,
        kid=jwk_thumbprint(jwk),
        private_pem=pem,
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        psut_secret=secrets.token_hex(32),
    )


def _load(row: SigningKey) -> ProviderKey:
    private = serialization.load_pem_private_key(row.private_pem.encode(), None)
    assert isinstance(private, rsa.RSAPrivateKey)
    numbers = private.public_key().public_numbers()
    certificate = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    der = certificate.public_bytes(serialization.Encoding.DER)
    jwk: dict[str, Any] = {
        "kid": row.kid,
        "use": "sig",
        "alg": "RS256",
        "kty": "RSA",
        "e": _int_b64(numbers.e),
        "n": _int_b64(numbers.n),
        "x5c": [base64.b64encode(der).decode("ascii")],
        "x5t#S256": b64url(hashlib.sha256(der).digest()),
        "exp": certificate.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    return ProviderKey(row.kid, private, jwk, bytes.fromhex(row.psut_secret))


def provider_key(database: Database) -> ProviderKey:
    """The signing key stored in ``database``, creating it on first use."""
    cached = _CACHE.get(database)
    if cached is not None:
        return cached
    with _LOCK:
        cached = _CACHE.get(database)
        if cached is not None:
            return cached
        with database.session() as session:
            row = session.get(SigningKey, SLOT)
            if row is not None:
                loaded = _load(row)
        if row is None:
            try:
                with database.session() as session:
                    session.add(_new_row())
            except IntegrityError:
                pass  # another replica won the race; read its key below
            with database.session() as session:
                stored = session.get(SigningKey, SLOT)
                assert stored is not None
                loaded = _load(stored)
        _CACHE[database] = loaded
        return loaded


def psut(key: ProviderKey, workspace_id: str, relying_party_id: str, uin: str) -> str:
    """The partner-specific user token: stable per (relying party, person).

    An HMAC under the provider's secret, so it reveals nothing about the UIN
    and differs between relying parties.
    """
    message = f"{workspace_id}\x1f{relying_party_id}\x1f{uin}".encode()
    return b64url(hmac.new(key.psut_secret, message, hashlib.sha256).digest())
