"""contracts/test/fixtures/checkpoints.json holds checkpoints signed by node/checkpoint.py."""

from __future__ import annotations

import json
from typing import Any

from eth_account import Account

from anchoring.artifacts import REGISTRY_ANCHOR, load_artifact
from node.checkpoint import Checkpoint, SignedCheckpoint, verify_checkpoint_signature
from tests.contracts.toolchain import load_script

gen = load_script("gen_checkpoint_fixtures")
FIXTURE: dict[str, Any] = json.loads(gen.OUT.read_text(encoding="utf-8"))


def test_fixture_file_is_current() -> None:
    assert gen.main(["--check"]) == 0, "run scripts/gen_checkpoint_fixtures.py"


def test_every_body_parses_and_every_signature_is_by_the_signer() -> None:
    rows = FIXTURE["checkpoints"]
    assert len(rows) >= 15
    assert FIXTURE["signer"] == Account.from_key(gen.KEY).address
    for row in rows:
        body = bytes.fromhex(row["body"][2:])
        checkpoint = Checkpoint.from_body(body)
        assert checkpoint.origin == FIXTURE["origin"]
        assert checkpoint.size == int(row["size"])
        assert checkpoint.state_size == int(row["stateSize"])
        assert "0x" + checkpoint.log_root.hex() == row["logRoot"]
        verify_checkpoint_signature(
            SignedCheckpoint(
                checkpoint=checkpoint,
                signer=FIXTURE["signer"],
                signature=bytes.fromhex(row["signature"][2:]),
            )
        )


def test_edge_sizes_cover_every_decimal_path_of_the_contract() -> None:
    # RegistryAnchor writes numbers below 10^16 in one way and larger ones in another.
    sizes = {int(row["size"]) for row in FIXTURE["checkpoints"]}
    assert {10**16 - 1, 10**16, 2**64 - 1} <= sizes
    assert load_artifact(REGISTRY_ANCHOR).immutable_ranges, "the origin lives in immutables"
