"""The data agreements every workspace starts with.

They describe the USCT use case: enrolment (the agreement the enrollment
officer asks a candidate to accept), sharing payment details with the
Payments building block, and an SMS outreach agreement that is no longer
active (new consent records for it are refused). All organisations and URLs
are synthetic.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SEED_AGREEMENTS", "USCT_ENROLLMENT"]

USCT_ENROLLMENT = "usct-enrollment"

_CONTROLLER = {
    "id": "ctrl-social-protection",
    "name": "Social Protection Office (synthetic)",
    "url": "https://social-protection.example.org",
}
_POLICY = {
    "id": "policy-usct-privacy",
    "name": "USCT privacy policy",
    "version": "1.0",
    "url": "https://social-protection.example.org/privacy/1.0",
    "jurisdiction": "Sandbox",
    "industrySector": "Public sector",
    "dataRetentionPeriodDays": 1825,
    "geographicRestriction": "Sandbox",
    "storageLocation": "Sandbox",
}


def _attribute(name: str, description: str, sensitivity: str) -> dict[str, str]:
    return {
        "name": name,
        "description": description,
        "sensitivity": sensitivity,
        "category": "personal data",
    }


SEED_AGREEMENTS: tuple[dict[str, Any], ...] = (
    {
        "id": USCT_ENROLLMENT,
        "version": "1.0.0",
        "controller": _CONTROLLER,
        "policy": _POLICY,
        "purpose": "Enrolment in the Unconditional Social Cash Transfer programme",
        "purposeDescription": (
            "The social protection office uses your personal and household "
            "details to check your eligibility and enrol you in a benefit package."
        ),
        "lawfulBasis": "consent",
        "dataUse": "data_using_service",
        "dpia": "https://social-protection.example.org/dpia/usct",
        "active": True,
        "forgettable": False,
        "lifecycle": "complete",
        "dataAttributes": [
            _attribute("personalIdCode", "Your personal id code", "high"),
            _attribute("name", "Your first and last name", "medium"),
            _attribute("householdSize", "How many people live with you", "low"),
        ],
    },
    {
        "id": "usct-payment-details",
        "version": "1.0.0",
        "controller": _CONTROLLER,
        "policy": _POLICY,
        "purpose": "Sharing payment details for cash transfers",
        "purposeDescription": (
            "Your bank account or mobile money number is shared with the payments "
            "provider so that the transfers reach you."
        ),
        "lawfulBasis": "consent",
        "dataUse": "data_source",
        "dpia": "https://social-protection.example.org/dpia/payments",
        "active": True,
        "forgettable": True,
        "lifecycle": "complete",
        "dataAttributes": [
            _attribute("financialAddress", "Your account or wallet number", "high"),
            _attribute("paymentModality", "How you want to be paid", "low"),
        ],
    },
    {
        "id": "usct-sms-outreach",
        "version": "1.0.0",
        "controller": _CONTROLLER,
        "policy": _POLICY,
        "purpose": "Text messages about new programmes (retired)",
        "purposeDescription": (
            "This outreach campaign has ended. The agreement stays listed so you "
            "can see what happens when you ask for consent to an inactive one."
        ),
        "lawfulBasis": "consent",
        "dataUse": "data_using_service",
        "dpia": "",
        "active": False,
        "forgettable": True,
        "lifecycle": "complete",
        "dataAttributes": [
            _attribute("phoneNumber", "Your mobile number", "medium"),
        ],
    },
)
