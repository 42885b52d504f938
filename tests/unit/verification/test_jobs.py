"""The scheduled verification job: a failed run is logged, not raised; bad intervals refused."""

from __future__ import annotations

import logging

import pytest

from node.errors import ChainError
from node.verification.jobs import run_verification_scheduler, verification_job


class _Failing:
    def run(self) -> None:
        raise ChainError("the database is gone")


def test_a_failed_run_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="tamga.verification.job"):
        assert verification_job(_Failing()) is None  # type: ignore[arg-type]
    assert "verification run failed: the database is gone" in caplog.text


def test_the_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="interval_seconds"):
        run_verification_scheduler(_Failing(), interval_seconds=0)  # type: ignore[arg-type]
