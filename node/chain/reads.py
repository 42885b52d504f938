"""Reads pinned to one block: every observation names chain id, block number and block hash.

The block is chosen ``confirmations`` deep and every later read names it by hash (EIP-1898
``{"blockHash": …, "requireCanonical": true}``), so all readings of a run see the same state
and an auditor can replay them with their own RPC. Contract calls go through Multicall3's
``aggregate3`` when the chain has it (at its canonical address), else as a JSON-RPC batch of
``eth_call``s; code, storage and nonces as JSON-RPC batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from eth_utils.crypto import keccak

from node.chain.abi import decode_aggregate3, encode_aggregate3
from node.chain.rpc import RpcClient, hex_bytes, hex_int
from node.errors import ChainError

MULTICALL3_ADDRESS: Final = "0xcA11bde05977b3631167028862bE2a173976CA11"
"""Multicall3's canonical address (the same on most EVM chains)."""

EMPTY_CODE_HASH: Final = "0x" + keccak(b"").hex()
"""keccak256 of empty code: the code hash of an account without code."""


@dataclass(frozen=True, slots=True)
class BlockRef:
    """A block by number and hash (with its timestamp, and its chain when the reader knows it):
    what a set of pinned readings names, the verification's and the audit's alike."""

    number: int
    hash: bytes
    timestamp: int
    chain_id: int | None = None

    @property
    def hash_hex(self) -> str:
        """The hash as ``0x``-prefixed lowercase hex."""
        return "0x" + self.hash.hex()

    def param(self) -> dict[str, Any]:
        """The EIP-1898 block parameter naming this block by hash."""
        return {"blockHash": self.hash_hex, "requireCanonical": True}

    def to_record(self) -> dict[str, str]:
        """JSON-able form with the chain (numbers as decimal strings)."""
        return {
            "chain_id": str(self.chain_id),
            "block_number": str(self.number),
            "block_hash": self.hash_hex,
            "block_time": str(self.timestamp),
        }

    def to_json(self) -> dict[str, Any]:
        """JSON form of number and hash."""
        return {"number": self.number, "hash": self.hash_hex}


def block_at(client: RpcClient, number: int | str, *, chain_id: int | None) -> BlockRef:
    """The block ``number`` (or a tag like "latest") as a pin.

    Raises:
        ChainError: the block does not exist or the answer is malformed.
    """
    tag = hex(number) if isinstance(number, int) else number
    block = client.call("eth_getBlockByNumber", [tag, False])
    if not isinstance(block, dict):
        raise ChainError(f"block {number} of chain {chain_id} not found")
    pin = BlockRef(
        chain_id=chain_id,
        number=hex_int(block.get("number")),
        hash=hex_bytes(block.get("hash")),
        timestamp=hex_int(block.get("timestamp")),
    )
    if isinstance(number, int) and pin.number != number:
        raise ChainError(
            f"{client.url} answered block {pin.number} when asked for block {number} of chain "
            f"{chain_id}: the endpoint is inconsistent; nothing read from it is recorded"
        )
    return pin


def confirm_pin(client: RpcClient, pin: BlockRef) -> None:
    """Check, after reading, that the pinned block is still block ``pin.number`` with the same
    hash: an endpoint that answers another hash for that number (a lying or inconsistent node,
    or a reorg deeper than the confirmations) leaves the readings without a block to pin them to.

    Raises:
        ChainError: the block has another hash now (naming both), or the chain cannot be read.
    """
    again = block_at(client, pin.number, chain_id=pin.chain_id)
    if again.hash != pin.hash:
        raise ChainError(
            f"block {pin.number} of chain {pin.chain_id} changed its hash during the run "
            f"(pinned {pin.hash_hex}, now {again.hash_hex} at {client.url}): the endpoint is "
            "inconsistent or the chain reorganised; nothing read at that block is recorded"
        )


def pin_block(client: RpcClient, *, chain_id: int, confirmations: int) -> BlockRef:
    """The newest block with ``confirmations`` confirmations (itself included), as a pin.

    Raises:
        ChainError: the chain cannot be read.
        ValueError: ``confirmations`` < 1.
    """
    if confirmations < 1:
        raise ValueError("confirmations must be >= 1")
    head = hex_int(client.call("eth_blockNumber"))
    return block_at(client, max(0, head - confirmations + 1), chain_id=chain_id)


@dataclass(frozen=True, slots=True)
class CallResult:
    """The outcome of one contract call: whether it succeeded and what it returned."""

    success: bool
    data: bytes


class PinnedReader:
    """Batched reads of one chain at one pinned block."""

    def __init__(
        self,
        client: RpcClient,
        pin: BlockRef,
        *,
        chunk: int = 500,
        multicall: bool | None = None,
        at_head: bool = False,
    ) -> None:
        """``multicall``: use Multicall3 (None: when the chain has it at the pinned block).

        ``at_head``: the pin is the chain's head; read "latest" (some nodes, anvil among them,
        serve it much faster than a block named by hash) and let :meth:`still_at_head` confirm
        afterwards that the head did not move, else read again by hash.
        """
        if chunk < 1:
            raise ValueError("chunk must be >= 1")
        self.client = client
        self.pin = pin
        self.chunk = chunk
        self.at_head = at_head
        self._multicall = multicall
        self._block: Any = "latest" if at_head else pin.param()

    def still_at_head(self) -> bool:
        """Whether the head is still the pinned block (reads of "latest" were of the pin).

        Raises:
            ChainError: the chain cannot be read.
        """
        if not self.at_head:
            return True
        head = block_at(self.client, "latest", chain_id=self.pin.chain_id)
        return head == self.pin

    def pinned(self) -> PinnedReader:
        """A reader of the same block named by hash (EIP-1898)."""
        return PinnedReader(self.client, self.pin, chunk=self.chunk, multicall=self._multicall)

    def has_multicall(self) -> bool:
        """Whether Multicall3 is deployed at its canonical address at the pinned block."""
        if self._multicall is None:
            code = self.client.call("eth_getCode", [MULTICALL3_ADDRESS, self._block])
            self._multicall = len(hex_bytes(code)) > 0
        return self._multicall

    def calls(self, calls: Sequence[tuple[str, bytes]]) -> list[CallResult]:
        """``eth_call`` every (target, calldata) at the pinned block; failures are results.

        Raises:
            ChainError: the chain cannot be read, or Multicall3 answers malformed data.
        """
        if not calls:
            return []
        if self.has_multicall():
            return self._via_multicall(calls)
        replies = self.client.batch(
            [("eth_call", [{"to": t, "data": "0x" + d.hex()}, self._block]) for t, d in calls]
        )
        return [
            CallResult(False, b"") if r.error is not None else CallResult(True, hex_bytes(r.result))
            for r in replies
        ]

    def _via_multicall(self, calls: Sequence[tuple[str, bytes]]) -> list[CallResult]:
        chunks = [calls[i : i + self.chunk] for i in range(0, len(calls), self.chunk)]
        requests = [
            (
                "eth_call",
                [
                    {"to": MULTICALL3_ADDRESS, "data": "0x" + encode_aggregate3(c).hex()},
                    self._block,
                ],
            )
            for c in chunks
        ]
        results: list[CallResult] = []
        for chunk, reply in zip(chunks, self.client.batch(requests), strict=True):
            if reply.error is not None:
                # aggregate3 itself failed (out of gas on a huge chunk, a node limit): halve.
                if len(chunk) == 1:
                    results.append(CallResult(False, b""))
                    continue
                half = len(chunk) // 2
                results.extend(self._via_multicall(chunk[:half]))
                results.extend(self._via_multicall(chunk[half:]))
                continue
            decoded = decode_aggregate3(hex_bytes(reply.result), len(chunk))
            results.extend(CallResult(ok, data) for ok, data in decoded)
        return results

    def codes(self, addresses: Sequence[str]) -> list[bytes]:
        """The code at every address (empty for accounts without code).

        Raises:
            RpcError: an endpoint refused a request.
            ChainError: the chain cannot be read.
        """
        replies = self.client.batch([("eth_getCode", [a, self._block]) for a in addresses])
        return [hex_bytes(r.value()) for r in replies]

    def storage(self, items: Sequence[tuple[str, str]]) -> list[bytes]:
        """The 32-byte storage word at every (address, slot).

        Raises:
            RpcError: an endpoint refused a request.
            ChainError: the chain cannot be read.
        """
        replies = self.client.batch([("eth_getStorageAt", [a, s, self._block]) for a, s in items])
        words = [hex_bytes(r.value()) for r in replies]
        return [bytes(32 - len(w)) + w if len(w) < 32 else w[-32:] for w in words]

    def nonces(self, addresses: Sequence[str]) -> list[int]:
        """The transaction count of every address.

        Raises:
            RpcError: an endpoint refused a request.
            ChainError: the chain cannot be read.
        """
        replies = self.client.batch(
            [("eth_getTransactionCount", [a, self._block]) for a in addresses]
        )
        return [hex_int(r.value()) for r in replies]


def code_hash(code: bytes) -> str:
    """keccak256 of runtime code, 0x-hex (what EXTCODEHASH returns for an existing account)."""
    return "0x" + keccak(code).hex()
