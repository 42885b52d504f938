"""Non-canonical leaves are refused everywhere, naming the entry: `tamga audit`,
scripts/verify_export.py, the bundle verifier and `tamga check`.

Each tampered export is made consistent in everything but canonicity: the leaf hash, every
checkpoint's log root (re-signed with the register's own key), the manifest's root and a fresh
contract on the same anvil holding every checkpoint's anchor are all recomputed from the
tampered leaves, and the same pipeline without the tampering is audited as the control.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from audit_world import World, anchor, deploy, sql
from web3 import Web3

from anchoring.audit import audit_export
from anchoring.audit_bundle import audit_bundle
from anchoring.audit_chain import AnchorReader
from anchoring.audit_report import AuditReport, Check
from anchoring.audit_source import DirectorySource, parse_entry_line
from anchoring.bundle import build_bundle
from anchoring.bundle_format import bundle_bytes
from node.checkpoint import Checkpoint, parse_time, sign_checkpoint
from node.domain.calendar import WorkingCalendar
from node.errors import VerificationError
from node.ledger.check import check_ledger
from node.ledger.store import SqlLedgerStore
from node.merkle.hasher import hash_leaf
from node.merkle.tree import build_tree, prove_consistency, root_at
from tests.support.scenario import signer

ROOT = Path(__file__).resolve().parents[2]


def _lines(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().splitlines() if line]


def _leaves(export: Path) -> list[bytes]:
    return [base64.b64decode(json.loads(line)["leaf"]) for line in _lines(export / "entries.jsonl")]


def _line(index: int, leaf: bytes, *, copy: str) -> bytes:
    head = {
        "index": index,
        "leaf": base64.b64encode(leaf).decode("ascii"),
        "leaf_hash": hash_leaf(leaf).hex(),
    }
    text = json.dumps(head, separators=(",", ":"))[:-1].encode()
    if copy == "verbatim":  # the leaf bytes themselves as the readable copy
        return text + b',"entry":' + leaf + b"}"
    # as `tamga export` writes it: the value Python's parser reads from the leaf
    value = json.loads(leaf)
    return text + b',"entry":' + json.dumps(value, ensure_ascii=False).encode() + b"}"


def _reanchored(world: World, export: Path, changes: dict[int, bytes], *, copy: str) -> str:
    """Rewrite ``export`` in place with ``changes`` (index -> leaf), then recompute and re-sign
    everything above the leaves and anchor it on a fresh contract; returns its address."""
    leaves = _leaves(export)
    lines = _lines(export / "entries.jsonl")
    for index, leaf in changes.items():
        leaves[index] = leaf
        lines[index] = _line(index, leaf, copy=copy)
    (export / "entries.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
    tree, size = build_tree(hash_leaf(leaf) for leaf in leaves)
    w3 = Web3(Web3.HTTPProvider(world.rpc_url))
    contract = deploy(w3, sender=w3.eth.accounts[0])
    rows = [json.loads(line) for line in _lines(export / "checkpoints.jsonl")]
    previous = 0
    for row in rows:
        log_root = root_at(tree, row["tree_size"])
        checkpoint = Checkpoint(
            origin=row["origin"],
            size=row["tree_size"],
            log_root=log_root,
            state_root=bytes.fromhex(row["state_root"]),
            state_size=row["state_size"],
            issued_at=parse_time(row["time"]),
        )
        signed = sign_checkpoint(checkpoint, signer())
        row["log_root"] = log_root.hex()
        row["signer"] = signed.signer
        row["signature"] = "0x" + signed.signature.hex()
        proof = prove_consistency(tree, previous, checkpoint.size) if previous else []
        row["anchor"] = anchor(
            w3,
            contract,
            size=checkpoint.size,
            log_root=log_root,
            state_root=checkpoint.state_root,
            proof=list(proof),
        )
        previous = checkpoint.size
    (export / "checkpoints.jsonl").write_text(
        "".join(json.dumps(row, separators=(",", ":")) + "\n" for row in rows), encoding="utf-8"
    )
    manifest = json.loads((export / "manifest.json").read_text(encoding="utf-8"))
    manifest["tree_size"], manifest["root"] = size, root_at(tree, size).hex()
    (export / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return contract


def _audit(world: World, export: Path, contract: str, calendar: WorkingCalendar) -> AuditReport:
    return audit_export(
        DirectorySource(export),
        chain=AnchorReader(world.rpc_url, contract),
        calendar=calendar,
        signers=[world.signer],
    )


def _failures(report: AuditReport) -> set[tuple[str, str]]:
    return {(str(f.check), f.where) for f in report.findings}


def _verify_export(export: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "verify_export.py"), str(export)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _with_tail(world: World, tmp_path: Path) -> Path:
    """A copy of the register with one more entry (index 15) after the last checkpoint."""
    db = world.copy_db(tmp_path / "tail-db")
    ledger = world.open(db)
    try:
        ledger.record_event(
            kind="emission.fee_paid",
            emission=world.regno,
            data={"amount": "5.00"},
            effective_on=date(2026, 9, 2),
        )
    finally:
        ledger.close()
    return db


def _whitespace(leaf: bytes) -> bytes:
    return leaf.replace(b'":', b'": ', 1)


def _member_order(leaf: bytes) -> bytes:
    value = json.loads(leaf)
    reordered = dict(reversed(list(value.items())))
    return json.dumps(reordered, ensure_ascii=False, separators=(",", ":")).encode()


def _escape(leaf: bytes) -> bytes:
    return leaf.replace(b'"format"', b'"\\u0066ormat"')


VARIANTS = {"whitespace": _whitespace, "member order": _member_order, "string escape": _escape}


@pytest.mark.parametrize(
    ("index", "variant", "tail"),
    [
        (0, "whitespace", False),  # the first entry
        (6, "member order", False),  # a middle entry, under checkpoint 8
        (14, "string escape", False),  # the last entry (checkpoint 15)
        (15, "whitespace", True),  # an entry after the last checkpoint
    ],
)
def test_a_non_canonical_leaf_fails_the_audit_and_verify_export_naming_the_entry(
    world: World,
    tmp_path: Path,
    calendar: WorkingCalendar,
    index: int,
    variant: str,
    tail: bool,
) -> None:
    db = _with_tail(world, tmp_path) if tail else world.db
    control = world.export(tmp_path / "control", db=db)
    tampered = world.export(tmp_path / "tampered", db=db)
    leaf = _leaves(tampered)[index]
    changed = VARIANTS[variant](leaf)
    assert changed != leaf and json.loads(changed) == json.loads(leaf)  # same value, spelled else

    control_report = _audit(
        world, control, _reanchored(world, control, {}, copy="verbatim"), calendar
    )
    report = _audit(
        world, tampered, _reanchored(world, tampered, {index: changed}, copy="verbatim"), calendar
    )

    assert not report.ok
    # Only canonicity is wrong: nothing fails that does not fail without the tampering.
    assert _failures(report) - _failures(control_report) == {
        (str(Check.ENTRY_FORMAT), f"entry {index}")
    }
    if not tail:
        assert control_report.ok, control_report.findings
    finding = report.first(Check.ENTRY_FORMAT)
    assert finding is not None and "json-not-canonical" in finding.message
    assert f"({variant})" in finding.message

    assert _verify_export(control).returncode == 0
    result = _verify_export(tampered)
    assert result.returncode == 1
    assert result.stdout.startswith(f"FAIL entry {index}: the leaf is not RFC 8785 canonical JSON")


def test_a_duplicate_member_name_fails_although_the_copy_is_what_one_parser_reads(
    world: World, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    """Entry 3 (the offer disclosure) gets a second ``uri`` in front: parsers that keep the
    first member read the forger's address, Python (the last) reads the original one, which is
    what the readable copy shows."""
    control = world.export(tmp_path / "control", db=world.db)
    tampered = world.export(tmp_path / "tampered", db=world.db)
    leaf = _leaves(tampered)[3]
    assert b'"uri":"https://ala-too.example/offer"' in leaf
    forged = b'{"uri":"https://evil.example/offer",' + leaf[1:]
    assert json.loads(forged) == json.loads(leaf)  # Python's reading is unchanged

    control_report = _audit(
        world, control, _reanchored(world, control, {}, copy="export"), calendar
    )
    report = _audit(
        world, tampered, _reanchored(world, tampered, {3: forged}, copy="export"), calendar
    )
    assert control_report.ok, control_report.findings
    assert _failures(report) == {
        (str(Check.ENTRY_FORMAT), "entry 3"),
        (str(Check.ENTRY_COPY), "entry 3"),  # the copy is not the leaf's canonical form
    }
    finding = report.first(Check.ENTRY_FORMAT)
    assert finding is not None
    assert 'duplicate member name "uri"' in finding.message
    assert "json-duplicate-member" in finding.message

    assert _verify_export(control).returncode == 0
    result = _verify_export(tampered)
    assert result.returncode == 1
    assert result.stdout.startswith("FAIL entry 3: the leaf is not RFC 8785 canonical JSON")
    assert 'duplicate member name "uri"' in result.stdout


def test_the_audit_compares_the_readable_copy_type_strictly() -> None:
    """``1 == True == 1.0`` in Python: the copy is compared by its canonical bytes instead."""
    leaf = b'{"n":1}'
    line = _line(0, leaf, copy="verbatim")
    assert parse_entry_line(line).copy_ok
    assert parse_entry_line(line.replace(b'"entry":{"n":1}', b'"entry": {"n": 1}')).copy_ok
    for copy in (b"true", b"1.0", b'"1"', b"1e0", b"[1]"):
        other = line.replace(b'"entry":{"n":1}', b'"entry":{"n":' + copy + b"}")
        assert not parse_entry_line(other).copy_ok, copy
    with pytest.raises(VerificationError, match='duplicate member name "entry"'):
        parse_entry_line(line[:-1] + b',"entry":{"n":1}}')


def test_tamga_check_names_the_non_canonical_entry(
    world: World, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    db = world.copy_db(tmp_path / "db")
    store = SqlLedgerStore.from_url(f"sqlite:///{db}")
    try:
        check_ledger(store, calendar=calendar)  # the copy checks out before the tampering
    finally:
        store.dispose()
    import sqlite3

    with sqlite3.connect(db) as conn:
        leaf = bytes(conn.execute("SELECT leaf FROM log_entries WHERE idx = 9").fetchone()[0])
    changed = _member_order(leaf)
    sql(
        db,
        "UPDATE log_entries SET leaf = ?, leaf_hash = ? WHERE idx = 9",
        changed,
        hash_leaf(changed),
    )
    store = SqlLedgerStore.from_url(f"sqlite:///{db}")
    try:
        with pytest.raises(VerificationError) as err:
            check_ledger(store, calendar=calendar)
    finally:
        store.dispose()
    assert err.value.where == "entry 9"
    assert "member order" in str(err.value) and "json-not-canonical" in str(err.value)


def test_the_bundle_verifier_names_a_non_canonical_entry(
    world: World, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    ledger = world.open()
    try:
        bundle = build_bundle(ledger, world.regno, chain=world.chain())
    finally:
        ledger.close()
    data: dict[str, Any] = json.loads(bundle_bytes(bundle))
    clean = audit_bundle(
        bundle_bytes(bundle), chain=world.chain(), calendar=calendar, signers=[world.signer]
    )
    assert clean.report.ok, clean.report.findings
    item = data["entries"][2]
    leaf = base64.b64decode(item["leaf"])
    item["leaf"] = base64.b64encode(_whitespace(leaf)).decode("ascii")
    audit = audit_bundle(
        json.dumps(data).encode(), chain=world.chain(), calendar=calendar, signers=[world.signer]
    )
    finding = audit.report.first(Check.ENTRY_FORMAT)
    assert finding is not None and finding.where == f"entry {item['index']}"
    assert "(whitespace)" in finding.message and "json-not-canonical" in finding.message


def test_a_bundle_file_with_a_duplicate_member_is_refused(
    world: World, calendar: WorkingCalendar
) -> None:
    ledger = world.open()
    try:
        bundle = build_bundle(ledger, world.regno, chain=world.chain())
    finally:
        ledger.close()
    data = bundle_bytes(bundle)
    doubled = data[:-1] + b',"emission":"KG0000X0000"}'  # a second "emission" member
    audit = audit_bundle(doubled, chain=world.chain(), calendar=calendar, signers=[world.signer])
    assert not audit.report.ok
    finding = audit.report.first()
    assert finding is not None and finding.where == "bundle"
    assert 'duplicate member name "emission"' in finding.message
