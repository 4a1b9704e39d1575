"""The registries the Digital Registries emulator serves, and their seed records.

Two registries, as in the GovStack sandbox's registry emulator:

* ``prsn`` 1.0 - a persons registry. Every person is synthetic: the last names
  are words such as "Example" or "Sample", personal id codes start with ``9``,
  and every record carries ``isSynthetic: true``.
* ``bpkg`` 1.0 - the benefit packages of the USCT demo (147 TPA, 148 UBI,
  149 SP, 150 CFS), amounts in ``EURO``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BENEFIT_PACKAGES",
    "REGISTRIES",
    "Field",
    "Registry",
    "find_registry",
    "seed_persons",
]


@dataclass(frozen=True)
class Field:
    """One field of a registry's records."""

    name: str
    kind: str  # "string", "integer", "number", "boolean", "date"
    description: str
    required: bool = False


@dataclass(frozen=True)
class Registry:
    """A registry: its code, version, fields, and how new ids are made."""

    code: str
    version: str
    title: str
    fields: tuple[Field, ...]
    id_kind: str  # "integer" or "string"
    id_prefix: str = ""

    @property
    def field_names(self) -> list[str]:
        return [field.name for field in self.fields]

    def field(self, name: str) -> Field | None:
        for field in self.fields:
            if field.name == name:
                return field
        return None


PERSONS = Registry(
    code="prsn",
    version="1.0",
    title="Persons (synthetic)",
    id_kind="string",
    id_prefix="PRSN",
    fields=(
        Field("id", "string", "Record id, e.g. PRSN0001; made for you if absent."),
        Field("personalIdCode", "string", "11-digit personal id code.", True),
        Field("firstName", "string", "Given name.", True),
        Field("lastName", "string", "Family name.", True),
        Field("birthDate", "date", "Date of birth, YYYY-MM-DD."),
        Field("gender", "string", "female, male or other."),
        Field("municipality", "string", "Municipality of residence."),
        Field("phoneNumber", "string", "Mobile number."),
        Field("email", "string", "E-mail address."),
        Field("isSynthetic", "boolean", "Always true: nobody here is real."),
    ),
)

PACKAGES = Registry(
    code="bpkg",
    version="1.0",
    title="Benefit packages",
    id_kind="integer",
    fields=(
        Field("id", "integer", "Package id, e.g. 147; made for you if absent."),
        Field("name", "string", "Short code, e.g. TPA.", True),
        Field("description", "string", "What the package is.", True),
        Field("amount", "number", "Amount paid per payment.", True),
        Field("currency", "string", "Currency code, e.g. EURO.", True),
    ),
)

REGISTRIES: tuple[Registry, ...] = (PERSONS, PACKAGES)

BENEFIT_PACKAGES: tuple[dict[str, Any], ...] = (
    {
        "id": 147,
        "name": "TPA",
        "description": "Targeted Poverty Alleviation",
        "amount": 900,
        "currency": "EURO",
    },
    {
        "id": 148,
        "name": "UBI",
        "description": "Universal basic income",
        "amount": 1234.5,
        "currency": "EURO",
    },
    {
        "id": 149,
        "name": "SP",
        "description": "Social pension",
        "amount": 750,
        "currency": "EURO",
    },
    {
        "id": 150,
        "name": "CFS",
        "description": "Child and Family support",
        "amount": 500,
        "currency": "EURO",
    },
)

_FIRST_NAMES = (
    ("Amina", "female"),
    ("Jonas", "male"),
    ("Mei", "female"),
    ("Kofi", "male"),
    ("Leila", "female"),
    ("Tomas", "male"),
    ("Nadia", "female"),
    ("Ravi", "male"),
    ("Sofia", "female"),
    ("Yusuf", "male"),
    ("Ingrid", "female"),
    ("Alex", "other"),
)
_LAST_NAMES = ("Example", "Sample")
_MUNICIPALITIES = ("Northvale", "Lakeside", "Eastfield", "Hillcrest")


def seed_persons() -> list[dict[str, Any]]:
    """The 24 synthetic persons every workspace starts with (always the same)."""
    persons = []
    number = 0
    for last in _LAST_NAMES:
        for first, gender in _FIRST_NAMES:
            number += 1
            born = dt.date(1950, 1, 1) + dt.timedelta(days=number * 977)
            code = f"9{born:%y%m%d}{number:04d}"
            persons.append(
                {
                    "id": f"PRSN{number:04d}",
                    "personalIdCode": code,
                    "firstName": first,
                    "lastName": last,
                    "birthDate": born.isoformat(),
                    "gender": gender,
                    "municipality": _MUNICIPALITIES[number % len(_MUNICIPALITIES)],
                    "phoneNumber": f"+000 555 {number:04d}",
                    "email": f"{first.lower()}.{last.lower()}@example.org",
                    "isSynthetic": True,
                }
            )
    return persons


def find_registry(code: str, version: str) -> Registry | None:
    """The registry with this code and version, or ``None``."""
    for registry in REGISTRIES:
        if registry.code == code and registry.version == version:
            return registry
    return None
