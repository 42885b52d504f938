#!/usr/bin/env python3
"""Ledger benchmark: durable appends, proofs and `tamga check` on SQLite, side by side with pymerkle.

Usage:
    python scripts/bench_ledger.py --quick            # tiny sizes, < 2 minutes (smoke test)
    python scripts/bench_ledger.py --full --out docs/benchmarks.md   # the 10^6-entry runs

Every entry goes through the real write path: ``Ledger.append`` → ``Sequencer.integrate`` →
``apply_entry`` (the domain rules) → leaf encoding (RFC 8785) → RFC 9162 leaf and node hashes →
SQL inserts of the entry, its Merkle nodes and the projection rows, committed durably (SQLite WAL,
``synchronous=FULL``). The register is built from the sample filings in ``tests/data/filings``:
issuers and emissions are registered and brought to circulation, then the bulk of the journal is
a mix of lifecycle events that may repeat (partial burns, fee installments, issuer updates,
white-paper amendment requests and decisions). The peer is pymerkle's file-backed ``SqliteTree``
fed the very same leaf bytes, configured with the same journal mode and durability; plain
``hashlib`` SHA-256 over the same leaves is the physical limit of the hashing alone.

Time comes from a ``FixedClock``; the proof positions come from a seeded generator, so two runs
measure the same work.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime as dt
import gc
import hashlib
import io
import os
import platform
import pstats
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from eth_account import Account

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python scripts/bench_ledger.py` from anywhere
    sys.path.insert(0, str(ROOT))

from node.clock import FixedClock  # noqa: E402
from node.domain.calendar import kyrgyz_calendar  # noqa: E402
from node.domain.entries import (  # noqa: E402
    Document,
    DocumentType,
    EmissionFeePaid,
    EmissionPartialBurn,
    EmissionWhitepaperAmended,
    EmissionWhitepaperAmendmentRequested,
    Entry,
    IssuerUpdated,
    WhitePaper,
    encode_entry,
)
from node.domain.filings import parse_emission_filing, parse_issuer_filing  # noqa: E402
from node.domain.regno import RegNo  # noqa: E402
from node.ledger.check import check_ledger  # noqa: E402
from node.ledger.service import Ledger  # noqa: E402
from node.ledger.store import SqlLedgerStore  # noqa: E402
from node.merkle.hasher import hash_leaf  # noqa: E402
from node.merkle.tree import CompactRange, prove_consistency, prove_inclusion  # noqa: E402

FILINGS = ROOT / "tests" / "data" / "filings"
SIGNING_KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
"""A fixed, public test key: checkpoints in the benchmark ledger are signed with it."""
ORIGIN = "bench.tamga.kg"
SEED = 20260301

# The happy path of the digital-token sample (dates as in the domain's lifecycle tests).
REGISTERED_ON = dt.date(2026, 3, 16)
DISCLOSED_ON = dt.date(2026, 4, 30)
STARTED_ON = dt.date(2026, 5, 15)  # the 5th working day after 30 Apr 2026 (1-9 May holidays)
ENDED_ON = dt.date(2026, 7, 31)
REPORTED_ON = dt.date(2026, 8, 10)
RECOGNIZED_ON = dt.date(2026, 8, 20)
BULK_ON = dt.date(2026, 9, 1)
PLACED = 800_000
QUANTITY = 1_000_000

# The bulk mix, per cycle of 10 entries (all valid repeatedly in the CIRCULATING status):
# 4 partial burns of 1 VA (Reg. §45-46), 3 fee payments of 0.01 (Reg. §28), 1 issuer update
# (Reg. §62), 1 white-paper amendment request and 1 refusal of it (Reg. §7).
MIX: tuple[str, ...] = (
    "burn",
    "fee",
    "burn",
    "amend_request",
    "fee",
    "burn",
    "issuer_update",
    "amend_decision",
    "burn",
    "fee",
)


# ----------------------------------------------------------------------------------------------
# measurement helpers
# ----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Figure:
    """One measured quantity: samples (per run) and how to show them."""

    name: str
    unit: str
    samples: tuple[float, ...]
    higher_is_better: bool

    @property
    def median(self) -> float:
        """The median of the runs."""
        return statistics.median(self.samples)

    def show(self) -> str:
        """``median (min–max)`` with the unit, or the single value."""
        if len(self.samples) == 1:
            return f"{_fmt(self.samples[0])} {self.unit}"
        lo, hi = min(self.samples), max(self.samples)
        return f"{_fmt(self.median)} ({_fmt(lo)}–{_fmt(hi)}) {self.unit}"


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}"


@contextmanager
def _quiet_gc() -> Iterator[None]:
    """Collect before a timed section and keep the cyclic collector out of it."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


# ----------------------------------------------------------------------------------------------
# the register: issuers and emissions brought to circulation through the real Ledger API
# ----------------------------------------------------------------------------------------------


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((FILINGS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _at(day: dt.date) -> dt.datetime:
    """A recording instant on ``day``: 06:00 UTC is noon in Bishkek."""
    return dt.datetime(day.year, day.month, day.day, 6, tzinfo=dt.UTC)


def _doc(kind: DocumentType, day: dt.date, number: str) -> Document:
    return Document(type=kind, number=number, date=day, issued_by="Bench authority")


@dataclasses.dataclass
class _Emission:
    regno: str
    burn_left: int
    fee_cents_left: int
    whitepaper_sha: str
    amendments: int = 0
    pending: bool = False


@dataclasses.dataclass
class _Issuer:
    code: str
    addresses: tuple[str, str]
    updates: int = 0


class Workload:
    """A register in circulation on a ledger, and a generator of valid bulk entries for it."""

    def __init__(self, ledger: Ledger, clock: FixedClock) -> None:
        self.ledger = ledger
        self.clock = clock
        self.issuers: list[_Issuer] = []
        self.emissions: list[_Emission] = []
        self._cycle = 0
        self._next_emission = 0
        self._next_issuer = 0
        self._pending: list[_Emission] = []

    def setup(self, *, issuers: int, emissions_per_issuer: int) -> None:
        """Register issuers, file applications and walk each emission to circulation.

        Raises:
            RuleViolation: the sample data no longer passes the domain rules.
        """
        issuer_data = _load("issuer-legal-entity.yaml")
        emission_data = _load("emission-digital-token.yaml")
        self.clock.set(_at(dt.date(2026, 2, 2)))
        for i in range(issuers):
            filing = parse_issuer_filing({**issuer_data, "name": f"Bench Digital Assets {i} LLC"})
            code, _ = self.ledger.register_issuer(filing, effective_on=dt.date(2026, 2, 2))
            base = str(filing.legal_address)
            self.issuers.append(_Issuer(code=code, addresses=(base, base + ", floor 2")))
        filed_on = dt.date.fromisoformat(str(emission_data["documents_filed_on"]))
        self.clock.set(_at(filed_on))
        apps: list[tuple[str, _Issuer]] = []
        for issuer in self.issuers:
            for _ in range(emissions_per_issuer):
                filing = parse_emission_filing({**emission_data, "issuer": issuer.code})
                app, _ = self.ledger.file_application(filing)
                apps.append((app, issuer))
        serial: dict[str, int] = {}
        regnos: list[str] = []
        self.clock.set(_at(REGISTERED_ON))
        for app, issuer in apps:
            serial[issuer.code] = serial.get(issuer.code, 0) + 1
            regno = str(
                RegNo.build(
                    va_type=filing.va_type,
                    serial=serial[issuer.code],
                    issuer_code=issuer.code,
                    region=filing_region(issuer_data),
                )
            )
            self._event(
                "registered",
                app,
                REGISTERED_ON,
                {"regno": regno, "basis": _doc(DocumentType.AUTHORITY_DECISION, REGISTERED_ON, "R1")},
            )
            regnos.append(regno)
        share = f"{PLACED * 100 / QUANTITY:.2f}"
        steps: list[tuple[str, dt.date, dict[str, Any]]] = [
            ("offer_disclosed", DISCLOSED_ON, {"uri": "https://bench.example/offer"}),
            ("placement_started", STARTED_ON, {"venue": "Bench Exchange"}),
            ("placement_ended", ENDED_ON, {}),
            (
                "results_reported",
                REPORTED_ON,
                {
                    "actual_start": STARTED_ON,
                    "actual_end": ENDED_ON,
                    "placed": str(PLACED),
                    "prices": ["10.00"],
                    "proceeds": f"{PLACED * 10}.00",
                    "share_placed_pct": share,
                },
            ),
            (
                "recognized_successful",
                RECOGNIZED_ON,
                {"basis": _doc(DocumentType.AUTHORITY_DECISION, RECOGNIZED_ON, "S1")},
            ),
        ]
        for kind, on, data in steps:
            self.clock.set(_at(on))
            for regno in regnos:
                self._event(kind, regno, on, data)
        for regno in regnos:
            state = self.ledger.emission(regno)
            self.emissions.append(
                _Emission(
                    regno=regno,
                    burn_left=state.circulating,
                    fee_cents_left=int(state.fee_outstanding * 100),
                    whitepaper_sha=state.whitepaper.sha256,
                )
            )
        self.clock.set(_at(BULK_ON))

    def _event(self, kind: str, emission: str, on: dt.date, data: dict[str, Any]) -> None:
        loose = {k: (v.model_dump() if isinstance(v, Document) else v) for k, v in data.items()}
        self.ledger.record_event(
            kind=f"emission.{kind}", emission=emission, data=loose, effective_on=on
        )

    def entries(self, count: int) -> list[Entry]:
        """The next ``count`` bulk entries (each valid after the ones before it).

        Raises:
            RuntimeError: the register's budget of burns or fee payments is exhausted.
        """
        out: list[Entry] = []
        for _ in range(count):
            out.append(self._next())
        return out

    def _next(self) -> Entry:
        step = MIX[self._cycle % len(MIX)]
        self._cycle += 1
        now = self.clock.now()
        on = BULK_ON
        if step == "amend_decision" and self._pending:
            e = self._pending.pop(0)
            e.pending = False
            return EmissionWhitepaperAmended(
                emission=e.regno,
                recorded_at=now,
                effective_on=on,
                basis=_doc(DocumentType.AUTHORITY_DECISION, on, f"WP-{e.amendments}"),
                consented=False,
                reason="The amended white paper changes the holders' rights without their consent.",
            )
        if step == "issuer_update":
            issuer = self.issuers[self._next_issuer % len(self.issuers)]
            self._next_issuer += 1
            issuer.updates += 1
            return IssuerUpdated(
                issuer=issuer.code,
                recorded_at=now,
                effective_on=on,
                legal_address=issuer.addresses[issuer.updates % 2],
            )
        e = self._emission(step)
        if step == "amend_request":
            e.pending = True
            e.amendments += 1
            self._pending.append(e)
            sha = hashlib.sha256(f"{e.regno} white paper draft {e.amendments}".encode()).hexdigest()
            return EmissionWhitepaperAmendmentRequested(
                emission=e.regno,
                recorded_at=now,
                effective_on=on,
                whitepaper=WhitePaper(
                    version=f"1.{e.amendments}",
                    sha256=sha,
                    uri=f"https://bench.example/whitepaper-1.{e.amendments}.pdf",
                ),
                summary="Extends the circulation terms to a second exchange.",
            )
        if step == "fee":
            e.fee_cents_left -= 1
            return EmissionFeePaid(emission=e.regno, recorded_at=now, effective_on=on, amount=Decimal("0.01"))
        e.burn_left -= 1
        tx = "0x" + hashlib.sha256(f"{e.regno} burn {e.burn_left}".encode()).hexdigest()
        return EmissionPartialBurn(
            emission=e.regno,
            recorded_at=now,
            effective_on=on,
            basis=_doc(DocumentType.ISSUER_DECISION, on, f"B-{e.burn_left}"),
            amount=1,
            tx_hashes=(tx,),
        )

    def _emission(self, step: str) -> _Emission:
        for _ in range(len(self.emissions)):
            e = self.emissions[self._next_emission % len(self.emissions)]
            self._next_emission += 1
            if step == "amend_request" and e.pending:
                continue
            if step == "fee" and e.fee_cents_left <= 0:
                continue
            if step == "burn" and e.burn_left <= 0:
                continue
            return e
        raise RuntimeError(f"the register has no emission left for another {step!r} entry")


def filing_region(issuer_data: dict[str, Any]) -> Any:
    """The region of the sample issuer."""
    return parse_issuer_filing(issuer_data).region
