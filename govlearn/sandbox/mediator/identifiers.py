"""X-Road identifiers: clients and services, parsed from paths and headers.

A service id has five parts, ``INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE``; a
client id has three (a member) or four (a subsystem). In a URL each part is
percent-encoded on its own and the ``/`` between parts is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote_to_bytes

__all__ = [
    "INSTANCE",
    "MAX_PART_LENGTH",
    "ClientId",
    "IdentifierError",
    "ServiceId",
    "decode_part",
    "encode_part",
]

#: The one X-Road instance of the sandbox, as in the GovStack sandbox.
INSTANCE = "SANDBOX"
MAX_PART_LENGTH = 100
_FORBIDDEN = set("/\\;:%") | {chr(c) for c in range(32)} | {"\x7f"}
_HEX = set("0123456789abcdefABCDEF")


class IdentifierError(ValueError):
    """An identifier or path that cannot be parsed; becomes ``Client.BadRequest``."""


def decode_part(raw: str, what: str) -> str:
    """Percent-decode one identifier part and check what it may contain."""
    _check_escapes(raw, what)
    try:
        text = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise IdentifierError(f"the {what} is not valid UTF-8") from None
    if not text.strip():
        raise IdentifierError(f"the {what} is empty")
    if len(text) > MAX_PART_LENGTH:
        raise IdentifierError(f"the {what} is longer than {MAX_PART_LENGTH} characters")
    if any(ch in _FORBIDDEN for ch in text):
        raise IdentifierError(
            f"the {what} {text[:40]!r} contains a character X-Road identifiers "
            "may not hold (/ \\ ; : % or a control character)"
        )
    if text in (".", ".."):
        raise IdentifierError(f"the {what} may not be {text!r}")
    return text


def _check_escapes(raw: str, what: str) -> None:
    index = raw.find("%")
    while index != -1:
        pair = raw[index + 1 : index + 3]
        if len(pair) != 2 or not set(pair) <= _HEX:
            raise IdentifierError(f"the {what} has a broken %-escape")
        index = raw.find("%", index + 3)


def encode_part(text: str) -> str:
    """Percent-encode one identifier part for a URL path."""
    return quote(text, safe="-._~!$&'()*+,=@")


@dataclass(frozen=True, order=True)
class ClientId:
    """``INSTANCE/CLASS/MEMBER[/SUBSYSTEM]``: who is calling."""

    instance: str
    member_class: str
    member_code: str
    subsystem_code: str | None = None

    @classmethod
    def parse(cls, text: str) -> ClientId:
        """Parse a client header value; its parts may be percent-encoded."""
        parts = text.strip().split("/")
        if len(parts) not in (3, 4):
            raise IdentifierError(
                "a client id has 3 or 4 parts, INSTANCE/CLASS/MEMBER[/SUBSYSTEM], "
                f"not {len(parts)}"
            )
        names = ("instance", "member class", "member code", "subsystem code")
        decoded = [
            decode_part(p, f"client {n}") for p, n in zip(parts, names, strict=False)
        ]
        return cls(*decoded)

    @property
    def object_type(self) -> str:
        return "MEMBER" if self.subsystem_code is None else "SUBSYSTEM"

    def member_id(self) -> str:
        """The member part, ``INSTANCE/CLASS/MEMBER``."""
        return f"{self.instance}/{self.member_class}/{self.member_code}"

    def member(self) -> ClientId:
        return ClientId(self.instance, self.member_class, self.member_code)

    def with_subsystem(self, code: str) -> ClientId:
        """The subsystem ``code`` of this client's member."""
        return ClientId(self.instance, self.member_class, self.member_code, code)

    def __str__(self) -> str:
        parts = [self.instance, self.member_class, self.member_code]
        if self.subsystem_code is not None:
            parts.append(self.subsystem_code)
        return "/".join(parts)

    def as_xroad_json(self) -> dict[str, str]:
        """The id in the snake_case JSON of X-Road's metaservices."""
        data = {
            "member_class": self.member_class,
            "member_code": self.member_code,
            "object_type": self.object_type,
            "xroad_instance": self.instance,
        }
        if self.subsystem_code is not None:
            data["subsystem_code"] = self.subsystem_code
        return data


@dataclass(frozen=True, order=True)
class ServiceId:
    """``INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE``: what is called."""

    instance: str
    member_class: str
    member_code: str
    subsystem_code: str
    service_code: str

    @classmethod
    def from_raw_parts(cls, parts: list[str]) -> ServiceId:
        """Build from the five still percent-encoded parts of a ``/r1`` path."""
        names = ("instance", "member class", "member code", "subsystem", "service")
        decoded = [
            decode_part(p, f"service {n}") for p, n in zip(parts, names, strict=False)
        ]
        return cls(*decoded)

    @property
    def subsystem(self) -> ClientId:
        """The provider subsystem that offers this service."""
        return ClientId(
            self.instance, self.member_class, self.member_code, self.subsystem_code
        )

    def __str__(self) -> str:
        return "/".join(
            (
                self.instance,
                self.member_class,
                self.member_code,
                self.subsystem_code,
                self.service_code,
            )
        )

    def as_xroad_json(self) -> dict[str, str]:
        return {
            "member_class": self.member_class,
            "member_code": self.member_code,
            "object_type": "SERVICE",
            "service_code": self.service_code,
            "subsystem_code": self.subsystem_code,
            "xroad_instance": self.instance,
        }
