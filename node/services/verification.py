"""On-chain verification: an emission's findings and history, wallet-control proofs (EIP-712, EOA
or EIP-1271) of issuers and miners, and contract source filing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final

from pydantic import ValidationError

from node.chain.config import ChainKind, ChainSpec
from node.chain.rpc import RpcClient
from node.domain.entries import (
    VERIFICATION_KINDS,
    Entry,
    Evidence,
    MinerWalletStatement,
    VerificationFinding,
    VerificationFindingResolved,
    WalletStatement,
    decode_entry,
    validation_violation,
)
from node.domain.lifecycle import recorded_on
from node.domain.miners import WALLET_PROOF_PARAGRAPH, MinerState
from node.domain.model import EmissionState
from node.domain.verification import Severity, WalletProof
from node.errors import RuleViolation
from node.ledger.sequencer import Integrated
from node.ledger.store import EntryRecord
from node.services.database import Database
from node.services.miners import MinerWritten, miner_written
from node.settings import Settings
from node.types import RequestId
from node.verification import source
from node.verification.proof import (
    accept_miner_proof,
    accept_proof,
    miner_statement_for,
    statement_for,
)
from node.verification.runtime import chain_table

PROOF_PARAGRAPH: Final = "Reg. §5.5, §9.4"
STATEMENT_TTL_SECONDS: Final = 3600
"""Lifetime of a statement asked for without an expiry."""


@dataclass(frozen=True)
class VerificationRecorded:
    """A verification entry just written: its kind, index, the log size after it, the entry's
    fields and the emission after it."""

    kind: str
    index: int
    size: int
    entry: Entry
    emission: EmissionState


def verification_history(
    db: Database, *, key: str
) -> tuple[EmissionState, list[tuple[EntryRecord, Entry]]]:
    """An emission and its ``verification.*`` entries, oldest first (all public, Reg. §66).

    Raises:
        NotFound: no emission has this key.
        StorageError: the database failed.
    """
    state = db.ledger.emission(key)
    history = [
        (record, entry)
        for record, entry in db.ledger.history(state.application_no)
        if entry.kind in VERIFICATION_KINDS
    ]
    return state, history


def evm_chain(settings: Settings, *, state: EmissionState) -> ChainSpec:
    """The EVM chain the emission's token is declared on.

    Raises:
        RuleViolation: rule "evm-chain": the declared blockchain is not an EVM chain of the
            chain table.
    """
    return _evm(settings, state.blockchain, field="blockchain", paragraph=PROOF_PARAGRAPH)


def _evm(settings: Settings, name: str, *, field: str, paragraph: str) -> ChainSpec:
    resolution = chain_table(settings).resolve(name)
    if resolution.kind is not ChainKind.EVM or resolution.spec is None:
        raise RuleViolation(
            field=field,
            rule="evm-chain",
            paragraph=paragraph,
            message=f"{name!r} is not an EVM chain Tamga can read",
        )
    return resolution.spec


def wallet_statement(
    db: Database,
    *,
    settings: Settings,
    key: str,
    nonce: int | None = None,
    expiry: int | None = None,
) -> WalletStatement:
    """The EIP-712 statement of wallet control the issuer signs: the state registration number,
    chain id, token contract and declared wallet, a nonce (default: one above the last accepted)
    and an expiry in Unix seconds (default: in one hour by the injected clock), Reg. §5.5, §9.4.

    Raises:
        NotFound: no emission has this key.
        RuleViolation: rule "proof-replay" when ``nonce`` is not above the last accepted one,
            "proof-expired" when ``expiry`` is not in the future, "evm-chain",
            "proof-needs-regno" or "evm-address" when no statement can name the token.
        StorageError: the database failed.
    """
    state = db.ledger.emission(key)
    proof = state.verification.wallet_proof if state.verification is not None else None
    nonce, expiry = _terms(db, proof, nonce=nonce, expiry=expiry, paragraph=PROOF_PARAGRAPH)
    spec = evm_chain(settings, state=state)
    return statement_for(db.ledger, key, chain_id=spec.chain_id, nonce=nonce, expiry=expiry)


def _terms(
    db: Database,
    last_proof: WalletProof | None,
    *,
    nonce: int | None,
    expiry: int | None,
    paragraph: str,
) -> tuple[int, int]:
    """A statement's nonce (default: one above the last accepted) and expiry (default: in an
    hour by the injected clock), refused early when the register would refuse them."""
    now = int(db.clock.now().timestamp())
    last = 0 if last_proof is None else last_proof.nonce
    nonce = last + 1 if nonce is None else nonce
    expiry = now + STATEMENT_TTL_SECONDS if expiry is None else expiry
    if nonce <= last:
        raise RuleViolation(
            field="nonce",
            rule="proof-replay",
            paragraph=paragraph,
            message=f"nonce {nonce} is not above the last accepted nonce {last}",
        )
    if expiry <= now:
        raise RuleViolation(
            field="expiry",
            rule="proof-expired",
            paragraph=paragraph,
            message=f"expiry {expiry} (Unix time) is not in the future",
        )
    return nonce, expiry


def _miner_chain(settings: Settings, miner: MinerState) -> ChainSpec:
    return _evm(
        settings, miner.wallet.chain, field="wallet.chain", paragraph=WALLET_PROOF_PARAGRAPH
    )


def miner_wallet_statement(
    db: Database,
    *,
    settings: Settings,
    certificate: str,
    nonce: int | None = None,
    expiry: int | None = None,
) -> MinerWalletStatement:
    """The EIP-712 statement a miner signs to prove control of its wallet for mining proceeds
    (Law art. 16.2 item 4): the certificate, the chain id of the wallet's declared chain, the
    wallet, a nonce and an expiry (defaults as for issuers).

    Raises:
        NotFound: no miner has this certificate.
        RuleViolation: rule "proof-replay", "proof-expired", "evm-chain" (the wallet's chain is
            not an EVM chain of the chain table) or "evm-address".
        StorageError: the database failed.
    """
    miner = db.ledger.miner(certificate)
    nonce, expiry = _terms(
        db, miner.wallet_proof, nonce=nonce, expiry=expiry, paragraph=WALLET_PROOF_PARAGRAPH
    )
    spec = _evm(
        settings, miner.wallet.chain, field="wallet.chain", paragraph=WALLET_PROOF_PARAGRAPH
    )
    return miner_statement_for(
        db.ledger, certificate, chain_id=spec.chain_id, nonce=nonce, expiry=expiry
    )


def prove_miner_wallet(
    db: Database,
    *,
    settings: Settings,
    certificate: str,
    signature: bytes,
    nonce: int,
    expiry: int,
    clients: Callable[[ChainSpec], RpcClient | None],
    request: RequestId | None = None,
) -> MinerWritten:
    """Check a miner's signed statement (ECDSA recovery, or EIP-1271 at a pinned block for a
    contract wallet) and record the accepted proof as a ``miner.wallet_proved`` entry (Law art.
    16.2 item 4).

    Raises:
        NotFound: no miner has this certificate.
        VerificationError: the signature is not the declared wallet's.
        RuleViolation: the register refuses it ("proof-replay", "proof-expired", "evm-chain",
            "evm-address", "miner-terminated"); nothing is written.
        ChainError: the chain cannot be read.
        StorageError: the database failed.
    """
    miner = db.ledger.miner(certificate)
    if request is not None and (done := db.ledger.integrated(request)) is not None:
        return miner_written(db, certificate=certificate, result=done)
    spec = _evm(
        settings, miner.wallet.chain, field="wallet.chain", paragraph=WALLET_PROOF_PARAGRAPH
    )
    result = accept_miner_proof(
        db.ledger,
        certificate,
        signature=signature,
        nonce=nonce,
        expiry=expiry,
        client=clients(spec),
        chain_id=spec.chain_id,
        confirmations=settings.verify_confirmations,
        request=request,
    )
    return miner_written(db, certificate=certificate, result=result)


def prove_wallet(
    db: Database,
    *,
    settings: Settings,
    key: str,
    signature: bytes,
    nonce: int,
    expiry: int,
    clients: Callable[[ChainSpec], RpcClient | None],
    request: RequestId | None = None,
) -> VerificationRecorded:
    """Check a signed statement (ECDSA recovery for a key; EIP-1271 ``isValidSignature`` at a
    block pinned ``verify_confirmations`` deep for a contract wallet) and record the accepted
    proof as a ``verification.wallet_proof`` entry; ``clients`` gives the chain's JSON-RPC
    client (None: no endpoint, keys only).

    Raises:
        NotFound: no emission has this key.
        VerificationError: the signature is not the declared wallet's.
        RuleViolation: the register refuses it (rule "proof-replay" for a nonce not above the
            last accepted one, "proof-expired", "evm-chain", …); nothing is written.
        ChainError: the chain cannot be read.
        StorageError: the database failed.
    """
    state = db.ledger.emission(key)
    if request is not None and (done := db.ledger.integrated(request)) is not None:
        return _written(db, state, done)  # a retry: the nonce is no longer fresh
    spec = evm_chain(settings, state=state)
    result = accept_proof(
        db.ledger,
        key,
        signature=signature,
        nonce=nonce,
        expiry=expiry,
        client=clients(spec),
        chain_id=spec.chain_id,
        confirmations=settings.verify_confirmations,
        request=request,
    )
    return _written(db, state, result)


def file_source(
    db: Database, *, key: str, filing: source.SourceFiling, request: RequestId | None = None
) -> VerificationRecorded:
    """Keep a filed contract source (solc standard-JSON, compiler, ``path:Name``) beside the log
    and record its filing as a ``verification.source_filed`` entry; later verification runs
    compile it and compare with the code on chain.

    Raises:
        NotFound: no emission has this key.
        RuleViolation: the register refuses the entry (e.g. a cancelled emission).
        StorageError: the database failed.
    """
    state = db.ledger.emission(key)
    result = source.file_source(db.ledger, db.verification, key, filing, request=request)
    return _written(db, state, result)


def _written(db: Database, state: EmissionState, result: Integrated) -> VerificationRecorded:
    (record,) = result.entries
    return VerificationRecorded(
        kind=record.kind,
        index=result.first_index,
        size=result.size,
        entry=decode_entry(record.leaf),
        emission=db.ledger.emission(state.application_no),
    )


# ---- findings triage (the workbench, `tamga verify resolve`) ---------------------------------

RESOLVE_PARAGRAPH: Final = "Reg. §5.5, §9.4, §58"
"""What a finding is checked against: the declared chain, contract and wallet (Reg. §5.5, §9.4)
and the quantity entered in the register (Reg. §58)."""
MANUAL_RUN: Final = "manual"
"""The ``run`` of a finding resolved by a person rather than by a verification run."""
SEVERITY_ORDER: Final = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class OpenFindingView:
    """An open finding of an emission with what its latest ``verification.finding`` entry
    recorded: the rule, the register's value, the chain's, and the evidence."""

    emission: str
    name: str
    id: str
    check: str
    severity: Severity
    since: date
    paragraph: str | None
    expected: str | None
    observed: str | None
    evidence: Evidence | None
    index: int | None  # the entry that opened (or last updated) it


def findings_with_evidence(
    state: EmissionState, history: list[tuple[EntryRecord, Entry]]
) -> list[OpenFindingView]:
    """An emission's open findings (in the register's order), each with what its latest
    ``verification.finding`` entry in ``history`` (the emission's entries) recorded."""
    latest: dict[str, tuple[int, VerificationFinding]] = {}
    for record, entry in history:
        if isinstance(entry, VerificationFinding):
            latest[entry.finding] = (record.idx, entry)
    found = []
    for f in state.verification.open_findings if state.verification is not None else ():
        index, recorded = latest.get(f.id, (None, None))
        found.append(
            OpenFindingView(
                emission=state.key,
                name=state.name,
                id=f.id,
                check=f.check,
                severity=f.severity,
                since=f.since,
                paragraph=recorded.paragraph if recorded is not None else None,
                expected=recorded.expected if recorded is not None else None,
                observed=recorded.observed if recorded is not None else None,
                evidence=recorded.evidence if recorded is not None else None,
                index=index,
            )
        )
    return found


def open_findings(db: Database) -> list[OpenFindingView]:
    """Every open on-chain verification finding of every emission, the most severe first (then
    the oldest, then by emission and id).

    Raises:
        StorageError: the database failed.
    """
    found: list[OpenFindingView] = []
    for state in db.ledger.emissions():
        if state.verification is None or not state.verification.open_findings:
            continue
        found.extend(findings_with_evidence(state, db.ledger.history(state.application_no)))
    found.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.since, f.emission, f.id))
    return found


def resolve_finding(
    db: Database,
    *,
    key: str,
    finding: str,
    note: str,
    recorded_by: str | None = None,
    request: RequestId | None = None,
) -> VerificationRecorded:
    """Close an open finding of an emission by hand with a note, attributed to the person who
    decided it: a ``verification.finding_resolved`` entry (run "manual"). The finding leaves the
    open list and stays in the emission's history; a later verification run that still sees it
    opens it again.

    Raises:
        NotFound: no emission has this key.
        RuleViolation: field "finding", rule "finding-not-open" for an unknown or already
            resolved finding; field "note", rule "resolution-note" for a blank note; field
            "recorded_by" for a malformed name. Nothing is written.
        StorageError: the database failed.
    """
    state = db.ledger.emission(key)
    if request is not None and (done := db.ledger.integrated(request)) is not None:
        return _written(db, state, done)
    open_now = state.verification.open_findings if state.verification is not None else ()
    if finding not in {f.id for f in open_now}:
        raise RuleViolation(
            field="finding",
            rule="finding-not-open",
            paragraph=RESOLVE_PARAGRAPH,
            message=f"{state.key} has no open finding {finding!r} (unknown or already resolved)",
        )
    if not note.strip():
        raise RuleViolation(
            field="note",
            rule="resolution-note",
            paragraph=RESOLVE_PARAGRAPH,
            message="say why the finding is closed (what was checked, what was decided)",
        )
    now = db.clock.now()
    try:
        entry = VerificationFindingResolved(
            emission=state.key,
            run=MANUAL_RUN,
            recorded_at=now,
            effective_on=recorded_on(now),
            finding=finding,
            note=note.strip(),
            recorded_by=recorded_by,
        )
    except ValidationError as exc:
        raise validation_violation(exc, rule="entry-field", paragraph=RESOLVE_PARAGRAPH) from exc
    result = db.ledger.append([entry], request=request)
    return _written(db, state, result)
