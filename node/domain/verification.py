"""What the register keeps of on-chain verification: baseline, open findings, proof, filed source.

Pure values (no chain access). The verification service (node/verification) reads the chain and
records entries (node/domain/entries.py, kinds ``verification.*``); the reducer folds them into
an emission's :class:`VerificationState`, which becomes part of its public record (Reg. §66
allows anyone the register's information) only once the first such entry exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from node.errors import RuleViolation


class Severity(StrEnum):
    """How serious a finding is."""

    INFO = "info"  # worth knowing, no rule broken (e.g. an upgradeable proxy)
    WARNING = "warning"  # the register and the chain disagree; the issuer must explain
    CRITICAL = "critical"  # a rule is broken on chain (issuance beyond the register, Reg. §58)


class ChainOutcome(StrEnum):
    """Whether an emission's declared chain could be read in a verification run."""

    CHECKED = "checked"
    UNSUPPORTED_CHAIN = "unsupported_chain"  # a known chain that is not EVM
    UNKNOWN_CHAIN = "unknown_chain"  # a blockchain name the chain table does not know
    NO_ENDPOINT = "no_endpoint"  # an EVM chain without a configured RPC URL
    UNREACHABLE = "unreachable"  # every configured RPC URL failed
    INVALID_ADDRESS = "invalid_address"  # the declared contract or wallet is not an EVM address


class ProofMethod(StrEnum):
    """How a wallet's signature was checked."""

    EOA = "eoa"  # ECDSA recovery of the EIP-712 digest
    EIP1271 = "eip1271"  # the wallet contract's isValidSignature


@dataclass(frozen=True, slots=True)
class OpenFinding:
    """A finding recorded and not yet resolved."""

    id: str
    check: str
    severity: Severity
    since: date

    def to_record(self) -> dict[str, str]:
        """JSON-able form."""
        return {
            "id": self.id,
            "check": self.check,
            "severity": self.severity.value,
            "since": self.since.isoformat(),
        }

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> OpenFinding:
        """Inverse of :meth:`to_record`."""
        return cls(
            id=r["id"],
            check=r["check"],
            severity=Severity(r["severity"]),
            since=date.fromisoformat(r["since"]),
        )


@dataclass(frozen=True, slots=True)
class WalletProof:
    """The latest accepted proof that the issuer controls its declared wallet (EIP-712)."""

    wallet: str
    chain_id: int
    method: ProofMethod
    nonce: int
    expiry: int
    proven_on: date

    def to_record(self) -> dict[str, str]:
        """JSON-able form (integers as decimal strings)."""
        return {
            "wallet": self.wallet,
            "chain_id": str(self.chain_id),
            "method": self.method.value,
            "nonce": str(self.nonce),
            "expiry": str(self.expiry),
            "proven_on": self.proven_on.isoformat(),
        }

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> WalletProof:
        """Inverse of :meth:`to_record`."""
        return cls(
            wallet=r["wallet"],
            chain_id=int(r["chain_id"]),
            method=ProofMethod(r["method"]),
            nonce=int(r["nonce"]),
            expiry=int(r["expiry"]),
            proven_on=date.fromisoformat(r["proven_on"]),
        )


def accept_wallet_proof(
    *,
    wallet: str,
    chain_id: int,
    nonce: int,
    expiry: int,
    method: ProofMethod,
    signer: str | None,
    has_block: bool,
    recorded_at: int,
    proven_on: date,
    last: WalletProof | None,
    paragraph: str,
) -> WalletProof:
    """The checks every EIP-712 proof of wallet control passes when it is recorded (an issuer's,
    Reg. §5.5, §9.4; a miner's, Law art. 16.2 item 4): not expired at ``recorded_at`` (Unix
    seconds), a nonce above the last accepted one (replay protection), an EOA signature that
    recovered to the wallet, an EIP-1271 answer read at a named block. Pure.

    Raises:
        RuleViolation: "proof-expired", "proof-replay", "proof-signer" or "proof-block".
    """
    if expiry <= recorded_at:
        raise RuleViolation(
            field="statement.expiry",
            rule="proof-expired",
            paragraph=paragraph,
            message=f"the statement expired at {expiry} (Unix time), before it was recorded",
        )
    if last is not None and nonce <= last.nonce:
        raise RuleViolation(
            field="statement.nonce",
            rule="proof-replay",
            paragraph=paragraph,
            message=f"nonce {nonce} is not above the last accepted nonce {last.nonce}",
        )
    if method is ProofMethod.EOA and signer != wallet:
        raise RuleViolation(
            field="signer",
            rule="proof-signer",
            paragraph=paragraph,
            message=f"the signature recovers to {signer}, not to the wallet {wallet}",
        )
    if method is ProofMethod.EIP1271 and not has_block:
        raise RuleViolation(
            field="block",
            rule="proof-block",
            paragraph=paragraph,
            message="an EIP-1271 answer is read at a named block",
        )
    return WalletProof(
        wallet=wallet,
        chain_id=chain_id,
        method=method,
        nonce=nonce,
        expiry=expiry,
        proven_on=proven_on,
    )


@dataclass(frozen=True, slots=True)
class FiledSource:
    """The contract source the issuer filed: solc standard-JSON input digest, compiler, contract."""

    sha256: str
    compiler: str
    contract: str
    filed_on: date

    def to_record(self) -> dict[str, str]:
        """JSON-able form."""
        return {
            "sha256": self.sha256,
            "compiler": self.compiler,
            "contract": self.contract,
            "filed_on": self.filed_on.isoformat(),
        }

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> FiledSource:
        """Inverse of :meth:`to_record`."""
        return cls(
            sha256=r["sha256"],
            compiler=r["compiler"],
            contract=r["contract"],
            filed_on=date.fromisoformat(r["filed_on"]),
        )


@dataclass(frozen=True, slots=True)
class VerificationState:
    """An emission's verification record.

    The baseline (chain id, code hash, EIP-1967 implementation, block) is the first observation
    of code at the declared contract address; later changes are findings, the baseline stays.
    """

    chain_id: int | None = None
    code_hash: str | None = None
    implementation: str | None = None
    baseline_block: int | None = None
    baseline_on: date | None = None
    open_findings: tuple[OpenFinding, ...] = ()
    wallet_proof: WalletProof | None = None
    source: FiledSource | None = None

    def finding(self, finding_id: str) -> OpenFinding | None:
        """The open finding ``finding_id``, if any."""
        for f in self.open_findings:
            if f.id == finding_id:
                return f
        return None

    def to_record(self) -> dict[str, Any]:
        """JSON-able form (integers as decimal strings)."""
        return {
            "chain_id": None if self.chain_id is None else str(self.chain_id),
            "code_hash": self.code_hash,
            "implementation": self.implementation,
            "baseline_block": None if self.baseline_block is None else str(self.baseline_block),
            "baseline_on": None if self.baseline_on is None else self.baseline_on.isoformat(),
            "open_findings": [f.to_record() for f in self.open_findings],
            "wallet_proof": None if self.wallet_proof is None else self.wallet_proof.to_record(),
            "source": None if self.source is None else self.source.to_record(),
        }

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> VerificationState:
        """Inverse of :meth:`to_record` (exact round trip).

        Raises:
            KeyError, ValueError: the record is not one :meth:`to_record` produced.
        """
        proof = r["wallet_proof"]
        source = r["source"]
        return cls(
            chain_id=None if r["chain_id"] is None else int(r["chain_id"]),
            code_hash=r["code_hash"],
            implementation=r["implementation"],
            baseline_block=None if r["baseline_block"] is None else int(r["baseline_block"]),
            baseline_on=None if r["baseline_on"] is None else date.fromisoformat(r["baseline_on"]),
            open_findings=tuple(OpenFinding.from_record(f) for f in r["open_findings"]),
            wallet_proof=None if proof is None else WalletProof.from_record(proof),
            source=None if source is None else FiledSource.from_record(source),
        )
