"""The scheduled anchoring job: cut a checkpoint when the log has grown, then anchor it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler

from anchoring.errors import ChainUnavailable
from anchoring.publisher import PublishAction, Publisher, PublishResult
from anchoring.witness_client import Cosigner, WitnessOutcome
from node.errors import RegistryError
from node.ledger.service import Ledger
from node.scheduler import Job, job_scheduler, run_job_safely
from node.verification.jobs import verification_job
from node.verification.service import RunReport, Verifier

logger = logging.getLogger("tamga.anchoring.scheduler")


def anchor_job(
    publisher: Publisher,
    *,
    cut_checkpoint: bool,
    on_result: Callable[[PublishResult], None] | None = None,
) -> PublishResult | None:
    """One scheduled run: cut a checkpoint if the log grew (when ``cut_checkpoint``), then
    publish. Errors are logged with what happens next, never raised (the next run retries).
    """
    if cut_checkpoint:
        run_job_safely(publisher.ledger)
    try:
        result = publisher.run()
    except ChainUnavailable as exc:
        logger.error(
            "anchoring waits for the chain: %s; whatever was recorded is kept and the next run "
            "resumes it",
            exc,
        )
        return None
    except RegistryError as exc:
        logger.error("anchoring failed: %s", exc)
        return None
    level = (
        logging.INFO
        if result.action
        in (PublishAction.CONFIRMED, PublishAction.UP_TO_DATE, PublishAction.NO_CHECKPOINT)
        else logging.WARNING
    )
    logger.log(level, "anchoring: %s: %s", result.action.value, result.message)
    if on_result is not None:
        on_result(result)
    return result


def node_scheduler(
    publisher: Publisher,
    *,
    checkpoint_interval_seconds: int,
    anchor_interval_seconds: int,
    start_at: datetime,
    on_result: Callable[[PublishResult], None] | None = None,
    verifier: Verifier | None = None,
    verify_interval_seconds: int = 86_400,
    on_verified: Callable[[RunReport], None] | None = None,
    cosigner: Cosigner | None = None,
    on_cosigned: Callable[[list[WitnessOutcome]], None] | None = None,
) -> BaseScheduler:
    """A (not yet started) scheduler with the checkpoint job, the anchoring job and, given a
    ``verifier``, the on-chain verification job, all first run at ``start_at``. One worker
    thread: jobs never overlap, so the checkpoint and the anchoring job never cut the same
    checkpoint at once, and a verification run's entries are anchored by the next anchoring run.

    Raises:
        ValueError: an interval is below 1 second.
    """
    jobs = [
        Job(
            "checkpoint",
            lambda: checkpoint_and_cosign(publisher.ledger, cosigner, on_cosigned),
            checkpoint_interval_seconds,
        ),
        Job(
            "anchor",
            lambda: anchor_job(publisher, cut_checkpoint=True, on_result=on_result),
            anchor_interval_seconds,
        ),
    ]
    if verifier is not None:
        jobs.append(
            Job("verification", lambda: _verify(verifier, on_verified), verify_interval_seconds)
        )
    return job_scheduler(jobs, start_at=start_at)


def checkpoint_and_cosign(
    ledger: Ledger,
    cosigner: Cosigner | None,
    on_cosigned: Callable[[list[WitnessOutcome]], None] | None = None,
) -> None:
    """The checkpoint job, then (with a cosigner) notes and witness cosignatures; errors are
    logged, never raised (the next run retries)."""
    run_job_safely(ledger)
    if cosigner is None:
        return
    outcomes = cosigner.run()
    if on_cosigned is not None and outcomes:
        on_cosigned(outcomes)


def _verify(verifier: Verifier, on_verified: Callable[[RunReport], None] | None) -> None:
    report = verification_job(verifier)  # logs and swallows a RegistryError: the next run retries
    if report is not None and on_verified is not None:
        on_verified(report)
