"""Helpers for the Digital Registries emulator, reached as ``client.registries``.

Every call goes through the Information Mediator to
``SANDBOX/GOV/PROVIDER/DIGITAL-REGISTRIES/emulator``, the way the GovStack
sandbox's USCT backend reads its benefit packages::

    client = govlearn.connect()
    client.registries.benefit_packages()          # the four USCT packages
    client.registries.list("prsn", search="Amina")
    client.registries.read("prsn", {"id": "PRSN0001"})

Registries: ``prsn`` (synthetic persons) and ``bpkg`` (benefit packages),
both version ``1.0``. Errors become :class:`~govlearn.ProviderError` with a
``code`` of ``not_found``, ``unknown_registry`` or ``invalid_request``.
"""

from __future__ import annotations

import builtins
from typing import Any

import httpx

from ._provider_client import ProviderHelper

__all__ = ["PACKAGES", "PERSONS", "Registries"]

#: Registry code of the synthetic persons.
PERSONS = "prsn"
#: Registry code of the benefit packages.
PACKAGES = "bpkg"


class Registries(ProviderHelper):
    """The Digital Registries data API: list, read, exists, create, update, delete."""

    SERVICE = "SANDBOX/GOV/PROVIDER/DIGITAL-REGISTRIES/emulator"
    BASE_PATH = "/emulators/registries"
    DESCRIPTION_FIELD = "detail"
    PROVIDER = "Digital Registries emulator"

    def _explain(
        self, response: httpx.Response, attempted: str
    ) -> tuple[str, str] | None:
        detail = self._described(response)
        said = self._answered(response, attempted)
        if response.status_code == 404 and detail == "no record found":
            return "not_found", (
                f"{said} No record matches. Use exists() to check first, or "
                "list() to see what is there."
            )
        if response.status_code == 404:
            return "unknown_registry", f"{said} Check the registry code and version."
        if response.status_code in (400, 409, 413):
            return "invalid_request", f"{said} Fix the request and try again."
        return None

    @staticmethod
    def _path(registry: str, version: str, action: str = "") -> str:
        path = f"/api/v1/data/{registry}/{version}"
        return f"{path}/{action}" if action else path

    def list(
        self,
        registry: str,
        version: str = "1.0",
        *,
        search: str | None = None,
        filter: str | None = None,
        ordering: str | None = None,
        page: int | None = None,
        page_size: int | None = None,
        **query: Any,
    ) -> dict[str, Any]:
        """One page of records: ``{count, next, previous, results}``.

        ``search`` is a case-insensitive regular expression, looked for in the
        field ``filter`` (or in every field). Other keywords keep records whose
        field equals the value, e.g. ``lastName="Sample"`` (sent as
        ``query.lastName``). ``ordering`` is a field name, ``-`` in front to
        reverse.
        """
        params: dict[str, Any] = {
            "search": search,
            "filter": filter,
            "ordering": ordering,
            "page": page,
            "pageSize": page_size,
        }
        params.update({f"query.{name}": value for name, value in query.items()})
        params = {k: v for k, v in params.items() if v is not None}
        response = self._call(
            "GET",
            self._path(registry, version),
            attempted=f"list records of registry {registry!r}",
            params=params,
        )
        data: dict[str, Any] = response.json()
        return data

    def all(
        self, registry: str, version: str = "1.0", **options: Any
    ) -> builtins.list[dict[str, Any]]:
        """Every matching record, fetching page after page (options as :meth:`list`)."""
        records: list[dict[str, Any]] = []
        page = 1
        while True:
            data = self.list(registry, version, page=page, page_size=100, **options)
            records.extend(data["results"])
            if not data.get("next") or not data["results"]:
                return records
            page += 1

    def benefit_packages(self) -> builtins.list[dict[str, Any]]:
        """The benefit packages (``bpkg``): id, name, description, amount, currency."""
        return self.all(PACKAGES)

    def read(
        self, registry: str, query: dict[str, Any], version: str = "1.0"
    ) -> dict[str, Any]:
        """The first record whose fields equal every field of ``query``."""
        response = self._call(
            "POST",
            self._path(registry, version, "read"),
            attempted=f"read a record of registry {registry!r} matching {query!r}",
            json={"query": {"content": query}},
        )
        content: dict[str, Any] = response.json()["content"]
        return content

    def exists(
        self, registry: str, query: dict[str, Any], version: str = "1.0"
    ) -> bool:
        """Whether a record matches ``query``."""
        response = self._call(
            "POST",
            self._path(registry, version, "exists"),
            attempted=f"check whether registry {registry!r} has {query!r}",
            json={"query": {"content": query}},
        )
        return bool(response.json()["answer"]["status"])

    def create(
        self, registry: str, record: dict[str, Any], version: str = "1.0"
    ) -> dict[str, Any]:
        """Add a record and return it as stored (leave ``id`` out to get one)."""
        response = self._call(
            "POST",
            self._path(registry, version, "create"),
            attempted=f"create a record in registry {registry!r}",
            json={"write": {"content": record}},
        )
        content: dict[str, Any] = response.json()["content"]
        return content

    def update(
        self,
        registry: str,
        query: dict[str, Any],
        write: dict[str, Any],
        version: str = "1.0",
    ) -> dict[str, Any]:
        """Change the first record matching ``query``; return it as updated."""
        response = self._call(
            "PUT",
            self._path(registry, version, "update"),
            attempted=f"update the record of registry {registry!r} matching {query!r}",
            json={"query": {"content": query}, "write": {"content": write}},
        )
        content: dict[str, Any] = response.json()["content"]
        return content

    def update_or_create(
        self,
        registry: str,
        query: dict[str, Any],
        write: dict[str, Any],
        version: str = "1.0",
    ) -> dict[str, Any]:
        """Update the record matching ``query``, or create one from both dicts."""
        response = self._call(
            "POST",
            self._path(registry, version, "updateOrCreate"),
            attempted=f"update or create a record of registry {registry!r}",
            json={"query": {"content": query}, "write": {"content": write}},
        )
        content: dict[str, Any] = response.json()["content"]
        return content

    def delete(self, registry: str, record_id: Any, version: str = "1.0") -> None:
        """Remove the record with this id."""
        self._call(
            "DELETE",
            self._path(registry, version, f"{record_id}/delete"),
            attempted=f"delete record {record_id!r} of registry {registry!r}",
        )
