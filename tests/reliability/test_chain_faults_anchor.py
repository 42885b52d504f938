"""Chain faults against the publisher's client (anchoring/chain.py), `tamga anchor status` and
/readyz: HTTP 5xx and 429 retried with a bounded backoff, a wrong chain id refused naming both
ids, and a node that lies about blocks never gets an anchor recorded as mined."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from anchoring.chain import AnchorContract, Chain, deploy_anchor
from anchoring.errors import ChainUnavailable
from anchoring.publisher import PublishAction, Publisher, PublisherConfig, PublishStep
from anchoring.store import AnchorRecord, AnchorStatus, AnchorStore, Deployment
from api.app import create_app
from node.chain.anvil import AnvilProcess
from node.chain.retry import NO_RETRY, RetryPolicy
from node.cli import CliOverrides, app
from node.clock import FixedClock
from node.errors import ChainError
from node.ledger.service import Ledger
from node.settings import Settings
from tests.anchoring.conftest import ANCHOR_KEY, funded, grow
from tests.reliability.fault_proxy import FaultKind, FaultProxy
from tests.support.scenario import NOW, ORIGIN, open_ledger, signer


@pytest.fixture
def anvil() -> Iterator[AnvilProcess]:
    process = AnvilProcess.start(block_time=1)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def proxy(anvil: AnvilProcess) -> Iterator[FaultProxy]:
    faults = FaultProxy(anvil.url)
    try:
        yield faults
    finally:
        faults.stop()


@pytest.fixture
def honest(anvil: AnvilProcess) -> Chain:
    """A client that talks to anvil directly (the truth the test checks against)."""
    return Chain.open(anvil.url, timeout=5)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    book = open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}", clock=FixedClock(NOW))
    grow(book, 3)
    book.cut_checkpoint()
    try:
        yield book
    finally:
        book.close()


@pytest.fixture
def account(honest: Chain) -> LocalAccount:
    return funded(honest, ANCHOR_KEY)


@pytest.fixture
def deployed(honest: Chain, account: LocalAccount, ledger: Ledger) -> Deployment:
    sent = deploy_anchor(
        honest,
        account,
        admin=account.address,
        anchorer=account.address,
        checkpoint_signer=signer().address,
        origin=ORIGIN,
        chain_id=31337,
    )
    assert sent.contract_address is not None
    return AnchorStore(ledger.store.engine).add_deployment(
        chain_id=31337,
        contract=sent.contract_address,
        local=False,
        deploy_tx=sent.tx_hash,
        deploy_block=sent.receipt.block_number,
        now="2026-11-20T09:00:00.000000Z",
    )


class Sleeps:
    """An injected sleep that records the waits."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def publisher(
    url: str,
    *,
    ledger: Ledger,
    deployed: Deployment,
    account: LocalAccount,
    retry: RetryPolicy = NO_RETRY,
    timeout: float = 20.0,
    **hooks: object,
) -> Publisher:
    contract = AnchorContract(Chain.open(url, timeout=2, retry=retry), deployed.contract)
    return Publisher(
        ledger=ledger,
        contract=contract,
        deployment=deployed,
        account=account,
        config=PublisherConfig(confirmations=1, poll_seconds=0.05, timeout_seconds=timeout),
        clock=FixedClock(NOW),
        **hooks,  # type: ignore[arg-type]
    )


def test_http_5xx_and_429_are_retried_and_the_anchor_lands_once(
    proxy: FaultProxy, honest: Chain, ledger: Ledger, deployed: Deployment, account: LocalAccount
) -> None:
    sleeps = Sleeps()
    policy = RetryPolicy(retries=3, backoff_seconds=0.1, max_delay_seconds=2.0, sleep=sleeps)
    proxy.arm(FaultKind.HTTP, status=502, times=2)  # the first requests of the run
    proxy.arm(FaultKind.HTTP, status=429, retry_after="7", times=1, methods=["eth_estimateGas"])
    proxy.arm(FaultKind.HTTP, status=500, times=1, methods=["eth_sendRawTransaction"])
    proxy.arm(FaultKind.DELAY, seconds=2.5, times=1, methods=["eth_getTransactionReceipt"])
    run = publisher(proxy.url, ledger=ledger, deployed=deployed, account=account, retry=policy)
    result = run.run()
    assert result.action is PublishAction.CONFIRMED, result.message
    assert proxy.injected == {"http": 4, "delay": 1}
    assert sleeps.waits == [0.1, 0.2, 2.0, 0.1, 0.1]  # 502 twice, 429 capped, 500, timeout
    contract = AnchorContract(honest, deployed.contract)
    assert contract.latest().tree_size == 3
    assert len(list(contract.events(from_block=0, chunk=1000))) == 1


def test_a_persistent_5xx_stops_the_run_with_a_clear_error_and_the_next_run_resumes(
    proxy: FaultProxy, honest: Chain, ledger: Ledger, deployed: Deployment, account: LocalAccount
) -> None:
    def fail_after_recording(step: PublishStep, _anchor: AnchorRecord) -> None:
        if step is PublishStep.ATTEMPT_RECORDED:
            proxy.arm(FaultKind.HTTP, status=503)

    first = publisher(
        proxy.url, ledger=ledger, deployed=deployed, account=account, on_step=fail_after_recording
    )
    with pytest.raises(ChainUnavailable, match=r"failed \(HTTP 503"):
        first.run()  # a ChainError, not requests.HTTPError escaping the client
    store = AnchorStore(ledger.store.engine)
    [pending] = store.anchors(deployed.id)
    assert pending.status is AnchorStatus.SENT and "HTTP 503" in (pending.error or "")
    proxy.clear()
    again = publisher(proxy.url, ledger=ledger, deployed=deployed, account=account).run()
    assert again.action is PublishAction.CONFIRMED
    [done] = store.anchors(deployed.id)
    assert done.id == pending.id and done.tx_hash == store.attempts(pending.id)[0].tx_hash
    assert AnchorContract(honest, deployed.contract).latest().tree_size == 3


def test_a_wrong_chain_id_is_refused_before_anything_is_recorded(
    proxy: FaultProxy, honest: Chain, ledger: Ledger, deployed: Deployment, account: LocalAccount
) -> None:
    proxy.arm(FaultKind.CHAIN_ID, chain_id=5)
    run = publisher(proxy.url, ledger=ledger, deployed=deployed, account=account)
    with pytest.raises(ChainError, match=r"is chain 5, the anchor contract .* is on chain 31337"):
        run.run()
    assert AnchorStore(ledger.store.engine).anchors(deployed.id) == []
    assert proxy.seen["eth_sendRawTransaction"] == 0
    assert AnchorContract(honest, deployed.contract).latest().tree_size == 0


@pytest.mark.parametrize("kind", [FaultKind.LIE_RECEIPT, FaultKind.LIE_HASH])
def test_a_lying_node_gets_no_block_recorded_until_it_agrees_with_itself(
    proxy: FaultProxy,
    honest: Chain,
    ledger: Ledger,
    deployed: Deployment,
    account: LocalAccount,
    kind: FaultKind,
) -> None:
    proxy.arm(kind)
    run = publisher(proxy.url, ledger=ledger, deployed=deployed, account=account, timeout=2.0)
    result = run.run()
    assert result.action is PublishAction.PENDING
    store = AnchorStore(ledger.store.engine)
    [anchor] = store.anchors(deployed.id)
    assert anchor.status is AnchorStatus.SENT and anchor.block_hash is None  # nothing pinned
    assert "not recorded until they agree" in (anchor.error or "")
    assert AnchorContract(honest, deployed.contract).latest().tree_size == 3  # it was mined
    proxy.clear()
    done = publisher(proxy.url, ledger=ledger, deployed=deployed, account=account).run()
    assert done.action is PublishAction.CONFIRMED
    confirmed = store.anchor(anchor.id)
    assert confirmed.block_number is not None
    assert confirmed.block_hash == honest.block_hash(confirmed.block_number)


def _env(tmp_path: Path, url: str, deployed: Deployment) -> dict[str, str]:
    return {
        "TAMGA_DATA_DIR": str(tmp_path / "data"),
        "TAMGA_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite'}",
        "TAMGA_RPC_URL": url,
        "TAMGA_CHAIN_ID": "31337",
        "TAMGA_CONTRACT_ADDRESS": deployed.contract,
        "TAMGA_RPC_RETRIES": "1",
        "TAMGA_RPC_BACKOFF_SECONDS": "0.05",
        "TAMGA_RPC_TIMEOUT_SECONDS": "1",
    }


def test_status_and_readiness_name_the_fault(
    tmp_path: Path,
    proxy: FaultProxy,
    ledger: Ledger,
    deployed: Deployment,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = _env(tmp_path, proxy.url, deployed)
    runner = CliRunner()

    def status() -> dict[str, object]:
        result = runner.invoke(
            app, ["anchor", "status", "--json"], obj=CliOverrides(clock=FixedClock(NOW)), env=env
        )
        assert result.exit_code == 0, result.output
        chain: dict[str, object] = json.loads(result.stdout)["chain"]
        return chain

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    client = TestClient(create_app(Settings()))

    def ready() -> tuple[int, str]:
        answer = client.get("/readyz")
        return answer.status_code, json.dumps(answer.json()["checks"]["chain"])

    assert status()["reachable"] is True
    assert ready()[0] == 200
    proxy.arm(FaultKind.HTTP, status=502)
    down = status()
    assert down["reachable"] is False and "HTTP 502" in str(down["error"])
    code, detail = ready()
    assert code == 503 and "HTTP 502" in detail
    proxy.clear()
    proxy.arm(FaultKind.HTTP, status=429, retry_after="0")
    code, detail = ready()
    assert code == 503 and "HTTP 429" in detail
    proxy.clear()
    proxy.arm(FaultKind.CHAIN_ID, chain_id=5)
    wrong = status()
    assert wrong["reachable"] is False and "is chain 5, TAMGA_CHAIN_ID is 31337" in str(
        wrong["error"]
    )
    code, detail = ready()
    assert code == 503 and "chain id 5, expected 31337" in detail
    proxy.clear()
    proxy.arm(FaultKind.DELAY, seconds=3.0)
    code, detail = ready()
    assert code == 503 and "cannot reach" in detail
    proxy.clear()
    assert status()["reachable"] is True
