"""The tamper suite: each way of rewriting the register is caught by `tamga audit`, naming where.

The register (tests/audit/audit_world.py) has 15 entries and checkpoints at tree sizes 1, 5, 8,
11, 12 and 15, all anchored on a real anvil. Entries 0-4: the first issuer, its application,
registration, offer and placement start; 5-7: a second issuer, application and registration;
8-10: placement end, results report, recognition of the first emission; 11: a fee payment;
12-14: the first issuer's second application, its registration and offer.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from audit_world import World, anchor, deploy, other_account, sql
from web3 import Web3

from anchoring.audit import audit_export
from anchoring.audit_report import AuditReport, Check
from anchoring.audit_source import DirectorySource
from node.checkpoint import Checkpoint, parse_time, sign_checkpoint
from node.domain.calendar import WorkingCalendar


def _audit(
    world: World,
    export: Path,
    calendar: WorkingCalendar,
    *,
    contract: str | None = None,
    pinned: bool = True,
) -> AuditReport:
    report = audit_export(
        DirectorySource(export),
        chain=world.chain(contract),
        calendar=calendar,
        signers=[world.signer] if pinned else (),
    )
    assert not report.ok
    return report


def _leaf(db: Path, index: int) -> bytes:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT leaf FROM log_entries WHERE idx = ?", (index,)).fetchone()
    return bytes(row[0])


def test_changed_entry_bytes_are_caught_at_the_entry(
    world: World, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    db = world.copy_db(tmp_path / "db")
    leaf = _leaf(db, 3).replace(b"https://ala-too.example/offer", b"https://evil.example/offer")
    sql(db, "UPDATE log_entries SET leaf = ? WHERE idx = 3", leaf)
    report = _audit(world, world.export(tmp_path / "export", db=db), calendar)
    assert report.where(Check.LEAF_HASH) == ["entry 3"]
    assert report.where(Check.LOG_ROOT) == [
        "checkpoint 5",
        "checkpoint 8",
        "checkpoint 11",
        "checkpoint 12",
        "checkpoint 15",
    ]
    first = report.first(Check.LOG_ROOT)
    assert first is not None and "among entries 1..4" in first.message
    assert report.where(Check.CHAIN)[0].startswith("anchor 5 (tx 0x")


def test_changed_entry_with_a_recomputed_hash_is_caught_by_the_roots_and_the_chain(
    world: World, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    from node.merkle.hasher import hash_leaf

    db = world.copy_db(tmp_path / "db")
    leaf = _leaf(db, 3).replace(b"https://ala-too.example/offer", b"https://evil.example/offer")
    sql(db, "UPDATE log_entries SET leaf = ?, leaf_hash = ? WHERE idx = 3", leaf, hash_leaf(leaf))
    report = _audit(world, world.export(tmp_path / "export", db=db), calendar)
    assert report.where(Check.LEAF_HASH) == []
    assert report.where(Check.LOG_ROOT)[0] == "checkpoint 5"
    assert report.where(Check.CONSISTENCY)[0] == "checkpoint 5"
    assert [w.split(" (")[0] for w in report.where(Check.CHAIN)] == [
        "anchor 5",
        "anchor 8",
        "anchor 11",
        "anchor 12",
        "anchor 15",
    ]


def test_a_deleted_entry_is_caught_at_its_index(
    world: World, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    db = world.copy_db(tmp_path / "db")
    sql(db, "DELETE FROM log_entries WHERE idx = 6")
    report = _audit(world, world.export(tmp_path / "export", db=db), calendar)
    finding = report.first(Check.ENTRY_ORDER)
    assert finding is not None
    assert finding.where == "entry 6"
    assert finding.message == "entry 6 is missing: the next line holds entry 7"
    assert report.where(Check.HEAD) == ["manifest.json"]
    assert report.where(Check.LOG_ROOT)[0] == "checkpoint 8"
    assert any("the replay stopped at entry 6" in note for note in report.notes)


def test_two_swapped_entries_are_caught_by_the_replay_and_the_root(
    world: World, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    db = world.copy_db(tmp_path / "db")
    nine, ten = _leaf(db, 9), _leaf(db, 10)
    from node.merkle.hasher import hash_leaf

    sql(db, "UPDATE log_entries SET leaf = ?, leaf_hash = ? WHERE idx = 9", ten, hash_leaf(ten))
    sql(db, "UPDATE log_entries SET leaf = ?, leaf_hash = ? WHERE idx = 10", nine, hash_leaf(nine))
    report = _audit(world, world.export(tmp_path / "export", db=db), calendar)
    replay = report.first(Check.REPLAY)
    assert replay is not None and replay.where == "entry 9"
    assert "emission.recognized_successful is not allowed" in replay.message
    root = report.first(Check.LOG_ROOT)
    assert root is not None and root.where == "checkpoint 11"
    assert "among entries 8..10" in root.message


def test_a_forged_checkpoint_is_caught_by_its_signature_and_the_chain(
    world: World, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    db = world.copy_db(tmp_path / "db")
    sql(db, "UPDATE checkpoints SET state_root = ? WHERE size = 8", b"\x42" * 32)
    report = _audit(world, world.export(tmp_path / "export", db=db), calendar)
    assert report.where(Check.SIGNATURE) == ["checkpoint 8"]
    assert report.where(Check.STATE_ROOT) == ["checkpoint 8"]
    assert report.where(Check.ANCHOR) == ["checkpoint 8"]
    assert report.where(Check.LOG_ROOT) == []


def _resign(db: Path, size: int, *, log_root: bytes | None = None) -> str:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT origin, log_root, state_root, state_size, issued_at FROM checkpoints "
            "WHERE size = ?",
            (size,),
        ).fetchone()
    checkpoint = Checkpoint(
        origin=row[0],
        size=size,
        log_root=log_root or bytes(row[1]),
        state_root=bytes(row[2]),
        state_size=row[3],
        issued_at=parse_time(row[4]),
    )
    signed = sign_checkpoint(checkpoint, other_account())
    sql(
        db,
        "UPDATE checkpoints SET log_root = ?, signer = ?, signature = ? WHERE size = ?",
        checkpoint.log_root,
        signed.signer,
        signed.signature,
        size,
    )
    return signed.signer


def test_a_checkpoint_signed_with_another_key_is_caught(
    world: World, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    db = world.copy_db(tmp_path / "db")
    intruder = _resign(db, 8)
    export = world.export(tmp_path / "export", db=db)
    report = _audit(world, export, calendar)
    finding = report.first(Check.SIGNATURE)
    assert finding is not None and finding.where == "checkpoint 8"
    assert finding.message == "signed by a key that is not the register's"
    assert finding.actual == intruder
    # Without --signer the key of the first checkpoint is pinned: the change still shows.
    unpinned = _audit(world, export, calendar, pinned=False)
    assert unpinned.where(Check.SIGNATURE) == ["checkpoint 8"]


def test_a_different_root_anchored_on_another_contract_is_caught(
    world: World, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    """The forger anchors a rewritten root at size 8 on a contract of their own, re-signs
    checkpoint 8 with it and points the export's anchor data there."""
    db = world.copy_db(tmp_path / "db")
    forged_root = b"\x66" * 32
    _resign(db, 8, log_root=forged_root)
    w3 = Web3(Web3.HTTPProvider(world.rpc_url))
    theirs = deploy(w3, sender=w3.eth.accounts[1])
    with sqlite3.connect(db) as conn:
        state_root = bytes(
            conn.execute("SELECT state_root FROM checkpoints WHERE size = 8").fetchone()[0]
        )
    claim = anchor(
        w3,
        theirs,
        size=8,
        log_root=forged_root,
        state_root=state_root,
        proof=[],
        sender=w3.eth.accounts[1],
    )
    export = world.export(tmp_path / "export", db=db)
    lines = (export / "checkpoints.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    for row in rows:
        if row["tree_size"] == 8:
            row["anchor"] = claim
    (export / "checkpoints.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8"
    )

    # Audited against the register's contract: the claim points elsewhere, rootAt disagrees.
    report = _audit(world, export, calendar, pinned=False)
    claims = [f for f in report.findings if f.check is Check.ANCHOR]
    assert [f.where for f in claims] == ["checkpoint 8", "checkpoint 8"]
    assert "anchored on another contract" in claims[0].message
    assert theirs.lower() in claims[0].message.lower()  # the receipt shows who anchored what
    assert report.where(Check.LOG_ROOT) == ["checkpoint 8"]

    # Audited against the forger's contract: its anchor does not match the entries.
    misled = _audit(world, export, calendar, contract=theirs, pinned=False)
    assert misled.where(Check.CHAIN)[0].startswith("anchor 8 (tx ")
    chain = misled.first(Check.CHAIN)
    assert chain is not None and "differs from the root recomputed" in chain.message
