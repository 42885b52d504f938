"""`tamga monitor` with a witness policy: cosignatures served by the node's API are re-verified."""

from __future__ import annotations

import base64
import sqlite3
from datetime import timedelta
from pathlib import Path

import httpx

from anchoring.audit_witness import monitor_hook, parse_policy
from anchoring.monitor import Monitor
from tests.audit.audit_world import api_client
from tests.support.scenario import NOW, signer
from tests.witness.witness_support import (
    WitnessServer,
    cosigner,
    grow,
    node_ledger,
    node_note_signer,
)

URL = "http://node.example/"


def _monitor(client: object, tmp_path: Path, name: str, *, policy: object, grace: float) -> Monitor:
    assert policy is not None
    return Monitor(
        urls=[URL],
        chain=None,
        state_path=tmp_path / f"{name}.json",
        evidence_dir=tmp_path / "evidence",
        now=lambda: NOW,
        signers=[signer().address],
        clients={URL: client},  # type: ignore[dict-item]
        cosignatures=monitor_hook(
            policy,  # type: ignore[arg-type]
            now=lambda: NOW + timedelta(hours=1),
            grace=timedelta(seconds=grace),
        ),
    )


def test_the_monitor_counts_and_verifies_the_cosignatures_the_node_serves(
    witnesses: tuple[WitnessServer, WitnessServer], tmp_path: Path
) -> None:
    a, b = witnesses
    db = tmp_path / "node.sqlite"
    ledger = node_ledger(db)
    grow(ledger, "Cosigned")
    ledger.cut_checkpoint()
    with httpx.Client(timeout=10) as http:
        assert [o.status for o in cosigner(ledger, [a, b], http).run()] == ["cosigned"] * 2
    grow(ledger, "Not yet cosigned")
    ledger.cut_checkpoint()  # the newest checkpoint: not yet noted, no witness has seen it
    ledger.close()
    note_key = node_note_signer().verifier.encode()
    policy = parse_policy([a.vkey, b.vkey], threshold=2, note_key=note_key)

    # The checkpoints are an hour old: the cosigned one passes, the other is below threshold.
    with api_client(db, tmp_path / "api") as (client, _):
        alarms = _monitor(client, tmp_path, "strict", policy=policy, grace=60).run_round()
        assert [(x.kind, x.where) for x in alarms] == [("cosignature", f"{URL} checkpoint 2")]
        assert "has no C2SP signed note to cosign" in alarms[0].message
        # Within the grace period a fresh checkpoint may still wait for its witnesses.
        assert _monitor(client, tmp_path, "patient", policy=policy, grace=7200).run_round() == []

    # A forged cosignature (one byte of witness A's signature changed) is an alarm at once.
    conn = sqlite3.connect(db)
    with conn:
        (line,) = conn.execute(
            "SELECT line FROM witness_cosignatures WHERE size = 1 AND witness = ?", (a.name,)
        ).fetchone()
        name, blob = line.rsplit(" ", 1)
        raw = bytearray(base64.b64decode(blob))
        raw[-1] ^= 1  # the last byte of the Ed25519 signature
        forged = name + " " + base64.b64encode(bytes(raw)).decode()
        conn.execute("UPDATE witness_cosignatures SET line = ? WHERE line = ?", (forged, line))
    conn.close()  # the last connection checkpoints the WAL into the file api_client copies
    with api_client(db, tmp_path / "api2") as (client, _):
        alarms = _monitor(client, tmp_path, "forged", policy=policy, grace=7200).run_round()
        assert [(x.kind, x.where) for x in alarms] == [("cosignature", f"{URL} checkpoint 1")]
        assert f"witness {a.name}" in alarms[0].message
        # Once settled, the forged one also leaves checkpoint 1 below the threshold.
        settled = _monitor(client, tmp_path, "settled", policy=policy, grace=60).run_round()
    assert any("1 valid cosignatures of the 2 required" in x.message for x in settled)
