"""Helpers for the Consent emulator, reached as ``client.consent``.

Every call goes through the Information Mediator to
``SANDBOX/GOV/PROVIDER/CONSENT/api``, with the individual in the
``X-ConsentBB-IndividualId`` header, as the GovStack sandbox's USCT backend
does with iGrant.io::

    client.consent.agreements()                        # three data agreements
    client.consent.has_consent("PRSN0003", USCT_ENROLLMENT)   # False
    record = client.consent.request("PRSN0003", USCT_ENROLLMENT)
    client.consent.verify(record["id"])

The sandbox's rule: requesting consent records it at once with
``optIn: true`` (state ``unsigned``); :meth:`Consent.withdraw` and
:meth:`Consent.give` change ``optIn`` and add a revision. A refusal becomes
:class:`~govlearn.ProviderError` with ``code`` ``consent_record_exists``,
``agreement_inactive``, ``not_found`` or ``invalid_request``.
"""

from __future__ import annotations

from typing import Any

import httpx

from ._provider_client import ProviderHelper

__all__ = ["INDIVIDUAL_HEADER", "USCT_ENROLLMENT", "Consent"]

#: The header that names the individual, as iGrant.io expects it.
INDIVIDUAL_HEADER = "X-ConsentBB-IndividualId"
#: The data agreement the USCT enrollment officer asks candidates to accept.
USCT_ENROLLMENT = "usct-enrollment"

_RECORDS = "/v2/service/individual/record"


class Consent(ProviderHelper):
    """The Consent emulator: agreements, an individual's records, verification."""

    SERVICE = "SANDBOX/GOV/PROVIDER/CONSENT/api"
    BASE_PATH = "/emulators/consent"
    DESCRIPTION_FIELD = "errorDescription"
    PROVIDER = "Consent emulator"

    def _explain(
        self, response: httpx.Response, attempted: str
    ) -> tuple[str, str] | None:
        said = self._described(response)
        head = self._answered(response, attempted)
        if "exists" in said and said.startswith("Data agreement record"):
            return "consent_record_exists", (
                f"{head} This individual has a record for the agreement "
                "already: read it with records(), or change it with give() "
                "or withdraw()."
            )
        if "is not active" in said:
            return "agreement_inactive", f"{head} Use an active agreement."
        if response.status_code == 404:
            return "not_found", f"{head} Check the ids (agreements() lists them)."
        if response.status_code in (400, 413):
            return "invalid_request", f"{head} Fix the request and try again."
        return None

    @staticmethod
    def _who(individual_id: str) -> dict[str, str]:
        return {INDIVIDUAL_HEADER: individual_id}

    def agreements(self) -> list[dict[str, Any]]:
        """Every data agreement (id, purpose, lawfulBasis, active, ...)."""
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            data = self._call(
                "GET",
                "/v2/config/data-agreements/",
                attempted="list the data agreements",
                params={"offset": offset, "limit": 100},
            ).json()
            items.extend(data["dataAgreements"])
            if not data["pagination"]["hasNext"]:
                return items
            offset += 100

    def records(self, individual_id: str) -> list[dict[str, Any]]:
        """Every consent record of one individual."""
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            data = self._call(
                "GET",
                f"{_RECORDS}/consent-record/",
                attempted=f"list the consent records of {individual_id!r}",
                headers=self._who(individual_id),
                params={"offset": offset, "limit": 100},
            ).json()
            items.extend(data["consentRecords"])
            if not data["pagination"]["hasNext"]:
                return items
            offset += 100

    def has_consent(self, individual_id: str, agreement_id: str) -> bool:
        """Whether the individual has a record for the agreement with ``optIn`` true
        (the USCT backend's GRANTED)."""
        return any(
            record["dataAgreementId"] == agreement_id and record["optIn"] is True
            for record in self.records(individual_id)
        )

    def request(self, individual_id: str, agreement_id: str) -> dict[str, Any]:
        """Ask for consent; the new consent record (``optIn`` true) is returned.

        Raises ``ProviderError`` (code ``consent_record_exists``) if the
        individual has a record for this agreement already.
        """
        data = self._call(
            "POST",
            f"{_RECORDS}/data-agreement/{agreement_id}/",
            attempted=f"record consent of {individual_id!r} to {agreement_id!r}",
            headers=self._who(individual_id),
        ).json()
        record: dict[str, Any] = data["consentRecord"]
        return record

    def _set_opt_in(
        self, individual_id: str, record_id: str, opt_in: bool, verb: str
    ) -> dict[str, Any]:
        data = self._call(
            "PUT",
            f"{_RECORDS}/consent-record/{record_id}/",
            attempted=f"{verb} consent record {record_id!r} of {individual_id!r}",
            headers=self._who(individual_id),
            json={"optIn": opt_in},
        ).json()
        record: dict[str, Any] = data["consentRecord"]
        return record

    def withdraw(self, individual_id: str, record_id: str) -> dict[str, Any]:
        """Set ``optIn`` to false on the record (a new revision)."""
        return self._set_opt_in(individual_id, record_id, False, "withdraw")

    def give(self, individual_id: str, record_id: str) -> dict[str, Any]:
        """Set ``optIn`` back to true on the record (a new revision)."""
        return self._set_opt_in(individual_id, record_id, True, "give")

    def verify(self, record_id: str) -> dict[str, Any]:
        """A data consumer's check: ``{consentRecord, revision}`` of the record."""
        data: dict[str, Any] = self._call(
            "GET",
            f"/v2/service/verification/consent-record/{record_id}/",
            attempted=f"verify consent record {record_id!r}",
        ).json()
        return data
