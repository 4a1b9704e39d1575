"""Enrollment and yes/no verification."""

from __future__ import annotations

import json

import pytest

from govlearn import IdentityError

from .helpers import snapshot_tables


def _uins(database_url: str) -> set[str]:
    rows = snapshot_tables(database_url)["identity_people"]
    return {row[2] for row in rows}


def test_enroll_then_log_in_as_the_new_person(sandbox, alice, rp):
    enrolled = alice.identity.enroll(
        "Ada Example",
        birthdate="1990-04-12",
        gender="Female",
        email="ada@synthetic.example",
        phone="+15550100",
        region="Central",
        city="Riverside",
    )
    assert enrolled.created and len(enrolled.vid) == 10
    assert enrolled.packet["process"] == "NEW"
    tokens = alice.identity.login(rp, enrolled.vid)
    info = alice.identity.userinfo(tokens)
    assert info["name"] == "Ada Example"
    assert info["birthdate"] == "1990-04-12"
    assert info["email"] == "ada@synthetic.example"
    everything = json.dumps([enrolled.packet, info, tokens.id_claims])
    for uin in _uins(sandbox.database_url):
        assert uin not in everything


def test_enrollment_answers_in_the_spec_shape(sqlite_sandbox):
    learner = sqlite_sandbox.learner("enr")
    response = learner.http.put(
        "/enrollment",
        json={
            "id": "govstack.enrollment",
            "version": "v1",
            "requesttime": "2024-05-01T10:00:00.000Z",
            "request": {
                "offlineMode": False,
                "refId": "10002_10003",
                "fields": {
                    "fullName": '[{"language":"eng","value":"Bo Example"}]',
                    "dateOfBirth": "1971/02/03",
                    "gender": '[{"language":"eng","value":"Male"}]',
                    "city": '[{"language":"eng","value":"Old Town"}]',
                    "postalCode": "14022",
                },
                "metaInfo": {"metaData": "[]", "operationsData": "[]"},
                "process": "NEW",
                "source": "REGISTRATION_CLIENT",
                "audits": [],
            },
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["errors"] == [] and body["id"] == "govstack.enrollment"
    (packet,) = body["response"]
    for name in (
        "id",
        "packetName",
        "source",
        "process",
        "refId",
        "schemaVersion",
        "signature",
        "encryptedHash",
        "providerName",
        "providerVersion",
        "creationDate",
    ):
        assert packet[name] is not None, name
    assert packet["refId"] == "10002_10003"
    assert "uin" not in json.dumps(body).lower()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"dateOfBirth": "1990/01/01"}, "invalid_input"),
        ({"fullName": "No Birthday"}, "invalid_input"),
        ({"fullName": "X", "dateOfBirth": "1990/13/45"}, "invalid_input"),
        ({"fullName": "X", "dateOfBirth": "2999/01/01"}, "invalid_input"),
        (
            {"fullName": "X", "dateOfBirth": "1990/01/01", "email": "nope"},
            "invalid_input",
        ),
        (
            {"fullName": "X", "dateOfBirth": "1990/01/01", "phone": "call me"},
            "invalid_input",
        ),
        ({"fullName": "X" * 300, "dateOfBirth": "1990/01/01"}, "invalid_input"),
    ],
)
def test_invalid_enrollments_are_refused(shared_sqlite, shared_learner, fields, code):
    learner = shared_learner
    before = snapshot_tables(shared_sqlite.database_url)
    response = learner.http.put(
        "/enrollment", json={"requesttime": "t", "request": {"fields": fields}}
    )
    assert response.status_code == 200, response.text
    error = response.json()["errors"][0]
    assert error["errorCode"] == code and error["message"]
    assert snapshot_tables(shared_sqlite.database_url) == before


def test_duplicates_are_refused_and_updates_keep_the_vid(sandbox, alice):
    first = alice.identity.enroll("Cy Example", birthdate="1980-01-01")
    before = snapshot_tables(sandbox.database_url)
    with pytest.raises(IdentityError) as duplicate:
        alice.identity.enroll("cy example", birthdate="1980-01-01")
    assert duplicate.value.code == "duplicate_identity"
    assert snapshot_tables(sandbox.database_url) == before
    updated = alice.identity.enroll(
        "Cy Example",
        birthdate="1980-01-01",
        region="Northern",
        enrollment_id=first.enrollment_id,
    )
    assert not updated.created and updated.vid == first.vid
    assert alice.identity.verify_yes_no(first.vid, "lives_in_region", region="Northern")


SAME_NAMES = [
    ("Élodie Exemple", "ÉLODIE EXEMPLE"),
    ("Ｊａｎｅ Example", "jane example"),  # full-width letters
    ("Ольга Пример", "ОЛЬГА  ПРИМЕР"),
    ("Straße Example", "STRASSE EXAMPLE"),
    ("Zoë Example", "Zoe\u0308 Example"),  # e and a combining diaeresis
]


def test_the_same_name_in_any_case_or_spacing_is_one_person(sandbox, alice):
    for day, (stored, sent) in enumerate(SAME_NAMES, start=10):
        born = f"1988-08-{day}"
        alice.identity.enroll(stored, birthdate=born)
        before = snapshot_tables(sandbox.database_url)
        with pytest.raises(IdentityError) as duplicate:
            alice.identity.enroll(sent, birthdate=born)
        assert duplicate.value.code == "duplicate_identity", sent
        assert snapshot_tables(sandbox.database_url) == before
        # Another birthdate is another person.
        assert alice.identity.enroll(sent, birthdate=f"1989-08-{day}").created


def test_long_names_in_any_alphabet_are_stored(sandbox, alice):
    # One word of 200 characters (given name too long to derive) that NFKC
    # writes as 3,600, and one that case folding doubles.
    for day, name in enumerate(["\ufdfa" * 200, "ß" * 200], start=10):
        assert alice.identity.enroll(name, birthdate=f"1977-07-{day}").created
        with pytest.raises(IdentityError) as duplicate:
            alice.identity.enroll(name, birthdate=f"1977-07-{day}")
        assert duplicate.value.code == "duplicate_identity"


def test_a_nul_character_in_a_name_is_refused_and_nothing_is_stored(sandbox, alice):
    alice.http.get("/workspace")  # the first call seeds the workspace
    before = snapshot_tables(sandbox.database_url)
    with pytest.raises(IdentityError) as refused:
        alice.identity.enroll("Nul\u0000 Example", birthdate="1970-10-10")
    assert refused.value.code == "invalid_request"
    assert "NUL character" in str(refused.value)
    assert snapshot_tables(sandbox.database_url) == before


def test_an_update_into_another_persons_name_and_birthdate_is_refused(sandbox, alice):
    first = alice.identity.enroll("Fay Example", birthdate="1975-07-07")
    alice.identity.enroll("Gus Example", birthdate="1975-07-07")
    before = snapshot_tables(sandbox.database_url)
    with pytest.raises(IdentityError) as duplicate:
        alice.identity.enroll(
            "GUS EXAMPLE", birthdate="1975-07-07", enrollment_id=first.enrollment_id
        )
    assert duplicate.value.code == "duplicate_identity"
    assert first.enrollment_id in str(duplicate.value)
    assert snapshot_tables(sandbox.database_url) == before


def test_yes_no_answers_without_revealing_the_attribute(alice):
    identity = alice.identity
    officer, child = "9038952310", "6159027438"
    assert identity.verify_yes_no(officer, "age_over", min_age=18) is True
    assert identity.verify_yes_no(child, "age_over", min_age=18) is False
    assert identity.verify_yes_no(officer, "lives_in_region", region="central")
    assert not identity.verify_yes_no(officer, "lives_in_region", region="Southern")
    assert identity.verify_yes_no(officer, "lives_in_locality", locality="Riverside")
    response = alice.http.post(
        "/verification/yes-no",
        json={
            "requestTime": "t",
            "request": {
                "individualId": officer,
                "question": "age_over",
                "parameters": {"minAge": 18},
            },
        },
    )
    body = response.json()
    assert body["response"] == {
        "question": "age_over",
        "answer": "yes",
        "verified": True,
    }
    text = response.text
    for secret in ("1986", "03-14", "Central", "Riverside", "Amara", "Female"):
        assert secret not in text
    for question, params, code in (
        ("shoe_size", {}, "invalid_question"),
        ("age_over", {"minAge": "eighteen"}, "invalid_input"),
        ("age_over", {}, "invalid_input"),
        ("lives_in_region", {"region": ""}, "invalid_input"),
    ):
        with pytest.raises(IdentityError) as refused:
            identity.verify_yes_no(officer, question, **params)
        assert refused.value.code == code
        assert "1986" not in str(refused.value) and "Central" not in str(refused.value)
    with pytest.raises(IdentityError) as unknown:
        identity.verify_yes_no("0000000000", "age_over", min_age=18)
    assert unknown.value.code == "invalid_identifier"


def test_workspace_reset_removes_enrollments_and_restores_the_seed(sqlite_sandbox):
    learner = sqlite_sandbox.learner("resetter")
    rp = learner.identity.register_client("Before reset")
    enrolled = learner.identity.enroll("Fay Example", birthdate="1985-05-05")
    assert learner.reset_workspace() > 0
    with pytest.raises(IdentityError) as gone:
        learner.identity.verify_yes_no(enrolled.vid, "age_over", min_age=18)
    assert gone.value.code == "invalid_identifier"
    with pytest.raises(IdentityError) as no_client:
        learner.identity.start_login(rp)
    assert no_client.value.code == "invalid_client_id"
    assert learner.identity.verify_yes_no("9038952310", "age_over", min_age=18)
    again = learner.identity.enroll("Fay Example", birthdate="1985-05-05")
    assert again.created
