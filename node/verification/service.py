"""A verification run: read every selected emission's declared token, check it against the
register, and record what was seen and found as ledger entries (so it is anchored).

Per run and emission one ``verification.observed`` entry (the chain's outcome and the readings,
pinned to a block); a ``verification.finding`` entry when a finding is new or its observation
changed; a ``verification.finding_resolved`` entry when an open finding no longer holds. All
entries of a run are appended as one atomic batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from eth_utils.address import is_address

from node.chain import reads
from node.chain.abi import DEAD_ADDRESS
from node.chain.config import ChainKind, ChainSpec, ChainTable
from node.chain.reads import PinnedReader, confirm_pin, pin_block
from node.chain.rpc import RpcClient
from node.domain.entries import (
    BlockRef,
    EmissionPartialBurn,
    EmissionUnplacedCancelled,
    Entry,
    Evidence,
    Readings,
    VerificationFinding,
    VerificationFindingResolved,
    VerificationObserved,
)
from node.domain.lifecycle import recorded_on
from node.domain.model import EmissionState, EmissionStatus
from node.domain.verification import ChainOutcome, Severity
from node.errors import ChainError, NotFound
from node.ledger.service import Ledger
from node.verification.checks import (
    Evaluation,
    RegisteredBurn,
    TokenReading,
    Transfers,
    evaluate,
)
from node.verification.findings import SEVERITY_ORDER, Check, Finding
from node.verification.reader import TokenTarget, read_tokens
from node.verification.scan import ScanStats, TransferScanner
from node.verification.source import SourceChecker
from node.verification.store import VerificationStore

logger = logging.getLogger("tamga.verification")

NOT_VERIFIED: Final = frozenset({EmissionStatus.REFUSED, EmissionStatus.CANCELLED})
"""Statuses with nothing left to verify on chain (Reg. §17, §47)."""

_ALWAYS: Final = frozenset({Check.CHAIN_UNSUPPORTED, Check.CHAIN_UNKNOWN, Check.ADDRESS_INVALID})
"""Checks every run makes for every emission (they need no chain access)."""


@dataclass(frozen=True)
class VerifyConfig:
    """How runs read chains."""

    confirmations: int = 2
    sinks: tuple[str, ...] = (DEAD_ADDRESS,)
    log_range: int = 10_000
    first_block: int = 0
    multicall_chunk: int = 300
    scan_logs: bool = True


ClientFactory = Callable[[ChainSpec], RpcClient | None]
"""The JSON-RPC client of a chain; None when no endpoint is configured."""


@dataclass(frozen=True)
class ShownFinding:
    """A finding as a run reports it (open after the run)."""

    id: str
    check: str
    severity: Severity
    expected: str
    observed: str


@dataclass(frozen=True)
class EmissionResult:
    """One emission in a run: the chain's outcome, the pinned block, findings open after it."""

    key: str
    name: str
    blockchain: str
    outcome: ChainOutcome
    chain_id: int | None
    block: reads.BlockRef | None
    detail: str
    findings: tuple[ShownFinding, ...]
    opened: tuple[str, ...]
    resolved: tuple[str, ...]


@dataclass(frozen=True)
class RunReport:
    """What a verification run did."""

    run: str
    started_at: datetime
    results: tuple[EmissionResult, ...]
    entries: int
    first_index: int | None
    scans: dict[int, ScanStats] = field(default_factory=dict)

    def findings(self) -> list[tuple[str, ShownFinding]]:
        """Every open finding as (emission key, finding), most severe first."""
        found = [(r.key, f) for r in self.results for f in r.findings]
        return sorted(found, key=lambda kf: (SEVERITY_ORDER[kf[1].severity], kf[0], kf[1].id))


def run_id(moment: datetime) -> str:
    """The id of a run started at ``moment`` (UTC, to the microsecond)."""
    return "R" + moment.strftime("%Y%m%dT%H%M%S.%fZ")


_Diff = tuple[
    list[VerificationFinding], list[VerificationFindingResolved], tuple[ShownFinding, ...]
]


@dataclass
class _Work:
    """One emission being verified."""

    state: EmissionState
    outcome: ChainOutcome = ChainOutcome.CHECKED
    chain_id: int | None = None
    pin: reads.BlockRef | None = None
    detail: str = ""
    evaluation: Evaluation | None = None
    readings: Readings = field(default_factory=Readings)


class Verifier:
    """Runs verification over the register's emissions and records the results."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        table: ChainTable,
        clients: ClientFactory,
        config: VerifyConfig | None = None,
        sources: SourceChecker | None = None,
    ) -> None:
        self.ledger = ledger
        self.table = table
        self.clients = clients
        self.config = config or VerifyConfig()
        self.store = VerificationStore(ledger.store.engine)
        self.sources = sources

    # selection --------------------------------------------------------------------------
    def select(self, keys: Sequence[str] | None) -> list[EmissionState]:
        """The emissions named by ``keys`` (None: every one not refused or cancelled).

        Raises:
            NotFound: a key names no emission.
        """
        if keys is None:
            return [e for e in self.ledger.emissions() if e.status not in NOT_VERIFIED]
        states = [self.ledger.emission(k) for k in dict.fromkeys(keys)]
        for state in states:
            if state.status in NOT_VERIFIED:
                raise NotFound(kind="verifiable emission", key=state.key)
        return states

    # the run ----------------------------------------------------------------------------
    def run(self, keys: Sequence[str] | None = None, *, record: bool = True) -> RunReport:
        """Verify the emissions ``keys`` (None: all) and append the run's entries.

        Chains that cannot be read are reported per emission (outcome ``unreachable`` or
        ``no_endpoint``), never skipped; a non-EVM chain is an ``unsupported`` finding.

        Raises:
            NotFound: a key names no verifiable emission.
            RuleViolation: the register refused an entry (nothing is written).
            StorageError: the database failed.
        """
        started = self.ledger.clock.now()
        run = run_id(started)
        work = [_Work(state=s) for s in self.select(keys)]
        by_chain: dict[str, list[_Work]] = {}
        specs: dict[str, ChainSpec] = {}
        for item in work:
            resolution = self.table.resolve(item.state.blockchain)
            if resolution.kind is ChainKind.UNSUPPORTED:
                item.outcome = ChainOutcome.UNSUPPORTED_CHAIN
                item.evaluation = _chain_finding(item.state, Check.CHAIN_UNSUPPORTED)
                continue
            if resolution.kind is ChainKind.UNKNOWN or resolution.spec is None:
                item.outcome = ChainOutcome.UNKNOWN_CHAIN
                item.evaluation = _chain_finding(item.state, Check.CHAIN_UNKNOWN)
                continue
            spec = resolution.spec
            item.chain_id = spec.chain_id
            invalid = [
                a
                for a in (item.state.contract_address, item.state.issuer_wallet)
                if not is_address(a)
            ]
            if invalid:
                item.outcome = ChainOutcome.INVALID_ADDRESS
                item.evaluation = _invalid_address(item.state, invalid)
                continue
            specs[spec.name] = spec
            by_chain.setdefault(spec.name, []).append(item)
        scans: dict[int, ScanStats] = {}
        for name, items in by_chain.items():
            stats = self._verify_chain(specs[name], items)
            if stats is not None:
                scans[specs[name].chain_id] = stats
        entries, results = self._record(work, run=run, started=started)
        first = None
        if record and entries:
            first = self.ledger.append(entries).first_index
        return RunReport(
            run=run,
            started_at=started,
            results=tuple(results),
            entries=len(entries) if record else 0,
            first_index=first,
            scans=scans,
        )

    def _verify_chain(self, spec: ChainSpec, items: list[_Work]) -> ScanStats | None:
        config = self.config
        try:
            client = self.clients(spec)
            if client is None:
                for item in items:
                    item.outcome = ChainOutcome.NO_ENDPOINT
                    item.detail = f"no JSON-RPC URL configured for {spec.name} ({spec.chain_id})"
                    item.evaluation = Evaluation(findings=(), ran=_ALWAYS)
                return None
            depth = spec.confirmations or config.confirmations
            pin = pin_block(client, chain_id=spec.chain_id, confirmations=depth)
            reader = PinnedReader(client, pin, chunk=config.multicall_chunk, at_head=depth == 1)
            targets = [
                TokenTarget(
                    contract=i.state.contract_address.lower(), wallet=i.state.issuer_wallet.lower()
                )
                for i in items
            ]
            readings = read_tokens(reader, targets, sinks=config.sinks)
            confirm_pin(client, pin)  # before the scan stores transfers seen at that block
            transfers: dict[str, Transfers] = {}
            scanner: TransferScanner | None = None
            if config.scan_logs:
                scanner = TransferScanner(
                    client,
                    self.store,
                    chain_id=spec.chain_id,
                    sinks=config.sinks,
                    now=self._now_text,
                    first_block=config.first_block,
                    max_range=config.log_range,
                )
                live = [r.contract for r in readings if r.code_size > 0]
                transfers = scanner.scan(live, pin)
            implementations = self._implementation_codes(reader, items, readings)
            confirm_pin(client, pin)  # every reading is pinned to a block that still is
        except ChainError as exc:
            logger.warning("chain %s (%d) unreachable: %s", spec.name, spec.chain_id, exc)
            for item in items:
                item.outcome = ChainOutcome.UNREACHABLE
                item.detail = str(exc)[:500]
                item.evaluation = Evaluation(findings=(), ran=_ALWAYS)
            return None
        for item, reading in zip(items, readings, strict=True):
            item.pin = pin
            scanned = transfers.get(reading.contract)
            evaluation = evaluate(
                item.state, reading, transfers=scanned, burns=self._burns(item.state)
            )
            match = None
            if self.sources is not None and reading.code_size > 0:
                evaluation, match = self._source(item.state, reading, evaluation, implementations)
            item.evaluation = Evaluation(findings=evaluation.findings, ran=evaluation.ran | _ALWAYS)
            item.readings = _readings(reading, scanned, match)
        return scanner.stats if scanner is not None else None

    def _implementation_codes(
        self, reader: PinnedReader, items: list[_Work], readings: list[TokenReading]
    ) -> dict[str, bytes]:
        if self.sources is None:
            return {}
        wanted = [
            r.implementation
            for i, r in zip(items, readings, strict=True)
            if r.implementation and i.state.verification and i.state.verification.source
        ]
        unique = list(dict.fromkeys(w for w in wanted if w))
        return dict(zip(unique, reader.pinned().codes(unique), strict=True)) if unique else {}

    def _source(
        self,
        state: EmissionState,
        reading: TokenReading,
        evaluation: Evaluation,
        implementations: dict[str, bytes],
    ) -> tuple[Evaluation, str | None]:
        filed = state.verification.source if state.verification is not None else None
        if filed is None or self.sources is None:
            return evaluation, None
        record = self.store.source(
            sha256=filed.sha256, compiler=filed.compiler, contract=filed.contract
        )
        if record is None:
            logger.warning("the source filed for %s (%s) is not kept here", state.key, filed.sha256)
            return evaluation, None
        codes = [(reading.contract, reading.code)]
        if reading.implementation and reading.implementation in implementations:
            codes.append((reading.implementation, implementations[reading.implementation]))
        match, found = self.sources.check(record, codes)
        ran = evaluation.ran | {
            Check.SOURCE_MISMATCH,
            Check.SOURCE_PARTIAL_MATCH,
            Check.SOURCE_COMPILER_UNAVAILABLE,
            Check.SOURCE_COMPILE_FAILED,
        }
        return Evaluation(findings=(*evaluation.findings, *found), ran=ran), match

    def _burns(self, state: EmissionState) -> list[RegisteredBurn]:
        if not (state.burned or state.unplaced_cancelled):
            return []
        burns: list[RegisteredBurn] = []
        for record, entry in self.ledger.history(state.application_no):
            if isinstance(entry, EmissionPartialBurn | EmissionUnplacedCancelled):
                burns.append(
                    RegisteredBurn(
                        index=record.idx,
                        kind=entry.kind,
                        amount=entry.amount,
                        tx_hashes=tuple(t.lower() for t in entry.tx_hashes),
                        effective_on=entry.effective_on,
                    )
                )
        return burns

    def _now_text(self) -> str:
        return self.ledger.clock.now().isoformat()

    # recording --------------------------------------------------------------------------
    def _record(
        self, work: list[_Work], *, run: str, started: datetime
    ) -> tuple[list[Entry], list[EmissionResult]]:
        on = recorded_on(started)
        entries: list[Entry] = []
        results: list[EmissionResult] = []
        for item in work:
            state = item.state
            base: dict[str, Any] = {
                "emission": state.key,
                "recorded_at": started,
                "effective_on": on,
                "run": run,
            }
            block = _block_ref(item.pin) if item.pin is not None else None
            entries.append(
                VerificationObserved(
                    **base,
                    blockchain=state.blockchain,
                    outcome=item.outcome,
                    chain_id=item.chain_id,
                    block=block,
                    readings=item.readings,
                    detail=item.detail,
                )
            )
            evaluation = item.evaluation or Evaluation(findings=(), ran=frozenset())
            opened, resolved, shown = self._diff(state, evaluation, base=base, block=block)
            entries.extend(opened)
            entries.extend(resolved)
            results.append(
                EmissionResult(
                    key=state.key,
                    name=state.name,
                    blockchain=state.blockchain,
                    outcome=item.outcome,
                    chain_id=item.chain_id,
                    block=item.pin,
                    detail=item.detail,
                    findings=shown,
                    opened=tuple(e.finding for e in opened),
                    resolved=tuple(e.finding for e in resolved),
                )
            )
        return entries, results

    def _diff(
        self,
        state: EmissionState,
        evaluation: Evaluation,
        *,
        base: dict[str, Any],
        block: BlockRef | None,
    ) -> tuple[
        list[VerificationFinding], list[VerificationFindingResolved], tuple[ShownFinding, ...]
    ]:
        open_now = state.verification.open_findings if state.verification is not None else ()
        last = self._last_recorded(state) if open_now else {}
        opened: list[VerificationFinding] = []
        current = {f.id: f for f in evaluation.findings}
        for finding in evaluation.findings:
            values = (finding.level.value, (finding.expected or "")[:500], finding.observed[:500])
            if last.get(finding.id) == values:
                continue
            opened.append(
                VerificationFinding(
                    **base,
                    finding=finding.id,
                    check=finding.check.value,
                    severity=finding.level,
                    paragraph=finding.paragraph,
                    expected=values[1],
                    observed=values[2],
                    evidence=Evidence(
                        block=block,
                        tx_hashes=finding.tx_hashes[:50],
                        addresses=tuple(a.lower() for a in finding.addresses)[:20],
                        note=finding.note[:2000],
                    ),
                )
            )
        ran = {c.value for c in evaluation.ran}
        resolved = [
            VerificationFindingResolved(**base, finding=f.id, block=block)
            for f in open_now
            if f.id not in current and f.check in ran
        ]
        shown = [
            ShownFinding(f.id, f.check.value, f.level, f.expected or "", f.observed)
            for f in evaluation.findings
        ]
        shown += [
            ShownFinding(f.id, f.check, f.severity, *last.get(f.id, ("", "", "not re-checked"))[1:])
            for f in open_now
            if f.id not in current and f.check not in ran
        ]
        shown.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.id))
        return opened, resolved, tuple(shown)

    def _last_recorded(self, state: EmissionState) -> dict[str, tuple[str, str, str]]:
        """The severity, expected and observed last recorded for each finding of ``state``."""
        last: dict[str, tuple[str, str, str]] = {}
        for _, entry in self.ledger.history(state.application_no):
            if isinstance(entry, VerificationFinding):
                last[entry.finding] = (entry.severity.value, entry.expected, entry.observed)
        return last


def _chain_finding(state: EmissionState, check: Check) -> Evaluation:
    what = "a chain that is not EVM" if check is Check.CHAIN_UNSUPPORTED else "an unknown chain"
    finding = Finding(
        check,
        expected="an EVM chain Tamga can read",
        actual=f"{state.blockchain!r} is {what}",
    )
    return Evaluation(findings=(finding,), ran=_ALWAYS)


def _invalid_address(state: EmissionState, invalid: list[str]) -> Evaluation:
    finding = Finding(
        Check.ADDRESS_INVALID,
        expected="0x-prefixed 20-byte EVM addresses",
        actual="not an EVM address: " + ", ".join(invalid),
    )
    return Evaluation(findings=(finding,), ran=_ALWAYS)


def _block_ref(pin: reads.BlockRef) -> BlockRef:
    return BlockRef(
        chain_id=pin.chain_id,
        block_number=pin.number,
        block_hash=pin.hash_hex,
        block_time=pin.timestamp,
    )


def _readings(reading: TokenReading, transfers: Transfers | None, match: str | None) -> Readings:
    data: dict[str, Any] = {
        "code_size": reading.code_size,
        "code_hash": reading.code_hash,
        "implementation": reading.implementation,
        "beacon": reading.beacon,
        "name": None if reading.name is None else reading.name[:500],
        "symbol": None if reading.symbol is None else reading.symbol[:500],
        "decimals": reading.decimals,
        "total_supply": reading.total_supply,
        "treasury_balance": reading.treasury_balance,
        "locked_balance": reading.locked_balance,
        "owner": reading.owner,
        "wallet_is_admin": reading.wallet_is_admin,
        "source_match": match,
    }
    if transfers is not None:
        data["minted"] = sum(t.value for t in transfers.mints)
        data["burned"] = sum(t.value for t in transfers.burns)
        data["scanned_to"] = transfers.scanned_to
    return Readings(**data)
