"""Group commit: one thread integrates, in one transaction, the writes that queue up meanwhile."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from node.errors import LedgerError, RegistryError, StorageError
from node.ledger.sequencer import EntryBuilder, Integrated, Sequencer

logger = logging.getLogger("tamga.ledger.committer")

T = TypeVar("T")

DEFAULT_MAX_QUEUE: Final = 4096
"""Requests that may wait for the committer; a full queue makes ``submit`` wait (back-pressure)."""

DEFAULT_MAX_GROUP: Final = 512
"""At most this many requests are integrated in one transaction."""

DEFAULT_SUBMIT_TIMEOUT: Final = 30.0
"""Seconds a caller waits for room in a full queue before it is refused."""


@dataclass(frozen=True)
class CommitStats:
    """What the committer did so far (for metrics and benchmarks)."""

    groups: int
    requests: int
    largest_group: int
    commit_seconds: float
    """Total time spent in group transactions (by the injected monotonic clock)."""


@dataclass
class _Write:
    request: Sequence[EntryBuilder]
    checkpoint: bool
    request_id: bytes | None
    future: Future[Integrated]


@dataclass
class _Call:
    fn: Callable[[], Any]
    future: Future[Any]


_STOP: Final = object()


class GroupCommitter:
    """Owns a ``Sequencer`` and integrates the write requests queued by many threads.

    The committer thread takes the first waiting request, then every other one queued
    meanwhile (up to ``max_group``), and integrates them with ``Sequencer.integrate_group`` in
    ONE transaction (the writer lock and the durability of ``Sequencer.integrate``: BEGIN
    IMMEDIATE on SQLite with synchronous=FULL, SELECT … FOR UPDATE of log_head on PostgreSQL).
    While that commit is in flight, new requests queue; they form the next group. Each caller
    is woken only after COMMIT returned, with its own result; a request that breaks a rule fails
    alone, a database failure fails every request of the group (nothing of it was written).
    """

    def __init__(
        self,
        sequencer: Sequencer,
        *,
        max_queue: int = DEFAULT_MAX_QUEUE,
        max_group: int = DEFAULT_MAX_GROUP,
        submit_timeout: float = DEFAULT_SUBMIT_TIMEOUT,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_queue < 1 or max_group < 1:
            raise ValueError("max_queue and max_group must be >= 1")
        self._sequencer = sequencer
        self._max_group = max_group
        self._submit_timeout = submit_timeout
        self._monotonic = monotonic
        self._queue: queue.Queue[_Write | _Call | object] = queue.Queue(maxsize=max_queue)
        self._gate = threading.Lock()  # orders "closed?" checks with the stop marker
        self._closed = False
        self._groups = self._requests = self._largest = 0
        self._commit_seconds = 0.0
        self._thread = threading.Thread(target=self._run, name="tamga-group-commit", daemon=True)
        self._thread.start()

    # callers ------------------------------------------------------------------------------
    def submit(
        self,
        request: Sequence[EntryBuilder],
        *,
        checkpoint: bool = False,
        request_id: bytes | None = None,
    ) -> Integrated:
        """Integrate one request (its entries atomically) and return once it is durable; a
        ``request_id`` integrated before returns the first result and writes nothing
        (``Sequencer.integrate_group``).

        Raises:
            RuleViolation, NotFound: the request breaks a rule; nothing of it was written.
            LedgerError: the committer is closed, a checkpoint was asked for without a
                signing key, or the group failed unexpectedly; nothing of it was written.
            StorageError: the database failed (nothing of the group was written), or the
                queue stayed full for ``submit_timeout`` seconds.
        """
        if checkpoint and self._sequencer.signer is None:
            raise LedgerError("cannot cut a checkpoint: no signing key is configured")
        future: Future[Integrated] = Future()
        self._put(
            _Write(
                request=tuple(request), checkpoint=checkpoint, request_id=request_id, future=future
            )
        )
        return future.result()

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the committer thread between two groups (e.g. cutting a checkpoint
        with the sequencer this committer owns) and return its result.

        Raises:
            LedgerError: the committer is closed.
            StorageError: the queue stayed full for ``submit_timeout`` seconds.
            Exception: whatever ``fn`` raises.
        """
        future: Future[T] = Future()
        self._put(_Call(fn=fn, future=future))
        return future.result()

    @property
    def waiting(self) -> int:
        """Requests queued and not yet taken by the committer thread."""
        return self._queue.qsize()

    def stats(self) -> CommitStats:
        """Groups and requests integrated so far."""
        return CommitStats(
            groups=self._groups,
            requests=self._requests,
            largest_group=self._largest,
            commit_seconds=self._commit_seconds,
        )

    def close(self, *, timeout: float | None = None) -> None:
        """Stop accepting requests, integrate the ones already queued, stop the thread."""
        with self._gate:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join(timeout)

    def _put(self, item: _Write | _Call) -> None:
        with self._gate:
            if self._closed:
                raise LedgerError("the ledger is closed: no more writes are accepted")
            try:
                self._queue.put(item, timeout=self._submit_timeout)
            except queue.Full:
                raise StorageError(
                    f"the write queue stayed full for {self._submit_timeout:g} s; try again"
                ) from None

    # committer thread -----------------------------------------------------------------------
    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                break
            pending = [first]
            while len(pending) < self._max_group:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                pending.append(item)
            writes: list[_Write] = []
            for item in pending:
                if isinstance(item, _Call):
                    self._commit(writes)
                    writes = []
                    _run_call(item)
                else:
                    assert isinstance(item, _Write)
                    writes.append(item)
            self._commit(writes)

    def _commit(self, writes: list[_Write]) -> None:
        if not writes:
            return
        started = self._monotonic()
        try:
            results = self._sequencer.integrate_group(
                [w.request for w in writes],
                checkpoint=any(w.checkpoint for w in writes),
                request_ids=[w.request_id for w in writes],
            )
        except Exception as exc:  # the whole group failed: nothing was written
            logger.error("group commit of %d requests failed: %s", len(writes), exc)
            for w in writes:
                w.future.set_exception(_for_caller(exc))
            return
        finally:
            self._commit_seconds += self._monotonic() - started
        self._groups += 1
        self._requests += len(writes)
        self._largest = max(self._largest, len(writes))
        for w, result in zip(writes, results, strict=True):
            if isinstance(result, RegistryError):
                w.future.set_exception(result)
            else:
                w.future.set_result(result)


def _run_call(item: _Call) -> None:
    try:
        item.future.set_result(item.fn())
    except Exception as exc:
        item.future.set_exception(exc)


def _for_caller(exc: Exception) -> RegistryError:
    """One exception object per waiting caller (each raises it in its own thread)."""
    clone: RegistryError
    if isinstance(exc, StorageError):
        clone = StorageError(str(exc))
    elif isinstance(exc, LedgerError):
        clone = LedgerError(str(exc))
    else:
        clone = LedgerError(f"the group commit failed: {exc.__class__.__name__}: {exc}")
    clone.__cause__ = exc
    return clone
