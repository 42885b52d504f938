"""Chain helpers without a chain: the Multicall3 codec (against eth_abi), return-data decoders,
EIP-1967 slots, Transfer log decoding, the eth_getLogs refusal detection, the chain table and its
settings."""

from __future__ import annotations

import dataclasses
import json

import pytest
from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from node.chain import abi
from node.chain.config import ChainKind, ChainSetting, ChainTable, normalize_name
from node.chain.logs import decode_transfers, refuses_range, topic_address
from node.chain.rpc import RpcError
from node.errors import ChainError
from node.settings import Settings

addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())


@given(st.lists(st.tuples(addresses, st.binary(max_size=100)), max_size=8))
def test_aggregate3_calldata_is_the_abi_encoding(calls: list[tuple[str, bytes]]) -> None:
    expected = abi.AGGREGATE3 + abi_encode(
        ["(address,bool,bytes)[]"], [[(a, True, d) for a, d in calls]]
    )
    assert abi.encode_aggregate3(calls) == expected


@given(st.lists(st.tuples(st.booleans(), st.binary(max_size=100)), max_size=8))
def test_aggregate3_results_decode_like_eth_abi(results: list[tuple[bool, bytes]]) -> None:
    data = abi_encode(["(bool,bytes)[]"], [results])
    assert abi.decode_aggregate3(data, len(results)) == results


def test_malformed_aggregate3_results_raise() -> None:
    data = abi_encode(["(bool,bytes)[]"], [[(True, b"x")]])
    with pytest.raises(ChainError, match="1 results for 2 calls"):
        abi.decode_aggregate3(data, 2)
    with pytest.raises(ChainError, match="too short"):
        abi.decode_aggregate3(data[:70], 1)
    with pytest.raises(ChainError, match="not an EVM address"):
        abi.encode_aggregate3([("0x1234", b"")])


def test_return_data_decoders() -> None:
    assert abi.decode_text(abi_encode(["string"], ["Ала-Тоо"])) == "Ала-Тоо"
    assert abi.decode_text(b"MKR".ljust(32, b"\x00")) == "MKR"  # bytes32 names (old tokens)
    assert abi.decode_text(b"\x01\x02") is None
    assert abi.decode_uint((7).to_bytes(32, "big")) == 7 and abi.decode_uint(b"") is None
    assert abi.decode_bool((1).to_bytes(32, "big")) is True
    assert abi.decode_bool((2).to_bytes(32, "big")) is None
    word = bytes(12) + bytes.fromhex("11" * 20)
    assert abi.decode_address(word) == "0x" + "11" * 20
    assert abi.decode_address(b"\x01" * 32) is None
    assert abi.slot_address(bytes(32)) is None and abi.slot_address(word) == "0x" + "11" * 20


def test_standard_constants() -> None:
    # EIP-1967 publishes these slots; EIP-1271 its magic value.
    assert abi.EIP1967_IMPLEMENTATION_SLOT == (
        "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc"
    )
    assert abi.EIP1967_BEACON_SLOT == (
        "0xa3f0ad74e5423aebfd80d3ef4346578335a9a72aeaee59ff6cb3582b35133d50"
    )
    assert abi.EIP1271_MAGIC.hex() == "1626ba7e"
    assert "0x" + keccak(text="Transfer(address,address,uint256)").hex() == abi.TRANSFER_TOPIC


def _raw(**changes: object) -> dict[str, object]:
    log: dict[str, object] = {
        "address": "0xAbC0000000000000000000000000000000000001",
        "topics": [
            abi.TRANSFER_TOPIC,
            topic_address(abi.ZERO_ADDRESS),
            topic_address(abi.DEAD_ADDRESS),
        ],
        "data": "0x" + (5).to_bytes(32, "big").hex(),
        "blockNumber": "0x10",
        "blockHash": "0x" + "AB" * 32,
        "transactionHash": "0x" + "CD" * 32,
        "logIndex": "0x2",
    }
    return log | changes


def test_transfer_logs_decode() -> None:
    (log,) = decode_transfers([_raw()])
    assert log.contract == "0xabc0000000000000000000000000000000000001"
    assert (log.block_number, log.log_index, log.value) == (16, 2, 5)
    assert log.sender == abi.ZERO_ADDRESS and log.receiver == abi.DEAD_ADDRESS
    assert log.block_hash == "0x" + "ab" * 32
    approval = _raw(topics=["0x" + "00" * 32, topic_address(abi.ZERO_ADDRESS)])
    assert decode_transfers([approval, _raw(removed=True)]) == []
    with pytest.raises(ChainError, match="malformed Transfer log"):
        decode_transfers([_raw(blockNumber="sixteen")])
    with pytest.raises(ChainError, match="malformed Transfer log"):
        decode_transfers([_raw(), {"address": "0x01"}])


def test_repeated_texts_decode_each_log_alike() -> None:
    holder = "0x" + "Ee" * 20
    second = _raw(
        blockNumber="0x11",
        blockHash="0x" + "EF" * 32,
        topics=[abi.TRANSFER_TOPIC, topic_address(holder), topic_address(abi.ZERO_ADDRESS)],
        logIndex="0x0",
    )
    a, b, c = decode_transfers([_raw(), second, _raw(logIndex="0x3")])
    assert (a.block_number, b.block_number, c.block_number) == (16, 17, 16)
    assert (a.block_hash, b.block_hash) == ("0x" + "ab" * 32, "0x" + "ef" * 32)
    assert (a.sender, a.receiver) == (abi.ZERO_ADDRESS, abi.DEAD_ADDRESS)
    assert (b.sender, b.receiver) == (holder.lower(), abi.ZERO_ADDRESS)
    assert c == dataclasses.replace(a, log_index=3)


def test_the_chain_table_resolves_register_names() -> None:
    table = ChainTable()
    for name in ("Ethereum", "ETH", "ethereum mainnet", "ERC-20"):
        resolved = table.resolve(name)
        assert resolved.kind is ChainKind.EVM and resolved.spec is not None, name
        assert resolved.spec.chain_id == 1
    assert table.resolve("BNB Smart Chain").spec.chain_id == 56  # type: ignore[union-attr]
    local = table.resolve("tamga-local").spec
    assert local is not None and local.local and local.confirmations == 1
    assert table.resolve("TON").kind is ChainKind.UNSUPPORTED
    assert table.resolve("The Open Network").kind is ChainKind.UNSUPPORTED
    assert table.resolve("Kyrgyzchain").kind is ChainKind.UNKNOWN
    assert normalize_name("  BNB_Smart--Chain ") == "bnbsmartchain"


def test_configured_chains_add_endpoints_and_names() -> None:
    table = ChainTable(
        [
            ChainSetting(
                name="ETH", chain_id=1, rpc_urls=("https://a.example", "https://b.example")
            ),
            ChainSetting(name="Kyrgyzchain", chain_id=996, aliases=("KGC",), confirmations=3),
        ],
        non_evm=["Tezos-like"],
    )
    eth = table.resolve("ethereum").spec
    assert eth is not None and eth.rpc_urls == ("https://a.example", "https://b.example")
    kgc = table.resolve("kgc").spec
    assert kgc is not None and (kgc.chain_id, kgc.confirmations) == (996, 3)
    assert table.resolve("tezos like").kind is ChainKind.UNSUPPORTED
    with pytest.raises(ValidationError, match="not an http"):
        ChainSetting(name="x", chain_id=1, rpc_urls=("ws://nope",))
    with pytest.raises(ValidationError):
        ChainSetting(name="x", chain_id=0)


def test_chains_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    chains = [{"name": "ethereum", "chain_id": 1, "rpc_urls": ["https://rpc.example"]}]
    monkeypatch.setenv("TAMGA_CHAINS", json.dumps(chains))
    monkeypatch.setenv("TAMGA_VERIFY_SINKS", '["0x000000000000000000000000000000000000bEEF"]')
    settings = Settings()
    assert settings.chains[0].rpc_urls == ("https://rpc.example",)
    assert settings.verify_sinks == ("0x000000000000000000000000000000000000bEEF",)
    from node.verification.runtime import verify_config

    config = verify_config(settings)
    assert config.sinks == (abi.DEAD_ADDRESS, "0x000000000000000000000000000000000000beef")


@pytest.mark.parametrize(
    "message",
    [
        # what the verification scan recognised
        "query returned more than 10000 results",
        "block range too large",
        "query timeout exceeded",
        "request timed out",
        "too big range",
        "block range is too wide",
        # what the publisher's Anchored scan recognised
        "eth_getLogs is limited to a 10,000 range",
        "too many blocks requested",
        "Log response size exceeded",
        "exceed maximum block range: 5000",
        # what other providers send
        "block range greater than 10000 max",
        "Block range limit exceeded",
    ],
)
def test_refused_log_ranges_are_recognised(message: str) -> None:
    refusal = RpcError(message, code=-32000, method="eth_getLogs", url="http://rpc")
    assert refuses_range(refusal)


def test_limit_exceeded_is_a_refusal_and_other_errors_are_not() -> None:
    def error(message: str, code: int) -> RpcError:
        return RpcError(message, code=code, method="eth_getLogs", url="http://rpc")

    assert refuses_range(error("please narrow your filter", -32005))  # EIP-1474
    assert not refuses_range(error("backend unavailable", -32000))
    assert not refuses_range(error("internal error", -32603))
    assert not refuses_range(error("invalid params", -32602))
