"""The Digital Registries emulator: data API shapes, rules, errors, isolation."""

from __future__ import annotations

import httpx

from .support import OVERSIZED, REGISTRIES, TOO_DEEP, learner_http

BPKG = f"{REGISTRIES}/bpkg/1.0"
PRSN = f"{REGISTRIES}/prsn/1.0"

USCT_PACKAGES = [
    (147, "TPA", "Targeted Poverty Alleviation", 900),
    (148, "UBI", "Universal basic income", 1234.5),
    (149, "SP", "Social pension", 750),
    (150, "CFS", "Child and Family support", 500),
]


def test_benefit_packages_are_the_usct_demo_packages(sqlite_sandbox) -> None:
    http = learner_http(sqlite_sandbox, "pk")
    response = http.get(BPKG)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (4, None, None)
    assert [
        (p["id"], p["name"], p["description"], p["amount"]) for p in body["results"]
    ] == USCT_PACKAGES
    assert {p["currency"] for p in body["results"]} == {"EURO"}


def test_persons_are_synthetic_and_the_same_in_every_workspace(sandbox) -> None:
    first = learner_http(sandbox, "p1").get(PRSN, params={"pageSize": 100}).json()
    second = learner_http(sandbox, "p2").get(PRSN, params={"pageSize": 100}).json()
    assert first == second
    assert first["count"] == len(first["results"]) == 24
    for person in first["results"]:
        assert person["isSynthetic"] is True
        assert person["lastName"] in {"Example", "Sample"}
        assert person["personalIdCode"].startswith("9")
        assert len(person["personalIdCode"]) == 11
    assert first["results"][0]["id"] == "PRSN0001"


def test_list_searches_filters_orders_and_pages(sqlite_sandbox) -> None:
    http = learner_http(sqlite_sandbox, "lister")
    amina = http.get(PRSN, params={"search": "^amina$", "filter": "firstName"}).json()
    assert [p["id"] for p in amina["results"]] == ["PRSN0001", "PRSN0013"]
    regex = http.get(PRSN, params={"search": "(mei|kofi)"}).json()
    assert {p["firstName"] for p in regex["results"]} == {"Mei", "Kofi"}
    exact = http.get(PRSN, params={"query.lastName": "Sample", "query.gender": "male"})
    assert exact.json()["count"] == 5
    assert {p["lastName"] for p in exact.json()["results"]} == {"Sample"}
    ordered = http.get(PRSN, params={"ordering": "-birthDate", "pageSize": 100}).json()
    births = [p["birthDate"] for p in ordered["results"]]
    assert births == sorted(births, reverse=True)
    descending = http.get(BPKG, params={"ordering": "descending"}).json()
    assert [p["id"] for p in descending["results"]] == [150, 149, 148, 147]
    by_amount = http.get(BPKG, params={"ordering": "amount"}).json()
    assert [p["amount"] for p in by_amount["results"]] == [500, 750, 900, 1234.5]

    page2 = http.get(PRSN, params={"page": 2, "pageSize": 10}).json()
    assert page2["count"] == 24
    assert [p["id"] for p in page2["results"]][:2] == ["PRSN0011", "PRSN0012"]
    assert "page=3" in page2["next"] and "page=1" in page2["previous"]
    last = http.get(PRSN, params={"page": 3, "page_size": 10}).json()
    assert len(last["results"]) == 4 and last["next"] is None
    beyond = http.get(PRSN, params={"page": 9}).json()
    assert beyond["results"] == [] and beyond["count"] == 24


def test_read_and_exists(sqlite_sandbox) -> None:
    http = learner_http(sqlite_sandbox, "reader")
    query = {"query": {"content": {"firstName": "Mei", "lastName": "Sample"}}}
    read = http.post(f"{PRSN}/read", json=query)
    assert read.status_code == 200, read.text
    assert read.json()["content"]["id"] == "PRSN0015"
    number = http.post(f"{BPKG}/read", json={"query": {"content": {"id": "149"}}})
    assert number.json()["content"]["name"] == "SP"
    missing = http.post(f"{PRSN}/read", json={"query": {"content": {"id": "X"}}})
    assert (missing.status_code, missing.json()) == (404, {"detail": "no record found"})
    found = http.post(f"{PRSN}/exists", json=query).json()
    assert found == {
        "answer": {"status": True, "message": "Object found from database"}
    }
    absent = http.post(f"{PRSN}/exists", json={"query": {"content": {"id": "X"}}})
    assert absent.status_code == 200 and absent.json()["answer"]["status"] is False


def test_create_update_update_or_create_delete(sandbox) -> None:
    http = learner_http(sandbox, "writer")
    new_package = {
        "name": "EDU",
        "description": "Education grant",
        "amount": 300,
        "currency": "EURO",
    }
    created = http.post(f"{BPKG}/create", json={"write": {"content": new_package}})
    assert created.status_code == 200, created.text
    assert created.json()["content"] == {"id": 151, **new_package}
    person = {
        "personalIdCode": "90001010099",
        "firstName": "Zed",
        "lastName": "Example",
    }
    made = http.post(f"{PRSN}/create", json={"write": {"content": person}}).json()
    assert made["content"]["id"] == "PRSN0025"
    duplicate = http.post(
        f"{PRSN}/create", json={"write": {"content": {**person, "id": "PRSN0025"}}}
    )
    assert (
        duplicate.status_code == 400 and "already exists" in duplicate.json()["detail"]
    )

    updated = http.put(
        f"{BPKG}/update",
        json={"query": {"content": {"id": 151}}, "write": {"content": {"amount": 350}}},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["content"]["amount"] == 350
    entries = http.put(
        f"{PRSN}/update-entries",
        json={
            "query": {"content": {"municipality": "Lakeside"}},
            "write": {"content": {"municipality": "Lakeshore"}},
        },
    )
    assert entries.status_code == 200 and entries.json()["count"] == 6
    assert (
        http.get(PRSN, params={"query.municipality": "Lakeshore"}).json()["count"] == 6
    )

    upsert = {"query": {"content": {"id": 160}}, "write": {"content": new_package}}
    inserted = http.post(f"{BPKG}/updateOrCreate", json=upsert)
    assert inserted.json()["content"]["id"] == 160
    upsert["write"]["content"] = {"amount": 10}
    changed = http.post(f"{BPKG}/update-or-create", json=upsert)
    assert changed.json()["content"] == {**new_package, "id": 160, "amount": 10}

    assert http.delete(f"{BPKG}/151/delete").status_code == 204
    gone = http.delete(f"{BPKG}/151/delete")
    assert (gone.status_code, gone.json()) == (404, {"detail": "no record found"})
    ids = [p["id"] for p in http.get(BPKG).json()["results"]]
    assert ids == [147, 148, 149, 150, 160]


BAD_REQUESTS = [
    ("GET", "/zzz/1.0", None, 404, "no registry 'zzz'"),
    ("GET", "/prsn/9.9", None, 404, "no registry 'prsn' version '9.9'"),
    ("GET", "/prsn/1.0?search=(", None, 400, "not a valid regular expression"),
    ("GET", "/prsn/1.0?search=(a%2B)%2B$", None, 400, "itself repeats"),
    ("GET", "/prsn/1.0?search=(a|aa)*b", None, 400, "alternatives"),
    ("GET", "/prsn/1.0?search=(a)%5C1", None, 400, "backreferences"),
    ("GET", "/prsn/1.0?search=a*b*c*d*", None, 400, "more than 3"),
    ("GET", "/prsn/1.0?filter=shoeSize&search=x", None, 400, "no field 'shoeSize'"),
    ("GET", "/prsn/1.0?ordering=-shoeSize", None, 400, "Cannot order by"),
    ("GET", "/prsn/1.0?pageSize=0", None, 400, "pageSize"),
    ("GET", "/prsn/1.0?page_size=abc", None, 400, "page_size"),
    ("GET", "/prsn/1.0?page=-1", None, 400, "page"),
    ("POST", "/prsn/1.0/read", b"{not json", 400, "Invalid request"),
    ("POST", "/prsn/1.0/read", b"[]", 400, "Invalid request"),
    ("POST", "/prsn/1.0/read", b'{"query": {"content": {}}}', 400, "at least one"),
    ("POST", "/prsn/1.0/read", b'{"query": {"content": {"x": 1}}}', 400, "no field"),
    ("POST", "/prsn/1.0/read", b'{"query": {"content": {"id": [1]}}}', 400, "single"),
    ("POST", "/prsn/1.0/create", b'{"write": {"content": {}}}', 400, "needs"),
    (
        "POST",
        "/bpkg/1.0/create",
        b'{"write": {"content": {"name": "A", "description": "B", '
        b'"amount": "lots", "currency": "EURO"}}}',
        400,
        "must be a number",
    ),
    (
        "POST",
        "/bpkg/1.0/create",
        b'{"write": {"content": {"id": 147, "name": "A", "description": "B", '
        b'"amount": 1, "currency": "EURO"}}}',
        400,
        "already exists",
    ),
    (
        "POST",
        "/prsn/1.0/create",
        b'{"write": {"content": {"personalIdCode": "1", "firstName": "A", '
        b'"lastName": "B", "birthDate": "31.12.1990"}}}',
        400,
        "must be a date",
    ),
    (
        "PUT",
        "/bpkg/1.0/update",
        b'{"query": {"content": {"id": 147}}, "write": {"content": {"id": 1}}}',
        400,
        "cannot be changed",
    ),
    (
        "PUT",
        "/bpkg/1.0/update",
        b'{"query": {"content": {"id": 147}}, "write": {"content": {"name": null}}}',
        400,
        "required",
    ),
    (
        "PUT",
        "/bpkg/1.0/update",
        b'{"query": {"content": {"id": 999}}, "write": {"content": {"amount": 1}}}',
        404,
        "no record found",
    ),
    (
        "PUT",
        "/prsn/1.0/update-entries",
        b'{"query": {"content": {"lastName": "Example"}}, '
        b'"write": {"content": {"gender": 5}}}',
        400,
        "must be a string",
    ),
    ("POST", "/bpkg/1.0/create", OVERSIZED, 413, "larger than"),
    ("POST", "/bpkg/1.0/create", TOO_DEEP, 400, "error parsing the body"),
    ("DELETE", "/bpkg/1.0/999/delete", None, 404, "no record found"),
]


def test_bad_input_gets_detail_errors_and_changes_nothing(sandbox) -> None:
    http = learner_http(sandbox, "careless")
    before = [
        http.get(PRSN, params={"pageSize": 100}).json(),
        http.get(BPKG).json(),
    ]
    for method, path, body, status, text in BAD_REQUESTS:
        response = http.request(
            method,
            REGISTRIES + path,
            content=body,
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == status, (path, response.text)
        detail = response.json()["detail"]
        assert isinstance(detail, str) and text in detail, (path, detail)
    after = [http.get(PRSN, params={"pageSize": 100}).json(), http.get(BPKG).json()]
    assert after == before


def test_learners_see_only_their_own_records(sandbox) -> None:
    amina, jonas = learner_http(sandbox, "amina"), learner_http(sandbox, "jonas")
    package = {"name": "X", "description": "Only mine", "amount": 1, "currency": "EURO"}
    assert amina.post(f"{BPKG}/create", json={"write": {"content": package}}).is_success
    assert amina.delete(f"{PRSN}/PRSN0001/delete").status_code == 204
    assert amina.get(BPKG).json()["count"] == 5
    assert jonas.get(BPKG).json()["count"] == 4
    query = {"query": {"content": {"id": "PRSN0001"}}}
    assert jonas.post(f"{PRSN}/exists", json=query).json()["answer"]["status"] is True
    assert amina.post(f"{PRSN}/exists", json=query).json()["answer"]["status"] is False


def test_registry_calls_need_a_learner_key(sqlite_sandbox) -> None:
    response = httpx.get(sqlite_sandbox.url + BPKG)
    assert response.status_code == 401
    assert "X-GovLearn-Key" in response.json()["detail"]


def test_reset_brings_back_the_seed(sqlite_sandbox) -> None:
    http = learner_http(sqlite_sandbox, "resetter")
    assert http.delete(f"{BPKG}/147/delete").status_code == 204
    assert http.post("/workspace/reset").is_success
    assert http.get(BPKG).json()["count"] == 4
