"""Equivocation evidence: written by the audit, re-verified by anyone; forged evidence refused."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from audit_world import World, export_with, grow
from typer.testing import CliRunner, Result

from anchoring.audit import audit_export
from anchoring.audit_report import Check
from anchoring.audit_source import DirectorySource
from anchoring.equivocation import (
    INCONSISTENT,
    SAME_SIZE,
    Evidence,
    build_evidence,
    checkpoint_view,
    consistency_roots,
    eip191_checkpoint,
    evidence_proof,
    parse_evidence,
    register_kind,
    verify_evidence,
)
from node.cli import CliOverrides, app
from node.clock import FixedClock
from node.domain.calendar import WorkingCalendar
from node.errors import VerificationError
from node.merkle.hasher import hash_leaf
from node.merkle.tree import build_tree, prove_consistency, root_at

SEEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def views(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two exports of one origin and key: honest (base+1, base+2), fork (another base+1)."""
    directory = tmp_path_factory.mktemp("views")
    honest = world.copy_db(directory / "honest")
    fork = world.copy_db(directory / "fork")
    grow(honest, "11.00", regno=world.regno)
    grow(honest, "12.00", regno=world.regno)
    grow(fork, "99.00", regno=world.regno)
    return {
        "honest": export_with(world, directory / "honest-x", honest, world.anchors),
        "fork": export_with(world, directory / "fork-x", fork, world.anchors),
    }


def _lines(export: Path) -> dict[int, dict[str, Any]]:
    rows = [json.loads(line) for line in (export / "checkpoints.jsonl").open()]
    return {row["tree_size"]: row for row in rows}


def _leaf_hashes(export: Path) -> list[bytes]:
    return [
        bytes.fromhex(json.loads(line)["leaf_hash"]) for line in (export / "entries.jsonl").open()
    ]


# ---- the format --------------------------------------------------------------------------


def test_same_size_evidence_round_trips_and_verifies(world: World, views: dict[str, Path]) -> None:
    size = max(world.sizes) + 1
    a = eip191_checkpoint(_lines(views["honest"])[size])
    b = eip191_checkpoint(_lines(views["fork"])[size])
    evidence = build_evidence(a, b, proof=None, detail="two roots", seen_at=SEEN, seen_by="test")
    assert evidence.check == SAME_SIZE
    encoded = evidence.encode()
    assert json.loads(encoded)["format"] == "tamga.equivocation.v1"
    assert parse_evidence(encoded) == evidence
    assert parse_evidence(json.dumps(json.loads(encoded), indent=2).encode()) == evidence
    proven = verify_evidence(parse_evidence(encoded), signers=[world.signer])
    assert f"at tree size {size} with different roots" in proven.summary


def _inconsistent(world: World, views: dict[str, Path]) -> Evidence:
    """The fork's base+1 against the honest base+2, with the honest tree's proof."""
    size = max(world.sizes) + 1
    hashes = _leaf_hashes(views["honest"])
    store, _ = build_tree(hashes)
    proof = prove_consistency(store, size, size + 1)
    return build_evidence(
        eip191_checkpoint(_lines(views["fork"])[size]),
        eip191_checkpoint(_lines(views["honest"])[size + 1]),
        proof=evidence_proof(size, proof, old_root=root_at(store, size)),
        detail="does not extend",
        seen_at=SEEN,
        seen_by="test",
    )


def test_inconsistent_evidence_verifies_with_the_larger_tree_s_proof(
    world: World, views: dict[str, Path]
) -> None:
    evidence = _inconsistent(world, views)
    assert evidence.check == INCONSISTENT
    proven = verify_evidence(parse_evidence(evidence.encode()))
    assert "does not extend" in proven.summary


def test_consistency_roots_follow_rfc_9162_for_every_pair_of_sizes() -> None:
    hashes = [hash_leaf(bytes([i])) for i in range(13)]
    store, _ = build_tree(hashes)
    for size1 in range(1, 13):
        for size2 in range(size1 + 1, 14):
            proof = prove_consistency(store, size1, size2)
            old_root = root_at(store, size1)
            old, new = consistency_roots(
                size1=size1,
                size2=size2,
                proof=evidence_proof(size1, proof, old_root=old_root),
                root1=bytes(32),
            )
            assert (old, new) == (old_root, root_at(store, size2)), (size1, size2)


def _forge(evidence: Evidence, **changes: Any) -> Evidence:
    value = evidence.to_json()
    for path, new in changes.items():
        where: Any = value
        *parents, last = path.split("__")
        for part in parents:
            where = where[part]
        where[last] = new
    return parse_evidence(json.dumps(value).encode())


def test_forged_evidence_is_refused_naming_why(world: World, views: dict[str, Path]) -> None:
    size = max(world.sizes) + 1
    a = eip191_checkpoint(_lines(views["honest"])[size])
    b = eip191_checkpoint(_lines(views["fork"])[size])
    same = build_evidence(a, b, proof=None, detail="x", seen_at=SEEN, seen_by="test")
    # a root changed after signing: the signature no longer recovers to the signer
    with pytest.raises(VerificationError, match="checkpoint b: the signature"):
        verify_evidence(_forge(same, b__log_root="ab" * 32))
    # the same checkpoint twice is no equivocation
    with pytest.raises(VerificationError, match="same root: no equivocation"):
        verify_evidence(_forge(same, b=same.a))
    # signed by a key that is not the log's
    with pytest.raises(VerificationError, match="not the log's"):
        verify_evidence(same, signers=["0x" + "11" * 20])
    # another origin named
    with pytest.raises(VerificationError, match="not of one origin"):
        verify_evidence(_forge(same, origin="another/log"))
    inconsistent = _inconsistent(world, views)
    # a made-up proof leads to neither root: it shows nothing
    proof = inconsistent.consistency_proof
    assert proof is not None
    garbage = ["cd" * 32 for _ in proof]
    with pytest.raises(VerificationError, match="does not lead to b's root"):
        verify_evidence(_forge(inconsistent, consistency_proof=garbage))
    # two consistent checkpoints with their real proof: no equivocation
    honest = _lines(views["honest"])
    store, _ = build_tree(_leaf_hashes(views["honest"]))
    real = Evidence(
        origin=inconsistent.origin,
        check=INCONSISTENT,
        a=eip191_checkpoint(honest[size]),
        b=eip191_checkpoint(honest[size + 1]),
        consistency_proof=tuple(
            evidence_proof(
                size, prove_consistency(store, size, size + 1), old_root=root_at(store, size)
            )
        ),
        detail="forged",
        seen_at="2026-11-20T09:30:00.000000Z",
        seen_by="forger",
    )
    with pytest.raises(VerificationError, match="the consistency proof verifies"):
        verify_evidence(real)
    with pytest.raises(VerificationError, match=r"not tamga\.equivocation\.v1"):
        parse_evidence(b'{"format": "tamga.equivocation.v2"}')
    with pytest.raises(VerificationError, match="unknown kind"):
        verify_evidence(_forge(same, a__kind="x509"))


def test_another_kind_of_signed_checkpoint_plugs_in() -> None:
    from anchoring.equivocation import KINDS, CheckpointView

    class Toy:
        name = "toy"

        def view(self, signed: Any) -> CheckpointView:
            if signed.get("sig") != "ok":
                raise VerificationError("toy signature invalid")
            return CheckpointView(
                kind="toy",
                origin=signed["origin"],
                size=signed["size"],
                log_root=bytes.fromhex(signed["root"]),
                signer="toy-key",
            )

    register_kind(Toy())
    try:
        a = {"kind": "toy", "origin": "o", "size": 3, "root": "aa" * 32, "sig": "ok"}
        b = {**a, "root": "bb" * 32}
        evidence = build_evidence(a, b, proof=None, detail="d", seen_at=SEEN, seen_by="t")
        assert verify_evidence(parse_evidence(evidence.encode())).a.signer == "toy-key"
        assert checkpoint_view(b).log_root == bytes.fromhex("bb" * 32)
        with pytest.raises(VerificationError, match="toy signature invalid"):
            verify_evidence(_forge(evidence, b__sig="no"))
    finally:
        del KINDS["toy"]


# ---- the audit finds it ---------------------------------------------------------------------


def test_two_lines_of_one_size_in_an_export_are_evidence(
    world: World, views: dict[str, Path], tmp_path: Path, calendar: WorkingCalendar
) -> None:
    size = max(world.sizes) + 1
    export = tmp_path / "x"
    export.mkdir()
    for name in ("manifest.json", "entries.jsonl"):
        (export / name).write_bytes((views["honest"] / name).read_bytes())
    lines = (views["honest"] / "checkpoints.jsonl").read_text().splitlines(keepends=True)
    forked = json.dumps(_lines(views["fork"])[size]) + "\n"
    lines.insert(len(lines) - 1, forked)  # after the honest base+1, before base+2
    (export / "checkpoints.jsonl").write_text("".join(lines))
    report = audit_export(
        DirectorySource(export),
        chain=None,
        calendar=calendar,
        signers=[world.signer],
        seen_at=SEEN,
    )
    assert report.where(Check.EQUIVOCATION) == [f"checkpoint {size}"]
    assert len(report.evidence) >= 1
    assert report.evidence[0].check == SAME_SIZE
    verify_evidence(report.evidence[0], signers=[world.signer])
    assert report.to_json()["equivocations"][0]["seen_at"] == "2026-11-20T09:30:00.000000Z"


def test_compare_with_another_view_finds_the_split(
    world: World, views: dict[str, Path], calendar: WorkingCalendar
) -> None:
    report = audit_export(
        DirectorySource(views["fork"]),
        chain=None,
        calendar=calendar,
        signers=[world.signer],
        compare=[DirectorySource(views["honest"])],
        seen_at=SEEN,
    )
    size = max(world.sizes) + 1
    assert report.where(Check.EQUIVOCATION) == [f"checkpoint {size} of {views['honest']}"]
    (evidence,) = report.evidence
    verify_evidence(evidence)
    same = audit_export(
        DirectorySource(views["honest"]),
        chain=None,
        calendar=calendar,
        signers=[world.signer],
        compare=[DirectorySource(views["honest"])],
    )
    assert same.ok and not same.evidence


# ---- the CLI ---------------------------------------------------------------------------------


@pytest.fixture
def tamga(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for key in list(os.environ):
        if key.startswith("TAMGA_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TAMGA_DATA_DIR", str(tmp_path / "data"))
    return CliRunner()


def _run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(
        app, list(args), obj=CliOverrides(clock=FixedClock(SEEN)), env={"COLUMNS": "200"}
    )


def test_the_cli_writes_evidence_exits_6_and_re_verifies_it(
    tamga: CliRunner, world: World, views: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    result = _run(
        tamga,
        "audit",
        str(views["fork"]),
        "--rpc",
        world.rpc_url,
        "--contract",
        world.contract,
        "--signer",
        world.signer,
        "--compare",
        str(views["honest"]),
        "--out",
        str(out / "report.json"),
    )
    assert result.exit_code == 6, result.output
    (written,) = sorted(out.glob("equivocation-*.json"))
    assert f"equivocation evidence written to {written}" in result.output
    assert json.loads((out / "report.json").read_text())["result"] == "fail"
    check = _run(tamga, "audit", "equivocation", str(written), "--signer", world.signer)
    assert check.exit_code == 0, check.output
    assert check.stdout.startswith("equivocation proven: two signed checkpoints")
    forged = json.loads(written.read_text())
    forged["b"]["log_root"] = forged["a"]["log_root"]
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    refused = _run(tamga, "audit", "equivocation", str(tmp_path / "forged.json"))
    assert refused.exit_code == 4
    assert "checkpoint b: the signature" in refused.output


def test_a_line_signed_by_another_key_is_no_evidence(
    world: World, views: dict[str, Path], tmp_path: Path, calendar: WorkingCalendar
) -> None:
    from audit_world import other_account

    from node.checkpoint import Checkpoint, parse_time, sign_checkpoint

    size = max(world.sizes) + 1
    line = _lines(views["honest"])[size]
    forged = sign_checkpoint(
        Checkpoint(
            origin=line["origin"],
            size=size,
            log_root=bytes(range(32)),
            state_root=bytes.fromhex(line["state_root"]),
            state_size=line["state_size"],
            issued_at=parse_time(line["time"]),
        ),
        other_account(),
    )
    export = tmp_path / "x"
    export.mkdir()
    for name in ("manifest.json", "entries.jsonl", "checkpoints.jsonl"):
        (export / name).write_bytes((views["honest"] / name).read_bytes())
    extra = {
        **line,
        "log_root": bytes(range(32)).hex(),
        "signer": forged.signer,
        "signature": "0x" + forged.signature.hex(),
    }
    with (export / "checkpoints.jsonl").open("a") as out:
        out.write(json.dumps(extra) + "\n")
    report = audit_export(
        DirectorySource(export), chain=None, calendar=calendar, signers=[world.signer]
    )
    assert not report.evidence
    assert report.where(Check.SIGNATURE) == [f"checkpoint {size}"]
    assert Check.EQUIVOCATION not in {f.check for f in report.findings}


def test_evidence_files_never_overwrite_each_other(
    world: World, views: dict[str, Path], tmp_path: Path
) -> None:
    from anchoring.equivocation import write_evidence

    size = max(world.sizes) + 1
    a = eip191_checkpoint(_lines(views["honest"])[size])
    b = eip191_checkpoint(_lines(views["fork"])[size])
    one = build_evidence(a, b, proof=None, detail="one", seen_at=SEEN, seen_by="test")
    two = build_evidence(a, b, proof=None, detail="two", seen_at=SEEN, seen_by="test")
    first = write_evidence(one, tmp_path)
    assert write_evidence(one, tmp_path) == first
    second = write_evidence(two, tmp_path)
    assert second != first and second.name.endswith("-2.json")
    assert parse_evidence(first.read_bytes()) == one
    assert parse_evidence(second.read_bytes()) == two
