"""The node's one job runner (checkpoints, anchors, witnesses, verification) and the checkpoint
job: cut a signed checkpoint whenever the log has grown."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
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


@dataclass(frozen=True)
class Job:
    """A scheduled job: ``run`` every ``interval_seconds``; a RegistryError it raises is logged
    and the job runs again on its next tick."""

    id: str
    run: Callable[[], object]
    interval_seconds: int


def job_scheduler(
    jobs: Sequence[Job], *, start_at: datetime, blocking: bool = False
) -> BaseScheduler:
    """The one job runner of the node (checkpoints, anchors, witnesses, verification): a not yet
    started APScheduler whose jobs first run at ``start_at``, then on their intervals, on ONE
    worker thread of its own (never a request thread): jobs never overlap, each other or
    themselves, and a late run is coalesced. ``blocking`` runs it in the calling thread.

    Raises:
        ValueError: an interval is below 1 second.
    """
    for job in jobs:
        if job.interval_seconds < 1:
            raise ValueError(
                f"interval_seconds must be >= 1 second, got {job.interval_seconds} (job {job.id})"
            )
    options: dict[str, Any] = {
        "timezone": start_at.tzinfo or UTC,
        "executors": {"default": ThreadPoolExecutor(max_workers=1)},
        "job_defaults": {"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    }
    scheduler: BaseScheduler = (
        BlockingScheduler(**options) if blocking else (BackgroundScheduler(**options))
    )
    for job in jobs:
        scheduler.add_job(
            _guarded,
            "interval",
            args=(job,),
            seconds=job.interval_seconds,
            id=job.id,
            next_run_time=start_at,
        )
    return scheduler


def _guarded(job: Job) -> None:
    try:
        job.run()
    except RegistryError as exc:
        logger.error("%s job failed: %s", job.id, exc)


def run_until_stopped(jobs: Sequence[Job], *, start_at: datetime) -> None:
    """Run the jobs at ``start_at`` and then on their intervals until Ctrl-C or SIGTERM; blocks.
    On a stop signal a running job finishes first.

    Raises:
        ValueError: an interval is below 1 second.
    """
    scheduler = job_scheduler(jobs, start_at=start_at, blocking=True)

    def stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("received %s; stopping", signal.Signals(signum).name)
        if scheduler.running:
            scheduler.shutdown(wait=True)

    # SIGINT gets the same handler: Ctrl-C stops cleanly even when the process was started with
    # SIGINT ignored (as background jobs of a non-interactive shell are).
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    for job in jobs:
        logger.info("%s job every %d s (Ctrl-C or SIGTERM stops)", job.id, job.interval_seconds)
    try:
        scheduler.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    logger.info("stopped")
