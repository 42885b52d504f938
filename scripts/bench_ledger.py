#!/usr/bin/env python3
"""Ledger benchmark: durable appends, proofs and `tamga check` on SQLite, beside pymerkle.

Usage:
    python scripts/bench_ledger.py --quick                  # tiny sizes, well under 2 minutes
    python scripts/bench_ledger.py --full --out docs/benchmarks.md   # the 10^6-entry runs
    python scripts/bench_ledger.py --quick --profile        # add where the append time goes

Every entry takes the real write path: ``Ledger.append`` → ``Sequencer.integrate`` →
``apply_entry`` (the domain rules) → leaf encoding (RFC 8785) → RFC 9162 leaf and node hashes →
SQL inserts of the entry, its Merkle nodes and the projection rows, committed durably (SQLite WAL,
``synchronous=FULL``). The register is built from the sample filings in ``tests/data/filings``:
issuers are registered, emissions filed and walked to circulation through the Ledger API; the bulk
of the journal is then a mix of lifecycle events that may repeat (partial burns, fee payments,
issuer updates, white-paper amendment requests and their refusals). The peer is pymerkle's
file-backed ``SqliteTree``, fed the very same leaf bytes, with the same journal mode and
durability; plain ``hashlib`` SHA-256 over the same leaves is the floor set by hashing alone.

Time comes from a ``FixedClock``; proof positions come from a seeded generator, so two runs do
the same work.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime as dt
import gc
import hashlib
import importlib.metadata
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from eth_account import Account

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python scripts/bench_ledger.py` from anywhere
    sys.path.insert(0, str(ROOT))

from node.clock import FixedClock  # noqa: E402
from node.domain.entries import (  # noqa: E402
    DocumentType,
    EmissionFeePaid,
    EmissionPartialBurn,
    EmissionWhitepaperAmended,
    EmissionWhitepaperAmendmentRequested,
    Entry,
    IssuerUpdated,
    WhitePaper,
)
from node.domain.filings import parse_emission_filing, parse_issuer_filing  # noqa: E402
from node.domain.regno import RegNo  # noqa: E402
from node.ledger.check import check_ledger  # noqa: E402
from node.ledger.service import Ledger  # noqa: E402
from node.ledger.store import SqlLedgerStore  # noqa: E402
from node.merkle.hasher import hash_leaf  # noqa: E402
from node.merkle.tree import CompactRange, prove_consistency, prove_inclusion  # noqa: E402
from node.merkle.verify import verify_consistency, verify_inclusion  # noqa: E402
from node.state import state_leaf  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
import bench_common as common  # noqa: E402

FILINGS = ROOT / "tests" / "data" / "filings"
SIGNING_KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
"""A fixed, publicly known test key: the benchmark ledger's checkpoints are signed with it."""
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

# The bulk mix, per cycle of 10 entries, all valid again and again in the CIRCULATING status:
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

BEGIN = "<!-- bench_ledger: begin (scripts/bench_ledger.py rewrites this section) -->"
END = "<!-- bench_ledger: end -->"

TARGET_BATCH_RATE = 20_000.0
TARGET_SINGLE_RATE = 2_000.0
TARGET_PROOF_MS = 1.0
TARGET_CHECK_S = 60.0
TARGET_SIZE = 1_000_000
SQLITE_PEER = "pymerkle 7 SqliteTree"
MEMORY_PEER = "pymerkle 7 InmemoryTree"


@dataclasses.dataclass(frozen=True)
class Sizes:
    """How much work each measurement does.

    The log grows in batches of ``bulk_batch`` to every size in ``milestones`` and then to
    ``total``; at each of them, proofs, `tamga check`, single-entry and batched appends are
    measured (the points of the growth plots); the figures at ``total`` are the results.
    """

    issuers: int
    emissions_per_issuer: int
    single_runs: int
    single_per_run: int
    batch_runs: int
    batch_size: int
    total: int
    milestones: tuple[int, ...]
    bulk_batch: int
    checkpoint_every: int
    proof_samples: int
    peer_proof_budget_s: float
    check_runs: int
    hash_runs: int


QUICK = Sizes(
    issuers=2,
    emissions_per_issuer=2,
    single_runs=3,
    single_per_run=50,
    batch_runs=3,
    batch_size=1_000,
    total=10_000,
    milestones=(1_000,),
    bulk_batch=5_000,
    checkpoint_every=5_000,
    proof_samples=100,
    peer_proof_budget_s=2.0,
    check_runs=1,
    hash_runs=3,
)
FULL = Sizes(
    issuers=12,
    emissions_per_issuer=2,
    single_runs=7,
    single_per_run=400,
    batch_runs=10,
    batch_size=1_000,
    total=TARGET_SIZE,
    milestones=(1_000, 10_000, 100_000),
    bulk_batch=5_000,
    checkpoint_every=100_000,
    proof_samples=1_000,
    peer_proof_budget_s=30.0,
    check_runs=1,
    hash_runs=7,
)


# ----------------------------------------------------------------------------------------------
# figures
# ----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Figure:
    """One measured quantity: one sample per run (or per call, for latencies)."""

    samples: tuple[float, ...]
    unit: str

    @property
    def median(self) -> float:
        """The median sample."""
        return statistics.median(self.samples)

    def show(self) -> str:
        """``median (min–max) unit``, or the single value."""
        if len(self.samples) == 1:
            return f"{_num(self.samples[0])} {self.unit}"
        low, high = min(self.samples), max(self.samples)
        return f"{_num(self.median)} ({_num(low)}–{_num(high)}) {self.unit}"


def _num(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}"


@dataclasses.dataclass(frozen=True)
class Row:
    """One line of the results table."""

    what: str
    ours: Figure
    peer: Figure | None = None
    higher_is_better: bool = True
    target: float | None = None
    target_text: str = ""
    peer_name: str = SQLITE_PEER
    memory: Figure | None = None
    """The same quantity for pymerkle's InmemoryTree (not durable: a second, looser peer)."""
    key: str = ""
    issue_target: str | None = None

    def ratio(self, peer: Figure | None = None) -> str:
        """How many times better (>1) or worse (<1) than the peer, on medians."""
        peer = peer or self.peer
        if peer is None:
            return "—"
        if self.higher_is_better:
            value = self.ours.median / peer.median
        else:
            value = peer.median / self.ours.median
        return f"{value:.2f}×"

    def to_figure(self, *, at: str) -> common.Figure:
        """The row as a scripts/bench.py figure (the durable SqliteTree is the peer)."""
        target = None
        if self.target is not None:
            op: common.Op = ">=" if self.higher_is_better else "<"
            target = common.Target(op, self.target, self.target_text)
        return common.figure(
            self.key,
            self.what,
            self.ours.unit,
            self.ours.samples,
            higher_is_better=self.higher_is_better,
            peer_name=self.peer_name if self.peer is not None else None,
            peer=self.peer.samples if self.peer is not None else None,
            target=target,
            issue_target=self.issue_target,
            at=at,
        )

    def verdict(self) -> str:
        """Whether the median meets the target, and by how much."""
        if self.target is None:
            return "—"
        m = self.ours.median
        if self.higher_is_better:
            if m >= self.target:
                return f"met (+{(m / self.target - 1) * 100:.0f}%)"
            return f"**missed** (−{(1 - m / self.target) * 100:.0f}%; needs {self.target / m:.1f}×)"
        if m < self.target:
            return f"met ({self.target / m:.1f}× under)"
        return f"**missed** (+{(m / self.target - 1) * 100:.0f}%; needs {m / self.target:.1f}×)"


@contextmanager
def _no_gc() -> Iterator[None]:
    """Collect before a timed section and keep the cyclic collector out of it."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


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


def _doc(kind: DocumentType, day: dt.date, number: str) -> dict[str, Any]:
    return {"type": kind.value, "number": number, "date": day, "issued_by": "Bench authority"}


@dataclasses.dataclass
class _Emission:
    regno: str
    burn_left: int
    fee_cents_left: int
    amendments: int = 0
    pending: bool = False


@dataclasses.dataclass
class _Issuer:
    code: str
    addresses: tuple[str, str]
    updates: int = 0


class Workload:
    """A register in circulation on a ledger, and a source of valid bulk entries for it."""

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
        """Register issuers, file applications and walk every emission to circulation.

        Raises:
            RuleViolation: the sample filings no longer pass the domain rules.
        """
        issuer_data = _load("issuer-legal-entity.yaml")
        emission_data = _load("emission-digital-token.yaml")
        joined = dt.date(2026, 2, 2)
        self.clock.set(_at(joined))
        for i in range(issuers):
            filing = parse_issuer_filing({**issuer_data, "name": f"Bench Digital Assets {i} LLC"})
            code, _ = self.ledger.register_issuer(filing, effective_on=joined)
            base = filing.legal_address
            self.issuers.append(_Issuer(code=code, addresses=(base, base + ", floor 2")))
        region = parse_issuer_filing(issuer_data).region
        apps: list[tuple[str, _Issuer]] = []
        filed_on = parse_emission_filing(emission_data).documents_filed_on
        self.clock.set(_at(filed_on))
        for issuer in self.issuers:
            for _ in range(emissions_per_issuer):
                application = parse_emission_filing({**emission_data, "issuer": issuer.code})
                app, _ = self.ledger.file_application(application)
                apps.append((app, issuer))
        serials: dict[str, int] = collections.Counter()
        regnos: list[str] = []
        self.clock.set(_at(REGISTERED_ON))
        for app, issuer in apps:
            serials[issuer.code] += 1
            number = RegNo.build(
                va_type=parse_emission_filing(emission_data).va_type,
                serial=serials[issuer.code],
                issuer_code=issuer.code,
                region=region,
            )
            basis = _doc(DocumentType.AUTHORITY_DECISION, REGISTERED_ON, "R-1")
            self._event("registered", app, REGISTERED_ON, {"regno": str(number), "basis": basis})
            regnos.append(str(number))
        quantity = int(emission_data["quantity"])
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
                    "share_placed_pct": f"{Decimal(PLACED * 100) / quantity:.2f}",
                },
            ),
            (
                "recognized_successful",
                RECOGNIZED_ON,
                {"basis": _doc(DocumentType.AUTHORITY_DECISION, RECOGNIZED_ON, "S-1")},
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
                )
            )
        self.clock.set(_at(BULK_ON))

    def _event(self, kind: str, emission: str, on: dt.date, data: dict[str, Any]) -> None:
        self.ledger.record_event(
            kind=f"emission.{kind}", emission=emission, data=data, effective_on=on
        )

    def entries(self, count: int) -> list[Entry]:
        """The next ``count`` bulk entries, each valid after the ones before it.

        Raises:
            RuntimeError: the register has run out of VAs to burn or fee to pay.
        """
        return [self._next() for _ in range(count)]

    def _next(self) -> Entry:
        step = MIX[self._cycle % len(MIX)]
        self._cycle += 1
        now = self.clock.now()
        on = BULK_ON
        if step == "amend_decision" and self._pending:
            e = self._pending.pop(0)
            e.pending = False
            return EmissionWhitepaperAmended.model_validate(
                {
                    "emission": e.regno,
                    "recorded_at": now,
                    "effective_on": on,
                    "basis": _doc(DocumentType.AUTHORITY_DECISION, on, f"WP-{e.amendments}"),
                    "consented": False,
                    "reason": "The amendment would change the holders' rights without consent.",
                }
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
            version = f"1.{e.amendments}"
            digest = hashlib.sha256(f"{e.regno} white paper {version}".encode()).hexdigest()
            return EmissionWhitepaperAmendmentRequested(
                emission=e.regno,
                recorded_at=now,
                effective_on=on,
                whitepaper=WhitePaper(
                    version=version,
                    sha256=digest,
                    uri=f"https://bench.example/whitepaper-{version}.pdf",
                ),
                summary="Adds a second exchange to the circulation terms.",
            )
        if step == "fee":
            e.fee_cents_left -= 1
            return EmissionFeePaid(
                emission=e.regno, recorded_at=now, effective_on=on, amount=Decimal("0.01")
            )
        e.burn_left -= 1
        tx = "0x" + hashlib.sha256(f"{e.regno} burn {e.burn_left}".encode()).hexdigest()
        return EmissionPartialBurn.model_validate(
            {
                "emission": e.regno,
                "recorded_at": now,
                "effective_on": on,
                "basis": _doc(DocumentType.ISSUER_DECISION, on, f"B-{e.burn_left}"),
                "amount": "1",
                "tx_hashes": [tx],
            }
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
        raise RuntimeError(f"no emission can take another {step!r} entry; add emissions")


# ----------------------------------------------------------------------------------------------
# the systems under test
# ----------------------------------------------------------------------------------------------


def open_ledger(path: Path, clock: FixedClock) -> Ledger:
    """A new, initialised ledger in a SQLite file (WAL, synchronous=FULL: see node.ledger.db)."""
    store = SqlLedgerStore.from_url(f"sqlite:///{path}")
    ledger = Ledger(store=store, clock=clock, origin=ORIGIN, signer=Account.from_key(SIGNING_KEY))
    ledger.initialize()
    return ledger


class Peer:
    """pymerkle's file-backed SqliteTree with the ledger's durability (WAL, synchronous=FULL)."""

    def __init__(self, path: Path) -> None:
        from pymerkle import SqliteTree

        self.tree = SqliteTree(str(path), algorithm="sha256")
        self.tree.con.execute("PRAGMA journal_mode=WAL")
        self.tree.con.execute("PRAGMA synchronous=FULL")

    def append_one(self, leaf: bytes) -> None:
        """One leaf, one transaction (pymerkle commits each ``append_entry``)."""
        self.tree.append_entry(leaf)

    def append_many(self, leaves: Sequence[bytes]) -> None:
        """One batch, one transaction."""
        self.tree.append_entries(leaves)

    def size(self) -> int:
        """Number of leaves."""
        return int(self.tree.get_size())

    def root(self) -> bytes:
        """The current root (RFC 9162 with pymerkle's default 0x00/0x01 prefixes)."""
        return bytes(self.tree.get_root())

    def close(self) -> None:
        """Close the database."""
        self.tree.close()


class MemoryPeer:
    """pymerkle's InmemoryTree: every node an object in memory, nothing durable."""

    def __init__(self) -> None:
        from pymerkle import InmemoryTree

        self.tree = InmemoryTree(algorithm="sha256")

    def append_one(self, leaf: bytes) -> None:
        """One leaf."""
        self.tree.append_entry(leaf)

    def append_many(self, leaves: Sequence[bytes]) -> None:
        """A batch of leaves."""
        self.tree.append_entries(leaves)

    def size(self) -> int:
        """Number of leaves."""
        return int(self.tree.get_size())

    def root(self) -> bytes:
        """The current root."""
        return bytes(self.tree.get_root())


# ----------------------------------------------------------------------------------------------
# the measurements
# ----------------------------------------------------------------------------------------------


def _growth_series() -> dict[str, common.Series]:
    size = "log size (entries)"
    return {
        "single": common.Series(
            "append_single",
            "Durable appends, one entry per transaction",
            size,
            "entries/s",
        ),
        "batch": common.Series(
            "append_batched", "Durable appends, 1,000 entries per transaction", size, "entries/s"
        ),
        "inclusion": common.Series("proof_inclusion", "Inclusion proof", size, "ms per proof"),
        "consistency": common.Series(
            "proof_consistency", "Consistency proof", size, "ms per proof"
        ),
        "check": common.Series("check_time", "`tamga check` of the whole log", size, "s"),
    }


@dataclasses.dataclass
class Results:
    """Everything measured in one run."""

    mode: str
    sizes: Sizes
    rows: list[Row] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    leaf_sizes: Figure | None = None
    size: int = 0
    database_mb: float = 0.0
    peer_database_mb: float = 0.0
    profile: list[str] = dataclasses.field(default_factory=list)
    series: dict[str, common.Series] = dataclasses.field(default_factory=_growth_series)
    grow_ours: list[float] = dataclasses.field(default_factory=list)
    grow_theirs: list[float] = dataclasses.field(default_factory=list)
    grow_memory: list[float] = dataclasses.field(default_factory=list)
    grow_seconds: list[float] = dataclasses.field(default_factory=lambda: [0.0, 0.0, 0.0])
    grown: int = 0

    def figures(self) -> list[common.Figure]:
        """The rows as scripts/bench.py figures."""
        return [row.to_figure(at=f"log of {self.size:,} entries") for row in self.rows if row.key]


def measure(sizes: Sizes, workdir: Path, *, mode: str) -> Results:
    """Grow a fresh ledger and both peer trees to every milestone, measuring at each.

    Raises:
        RuleViolation: a generated entry broke a domain rule (a bug in this script).
        VerificationError: a proof or the peer's root disagreed with the ledger.
    """
    results = Results(mode=mode, sizes=sizes)
    clock = FixedClock(_at(dt.date(2026, 2, 2)))
    ledger = open_ledger(workdir / "ledger.sqlite", clock)
    peer = Peer(workdir / "pymerkle.sqlite")
    memory = MemoryPeer()
    try:
        work = Workload(ledger, clock)
        work.setup(issuers=sizes.issuers, emissions_per_issuer=sizes.emissions_per_issuer)
        first = [record.leaf for record in ledger.entries()]
        peer.append_many(first)
        memory.append_many(first)
        _log(f"register ready: {ledger.head()[0]} entries, {len(work.emissions)} emissions")
        milestones = [m for m in sizes.milestones if m < sizes.total] + [sizes.total]
        leaves: list[bytes] = []
        for milestone in milestones:
            final = milestone == sizes.total
            _grow(results, sizes, ledger, (peer, memory), work, until=milestone)
            size, root = ledger.head()
            if final:
                results.size = size
            for tree in (peer, memory):
                if tree.size() != size or tree.root() != root:
                    raise RuntimeError(f"{type(tree).__name__}'s tree differs from the ledger's")
            _proofs(results, sizes, ledger, peer, memory, final=final)
            _check(results, sizes, ledger, final=final)
            leaves = _appends(results, sizes, ledger, (peer, memory), work, final=final)
        if results.grow_ours:
            results.rows.append(
                Row(
                    what=(
                        f"Durable appends, {sizes.bulk_batch:,} per transaction, "
                        f"growing the log to {sizes.total:,}"
                    ),
                    ours=Figure(tuple(results.grow_ours), "entries/s"),
                    peer=Figure(tuple(results.grow_theirs), "entries/s"),
                    memory=Figure(tuple(results.grow_memory), "entries/s"),
                    target=TARGET_BATCH_RATE,
                    target_text=f"≥ {TARGET_BATCH_RATE:,.0f} entries/s",
                    key="append_growing",
                )
            )
            ours_s, peer_s, memory_s = results.grow_seconds
            grown = results.grown
            results.notes.append(
                f"Growing the log: {grown:,} entries took {ours_s:,.1f} s in the ledger "
                f"({grown / ours_s:,.0f} entries/s overall), {peer_s:,.1f} s in pymerkle's "
                f"SqliteTree ({grown / peer_s:,.0f}/s) and {memory_s:,.1f} s in its InmemoryTree "
                f"({grown / memory_s:,.0f}/s)."
            )
        _hashing(results, sizes, leaves)
        order = ["append_single", "append_batched", "append_growing", "hashlib_leaves"]
        order += ["hashlib_tree", "proof_inclusion", "proof_consistency", "", "check", "check_cpu"]
        results.rows.sort(key=lambda row: order.index(row.key))
        _check_state_leaves(ledger)
        results.database_mb = _file_mb(workdir / "ledger.sqlite")
        results.peer_database_mb = _file_mb(workdir / "pymerkle.sqlite")
    finally:
        peer.close()
        ledger.close()
    return results


def _file_mb(path: Path) -> float:
    total = 0
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(f"{path}{suffix}")
        if candidate.exists():
            total += candidate.stat().st_size
    return total / 1e6


def _appends(
    results: Results,
    sizes: Sizes,
    ledger: Ledger,
    peers: tuple[Peer, MemoryPeer],
    work: Workload,
    *,
    final: bool,
) -> list[bytes]:
    """Single-entry and batched appends, interleaved run by run with both peers.

    Below 10,000 entries the runs are shorter (at most a tenth of the log per single-entry run,
    three batched runs), so that the log stays near the size the point is plotted at.
    """
    peer, memory = peers
    at = ledger.head()[0]
    per_run = min(sizes.single_per_run, max(50, at // 10))
    batch_runs = sizes.batch_runs if at >= 10_000 else min(3, sizes.batch_runs)
    single: list[float] = []
    single_peer: list[float] = []
    single_memory: list[float] = []
    leaves: list[bytes] = []
    for _ in range(sizes.single_runs):
        entries = work.entries(per_run)
        written: list[bytes] = []

        def ours(batch: list[Entry] = entries, out: list[bytes] = written) -> None:
            for entry in batch:
                out.append(ledger.append([entry]).entries[0].leaf)

        with _no_gc():
            single.append(len(entries) / _timed(ours))

        def theirs(batch: list[bytes] = written, tree: Peer | MemoryPeer = peer) -> None:
            for leaf in batch:
                tree.append_one(leaf)

        with _no_gc():
            single_peer.append(len(written) / _timed(theirs))
        with _no_gc():
            single_memory.append(len(written) / _timed(partial(theirs, tree=memory)))
        leaves.extend(written)
    _log(f"single appends at {at:,}: median {statistics.median(single):,.0f}/s")
    batch: list[float] = []
    batch_peer: list[float] = []
    batch_memory: list[float] = []
    for _ in range(batch_runs):
        entries = work.entries(sizes.batch_size)
        out: list[bytes] = []

        def ours_batch(items: list[Entry] = entries, out: list[bytes] = out) -> None:
            out.extend(record.leaf for record in ledger.append(items).entries)

        with _no_gc():
            batch.append(len(entries) / _timed(ours_batch))
        with _no_gc():
            batch_peer.append(len(out) / _timed(partial(peer.append_many, out)))
        with _no_gc():
            batch_memory.append(len(out) / _timed(partial(memory.append_many, out)))
        leaves.extend(out)
    _log(f"batched appends at {at:,}: median {statistics.median(batch):,.0f}/s")
    for key, values, goal in (
        ("single", (single, single_peer, single_memory), TARGET_SINGLE_RATE),
        ("batch", (batch, batch_peer, batch_memory), TARGET_BATCH_RATE),
    ):
        for name, samples in zip(("Tamga", SQLITE_PEER, MEMORY_PEER), values, strict=True):
            results.series[key].add(name, at, samples)
        results.series[key].hlines[f"target: ≥ {goal:,.0f} entries/s"] = goal
    if not final:
        return leaves
    results.rows.append(
        Row(
            what=f"Durable appends, 1 entry per transaction, at {at:,} entries",
            ours=Figure(tuple(single), "entries/s"),
            peer=Figure(tuple(single_peer), "entries/s"),
            memory=Figure(tuple(single_memory), "entries/s"),
            target=TARGET_SINGLE_RATE,
            target_text=f"≥ {TARGET_SINGLE_RATE:,.0f} entries/s",
            key="append_single",
            issue_target="append-single",
        )
    )
    results.rows.append(
        Row(
            what=(
                f"Durable appends, {sizes.batch_size:,} entries per transaction, at {at:,} entries"
            ),
            ours=Figure(tuple(batch), "entries/s"),
            peer=Figure(tuple(batch_peer), "entries/s"),
            memory=Figure(tuple(batch_memory), "entries/s"),
            target=TARGET_BATCH_RATE,
            target_text=f"≥ {TARGET_BATCH_RATE:,.0f} entries/s",
            key="append_batched",
            issue_target="append-batched",
        )
    )
    results.leaf_sizes = Figure(tuple(float(len(leaf)) for leaf in leaves), "bytes")
    return leaves


def _hashing(results: Results, sizes: Sizes, leaves: Sequence[bytes]) -> None:
    """SHA-256 of the same leaves: leaf hashes alone, then leaf and interior node hashes."""
    sha256 = hashlib.sha256
    leaf_rates: list[float] = []
    tree_rates: list[float] = []
    for _ in range(sizes.hash_runs):

        def leaf_only() -> None:
            for leaf in leaves:
                sha256(b"\x00" + leaf).digest()

        with _no_gc():
            leaf_rates.append(len(leaves) / _timed(leaf_only))
        with _no_gc():
            tree_rates.append(
                len(leaves)
                / _timed(lambda: CompactRange.empty().extend(hash_leaf(leaf) for leaf in leaves))
            )
    results.rows.append(
        Row(
            what="hashlib SHA-256 of the same leaves (leaf hash only)",
            ours=Figure(tuple(leaf_rates), "entries/s"),
            key="hashlib_leaves",
        )
    )
    results.rows.append(
        Row(
            what="… plus every RFC 9162 interior node (CompactRange, in memory)",
            ours=Figure(tuple(tree_rates), "entries/s"),
            key="hashlib_tree",
        )
    )
    limit = statistics.median(leaf_rates)
    for series in (results.series["single"], results.series["batch"]):
        series.hlines["hashlib SHA-256 of the leaves (limit)"] = limit
    for row in results.rows:
        if row.key in ("append_single", "append_batched", "append_growing"):
            results.notes.append(
                f"{row.what}: {row.ours.median / limit * 100:.2f}% of hashlib's SHA-256 rate over "
                f"the same leaves ({row.ours.median / statistics.median(tree_rates) * 100:.1f}% "
                "with every interior node hashed)."
            )


def _grow(
    results: Results,
    sizes: Sizes,
    ledger: Ledger,
    peers: tuple[Peer, MemoryPeer],
    work: Workload,
    *,
    until: int,
) -> None:
    """Grow the log to ``until`` entries in batches, timing every batch (and the peers')."""
    peer, memory = peers
    size, _ = ledger.head()
    while size < until:
        count = min(sizes.bulk_batch, until - size)
        entries = work.entries(count)
        out: list[bytes] = []

        def append(items: list[Entry] = entries, out: list[bytes] = out) -> None:
            out.extend(record.leaf for record in ledger.append(items).entries)

        with _no_gc():
            seconds = _timed(append)
        with _no_gc():
            peer_seconds = _timed(partial(peer.append_many, out))
        with _no_gc():
            memory_seconds = _timed(partial(memory.append_many, out))
        before = size
        size += count
        results.grown += count
        for k, spent in enumerate((seconds, peer_seconds, memory_seconds)):
            results.grow_seconds[k] += spent
        if count == sizes.bulk_batch:  # only full batches make the "growing" row
            results.grow_ours.append(count / seconds)
            results.grow_theirs.append(count / peer_seconds)
            results.grow_memory.append(count / memory_seconds)
        if size // sizes.checkpoint_every > before // sizes.checkpoint_every or size >= until:
            ledger.cut_checkpoint()  # untimed: signed checkpoints, as a node cuts them
        if size // 100_000 > before // 100_000:
            _log(f"bulk: {size:,} entries, last batch {count / seconds:,.0f}/s")


def _proofs(
    results: Results, sizes: Sizes, ledger: Ledger, peer: Peer, memory: MemoryPeer, *, final: bool
) -> None:
    """Inclusion and consistency proofs at the current size: ours (checked) and the peers'."""
    size, root = ledger.head()
    rng = random.Random(SEED + size)
    indexes = [rng.randrange(size) for _ in range(sizes.proof_samples)]
    olds = [rng.randrange(1, size) for _ in range(sizes.proof_samples)]
    for index in indexes[:20]:
        proof = ledger.prove_inclusion(index)
        verify_inclusion(
            index=index, size=size, leaf_hash=proof.leaf_hash, proof=proof.proof, root=root
        )
    for old in olds[:20]:
        cons = ledger.prove_consistency(old)
        verify_consistency(size1=old, size2=size, root1=cons.root1, root2=root, proof=cons.proof)
    inclusion = _latencies([partial(ledger.prove_inclusion, i) for i in indexes])
    consistency = _latencies([partial(ledger.prove_consistency, m) for m in olds])
    with ledger.store.read() as reader:
        raw_inclusion = _latencies([partial(prove_inclusion, reader, i, size) for i in indexes])
        raw_consistency = _latencies([partial(prove_consistency, reader, m, size) for m in olds])
    peer_inclusion = _latencies(
        [partial(peer.tree.prove_inclusion, i + 1, size) for i in indexes],
        budget_s=sizes.peer_proof_budget_s,
    )
    peer_consistency = _latencies(
        [partial(peer.tree.prove_consistency, m, size) for m in olds],
        budget_s=sizes.peer_proof_budget_s,
    )
    memory_inclusion = _latencies(
        [partial(memory.tree.prove_inclusion, i + 1, size) for i in indexes],
        budget_s=sizes.peer_proof_budget_s,
    )
    memory_consistency = _latencies(
        [partial(memory.tree.prove_consistency, m, size) for m in olds],
        budget_s=sizes.peer_proof_budget_s,
    )
    _log(f"proofs at {size:,}: inclusion median {statistics.median(inclusion):.3f} ms")
    for key, values in (
        ("inclusion", (inclusion, peer_inclusion, memory_inclusion)),
        ("consistency", (consistency, peer_consistency, memory_consistency)),
    ):
        for name, samples in zip(("Tamga", SQLITE_PEER, MEMORY_PEER), values, strict=True):
            results.series[key].add(name, size, samples)
        results.series[key].hlines[f"target: < {TARGET_PROOF_MS:g} ms at 10^6"] = TARGET_PROOF_MS
    if not final:
        return
    target = f"median < {TARGET_PROOF_MS:g} ms"
    results.rows += [
        Row(
            what=f"Inclusion proof at {size:,} (Ledger.prove_inclusion: snapshot, proof, root)",
            ours=Figure(tuple(inclusion), "ms"),
            peer=Figure(tuple(peer_inclusion), "ms"),
            memory=Figure(tuple(memory_inclusion), "ms"),
            higher_is_better=False,
            target=TARGET_PROOF_MS,
            target_text=target,
            key="proof_inclusion",
            issue_target="proof-inclusion",
        ),
        Row(
            what=f"Consistency proof at {size:,} (Ledger.prove_consistency: proof and 2 roots)",
            ours=Figure(tuple(consistency), "ms"),
            peer=Figure(tuple(peer_consistency), "ms"),
            memory=Figure(tuple(memory_consistency), "ms"),
            higher_is_better=False,
            target=TARGET_PROOF_MS,
            target_text=target,
            key="proof_consistency",
            issue_target="proof-consistency",
        ),
        Row(
            what="Inclusion proof, store reader + node.merkle.tree, one open snapshot",
            ours=Figure(tuple(raw_inclusion), "ms"),
            peer=Figure(tuple(peer_inclusion), "ms"),
            memory=Figure(tuple(memory_inclusion), "ms"),
            higher_is_better=False,
        ),
        Row(
            what="Consistency proof, store reader + node.merkle.tree, one open snapshot",
            ours=Figure(tuple(raw_consistency), "ms"),
            peer=Figure(tuple(peer_consistency), "ms"),
            memory=Figure(tuple(memory_consistency), "ms"),
            higher_is_better=False,
        ),
    ]
    sampled = {
        "SqliteTree": (len(peer_inclusion), len(peer_consistency)),
        "InmemoryTree": (len(memory_inclusion), len(memory_consistency)),
    }
    for name, (inc, cons_count) in sampled.items():
        if inc < len(indexes) or cons_count < len(olds):
            results.notes.append(
                f"pymerkle's {name} proofs were sampled for at most "
                f"{sizes.peer_proof_budget_s:g} s each: {inc} inclusion and {cons_count} "
                f"consistency proofs (of {len(indexes)})."
            )


def _latencies(
    calls: Sequence[Callable[[], object]], *, budget_s: float | None = None
) -> list[float]:
    """Milliseconds per call, stopping early (after at least 20 calls) past ``budget_s``."""
    out: list[float] = []
    started = time.perf_counter()
    with _no_gc():
        for call in calls:
            out.append(_timed(call) * 1000)
            spent = time.perf_counter() - started
            if budget_s is not None and len(out) >= 20 and spent > budget_s:
                break
    return out


def _check_state_leaves(ledger: Ledger) -> None:
    """Every stored state-leaf hash equals node.state's encoding of the stored record."""
    with ledger.store.read() as reader:
        for row in reader.emission_rows():
            want = hash_leaf(state_leaf(row.state_key, json.loads(row.record)))
            if row.state_leaf_hash != want:
                raise RuntimeError(f"state leaf hash of {row.state_key} differs from node.state")


def _check(results: Results, sizes: Sizes, ledger: Ledger, *, final: bool) -> None:
    """`tamga check` over the whole ledger (several runs only at the final size)."""
    size, _ = ledger.head()
    signer = Account.from_key(SIGNING_KEY).address
    seconds: list[float] = []
    cpu: list[float] = []
    for _ in range(sizes.check_runs if final else 1):
        gc.collect()
        before = time.process_time()
        seconds.append(
            _timed(
                lambda: check_ledger(ledger.store, calendar=ledger.calendar, expected_signer=signer)
            )
        )
        cpu.append(time.process_time() - before)
    wall, spent = statistics.median(seconds), statistics.median(cpu)
    _log(f"check at {size:,}: {wall:.1f} s ({spent:.1f} s CPU)")
    results.series["check"].add("Tamga: tamga check (SQLite ledger)", size, seconds)
    if not final:
        return
    results.rows.append(
        Row(
            what=f"`tamga check` (check_ledger) over {size:,} entries",
            ours=Figure(tuple(seconds), "s"),
            higher_is_better=False,
            target=TARGET_CHECK_S,
            target_text=f"< {TARGET_CHECK_S:g} s",
            key="check",
            issue_target="check",
        )
    )
    results.rows.append(
        Row(
            what="… its CPU time (this process; the wall time's floor on a machine with load)",
            ours=Figure(tuple(cpu), "s"),
            higher_is_better=False,
            key="check_cpu",
        )
    )


# ----------------------------------------------------------------------------------------------
# profile: where the append time goes (py-spy when installed, else cProfile)
# ----------------------------------------------------------------------------------------------

# Buckets, first match wins, over samples inside Sequencer.integrate.
BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("commit (WAL fsync)", ("do_commit", "_commit_impl")),
    ("domain rules: apply_entry", ("apply_entry (",)),
    ("leaf encoding: encode_entry (pydantic dump + RFC 8785)", ("encode_entry (",)),
    ("projection rows: flush (to_record, RFC 8785, UPDATE)", ("flush (",)),
    ("SQL insert of entries", ("add_entries (",)),
    ("SQL insert of Merkle nodes", ("add_nodes (",)),
    ("reads: head, compact range, projection rows", ("lock_head (", ".load (", "_subject (")),
    ("Merkle hashing (leaf + nodes)", ("hash_leaf (", "CompactRange.append (")),
    ("transaction begin / pool / head update", ("write (", "write_transaction", "set_head (")),
)
SUB_BUCKETS: tuple[tuple[str, str, str], ...] = (
    ("apply_entry (", "replace (", "dataclasses.replace of EmissionState"),
    ("encode_entry (", "rfc8785", "RFC 8785 (rfc8785.dumps)"),
    ("flush (", "rfc8785", "RFC 8785 (rfc8785.dumps)"),
)


def profile_child(mode: str, workdir: Path) -> None:
    """The profiled workload: single or batched appends on a fresh ledger."""
    clock = FixedClock(_at(dt.date(2026, 2, 2)))
    ledger = open_ledger(workdir / f"profile-{mode}.sqlite", clock)
    work = Workload(ledger, clock)
    work.setup(issuers=2, emissions_per_issuer=2)
    if mode == "batch":
        for _ in range(20):
            ledger.append(work.entries(1_000))
    else:
        for entry in work.entries(2_000):
            ledger.append([entry])
    ledger.close()


def profile(results: Results, workdir: Path) -> None:
    """Run the append workloads under a sampling profiler and bucket the samples."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        results.profile.append("py-spy is not installed: no profile (`pip install py-spy`).")
        return
    for mode in ("batch", "single"):
        raw = workdir / f"profile-{mode}.txt"
        command = [
            spy, "record", "--idle", "--rate", "400", "--format", "raw", "--output", str(raw), "--",
            sys.executable, __file__, "--profile-child", mode, "--workdir", str(workdir),
        ]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
        results.profile += _buckets(raw, mode)


def _buckets(raw: Path, mode: str) -> list[str]:
    counts: collections.Counter[str] = collections.Counter()
    subs: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, n = line.rpartition(" ")
        frames = stack.split(";")
        if not any("Sequencer.integrate (" in f for f in frames):
            continue
        samples = int(n)
        total += samples
        for name, patterns in BUCKETS:
            if any(p in f for f in frames for p in patterns):
                counts[name] += samples
                break
        else:
            counts["other (SQLAlchemy statements, staging, bookkeeping)"] += samples
        for outer, inner, name in SUB_BUCKETS:
            at = next((k for k, f in enumerate(frames) if outer in f), None)
            if at is not None and any(inner in f for f in frames[at:]):
                subs[f"{outer.strip(' (')}: {name}"] += samples
    title = "batches of 1,000" if mode == "batch" else "one entry per transaction"
    lines = [f"**Appends, {title}** ({total:,} samples inside `Sequencer.integrate`):", ""]
    lines += ["| Where | Share of integrate |", "|---|---|"]
    for name, count in counts.most_common():
        lines.append(f"| {name} | {count / total * 100:.1f}% |")
    for name, count in sorted(subs.items()):
        lines.append(f"| ↳ of which {name} | {count / total * 100:.1f}% |")
    lines.append("")
    return lines


# ----------------------------------------------------------------------------------------------
# report
# ----------------------------------------------------------------------------------------------


def machine() -> list[tuple[str, str]]:
    """What the figures were measured on."""
    model = common.cpu_model()
    commit = "unknown"
    with suppress(OSError, subprocess.CalledProcessError):
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        ("CPU", model),
        ("Cores", f"{os.cpu_count()} (shared; load average at start {load})"),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("SQLAlchemy", importlib.metadata.version("sqlalchemy")),
        ("pydantic", importlib.metadata.version("pydantic")),
        ("rfc8785", importlib.metadata.version("rfc8785")),
        ("pymerkle", importlib.metadata.version("pymerkle")),
        ("Date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("Commit", commit),
    ]


def render(results: Results, info: list[tuple[str, str]], elapsed: float) -> str:
    """This script's section of docs/benchmarks.md, as Markdown between its markers."""
    s = results.sizes
    flag = "--full" if results.mode == "full" else "--quick"
    facts = dict(info)
    lines = [
        BEGIN,
        "## Ledger (`scripts/bench_ledger.py`)",
        "",
        f"Measured by `python scripts/bench_ledger.py {flag}` ({elapsed / 60:.1f} min) on "
        f"{facts['CPU']}, {facts['Cores']}; SQLite {facts['SQLite']}, SQLAlchemy "
        f"{facts['SQLAlchemy']}, pydantic {facts['pydantic']}, pymerkle {facts['pymerkle']}; "
        f"{facts['Date']}, commit {facts['Commit']}. Figures are the median of the runs with "
        "(min–max); latencies are per call.",
        "",
        "| Measurement | Tamga | pymerkle 7 `SqliteTree` | Tamga vs SqliteTree "
        "| pymerkle 7 `InmemoryTree` (not durable) | Tamga vs InmemoryTree | Target | Verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results.rows:
        peer = row.peer.show() if row.peer is not None else "—"
        memory = row.memory.show() if row.memory is not None else "—"
        lines.append(
            f"| {row.what} | {row.ours.show()} | {peer} | {row.ratio()} | {memory} | "
            f"{row.ratio(row.memory) if row.memory is not None else '—'} | "
            f"{row.target_text or '—'} | {row.verdict()} |"
        )
    lines.append("")
    if results.size < TARGET_SIZE:
        lines += [
            f"_The log reached {results.size:,} entries in this mode; the proof and check targets "
            f"are defined at {TARGET_SIZE:,} (`--full`)._",
            "",
        ]
    lines += ["Ratios compare medians: above 1× Tamga is faster than the peer.", ""]
    lines += [f"- {note}" for note in results.notes]
    if results.leaf_sizes is not None:
        lines.append(f"- Leaf sizes in the append runs: {results.leaf_sizes.show()}.")
    lines.append(
        f"- Database files at the end: ledger {results.database_mb:,.0f} MB (entries, Merkle "
        f"nodes, projection, checkpoints), pymerkle {results.peer_database_mb:,.0f} MB (leaves)."
    )
    milestones = ", ".join(f"{m:,}" for m in [*s.milestones, s.total] if m <= s.total)
    lines += [
        "",
        "### Method",
        "",
        f"- The register: {s.issuers} issuers (`tests/data/filings/issuer-legal-entity.yaml`), "
        f"{s.issuers * s.emissions_per_issuer} emissions "
        "(`emission-digital-token.yaml`) filed, registered and walked to circulation through "
        "`Ledger.register_issuer`, `file_application` and `record_event`.",
        "- The bulk, per 10 entries: 4 `emission.partial_burn` of 1 VA (issuer decision as "
        "basis, one tx hash), 3 `emission.fee_paid` of 0.01, 1 `issuer.updated` (address), 1 "
        "`emission.whitepaper_amendment_requested` and 1 `emission.whitepaper_amended` (refused). "
        "Entries are built before the timed section; the timed part is `Ledger.append`: the "
        "domain rules, leaf encoding, hashing, SQL writes and the durable commit.",
        f"- The log grows in batches of {s.bulk_batch:,} (every batch timed) to each of "
        f"{milestones} entries, with a signed checkpoint every {s.checkpoint_every:,} entries "
        "(not timed). At each size, in this order: proofs, `tamga check`, then "
        f"{s.single_runs} runs of single-entry appends ({s.single_per_run} each; below 10^4 a "
        f"tenth of the log) and {s.batch_runs} runs of {s.batch_size:,}-entry batches (3 below "
        "10^4); those are the points of the growth plots, the last size gives the table. Each "
        "run of the ledger is followed by the same leaves appended to both pymerkle trees, so "
        "noise hits all three alike.",
        "- SQLite for the ledger and `SqliteTree`: WAL, `synchronous=FULL` (every acknowledged "
        "commit survives power loss). pymerkle commits each `append_entry`, and "
        "`append_entries` once per batch. `InmemoryTree` keeps every node as a Python object "
        "and writes nothing: it is the bound for a log that forgets everything on a crash.",
        f"- Proofs: {s.proof_samples:,} seeded random positions at each size; the first 20 "
        "of ours are verified with `node.merkle.verify`, and both peers' roots must equal ours. "
        "pymerkle computes subtree roots from its leaves (with an LRU cache), so its latency "
        "depends on the cache warmth; it ran after ours, in the same process.",
        "- hashlib rows: the same leaf bytes, hashed in memory — the floor for any RFC 9162 log "
        "in CPython on this machine; the notes give the fraction of it the appends reach.",
        "- The garbage collector is run before and paused during each timed section.",
        "",
    ]
    if results.profile:
        lines += ["### Where the append time goes", "", *results.profile]
    lines.append(END)
    return "\n".join(lines).rstrip() + "\n"


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the section, write it into ``--out`` and figures into ``--json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="tiny sizes (the default)")
    group.add_argument("--full", action="store_true", help="the 10^6-entry runs (5-10 min)")
    parser.add_argument("--size", type=int, help="override the final log size")
    parser.add_argument("--out", type=Path, help="replace this script's section of this file")
    parser.add_argument("--json", type=Path, help="write the figures and series here")
    parser.add_argument("--profile", action="store_true", help="profile appends with py-spy")
    parser.add_argument("--workdir", type=Path, help="keep the databases here (default: temp)")
    parser.add_argument("--profile-child", choices=("batch", "single"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tamga-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.profile_child:
        profile_child(args.profile_child, workdir)
        return 0
    mode = "full" if args.full else "quick"
    sizes = FULL if args.full else QUICK
    if args.size is not None:
        sizes = dataclasses.replace(sizes, total=args.size)
    info = machine()
    started = time.perf_counter()
    try:
        results = measure(sizes, workdir, mode=mode)
        if args.profile:
            _log("profiling appends with py-spy")
            profile(results, workdir)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    report = render(results, info, time.perf_counter() - started)
    print(report)
    if args.out is not None:
        common.replace_section(args.out, BEGIN, END, report)
    if args.json is not None:
        common.write_json(
            args.json,
            script="bench_ledger",
            mode=mode,
            figures=results.figures(),
            series=list(results.series.values()),
            notes=results.notes,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
