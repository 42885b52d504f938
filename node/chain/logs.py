"""The node's one ``eth_getLogs`` scanner (ranges split when refused), and a fast ERC-20
``Transfer`` decoder.

Providers cap ``eth_getLogs`` by block range or result count and answer a JSON-RPC error
("query returned more than 10000 results", "block range too large", …; :func:`refuses_range`
knows them). A refused range is halved until it passes (down to one block); the working size is
remembered for the next ranges, so a capped provider costs a few extra requests, not one per
block. The answers are decoded by msgspec straight into :class:`RawLog` (only the fields a log
reader needs) or any shape the caller names, see :meth:`node.chain.rpc.RpcClient.call_typed`.
One scanner may serve several threads at once. The verification's Transfer scan, the
publisher's and the auditor's ``Anchored`` and ``CheckpointSignerSet`` reads all use it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from node.chain.abi import TRANSFER_TOPIC
from node.chain.rpc import RpcClient, RpcError
from node.errors import ChainError

logger = logging.getLogger("tamga.chain.logs")

_REFUSED_RANGE: Final = re.compile(
    r"range|too (many|large|big|wide)|more than|greater than|limit|exceed|response size"
    r"|timeout|timed out",
    re.IGNORECASE,
)
_LIMIT_EXCEEDED: Final = -32005
"""EIP-1474's "limit exceeded" error code (Infura, Alchemy, Ankr, … use it for log caps)."""


def refuses_range(exc: RpcError) -> bool:
    """Whether an ``eth_getLogs`` error answer refuses the size of the range (or of its result),
    so that a smaller range may pass: code -32005 (EIP-1474 limit exceeded), or a message about
    a range, a count, a limit or a timeout ("query returned more than 10000 results", "block
    range too large", "exceed maximum block range", "Log response size exceeded", "requested
    too many blocks", "query timeout exceeded", …). Any other error answer is not retried."""
    return exc.code == _LIMIT_EXCEEDED or bool(_REFUSED_RANGE.search(exc.rpc_message))


class RawLog(msgspec.Struct, frozen=True, rename="camel"):
    """One ``eth_getLogs`` entry as the JSON-RPC answer carries it (the fields used here)."""

    address: str
    topics: list[str]
    data: str
    block_number: str
    block_hash: str
    transaction_hash: str
    log_index: str
    removed: bool | None = None


@dataclass(frozen=True, slots=True)
class TransferLog:
    """One ``Transfer(from, to, value)`` log (addresses and hashes lowercase 0x-hex)."""

    contract: str
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    sender: str
    receiver: str
    value: int


def topic_address(address: str) -> str:
    """An address as a 32-byte log topic."""
    return "0x" + "00" * 12 + address.lower()[2:]


def decode_transfers(logs: Sequence[RawLog] | Sequence[Mapping[str, Any]]) -> list[TransferLog]:
    """Decode ``eth_getLogs`` entries of ``Transfer`` (as :class:`RawLog` or as plain JSON
    objects); others (and removed logs) are skipped.

    Raises:
        ChainError: a log is malformed.
    """
    if logs and not isinstance(logs[0], RawLog):
        try:
            logs = msgspec.convert(logs, list[RawLog])
        except msgspec.ValidationError as exc:
            raise ChainError(f"malformed Transfer log: {exc}") from exc
    found: list[TransferLog] = []
    append = found.append
    make = TransferLog
    topic0 = TRANSFER_TOPIC
    # Addresses, hashes and block numbers repeat from log to log (one contract, a few holders,
    # many logs per block and transaction): each distinct text is converted once.
    lowered: dict[str, str] = {}
    numbers: dict[str, int] = {}
    log: Any = None
    try:
        for log in logs:
            topics = log.topics
            if len(topics) != 3 or topics[0] != topic0 or log.removed:
                continue
            address, block, block_hash, tx_hash = (
                log.address,
                log.block_number,
                log.block_hash,
                log.transaction_hash,
            )
            sender, receiver, data = topics[1], topics[2], log.data
            if (number := numbers.get(block)) is None:
                number = numbers[block] = int(block, 16)
            if (address_ := lowered.get(address)) is None:
                address_ = lowered[address] = address.lower()
            if (block_hash_ := lowered.get(block_hash)) is None:
                block_hash_ = lowered[block_hash] = block_hash.lower()
            if (tx_hash_ := lowered.get(tx_hash)) is None:
                tx_hash_ = lowered[tx_hash] = tx_hash.lower()
            if (sender_ := lowered.get(sender)) is None:
                sender_ = lowered[sender] = "0x" + sender[26:].lower()
            if (receiver_ := lowered.get(receiver)) is None:
                receiver_ = lowered[receiver] = "0x" + receiver[26:].lower()
            append(
                make(
                    address_,
                    number,
                    block_hash_,
                    tx_hash_,
                    int(log.log_index, 16),
                    sender_,
                    receiver_,
                    int(data, 16) if len(data) > 2 else 0,
                )
            )
    except (TypeError, ValueError, IndexError, AttributeError) as exc:
        raise ChainError(f"malformed Transfer log: {str(log)[:200]}") from exc
    return found


class LogScanner:
    """``eth_getLogs`` over block ranges, split when the provider refuses a range."""

    def __init__(self, client: RpcClient, *, max_range: int = 10_000) -> None:
        if max_range < 1:
            raise ValueError("max_range must be >= 1")
        self.client = client
        self.max_range = max_range
        self.splits = 0
        """How many times a refused range was halved (for tests and logs)."""
        self._lock = threading.Lock()

    def ranges(
        self,
        *,
        addresses: Sequence[str],
        topics: Sequence[Any],
        start: int,
        end: int,
        result_type: Any = list[RawLog],
    ) -> Iterator[tuple[int, int, list[Any]]]:
        """Yield ``(first, last, logs)`` for consecutive ranges covering ``start..end``, in
        order; ``logs`` decoded into ``result_type`` (default :class:`RawLog`; e.g.
        ``list[dict[str, Any]]`` for the JSON objects as sent).

        Raises:
            RpcError: a single block is refused.
            ChainError: the chain cannot be read.
        """
        if start > end:
            return
        pending = [(start, min(end, start + self.max_range - 1))]
        next_start = pending[0][1] + 1
        while pending:
            first, last = pending.pop()
            try:
                logs = self.client.call_typed(
                    "eth_getLogs",
                    [
                        {
                            "address": list(addresses),
                            "topics": list(topics),
                            "fromBlock": hex(first),
                            "toBlock": hex(last),
                        }
                    ],
                    result_type,
                )
            except RpcError as exc:
                if first == last or not refuses_range(exc):
                    raise
                middle = (first + last) // 2
                with self._lock:
                    self.splits += 1
                    self.max_range = min(self.max_range, max(1, middle - first + 1))
                logger.info("eth_getLogs %d-%d refused (%s); split", first, last, exc.rpc_message)
                pending.append((middle + 1, last))
                pending.append((first, middle))
                continue
            if not isinstance(logs, list):
                raise ChainError(f"eth_getLogs {first}-{last} answered {type(logs).__name__}")
            yield first, last, logs
            if not pending and next_start <= end:
                pending.append((next_start, min(end, next_start + self.max_range - 1)))
                next_start = pending[-1][1] + 1
