"""`tamga export`: the public log as files an outsider can verify with nothing but RFC 9162."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.domain.canonical import parse_json
from node.ledger.store import CheckpointRecord, EntryRecord, LedgerStore, SqlLedgerStore, iter_all
from node.ledger.witness_store import CosignatureRecord, NoteRecord, cosignatures, notes

EXPORT_FORMAT = "tamga.export.v1"


@dataclass(frozen=True)
class ExportReport:
    """What was exported."""

    directory: Path
    entries: int
    checkpoints: int
    root: bytes


def entry_json(record: EntryRecord) -> dict[str, Any]:
    """One line of entries.jsonl: index, exact leaf bytes (base64), leaf hash and decoded entry."""
    return {
        "index": record.idx,
        "leaf": base64.b64encode(record.leaf).decode("ascii"),
        "leaf_hash": record.leaf_hash.hex(),
        "entry": parse_json(record.leaf, field="leaf"),
    }


def checkpoint_json(row: CheckpointRecord) -> dict[str, Any]:
    """One line of checkpoints.jsonl, without its ``anchor`` (``export_ledger`` adds it)."""
    return {
        "origin": row.origin,
        "tree_size": row.size,
        "log_root": row.log_root.hex(),
        "state_root": row.state_root.hex(),
        "state_size": row.state_size,
        "time": row.issued_at,
        "signer": row.signer,
        "signature": "0x" + row.signature.hex(),
        "signature_scheme": "EIP-191 personal_sign over the checkpoint body",
    }


def witness_members(
    note: NoteRecord | None, cosigned: list[CosignatureRecord] | None
) -> dict[str, Any]:
    """The checkpoint line's C2SP members: ``note`` (the signed note text, c2sp.org/signed-note
    and tlog-checkpoint), ``note_key`` (vkey of the node's Ed25519 note key) and
    ``cosignatures`` (witnesses' c2sp.org/tlog-cosignature lines, without their newline)."""
    return {
        "note": None if note is None else note.note,
        "note_key": None if note is None else note.key,
        "cosignatures": [c.line for c in cosigned or []],
    }


def checkpoint_line(
    row: CheckpointRecord,
    *,
    anchor: Mapping[str, Any] | None,
    note: NoteRecord | None,
    cosigned: list[CosignatureRecord] | None,
) -> dict[str, Any]:
    """One line of checkpoints.jsonl: the checkpoint, its ``anchor`` (null when this size was
    not anchored) and its C2SP members (``witness_members``)."""
    line = checkpoint_json(row)
    line["anchor"] = None if anchor is None else dict(anchor)
    line.update(witness_members(note, cosigned))
    return line


def manifest_json(*, size: int, root: bytes, entries: str, checkpoints: str) -> dict[str, Any]:
    """manifest.json of an export of ``size`` entries with ``root``: the format, where the two
    files are, and the hashing."""
    return {
        "format": EXPORT_FORMAT,
        "tree_size": size,
        "root": root.hex(),
        "entries": entries,
        "checkpoints": checkpoints,
        "hashing": "RFC 9162 §2.1: SHA-256, leaf H(0x00 || leaf), node H(0x01 || left || right)",
    }


def export_ledger(
    store: LedgerStore,
    directory: Path,
    *,
    on_entry: Callable[[int, int], None] | None = None,
    anchors: Mapping[int, Mapping[str, Any]] | None = None,
) -> ExportReport:
    """Write entries.jsonl, checkpoints.jsonl and manifest.json into ``directory``.

    Each checkpoint line carries ``anchor``: its on-chain anchor from ``anchors`` (keyed by tree
    size; chain id, contract, transaction hash, block number and hash), or null; and its C2SP
    signed note and witness cosignatures (``witness_members``) when the store has them.
    Private values (Reg. §66) are never exported: entries hold only their commitments.

    Raises:
        StorageError: the database failed.
        OSError: the directory cannot be written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    with store.read() as reader:
        size, root = reader.head()
        with (directory / "entries.jsonl").open("w", encoding="utf-8") as out:
            for record in iter_all(reader):
                out.write(json.dumps(entry_json(record), ensure_ascii=False, separators=(",", ":")))
                out.write("\n")
                if on_entry is not None and record.idx % 10_000 == 0:
                    on_entry(record.idx, size)
        checkpoints = reader.checkpoints()
        signed_notes = notes(store.engine) if isinstance(store, SqlLedgerStore) else {}
        cosigned = cosignatures(store.engine) if isinstance(store, SqlLedgerStore) else {}
        with (directory / "checkpoints.jsonl").open("w", encoding="utf-8") as out:
            for row in checkpoints:
                line = checkpoint_line(
                    row,
                    anchor=(anchors or {}).get(row.size),
                    note=signed_notes.get(row.size),
                    cosigned=cosigned.get(row.size),
                )
                out.write(json.dumps(line, separators=(",", ":")))
                out.write("\n")
    manifest = manifest_json(
        size=size, root=root, entries="entries.jsonl", checkpoints="checkpoints.jsonl"
    )
    (directory / "manifest.json").write_text(
        json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
    )
    return ExportReport(directory=directory, entries=size, checkpoints=len(checkpoints), root=root)
