"""Yes/no verification: check one attribute without revealing it.

The spec requires an API that answers a single question about a person
(for example "is this person over 18?") with yes or no only. The answer never
includes the stored attribute, and refusals never hint at it either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from ..db import utcnow
from .envelope import IdentityFailure
from .login import find_person
from .models import Person
from .schemas import YesNo

__all__ = ["QUESTIONS", "answer"]


def _age_on(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _number(parameters: dict[str, Any], name: str, low: int, high: int) -> int:
    value = parameters.get(name)
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise IdentityFailure(
            "invalid_input",
            f"parameters.{name} must be a whole number from {low} to {high}.",
        )
    return value


def _text(parameters: dict[str, Any], name: str) -> str:
    value = parameters.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise IdentityFailure(
            "invalid_input", f"parameters.{name} must be text of 1-100 characters."
        )
    return value.strip().casefold()


def _age_over(person: Person, parameters: dict[str, Any]) -> bool:
    minimum = _number(parameters, "minAge", 0, 150)
    born = dt.date.fromisoformat(person.birthdate)
    return _age_on(born, utcnow().date()) >= minimum


def _lives_in_region(person: Person, parameters: dict[str, Any]) -> bool:
    return person.region.casefold() == _text(parameters, "region")


def _lives_in_locality(person: Person, parameters: dict[str, Any]) -> bool:
    return person.locality.casefold() == _text(parameters, "locality")


def _lives_in_country(person: Person, parameters: dict[str, Any]) -> bool:
    return person.country.casefold() == _text(parameters, "country")


#: question -> (parameter it needs, how to answer)
QUESTIONS: dict[str, tuple[str, Callable[[Person, dict[str, Any]], bool]]] = {
    "age_over": ("minAge", _age_over),
    "lives_in_region": ("region", _lives_in_region),
    "lives_in_locality": ("locality", _lives_in_locality),
    "lives_in_country": ("country", _lives_in_country),
}


def answer(session: Session, workspace_id: str, body: YesNo) -> bool:
    """Answer ``body.question`` about ``body.individualId`` with True or False."""
    question = QUESTIONS.get(body.question)
    if question is None:
        raise IdentityFailure(
            "invalid_question",
            f"Unknown question {body.question[:60]!r}. Ask one of: "
            + ", ".join(f"{name} ({need})" for name, (need, _) in QUESTIONS.items())
            + ".",
        )
    _need, check = question
    person = find_person(session, workspace_id, body.individualId)
    return check(person, body.parameters)
