"""`tamga up`'s local witnesses (make run): two processes that keep their keys and state."""

from __future__ import annotations

from pathlib import Path

import httpx

from anchoring.witness_client import Cosigner
from anchoring.witness_local import local_witnesses
from tests.witness.witness_support import ORIGIN, grow, node_ledger, node_note_signer


def test_local_witnesses_cosign_and_keep_keys_and_state_across_runs(tmp_path: Path) -> None:
    ledger = node_ledger(tmp_path / "node.sqlite")
    grow(ledger, "One")
    ledger.cut_checkpoint()
    key = node_note_signer().verifier
    with (
        local_witnesses(tmp_path / "data", count=2, origin=ORIGIN, log_key=key) as first,
        httpx.Client(timeout=10) as http,
    ):
        assert [w.name for w in first] == ["witness-1.local/tamga", "witness-2.local/tamga"]
        outcomes = Cosigner(
            ledger=ledger, signer=node_note_signer(), witnesses=first, clock=ledger.clock, http=http
        ).run()
        assert [o.status for o in outcomes] == ["cosigned", "cosigned"]
    grow(ledger, "Two")
    ledger.cut_checkpoint()
    with (
        local_witnesses(tmp_path / "data", count=2, origin=ORIGIN, log_key=key) as second,
        httpx.Client(timeout=10) as http,
    ):
        assert [w.vkey for w in second] == [w.vkey for w in first]  # keys kept
        # State kept: each witness is at size 1 and cosigns size 2 from it (old 1 + proof).
        for witness in second:
            served = http.get(f"{witness.url}/checkpoint/{ORIGIN}").text
            assert served.split("\n")[1] == "1"
        outcomes = Cosigner(
            ledger=ledger,
            signer=node_note_signer(),
            witnesses=second,
            clock=ledger.clock,
            http=http,
        ).run()
        assert [(o.status, o.size) for o in outcomes] == [("cosigned", 2), ("cosigned", 2)]
    ledger.close()
    with httpx.Client(timeout=2) as http:  # stopped on exit
        for witness in second:
            try:
                http.get(witness.url + "/key")
            except httpx.TransportError:
                continue
            raise AssertionError(f"{witness.name} still answers after the context ended")
