"""Request bodies of the Identity endpoints, as the spec names their fields.

Fields are typed loosely on purpose: a wrong type is answered with
``invalid_request``, while a wrong *value* gets the spec's more precise
``errorCode`` (``invalid_redirect_uri``, ``invalid_claim`` ...), which the
handlers check themselves.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AuthCodeEnvelope",
    "AuthenticateEnvelope",
    "ClientCreateEnvelope",
    "ClientUpdateEnvelope",
    "EnrollmentEnvelope",
    "OAuthDetailsEnvelope",
    "SendOtpEnvelope",
    "YesNoEnvelope",
]

_SHORT = 500
_LIST = 50


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow")


class ClientCreate(_Body):
    clientId: str = Field(max_length=_SHORT, examples=["my-health-app"])
    clientName: str = Field(max_length=_SHORT, examples=["My health app"])
    relyingPartyId: str = Field(max_length=_SHORT, examples=["health-ministry"])
    logoUri: str | None = Field(default=None, max_length=_SHORT)
    redirectUris: list[str] = Field(
        max_length=_LIST, examples=[["https://rp.example/callback"]]
    )
    authContextRefs: list[str] = Field(
        default_factory=lambda: ["idbb:acr:generated-code"], max_length=_LIST
    )
    publicKey: dict[str, Any] = Field(description="The client's RSA public JWK.")
    userClaims: list[str] = Field(
        default_factory=lambda: ["name", "email"], max_length=_LIST
    )
    grantTypes: list[str] = Field(
        default_factory=lambda: ["authorization_code"], max_length=_LIST
    )
    clientAuthMethods: list[str] = Field(
        default_factory=lambda: ["private_key_jwt"], max_length=_LIST
    )


class ClientCreateEnvelope(_Body):
    requestTime: str = Field(max_length=64, examples=["2024-05-01T10:00:00.000Z"])
    request: ClientCreate


class ClientUpdate(_Body):
    clientName: str | None = Field(default=None, max_length=_SHORT)
    status: str | None = Field(default=None, examples=["active", "inactive"])
    logoUri: str | None = Field(default=None, max_length=_SHORT)
    redirectUris: list[str] | None = Field(default=None, max_length=_LIST)
    userClaims: list[str] | None = Field(default=None, max_length=_LIST)
    authContextRefs: list[str] | None = Field(default=None, max_length=_LIST)
    grantTypes: list[str] | None = Field(default=None, max_length=_LIST)
    clientAuthMethods: list[str] | None = Field(default=None, max_length=_LIST)


class ClientUpdateEnvelope(_Body):
    requestTime: str = Field(max_length=64)
    request: ClientUpdate


class OAuthDetails(_Body):
    scope: str = Field(max_length=_SHORT, examples=["openid profile email"])
    responseType: str = Field(default="code", max_length=20)
    clientId: str = Field(max_length=_SHORT)
    redirectUri: str = Field(max_length=_SHORT)
    state: str | None = Field(default=None, max_length=_SHORT)
    nonce: str | None = Field(default=None, max_length=200)
    display: str | None = Field(default=None, max_length=20)
    prompt: str | None = Field(default=None, max_length=20)
    acrValues: str | None = Field(default=None, max_length=_SHORT)
    claims: dict[str, Any] | None = Field(
        default=None,
        examples=[{"userinfo": {"name": {"essential": True}, "email": None}}],
    )
    maxAge: int | None = None
    claimsLocales: str | None = Field(default=None, max_length=100)
    uiLocales: str | None = Field(default=None, max_length=100)


class OAuthDetailsEnvelope(_Body):
    requestTime: str = Field(max_length=64)
    request: OAuthDetails


class SendOtp(_Body):
    transactionId: str = Field(max_length=100)
    individualId: str = Field(max_length=100, examples=["9038952310"])
    otpChannels: list[str] = Field(
        default_factory=lambda: ["email", "phone"], max_length=5
    )
    channel: str | None = Field(default=None, max_length=20)


class SendOtpEnvelope(_Body):
    requestTime: str = Field(max_length=64)
    request: SendOtp


class Challenge(_Body):
    authFactorType: str = Field(max_length=40, examples=["OTP"])
    challenge: str = Field(max_length=200, examples=["111111"])
    format: str | None = Field(default="alpha-numeric", max_length=40)


class Authenticate(_Body):
    transactionId: str = Field(max_length=100)
    individualId: str = Field(max_length=100)
    challengeList: list[Challenge] = Field(max_length=5)


class AuthenticateEnvelope(_Body):
    requestTime: str = Field(max_length=64)
    request: Authenticate


class AuthCode(_Body):
    transactionId: str = Field(max_length=100)
    acceptedClaims: list[str] | None = Field(default=None, max_length=_LIST)
    permittedAuthorizeScopes: list[str] | None = Field(default=None, max_length=_LIST)


class AuthCodeEnvelope(_Body):
    requestTime: str = Field(max_length=64)
    request: AuthCode


class EnrollmentRequest(_Body):
    offlineMode: bool = False
    id: str | None = Field(
        default=None,
        max_length=64,
        description="The enrollment (registration) id; generated when left out. "
        "Sending an existing id updates that enrollment.",
    )
    refId: str | None = Field(default=None, max_length=128)
    fields: dict[str, Any] = Field(
        examples=[
            {
                "fullName": '[{"language":"eng","value":"Ada Example"}]',
                "dateOfBirth": "1990/04/12",
                "gender": '[{"language":"eng","value":"Female"}]',
                "region": "Central",
            }
        ]
    )
    metaInfo: dict[str, Any] | None = None
    process: str | None = Field(default="NEW", max_length=30)
    source: str | None = Field(default="REGISTRATION_CLIENT", max_length=60)
    audits: list[Any] | None = Field(default=None, max_length=_LIST)
    biometrics: dict[str, Any] | None = None
    documents: dict[str, Any] | None = None


class EnrollmentEnvelope(_Body):
    id: str = Field(default="govstack.enrollment", max_length=64)
    version: str = Field(default="v1", max_length=20)
    requesttime: str = Field(max_length=64, examples=["2024-05-01T10:00:00.000Z"])
    request: EnrollmentRequest


class YesNo(_Body):
    individualId: str = Field(max_length=100, examples=["9038952310"])
    question: str = Field(max_length=60, examples=["age_over"])
    parameters: dict[str, Any] = Field(default_factory=dict, examples=[{"minAge": 18}])


class YesNoEnvelope(_Body):
    requestTime: str = Field(max_length=64)
    request: YesNo
