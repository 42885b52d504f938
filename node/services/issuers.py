"""Issuers: registration, events, the public record, and the founders behind the commitment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from node.clock import Clock
from node.domain.canonical import parse_json
from node.domain.entries import IssuerRegistered, decode_entry
from node.domain.filings import IssuerFiling, issuer_event_entry
from node.domain.lifecycle import recorded_on
from node.domain.model import EmissionState, IssuerState
from node.domain.privacy import verify_commitment
from node.errors import RuleViolation, VerificationError
from node.ledger.sequencer import Integrated
from node.merkle.hasher import hash_leaf
from node.merkle.verify import verify_inclusion
from node.services.database import Database
from node.types import RequestId


@dataclass(frozen=True)
class IssuerWritten:
    """An issuer entry just written: the issuer's code, the entry's index, the log size after it,
    the entry's kind and the issuer's record after it."""

    code: str
    kind: str
    index: int
    size: int
    issuer: IssuerState


@dataclass(frozen=True)
class Founders:
    """An issuer's founders (Reg. §66, PRIVATE), checked against the log: the value opens the
    commitment of the issuer's ``issuer.registered`` entry, and that entry is included in the
    log of ``tree_size`` entries with ``root`` (RFC 9162 §2.1.3)."""

    issuer: str
    founders: tuple[Any, ...]
    salt: bytes
    commitment: str
    entry_index: int
    tree_size: int
    root: bytes


def normalize_kind(kind: str, *, prefix: str) -> str:
    """Accept ``partial_burn`` as well as ``emission.partial_burn`` (and ``-`` for ``_``)."""
    name = kind.strip().replace("-", "_")
    return name if name.startswith(f"{prefix}.") else f"{prefix}.{name}"


def effective_date(effective_on: date | None, *, clock: Clock) -> date:
    """``effective_on``, or today in Kyrgyz time by ``clock``."""
    return effective_on if effective_on is not None else recorded_on(clock.now())


def register_issuer(
    db: Database,
    *,
    filing: IssuerFiling,
    effective_on: date | None = None,
    request: RequestId | None = None,
    recorded_by: str | None = None,
) -> IssuerWritten:
    """Enter an issuer in the register; its code is assigned (Reg. §68(г)), its founders are kept
    privately and the log holds only a salted commitment (Reg. §66). ``recorded_by``: the
    workbench's person who entered it (None: not attributed).

    Raises:
        RuleViolation: the filing breaks a rule (nothing written).
        StorageError: the database failed.
    """
    code, result = db.ledger.register_issuer(
        filing,
        effective_on=effective_date(effective_on, clock=db.clock),
        request=request,
        recorded_by=recorded_by,
    )
    return IssuerWritten(
        code=code,
        kind="issuer.registered",
        index=result.first_index,
        size=result.size,
        issuer=db.ledger.issuer(code),
    )


def record_issuer_event(
    db: Database,
    *,
    code: str,
    kind: str,
    data: Mapping[str, Any],
    effective_on: date | None = None,
    request: RequestId | None = None,
    recorded_by: str | None = None,
) -> IssuerWritten:
    """Record an issuer event: update, reorganization or liquidation (Reg. §62, §64); ``kind``
    may leave out the prefix ``issuer.``.

    Raises:
        NotFound: no issuer has this code (checked first).
        RuleViolation: the event is unknown, malformed or breaks a rule (nothing written).
        StorageError: the database failed.
    """
    if request is not None and (done := db.ledger.integrated(request)) is not None:
        return _issuer_written(db, code=code, result=done)
    db.ledger.issuer(code)
    entry = issuer_event_entry(
        normalize_kind(kind, prefix="issuer"),
        issuer=code,
        data=data,
        recorded_at=db.clock.now(),
        effective_on=effective_date(effective_on, clock=db.clock),
        recorded_by=recorded_by,
    )
    result = db.ledger.append([entry], request=request)
    return _issuer_written(db, code=code, result=result)


def _issuer_written(db: Database, *, code: str, result: Integrated) -> IssuerWritten:
    return IssuerWritten(
        code=code,
        kind=result.entries[0].kind,
        index=result.first_index,
        size=result.size,
        issuer=db.ledger.issuer(code),
    )


def issuers(db: Database) -> list[IssuerState]:
    """Every issuer, by code.

    Raises:
        StorageError: the database failed.
    """
    return db.ledger.issuers()


def issuer(db: Database, *, code: str) -> tuple[IssuerState, list[EmissionState]]:
    """An issuer's public record (Reg. §62) and its emissions.

    Raises:
        NotFound: no issuer has this code.
        StorageError: the database failed.
    """
    return db.ledger.issuer(code), db.ledger.emissions(issuer=code)


def founders(db: Database, *, code: str) -> Founders:
    """PRIVATE (Reg. §66): an issuer's founders and salt, for the authority only, each time
    checked against the log: the kept value must open the register's commitment, that
    commitment must be the one of the issuer's ``issuer.registered`` entry, and that entry must
    be included in the log's head (RFC 9162 §2.1.3 inclusion proof, verified).

    Raises:
        NotFound: no issuer has this code, or no value is kept for its commitment.
        VerificationError: the kept value is not JSON or does not open the commitment, is not
            attached to this issuer's registration entry, the log's commitment differs from the
            register's, or the inclusion proof fails.
        StorageError: the database failed.
    """
    ledger = db.ledger
    state = ledger.issuer(code)
    private = ledger.private_value(state.founders_commitment)
    try:
        value = parse_json(private.value.encode("utf-8"), field="founders")
        verify_commitment(state.founders_commitment, value, private.salt)
    except (RuleViolation, TypeError, ValueError) as exc:
        raise VerificationError(
            f"the kept founders' value cannot be committed to: {exc}", where="private value"
        ) from exc
    records = ledger.entries(private.entry_idx, private.entry_idx + 1)
    entry = decode_entry(records[0].leaf) if records else None
    where = f"entry {private.entry_idx}"
    if not isinstance(entry, IssuerRegistered) or entry.issuer != code:
        raise VerificationError(
            "the private value is not attached to this issuer's registration entry", where=where
        )
    if entry.founders_commitment != state.founders_commitment:
        raise VerificationError(
            "the commitment in the log differs from the register's",
            expected=entry.founders_commitment,
            actual=state.founders_commitment,
            where=where,
        )
    record = records[0]
    proof = ledger.prove_inclusion(record.idx)
    verify_inclusion(
        index=record.idx,
        size=proof.size,
        leaf_hash=hash_leaf(record.leaf),
        proof=proof.proof,
        root=proof.root,
    )
    return Founders(
        issuer=code,
        founders=tuple(value) if isinstance(value, list) else (),
        salt=private.salt,
        commitment=state.founders_commitment,
        entry_index=record.idx,
        tree_size=proof.size,
        root=proof.root,
    )
