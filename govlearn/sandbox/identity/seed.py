"""The synthetic people every workspace starts with.

All of them are made up. Two carry the GovStack sandbox's demo virtual IDs:
``9038952310`` (an enrollment officer) and ``2405176278`` (a payment
officer). Every synthetic person logs in with the OTP ``111111``.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from ..workspaces.seeding import seeder
from .models import Person

__all__ = ["DEMO_OTP", "DEMO_PEOPLE", "seed_people", "seeded_uin"]

DEMO_OTP = "111111"

#: (vid, given name, family name, birthdate, gender, email, phone, locality,
#: region, role). Synthetic, not real people.
DEMO_PEOPLE: tuple[tuple[str, ...], ...] = (
    (
        "9038952310",
        "Amara",
        "Okonkwo",
        "1986-03-14",
        "Female",
        "amara.okonkwo@synthetic.example",
        "+2347000000101",
        "Riverside",
        "Central",
        "ENROLLMENT_OFFICER",
    ),
    (
        "2405176278",
        "Tomas",
        "Varga",
        "1979-11-02",
        "Male",
        "tomas.varga@synthetic.example",
        "+2347000000102",
        "Hillview",
        "Northern",
        "PAYMENT_OFFICER",
    ),
    (
        "5823104967",
        "Leila",
        "Haddad",
        "1994-07-21",
        "Female",
        "leila.haddad@synthetic.example",
        "+2347000000103",
        "Lakeside",
        "Central",
        "",
    ),
    (
        "7364910285",
        "Kwame",
        "Mensah",
        "1958-01-30",
        "Male",
        "kwame.mensah@synthetic.example",
        "+2347000000104",
        "Old Town",
        "Southern",
        "",
    ),
    (
        "6159027438",
        "Noor",
        "Rahimi",
        "2016-05-09",
        "Female",
        "",
        "",
        "Riverside",
        "Central",
        "",
    ),
)


def seeded_uin(workspace_id: str, vid: str) -> str:
    """A stable 10-digit UIN for a seeded person (it never leaves the service)."""
    digest = hashlib.sha256(f"uin\x1f{workspace_id}\x1f{vid}".encode()).hexdigest()
    return "1" + str(int(digest, 16))[:9]


@seeder("identity")
def seed_people(session: Session, workspace_id: str) -> None:
    """Insert the synthetic demo people into a new workspace."""
    for index, row in enumerate(DEMO_PEOPLE, start=1):
        vid, given, family, born, gender, email, phone, locality, region, role = row
        session.add(
            Person(
                workspace_id=workspace_id,
                uin=seeded_uin(workspace_id, vid),
                vid=vid,
                enrollment_id=f"SEED-{index:04d}",
                full_name=f"{given} {family}",
                given_name=given,
                family_name=family,
                birthdate=born,
                gender=gender,
                email=email,
                phone=phone,
                locality=locality,
                region=region,
                postal_code=f"{10000 + index * 111}",
                country="Synthetica",
                role=role,
                otp=DEMO_OTP,
                source="SEED",
                synthetic=True,
            )
        )
