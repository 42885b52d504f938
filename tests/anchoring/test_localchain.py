"""The node's own anvil: started on a free port, deploy-once, redeploy when the chain lost it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from anchoring.chain import AnchorContract, Chain
from anchoring.localchain import ensure_local_deployment
from anchoring.store import AnchorStore
from node.chain import anvil as anvil_module
from node.chain.anvil import AnvilProcess, find_anvil, local_chain
from node.chain.endpoint import ChainEndpoint, chain_for
from node.errors import ChainError, ConfigError
from node.ledger import migrate
from node.ledger.store import SqlLedgerStore
from node.settings import Settings
from tests.support.scenario import signer


def test_deploys_once_and_again_only_when_the_chain_lost_it(tmp_path: Path) -> None:
    ledger_store = SqlLedgerStore.from_url(f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate.upgrade(ledger_store.engine)
    store = AnchorStore(ledger_store.engine)
    account = Account.from_key(b"\x11" * 32)  # not one of anvil's funded accounts
    asked: list[str] = []

    def checkpoint_key() -> str:
        asked.append("asked")
        return signer().address

    options: dict[str, Any] = {
        "store": store,
        "account": account,
        "checkpoint_signer": checkpoint_key,
        "origin": "test.tamga/register",
        "now": lambda: "t",
    }
    try:
        with AnvilProcess.start() as anvil:
            chain = Chain.open(anvil.url, timeout=5)
            assert chain.balance(account.address) == 0
            first = ensure_local_deployment(chain, **options)
            assert chain.balance(account.address) > 0  # funded with anvil_setBalance
            again = ensure_local_deployment(chain, **options)
            assert again == first
            assert chain.nonce(account.address, pending=False) == 1  # one deployment
            contract = AnchorContract(chain, first.contract)
            assert contract.is_deployed()
            # The node's checkpoint key is registered, asked for once (at the deployment only).
            assert contract.is_checkpoint_signer(signer().address)
            assert not contract.is_checkpoint_signer(account.address)
            assert contract.origin() == "test.tamga/register"
            assert asked == ["asked"]
            assert first.deploy_tx is not None
            assert chain.receipt(first.deploy_tx) is not None
        with AnvilProcess.start() as fresh:  # the chain (and the contract) are gone
            chain = Chain.open(fresh.url, timeout=5)
            redeployed = ensure_local_deployment(chain, **options)
            assert AnchorContract(chain, redeployed.contract).is_deployed()
    finally:
        ledger_store.dispose()


def test_state_survives_a_restart_of_the_local_chain(tmp_path: Path) -> None:
    with local_chain(tmp_path, block_time=None) as endpoint:
        assert endpoint.owner
        chain = Chain.open(endpoint.url, timeout=5)
        chain.rpc("anvil_mine", [5])
        assert (tmp_path / "anvil" / "endpoint.json").exists()
        with local_chain(tmp_path, block_time=None) as attached:  # a second user attaches
            assert not attached.owner
            assert attached.url == endpoint.url
    assert not (tmp_path / "anvil" / "endpoint.json").exists()
    with local_chain(tmp_path, block_time=None) as restarted:
        assert Chain.open(restarted.url, timeout=5).block_number() == 5


def test_missing_or_broken_anvil_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(anvil_module, "REPO_ROOT", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="anvil is not installed: run `npm ci`"):
        find_anvil()
    broken = tmp_path / "anvil"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    with pytest.raises(ChainError, match="anvil did not start: exited with status 3"):
        AnvilProcess.start(anvil=broken, timeout=5)


def test_chain_for_decides_between_the_configured_chain_and_the_own_anvil(tmp_path: Path) -> None:
    configured = Settings(
        data_dir=tmp_path,
        rpc_url="http://127.0.0.1:9/rpc/secret-key",
        chain_id=5,
        contract_address="0x" + "ab" * 20,
    )
    with chain_for(configured) as endpoint:  # nothing is started or sent
        assert endpoint == ChainEndpoint(
            url="http://127.0.0.1:9/rpc/secret-key",
            chain_id=5,
            local=False,
            contract="0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB",  # EIP-55
        )
    local = Settings(data_dir=tmp_path)
    with chain_for(local, start=False) as none_runs:
        assert none_runs is None  # a request never starts a chain
    with chain_for(configured, own=True) as started:  # the register's dev chains: own anvil
        assert started is not None and started.local and started.owner
        assert started.chain_id == 31337 and started.contract is None
        with chain_for(local, start=False) as found, chain_for(local) as attached:
            assert found is not None and found.url == started.url  # through endpoint.json
            assert attached is not None and attached.url == started.url and not attached.owner
    with chain_for(local, start=False) as stopped:
        assert stopped is None
