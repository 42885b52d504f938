"""Build the proof bundle of one emission, miner or licence (`tamga bundle`, the API's routes).

The node side: reads entries, proofs and the checkpoint from the ledger and the anchor from the
chain itself (``Anchored`` events, ``latest``, ``rootAt``), so the bundle never repeats what the
node merely believes about its anchors. The same arguments give the same bytes (the chain reads
are pinned to one block), which is what lets a printed extract carry the bundle's hash.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from anchoring.audit_chain import AnchorChain, AnchoredEvent
from anchoring.bundle_format import (
    BUNDLE_FORMAT,
    SUBJECT_BUNDLE_FORMAT,
    AnyBundle,
    Bundle,
    BundleAnchor,
    BundleCheckpoint,
    BundleEntry,
    BundleLatestAnchor,
    BundleStateProof,
    Observation,
    SubjectBundle,
)
from node.domain.entries import (
    EmissionPlacementStarted,
    EmissionResultsReported,
    Entry,
    IssuerEntry,
    IssuerReorganized,
    decode_entry,
)
from node.domain.subjects import MINER, register_of_key
from node.domain.vasps import licences_named
from node.errors import ChainError, NotFound
from node.ledger.export import witness_members
from node.ledger.service import Ledger
from node.ledger.store import CheckpointRecord, EntryRecord
from node.ledger.witness_store import cosignatures, notes


def build_bundle(
    ledger: Ledger,
    key: str,
    *,
    chain: AnchorChain,
    checkpoint_size: int | None = None,
    block: int | None = None,
    from_block: int = 0,
) -> AnyBundle:
    """The proof bundle of ``key``: an emission (registration or application number), a miner
    (certificate number) or a licence (licence number).

    The entries are proven in the anchored checkpoint of ``checkpoint_size`` leaves (default:
    the latest anchored tree size at ``block``), and that checkpoint consistent with the latest
    anchor at ``block`` (default: the chain's latest block). Besides the record's own entries
    the bundle carries those its replay needs (`_closure`, `_subject_closure`). Calls with the
    same arguments return the same bundle.

    Raises:
        NotFound: no such record, no anchor (at that size), no such checkpoint, or the record
            did not exist yet at the checkpoint.
        ChainError: the RPC endpoint failed, or the chain's anchor is not the ledger's.
        MerkleError: the checkpoint is beyond the ledger's head.
    """
    pinned = block if block is not None else chain.head().number
    latest_root = chain.latest(block=pinned)
    if latest_root.tree_size == 0:
        raise NotFound(kind="anchor", key=f"{chain.contract} at block {pinned}")
    size = checkpoint_size if checkpoint_size is not None else latest_root.tree_size
    if size > latest_root.tree_size:
        raise NotFound(kind="anchor", key=f"tree size {size} at block {pinned}")
    checkpoint = _checkpoint(ledger, size)
    register = register_of_key(key)
    if register is None:
        emission = ledger.emission(key)
        records = _closure(
            ledger, issuer=emission.issuer, application_no=emission.application_no, size=size
        )
        own_key, kind = emission.application_no, "emission"
    else:
        records = _subject_closure(ledger, key, size=size)
        own_key, kind = key, "miner" if register == MINER else "licence"
    if not any(r.subject == own_key for r in records):
        raise NotFound(kind=kind, key=f"{key} at checkpoint {size}")
    anchor = _event(chain, size, from_block=from_block, block=pinned)
    latest = _event(chain, latest_root.tree_size, from_block=from_block, block=pinned)
    if anchor.log_root != checkpoint.log_root or anchor.state_root != checkpoint.state_root:
        raise ChainError(
            f"the chain's anchor at tree size {size} is not the ledger's checkpoint "
            f"(chain {anchor.log_root.hex()}, ledger {checkpoint.log_root.hex()})"
        )
    state = ledger.state_proof(own_key, checkpoint_size=size)
    consistency = ledger.prove_consistency(size, latest.tree_size)
    chain_id = chain.chain_id()
    head_hash = chain.block_hashes([pinned]).get(pinned)
    if head_hash is None:
        raise ChainError(f"block {pinned} is not on the chain yet")
    observations = tuple(
        _observe(chain, label=label, data=data, chain_id=chain_id, block=pinned, hash_=head_hash)
        for label, data in (
            ("RegistryAnchor.latest()", chain.encode_call("latest")),
            (f"RegistryAnchor.rootAt({size})", chain.encode_call("rootAt", size)),
        )
    )
    proven: dict[str, Any] = dict(
        checkpoint=BundleCheckpoint(
            origin=checkpoint.origin,
            tree_size=checkpoint.size,
            log_root=checkpoint.log_root.hex(),
            state_root=checkpoint.state_root.hex(),
            state_size=checkpoint.state_size,
            time=checkpoint.issued_at,
            signer=checkpoint.signer,
            signature="0x" + checkpoint.signature.hex(),
            **_witness_members(ledger, size),
        ),
        entries=tuple(
            BundleEntry(
                index=record.idx,
                leaf=base64.b64encode(record.leaf).decode("ascii"),
                proof=tuple(h.hex() for h in ledger.prove_inclusion(record.idx, size=size).proof),
            )
            for record in records
        ),
        state_proof=BundleStateProof(
            key=state.key,
            state=dict(state.record),
            index=state.index,
            state_size=state.state_size,
            proof=tuple(h.hex() for h in state.proof),
        ),
        anchor=_anchor(anchor, chain_id=chain_id),
        latest_anchor=BundleLatestAnchor(
            **_anchor(latest, chain_id=chain_id).model_dump(),
            consistency_proof=tuple(h.hex() for h in consistency.proof),
        ),
        observations=observations,
    )
    if register is not None:
        return SubjectBundle(
            format=SUBJECT_BUNDLE_FORMAT,
            register_="miner" if register == MINER else "vasp",
            subject=key,
            **proven,
        )
    return Bundle(
        format=BUNDLE_FORMAT,
        emission=state.key,
        application_no=emission.application_no,
        issuer=emission.issuer,
        **proven,
    )


def _witness_members(ledger: Ledger, size: int) -> dict[str, Any]:
    """The checkpoint's C2SP signed note and cosignatures, as on checkpoints.jsonl lines."""
    members = witness_members(
        notes(ledger.store.engine).get(size), cosignatures(ledger.store.engine).get(size)
    )
    members["cosignatures"] = tuple(members["cosignatures"])
    return members


def _checkpoint(ledger: Ledger, size: int) -> CheckpointRecord:
    for row in ledger.checkpoints():
        if row.size == size:
            return row
    raise NotFound(kind="checkpoint", key=str(size))


def _event(chain: AnchorChain, size: int, *, from_block: int, block: int) -> AnchoredEvent:
    events = chain.anchored_events(from_block=from_block, to_block=block, tree_size=size)
    if not events:
        raise NotFound(kind="Anchored event", key=f"tree size {size} on {chain.contract}")
    return events[-1]


def _closure(ledger: Ledger, *, issuer: str, application_no: str, size: int) -> list[EntryRecord]:
    """Entries below ``size`` that replaying the emission needs, in index order.

    ``apply_entry`` reads only the entry's issuer (and a reorganization's successor), the
    emission named, the issuer's emissions and the calendar corrections recorded before it. So:
    every ``calendar.corrected`` entry (deadlines are counted with them); the emission's own
    entries; its issuer's
    entries; the issuer entries of a successor before the reorganization names it; and of the
    issuer's other emissions, the entries up to their registration (a registration takes the
    issuer's next serial number, Reg. §68(в)); what happens to them afterwards cannot change
    this emission or the issuer; and where the emission's placement names a licensed venue,
    that licence's entries as far as the emission reads them (`_venue_closure`).
    """
    found: dict[int, EntryRecord] = {}

    def add(records: Iterable[EntryRecord], *, below: int) -> None:
        for record in records:
            if record.idx < below:
                found[record.idx] = record

    add(ledger.calendar_entries(), below=size)
    issuer_records = [record for record, _ in ledger.history(issuer)]
    add(issuer_records, below=size)
    for record in issuer_records:
        if record.idx >= size:
            continue
        entry = decode_entry(record.leaf)
        if isinstance(entry, IssuerReorganized):
            successor = [
                r for r, e in ledger.history(entry.successor) if isinstance(e, IssuerEntry)
            ]
            add(successor, below=record.idx)
    for emission in ledger.emissions(issuer=issuer):
        history = ledger.history(emission.application_no)
        records = [record for record, _ in history]
        if emission.application_no == application_no:
            add(records, below=size)
            add(_venue_closure(history, ledger=ledger, size=size), below=size)
            continue
        registered = next((r for r in records if r.kind == "emission.registered"), None)
        if registered is not None:
            add(records, below=min(size, registered.idx + 1))
    return [found[idx] for idx in sorted(found)]


def _venue_closure(
    history: list[tuple[EntryRecord, Entry]], *, ledger: Ledger, size: int
) -> list[EntryRecord]:
    """The entries of the licences a placement venue is named by (Reg. §22), as far as the
    emission's replay reads them: before the placement start (checked that day) or, once the
    results are reported, before the report (which records the days they did not cover)."""
    venues: tuple[str, ...] = ()
    last = -1
    for record, entry in history:
        if record.idx >= size:
            break
        if isinstance(entry, EmissionPlacementStarted):
            venues, last = licences_named(entry.venue), record.idx
        elif isinstance(entry, EmissionResultsReported) and venues:
            last = record.idx
    return [r for venue in venues for r in _subject_closure(ledger, venue, size=last)]


def _subject_closure(ledger: Ledger, key: str, *, size: int) -> list[EntryRecord]:
    """Entries below ``size`` that replaying a miner or licence needs: its own, and every
    ``calendar.corrected`` entry. A miner's or licence's entries read nothing else (Law art.
    14-16, 30-32: numbers are checked unique, and a number is in no other record's entries).
    """
    found = {r.idx: r for r in ledger.calendar_entries() if r.idx < size}
    found.update((r.idx, r) for r, _ in ledger.history(key) if r.idx < size)
    return [found[idx] for idx in sorted(found)]


def _anchor(event: AnchoredEvent, *, chain_id: int) -> BundleAnchor:
    return BundleAnchor(
        chain_id=chain_id,
        contract=event.contract,
        tx_hash="0x" + event.tx_hash.hex(),
        block_number=event.block_number,
        block_hash="0x" + event.block_hash.hex(),
        log_index=event.log_index,
        tree_size=event.tree_size,
        log_root=event.log_root.hex(),
        state_root=event.state_root.hex(),
        anchored_at=event.anchored_at,
    )


def _observe(
    chain: AnchorChain, *, label: str, data: bytes, chain_id: int, block: int, hash_: bytes
) -> Observation:
    result = chain.call(to=chain.contract, data=data, block=block)
    return Observation(
        label=label,
        chain_id=chain_id,
        to=chain.contract,
        data="0x" + data.hex(),
        block_number=block,
        block_hash="0x" + hash_.hex(),
        result="0x" + result.hex(),
    )
