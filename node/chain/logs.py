"""ERC-20 ``Transfer`` logs: ranged ``eth_getLogs`` with adaptive splitting, and a fast decoder.

Providers cap ``eth_getLogs`` by block range or result count and answer a JSON-RPC error
("query returned more than 10000 results", "block range too large", …). A refused range is
halved until it passes (down to one block); the working size is remembered for the next
ranges, so a capped provider costs a few extra requests, not one per block.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from node.chain.abi import TRANSFER_TOPIC
from node.chain.rpc import RpcClient, RpcError
from node.errors import ChainError

logger = logging.getLogger("tamga.chain.logs")

_REFUSED_RANGE: Final = re.compile(
    r"range|too (many|large|big|wide)|more than|limit|exceed|response size|timeout|timed out",
    re.IGNORECASE,
)


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


def decode_transfers(logs: Sequence[dict[str, Any]]) -> list[TransferLog]:
    """Decode raw ``eth_getLogs`` entries of ``Transfer``; others (and removed logs) are skipped.

    Raises:
        ChainError: a log is malformed.
    """
    found: list[TransferLog] = []
    append = found.append
    make = TransferLog
    topic0 = TRANSFER_TOPIC
    try:
        for log in logs:
            topics = log["topics"]
            if len(topics) != 3 or topics[0] != topic0 or log.get("removed"):
                continue
            data = log["data"]
            append(
                make(
                    log["address"].lower(),
                    int(log["blockNumber"], 16),
                    log["blockHash"].lower(),
                    log["transactionHash"].lower(),
                    int(log["logIndex"], 16),
                    "0x" + topics[1][26:].lower(),
                    "0x" + topics[2][26:].lower(),
                    int(data, 16) if len(data) > 2 else 0,
                )
            )
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
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

    def ranges(
        self,
        *,
        addresses: Sequence[str],
        topics: Sequence[Any],
        start: int,
        end: int,
    ) -> Iterator[tuple[int, int, list[dict[str, Any]]]]:
        """Yield ``(first, last, logs)`` for consecutive ranges covering ``start..end``.

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
                logs = self.client.call(
                    "eth_getLogs",
                    [
                        {
                            "address": list(addresses),
                            "topics": list(topics),
                            "fromBlock": hex(first),
                            "toBlock": hex(last),
                        }
                    ],
                )
            except RpcError as exc:
                if first == last or not _REFUSED_RANGE.search(exc.rpc_message):
                    raise
                middle = (first + last) // 2
                self.splits += 1
                self.max_range = max(1, middle - first + 1)
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
