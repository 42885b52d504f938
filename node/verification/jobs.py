"""The scheduled verification job: verify every emission every ``verify_interval_seconds``."""

from __future__ import annotations

import logging
import signal
import threading
from collections import Counter
from datetime import UTC
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler

from node.errors import RegistryError
from node.verification.service import RunReport, Verifier

logger = logging.getLogger("tamga.verification.job")


def verification_job(verifier: Verifier) -> RunReport | None:
    """Verify every emission and record the run; a RegistryError is logged, not raised (the
    next run retries)."""
    try:
        report = verifier.run()
    except RegistryError as exc:
        logger.error("verification run failed: %s", exc)
        return None
    outcomes = Counter(r.outcome.value for r in report.results)
    severities = Counter(f.severity.value for _, f in report.findings())
    logger.info(
        "verification run %s: %d emissions (%s), %d entries, open findings: %s",
        report.run,
        len(report.results),
        ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "none",
        report.entries,
        ", ".join(f"{k} {v}" for k, v in sorted(severities.items())) or "none",
    )
    return report


def run_verification_scheduler(verifier: Verifier, *, interval_seconds: int) -> None:
    """Run the job now and then every ``interval_seconds`` until Ctrl-C or SIGTERM (blocks).

    Raises:
        ValueError: ``interval_seconds`` < 1.
    """
    if interval_seconds < 1:
        raise ValueError(f"interval_seconds must be >= 1, got {interval_seconds}")
    scheduler = BlockingScheduler(timezone=UTC)
    scheduler.add_job(
        verification_job,
        "interval",
        args=(verifier,),
        seconds=interval_seconds,
        id="verification",
        max_instances=1,
        coalesce=True,
    )
    stopping = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("received %s; stopping", signal.Signals(signum).name)
        stopping.set()
        if scheduler.running:
            scheduler.shutdown(wait=True)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    logger.info("verification every %d s (Ctrl-C or SIGTERM stops)", interval_seconds)
    try:
        verification_job(verifier)
        if not stopping.is_set():
            scheduler.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    logger.info("stopped")
