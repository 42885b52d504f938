"""Incremental scans of the declared tokens' ``Transfer`` logs: mints, burns and locks.

Per contract a cursor records the last scanned block and its hash. Each run first checks that
the cursor's block is still on the canonical chain; if a reorg replaced it, the stored transfers
above the newest block that is still canonical are forgotten and scanned again. Scans stop at
the run's pinned block (``confirmations`` deep), go forward in windows, and every window's
transfers are stored together with the cursor: a crash loses at most one window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from node.chain.abi import TRANSFER_TOPIC, ZERO_ADDRESS
from node.chain.logs import LogScanner, TransferLog, decode_transfers, topic_address
from node.chain.reads import BlockPin
from node.chain.rpc import RpcClient, hex_int
from node.errors import ChainError
from node.verification.checks import Transfers
from node.verification.store import Cursor, StoredTransfer, TransferKind, VerificationStore

logger = logging.getLogger("tamga.verification.scan")

ADDRESS_CHUNK = 200
"""Contracts per ``eth_getLogs`` request."""


@dataclass(frozen=True, slots=True)
class ScanStats:
    """What a scan did: logs processed, reorgs undone, ranges split."""

    logs: int
    reorgs: int
    splits: int


class TransferScanner:
    """Scans the mints, burns and locks of many contracts of one chain up to a pinned block."""

    def __init__(
        self,
        client: RpcClient,
        store: VerificationStore,
        *,
        chain_id: int,
        sinks: Sequence[str],
        now: Callable[[], str],
        first_block: int = 0,
        max_range: int = 10_000,
    ) -> None:
        self.client = client
        self.store = store
        self.chain_id = chain_id
        self.sinks = tuple(s.lower() for s in sinks)
        self.now = now
        self.first_block = first_block
        self.logs = LogScanner(client, max_range=max_range)
        self.stats = ScanStats(logs=0, reorgs=0, splits=0)

    def scan(self, contracts: Sequence[str], pin: BlockPin) -> dict[str, Transfers]:
        """Bring every contract's scan up to ``pin`` and return its transfers up to it.

        Raises:
            ChainError: the chain cannot be read, or reorganised while being scanned.
            StorageError: the database failed.
        """
        contracts = list(dict.fromkeys(c.lower() for c in contracts))
        self.store.start(self.chain_id, contracts, first_block=self.first_block, now=self.now())
        cursors = self.store.cursors(self.chain_id, contracts)
        cursors = self._undo_reorgs(cursors, pin)
        groups: dict[int, list[str]] = {}
        for contract in contracts:
            groups.setdefault(cursors[contract].next_block, []).append(contract)
        logs = 0
        for start, members in sorted(groups.items()):
            for i in range(0, len(members), ADDRESS_CHUNK):
                logs += self._scan_group(members[i : i + ADDRESS_CHUNK], start, pin)
        self.stats = ScanStats(
            logs=self.stats.logs + logs, reorgs=self.stats.reorgs, splits=self.logs.splits
        )
        return {c: self._transfers(c, pin) for c in contracts}

    # ------------------------------------------------------------------------------------
    def _undo_reorgs(self, cursors: dict[str, Cursor], pin: BlockPin) -> dict[str, Cursor]:
        scanned = {c.scanned_to for c in cursors.values() if c.scanned_to is not None}
        canonical = self._hashes(sorted(n for n in scanned if n <= pin.number))
        reorgs = 0
        for contract, cursor in list(cursors.items()):
            if cursor.scanned_to is None:
                continue
            if canonical.get(cursor.scanned_to) == cursor.scanned_hash:
                continue
            reorgs += 1
            known = [
                (n, h)
                for n, h in self.store.known_blocks(self.chain_id, contract)
                if n <= min(cursor.scanned_to, pin.number)
            ]
            now_canonical = self._hashes([n for n, _ in known])
            fork = next(((n, h) for n, h in known if now_canonical.get(n) == h), None)
            to_block, block_hash = fork if fork is not None else (None, None)
            if to_block is not None and to_block < cursor.first_block:
                to_block, block_hash = None, None
            removed = self.store.rollback(
                self.chain_id, contract, to_block=to_block, block_hash=block_hash, now=self.now()
            )
            logger.warning(
                "reorg on chain %d: %s scanned to block %d (%s), now rescanned from %s "
                "(%d transfers forgotten)",
                self.chain_id,
                contract,
                cursor.scanned_to,
                cursor.scanned_hash,
                cursor.first_block if to_block is None else to_block + 1,
                removed,
            )
            cursors[contract] = Cursor(
                chain_id=self.chain_id,
                contract=contract,
                first_block=cursor.first_block,
                scanned_to=to_block,
                scanned_hash=block_hash,
            )
        self.stats = ScanStats(
            logs=self.stats.logs, reorgs=self.stats.reorgs + reorgs, splits=self.stats.splits
        )
        return cursors

    def _hashes(self, numbers: Sequence[int]) -> dict[int, str]:
        """Canonical hashes of blocks (absent: no such block)."""
        replies = self.client.batch(
            [("eth_getBlockByNumber", [hex(n), False]) for n in dict.fromkeys(numbers)]
        )
        found: dict[int, str] = {}
        for number, reply in zip(dict.fromkeys(numbers), replies, strict=True):
            block = reply.value()
            if isinstance(block, dict):
                found[number] = str(block["hash"]).lower()
        return found

    def _scan_group(self, contracts: list[str], start: int, pin: BlockPin) -> int:
        processed = 0
        zero = topic_address(ZERO_ADDRESS)
        outgoing = [zero, *(topic_address(s) for s in self.sinks)]
        first = start
        while first <= pin.number:
            last = min(pin.number, first + self.logs.max_range - 1)
            raw: list[dict[str, Any]] = []
            for topics in ([TRANSFER_TOPIC, zero], [TRANSFER_TOPIC, None, outgoing]):
                for _, _, logs in self.logs.ranges(
                    addresses=contracts, topics=topics, start=first, end=last
                ):
                    raw.extend(logs)
            found = decode_transfers(raw)
            processed += len(found)
            self._store(contracts, found, last=last, pin=pin)
            first = last + 1
        return processed

    def _store(
        self, contracts: list[str], found: list[TransferLog], *, last: int, pin: BlockPin
    ) -> None:
        blocks = sorted(
            {log.block_number for log in found} | ({last} if last != pin.number else set())
        )
        headers = self._headers(blocks)
        stored: dict[tuple[str, int, int], StoredTransfer] = {}
        for log in found:
            number, block_hash, timestamp = headers[log.block_number]
            if block_hash != log.block_hash:
                raise ChainError(
                    f"chain {self.chain_id} reorganised during the scan (block {number}); "
                    "the next run rescans"
                )
            key = (log.contract, log.block_number, log.log_index)
            if key not in stored:
                stored[key] = StoredTransfer(kind=self._kind(log), log=log, block_time=timestamp)
        end_hash = pin.hash if last == pin.number else headers[last][1]
        self.store.save_range(
            self.chain_id,
            contracts,
            scanned_to=last,
            scanned_hash=end_hash,
            transfers=list(stored.values()),
            now=self.now(),
        )

    def _headers(self, numbers: Sequence[int]) -> dict[int, tuple[int, str, int]]:
        replies = self.client.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        headers: dict[int, tuple[int, str, int]] = {}
        for number, reply in zip(numbers, replies, strict=True):
            block = reply.value()
            if not isinstance(block, dict):
                raise ChainError(f"block {number} of chain {self.chain_id} disappeared (reorg?)")
            headers[number] = (number, str(block["hash"]).lower(), hex_int(block["timestamp"]))
        return headers

    def _kind(self, log: TransferLog) -> TransferKind:
        if log.sender == ZERO_ADDRESS:
            return "mint"
        if log.receiver == ZERO_ADDRESS:
            return "burn"
        return "lock"

    def _transfers(self, contract: str, pin: BlockPin) -> Transfers:
        mints: list[TransferLog] = []
        burns: list[TransferLog] = []
        locks: list[TransferLog] = []
        times: dict[int, int] = {}
        for item in self.store.transfers(self.chain_id, contract, up_to=pin.number):
            times[item.log.block_number] = item.block_time
            {"mint": mints, "burn": burns, "lock": locks}[item.kind].append(item.log)
        return Transfers(
            scanned_to=pin.number,
            mints=tuple(mints),
            burns=tuple(burns),
            locks=tuple(locks),
            block_times=times,
        )
