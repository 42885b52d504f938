"""What an audit found: the checks run, their tallies, the findings (where, what) and a verdict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from anchoring.equivocation import Evidence
from node.errors import VerificationError
from node.findings import CheckName, Finding

REPORT_FORMAT: Final = "tamga.audit-report.v1"


class Check(CheckName):
    """The checks of `tamga audit`; each finding (`node.findings.Finding`) names one."""

    EXPORT_FORMAT = "export-format"
    ENTRY_ORDER = "entry-order"
    LEAF_HASH = "leaf-hash"
    ENTRY_COPY = "entry-copy"
    ENTRY_FORMAT = "entry-format"
    PRIVACY = "privacy"
    REPLAY = "replay"
    HEAD = "head"
    CHECKPOINT = "checkpoint"
    LOG_ROOT = "log-root"
    SIGNATURE = "signature"
    CONSISTENCY = "consistency"
    STATE_ROOT = "state-root"
    ANCHOR = "anchor"
    CHAIN = "chain"
    BUNDLE = "bundle"
    INCLUSION = "inclusion"
    STATE_PROOF = "state-proof"
    OBSERVATION = "observation"
    SIGNED_TAIL = "signed-tail"
    LATEST_ANCHOR = "latest-anchor"
    CHAIN_ID = "chain-id"
    CONTRACT_CODE = "contract-code"
    RPC_AGREEMENT = "rpc-agreement"
    SOURCE_STABLE = "source-stable"
    EQUIVOCATION = "equivocation"
    NOTE = "note"
    WITNESS = "witness"


CHECK_TITLES: Final[Mapping[Check, str]] = {
    Check.EXPORT_FORMAT: "files are a tamga.export.v1 export",
    Check.ENTRY_ORDER: "entry indexes are dense, in order",
    Check.LEAF_HASH: "leaf hash = SHA-256(0x00 ‖ leaf) (RFC 9162 §2.1.1)",
    Check.ENTRY_COPY: "readable copy equals the leaf bytes",
    Check.ENTRY_FORMAT: "leaf is a tamga.entry.v1 entry",
    Check.PRIVACY: "private data only as commitments (Reg. §66)",
    Check.REPLAY: "entries replay through the domain rules",
    Check.HEAD: "manifest head = recomputed tree",
    Check.CHECKPOINT: "checkpoints ordered, one origin, inside the log",
    Check.LOG_ROOT: "checkpoint log root = recomputed root (RFC 9162 §2.1.1)",
    Check.SIGNATURE: "checkpoint signature by the register's key (EIP-191)",
    Check.CONSISTENCY: "successive checkpoints consistent (RFC 9162 §2.1.4)",
    Check.STATE_ROOT: "checkpoint state root = replayed register",
    Check.ANCHOR: "anchor data match the chain (Anchored, rootAt)",
    Check.CHAIN: "every on-chain anchor = recomputed roots",
    Check.BUNDLE: "bundle is well-formed and for the emission asked",
    Check.INCLUSION: "entries included in the checkpoint (RFC 9162 §2.1.3)",
    Check.STATE_PROOF: "state proof leads to the checkpoint's state root",
    Check.OBSERVATION: "block-pinned observations re-read equal",
    Check.SIGNED_TAIL: "every entry covered by a signed checkpoint",
    Check.LATEST_ANCHOR: "signed head and latest() are one history (RFC 9162 §2.1.4)",
    Check.CHAIN_ID: "the RPC serves the expected chain (EIP-155)",
    Check.CONTRACT_CODE: "code at --contract = committed RegistryAnchor runtime",
    Check.RPC_AGREEMENT: "every --rpc answers the pinned reads alike",
    Check.SOURCE_STABLE: "the export did not change while read",
    Check.EQUIVOCATION: "no two signed checkpoints of one origin disagree",
    Check.NOTE: "C2SP signed note = EIP-191 checkpoint, signed by the node's note key",
    Check.WITNESS: "enough valid witness cosignatures (c2sp.org/tlog-cosignature)",
}


def show(value: object) -> str:
    """A value for a report: bytes as hex, everything else as text."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    return str(value)


@dataclass(frozen=True)
class Tally:
    """How many items a check looked at, how many failed, how many it could not check."""

    check: Check
    checked: int
    failed: int
    unchecked: int = 0

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "check": self.check.value,
            "title": CHECK_TITLES[self.check],
            "checked": self.checked,
            "failed": self.failed,
            "unchecked": self.unchecked,
        }


@dataclass(frozen=True)
class AuditReport:
    """The result of auditing an export or a bundle."""

    kind: str
    subject: str
    tallies: tuple[Tally, ...]
    findings: tuple[Finding, ...]
    omitted: int
    facts: Mapping[str, Any]
    notes: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()
    """Equivocation evidence found (each also a finding of `Check.EQUIVOCATION`)."""

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return not self.findings and self.omitted == 0

    def first(self, check: Check | None = None) -> Finding | None:
        """The first finding (of one check)."""
        for finding in self.findings:
            if check is None or finding.check is check:
                return finding
        return None

    def where(self, check: Check) -> list[str]:
        """Where each finding of ``check`` is."""
        return [f.where for f in self.findings if f.check is check]

    def to_json(self) -> dict[str, Any]:
        """The JSON report (`tamga audit --json`)."""
        return {
            "format": REPORT_FORMAT,
            "kind": self.kind,
            "subject": self.subject,
            "result": "pass" if self.ok else "fail",
            "facts": dict(self.facts),
            "checks": [t.to_json() for t in self.tallies],
            "findings": [f.to_json() for f in self.findings],
            "findings_omitted": self.omitted,
            "notes": list(self.notes),
            "equivocations": [e.to_json() for e in self.evidence],
        }


@dataclass
class _Count:
    checked: int = 0
    failed: int = 0
    unchecked: int = 0


@dataclass
class Recorder:
    """Collects tallies and findings while an audit runs; keeps at most ``limit`` per check."""

    limit: int = 50
    _counts: dict[Check, _Count] = field(default_factory=dict)
    _findings: list[Finding] = field(default_factory=list)
    _kept: dict[Check, int] = field(default_factory=dict)
    _omitted: int = 0
    _notes: list[str] = field(default_factory=list)
    _evidence: list[Evidence] = field(default_factory=list)

    def passed(self, check: Check, count: int = 1) -> None:
        """``count`` items passed ``check``."""
        self._count(check).checked += count

    def unchecked(self, check: Check, count: int = 1) -> None:
        """``count`` items could not be checked (say why in a note)."""
        self._count(check).unchecked += count

    def failed(
        self,
        check: Check,
        *,
        where: str,
        message: str,
        expected: object = None,
        actual: object = None,
    ) -> None:
        """One item failed ``check``."""
        counted = self._count(check)
        counted.checked += 1
        counted.failed += 1
        kept = self._kept.get(check, 0)
        if kept >= self.limit:
            self._omitted += 1
            return
        self._kept[check] = kept + 1
        self._findings.append(
            Finding(
                check=check,
                where=where,
                message=message,
                expected=None if expected is None else show(expected),
                actual=None if actual is None else show(actual),
            )
        )

    def error(self, check: Check, exc: VerificationError, *, where: str) -> None:
        """One item failed ``check`` with a VerificationError (its message and values)."""
        message = str(exc.args[0]) if exc.args else str(exc)
        if exc.where and message.startswith(f"{exc.where}: "):
            message = message[len(exc.where) + 2 :]
        base = message.split(" (expected ", 1)[0]
        self.failed(check, where=where, message=base, expected=exc.expected, actual=exc.actual)

    def note(self, text: str) -> None:
        """Something the reader should know that is not a failure."""
        self._notes.append(text)

    def equivocation(self, evidence: Evidence, *, where: str) -> None:
        """Two signed checkpoints of one origin are not one history: a finding and evidence."""
        self._evidence.append(evidence)
        self.failed(Check.EQUIVOCATION, where=where, message=f"equivocation: {evidence.detail}")

    def failures(self, check: Check) -> int:
        """How many items failed ``check`` so far."""
        counted = self._counts.get(check)
        return 0 if counted is None else counted.failed

    def report(self, *, kind: str, subject: str, facts: Mapping[str, Any]) -> AuditReport:
        """The report so far."""
        tallies = tuple(
            Tally(check=c, checked=n.checked, failed=n.failed, unchecked=n.unchecked)
            for c in Check
            if (n := self._counts.get(c)) is not None
        )
        return AuditReport(
            kind=kind,
            subject=subject,
            tallies=tallies,
            findings=tuple(self._findings),
            omitted=self._omitted,
            facts=dict(facts),
            notes=tuple(self._notes),
            evidence=tuple(self._evidence),
        )

    def _count(self, check: Check) -> _Count:
        counted = self._counts.get(check)
        if counted is None:
            counted = self._counts[check] = _Count()
        return counted
