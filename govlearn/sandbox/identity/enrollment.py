"""Enrollment (``PUT /enrollment``): new synthetic identities in a workspace.

The UIN is generated here and never leaves the service. The answer carries
what the spec returns (the packet description) plus a VID, the alias the new
person logs in with. Everyone enrolled is synthetic and receives OTP 111111.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import utcnow
from .envelope import IdentityFailure, timestamp
from .keys import ProviderKey
from .models import Person, name_key
from .schemas import EnrollmentRequest
from .seed import DEMO_OTP

__all__ = ["enroll", "field_value", "parse_birthdate"]

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")

#: longest givenName and familyName, also when taken from the full name
_NAME_PART_LIMIT = 100

#: enrollment field -> (Person attribute, longest value)
_TEXT_FIELDS = {
    "givenName": ("given_name", _NAME_PART_LIMIT),
    "familyName": ("family_name", _NAME_PART_LIMIT),
    "gender": ("gender", 40),
    "city": ("locality", 100),
    "locality": ("locality", 100),
    "region": ("region", 100),
    "postalCode": ("postal_code", 20),
    "country": ("country", 60),
}


def field_value(raw: Any) -> str:
    """One field's value: plain text, or MOSIP's ``[{language, value}]`` list.

    The list may also arrive as a JSON string; English (``eng``) wins.
    """
    value = raw
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return value.strip()
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, list):
        texts = [
            (item.get("language"), item.get("value"))
            for item in value
            if isinstance(item, dict) and isinstance(item.get("value"), str)
        ]
        for language, text in texts:
            if language == "eng":
                return str(text).strip()
        return str(texts[0][1]).strip() if texts else ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip()
    return ""


def parse_birthdate(text: str) -> str:
    """``YYYY/MM/DD`` (MOSIP) or ``YYYY-MM-DD`` as ISO ``YYYY-MM-DD``."""
    try:
        born = dt.date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise IdentityFailure(
            "invalid_input",
            f"dateOfBirth {text[:40]!r} is not a date. Write it as YYYY/MM/DD "
            "or YYYY-MM-DD.",
        ) from None
    if born.year < 1900 or born > utcnow().date():
        raise IdentityFailure(
            "invalid_input", "dateOfBirth must be after 1900 and not in the future."
        )
    return born.isoformat()


def _attributes(fields: dict[str, Any], partial: bool) -> dict[str, str]:
    values: dict[str, str] = {}
    name = field_value(fields.get("fullName"))
    if name or not partial:
        if not name or len(name) > 200:
            raise IdentityFailure(
                "invalid_input", "fields.fullName is required (1-200 characters)."
            )
        values["full_name"] = name
    born = field_value(fields.get("dateOfBirth") or fields.get("birthdate"))
    if born or not partial:
        if not born:
            raise IdentityFailure(
                "invalid_input", "fields.dateOfBirth is required (YYYY/MM/DD)."
            )
        values["birthdate"] = parse_birthdate(born)
    for field, (attribute, limit) in _TEXT_FIELDS.items():
        text = field_value(fields.get(field))
        if len(text) > limit:
            raise IdentityFailure(
                "invalid_input", f"fields.{field} is longer than {limit} characters."
            )
        if text:
            values[attribute] = text
    email = field_value(fields.get("email"))
    if email:
        if len(email) > 200 or not _EMAIL.match(email):
            raise IdentityFailure(
                "invalid_input",
                f"fields.email {email[:80]!r} is not an e-mail address.",
            )
        values["email"] = email
    phone = field_value(fields.get("phone") or fields.get("phoneNumber"))
    if phone:
        if not _PHONE.match(phone):
            raise IdentityFailure(
                "invalid_input", "fields.phone must be 6-20 digits, optionally with +."
            )
        values["phone"] = phone
    if "full_name" in values:
        # Names not sent are taken from the full name, where they fit.
        given, _, family = values["full_name"].partition(" ")
        for attribute, part in (("given_name", given), ("family_name", family)):
            if len(part) <= _NAME_PART_LIMIT:
                values.setdefault(attribute, part)
    return values


def _digits(count: int) -> str:
    return str(secrets.randbelow(9) + 1) + "".join(
        str(secrets.randbelow(10)) for _ in range(count - 1)
    )


def _unused(session: Session, workspace_id: str, column: Any) -> str:
    while True:
        candidate = _digits(10)
        taken = session.scalars(
            select(Person.id).where(
                Person.workspace_id == workspace_id, column == candidate
            )
        ).first()
        if taken is None:
            return candidate


def _packet(person: Person, key: ProviderKey, created: bool) -> dict[str, Any]:
    digest = hashlib.sha256(
        json.dumps(
            [person.enrollment_id, person.full_name, person.birthdate, person.uin]
        ).encode()
    ).hexdigest()
    return {
        "id": person.enrollment_id,
        "packetName": f"{person.enrollment_id}-{person.source}-{person.process}",
        "source": person.source,
        "process": person.process,
        "refId": person.ref_id,
        "schemaVersion": "0.1",
        "signature": key.sign({"id": person.enrollment_id, "hash": digest}),
        "encryptedHash": digest,
        "providerName": "GovLearn sandbox",
        "providerVersion": "v1.0",
        "creationDate": timestamp(person.created_at),
        "vid": person.vid,
        "status": "ENROLLED" if created else "UPDATED",
    }


def enroll(
    session: Session, workspace_id: str, body: EnrollmentRequest, key: ProviderKey
) -> tuple[dict[str, Any], bool]:
    """Create (or, for a known ``id``, update) an identity.

    Returns the packet description and whether a new identity was created.
    """
    existing = None
    if body.id:
        existing = session.scalars(
            select(Person).where(
                Person.workspace_id == workspace_id,
                Person.enrollment_id == body.id,
            )
        ).first()
    values = _attributes(body.fields, partial=existing is not None)
    if existing is not None:
        enrollment_id = existing.enrollment_id
        try:
            with session.begin_nested():
                for attribute, value in values.items():
                    setattr(existing, attribute, value)
                existing.process = "UPDATE"
                existing.updated_at = utcnow()
        except IntegrityError:
            raise IdentityFailure(
                "duplicate_identity",
                f"Enrollment {enrollment_id!r} was not changed: another "
                "person in your workspace already has this fullName and "
                "dateOfBirth.",
            ) from None
        return _packet(existing, key, created=False), False
    if _same_person(session, workspace_id, values):
        raise _already_enrolled()
    now = utcnow()
    enrollment_id = body.id or (
        "10001" + "10002" + _digits(5) + now.strftime("%Y%m%d%H%M%S")
    )
    person = Person(
        workspace_id=workspace_id,
        uin=_unused(session, workspace_id, Person.uin),
        vid=_unused(session, workspace_id, Person.vid),
        enrollment_id=enrollment_id,
        ref_id=body.refId or "",
        otp=DEMO_OTP,
        source=(body.source or "REGISTRATION_CLIENT")[:60],
        process=(body.process or "NEW")[:30],
        synthetic=True,
        created_at=now,
        updated_at=now,
        **values,
    )
    try:
        with session.begin_nested():
            session.add(person)
    except IntegrityError:
        # Another request stored the same person, or took the id, meanwhile.
        if _same_person(session, workspace_id, values):
            raise _already_enrolled() from None
        raise IdentityFailure(
            "duplicate_identity",
            f"Enrollment id {enrollment_id!r} was just taken by another request. "
            "Send the request again.",
        ) from None
    return _packet(person, key, created=True), True


def _same_person(session: Session, workspace_id: str, values: dict[str, str]) -> bool:
    """Whether the workspace holds someone of this name (any case) and birthdate.

    Names are compared by :func:`name_key`, as in the unique index.
    """
    found = session.scalars(
        select(Person.id).where(
            Person.workspace_id == workspace_id,
            Person.name_key == name_key(values["full_name"]),
            Person.birthdate == values["birthdate"],
        )
    ).first()
    return found is not None


def _already_enrolled() -> IdentityFailure:
    return IdentityFailure(
        "duplicate_identity",
        "A person with this fullName and dateOfBirth is already enrolled in "
        "your workspace. To change their record, send PUT /enrollment again "
        "with the id of their enrollment.",
    )
