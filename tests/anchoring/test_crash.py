"""SIGKILL the publisher between recording the intent, signing, recording, sending and recording
the receipt: the restarted publisher ends with exactly one anchor, from one transaction."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount

from anchoring.chain import AnchorContract, Chain, hex0x
from anchoring.publisher import PublishAction, PublishStep
from anchoring.store import AnchorStatus, AnchorStore, Deployment
from node.chain.anvil import AnvilProcess
from node.ledger.service import Ledger
from tests.anchoring.conftest import PublisherFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "step",
    [
        PublishStep.INTENT_RECORDED,
        PublishStep.SIGNED,
        PublishStep.ATTEMPT_RECORDED,
        PublishStep.BROADCAST,
        PublishStep.MINED_RECORDED,
    ],
    ids=lambda s: s.value,
)
def test_killed_publisher_resumes_to_exactly_one_anchor(
    step: PublishStep,
    anvil: AnvilProcess,
    chain: Chain,
    ledger: Ledger,
    contract: AnchorContract,
    deployed: Deployment,
    anchor_account: LocalAccount,
    make_publisher: PublisherFactory,
) -> None:
    nonce_before = chain.nonce(anchor_account.address, pending=False)
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.anchoring.crash_child",
            str(ledger.store.engine.url),
            anvil.url,
            contract.address,
            str(deployed.id),
            step.value,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    assert f"killed at {step.value}" in child.stdout

    store = AnchorStore(ledger.store.engine)
    [left] = store.anchors(deployed.id)
    expected = {
        PublishStep.INTENT_RECORDED: AnchorStatus.INTENT,
        PublishStep.SIGNED: AnchorStatus.INTENT,  # signed but never recorded, so never sent
        PublishStep.ATTEMPT_RECORDED: AnchorStatus.SENT,  # recorded, never broadcast
        PublishStep.BROADCAST: AnchorStatus.SENT,  # broadcast (and mined), receipt not recorded
        PublishStep.MINED_RECORDED: AnchorStatus.MINED,
    }
    assert left.status is expected[step]

    result = make_publisher().run()
    assert result.action is PublishAction.CONFIRMED, result.message
    checkpoint = ledger.latest_checkpoint()
    events = list(contract.events(from_block=0, chunk=1000))
    assert [(e.tree_size, e.log_root) for e in events] == [(checkpoint.size, checkpoint.log_root)]
    [row] = store.anchors(deployed.id)
    assert row.status is AnchorStatus.CONFIRMED
    assert (row.tx_hash, row.block_hash) == (hex0x(events[0].tx_hash), hex0x(events[0].block_hash))
    # One transaction in all: no duplicate, not even a reverted one.
    assert chain.nonce(anchor_account.address, pending=False) == nonce_before + 1
    assert make_publisher().run().action is PublishAction.UP_TO_DATE
