"""Crash consistency: SIGKILL the node at random moments of appends (single and
batched, library and CLI), checkpoint cuts, anchoring and verification runs, on SQLite and
PostgreSQL, with a real anvil. After every kill: `tamga check` passes, every acknowledged entry
is there with the same leaf hash, indexes are dense, every acknowledged checkpoint is there,
no tree size is anchored twice and every anchored root is the log's root at that size. At the
end a restarted publisher finishes whatever anchor was pending.

Rounds per backend: TAMGA_CRASH_ROUNDS (default 25); seed: TAMGA_CRASH_SEED (default 7).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from anchoring.chain import AnchorContract, Chain, deploy_anchor
from anchoring.publisher import PublishAction, Publisher, PublisherConfig
from anchoring.store import AnchorStore, Deployment
from node.chain import dev
from node.chain.anvil import AnvilProcess
from node.chain.rpc import RpcClient
from node.clock import FixedClock, SystemClock
from node.domain.calendar import kyrgyz_calendar
from node.domain.entries import IssuerRegistered, decode_entry
from node.ledger.check import check_ledger
from node.ledger.service import Ledger
from node.ledger.store import SqlLedgerStore
from tests.reliability.crash_support import (
    ANCHOR_KEY,
    KILL_MODES,
    ORIGIN,
    ROOT,
    SETUP_TIME,
    Acks,
    CrashConfig,
    Driver,
)
from tests.support.scenario import open_ledger, signer
from tests.verification.support import VA, TestChain, register_token

ROUNDS = int(os.environ.get("TAMGA_CRASH_ROUNDS", "25"))
SEED = int(os.environ.get("TAMGA_CRASH_SEED", "7"))
CLI_EVERY = 8  # every 8th round kills the real `tamga` CLI instead of the forked worker
TAMGA = ROOT / ".venv" / "bin" / "tamga"
ISSUER_YAML = ROOT / "tests" / "data" / "filings" / "issuer-legal-entity.yaml"


@dataclass
class Env:
    """One backend's database, chain and contract."""

    config: CrashConfig
    anvil: AnvilProcess
    chain: Chain
    contract: AnchorContract
    deployment: Deployment
    account: LocalAccount
    data_dir: Path


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Iterator[Env]:
    """A migrated ledger with a registered token emission, an anvil with the anchor contract."""
    anvil = AnvilProcess.start()
    try:
        chain = Chain.open(anvil.url, timeout=5)
        account: LocalAccount = Account.from_key(bytes.fromhex(ANCHOR_KEY))
        chain.rpc("anvil_setBalance", [account.address, hex(100 * 10**18)])
        sent = deploy_anchor(
            chain,
            account,
            admin=account.address,
            anchorer=account.address,
            checkpoint_signer=signer().address,
            origin=ORIGIN,
            chain_id=31337,
        )
        assert sent.contract_address is not None
        ledger = open_ledger(database_url, clock=FixedClock(SETUP_TIME))
        deployment = AnchorStore(ledger.store.engine).add_deployment(
            chain_id=31337,
            contract=sent.contract_address,
            local=False,
            deploy_tx=sent.tx_hash,
            deploy_block=sent.receipt.block_number,
            now="2026-11-20T09:00:00.000000Z",
        )
        client = RpcClient([anvil.url], chain_id=31337, timeout=10)
        dev.install_multicall3(client)
        test_chain = TestChain(client=client, url=anvil.url)
        owner = test_chain.account(10)
        token = test_chain.token(owner)
        test_chain.send(owner, token, "mint(address,uint256)", owner.address, 1_000_000 * VA)
        register_token(ledger, contract=token, wallet=owner.address)
        ledger.close()
        work = tmp_path / "work"
        work.mkdir()
        yield Env(
            config=CrashConfig(
                database_url=database_url,
                rpc_url=anvil.url,
                contract=sent.contract_address,
                deployment_id=deployment.id,
                work_dir=str(work),
            ),
            anvil=anvil,
            chain=chain,
            contract=AnchorContract(chain, sent.contract_address),
            deployment=deployment,
            account=account,
            data_dir=tmp_path / "data",
        )
    finally:
        anvil.stop()


def _cli_round(env: Env, *, round_no: int, rng: random.Random, acks: Acks) -> bool:
    """Run `tamga issuer add` and SIGKILL it after a random delay; an exit 0 with its JSON is an
    acknowledged write (checked by name at its index). True when the kill landed."""
    filing = env.data_dir / f"issuer-{round_no}.yaml"
    filing.parent.mkdir(parents=True, exist_ok=True)
    name = f"Crash CLI {round_no:04d} LLC"
    text = ISSUER_YAML.read_text(encoding="utf-8")
    lines = [f"name: {name}" if line.startswith("name:") else line for line in text.splitlines()]
    filing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    process = subprocess.Popen(
        [str(TAMGA), "issuer", "add", str(filing), "--on", "2026-02-02", "--json"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "TAMGA_DATA_DIR": str(env.data_dir),
            "TAMGA_DATABASE_URL": env.config.database_url,
        },
    )
    time.sleep(rng.uniform(1.2, 2.6))
    process.send_signal(signal.SIGKILL)
    out, err = process.communicate(timeout=30)
    if process.returncode == 0:
        acked = json.loads(out)
        acks.cli[int(acked["index"])] = name
        return False
    assert process.returncode == -signal.SIGKILL, err
    return True


def _check(env: Env, acks: Acks) -> tuple[int, int]:
    """Everything the harness promises after a kill; returns (log size, anchors on chain)."""
    store = SqlLedgerStore.from_url(env.config.database_url)
    ledger = Ledger(store=store, clock=SystemClock(), origin=ORIGIN, calendar=kyrgyz_calendar())
    try:
        report = check_ledger(store, calendar=ledger.calendar, expected_signer=signer().address)
        size, _ = ledger.head()
        assert report.entries == size
        records = {r.idx: r for r in ledger.entries(0, size)}
        assert sorted(records) == list(range(size)), "indexes are not dense"
        for index, leaf_hash in acks.entries.items():
            assert index in records, f"acknowledged entry {index} is missing (log size {size})"
            assert records[index].leaf_hash.hex() == leaf_hash, f"entry {index} changed"
        for index, name in acks.cli.items():
            entry = decode_entry(records[index].leaf)
            assert isinstance(entry, IssuerRegistered) and entry.name == name
        checkpoints = {c.size: c for c in ledger.checkpoints()}
        for cp_size, root in acks.checkpoints.items():
            assert cp_size in checkpoints, f"acknowledged checkpoint {cp_size} is missing"
            assert checkpoints[cp_size].log_root.hex() == root
        events = list(env.contract.events(from_block=env.deployment.deploy_block, chunk=10_000))
        per_size = Counter(e.tree_size for e in events)
        assert all(n == 1 for n in per_size.values()), f"anchored twice: {per_size}"
        assert [e.tree_size for e in events] == sorted(per_size)
        for e in events:
            assert e.tree_size in checkpoints, f"anchored size {e.tree_size} has no checkpoint"
            assert checkpoints[e.tree_size].log_root == e.log_root
            assert ledger.prove_consistency(e.tree_size, e.tree_size).root1 == e.log_root
        return size, len(events)
    finally:
        ledger.close()


def test_sigkill_at_random_points_loses_nothing(env: Env) -> None:
    rng = random.Random(f"{SEED}-{env.config.database_url.split(':')[0]}")
    acks = Acks()
    modes: Counter[str] = Counter()
    driver = Driver(env.config)
    try:
        for round_no in range(1, ROUNDS + 1):
            if round_no % CLI_EVERY == 0:
                killed = _cli_round(env, round_no=round_no, rng=rng, acks=acks)
                modes["cli-killed" if killed else "cli-finished"] += 1
            else:
                mode = rng.choice(KILL_MODES)
                killed_by = driver.round(
                    round_no=round_no,
                    seed=rng.randrange(2**32),
                    mode=mode,
                    delay=rng.uniform(0.05, 0.9),
                )
                assert killed_by == signal.SIGKILL
                modes[mode] += 1
                acks.read(Path(env.config.work_dir) / f"acks-{round_no:04d}.jsonl")
            _check(env, acks)
    finally:
        driver.close()

    # A restarted publisher finishes what the killed ones left: nothing stays pending, the
    # latest checkpoint is on chain, and no transaction of the anchoring key was wasted.
    store = SqlLedgerStore.from_url(env.config.database_url)
    ledger = Ledger(
        store=store, clock=SystemClock(), origin=ORIGIN, signer=signer(), calendar=kyrgyz_calendar()
    )
    try:
        if ledger.head()[0] > ledger.latest_checkpoint().size:
            ledger.cut_checkpoint()
        publisher = Publisher(
            ledger=ledger,
            contract=env.contract,
            deployment=env.deployment,
            account=env.account,
            config=PublisherConfig(confirmations=1, timeout_seconds=20, poll_seconds=0.02),
            clock=SystemClock(),
        )
        result = publisher.run()
        assert result.action in (PublishAction.CONFIRMED, PublishAction.UP_TO_DATE), result.message
        assert AnchorStore(store.engine).active(env.deployment.id) == []
        assert env.contract.latest().tree_size == ledger.latest_checkpoint().size
    finally:
        ledger.close()
    size, anchored = _check(env, acks)
    assert env.chain.nonce(env.account.address, pending=False) == 1 + anchored
    # The real CLI agrees.
    checked = subprocess.run(
        [str(TAMGA), "check", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "TAMGA_DATA_DIR": str(env.data_dir),
            "TAMGA_DATABASE_URL": env.config.database_url,
        },
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["entries"] == size
    # The rounds did what they claim: every kind of work was acknowledged at least once.
    done = acks.operations
    assert acks.entries and acks.checkpoints and anchored >= 2
    for op in ("single", "batch", "checkpoint", "verify"):
        assert done[op] > 0 or ROUNDS < 10, done
    summary = {"modes": dict(modes), "operations": dict(done), "entries": size, "anchors": anchored}
    print(f"crash harness {env.config.database_url.split(':')[0]}: {summary}")
