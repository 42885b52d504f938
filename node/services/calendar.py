"""The register's working calendar: recording a decree's corrections, reading them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from node.domain.calendar import CalendarCorrections
from node.domain.entries import CalendarCorrected, DayStatus, decode_entry
from node.domain.filings import calendar_entry
from node.errors import LedgerError
from node.services.database import Database
from node.services.issuers import effective_date
from node.types import RequestId


@dataclass(frozen=True)
class CalendarWritten:
    """A calendar correction just written: its index, the log size after it, the entry, and
    the register's corrections after it."""

    index: int
    size: int
    entry: CalendarCorrected
    corrections: CalendarCorrections


@dataclass(frozen=True)
class RecordedCorrection:
    """One day as a recorded decree set it: the entry that did, and the decree."""

    day: date
    working: bool
    index: int
    decree: str


def record_calendar_correction(
    db: Database,
    *,
    data: Mapping[str, Any],
    effective_on: date | None = None,
    request: RequestId | None = None,
    recorded_by: str | None = None,
) -> CalendarWritten:
    """Record a decree's changes to the working calendar (``data``: ``days``, each a ``day``
    and what it ``becomes``, ``working_day`` or ``day_off``; ``basis``: the decree, a
    ``government_decree``), effective on ``effective_on`` (default: today in Kyrgyz time by
    the injected clock), attributed to ``recorded_by`` (the workbench's person) when given.
    Deadlines computed after it count with it; those computed before keep their dates.

    Raises:
        RuleViolation: the correction is malformed, gives a day twice, repeats what an earlier
            correction set, or its decree is missing, of another type or dated after it
            (nothing written).
        LedgerError: ``request`` was integrated before as another write.
        StorageError: the database failed.
    """
    entry = calendar_entry(
        data=data,
        recorded_at=db.clock.now(),
        effective_on=effective_date(effective_on, clock=db.clock),
        recorded_by=recorded_by,
    )
    result = db.ledger.append([entry], request=request)
    written = decode_entry(result.entries[0].leaf)
    if not isinstance(written, CalendarCorrected):  # the request id named another write
        raise LedgerError(f"request already integrated as a {written.kind} entry")
    return CalendarWritten(
        index=result.first_index,
        size=result.size,
        entry=written,
        corrections=db.ledger.calendar_corrections(),
    )


def calendar_corrections(db: Database) -> list[RecordedCorrection]:
    """Every day a recorded decree set, in log order (a day set again appears again).

    Raises:
        StorageError: the database failed.
    """
    found: list[RecordedCorrection] = []
    for record in db.ledger.calendar_entries():
        entry = decode_entry(record.leaf)
        if not isinstance(entry, CalendarCorrected):
            continue
        basis = entry.basis
        decree = "" if basis is None else f"{basis.number} of {basis.date}, {basis.issued_by}"
        found.extend(
            RecordedCorrection(
                day=item.day,
                working=item.becomes is DayStatus.WORKING_DAY,
                index=record.idx,
                decree=decree,
            )
            for item in entry.days
        )
    return found
