"""A synthetic cohort roster shaped like the first Women in GovTech challenge.

That challenge had 139 participants from 5 continents. The roster written
here has the same size and spread; every person in it is made up: names are
drawn from short lists, e-mail addresses are at ``example.org``, and
organisations are generic. The same seed always gives the same roster.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "COHORT_SIZE",
    "DEFAULT_COHORT",
    "DEFAULT_START",
    "ENROLMENT_SHARE",
    "simulate_roster",
    "write_roster",
]

COHORT_SIZE = 139
DEFAULT_COHORT = "women-in-govtech-1"
DEFAULT_START = "2026-01-12"

#: share of the cohort taking each course (GovStack 101 is for everyone)
ENROLMENT_SHARE = {"govstack-101": 1.0, "identity": 0.75, "information-mediator": 0.7}

# continent -> (share of the cohort, countries)
_CONTINENTS = {
    "Africa": (
        0.46,
        [
            "Kenya",
            "Rwanda",
            "Nigeria",
            "Ghana",
            "Uganda",
            "Ethiopia",
            "Djibouti",
            "Somalia",
            "Egypt",
            "Senegal",
            "Zambia",
            "Sierra Leone",
            "Malawi",
            "Tanzania",
        ],
    ),
    "Asia": (
        0.24,
        [
            "India",
            "Philippines",
            "Indonesia",
            "Kazakhstan",
            "Kyrgyzstan",
            "Bangladesh",
            "Nepal",
            "Sri Lanka",
            "Uzbekistan",
            "Armenia",
        ],
    ),
    "Europe": (0.12, ["Ukraine", "Estonia", "Moldova", "Albania", "Germany"]),
    "South America": (0.10, ["Brazil", "Colombia", "Peru", "Ecuador", "Chile"]),
    "North America": (
        0.08,
        ["Mexico", "Jamaica", "Guatemala", "Dominican Republic", "Costa Rica"],
    ),
}
_ORGANISATIONS = {
    "ministry": (
        0.38,
        [
            "Ministry of ICT",
            "Ministry of Finance",
            "Ministry of Health",
            "Ministry of Social Protection",
        ],
    ),
    "agency": (
        0.22,
        [
            "National ID Agency",
            "Revenue Authority",
            "Statistics Office",
            "e-Government Agency",
        ],
    ),
    "local government": (0.12, ["City Council", "County Government"]),
    "civil society": (0.1, ["Civic-tech Network", "Digital Rights Foundation"]),
    "private sector": (0.1, ["GovTech Start-up", "IT Services Company"]),
    "academia": (0.08, ["University School of Computing", "Public Policy Institute"]),
}
_ROLES = [
    "policy officer",
    "project manager",
    "software developer",
    "data analyst",
    "enterprise architect",
    "service designer",
    "IT manager",
    "procurement officer",
]
_FIRST = [
    "Amina",
    "Wanjiru",
    "Chiamaka",
    "Abena",
    "Nyambura",
    "Aster",
    "Fatou",
    "Zodwa",
    "Imani",
    "Nadia",
    "Priya",
    "Ananya",
    "Maricel",
    "Dewi",
    "Aigerim",
    "Nurgul",
    "Farzana",
    "Sita",
    "Kavya",
    "Anahit",
    "Olena",
    "Kadri",
    "Ioana",
    "Elira",
    "Lena",
    "Mariana",
    "Camila",
    "Lucia",
    "Valentina",
    "Daniela",
    "Ximena",
    "Shanice",
    "Gabriela",
    "Rosa",
    "Yolanda",
    "Halima",
    "Salma",
    "Esi",
    "Grace",
    "Mercy",
]
_LAST = [
    "Achieng",
    "Mukamana",
    "Okafor",
    "Mensah",
    "Nakato",
    "Bekele",
    "Diallo",
    "Banda",
    "Kamara",
    "Mwale",
    "Sharma",
    "Reyes",
    "Santoso",
    "Nurlanovna",
    "Karimova",
    "Rahman",
    "Shrestha",
    "Perera",
    "Petrosyan",
    "Kovalenko",
    "Tamm",
    "Rusu",
    "Hoxha",
    "Silva",
    "Gomez",
    "Quispe",
    "Morales",
    "Campbell",
    "Lopez",
    "Fernandez",
    "Ahmed",
    "Hassan",
    "Osei",
    "Wanjala",
    "Uwase",
]


def _pick(rng: np.random.Generator, table: dict[str, tuple[float, list[str]]]):  # type: ignore[no-untyped-def]
    names = list(table)
    shares = np.array([table[n][0] for n in names])
    group = names[int(rng.choice(len(names), p=shares / shares.sum()))]
    options = table[group][1]
    return group, options[int(rng.integers(len(options)))]


def simulate_roster(
    size: int = COHORT_SIZE,
    *,
    seed: int = 2023,
    cohort: str = DEFAULT_COHORT,
    start: str = DEFAULT_START,
    courses: list[str] | None = None,
) -> pd.DataFrame:
    """A synthetic roster of ``size`` learners (seeded, reproducible).

    Columns: ``learner_id`` (``wig-001`` ...), ``name``, ``email``
    (``@example.org``), ``country``, ``continent``, ``cohort``,
    ``organisation``, ``organisation_type``, ``role``, ``enrolled_on`` (in
    the three weeks around ``start``) and ``courses`` (``;``-separated ids).
    Every continent of the challenge appears at least once.
    """
    rng = np.random.default_rng(seed)
    courses = list(courses or ENROLMENT_SHARE)
    first_day = pd.Timestamp(start) - pd.Timedelta(days=7)
    rows = []
    width = max(3, len(str(size)))
    continents = list(_CONTINENTS)
    for i in range(size):
        if i < len(continents):  # every continent is represented
            continent = continents[i]
            countries = _CONTINENTS[continent][1]
            country = countries[int(rng.integers(len(countries)))]
        else:
            continent, country = _pick(rng, _CONTINENTS)
        kind, body = _pick(rng, _ORGANISATIONS)
        first = _FIRST[int(rng.integers(len(_FIRST)))]
        last = _LAST[int(rng.integers(len(_LAST)))]
        learner_id = f"wig-{i + 1:0{width}d}"
        enrolled = first_day + pd.Timedelta(days=int(rng.integers(0, 21)))
        taken = [
            c for c in courses if rng.random() < ENROLMENT_SHARE.get(c, 0.7)
        ] or courses[:1]
        rows.append(
            {
                "learner_id": learner_id,
                "name": f"{first} {last}",
                "email": f"{learner_id}@example.org",
                "country": country,
                "continent": continent,
                "cohort": cohort,
                "organisation": f"{body}, {country}",
                "organisation_type": kind,
                "role": _ROLES[int(rng.integers(len(_ROLES)))],
                "enrolled_on": enrolled.strftime("%Y-%m-%d"),
                "courses": ";".join(taken),
            }
        )
    return pd.DataFrame(rows)


def write_roster(roster: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a roster as CSV (UTF-8, no index) and return its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    roster.to_csv(target, index=False, lineterminator="\n")
    return target
