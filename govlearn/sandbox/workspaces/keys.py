"""Learner keys: how they are made, stored and checked."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

__all__ = ["KEY_PREFIX", "hash_key", "keys_match", "new_key", "valid_learner_id"]

KEY_PREFIX = "glk_"
_LEARNER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def new_key() -> str:
    """A fresh random learner key (192 bits of randomness)."""
    return KEY_PREFIX + secrets.token_urlsafe(24)


def hash_key(key: str) -> str:
    """The stored form of a key: its SHA-256, in hex.

    Keys are long random strings, so a fast hash is enough: there is no
    dictionary to guess from.
    """
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def keys_match(given: str, expected: str) -> bool:
    """Compare two secrets in constant time."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode()
    )


def valid_learner_id(learner_id: str) -> bool:
    """Learner ids are 1-64 letters, digits, ``.``, ``_``, ``@`` or ``-``."""
    return bool(_LEARNER_ID.match(learner_id))
