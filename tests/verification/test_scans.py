"""Transfer log scans: adaptive splitting when a provider refuses a range, resuming after a
failure from the stored cursor, windows in flight stored in block order, and a reorg between
two scans."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from node.chain.logs import LogScanner
from node.chain.reads import pin_block
from node.chain.rpc import RpcClient
from node.errors import ChainError
from node.ledger.service import Ledger
from node.verification.scan import TransferScanner
from node.verification.store import VerificationStore
from tests.verification.support import DEAD, IN_PLACEMENT, VA, LimitedProvider, TestChain


@pytest.fixture
def capped(chain: TestChain) -> Iterator[LimitedProvider]:
    provider = LimitedProvider(chain.url, max_range=4)
    try:
        yield provider
    finally:
        provider.close()


def _scanner(client: RpcClient, ledger: Ledger, **kwargs: object) -> TransferScanner:
    return TransferScanner(
        client,
        VerificationStore(ledger.store.engine),
        chain_id=31337,
        sinks=[DEAD.lower()],
        now=lambda: "2026-11-20T09:00:00+00:00",
        **kwargs,  # type: ignore[arg-type]
    )


def _busy_token(chain: TestChain, n: int) -> tuple[str, list[str]]:
    """A token with a mint, then ``n`` burns and a lock, each in its own block."""
    owner = chain.account(40)
    token = chain.token(owner)
    chain.at(IN_PLACEMENT)
    chain.send(owner, token, "mint(address,uint256)", owner.address, 1_000 * VA)
    burns = [chain.send(owner, token, "burn(uint256)", VA).tx_hash for _ in range(n)]
    chain.send(owner, token, "transfer(address,uint256)", DEAD, VA)
    return token.lower(), burns


def test_a_refused_range_is_split_until_it_passes(
    chain: TestChain, ledger: Ledger, capped: LimitedProvider
) -> None:
    token, burns = _busy_token(chain, 6)
    client = RpcClient([capped.url], chain_id=31337)
    pin = pin_block(client, chain_id=31337, confirmations=1)
    scanner = _scanner(client, ledger, max_range=1_000)
    found = scanner.scan([token], pin)[token]
    assert [log.tx_hash for log in found.burns] == burns
    assert len(found.mints) == 1 and len(found.locks) == 1
    assert capped.refused > 0 and scanner.logs.splits > 0
    assert scanner.logs.max_range <= 4  # remembered for the next ranges


def test_single_blocks_still_refused_raise(chain: TestChain, capped: LimitedProvider) -> None:
    capped.max_range = 0
    scanner = LogScanner(RpcClient([capped.url], chain_id=31337), max_range=8)
    with pytest.raises(ChainError, match="max block range"):
        list(scanner.ranges(addresses=[DEAD], topics=[], start=1, end=3))


def test_a_failed_scan_resumes_from_its_cursor(
    chain: TestChain, ledger: Ledger, capped: LimitedProvider
) -> None:
    token, burns = _busy_token(chain, 5)
    capped.max_range = None
    client = RpcClient([capped.url], chain_id=31337)
    pin = pin_block(client, chain_id=31337, confirmations=1)
    store = VerificationStore(ledger.store.engine)
    capped.fail_after = 6  # the provider dies after three 2-filter windows
    with pytest.raises(ChainError, match="backend unavailable"):
        _scanner(client, ledger, max_range=pin.number // 5 + 1, in_flight=1).scan([token], pin)
    cursor = store.cursors(31337, [token])[token]
    assert cursor.scanned_to is not None and 0 < cursor.scanned_to < pin.number
    kept = store.transfers(31337, token, up_to=pin.number)
    assert all(t.log.block_number <= cursor.scanned_to for t in kept)
    capped.fail_after = None
    capped.get_logs = 0
    resumed = _scanner(client, ledger, max_range=pin.number).scan([token], pin)[token]
    assert [log.tx_hash for log in resumed.burns] == burns
    assert capped.get_logs == 2  # only the rest: one window, two filters
    assert store.cursors(31337, [token])[token].scanned_hash == pin.hash_hex


def test_windows_in_flight_are_stored_in_block_order(
    chain: TestChain, ledger: Ledger, capped: LimitedProvider
) -> None:
    token, burns = _busy_token(chain, 8)
    capped.max_range = None
    capped.delay = 0.05  # long enough for the requests of several windows to meet
    client = RpcClient([capped.url], chain_id=31337)
    pin = pin_block(client, chain_id=31337, confirmations=1)
    scanner = _scanner(client, ledger, max_range=3, in_flight=4)
    found = scanner.scan([token], pin)[token]
    assert capped.most_at_once >= 2  # windows were fetched at once
    assert [log.tx_hash for log in found.burns] == burns
    assert len(found.mints) == 1 and [log.value for log in found.locks] == [VA]
    store = VerificationStore(ledger.store.engine)
    stored = store.transfers(31337, token, up_to=pin.number)
    assert [t.log.tx_hash for t in stored if t.kind == "burn"] == burns
    assert store.cursors(31337, [token])[token].scanned_hash == pin.hash_hex


class SlowStore(VerificationStore):
    """The real store, each save a little slower, counting the saves."""

    saves: list[int]

    def save_range(self, *args: Any, **kwargs: Any) -> None:
        time.sleep(0.3)  # meanwhile the next windows arrive
        self.saves.append(kwargs["scanned_to"])
        super().save_range(*args, **kwargs)


def test_windows_that_arrived_meanwhile_are_stored_in_one_transaction(
    chain: TestChain, ledger: Ledger
) -> None:
    token, burns = _busy_token(chain, 6)
    pin = pin_block(chain.client, chain_id=31337, confirmations=1)
    store = SlowStore(ledger.store.engine)
    store.saves = []
    scanner = TransferScanner(
        chain.client,
        store,
        chain_id=31337,
        sinks=[DEAD.lower()],
        now=lambda: "2026-11-20T09:00:00+00:00",
        max_range=pin.number // 8 + 1,
        in_flight=4,
    )
    found = scanner.scan([token], pin)[token]
    assert [log.tx_hash for log in found.burns] == burns
    windows = -(-(pin.number + 1) // (pin.number // 8 + 1))
    assert 1 < len(store.saves) < windows  # fewer commits than windows, in block order
    assert store.saves == sorted(store.saves) and store.saves[-1] == pin.number
    assert store.cursors(31337, [token])[token].scanned_hash == pin.hash_hex


def test_a_failed_window_keeps_the_windows_before_it_and_drops_those_after(
    chain: TestChain, ledger: Ledger, capped: LimitedProvider
) -> None:
    token, burns = _busy_token(chain, 8)
    capped.max_range = None
    client = RpcClient([capped.url], chain_id=31337)
    pin = pin_block(client, chain_id=31337, confirmations=1)
    blocks = [
        int(client.call("eth_getTransactionReceipt", [tx])["blockNumber"], 16) for tx in burns
    ]
    broken = blocks[4]
    capped.fail_at = broken  # only the window holding the fifth burn fails
    store = VerificationStore(ledger.store.engine)
    with pytest.raises(ChainError, match="backend unavailable"):
        _scanner(client, ledger, max_range=2, in_flight=4).scan([token], pin)
    cursor = store.cursors(31337, [token])[token]
    window_start = broken - broken % 2  # windows of two blocks from block 0
    assert cursor.scanned_to == window_start - 1
    kept = store.transfers(31337, token, up_to=pin.number)
    assert kept and all(t.log.block_number < window_start for t in kept)  # later windows dropped
    before = [tx for tx, block in zip(burns, blocks, strict=True) if block < window_start]
    assert len(before) >= 3 and [t.log.tx_hash for t in kept if t.kind == "burn"] == before
    capped.fail_at = None
    resumed = _scanner(client, ledger, max_range=2, in_flight=4).scan([token], pin)[token]
    assert [log.tx_hash for log in resumed.burns] == burns
    assert store.cursors(31337, [token])[token].scanned_hash == pin.hash_hex


def test_a_reorg_between_two_scans_is_undone(chain: TestChain, ledger: Ledger) -> None:
    token, burns = _busy_token(chain, 2)
    owner = chain.account(40)
    scanner = _scanner(chain.client, ledger)
    snapshot = chain.client.call("evm_snapshot", [])
    orphan = chain.send(owner, token, "burn(uint256)", 3 * VA)
    first = scanner.scan([token], pin_block(chain.client, chain_id=31337, confirmations=1))
    assert orphan.tx_hash in [log.tx_hash for log in first[token].burns]
    chain.client.call("evm_revert", [snapshot])  # the orphan's block is replaced
    chain.send(owner, token, "transfer(address,uint256)", DEAD, 2 * VA)
    canonical = chain.send(owner, token, "burn(uint256)", 4 * VA)
    second = scanner.scan([token], pin_block(chain.client, chain_id=31337, confirmations=1))
    hashes = [log.tx_hash for log in second[token].burns]
    assert orphan.tx_hash not in hashes
    assert hashes == [*burns, canonical.tx_hash]
    assert scanner.stats.reorgs == 1
    assert [log.value for log in second[token].locks] == [VA, 2 * VA]
