"""The subjects of the Law's other registers kept on the same log: miners (Law art. 14) and
licences of service providers (Law art. 30.6), each a leaf of the one state tree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeAlias

from node.domain.miners import MINER_PREFIX, MinerState
from node.domain.vasps import LICENCE_PREFIX, LicenceState

Subject: TypeAlias = MinerState | LicenceState
"""A miner or a licence, keyed by its certificate or licence number."""

MINER: Final = "miner"
VASP: Final = "vasp"
REGISTERS: Final = (MINER, VASP)


def register_of(subject: Subject) -> str:
    """Which register holds ``subject``: "miner" or "vasp"."""
    return MINER if isinstance(subject, MinerState) else VASP


def register_of_key(key: str) -> str | None:
    """Which register a key belongs to, by its prefix (None: an emission's key)."""
    if key.startswith(MINER_PREFIX):
        return MINER
    if key.startswith(LICENCE_PREFIX):
        return VASP
    return None


def subject_from_record(register: str, record: Mapping[str, Any]) -> Subject:
    """Decode a public record of ``register``.

    Raises:
        ValueError: an unknown register.
        KeyError: the record is not one ``to_record`` produced.
    """
    if register == MINER:
        return MinerState.from_record(record)
    if register == VASP:
        return LicenceState.from_record(record)
    raise ValueError(f"unknown register {register!r}")
