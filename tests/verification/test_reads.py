"""JSON-RPC with failover and batching, reads pinned to a block, Multicall3 and its fallback."""

from __future__ import annotations

import pytest

from node.chain import abi
from node.chain.reads import PinnedReader, block_at, pin_block
from node.chain.rpc import RpcClient, RpcError
from node.errors import ChainError
from node.verification.reader import TokenTarget, read_tokens
from tests.verification.support import DEAD, IN_PLACEMENT, VA, TestChain, free_port


def test_failover_skips_dead_and_wrong_chain_endpoints(chain: TestChain) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    client = RpcClient([dead, chain.url], chain_id=31337, timeout=2)
    assert client.chain_id() == 31337
    assert client.url == chain.url  # stays on the one that answered
    wrong = RpcClient([chain.url], chain_id=1, timeout=2)
    with pytest.raises(ChainError, match="reports chain id 31337, not 1"):
        wrong.call("eth_blockNumber")
    nothing = RpcClient([dead], chain_id=31337, timeout=2)
    with pytest.raises(ChainError, match="no JSON-RPC endpoint of chain 31337 answered"):
        nothing.call("eth_blockNumber")


def test_error_answers_are_raised_not_failed_over(chain: TestChain) -> None:
    client = RpcClient([chain.url, chain.url], chain_id=31337)
    with pytest.raises(RpcError) as caught:
        client.call("eth_noSuchMethod")
    assert caught.value.code is not None
    assert client.url == chain.url
    replies = client.batch([("eth_blockNumber", []), ("eth_noSuchMethod", [])])
    assert replies[0].error is None and replies[1].error is not None


def test_batches_are_chunked(chain: TestChain) -> None:
    client = RpcClient([chain.url], batch_limit=10)
    replies = client.batch([("eth_chainId", [])] * 25)
    assert [r.value() for r in replies] == ["0x7a69"] * 25
    assert client.requests_sent == 3


def test_reads_are_pinned_to_the_block(chain: TestChain) -> None:
    owner = chain.account(30)
    token = chain.token(owner)
    chain.at(IN_PLACEMENT)
    chain.send(owner, token, "mint(address,uint256)", owner.address, 5 * VA)
    before = pin_block(chain.client, chain_id=31337, confirmations=1)
    chain.send(owner, token, "mint(address,uint256)", owner.address, 7 * VA)
    after = pin_block(chain.client, chain_id=31337, confirmations=1)
    deep = pin_block(chain.client, chain_id=31337, confirmations=2)
    assert after.number == before.number + 1 and deep == before
    assert block_at(chain.client, before.number, chain_id=31337) == before
    supply = [
        abi.decode_uint(PinnedReader(chain.client, pin).calls([(token, abi.TOTAL_SUPPLY)])[0].data)
        for pin in (before, after)
    ]
    assert supply == [5 * VA, 12 * VA]
    with pytest.raises(ValueError, match="confirmations"):
        pin_block(chain.client, chain_id=31337, confirmations=0)


def test_multicall_and_plain_batches_read_the_same(chain: TestChain) -> None:
    owner = chain.account(31)
    tokens = [chain.token(owner, name=f"Token {i}", symbol=f"T{i}") for i in range(5)]
    chain.at(IN_PLACEMENT)
    for i, token in enumerate(tokens):
        chain.send(owner, token, "mint(address,uint256)", owner.address, (i + 1) * VA)
    chain.send(owner, tokens[0], "transfer(address,uint256)", DEAD, VA // 2)
    pin = pin_block(chain.client, chain_id=31337, confirmations=1)
    targets = [TokenTarget(contract=t.lower(), wallet=owner.address.lower()) for t in tokens]
    targets.append(TokenTarget(contract=owner.address.lower(), wallet=owner.address.lower()))
    via_multicall = PinnedReader(chain.client, pin, chunk=7)
    assert via_multicall.has_multicall()
    plain = PinnedReader(chain.client, pin, multicall=False)  # as on a chain without it
    first = read_tokens(via_multicall, targets, sinks=[DEAD])
    second = read_tokens(plain, targets, sinks=[DEAD])
    assert first == second
    assert [r.total_supply for r in first[:5]] == [(i + 1) * VA for i in range(5)]
    assert first[0].locked_balance == VA // 2 and first[0].treasury_balance == VA // 2
    assert first[0].name == "Token 0" and first[0].decimals == 18
    assert first[0].owner == owner.address.lower() and first[0].wallet_is_admin is None
    assert first[5].code_size == 0 and first[5].nonce is not None and first[5].nonce > 0
