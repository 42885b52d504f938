"""Burned supply from the log: burns entered in the register against burns seen on chain. Pure.

Per emission, from the first ``size`` entries of the log only (so the same log size always gives
the same figures and the same CSV bytes, and an auditor recomputes them from an export):

- burns entered in the register: ``emission.partial_burn`` (Reg. §45-46) and
  ``emission.unplaced_cancelled`` (unplaced VAs burned, Reg. §45, last sentence), in VAs;
- burns seen on chain: the latest ``verification.observed`` reading of ``Transfer(…, 0x0)``
  (``readings.burned``, base units, scanned up to ``readings.scanned_to``), with VAs held by locked
  sinks (``readings.locked_balance``, locked, not burned) and ``totalSupply()``, each with the
  block it was read at;
- the difference: burned on chain minus entered in the register (VAs).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Final

from node.domain.entries import (
    EmissionApplied,
    EmissionDocumentsAmended,
    EmissionPartialBurn,
    EmissionRegistered,
    EmissionUnplacedCancelled,
    Entry,
    ReportPublished,
    VerificationObserved,
)
from node.domain.model import dec_str
from node.errors import VerificationError

SUPPLY_REPORT: Final = "supply"
"""The report's name in ``report.published`` entries."""
SUPPLY_MEDIA_TYPE: Final = "text/csv; charset=utf-8"
SUPPLY_KINDS: Final = frozenset(
    {
        "emission.applied",
        "emission.documents_amended",
        "emission.registered",
        "emission.partial_burn",
        "emission.unplaced_cancelled",
        "verification.observed",
    }
)
"""The entry kinds the report reads (the others need not even be decoded)."""
CSV_COLUMNS: Final = (
    "emission",
    "application_no",
    "name",
    "symbol",
    "register_partial_burns",
    "register_unplaced_cancelled",
    "register_burned",
    "chain_burned",
    "chain_locked",
    "chain_total_supply",
    "difference",
    "decimals",
    "chain_id",
    "block_number",
    "block_hash",
    "block_time",
    "scanned_to",
    "observed_entry",
)


@dataclass(frozen=True, slots=True)
class ChainFigures:
    """One ``verification.observed`` reading: base units, the block read, the entry."""

    entry: int
    chain_id: int
    block_number: int
    block_hash: str
    block_time: int
    decimals: int | None
    burned: int | None
    locked: int | None
    total_supply: int | None
    scanned_to: int | None

    def vas(self, base_units: int | None) -> Decimal | None:
        """Base units as VAs (None when the figure or the decimals are unknown)."""
        if base_units is None or self.decimals is None:
            return None
        return Decimal(base_units).scaleb(-self.decimals).normalize()


@dataclass(frozen=True, slots=True)
class EmissionSupply:
    """One emission's burns: entered in the register (VAs) and seen on chain."""

    application_no: str
    regno: str | None = None
    name: str = ""
    symbol: str = ""
    partial_burns: int = 0
    unplaced_cancelled: int = 0
    chain: ChainFigures | None = None

    @property
    def key(self) -> str:
        """The registration number, or the application number before registration."""
        return self.regno or self.application_no

    @property
    def register_burned(self) -> int:
        """VAs burned according to the register (partial burns and cancelled unplaced VAs)."""
        return self.partial_burns + self.unplaced_cancelled

    @property
    def chain_burned(self) -> Decimal | None:
        """VAs burned on chain (Transfer to 0x0), None when not read."""
        return None if self.chain is None else self.chain.vas(self.chain.burned)

    @property
    def difference(self) -> Decimal | None:
        """Burned on chain minus entered in the register (VAs); None when not read."""
        burned = self.chain_burned
        return None if burned is None else burned - self.register_burned


@dataclass(frozen=True, slots=True)
class SupplyPoint:
    """Totals after one entry (for the chart): register and chain burns, VAs."""

    index: int
    recorded_at: str
    register_burned: int
    chain_burned: Decimal


@dataclass(frozen=True)
class SupplyReport:
    """Burns per emission and in total, computed from the log's first ``size`` entries."""

    size: int
    emissions: tuple[EmissionSupply, ...]
    timeline: tuple[SupplyPoint, ...] = field(default=())

    @property
    def register_burned(self) -> int:
        """All VAs burned according to the register."""
        return sum(e.register_burned for e in self.emissions)

    @property
    def partial_burns(self) -> int:
        """All partial burns (Reg. §45-46)."""
        return sum(e.partial_burns for e in self.emissions)

    @property
    def unplaced_cancelled(self) -> int:
        """All unplaced VAs cancelled (Reg. §45)."""
        return sum(e.unplaced_cancelled for e in self.emissions)

    @property
    def chain_burned(self) -> Decimal:
        """VAs burned on chain over the emissions read."""
        return sum((e.chain_burned or Decimal(0) for e in self.emissions), Decimal(0))

    @property
    def chain_locked(self) -> Decimal:
        """VAs in locked sinks over the emissions read."""
        return sum(
            (e.chain.vas(e.chain.locked) or Decimal(0) for e in self.emissions if e.chain),
            Decimal(0),
        )

    @property
    def difference(self) -> Decimal:
        """Burned on chain minus entered in the register, over the emissions read on chain."""
        return sum((e.difference or Decimal(0) for e in self.emissions), Decimal(0))


def supply_report(entries: Iterable[tuple[int, Entry]], *, size: int) -> SupplyReport:
    """Fold the log's entries ``(index, entry)`` below ``size``, oldest first, into the
    burned-supply report; entries of other kinds are ignored."""
    by_app: dict[str, EmissionSupply] = {}
    app_of: dict[str, str] = {}  # regno -> application number
    timeline: list[SupplyPoint] = []
    for index, entry in entries:
        if index >= size:
            break
        if isinstance(entry, (EmissionApplied, EmissionDocumentsAmended)):
            app = app_of.get(entry.emission, entry.emission)
            current = by_app.get(app, EmissionSupply(application_no=app))
            by_app[app] = replace(current, name=entry.name, symbol=entry.symbol)
            continue
        if isinstance(entry, EmissionRegistered):
            app = app_of.get(entry.emission, entry.emission)
            app_of[entry.regno] = app
            by_app[app] = replace(by_app.get(app, EmissionSupply(app)), regno=entry.regno)
            continue
        if not isinstance(
            entry, (EmissionPartialBurn, EmissionUnplacedCancelled, VerificationObserved)
        ):
            continue
        app = app_of.get(entry.emission, entry.emission)
        current = by_app.get(app, EmissionSupply(application_no=app))
        if isinstance(entry, EmissionPartialBurn):  # Reg. §45-46
            current = replace(current, partial_burns=current.partial_burns + entry.amount)
        elif isinstance(entry, EmissionUnplacedCancelled):  # Reg. §45, last sentence
            current = replace(current, unplaced_cancelled=current.unplaced_cancelled + entry.amount)
        elif entry.block is not None and entry.readings.burned is not None:
            r = entry.readings
            current = replace(
                current,
                chain=ChainFigures(
                    entry=index,
                    chain_id=entry.block.chain_id,
                    block_number=entry.block.block_number,
                    block_hash=entry.block.block_hash,
                    block_time=entry.block.block_time,
                    decimals=r.decimals,
                    burned=r.burned,
                    locked=r.locked_balance,
                    total_supply=r.total_supply,
                    scanned_to=r.scanned_to,
                ),
            )
        else:
            continue  # a run that could not read the burns changes no figure
        by_app[app] = current
        timeline.append(
            SupplyPoint(
                index=index,
                recorded_at=entry.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                register_burned=sum(e.register_burned for e in by_app.values()),
                chain_burned=sum(
                    (e.chain_burned or Decimal(0) for e in by_app.values()), Decimal(0)
                ),
            )
        )
    shown = tuple(
        sorted(
            (e for e in by_app.values() if e.register_burned or e.chain is not None),
            key=lambda e: e.application_no,
        )
    )
    return SupplyReport(size=size, emissions=shown, timeline=tuple(timeline))


def _dec(value: Decimal | None) -> str:
    return "" if value is None else dec_str(value)


def _int(value: int | None) -> str:
    return "" if value is None else str(value)


def supply_csv(report: SupplyReport) -> bytes:
    """The report as CSV (RFC 4180, CRLF, UTF-8): a row per emission, then the total. Only the
    log prefix goes in (no time of printing), so the same ``size`` gives the same bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 §2
    writer.writerow(CSV_COLUMNS)
    for e in report.emissions:
        c = e.chain
        writer.writerow(
            [
                e.key,
                e.application_no,
                e.name,
                e.symbol,
                e.partial_burns,
                e.unplaced_cancelled,
                e.register_burned,
                _dec(e.chain_burned),
                _dec(None if c is None else c.vas(c.locked)),
                _dec(None if c is None else c.vas(c.total_supply)),
                _dec(e.difference),
                _int(None if c is None else c.decimals),
                _int(None if c is None else c.chain_id),
                _int(None if c is None else c.block_number),
                "" if c is None else c.block_hash,
                _int(None if c is None else c.block_time),
                _int(None if c is None else c.scanned_to),
                _int(None if c is None else c.entry),
            ]
        )
    writer.writerow(
        [
            "TOTAL",
            "",
            f"log size {report.size}",
            "",
            report.partial_burns,
            report.unplaced_cancelled,
            report.register_burned,
            _dec(report.chain_burned),
            _dec(report.chain_locked),
            "",
            _dec(report.difference),
            *([""] * 7),
        ]
    )
    return out.getvalue().encode("utf-8")


def find_publication(
    entries: Sequence[tuple[int, Entry]], *, data: bytes
) -> tuple[int, ReportPublished]:
    """The ``report.published`` entry of the supply report ``data``, checked: its SHA-256 and
    length recorded in the log, and the same bytes recomputed from the entries below the size
    it records (``entries``: the log, oldest first, at least up to that size).

    Raises:
        VerificationError: no publication records this digest (expected: the latest recorded
            digest, actual: the file's), the length differs, or the entries give other bytes.
    """
    digest = hashlib.sha256(data).hexdigest()
    published = [
        (i, e) for i, e in entries if isinstance(e, ReportPublished) and e.report == SUPPLY_REPORT
    ]
    match = [(i, e) for i, e in published if e.sha256 == digest]
    if not match:
        raise VerificationError(
            "no report.published entry records this file's SHA-256",
            expected=published[-1][1].sha256 if published else "a report.published entry",
            actual=digest,
        )
    index, entry = match[-1]
    if entry.length != len(data):
        raise VerificationError(
            "the file's length differs from the published one",
            expected=entry.length,
            actual=len(data),
            where=f"entry {index}",
        )
    again = supply_csv(supply_report(entries, size=entry.size))
    if again != data:
        raise VerificationError(
            "the log does not give these bytes",
            expected=hashlib.sha256(again).hexdigest(),
            actual=digest,
            where=f"log size {entry.size}",
        )
    return index, entry
