"""Two anchoring publishers started at once — two real `tamga anchor now` processes against a
real anvil, on SQLite and on a real PostgreSQL: only one anchors (anchoring/lock.py), the other
finds the lock busy or the chain up to date; one anchor on chain, one anchor record."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

from anchoring.chain import AnchorContract, Chain, deploy_anchor
from anchoring.keys import ensure_anchor_key, load_anchor_account
from anchoring.service import node_checkpoint_address
from anchoring.store import AnchorStatus, AnchorStore
from node.chain.anvil import AnvilProcess
from node.clock import FixedClock
from node.settings import Settings
from tests.reliability.concurrency_support import (
    EFFECTIVE_ON,
    TAMGA,
    issuer_filing,
    node_env,
    tamga_in_process,
)
from tests.support.scenario import NOW, open_ledger

PUBLISHERS = 2


def test_two_publishers_at_once_anchor_once(database_url: str, tmp_path: Path) -> None:
    env = node_env(tmp_path / "data", database_url)
    tamga_in_process(env, "init")
    for n in range(3):
        path = tmp_path / f"issuer-{n}.json"
        path.write_text(json.dumps(issuer_filing(f"Publisher Test {n}")), "utf-8")
        tamga_in_process(env, "issuer", "add", str(path), "--on", EFFECTIVE_ON)
    anvil = AnvilProcess.start(block_time=1)
    try:
        chain = Chain.open(anvil.url, timeout=10)
        settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
        ensure_anchor_key(settings)
        account = load_anchor_account(settings)
        chain.rpc("anvil_setBalance", [account.address, hex(10**20)])
        sent = deploy_anchor(
            chain,
            account,
            admin=account.address,
            anchorer=account.address,
            checkpoint_signer=node_checkpoint_address(settings),
            origin=settings.origin,
            chain_id=31337,
        )
        assert sent.contract_address is not None
        env.update(
            {
                "TAMGA_RPC_URL": anvil.url,
                "TAMGA_CHAIN_ID": "31337",
                "TAMGA_CONTRACT_ADDRESS": sent.contract_address,
                "TAMGA_CONTRACT_DEPLOY_BLOCK": str(sent.receipt.block_number),
                "TAMGA_ANCHOR_CONFIRMATIONS": "2",  # holds the lock for about two blocks
                "TAMGA_ANCHOR_TIMEOUT_SECONDS": "60",
            }
        )
        processes = [
            subprocess.Popen(
                [str(TAMGA), "anchor", "now", "--json"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(PUBLISHERS)
        ]
        outcomes: Counter[str] = Counter()
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode in (0, 1), err
            assert out.strip(), (process.returncode, err)  # every run answers in JSON
            outcomes[json.loads(out)["action"]] += 1
        # Exactly one confirmed; the other was refused the lock or found the chain up to date.
        assert outcomes["confirmed"] == 1, outcomes
        assert outcomes["busy"] + outcomes["up-to-date"] == PUBLISHERS - 1, outcomes
        contract = AnchorContract(chain, sent.contract_address)
        events = list(contract.events(from_block=0, chunk=1000))
        assert [e.tree_size for e in events] == [3]
    finally:
        anvil.stop()
    ledger = open_ledger(database_url, clock=FixedClock(NOW))
    try:
        store = AnchorStore(ledger.store.engine)
        deployment = store.deployment(chain_id=31337, contract=contract.address)
        assert deployment is not None
        rows = store.anchors(deployment.id)
        assert [(r.tree_size, r.status) for r in rows] == [(3, AnchorStatus.CONFIRMED)]
        assert len(ledger.checkpoints()) == 1  # both cut "if the log grew": one checkpoint
    finally:
        ledger.close()
