"""Helpers for the Identity building block: ``client.identity``.

The methods follow the OIDC login a relying party runs against the sandbox's
identity provider, one HTTP call each, so a notebook can show every step::

    rp = client.identity.register_client("My clinic app")
    tokens = client.identity.login(rp, "9038952310")      # OTP 111111
    client.identity.userinfo(tokens)                     # verified claims

Every signature (ID token, access token, userinfo) is checked against the
provider's published JWKS. Refusals raise :class:`~govlearn.IdentityError`,
or :class:`~govlearn.TokenError` from the token endpoint.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from ._errors import IdentityError, SandboxError, TokenError

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["ASSERTION_TYPE", "Enrollment", "Identity", "RelyingParty", "Tokens"]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEFAULT_CLAIMS = ("name", "given_name", "family_name", "gender", "birthdate", "email")


def _now_text() -> str:
    now = dt.datetime.now(dt.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _learner_key_problem(body: Any) -> bool:
    """Whether an error body is about the learner key (mapped by the Client)."""
    if not isinstance(body, dict):
        return False
    codes = {str(body.get("error"))}
    for item in body.get("errors") or []:
        if isinstance(item, dict):
            codes.add(str(item.get("errorCode")))
    return bool(codes & {"missing_learner_key", "unknown_learner_key"})


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "client"


def _public_jwk(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(
        jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())
    )
    jwk.update({"use": "sig", "alg": "RS256"})
    return jwk


@dataclass(frozen=True)
class RelyingParty:
    """A registered relying party (OIDC client) and its key pair.

    Keep ``private_key`` to yourself: it signs the client assertions that
    prove to the token endpoint that a request comes from this client.
    """

    client_id: str
    name: str
    redirect_uri: str
    private_key: rsa.RSAPrivateKey = field(repr=False)
    public_jwk: dict[str, Any] = field(repr=False)
    claims: tuple[str, ...] = DEFAULT_CLAIMS
    relying_party_id: str = ""

    def __repr__(self) -> str:
        return (
            f"RelyingParty(client_id={self.client_id!r}, name={self.name!r}, "
            f"redirect_uri={self.redirect_uri!r}, private_key='****')"
        )

    def client_assertion(self, audience: str, *, lifetime: int = 60) -> str:
        """A fresh ``private_key_jwt`` assertion for the token endpoint."""
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "iat": now,
            "exp": now + lifetime,
            "jti": secrets.token_urlsafe(16),
        }
        return jwt.encode(claims, self.private_key, algorithm="RS256")


@dataclass(frozen=True)
class Tokens:
    """What the token endpoint returned; ``id_claims`` is the verified ID token."""

    id_token: str = field(repr=False)
    access_token: str = field(repr=False)
    token_type: str
    expires_in: int
    id_claims: dict[str, Any]


@dataclass(frozen=True)
class Enrollment:
    """A new (or updated) enrollment: its id and the VID to log in with.

    The person's UIN is never revealed; ``packet`` is the spec's description
    of the enrollment packet as the sandbox answered it.
    """

    enrollment_id: str
    vid: str
    created: bool
    packet: dict[str, Any] = field(repr=False)


class Identity:
    """The Identity building block, reached through ``client.identity``."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._discovery: dict[str, Any] | None = None
        self._keys: dict[str, Any] = {}
        self._nonces: dict[str, str | None] = {}

    def __repr__(self) -> str:
        return f"<govlearn Identity helpers for {self._client.url}>"

    # -- discovery -------------------------------------------------------

    def discover(self) -> dict[str, Any]:
        """The provider's OpenID configuration (``/.well-known/...``)."""
        data: dict[str, Any] = self._client.request(
            "GET",
            "/.well-known/openid-configuration",
            attempted="read the identity provider's OpenID configuration",
        ).json()
        self._discovery = data
        return data

    def jwks(self) -> dict[str, Any]:
        """The provider's public signing keys (JWKS)."""
        data: dict[str, Any] = self._client.request(
            "GET",
            "/.well-known/jwks.json",
            attempted="read the identity provider's public keys (JWKS)",
        ).json()
        self._keys = {key.get("kid", ""): key for key in data.get("keys", [])}
        return data

    def _config(self) -> dict[str, Any]:
        return self._discovery if self._discovery is not None else self.discover()

    # -- calls in the spec's envelope -------------------------------------

    def _parse_error(
        self, response: httpx.Response, attempted: str
    ) -> SandboxError | None:
        try:
            body = response.json()
        except ValueError:
            return None
        if response.status_code == 429 or _learner_key_problem(body):
            return None
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            return TokenError(
                f"Attempted to {attempted}, but the token endpoint refused "
                f"({body['error']}): {body.get('error_description', '')}",
                code=body["error"],
                request=response.request,
                response=response,
            )
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            code = str(first.get("errorCode", "unknown_error"))
            text = first.get("errorMessage") or first.get("message") or ""
            cls = TokenError if code == "invalid_token" else IdentityError
            return cls(
                f"Attempted to {attempted}, but the identity provider refused "
                f"({code}): {text}",
                code=code,
                request=response.request,
                response=response,
            )
        return None

    def _call(
        self,
        method: str,
        path: str,
        attempted: str,
        request: dict[str, Any],
        *,
        envelope: dict[str, Any] | None = None,
    ) -> Any:
        body = envelope if envelope is not None else {}
        body.setdefault("requestTime", _now_text())
        body["request"] = request
        response = self._client.request(
            method, path, attempted=attempted, error_parser=self._parse_error, json=body
        )
        error = self._parse_error(response, attempted)
        if error is not None:
            raise error
        return response.json().get("response")

    # -- relying parties -------------------------------------------------

    def register_client(
        self,
        name: str,
        *,
        redirect_uri: str = "https://rp.example/callback",
        claims: list[str] | None = None,
        key: rsa.RSAPrivateKey | None = None,
    ) -> RelyingParty:
        """Register a relying party; a 2048-bit RSA key pair is made unless given.

        ``claims`` are the user claims the client may ask for (by default
        name, given and family name, gender, birthdate and email).
        """
        private_key = key or rsa.generate_private_key(
            public_exponent=65537, key_size=2048
        )
        jwk = _public_jwk(private_key)
        client_id = f"{_slug(name)}-{secrets.token_hex(4)}"
        wanted = tuple(claims) if claims is not None else DEFAULT_CLAIMS
        answer = self._call(
            "POST",
            "/client-mgmt/oidc-client",
            f"register the relying party {name!r}",
            {
                "clientId": client_id,
                "clientName": name,
                "relyingPartyId": client_id,
                "logoUri": None,
                "redirectUris": [redirect_uri],
                "authContextRefs": ["idbb:acr:generated-code"],
                "publicKey": jwk,
                "userClaims": list(wanted),
                "grantTypes": ["authorization_code"],
                "clientAuthMethods": ["private_key_jwt"],
            },
        )
        return RelyingParty(
            client_id=str(answer["clientId"]),
            name=name,
            redirect_uri=redirect_uri,
            private_key=private_key,
            public_jwk=jwk,
            claims=wanted,
            relying_party_id=client_id,
        )

    # -- the OTP login, step by step --------------------------------------

    def start_login(
        self,
        rp: RelyingParty,
        *,
        scope: str = "openid profile email",
        claims: list[str] | dict[str, Any] | None = None,
        nonce: str | None = None,
        state: str | None = None,
    ) -> str:
        """Step 1 (oauth-details): open a login transaction; return its id.

        ``claims`` lists claim names to ask for as essential, or is a full
        OIDC ``claims`` object. A random ``nonce`` is used unless given.
        """
        if isinstance(claims, list | tuple):
            claims = {"userinfo": {name: {"essential": True} for name in claims}}
        nonce = nonce if nonce is not None else secrets.token_urlsafe(12)
        answer = self._call(
            "POST",
            "/authorization/oauth-details",
            f"start a login for {rp.client_id!r}",
            {
                "scope": scope,
                "responseType": "code",
                "clientId": rp.client_id,
                "redirectUri": rp.redirect_uri,
                "state": state,
                "nonce": nonce,
                "claims": claims,
                "acrValues": "idbb:acr:generated-code",
            },
        )
        transaction_id = str(answer["transactionId"])
        self._nonces[transaction_id] = nonce
        return transaction_id

    def send_otp(self, transaction_id: str, individual_id: str) -> dict[str, Any]:
        """Step 2 (send-otp): send the person an OTP (111111 for synthetic people)."""
        answer: dict[str, Any] = self._call(
            "POST",
            "/authorization/send-otp",
            f"send an OTP to {individual_id!r}",
            {
                "transactionId": transaction_id,
                "individualId": individual_id,
                "otpChannels": ["email", "phone"],
            },
        )
        return answer

    def authenticate(self, transaction_id: str, individual_id: str, otp: str) -> None:
        """Step 3 (authenticate): check the OTP. Three wrong ones lock the login."""
        self._call(
            "POST",
            "/authorization/authenticate",
            f"log in {individual_id!r} with an OTP",
            {
                "transactionId": transaction_id,
                "individualId": individual_id,
                "challengeList": [
                    {
                        "authFactorType": "OTP",
                        "challenge": otp,
                        "format": "alpha-numeric",
                    }
                ],
            },
        )

    def authorize_code(
        self, transaction_id: str, accepted_claims: list[str] | None = None
    ) -> str:
        """Step 4 (auth-code): give consent; return the one-time code.

        ``accepted_claims=None`` accepts every claim the login asked for.
        """
        answer = self._call(
            "POST",
            "/authorization/auth-code",
            "get an authorization code",
            {
                "transactionId": transaction_id,
                "acceptedClaims": accepted_claims,
                "permittedAuthorizeScopes": [],
            },
        )
        code = str(answer["code"])
        self._nonces[code] = self._nonces.pop(transaction_id, answer.get("nonce"))
        return code

    def exchange_code(self, rp: RelyingParty, code: str) -> Tokens:
        """Step 5 (/oauth/token): swap the code for tokens, with a client assertion.

        The ID token is verified (signature, issuer, audience, nonce) before
        it is returned.
        """
        token_endpoint = str(self._config()["token_endpoint"])
        attempted = f"exchange an authorization code for tokens as {rp.client_id!r}"
        response = self._client.request(
            "POST",
            "/oauth/token",
            attempted=attempted,
            error_parser=self._parse_error,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": rp.client_id,
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": rp.client_assertion(token_endpoint),
                "redirect_uri": rp.redirect_uri,
            },
        )
        body = response.json()
        id_claims = self.verify(body["id_token"], audience=rp.client_id)
        expected = self._nonces.pop(code, None)
        if expected is not None and id_claims.get("nonce") != expected:
            raise TokenError(
                f"Attempted to {attempted}, but the ID token's nonce does not match "
                "the one sent when the login started. Start the login again.",
                code="invalid_nonce",
                response=response,
            )
        return Tokens(
            id_token=body["id_token"],
            access_token=body["access_token"],
            token_type=body["token_type"],
            expires_in=int(body["expires_in"]),
            id_claims=id_claims,
        )

    def login(
        self, rp: RelyingParty, individual_id: str, otp: str = "111111", **kw: Any
    ) -> Tokens:
        """The whole OTP login: steps 1 to 5 in one call.

        Keywords go to :meth:`start_login` (``scope``, ``claims``, ``nonce``,
        ``state``), except ``accepted_claims``, which goes to
        :meth:`authorize_code`.
        """
        accepted = kw.pop("accepted_claims", None)
        transaction_id = self.start_login(rp, **kw)
        self.send_otp(transaction_id, individual_id)
        self.authenticate(transaction_id, individual_id, otp)
        code = self.authorize_code(transaction_id, accepted)
        return self.exchange_code(rp, code)

    # -- tokens ----------------------------------------------------------

    def _signing_key(self, kid: str) -> Any:
        if kid not in self._keys:
            self.jwks()
        if kid not in self._keys:
            raise TokenError(
                f"Attempted to verify a token, but its key id {kid!r} is not in the "
                "identity provider's JWKS. The token was not issued by this sandbox.",
                code="unknown_key",
            )
        return jwt.PyJWK(self._keys[kid], algorithm="RS256").key

    def verify(self, token: str, *, audience: str | None = None) -> dict[str, Any]:
        """Check a token the provider signed; return its claims.

        Checks the RS256 signature against the JWKS, the issuer, the expiry
        and, when ``audience`` is given, the audience.
        """
        try:
            header = jwt.get_unverified_header(token)
            key = self._signing_key(str(header.get("kid", "")))
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=str(self._config()["issuer"]),
                audience=audience,
                leeway=10,
                options={
                    "verify_aud": audience is not None,
                    "require": ["iss", "sub", "exp"],
                },
            )
        except jwt.ExpiredSignatureError:
            raise TokenError(
                "Attempted to verify a token, but it has expired. Log in again.",
                code="expired_token",
            ) from None
        except jwt.InvalidAudienceError:
            raise TokenError(
                f"Attempted to verify a token, but it was issued for another "
                f"audience, not {audience!r}.",
                code="invalid_audience",
            ) from None
        except jwt.PyJWTError as exc:
            raise TokenError(
                f"Attempted to verify a token, but it is not valid ({exc}). Use the "
                "token exactly as the sandbox issued it.",
                code="invalid_token",
            ) from None
        return claims

    def userinfo(self, tokens_or_access_token: Tokens | str) -> dict[str, Any]:
        """The consented claims, from ``/oidc/userinfo``, signature verified."""
        if isinstance(tokens_or_access_token, Tokens):
            access_token = tokens_or_access_token.access_token
        else:
            access_token = tokens_or_access_token
        response = self._client.request(
            "GET",
            "/oidc/userinfo",
            attempted="read the person's claims from userinfo",
            error_parser=self._parse_error,
            headers={"Authorization": f"Bearer {access_token}"},
        )
        audience = self.verify(access_token).get("aud")
        return self.verify(
            response.text.strip(),
            audience=audience if isinstance(audience, str) else None,
        )

    # -- enrollment and yes/no -------------------------------------------

    def enroll(
        self,
        full_name: str,
        *,
        birthdate: str,
        gender: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        region: str | None = None,
        enrollment_id: str | None = None,
        **fields: Any,
    ) -> Enrollment:
        """Enroll a synthetic person; return the enrollment id and a VID.

        ``birthdate`` is ``YYYY-MM-DD``. More enrollment fields (``city``,
        ``postal_code`` ...) may be given as keywords. Pass the
        ``enrollment_id`` of an earlier enrollment to update it instead.
        """

        def text(value: str) -> str:
            return json.dumps([{"language": "eng", "value": value}])

        values: dict[str, Any] = {
            "fullName": text(full_name),
            "dateOfBirth": birthdate.replace("-", "/"),
        }
        if gender is not None:
            values["gender"] = text(gender)
        for name, value in (("email", email), ("phone", phone), ("region", region)):
            if value is not None:
                values[name] = value
        values.update({_camel(name): value for name, value in fields.items()})
        request: dict[str, Any] = {
            "offlineMode": False,
            "id": enrollment_id,
            "refId": None,
            "fields": values,
            "process": "NEW" if enrollment_id is None else "UPDATE",
            "source": "REGISTRATION_CLIENT",
        }
        attempted = f"enroll {full_name!r}"
        response = self._client.request(
            "PUT",
            "/enrollment",
            attempted=attempted,
            error_parser=self._parse_error,
            json={
                "id": "govstack.enrollment",
                "version": "v1",
                "requesttime": _now_text(),
                "request": request,
            },
        )
        error = self._parse_error(response, attempted)
        if error is not None:
            raise error
        packet = response.json()["response"][0]
        return Enrollment(
            enrollment_id=str(packet["id"]),
            vid=str(packet["vid"]),
            created=response.status_code == 201,
            packet=packet,
        )

    def verify_yes_no(self, individual_id: str, question: str, **params: Any) -> bool:
        """Ask one yes/no question about a person, e.g. ``age_over``, ``min_age=18``.

        Questions: ``age_over`` (``min_age``), ``lives_in_region`` (``region``),
        ``lives_in_locality`` (``locality``), ``lives_in_country`` (``country``).
        The answer is only yes (True) or no (False).
        """
        answer = self._call(
            "POST",
            "/verification/yes-no",
            f"ask whether {individual_id!r} passes {question!r}",
            {
                "individualId": individual_id,
                "question": question,
                "parameters": {_camel(name): value for name, value in params.items()},
            },
        )
        return bool(answer["verified"])
