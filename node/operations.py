"""The CLI's adapters to the use cases in ``node.services`` (node/cli/filings.py reads filings)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from node.domain.entries import Entry
from node.domain.filings import EMISSION_EVENT_KINDS, issuer_event_entry
from node.ledger.service import Ledger
from node.services import emissions
from node.services.database import Database
from node.services.emissions import (
    REGISTRATION_KEY,
    EmissionSubmission,
    Registration,
    parse_emission_submission,
    registration_data,
)
from node.services.issuers import normalize_kind

__all__ = [
    "EMISSION_EVENT_KINDS",
    "REGISTRATION_KEY",
    "EmissionSubmission",
    "Registration",
    "Submitted",
    "issuer_event",
    "normalize_kind",
    "parse_emission_submission",
    "record_emission_event",
    "registration_data",
    "submit_emission",
]


# ---- emission registration (the use cases live in node.services.emissions) ------------------


@dataclass(frozen=True)
class Submitted:
    """What ``submit_emission`` recorded."""

    application_no: str
    regno: str | None
    size: int


def submit_emission(ledger: Ledger, submission: EmissionSubmission) -> Submitted:
    """``node.services.emissions.submit_emission`` on ``ledger`` (for the CLI until it holds a
    Database).

    Raises:
        RuleViolation: the filing or the registration breaks a rule (nothing written).
        NotFound: the filing names an unknown issuer while a registration is given.
        StorageError: the database failed.
    """
    written = emissions.submit_emission(Database(ledger=ledger), submission=submission)
    return Submitted(application_no=written.application_no, regno=written.regno, size=written.size)


# ---- events --------------------------------------------------------------------------------


def record_emission_event(
    ledger: Ledger,
    *,
    key: str,
    kind: str,
    data: Mapping[str, Any],
    effective_on: dt.date,
) -> tuple[str, int]:
    """``node.services.emissions.record_emission_event`` on ``ledger`` (for the CLI until it
    holds a Database); returns the full kind and the log size after the entry.

    Raises:
        RuleViolation: the event is unknown, malformed or breaks a rule (nothing written).
        NotFound: no emission has this key.
        StorageError: the database failed.
    """
    written = emissions.record_emission_event(
        Database(ledger=ledger), key=key, kind=kind, data=data, effective_on=effective_on
    )
    return written.kind, written.size


def issuer_event(
    kind: str,
    *,
    issuer: str,
    data: Mapping[str, Any],
    recorded_at: dt.datetime,
    effective_on: dt.date,
) -> Entry:
    """Build an issuer event (update, reorganization, liquidation) from loose data.

    Accepts ``liquidated`` as well as ``issuer.liquidated``.

    Raises:
        RuleViolation: as ``node.domain.filings.issuer_event_entry``.
    """
    return issuer_event_entry(
        normalize_kind(kind, prefix="issuer"),
        issuer=issuer,
        data=data,
        recorded_at=recorded_at,
        effective_on=effective_on,
    )
