"""The scheduled verification job: a failed run is logged, not raised; bad intervals refused."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

import pytest

from node.errors import ChainError
from node.scheduler import Job, job_scheduler
from node.verification.jobs import verification_job


class _Failing:
    def run(self) -> None:
        raise ChainError("the database is gone")


def test_a_failed_run_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="tamga.verification.job"):
        assert verification_job(_Failing()) is None  # type: ignore[arg-type]
    assert "verification run failed: the database is gone" in caplog.text


def test_the_interval_must_be_positive() -> None:
    job = Job("verification", lambda: verification_job(_Failing()), 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="interval_seconds"):
        job_scheduler([job], start_at=datetime.now(UTC))


def test_the_one_runner_logs_a_failing_job_runs_it_again_and_never_overlaps(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A job that raises is logged and runs again on its next tick; one worker thread runs
    the jobs one at a time; shutdown waits for the running job."""
    calls: list[str] = []
    running = threading.Lock()
    overlapped: list[bool] = []

    def failing() -> None:
        calls.append("failing")
        raise ChainError("the chain is down")

    def slow() -> None:
        overlapped.append(not running.acquire(blocking=False))
        try:
            calls.append("slow")
            time.sleep(0.05)
        finally:
            if not overlapped[-1]:
                running.release()

    scheduler = job_scheduler(
        [Job("failing", failing, 1), Job("slow", slow, 1)], start_at=datetime.now(UTC)
    )
    with caplog.at_level(logging.ERROR, logger="tamga.scheduler"):
        scheduler.start()
        deadline = time.monotonic() + 10
        while calls.count("failing") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        scheduler.shutdown(wait=True)
    assert calls.count("failing") >= 2  # ran again after failing
    assert "failing job failed: the chain is down" in caplog.text
    assert calls.count("slow") >= 1 and not any(overlapped)
    assert not scheduler.running
