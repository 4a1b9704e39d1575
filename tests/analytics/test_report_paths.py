"""Locations handed to the report notebook do not depend on the current folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from govlearn.analytics.report import _absolute


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///build/sandbox.db", "sqlite:///{cwd}/build/sandbox.db"),
        ("build/gradebook.db", "{cwd}/build/gradebook.db"),
        ("sqlite:////srv/sandbox.db", "sqlite:////srv/sandbox.db"),
        ("postgresql://teacher@db/gradebook", "postgresql://teacher@db/gradebook"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_relative_locations_are_resolved(
    given: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _absolute(given) == expected.format(cwd=tmp_path.resolve())
