"""Run one publisher and SIGKILL it at a given step (used by test_crash.py as a subprocess).

Usage: python -m tests.anchoring.crash_child DB_URL RPC_URL CONTRACT DEPLOYMENT_ID STEP
"""

from __future__ import annotations

import os
import signal
import sys

from eth_account import Account

from anchoring.chain import AnchorContract, Chain
from anchoring.publisher import Publisher, PublisherConfig, PublishStep
from anchoring.store import AnchorRecord, AnchorStore
from node.clock import FixedClock
from node.ledger.service import Ledger
from node.ledger.store import SqlLedgerStore
from tests.anchoring.conftest import ANCHOR_KEY
from tests.support.scenario import NOW


def main(argv: list[str]) -> int:
    db_url, rpc_url, address, deployment_id, step = argv
    crash_at = PublishStep(step)
    ledger = Ledger(
        store=SqlLedgerStore.from_url(db_url), clock=FixedClock(NOW), origin="test.tamga/register"
    )
    store = AnchorStore(ledger.store.engine)
    deployment = store.latest_deployment()
    assert deployment is not None
    assert deployment.id == int(deployment_id)

    def crash(reached: PublishStep, _anchor: AnchorRecord) -> None:
        if reached is crash_at:
            sys.stdout.write(f"killed at {reached.value}\n")
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    publisher = Publisher(
        ledger=ledger,
        contract=AnchorContract(Chain.open(rpc_url, timeout=5), address),
        deployment=deployment,
        account=Account.from_key(ANCHOR_KEY),
        config=PublisherConfig(confirmations=1, timeout_seconds=20, poll_seconds=0.05),
        clock=FixedClock(NOW),
        on_step=crash,
    )
    result = publisher.run()
    sys.stdout.write(f"finished: {result.action.value}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
