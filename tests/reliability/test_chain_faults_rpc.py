"""Chain faults against verification's RpcClient (node/chain/rpc.py) and a verification run:
timeouts, HTTP 500/502/429, JSON-RPC errors, a wrong chain id and a lying node, injected by a
proxy in front of a real anvil."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from node.chain import dev
from node.chain.reads import MULTICALL3_ADDRESS
from node.chain.retry import RetryPolicy
from node.chain.rpc import RpcClient, RpcError
from node.domain.entries import Readings, VerificationObserved
from node.domain.verification import ChainOutcome
from node.errors import ChainError
from node.ledger.service import Ledger
from tests.reliability.fault_proxy import FaultKind, FaultProxy
from tests.verification.support import Anvil, TestChain, make_ledger, register_token, verifier


@pytest.fixture(scope="module")
def anvil() -> Iterator[Anvil]:
    """A real anvil for the module, with Multicall3 installed."""
    process = Anvil()
    try:
        dev.install_multicall3(RpcClient([process.url], chain_id=31337))
        yield process
    finally:
        process.stop()


@pytest.fixture
def proxy(anvil: Anvil) -> Iterator[FaultProxy]:
    """A fault proxy in front of the anvil (faithful until a fault is armed)."""
    faults = FaultProxy(anvil.url)
    try:
        yield faults
    finally:
        faults.stop()


class Sleeps:
    """An injected sleep that records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def policy(sleeps: Sleeps, *, retries: int = 2) -> RetryPolicy:
    return RetryPolicy(retries=retries, backoff_seconds=0.25, max_delay_seconds=5.0, sleep=sleeps)


def test_a_timeout_fails_over_then_retries_with_a_bounded_backoff(
    anvil: Anvil, proxy: FaultProxy
) -> None:
    proxy.arm(FaultKind.DELAY, methods=["eth_blockNumber"], seconds=1.0)
    both = RpcClient([proxy.url, anvil.url], chain_id=31337, timeout=0.3)
    assert int(both.call("eth_blockNumber"), 16) >= 0
    assert both.url == anvil.url  # failed over to the URL that answered in time

    sleeps = Sleeps()
    alone = RpcClient([proxy.url], chain_id=31337, timeout=0.3, retry=policy(sleeps))
    with pytest.raises(ChainError, match="no JSON-RPC endpoint of chain 31337 answered") as err:
        alone.call("eth_blockNumber")
    assert "Timeout" in str(err.value)
    assert sleeps.waits == [0.25, 0.5]  # two retries, doubled, then it gives up
    assert proxy.seen["eth_blockNumber"] == 1 + 3

    proxy.clear()
    proxy.arm(FaultKind.DELAY, methods=["eth_blockNumber"], seconds=1.0, times=1)
    sleeps.waits.clear()
    assert int(alone.call("eth_blockNumber"), 16) >= 0  # the retry gets through
    assert sleeps.waits == [0.25]


@pytest.mark.parametrize("status", [500, 502])
def test_http_5xx_fails_over_and_is_retried(anvil: Anvil, proxy: FaultProxy, status: int) -> None:
    proxy.arm(FaultKind.HTTP, status=status)
    both = RpcClient([proxy.url, anvil.url], chain_id=31337, timeout=2)
    assert both.chain_id() == 31337 and both.url == anvil.url

    sleeps = Sleeps()
    alone = RpcClient([proxy.url], timeout=2, retry=policy(sleeps, retries=3))
    with pytest.raises(ChainError, match=f"HTTP {status}"):
        alone.call("eth_blockNumber")
    assert len(sleeps.waits) == 3 and proxy.injected["http"] == 1 + 1 + 3
    proxy.clear()
    proxy.arm(FaultKind.HTTP, status=status, times=2)
    sleeps.waits.clear()
    assert alone.chain_id() == 31337
    assert sleeps.waits == [0.25, 0.5]


def test_http_429_waits_as_long_as_retry_after_asks_within_the_cap(proxy: FaultProxy) -> None:
    sleeps = Sleeps()
    client = RpcClient([proxy.url], timeout=2, retry=policy(sleeps))
    proxy.arm(FaultKind.HTTP, status=429, retry_after="3", times=1)
    assert client.chain_id() == 31337
    proxy.arm(FaultKind.HTTP, status=429, retry_after="120", times=1)
    assert client.chain_id() == 31337
    proxy.arm(FaultKind.HTTP, status=429, times=1)  # no Retry-After: the backoff
    assert client.chain_id() == 31337
    assert sleeps.waits == [3.0, 5.0, 0.25]  # honoured, capped at max_delay_seconds, backoff
    proxy.arm(FaultKind.HTTP, status=429, retry_after="1")
    with pytest.raises(ChainError, match="HTTP 429"):
        client.batch([("eth_blockNumber", []), ("eth_chainId", [])])
    assert sleeps.waits[3:] == [1.0, 1.0]


def test_json_rpc_errors_are_answers_neither_retried_nor_failed_over(
    anvil: Anvil, proxy: FaultProxy
) -> None:
    sleeps = Sleeps()
    client = RpcClient([proxy.url, anvil.url], timeout=2, retry=policy(sleeps))
    proxy.arm(FaultKind.RPC_ERROR, methods=["eth_getBalance"], code=-32005, message="rate limit")
    with pytest.raises(RpcError, match="rate limit") as err:
        client.call("eth_getBalance", [MULTICALL3_ADDRESS, "latest"])
    assert err.value.code == -32005 and err.value.method == "eth_getBalance"
    assert sleeps.waits == [] and client.url == proxy.url


def test_a_wrong_chain_id_is_refused_naming_both_and_failed_over(
    anvil: Anvil, proxy: FaultProxy
) -> None:
    proxy.arm(FaultKind.CHAIN_ID, chain_id=1)
    sleeps = Sleeps()
    alone = RpcClient([proxy.url], chain_id=31337, timeout=2, retry=policy(sleeps))
    with pytest.raises(ChainError, match="reports chain id 1, not 31337"):
        alone.call("eth_blockNumber")
    assert sleeps.waits == []  # not transient: no retry
    assert proxy.seen["eth_blockNumber"] == 0  # nothing was read from the wrong chain
    both = RpcClient([proxy.url, anvil.url], chain_id=31337, timeout=2)
    assert both.call("eth_chainId") == "0x7a69" and both.url == anvil.url


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    book = make_ledger(tmp_path)
    try:
        yield book
    finally:
        book.close()


def _token(anvil: Anvil, ledger: Ledger) -> str:
    chain = TestChain(client=RpcClient([anvil.url], chain_id=31337), url=anvil.url)
    owner = chain.account(70)
    token = chain.token(owner)
    return register_token(ledger, contract=token, wallet=owner.address, until=None)


def _observed(ledger: Ledger, key: str) -> list[VerificationObserved]:
    return [e for _, e in ledger.history(key) if isinstance(e, VerificationObserved)]


@pytest.mark.parametrize(
    ("kind", "after", "reason"),
    [
        (FaultKind.LIE_HASH, 2, "changed its hash during the run"),  # after the reads
        (FaultKind.LIE_HASH, 3, "changed its hash during the run"),  # after the scan
        (FaultKind.LIE_BLOCK, 0, "when asked for block"),  # another block than the one asked
    ],
)
def test_a_lying_node_is_reported_and_nothing_it_served_is_recorded(
    anvil: Anvil,
    proxy: FaultProxy,
    ledger: Ledger,
    kind: FaultKind,
    after: int,
    reason: str,
) -> None:
    key = _token(anvil, ledger)
    direct = RpcClient([anvil.url])
    for _ in range(3):
        direct.call("evm_mine", [])
    client = RpcClient([proxy.url], chain_id=31337, timeout=5)
    proxy.arm(kind, methods=["eth_getBlockByNumber"], after=after, times=1)
    report = verifier(ledger, client, confirmations=2).run()
    (result,) = report.results
    assert result.outcome is ChainOutcome.UNREACHABLE
    assert reason in result.detail and proxy.injected[kind.value] == 1
    (recorded,) = _observed(ledger, key)
    assert recorded.block is None and recorded.readings == Readings()  # nothing observed
    honest = verifier(ledger, client, confirmations=2).run()  # the lie is over: checked again
    assert honest.results[0].outcome is ChainOutcome.CHECKED
    assert _observed(ledger, key)[-1].readings != Readings()


def test_the_retry_policy_is_bounded_and_only_for_transient_failures(proxy: FaultProxy) -> None:
    steps = RetryPolicy(retries=4, backoff_seconds=0.5, max_delay_seconds=3.0)
    assert [steps.delay(n) for n in range(1, 5)] == [0.5, 1.0, 2.0, 3.0]
    assert steps.delay(1, retry_after=10.0) == 3.0 and steps.delay(3, retry_after=0.1) == 2.0
    with pytest.raises(ValueError, match=">= 0"):
        RetryPolicy(retries=-1)
    sleeps = Sleeps()
    client = RpcClient([proxy.url], timeout=2, retry=policy(sleeps))
    for status, retry_after in ((404, None), (400, None), (429, "Fri, 20 Nov 2026 09:00:00 GMT")):
        proxy.clear()
        proxy.arm(FaultKind.HTTP, status=status, retry_after=retry_after)
        with pytest.raises(ChainError, match=f"HTTP {status}"):
            client.call("eth_blockNumber")
    assert sleeps.waits == [0.25, 0.5]  # 404 and 400 not retried; a dated Retry-After: backoff
