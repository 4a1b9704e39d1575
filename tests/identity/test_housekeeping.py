"""Housekeeping: rows a day past their expiry go; everything else stays."""

from __future__ import annotations

import datetime as dt
import time

import httpx
from sqlalchemy import create_engine, func, select, update

import govlearn
from govlearn.sandbox.db import normalise_url
from govlearn.sandbox.identity.models import (
    AccessToken,
    AuthCode,
    LoginTransaction,
    UsedAssertion,
)
from tests.conftest import start_sandbox

EXPIRING = (LoginTransaction, AuthCode, UsedAssertion, AccessToken)
#: One issuer for both runs, so tokens from the first stay valid in the second.
PUBLIC_URL = "http://sandbox.test"


def _counts(database_url: str) -> dict[str, int]:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            return {
                model.__tablename__: connection.execute(
                    select(func.count()).select_from(model)
                ).scalar_one()
                for model in EXPIRING
            }
    finally:
        engine.dispose()


def _age(database_url: str, workspace: str, expired_for: dt.timedelta) -> None:
    """Make every expiring row of ``workspace`` expired ``expired_for`` ago."""
    when = dt.datetime.now(dt.UTC) - expired_for
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.begin() as connection:
            for model in EXPIRING:
                connection.execute(
                    update(model)
                    .where(model.workspace_id == workspace)
                    .values(expires_at=when)
                )
    finally:
        engine.dispose()


def _log_in(url: str, key: str):  # type: ignore[no-untyped-def]
    client = govlearn.Client(url, key)
    relying_party = client.identity.register_client("A portal")
    return client, client.identity.login(relying_party, "9038952310", otp="111111")


def test_rows_a_day_past_expiry_are_deleted_when_the_sandbox_starts(database_url):
    first = start_sandbox(database_url, public_url=PUBLIC_URL)
    try:
        keys = {
            learner: first.new_key(learner) for learner in ("old", "recent", "live")
        }
        logins = {learner: _log_in(first.url, key) for learner, key in keys.items()}
    finally:
        first.close()
    tables = [model.__tablename__ for model in EXPIRING]
    assert _counts(database_url) == dict.fromkeys(tables, 3)
    _age(database_url, "old", dt.timedelta(days=2))
    _age(database_url, "recent", dt.timedelta(hours=2))  # kept for its day

    second = start_sandbox(database_url, public_url=PUBLIC_URL)
    try:
        deadline = time.monotonic() + 20
        while _counts(database_url) != dict.fromkeys(tables, 2):
            assert time.monotonic() < deadline, _counts(database_url)
            time.sleep(0.1)
        # A token whose row is gone gets the userinfo endpoint's 401, not a crash.
        old_tokens = logins["old"][1]
        answer = httpx.get(
            f"{second.url}/oidc/userinfo",
            headers={
                "X-GovLearn-Key": keys["old"],
                "Authorization": f"Bearer {old_tokens.access_token}",
            },
        )
        assert answer.status_code == 401, answer.text
        assert "invalid_token" in answer.text
        # The live learner's login goes on as before.
        live, tokens = _log_in(second.url, keys["live"])
        assert live.identity.userinfo(tokens)["sub"]
        assert live.identity.userinfo(logins["live"][1])["sub"]
    finally:
        second.close()


def test_housekeeping_can_be_turned_off(tmp_path):
    url = f"sqlite:///{tmp_path / 'sandbox.db'}"
    first = start_sandbox(url)
    try:
        _log_in(first.url, first.new_key("old"))
    finally:
        first.close()
    _age(url, "old", dt.timedelta(days=2))
    second = start_sandbox(url, housekeeping_interval=0)
    try:
        assert httpx.get(f"{second.url}/health").status_code == 200
        time.sleep(0.5)
        assert _counts(url) == dict.fromkeys([m.__tablename__ for m in EXPIRING], 1)
    finally:
        second.close()
