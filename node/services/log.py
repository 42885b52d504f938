"""The log: head, entries, checkpoints, RFC 9162 proofs, state proofs and the export's lines."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from node.errors import MerkleError, NotFound
from node.ledger.export import checkpoint_line, manifest_json
from node.ledger.service import ConsistencyProof, InclusionProof
from node.ledger.store import CheckpointRecord, EntryRecord, iter_all
from node.services.database import Database
from node.state import StateProof


@dataclass(frozen=True)
class LogHead:
    """The log's size and root, and its newest checkpoint (None before the first)."""

    size: int
    root: bytes
    latest: CheckpointRecord | None


def head(db: Database) -> LogHead:
    """Size and root of the Merkle log, and the newest checkpoint.

    Raises:
        StorageError: the database failed.
    """
    with db.store.read() as reader:
        size, root = reader.head()
        latest = reader.latest_checkpoint()
    return LogHead(size=size, root=root, latest=latest)


def entries(db: Database, *, start: int, limit: int) -> tuple[int, list[EntryRecord]]:
    """The log size and entries ``start`` … ``start + limit - 1`` (fewer at the head).

    Raises:
        StorageError: the database failed.
    """
    size, _ = db.ledger.head()
    return size, db.ledger.entries(start, start + limit) if start < size else []


def entry(db: Database, *, index: int) -> EntryRecord:
    """Entry ``index`` with its exact leaf bytes.

    Raises:
        NotFound: the log has no entry ``index``.
        StorageError: the database failed.
    """
    records = db.ledger.entries(index, index + 1)
    if not records:
        raise NotFound(kind="entry", key=str(index))
    return records[0]


def checkpoints(db: Database) -> list[CheckpointRecord]:
    """Every signed checkpoint, oldest first.

    Raises:
        StorageError: the database failed.
    """
    return db.ledger.checkpoints()


def checkpoint(db: Database, *, size: int | None = None) -> CheckpointRecord:
    """The checkpoint cut at exactly ``size`` entries (default: the newest).

    Raises:
        NotFound: no checkpoint was cut at that size (or none at all).
        StorageError: the database failed.
    """
    if size is None:
        return db.ledger.latest_checkpoint()
    with db.store.read() as reader:
        row = reader.checkpoint(size)
    if row is None:
        raise NotFound(kind="checkpoint", key=str(size))
    return row


def prove_inclusion(db: Database, *, index: int, size: int | None = None) -> InclusionProof:
    """RFC 9162 §2.1.3 inclusion proof of entry ``index`` in the tree of ``size`` entries
    (default: the head).

    Raises:
        MerkleError: ``size`` is beyond the log (field "tree_size", rule "tree-size-in-range")
            or ``index`` is not in the tree (field "index", rule "index-in-range").
        StorageError: the database failed.
    """
    head_size, _ = db.ledger.head()
    tree_size = head_size if size is None else size
    paragraph = "RFC 9162 §2.1.3"
    if tree_size > head_size:
        raise MerkleError(
            f"the log has {head_size} entries, not {tree_size}",
            field="tree_size",
            rule="tree-size-in-range",
            paragraph=paragraph,
        )
    if index >= tree_size:
        raise MerkleError(
            f"entry {index} is not in a tree of {tree_size} entries",
            field="index",
            rule="index-in-range",
            paragraph=paragraph,
        )
    return db.ledger.prove_inclusion(index, size=tree_size)


def prove_consistency(db: Database, *, first: int, second: int | None = None) -> ConsistencyProof:
    """RFC 9162 §2.1.4 consistency proof that the tree of ``second`` entries (default: the
    head) extends the tree of ``first`` entries.

    Raises:
        MerkleError: ``second`` is beyond the log (field "second", rule "tree-size-in-range")
            or ``first`` is larger than ``second`` (field "first", rule "sizes-ordered").
        StorageError: the database failed.
    """
    head_size, _ = db.ledger.head()
    size2 = head_size if second is None else second
    paragraph = "RFC 9162 §2.1.4"
    if size2 > head_size:
        raise MerkleError(
            f"the log has {head_size} entries, not {size2}",
            field="second",
            rule="tree-size-in-range",
            paragraph=paragraph,
        )
    if first > size2:
        raise MerkleError(
            f"the first tree size {first} is larger than the second {size2}",
            field="first",
            rule="sizes-ordered",
            paragraph=paragraph,
        )
    return db.ledger.prove_consistency(first, size2)


def state_proof(db: Database, *, key: str, checkpoint: int | None = None) -> StateProof:
    """Proof that emission ``key`` had its public record at a checkpoint (default: the newest),
    against that checkpoint's state root.

    Raises:
        NotFound: no such checkpoint, or the emission did not exist at it.
        StorageError: the database failed.
    """
    return db.ledger.state_proof(key, checkpoint_size=checkpoint)


def newest_recorded_at(db: Database, *, kind: str, start: int, end: int) -> str | None:
    """``recorded_at`` of the newest ``kind`` entry among entries ``start <= idx < end`` (None
    when there is none).

    Raises:
        StorageError: the database failed.
    """
    with db.store.read() as reader:
        return reader.newest_recorded_at(kind, start, end)


def export_entry_records(db: Database) -> Iterator[EntryRecord]:
    """The log's entries up to the head as it is now (read before this returns), streamed from
    one read snapshot (entries.jsonl, docs/export-format.md).

    Raises:
        StorageError: the database failed (reading the head, or while streaming).
    """
    size, _ = db.ledger.head()

    def records() -> Iterator[EntryRecord]:
        with db.store.read() as reader:
            for record in iter_all(reader):
                if record.idx >= size:
                    break
                yield record

    return records()


def export_checkpoint_lines(
    db: Database, *, anchors: Mapping[int, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The lines of checkpoints.jsonl, oldest first: each signed checkpoint with its ``anchor``
    (from ``anchors``, keyed by tree size; null when not anchored), its C2SP signed note and its
    witnesses' cosignatures (docs/export-format.md).

    Raises:
        StorageError: the database failed.
    """
    signed_notes = db.witnesses.notes()
    cosigned = db.witnesses.cosignatures()
    return [
        checkpoint_line(
            row,
            anchor=anchors.get(row.size),
            note=signed_notes.get(row.size),
            cosigned=cosigned.get(row.size),
        )
        for row in db.ledger.checkpoints()
    ]


def export_manifest(db: Database, *, entries: str, checkpoints: str) -> dict[str, Any]:
    """manifest.json: format, tree size and root of the head, where the two files are, and the
    hashing (docs/export-format.md).

    Raises:
        StorageError: the database failed.
    """
    size, root = db.ledger.head()
    return manifest_json(size=size, root=root, entries=entries, checkpoints=checkpoints)
