"""Log services: head, entries, checkpoints, RFC 9162 proofs (verified), state proofs, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from node.clock import FixedClock
from node.errors import MerkleError, NotFound
from node.ledger.export import entry_json, export_ledger
from node.merkle.verify import verify_consistency, verify_inclusion
from node.services import log
from node.services.database import Database
from tests.support.scenario import NOW, populate


@pytest.fixture
def service_clock() -> FixedClock:
    """After the whole sample lifecycle (``populate`` walks it)."""
    return FixedClock(NOW)


@pytest.fixture
def populated(db: Database) -> tuple[Database, str]:
    """The sample issuer and its emission walked to placement, a checkpoint at the head."""
    _, key = populate(db.ledger, until="placement_started")
    db.ledger.cut_checkpoint()
    return db, key


def test_head_and_checkpoints(db: Database) -> None:
    empty = log.head(db)
    assert (empty.size, empty.latest) == (0, None)
    with pytest.raises(NotFound):
        log.checkpoint(db)
    populate(db.ledger, until="registered")
    signed = db.ledger.cut_checkpoint()
    head = log.head(db)
    assert head.latest is not None
    assert (head.size, head.latest.size) == (signed.checkpoint.size, signed.checkpoint.size)
    assert log.checkpoints(db) == [head.latest]
    assert log.checkpoint(db, size=head.size) == head.latest
    with pytest.raises(NotFound):
        log.checkpoint(db, size=1)


def test_entries_pages_and_one_entry(populated: tuple[Database, str]) -> None:
    db, _ = populated
    size, records = log.entries(db, start=1, limit=2)
    assert [r.idx for r in records] == [1, 2]
    assert log.entries(db, start=size, limit=5) == (size, [])
    assert log.entry(db, index=2) == records[1]
    with pytest.raises(NotFound):
        log.entry(db, index=size)


def test_proofs_verify(populated: tuple[Database, str]) -> None:
    db, _ = populated
    size = log.head(db).size
    inclusion = log.prove_inclusion(db, index=1)
    verify_inclusion(
        index=1,
        size=inclusion.size,
        leaf_hash=inclusion.leaf_hash,
        proof=inclusion.proof,
        root=log.head(db).root,
    )
    older = log.prove_inclusion(db, index=0, size=2)
    assert older.size == 2
    consistency = log.prove_consistency(db, first=2)
    assert consistency.size2 == size
    verify_consistency(
        size1=2,
        size2=size,
        root1=older.root,
        root2=consistency.root2,
        proof=consistency.proof,
    )


@pytest.mark.parametrize(
    ("call", "field", "rule"),
    [
        (lambda db, n: log.prove_inclusion(db, index=n), "index", "index-in-range"),
        (
            lambda db, n: log.prove_inclusion(db, index=0, size=n + 1),
            "tree_size",
            "tree-size-in-range",
        ),
        (lambda db, n: log.prove_consistency(db, first=n + 1), "first", "sizes-ordered"),
        (
            lambda db, n: log.prove_consistency(db, first=1, second=n + 5),
            "second",
            "tree-size-in-range",
        ),
    ],
)
def test_proof_ranges_name_the_argument(
    populated: tuple[Database, str], call: object, field: str, rule: str
) -> None:
    db, _ = populated
    size = log.head(db).size
    with pytest.raises(MerkleError) as caught:
        call(db, size)  # type: ignore[operator]
    assert (caught.value.field, caught.value.rule) == (field, rule)
    assert caught.value.paragraph.startswith("RFC 9162 §2.1.")


def test_state_proof(populated: tuple[Database, str]) -> None:
    db, key = populated
    proof = log.state_proof(db, key=key)
    assert proof.key == key and proof.checkpoint_size == log.head(db).size
    with pytest.raises(NotFound):
        log.state_proof(db, key=key, checkpoint=3)


def test_newest_recorded_at(populated: tuple[Database, str]) -> None:
    db, _ = populated
    size = log.head(db).size
    assert log.newest_recorded_at(db, kind="verification.observed", start=0, end=size) is None
    _, records = log.entries(db, start=0, limit=size)
    registered = [r.recorded_at for r in records if r.kind == "emission.registered"]
    assert log.newest_recorded_at(db, kind="emission.registered", start=0, end=size) == max(
        registered
    )
    assert log.newest_recorded_at(db, kind="emission.registered", start=0, end=1) is None


def test_export_lines_equal_the_export_files(
    populated: tuple[Database, str], tmp_path: Path
) -> None:
    db, _ = populated
    anchors = {log.head(db).size: {"chain_id": 31337, "tx_hash": "0x" + "ab" * 32}}
    export_ledger(db.store, tmp_path, anchors=anchors)
    lines = (tmp_path / "entries.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x) for x in lines] == [entry_json(r) for r in log.export_entry_records(db)]
    checkpoints = (tmp_path / "checkpoints.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x) for x in checkpoints] == log.export_checkpoint_lines(db, anchors=anchors)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == log.export_manifest(
        db, entries="entries.jsonl", checkpoints="checkpoints.jsonl"
    )


def test_export_entries_stop_at_the_head_read_first(populated: tuple[Database, str]) -> None:
    db, _key = populated
    size = log.head(db).size
    records = log.export_entry_records(db)
    populate(db.ledger, until="registered")  # more entries after the head was read
    assert [r.idx for r in records] == list(range(size))
