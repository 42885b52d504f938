"""Development chains (anvil): the test and demo contracts' artifacts, signed transactions, and
anvil's methods to fund accounts, set code and move the clock.

Used by the demo, the benchmark and the tests; nothing here runs against a production chain
except :func:`send_transaction` and :func:`deploy`, which work on any EVM chain.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Final

from eth_abi.abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address

from node.chain.abi import selector
from node.chain.artifacts import ContractArtifact, read_artifact
from node.chain.reads import MULTICALL3_ADDRESS
from node.chain.rpc import RpcClient, hex_bytes, hex_int
from node.errors import ChainError

ARTIFACTS: Final = "chain/artifacts"
"""Package directory of the committed artifacts (scripts/compile_contracts.py writes them)."""

GAS_PRICE_WEI: Final = 2_000_000_000
"""Max fee per gas of development transactions (anvil's base fee starts at 1 gwei)."""


def load_artifact(name: str) -> ContractArtifact:
    """The committed artifact of a test/demo contract (node/chain/artifacts/<name>.json).

    Raises:
        ConfigError: there is no such artifact, or it is malformed.
    """
    return read_artifact("node", ARTIFACTS, name)


def encode_call(signature: str, *args: Any) -> bytes:
    """Calldata of ``signature`` (e.g. "mint(address,uint256)") with ``args``."""
    types = split_types(signature[signature.index("(") + 1 : -1])
    return selector(signature) + abi_encode(types, list(args))


def split_types(inner: str) -> list[str]:
    types: list[str] = []
    depth = 0
    current = ""
    for char in inner:
        if char == "," and depth == 0:
            types.append(current)
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    if current:
        types.append(current)
    return types


@dataclass(frozen=True, slots=True)
class Mined:
    """A mined transaction: hash, block, the created contract (if any)."""

    tx_hash: str
    block_number: int
    block_hash: str
    contract_address: str | None
    logs: tuple[dict[str, Any], ...]


def send_transaction(
    client: RpcClient,
    account: LocalAccount,
    *,
    to: str | None,
    data: bytes = b"",
    value: int = 0,
    gas: int | None = None,
    timeout: float = 30.0,
) -> Mined:
    """Sign (EIP-1559) and send a transaction from ``account``, wait for its receipt.

    Raises:
        ChainError: the chain refused it, it reverted, or no receipt came within ``timeout``.
    """
    chain_id = client.chain_id()
    nonce = hex_int(client.call("eth_getTransactionCount", [account.address, "pending"]))
    tx: dict[str, Any] = {
        "chainId": chain_id,
        "nonce": nonce,
        "value": value,
        "data": "0x" + data.hex(),
        "maxFeePerGas": GAS_PRICE_WEI,
        "maxPriorityFeePerGas": 1,
        "type": 2,
    }
    if to is not None:
        tx["to"] = to_checksum_address(to)
    if gas is None:
        estimate = {k: v for k, v in tx.items() if k in ("to", "data")} | {
            "from": account.address,
            "value": hex(value),
        }
        gas = hex_int(client.call("eth_estimateGas", [estimate])) * 6 // 5 + 10_000
    tx["gas"] = gas
    signed = account.sign_transaction(tx)
    tx_hash = client.call("eth_sendRawTransaction", ["0x" + signed.raw_transaction.hex()])
    deadline = time.monotonic() + timeout
    while True:
        receipt = client.call("eth_getTransactionReceipt", [tx_hash])
        if isinstance(receipt, dict):
            break
        if time.monotonic() > deadline:
            raise ChainError(f"transaction {tx_hash} not mined within {timeout:.0f} s")
        time.sleep(0.05)
    if hex_int(receipt["status"]) != 1:
        raise ChainError(f"transaction {tx_hash} reverted")
    created = receipt.get("contractAddress")
    return Mined(
        tx_hash=str(tx_hash).lower(),
        block_number=hex_int(receipt["blockNumber"]),
        block_hash=str(receipt["blockHash"]).lower(),
        contract_address=to_checksum_address(created) if created else None,
        logs=tuple(receipt.get("logs", ())),
    )


def deploy(client: RpcClient, account: LocalAccount, name: str, *args: Any) -> Mined:
    """Deploy the artifact ``name`` with constructor ``args`` from ``account``.

    Raises:
        ConfigError: no such artifact.
        ChainError: the deployment failed.
    """
    artifact = load_artifact(name)
    data = artifact.bytecode + abi_encode(artifact.constructor_types(), list(args))
    mined = send_transaction(client, account, to=None, data=data)
    if mined.contract_address is None:
        raise ChainError(f"deploying {name} created no contract (tx {mined.tx_hash})")
    return mined


def fund(client: RpcClient, address: str, wei: int) -> None:
    """Give ``address`` a balance of ``wei`` (anvil_setBalance; development chains only).

    Raises:
        ChainError: the chain has no such method.
    """
    client.call("anvil_setBalance", [address, hex(wei)])


def install_multicall3(client: RpcClient) -> None:
    """Put Multicall3 (Tamga's implementation of its interface) at the canonical address with
    anvil_setCode, if nothing is there yet (development chains only).

    Raises:
        ChainError: the chain has no such method.
    """
    present = hex_bytes(client.call("eth_getCode", [MULTICALL3_ADDRESS, "latest"]))
    if present:
        return
    code = load_artifact("Multicall3").deployed_bytecode
    client.call("anvil_setCode", [MULTICALL3_ADDRESS, "0x" + code.hex()])
    client.call("evm_mine", [])


def set_time(client: RpcClient, timestamp: int) -> None:
    """Make the next blocks carry ``timestamp`` (anvil_setTime; development chains only).

    Raises:
        ChainError: the chain has no such method.
    """
    client.call("anvil_setTime", [timestamp])
