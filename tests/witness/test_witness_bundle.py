"""Proof bundles carry the checkpoint's note and cosignatures; `tamga audit bundle`'s policy."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from anchoring.audit_bundle import audit_bundle
from anchoring.audit_report import Check
from anchoring.audit_witness import parse_policy
from anchoring.bundle import build_bundle
from anchoring.bundle_format import bundle_bytes
from node.chain.anvil import AnvilProcess
from node.domain.calendar import kyrgyz_calendar
from tests.audit.audit_world import build_world
from tests.witness.witness_support import TAMGA, WitnessServer, cosigner


def test_bundle_carries_cosignatures_and_the_audit_counts_them(
    witnesses: tuple[WitnessServer, WitnessServer], tmp_path: Path
) -> None:
    a, b = witnesses
    with AnvilProcess.start() as anvil:
        world = build_world(tmp_path / "world", anvil.url)
        ledger = world.open()
        try:
            without = bundle_bytes(build_bundle(ledger, world.regno, chain=world.chain()))
            with httpx.Client(timeout=10) as http:
                outcomes = cosigner(ledger, [a, b], http).run()
            assert [o.status for o in outcomes] == ["cosigned", "cosigned"]
            data = bundle_bytes(build_bundle(ledger, world.regno, chain=world.chain()))
        finally:
            ledger.close()
        # `tamga audit` with a witness policy over the whole export, as an auditor runs it.
        export = world.export(tmp_path / "export")
        policy_args = ["--witness", a.vkey, "--witness", b.vkey, "--witness-threshold", "2"]
        audit_args = [TAMGA, "audit", str(export), "--rpc", anvil.url, "--contract", world.contract]
        passed = subprocess.run(
            [*audit_args, *policy_args], capture_output=True, text=True, check=False
        )
        assert passed.returncode == 0, passed.stdout[-2000:] + passed.stderr[-2000:]
        lines = (export / "checkpoints.jsonl").read_text().splitlines()
        last = json.loads(lines[-1])
        last["cosignatures"] = last["cosignatures"][1:]
        (export / "checkpoints.jsonl").write_text("\n".join([*lines[:-1], json.dumps(last)]) + "\n")
        failed = subprocess.run(
            [*audit_args, *policy_args, "--json"], capture_output=True, text=True, check=False
        )
        assert failed.returncode == 4, failed.stderr[-2000:]
        report = json.loads(failed.stdout)
        (finding,) = [f for f in report["findings"] if f["check"] == "witness"]
        assert finding["where"] == f"checkpoint {world.sizes[-1]}" and a.vkey in finding["message"]
        checkpoint = json.loads(data)["checkpoint"]
        assert checkpoint["tree_size"] == world.sizes[-1]
        assert len(checkpoint["cosignatures"]) == 2 and checkpoint["note"].count("\n\n") == 1
        policy = parse_policy([a.vkey, b.vkey], threshold=2)
        calendar = kyrgyz_calendar()
        audit = audit_bundle(data, chain=world.chain(), calendar=calendar, witness_policy=policy)
        assert audit.report.ok, [f.line() for f in audit.report.findings]

        # The bundle built before the witnesses ran has no note: the policy fails it.
        audit = audit_bundle(without, chain=world.chain(), calendar=calendar, witness_policy=policy)
        finding = audit.report.first(Check.WITNESS)
        assert finding is not None and "no C2SP signed note" in finding.message

        # One cosignature dropped: 1 of the 2 required, naming the missing witness.
        value = json.loads(data)
        value["checkpoint"]["cosignatures"] = value["checkpoint"]["cosignatures"][:1]
        dropped = json.dumps(value).encode()
        audit = audit_bundle(dropped, chain=world.chain(), calendar=calendar, witness_policy=policy)
        finding = audit.report.first(Check.WITNESS)
        assert finding is not None and b.vkey in finding.message
        assert finding.where == f"checkpoint {world.sizes[-1]}"
