"""Reports the registry office publishes: the burned-supply report (page, JSON, CSV), computed
from a log prefix, and its publication (the CSV's SHA-256 recorded as a ``report.published``
entry) and verification (a file against the publications in the log)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from pydantic import ValidationError

from node.domain.entries import ReportPublished, decode_entry, validation_violation
from node.domain.lifecycle import recorded_on
from node.domain.supply import (
    SUPPLY_KINDS,
    SUPPLY_MEDIA_TYPE,
    SUPPLY_REPORT,
    SupplyReport,
    find_publication,
    supply_csv,
    supply_report,
)
from node.errors import NotFound, RuleViolation
from node.ledger.store import EntryRecord
from node.services.database import Database
from node.types import RequestId

REPORT_PARAGRAPH: Final = "Reg. §45-46, §66"
"""Burns change what the register holds (Reg. §45-46); its information is public (Reg. §66)."""


@dataclass(frozen=True)
class Published:
    """A report just published: its entry, and the bytes whose digest the entry records."""

    index: int
    tree_size: int
    entry: ReportPublished
    data: bytes


def report_size(db: Database, *, size: int | None = None) -> int:
    """The log size a report is computed at: ``size``, else the latest signed checkpoint's
    (an auditor holds the figures to a signed root), else the head.

    Raises:
        RuleViolation: field "size", rule "size-beyond-log" when ``size`` exceeds the log.
        StorageError: the database failed.
    """
    head, _ = db.ledger.head()
    if size is None:
        try:
            return db.ledger.latest_checkpoint().size
        except NotFound:
            return head
    if size < 0 or size > head:
        raise RuleViolation(
            field="size",
            rule="size-beyond-log",
            paragraph="RFC 9162 §2.1",
            message=f"the log holds {head} entries; a report is computed at 0..{head}",
        )
    return size


def supply(db: Database, *, size: int | None = None) -> SupplyReport:
    """The burned-supply report of the log's first ``size`` entries (default: at the latest
    checkpoint): per emission and in total, burns entered in the register (Reg. §45-46), burns
    and locks seen on chain with the block read, and the difference.

    Raises:
        RuleViolation: field "size", rule "size-beyond-log".
        StorageError: the database failed.
    """
    at = report_size(db, size=size)
    records = [r for r in db.ledger.entries(0, at) if r.kind in SUPPLY_KINDS]
    return supply_report(((r.idx, decode_entry(r.leaf)) for r in records), size=at)


def publish_supply(
    db: Database,
    *,
    size: int | None = None,
    recorded_by: str | None = None,
    request: RequestId | None = None,
) -> Published:
    """Compute the burned-supply CSV at ``size`` (default: the latest checkpoint) and record its
    SHA-256 and length as a ``report.published`` entry, attributed to ``recorded_by``.

    Raises:
        RuleViolation: field "size", rule "size-beyond-log"; "recorded_by" malformed.
        StorageError: the database failed.
    """
    report = supply(db, size=size)
    data = supply_csv(report)
    now = db.clock.now()
    try:
        entry = ReportPublished(
            recorded_at=now,
            effective_on=recorded_on(now),
            report=SUPPLY_REPORT,
            size=report.size,
            sha256=hashlib.sha256(data).hexdigest(),
            length=len(data),
            media_type=SUPPLY_MEDIA_TYPE,
            recorded_by=recorded_by,
        )
    except ValidationError as exc:
        raise validation_violation(exc, rule="entry-field", paragraph=REPORT_PARAGRAPH) from exc
    result = db.ledger.append([entry], request=request)
    (record,) = result.entries
    written = decode_entry(record.leaf)
    assert isinstance(written, ReportPublished)
    return Published(index=result.first_index, tree_size=result.size, entry=written, data=data)


def publications(db: Database) -> list[tuple[EntryRecord, ReportPublished]]:
    """Every published report, oldest first.

    Raises:
        StorageError: the database failed.
    """
    found = []
    for record in db.ledger.report_entries():
        entry = decode_entry(record.leaf)
        if isinstance(entry, ReportPublished):
            found.append((record, entry))
    return found


def verify_report(db: Database, *, data: bytes) -> tuple[int, ReportPublished]:
    """The publication of a supply report file (as :func:`node.domain.supply.find_publication`,
    on this node's log): its ``report.published`` entry, the bytes recomputed identical.

    Raises:
        VerificationError: no publication records the file's digest (expected and actual
            named), or the log gives other bytes.
        StorageError: the database failed.
    """
    records = [
        r for r in db.ledger.entries() if r.kind in SUPPLY_KINDS or r.kind == "report.published"
    ]
    return find_publication([(r.idx, decode_entry(r.leaf)) for r in records], data=data)
