"""Salted commitments to private data such as the issuer's founders (Reg. §66)."""

from __future__ import annotations

import hashlib
import hmac

from node.domain.canonical import canonical_json
from node.errors import VerificationError

MIN_SALT_BYTES = 16
"""Shortest salt accepted; the salt is what keeps a guessable value from being brute-forced."""


def commit(value: object, salt: bytes) -> str:
    """Hex SHA-256 of ``salt || canonical_json(value)`` (RFC 8785 canonical JSON).

    Reg. §66 keeps information about the issuer's founders out of the public register; only this
    commitment is published. The salt is stored privately and is passed in (never generated here).

    Raises:
        ValueError: ``salt`` is shorter than :data:`MIN_SALT_BYTES` bytes.
        TypeError: ``value`` is not JSON data (see :func:`canonical_json`) or holds a float
            (floats are not used in register data: write decimals as strings).
    """
    if len(salt) < MIN_SALT_BYTES:
        raise ValueError(f"salt must be at least {MIN_SALT_BYTES} bytes, got {len(salt)}")
    _reject_floats(value)
    return hashlib.sha256(salt + canonical_json(value)).hexdigest()


def verify_commitment(commitment: str, value: object, salt: bytes) -> None:
    """Check that ``commitment`` commits to ``value`` under ``salt``.

    Raises:
        VerificationError: the commitment does not match (``expected`` is the given commitment,
            ``actual`` the recomputed one).
        ValueError: ``salt`` is too short.
        TypeError: ``value`` is not JSON data.
    """
    actual = commit(value, salt)
    if not hmac.compare_digest(commitment.encode("utf-8"), actual.encode("ascii")):
        raise VerificationError(
            "commitment does not match the value and salt",
            expected=commitment,
            actual=actual,
            where="commitment",
        )


def _reject_floats(value: object) -> None:
    if isinstance(value, float):
        raise TypeError(f"floats are not committed to; write {value!r} as a decimal string")
    if isinstance(value, dict):
        for item in value.values():
            _reject_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_floats(item)
