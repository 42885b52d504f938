"""Incremental scans of the declared tokens' ``Transfer`` logs: mints, burns and locks.

Per contract a cursor records the last scanned block and its hash. Each run first checks that
the cursor's block is still on the canonical chain; if a reorg replaced it, the stored transfers
above the newest block that is still canonical are forgotten and scanned again. Scans stop at
the run's pinned block (``confirmations`` deep), go forward in windows, and every window's
transfers are stored together with the cursor (windows that arrived together, in one
transaction): a crash loses at most the windows in flight.

Up to ``in_flight`` windows are requested at once (worker threads: ``eth_getLogs``, decoding,
block headers), so the node's encoding of one answer overlaps the decoding and storing of the
previous one; windows are stored strictly in block order, so the cursor only ever moves over
blocks whose transfers are stored. A window is ``max_range`` blocks (the provider's range), so a
short incremental scan still costs one window.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from node.chain.abi import TRANSFER_TOPIC, ZERO_ADDRESS
from node.chain.logs import LogScanner, RawLog, TransferLog, decode_transfers, topic_address
from node.chain.reads import BlockRef
from node.chain.rpc import RpcClient, hex_int
from node.errors import ChainError
from node.verification.checks import Transfers
from node.verification.store import Cursor, StoredTransfer, VerificationStore

logger = logging.getLogger("tamga.verification.scan")

ADDRESS_CHUNK = 200
"""Contracts per ``eth_getLogs`` request."""

IN_FLIGHT = 4
"""Windows requested at once by default."""


@dataclass(frozen=True, slots=True)
class _Window:
    """One fetched window: its transfers in chain order, its end and the end's hash."""

    last: int
    end_hash: str
    transfers: list[StoredTransfer]


@dataclass(slots=True)
class ScanStats:
    """What a scanner did so far: logs processed, reorgs undone, refused ranges split."""

    logs: int = 0
    reorgs: int = 0
    splits: int = 0


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
        in_flight: int = IN_FLIGHT,
    ) -> None:
        if in_flight < 1:
            raise ValueError("in_flight must be >= 1")
        self.in_flight = in_flight
        self.client = client
        self.store = store
        self.chain_id = chain_id
        self.sinks = tuple(s.lower() for s in sinks)
        self.now = now
        self.first_block = first_block
        self.logs = LogScanner(client, max_range=max_range)
        self.stats = ScanStats()

    def scan(self, contracts: Sequence[str], pin: BlockRef) -> dict[str, Transfers]:
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
        fresh: dict[str, list[StoredTransfer]] = {c: [] for c in contracts}
        with ThreadPoolExecutor(self.in_flight, thread_name_prefix="tamga-scan") as pool:
            for start, members in sorted(groups.items()):
                for i in range(0, len(members), ADDRESS_CHUNK):
                    group = members[i : i + ADDRESS_CHUNK]
                    for item in self._scan_group(pool, group, start, pin):
                        fresh[item.log.contract].append(item)
        self.stats.splits = self.logs.splits
        # Earlier runs' transfers come from the store, this run's from memory.
        return {c: self._transfers(c, cursors[c].scanned_to, fresh[c], pin=pin) for c in contracts}

    # ------------------------------------------------------------------------------------
    def _undo_reorgs(self, cursors: dict[str, Cursor], pin: BlockRef) -> dict[str, Cursor]:
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
        self.stats.reorgs += reorgs
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

    def _scan_group(
        self, pool: ThreadPoolExecutor, contracts: list[str], start: int, pin: BlockRef
    ) -> Iterator[StoredTransfer]:
        """Fetch the group's windows up to ``pin``, ``in_flight`` at a time, and store each in
        block order (a window whose fetch failed stops the scan there: the windows before it
        are stored, the ones after it are dropped)."""
        pending: deque[Future[_Window]] = deque()
        first = start
        try:
            while first <= pin.number or pending:
                while first <= pin.number and len(pending) < self.in_flight:
                    last = min(pin.number, first + self.logs.max_range - 1)
                    pending.append(pool.submit(self._fetch, contracts, first, last, pin))
                    first = last + 1
                ready = [pending.popleft().result()]
                # Windows fetched meanwhile go into the same durable transaction (fewer commits
                # when storing is the slower side); a failed one is left to raise above.
                while pending and pending[0].done() and pending[0].exception() is None:
                    ready.append(pending.popleft().result())
                transfers = [t for window in ready for t in window.transfers]
                self.stats.logs += len(transfers)
                self.store.save_range(
                    self.chain_id,
                    contracts,
                    scanned_to=ready[-1].last,
                    scanned_hash=ready[-1].end_hash,
                    transfers=transfers,
                    now=self.now(),
                )
                yield from transfers
        finally:
            for future in pending:
                future.cancel()

    def _fetch(self, contracts: list[str], first: int, last: int, pin: BlockRef) -> _Window:
        """One window's mints, burns and locks, decoded, checked against the headers of their
        blocks and given their block times; the hash of the window's end goes into the cursor.
        Runs in a worker thread.

        Raises:
            ChainError: the chain cannot be read, or reorganised under the window.
        """
        zero = topic_address(ZERO_ADDRESS)
        outgoing = [zero, *(topic_address(s) for s in self.sinks)]
        minted: list[RawLog] = []
        for _, _, logs in self.logs.ranges(
            addresses=contracts, topics=[TRANSFER_TOPIC, zero], start=first, end=last
        ):
            minted.extend(logs)
        gone: list[RawLog] = []
        for _, _, logs in self.logs.ranges(
            addresses=contracts, topics=[TRANSFER_TOPIC, None, outgoing], start=first, end=last
        ):
            gone.extend(logs)
        mints = decode_transfers(minted)
        # A mint straight to a sink matches both filters: keep it once, as a mint.
        others = [t for t in decode_transfers(gone) if t.sender != ZERO_ADDRESS]
        seen = {log.block_number: log.block_hash for log in itertools.chain(mints, others)}
        wanted = set(seen)
        if last != pin.number:
            wanted.add(last)  # the window's end: its hash goes into the cursor
        headers = self._headers(sorted(wanted))
        for number, block_hash in seen.items():
            if headers[number][1] != block_hash:
                raise ChainError(
                    f"chain {self.chain_id} reorganised during the scan (block {number}); "
                    "the next run rescans"
                )
        times = {number: header[2] for number, header in headers.items()}
        transfers = [StoredTransfer("mint", log, times[log.block_number]) for log in mints]
        transfers += [
            StoredTransfer(
                "burn" if log.receiver == ZERO_ADDRESS else "lock", log, times[log.block_number]
            )
            for log in others
        ]
        transfers.sort(key=_chain_order)
        end_hash = pin.hash_hex if last == pin.number else headers[last][1]
        return _Window(last, end_hash, transfers)

    def _headers(self, numbers: Sequence[int]) -> dict[int, tuple[int, str, int]]:
        replies = self.client.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        headers: dict[int, tuple[int, str, int]] = {}
        for number, reply in zip(numbers, replies, strict=True):
            block = reply.value()
            if not isinstance(block, dict):
                raise ChainError(f"block {number} of chain {self.chain_id} disappeared (reorg?)")
            headers[number] = (number, str(block["hash"]).lower(), hex_int(block["timestamp"]))
        return headers

    def _transfers(
        self,
        contract: str,
        stored_to: int | None,
        fresh: list[StoredTransfer],
        *,
        pin: BlockRef,
    ) -> Transfers:
        mints: list[TransferLog] = []
        burns: list[TransferLog] = []
        locks: list[TransferLog] = []
        times: dict[int, int] = {}
        kinds = {"mint": mints, "burn": burns, "lock": locks}
        earlier = (
            self.store.transfers(self.chain_id, contract, up_to=min(stored_to, pin.number))
            if stored_to is not None
            else []
        )
        for item in (*earlier, *fresh):
            if item.log.block_number > pin.number:
                continue
            times[item.log.block_number] = item.block_time
            kinds[item.kind].append(item.log)
        return Transfers(
            scanned_to=pin.number,
            mints=tuple(mints),
            burns=tuple(burns),
            locks=tuple(locks),
            block_times=times,
        )


def _chain_order(item: StoredTransfer) -> tuple[int, int]:
    return (item.log.block_number, item.log.log_index)
