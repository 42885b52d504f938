"""Miners (Law art. 13-16): registration on a complete filing, events, the register, statistics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from node.domain.entries import MinerFiling
from node.domain.filings import MINER_EVENT_KINDS, miner_event_entry
from node.domain.miners import MinerState, RegionStats, region_stats
from node.errors import RuleViolation
from node.ledger.sequencer import Integrated
from node.services.database import Database
from node.services.issuers import effective_date
from node.types import RequestId


@dataclass(frozen=True)
class MinerWritten:
    """What a miner write did: the entry's kind and index, the log size, the miner after it."""

    certificate: str
    kind: str
    index: int
    size: int
    miner: MinerState


def register_miner(
    db: Database,
    *,
    filing: MinerFiling,
    effective_on: date | None = None,
    request: RequestId | None = None,
    recorded_by: str | None = None,
) -> MinerWritten:
    """Register a miner on a complete, valid filing: the certificate is issued at once, without
    human discretion (Law art. 14, 15.2, 16.2); attributed to ``recorded_by`` (the
    workbench's person) when given.

    Raises:
        RuleViolation: the filing is incomplete or breaks a rule (nothing written).
        StorageError: the database failed.
    """
    certificate, result = db.ledger.register_miner(
        filing,
        effective_on=effective_date(effective_on, clock=db.clock),
        request=request,
        recorded_by=recorded_by,
    )
    return miner_written(db, certificate=certificate, result=result)


def record_miner_event(
    db: Database,
    *,
    certificate: str,
    kind: str,
    data: Mapping[str, Any],
    effective_on: date | None = None,
    request: RequestId | None = None,
    recorded_by: str | None = None,
) -> MinerWritten:
    """Record a miner event (``kind`` with or without the prefix ``miner.``): a change of data,
    suspension, resumption, termination, information request or answer (Law art. 14, 16.2).

    Raises:
        NotFound: no miner has this certificate (checked first).
        RuleViolation: the event is unknown, malformed or breaks a rule (nothing written).
        StorageError: the database failed.
    """
    full = kind if kind.startswith("miner.") else f"miner.{kind}"
    if full == "miner.registered":
        raise RuleViolation(
            field="kind",
            rule="unknown-kind",
            paragraph="Law art. 15.2",
            message="a miner is registered with its filing (`tamga miner register`), which "
            f"issues its certificate; events: {', '.join(MINER_EVENT_KINDS)}",
        )
    if request is not None and (done := db.ledger.integrated(request)) is not None:
        return miner_written(db, certificate=certificate, result=done)
    db.ledger.miner(certificate)
    entry = miner_event_entry(
        full,
        miner=certificate,
        data=data,
        recorded_at=db.clock.now(),
        effective_on=effective_date(effective_on, clock=db.clock),
        recorded_by=recorded_by,
    )
    result = db.ledger.append([entry], request=request)
    return miner_written(db, certificate=certificate, result=result)


def miner_written(db: Database, *, certificate: str, result: Integrated) -> MinerWritten:
    """What a written miner entry did (its kind, index, the log size, the miner after it).

    Raises:
        NotFound: no miner has this certificate (cannot happen after its entry was written).
        StorageError: the database failed.
    """
    return MinerWritten(
        certificate=certificate,
        kind=result.entries[0].kind,
        index=result.first_index,
        size=result.size,
        miner=db.ledger.miner(certificate),
    )


def miners(
    db: Database, *, region: str | None = None, status: str | None = None
) -> list[MinerState]:
    """The register of miners (public, Law art. 14-15), filtered by a site's region or status.

    Raises:
        StorageError: the database failed.
    """
    found = db.ledger.miners()
    if region is not None:
        found = [m for m in found if any(s.region.value == region for s in m.sites)]
    if status is not None:
        found = [m for m in found if m.status.value == status]
    return found


def miner(db: Database, *, certificate: str) -> MinerState:
    """One miner's public record.

    Raises:
        NotFound: no miner has this certificate.
    """
    return db.ledger.miner(certificate)


def statistics(db: Database) -> list[RegionStats]:
    """Miners working now by region, their installed power and hash rate (Law art. 15).

    Raises:
        StorageError: the database failed.
    """
    return region_stats(db.ledger.miners())
