"""`tamga check`: recompute every hash, root, signature and the projection from the journal."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from node.checkpoint import verify_checkpoint_signature
from node.domain.calendar import WorkingCalendar
from node.domain.entries import decode_entry
from node.domain.privacy import verify_commitment
from node.errors import RuleViolation, VerificationError
from node.ledger.replay import Replayer
from node.ledger.service import signed_from_record
from node.ledger.store import LedgerReader, LedgerStore, iter_all
from node.merkle.hasher import hash_leaf
from node.merkle.nodes import NodeID
from node.merkle.tree import Levels, root_at

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``."""


@dataclass(frozen=True)
class CheckReport:
    """What `tamga check` verified."""

    entries: int
    nodes: int
    checkpoints: int
    issuers: int
    emissions: int
    subjects: int  # miners and licences
    private_values: int
    root: bytes


def check_ledger(
    store: LedgerStore,
    *,
    calendar: WorkingCalendar,
    expected_signer: str | None = None,
    progress: Progress | None = None,
) -> CheckReport:
    """Recompute everything from the journal and compare it with what is stored.

    Checks, in order: entry indexes are dense and each leaf hash is H(0x00 || leaf) (RFC 9162
    §2.1.1); every entry decodes; every stored Merkle node equals the recomputed one and none is
    extra; the head and every checkpoint's log root equal the recomputed roots; every checkpoint
    signature (EIP-191) recovers to its signer (and to ``expected_signer``); replaying the journal
    through the domain rules gives the stored projection, versions and each checkpoint's state
    root; every private value opens its commitment.

    Raises:
        VerificationError: at the first mismatch, naming the entry, node or checkpoint.
        StorageError: the database failed.
    """
    report = progress or (lambda _stage, _done, _total: None)
    with store.read() as reader:
        size, head_root = reader.head()
        checkpoints = reader.checkpoints()
        # The replay runs in the same pass as the hash checks, so that each leaf is read and
        # decoded once; a replay failure is raised only after the Merkle and checkpoint checks,
        # in the order the docstring gives.
        replayer = Replayer(calendar=calendar, checkpoint_sizes={row.size for row in checkpoints})
        replay_failure: VerificationError | None = None
        leaf_hashes: list[bytes] = []
        for record in iter_all(reader):
            if record.idx != len(leaf_hashes):
                raise VerificationError(
                    "journal has a gap",
                    expected=len(leaf_hashes),
                    actual=record.idx,
                    where=f"entry {len(leaf_hashes)}",
                )
            computed = hash_leaf(record.leaf)
            if computed != record.leaf_hash:
                raise VerificationError(
                    "stored leaf hash does not match the leaf bytes",
                    expected=computed,
                    actual=record.leaf_hash,
                    where=f"entry {record.idx}",
                )
            try:
                entry = decode_entry(record.leaf)
            except RuleViolation as exc:
                raise VerificationError(
                    f"leaf does not decode: {exc}", where=f"entry {record.idx}"
                ) from exc
            if entry.kind != record.kind:
                raise VerificationError(
                    "stored kind differs from the leaf",
                    expected=entry.kind,
                    actual=record.kind,
                    where=f"entry {record.idx}",
                )
            leaf_hashes.append(computed)
            if replay_failure is None:
                try:
                    replayer.apply(record, entry)
                except VerificationError as exc:
                    replay_failure = exc
            if record.idx % 10_000 == 0:
                report("hashes", record.idx, size)
        if len(leaf_hashes) != size:
            raise VerificationError(
                "journal length differs from the head",
                expected=size,
                actual=len(leaf_hashes),
                where="log head",
            )
        report("hashes", size, size)
        tree = Levels(leaf_hashes)
        _check_nodes(reader, tree.levels, report)
        root = tree.root(size)
        if root != head_root:
            raise VerificationError(
                "head root differs", expected=root, actual=head_root, where="log head"
            )
        for row in checkpoints:
            where = f"checkpoint {row.size}"
            if row.size > size:
                raise VerificationError(
                    "checkpoint beyond the log", expected=size, actual=row.size, where=where
                )
            want = root_at(tree, row.size)
            if row.log_root != want:
                raise VerificationError(
                    "checkpoint log root differs", expected=want, actual=row.log_root, where=where
                )
            signed = signed_from_record(row)
            verify_checkpoint_signature(signed, expected_signer=expected_signer)
        if replay_failure is not None:
            raise replay_failure
        replayed = replayer.result
        report("replay", size, size)
        for row in checkpoints:
            s_root, s_size = replayed.state_roots[row.size]
            where = f"checkpoint {row.size}"
            if (row.state_root, row.state_size) != (s_root, s_size):
                raise VerificationError(
                    "checkpoint state root differs from the replayed register",
                    expected=(s_root.hex(), s_size),
                    actual=(row.state_root.hex(), row.state_size),
                    where=where,
                )
        _compare(
            "issuer",
            [r.__dict__ for r in replayed.issuer_rows()],
            [r.__dict__ for r in reader.issuer_rows()],
            "code",
        )
        _compare(
            "emission",
            [r.__dict__ for r in replayed.emission_rows()],
            [r.__dict__ for r in reader.emission_rows()],
            "application_no",
        )
        _compare(
            "miner or licence",
            [r.__dict__ for r in replayed.subject_rows()],
            [r.__dict__ for r in reader.subject_rows()],
            "key",
        )
        stored_versions = reader.versions()
        want_versions = sorted(replayed.versions, key=lambda r: (r.from_size, r.state_key.encode()))
        _compare(
            "state version",
            [r.__dict__ for r in want_versions],
            [r.__dict__ for r in stored_versions],
            "application_no",
        )
        private = reader.private_values()
        for value in private:
            verify_commitment(value.commitment, json.loads(value.value), value.salt)
        return CheckReport(
            entries=size,
            nodes=sum(len(level) for level in tree.levels),
            checkpoints=len(checkpoints),
            issuers=len(replayed.issuer_idx),
            emissions=len(replayed.emission_idx),
            subjects=len(replayed.core.subject_idx),
            private_values=len(private),
            root=root,
        )


def _check_nodes(reader: LedgerReader, levels: list[list[bytes]], report: Progress) -> None:
    """Every stored Merkle node equals the recomputed one, and none is missing or extra."""
    leaf_count = len(levels[0])
    total = 0
    for level, hashes in enumerate(levels):
        start = NodeID(level=level, index=0).key()
        expected_index = 0
        for key, digest in reader.node_range(start, start + len(hashes)):
            node = NodeID.from_key(key)
            where = f"Merkle node {node}"
            if node.index != expected_index:
                raise VerificationError(
                    "Merkle node missing", expected=expected_index, actual=node.index, where=where
                )
            if digest != hashes[node.index]:
                raise VerificationError(
                    "stored Merkle node differs",
                    expected=hashes[node.index],
                    actual=digest,
                    where=where,
                )
            expected_index += 1
        if expected_index != len(hashes):
            raise VerificationError(
                "Merkle nodes missing",
                expected=len(hashes),
                actual=expected_index,
                where=f"Merkle level {level}",
            )
        total += len(hashes)
        report("nodes", total, 2 * leaf_count)
    stored = reader.node_count()
    if stored != total:
        raise VerificationError(
            "unexpected extra Merkle nodes are stored",
            expected=total,
            actual=stored,
            where="merkle_nodes",
        )


def _compare(
    kind: str, want: list[dict[str, object]], have: list[dict[str, object]], key: str
) -> None:
    have_by_key: dict[str, list[dict[str, object]]] = {}
    for row in have:
        have_by_key.setdefault(str(row[key]), []).append(row)
    for row in want:
        candidates = have_by_key.get(str(row[key]), [])
        if row not in candidates:
            actual = candidates[0] if candidates else None
            raise VerificationError(
                f"stored {kind} differs from the replayed journal",
                expected=row,
                actual=actual,
                where=f"{kind} {row[key]}",
            )
    if len(want) != len(have):
        raise VerificationError(
            f"the projection has {kind} rows the journal does not explain",
            expected=len(want),
            actual=len(have),
            where=f"{kind} table",
        )
