"""Reliability: concurrent writers, restarts and replicas keep every record.

* 50 enrollments sent at once by 10 learners are all stored, on SQLite and
  PostgreSQL; the same person sent eight times at once is stored once.
* A database made before names were compared by ``name_key`` gets the
  column, every stored person's key and the unique index at start-up, or,
  when its rows already break the index, a warning and a working sandbox.
* Stopping the sandbox and starting a new one on the same database keeps
  every record and the identity provider's signing key.
* Two replicas on one PostgreSQL complete one login with the steps sent to
  them in turn, as a load balancer would.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, func, select

import govlearn
from govlearn import IdentityError
from govlearn.sandbox.app import create_app  # noqa: F401  (registers every table)
from govlearn.sandbox.db import Database, normalise_url
from govlearn.sandbox.identity.keys import provider_key
from govlearn.sandbox.identity.models import Person, SigningKey, name_key
from tests.conftest import start_sandbox

LEARNERS = 10
PER_LEARNER = 5
PUBLIC_URL = "http://sandbox.test"


def _count_enrolled(database_url: str) -> dict[str, int]:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Person.workspace_id, func.count())
                .where(Person.source != "SEED")
                .group_by(Person.workspace_id)
            )
            return {workspace: count for workspace, count in rows}
    finally:
        engine.dispose()


def test_fifty_concurrent_enrollments_across_ten_learners_persist(database_url):
    running = start_sandbox(database_url)
    try:
        clients = [running.learner(f"learner-{n:02d}") for n in range(LEARNERS)]
        jobs = [
            (clients[n], f"Person {n:02d}-{k}", f"19{70 + k}-0{1 + n % 9}-1{k}")
            for n in range(LEARNERS)
            for k in range(PER_LEARNER)
        ]
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            results = list(
                pool.map(
                    lambda job: job[0].identity.enroll(job[1], birthdate=job[2]), jobs
                )
            )
        assert all(result.created for result in results)
        assert len({result.enrollment_id for result in results}) == len(jobs)
        stored = _count_enrolled(database_url)
        assert stored == {f"learner-{n:02d}": PER_LEARNER for n in range(LEARNERS)}
        for (client, _name, _born), result in zip(jobs, results, strict=True):
            assert client.identity.verify_yes_no(result.vid, "age_over", min_age=18)
    finally:
        running.close()


def test_the_same_person_sent_at_once_is_enrolled_once(database_url):
    running = start_sandbox(database_url)
    try:
        client = running.learner("twins")
        start = threading.Barrier(8)

        def enroll(_: int) -> str:
            start.wait()
            try:
                client.identity.enroll("Dee Example", birthdate="1985-05-05")
            except IdentityError as error:
                return error.code
            return "created"

        with ThreadPoolExecutor(max_workers=8) as pool:
            outcomes = sorted(pool.map(enroll, range(8)))
        assert outcomes == ["created"] + ["duplicate_identity"] * 7
        assert _count_enrolled(database_url) == {"twins": 1}
    finally:
        running.close()


def _workspace_rows(database_url: str, workspace_id: str) -> tuple[int, list[str]]:
    """How many people, and which seed markers, a workspace holds."""
    from govlearn.sandbox.workspaces.models import WorkspaceSeed

    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            people = connection.execute(
                select(func.count())
                .select_from(Person)
                .where(Person.workspace_id == workspace_id)
            ).scalar_one()
            seeds = connection.scalars(
                select(WorkspaceSeed.seeder).where(
                    WorkspaceSeed.workspace_id == workspace_id
                )
            ).all()
            return people, sorted(seeds)
    finally:
        engine.dispose()


def test_resets_during_the_first_calls_leave_one_seed(database_url):
    """Resets racing a learner's first calls (which seed): never a 500, one seed."""
    from govlearn.sandbox.identity.seed import DEMO_PEOPLE

    running = start_sandbox(database_url)
    try:
        key = running.new_key("racer")
        start = threading.Barrier(8)

        def call(number: int) -> int:
            start.wait()
            if number % 2:
                return httpx.post(
                    f"{running.url}/admin/learners/racer/reset",
                    headers={"X-GovLearn-Admin-Key": running.admin_key},
                    timeout=60,
                ).status_code
            return httpx.get(
                f"{running.url}/workspace",
                headers={"X-GovLearn-Key": key},
                timeout=60,
            ).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(call, range(8)))
        assert statuses == [200] * 8
        people, seeds = _workspace_rows(database_url, "racer")
        assert people == len(DEMO_PEOPLE)
        assert seeds == ["consent", "identity", "mediator", "registries"]
    finally:
        running.close()


INDEX = "ux_identity_people_name"
OLD_INDEX = "ux_identity_people_person"


def _as_released_before_name_keys(database_url: str, names: list[str]) -> Database:
    """A database laid out as an earlier version left it, holding ``names``.

    That version had no ``name_key`` column and, when ``names`` allow it,
    compared names with a ``lower()`` index.
    """
    database = Database(database_url)
    database.create_tables()
    with database.engine.begin() as connection:
        connection.exec_driver_sql(f"DROP INDEX {INDEX}")
    with database.session() as session:
        for number, name in enumerate(names, start=1):
            session.add(
                Person(
                    workspace_id="old",
                    uin=f"500000000{number}",
                    vid=f"600000000{number}",
                    enrollment_id=f"old-{number}",
                    full_name=name,
                    birthdate="1970-01-01",
                )
            )
    with database.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE identity_people DROP COLUMN name_key")
        if len({name.lower() for name in names}) == len(names):
            connection.exec_driver_sql(
                f"CREATE UNIQUE INDEX {OLD_INDEX} ON identity_people "
                "(workspace_id, lower(full_name), birthdate)"
            )
    return database


def _indexes(database: Database) -> set[str]:
    from govlearn.sandbox.db import _index_names

    with database.engine.connect() as connection:
        return _index_names(connection) & {INDEX, OLD_INDEX}


def _name_keys(database: Database) -> dict[str, str]:
    with database.session() as session:
        people = session.scalars(select(Person).filter_by(workspace_id="old"))
        return {person.enrollment_id: person.name_key for person in people}


def test_an_older_database_gets_name_keys_and_their_index_at_start_up(
    database_url,
):
    database = _as_released_before_name_keys(
        database_url, ["Élodie  Exemple", "Ян Пример"]
    )
    try:
        assert _indexes(database) == {OLD_INDEX}
        database.create_tables()
        assert _indexes(database) == {INDEX}
        assert _name_keys(database) == {
            "old-1": name_key("élodie exemple"),
            "old-2": name_key("ЯН ПРИМЕР"),
        }
        database.create_tables()  # again: nothing left to do
        assert _indexes(database) == {INDEX}
    finally:
        database.dispose()
    running = start_sandbox(database_url)
    try:
        old = running.learner("old")
        with pytest.raises(IdentityError) as duplicate:
            old.identity.enroll("ÉLODIE EXEMPLE", birthdate="1970-01-01")
        assert duplicate.value.code == "duplicate_identity"
        assert old.identity.enroll("Élodie Exemple", birthdate="1970-01-02").created
    finally:
        running.close()


def test_stored_duplicates_leave_the_index_out_with_a_warning(database_url, caplog):
    database = _as_released_before_name_keys(
        database_url, ["Eli Example", "ELI EXAMPLE"]
    )
    try:
        with caplog.at_level(logging.WARNING, logger="govlearn"):
            database.create_tables()  # the stored twins break the index
        assert _indexes(database) == set()
        assert f"Could not add the unique index {INDEX}" in caplog.text
        with database.session() as session:
            assert session.query(Person).filter_by(workspace_id="old").count() == 2
            session.query(Person).filter_by(enrollment_id="old-2").delete()
        database.create_tables()
        assert _indexes(database) == {INDEX}
    finally:
        database.dispose()


def test_restart_keeps_every_record_and_the_signing_key(database_url):
    from tests.identity.helpers import snapshot_tables

    first = start_sandbox(database_url, public_url=PUBLIC_URL)
    key = first.new_key("keeper")
    client = govlearn.Client(first.url, key)
    rp = client.identity.register_client("Survives restarts")
    enrolled = client.identity.enroll("Eve Example", birthdate="1991-01-01")
    tokens = client.identity.login(rp, enrolled.vid)
    jwks_before = client.identity.jwks()
    tables_before = snapshot_tables(database_url)
    client.close()
    first.close()

    second = start_sandbox(database_url, public_url=PUBLIC_URL)
    try:
        assert snapshot_tables(database_url) == tables_before
        again = govlearn.Client(second.url, key)
        assert again.identity.jwks() == jwks_before
        info = again.identity.userinfo(tokens)
        assert info["name"] == "Eve Example"
        assert (
            again.identity.login(rp, enrolled.vid).id_claims["sub"]
            == (tokens.id_claims["sub"])
        )
        again.close()
    finally:
        second.close()


def _signing_kid(database_url: str) -> str:
    database = Database(database_url)
    try:
        return provider_key(database).kid
    finally:
        database.dispose()


def test_losing_the_signing_key_race_reads_the_winners_key(database_url, monkeypatch):
    from govlearn.sandbox.identity import keys

    database = Database(database_url)
    database.create_tables()
    make_row = keys._new_row
    winner: list[str] = []

    def competitor_wins_first() -> SigningKey:
        rival = make_row()
        with Database(database_url).session() as session:
            session.add(rival)
        winner.append(rival.kid)
        return make_row()

    monkeypatch.setattr(keys, "_new_row", competitor_wins_first)
    try:
        assert provider_key(database).kid == winner[0]
    finally:
        database.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_signing_key_is_created_once_when_processes_race(postgres_url):
    database_url = postgres_url
    setup = Database(database_url)
    setup.create_tables()
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=3, mp_context=context) as pool:
            kids = set(pool.map(_signing_kid, [database_url] * 3))
        assert len(kids) == 1
        with setup.session() as session:
            assert session.scalar(select(func.count()).select_from(SigningKey)) == 1
            assert session.scalars(select(SigningKey.kid)).one() in kids
    finally:
        setup.dispose()


@pytest.mark.postgres
def test_two_replicas_complete_one_login_in_turns(postgres_url):
    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = pool.map(
            lambda _: start_sandbox(postgres_url, public_url=PUBLIC_URL), range(2)
        )
    try:
        assert httpx.get(f"{a.url}/.well-known/jwks.json").json() == (
            httpx.get(f"{b.url}/.well-known/jwks.json").json()
        )
        key = a.new_key("roaming")
        on_a, on_b = govlearn.Client(a.url, key), govlearn.Client(b.url, key)
        rp = on_a.identity.register_client("Load balanced")
        transaction = on_b.identity.start_login(rp, nonce="across-replicas")
        on_a.identity.send_otp(transaction, "9038952310")
        on_b.identity.authenticate(transaction, "9038952310", "111111")
        code = on_a.identity.authorize_code(transaction)
        tokens = on_b.identity.exchange_code(rp, code)
        assert tokens.id_claims["nonce"] == "across-replicas"
        assert on_a.identity.userinfo(tokens)["name"] == "Amara Okonkwo"
        # The code was used on B, so A refuses it too.
        with pytest.raises(govlearn.TokenError):
            on_a.identity.exchange_code(rp, code)
        on_a.close()
        on_b.close()
    finally:
        a.close()
        b.close()
