"""`tamga audit`, `tamga bundle`, `tamga extract` and the stand-alone `tamga-audit`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from audit_world import World, sql
from typer.testing import CliRunner, Result

from node.cli import CliOverrides, app
from node.clock import FixedClock

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tamga(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for key in list(os.environ):
        if key.startswith("TAMGA_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TAMGA_DATA_DIR", str(tmp_path / "data"))
    return CliRunner()


def _run(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> Result:
    clock = FixedClock(datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    return runner.invoke(
        app, list(args), obj=CliOverrides(clock=clock), env={"COLUMNS": "200", **(env or {})}
    )


def test_audit_passes_with_json_report_and_exit_zero(
    tamga: CliRunner, world: World, clean_export: Path
) -> None:
    result = _run(
        tamga,
        "audit",
        str(clean_export),
        "--rpc",
        world.rpc_url,
        "--contract",
        world.contract,
        "--signer",
        world.signer,
        "--json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["format"] == "tamga.audit-report.v1"
    assert report["result"] == "pass"
    assert report["facts"]["entries"] == max(world.sizes)
    assert {c["check"] for c in report["checks"]} >= {"leaf-hash", "anchor", "chain", "replay"}


def test_audit_of_a_tampered_export_exits_4_naming_the_entry(
    tamga: CliRunner, world: World, tmp_path: Path
) -> None:
    db = world.copy_db(tmp_path / "db")
    sql(db, "DELETE FROM log_entries WHERE idx = 6")
    export = world.export(tmp_path / "export", db=db)
    args = ("audit", "export", str(export), "--rpc", world.rpc_url, "--contract", world.contract)
    human = _run(tamga, *args)
    assert human.exit_code == 4
    assert "FAIL entry 6: entry 6 is missing: the next line holds entry 7" in human.stdout
    machine = _run(tamga, *args, "--json")
    assert machine.exit_code == 4
    report = json.loads(machine.stdout)
    assert report["result"] == "fail"
    assert {"check": "entry-order", "where": "entry 6"}.items() <= report["findings"][0].items()


def test_audit_reports_bad_input_as_one_line(tamga: CliRunner, tmp_path: Path) -> None:
    result = _run(
        tamga,
        "audit",
        str(tmp_path / "missing"),
        "--rpc",
        "http://127.0.0.1:1",
        "--contract",
        "0x" + "11" * 20,
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'missing'} is not an export directory"


def test_bundle_then_audit_bundle_then_extract(
    tamga: CliRunner, world: World, tmp_path: Path
) -> None:
    db = world.copy_db(tmp_path / "db")
    env = {"TAMGA_DATABASE_URL": f"sqlite:///{db}"}
    chain = ("--rpc", world.rpc_url, "--contract", world.contract)
    out = tmp_path / "bundle.json"
    built = _run(tamga, "bundle", world.regno, "--out", str(out), *chain, env=env)
    assert built.exit_code == 0, built.output
    assert built.stderr.startswith("sha256 ")
    sha = built.stderr.split()[1]

    checked = _run(
        tamga, "audit", "bundle", str(out), "--regno", world.regno, "--sha256", sha, *chain
    )
    assert checked.exit_code == 0, checked.output
    assert "PASS: every check passed" in checked.stdout

    other = _run(tamga, "audit", "bundle", str(out), "--regno", world.other_regno, *chain)
    assert other.exit_code == 4
    assert "FAIL bundle: the bundle is for another emission" in other.stdout

    pdf = tmp_path / "extract.pdf"
    printed = _run(tamga, "extract", world.regno, "--out", str(pdf), *chain, env=env)
    assert printed.exit_code == 0, printed.output
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert f"sha256  {sha}" in printed.stdout  # the same bundle as `tamga bundle` built


def test_bundle_without_a_chain_says_what_to_give(
    tamga: CliRunner, world: World, tmp_path: Path
) -> None:
    db = world.copy_db(tmp_path / "db")
    result = _run(tamga, "bundle", world.regno, env={"TAMGA_DATABASE_URL": f"sqlite:///{db}"})
    assert result.exit_code == 1
    assert "give --rpc and --contract" in result.stderr


def test_stand_alone_tamga_audit_runs_without_the_node(world: World, clean_export: Path) -> None:
    """The auditor's entry point imports no ledger or database code, and works."""
    probe = (
        "import sys; from node.cli.audit import main; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'sqlalchemy', 'sqlmodel', 'alembic', 'psycopg', 'fastapi', 'apscheduler', 'api'} "
        "or m.startswith('node.ledger')); print(bad)"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "[]"
    script = Path(sys.executable).parent / "tamga-audit"
    run = subprocess.run(
        [str(script), str(clean_export), "--rpc", world.rpc_url, "--contract", world.contract],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PASS: every check passed" in run.stdout


def test_a_rolled_back_export_needs_the_proof_tamga_log_prints(
    tamga: CliRunner, world: World, tmp_path: Path
) -> None:
    from audit_world import anchor_all, cut_back, export_with, grow, new_contract

    db = world.copy_db(tmp_path / "db")
    base = max(world.sizes)
    grow(db, "11.00", regno=world.regno)
    contract = new_contract(world)
    anchors = anchor_all(world, contract, db)
    export = cut_back(export_with(world, tmp_path / "x", db, anchors), base)
    chain = ("--rpc", world.rpc_url, "--contract", contract, "--signer", world.signer)
    bare = _run(tamga, "audit", str(export), *chain)
    assert bare.exit_code == 4
    assert f"FAIL checkpoint {base}: the export's signed head {base} is older" in bare.stdout
    env = {"TAMGA_DATABASE_URL": f"sqlite:///{db}"}
    printed = _run(tamga, "log", "prove", "consistency", str(base), str(base + 1), env=env)
    assert printed.exit_code == 0, printed.output
    proof = tmp_path / "proof.json"
    proof.write_text(printed.stdout)
    proven = _run(tamga, "audit", str(export), *chain, "--proof", str(proof), "--chain-id", "31337")
    assert proven.exit_code == 0, proven.output
    assert "note: the export is a proven prefix" in proven.stdout
    wrong = _run(tamga, "audit", str(export), *chain, "--proof", str(proof), "--chain-id", "1")
    assert wrong.exit_code == 4
    assert "the RPC serves another chain than --chain-id" in wrong.stdout


def test_a_bundle_is_held_to_the_chain_s_latest_anchor(
    tamga: CliRunner, world: World, tmp_path: Path
) -> None:
    from audit_world import anchor_all, grow, new_contract

    db = world.copy_db(tmp_path / "db")
    contract = new_contract(world)
    anchor_all(world, contract, db)
    env = {"TAMGA_DATABASE_URL": f"sqlite:///{db}"}
    chain = ("--rpc", world.rpc_url, "--contract", contract)
    out = tmp_path / "bundle.json"
    built = _run(tamga, "bundle", world.regno, "--out", str(out), *chain, env=env)
    assert built.exit_code == 0, built.output
    fresh = _run(tamga, "audit", "bundle", str(out), *chain)
    assert fresh.exit_code == 0, fresh.output
    # a later anchor: the bundle's latest anchor is now old, and needs a proof to the new one
    base = max(world.sizes)
    grow(db, "11.00", regno=world.regno)
    anchor_all(world, contract, db)
    stale = _run(tamga, "audit", "bundle", str(out), *chain)
    assert stale.exit_code == 4
    assert f"the bundle's latest anchor {base} is older than the chain's {base + 1}" in (
        stale.stdout
    )
    printed = _run(tamga, "log", "prove", "consistency", str(base), str(base + 1), env=env)
    proof = tmp_path / "proof.json"
    proof.write_text(printed.stdout)
    proven = _run(tamga, "audit", "bundle", str(out), *chain, "--proof", str(proof))
    assert proven.exit_code == 0, proven.output
    assert "is a proven prefix of the chain's latest anchor" in proven.stdout


def test_monitor_cli_exits_7_on_an_unreachable_node(tamga: CliRunner, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    result = _run(tamga, "monitor", "http://127.0.0.1:9/", "--once", "--state", str(state))
    assert result.exit_code == 7, result.output
    assert "ALARM unreachable at http://127.0.0.1:9/" in result.output
    assert state.is_file()


def test_several_rpcs_are_cross_checked(tamga: CliRunner, world: World, clean_export: Path) -> None:
    result = _run(
        tamga,
        "audit",
        str(clean_export),
        "--rpc",
        world.rpc_url,
        "--rpc",
        world.rpc_url.replace("127.0.0.1", "localhost"),
        "--contract",
        world.contract,
        "--json",
    )
    assert result.exit_code == 0, result.output
    checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["rpc-agreement"]["checked"] == 1
    dead = _run(
        tamga,
        "audit",
        str(clean_export),
        "--rpc",
        world.rpc_url,
        "--rpc",
        "http://127.0.0.1:9",
        "--contract",
        world.contract,
    )
    assert dead.exit_code == 1
    assert "http://127.0.0.1:9" in dead.output
