"""``govlearn sandbox learners``: each command run as an operator runs it, in a
process of its own, on the database of a running sandbox."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import govlearn
from govlearn import IdentityError
from tests.conftest import start_sandbox


def _learners(database_url: str, *arguments: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVLEARN_")}
    env["GOVLEARN_HOME"] = os.environ["GOVLEARN_HOME"]
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("govlearn")),
            *("sandbox", "learners", *arguments),
            f"--database-url={database_url}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_create_list_reset_and_revoke_from_the_command_line(database_url):
    running = start_sandbox(database_url)
    try:
        created = _learners(database_url, "create", "cli.learner")
        [row] = list(csv.DictReader(io.StringIO(created)))
        assert row["learner_id"] == "cli.learner"
        client = govlearn.Client(running.url, row["key"])
        enrolled = client.identity.enroll("Cal Example", birthdate="1980-03-03")

        listed = [
            json.loads(line) for line in _learners(database_url, "list").splitlines()
        ]
        assert [(r["learner_id"], r["revoked"]) for r in listed] == [
            ("cli.learner", False)
        ]

        # The command knows every building block's tables: the enrollment and
        # the seed data go, and the seed data is back before it returns.
        answer = _learners(database_url, "reset", "cli.learner")
        removed = int(re.search(r": (\d+) records removed", answer).group(1))
        assert removed > 1, answer
        with pytest.raises(IdentityError):
            client.identity.verify_yes_no(enrolled.vid, "age_over", min_age=18)
        assert client.identity.verify_yes_no("9038952310", "age_over", min_age=18)

        assert "Revoked" in _learners(database_url, "revoke", "cli.learner")
        listed = [
            json.loads(line) for line in _learners(database_url, "list").splitlines()
        ]
        assert listed[0]["revoked"] is True
        client.close()
    finally:
        running.close()
