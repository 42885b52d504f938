"""The scheduled checkpoint job: cut a signed checkpoint whenever the log has grown."""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import UTC
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler

from node.checkpoint import SignedCheckpoint
from node.errors import NotFound, RegistryError
from node.ledger.service import Ledger

logger = logging.getLogger("tamga.scheduler")


@dataclass(frozen=True)
class JobOutcome:
    """What one run of the checkpoint job did: ``checkpoint`` is None when it skipped."""

    size: int
    previous_size: int
    checkpoint: SignedCheckpoint | None

    @property
    def cut(self) -> bool:
        """True when a new checkpoint was signed."""
        return self.checkpoint is not None


def checkpoint_job(ledger: Ledger) -> JobOutcome:
    """Cut a checkpoint at the head if the log grew since the last checkpoint, else skip.

    The ledger must have a signer (``Ledger.open(..., signer=...)``). The decision and the cut are
    not one transaction; if another process cut the same size first, the sequencer refuses the
    duplicate and this raises LedgerError (the scheduler logs it and tries again next interval).

    Raises:
        LedgerError: no signing key, or a checkpoint at this size appeared concurrently.
        StorageError: the database failed.
    """
    size, _ = ledger.head()
    try:
        previous = ledger.latest_checkpoint().size
    except NotFound:
        previous = 0
    if size == previous:
        logger.info("log size %d unchanged since the last checkpoint; skipped", size)
        return JobOutcome(size=size, previous_size=previous, checkpoint=None)
    signed = ledger.cut_checkpoint()
    cp = signed.checkpoint
    logger.info(
        "checkpoint cut: size %d (was %d), log root %s, state root %s, signer %s",
        cp.size,
        previous,
        cp.log_root.hex(),
        cp.state_root.hex(),
        signed.signer,
    )
    return JobOutcome(size=cp.size, previous_size=previous, checkpoint=signed)


def run_job_safely(ledger: Ledger) -> JobOutcome | None:
    """Run :func:`checkpoint_job`; a RegistryError is logged, not raised (the next run retries)."""
    try:
        return checkpoint_job(ledger)
    except RegistryError as exc:
        logger.error("checkpoint job failed: %s", exc)
        return None


def run_scheduler(ledger: Ledger, *, interval_seconds: int) -> None:
    """Run the checkpoint job now and then every ``interval_seconds`` until Ctrl-C or SIGTERM.

    Blocks. One job at a time (overlapping runs are coalesced); on a stop signal the scheduler
    waits for a running job to finish, then returns.

    Raises:
        ValueError: ``interval_seconds`` < 1.
    """
    if interval_seconds < 1:
        raise ValueError(f"interval_seconds must be >= 1, got {interval_seconds}")
    scheduler = BlockingScheduler(timezone=UTC)
    scheduler.add_job(
        run_job_safely,
        "interval",
        args=(ledger,),
        seconds=interval_seconds,
        id="checkpoint",
        max_instances=1,
        coalesce=True,
    )

    stopping = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("received %s; stopping", signal.Signals(signum).name)
        stopping.set()
        if scheduler.running:
            scheduler.shutdown(wait=True)

    # SIGINT gets the same handler: Ctrl-C stops cleanly even when the process was started with
    # SIGINT ignored (as background jobs of a non-interactive shell are).
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    logger.info("checkpoint job every %d s (Ctrl-C or SIGTERM stops)", interval_seconds)
    try:
        run_job_safely(ledger)
        if not stopping.is_set():
            scheduler.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    logger.info("stopped")
