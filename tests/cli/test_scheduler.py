"""The scheduled checkpoint job: cuts when the log grew, skips when it did not."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cli_support import issuer_filing
from eth_account import Account

from node.clock import FixedClock
from node.domain.filings import parse_issuer_filing
from node.errors import LedgerError
from node.ledger.service import Ledger
from node.scheduler import Job, checkpoint_job, run_job_safely, run_until_stopped
from node.settings import Settings

SIGNER = Account.from_key(b"\x22" * 32)
START = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def _open(tmp_path: Path, clock: FixedClock, *, signed: bool = True) -> Ledger:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'job.sqlite'}")
    ledger = Ledger.open(settings, clock=clock, signer=SIGNER if signed else None)
    ledger.initialize()
    return ledger


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def ledger(tmp_path: Path, clock: FixedClock) -> Iterator[Ledger]:
    opened = _open(tmp_path, clock)
    yield opened
    opened.close()


def _add_issuer(ledger: Ledger, name: str) -> None:
    ledger.register_issuer(
        parse_issuer_filing(issuer_filing(name=name)), effective_on=date(2026, 11, 20)
    )


def test_job_skips_an_empty_log(ledger: Ledger) -> None:
    outcome = checkpoint_job(ledger)
    assert not outcome.cut
    assert (outcome.size, outcome.previous_size) == (0, 0)
    assert ledger.checkpoints() == []


def test_job_cuts_when_grown_and_skips_when_not(ledger: Ledger, clock: FixedClock) -> None:
    _add_issuer(ledger, "Бакай Токен Сервис")
    first = checkpoint_job(ledger)
    assert first.cut and first.checkpoint is not None
    assert (first.size, first.previous_size) == (1, 0)
    assert first.checkpoint.checkpoint.issued_at == START
    assert first.checkpoint.signer == SIGNER.address
    clock.advance(timedelta(minutes=5))
    again = checkpoint_job(ledger)
    assert not again.cut
    assert (again.size, again.previous_size) == (1, 1)
    _add_issuer(ledger, "Токмок Дата")
    clock.advance(timedelta(minutes=5))
    second = checkpoint_job(ledger)
    assert second.cut and second.checkpoint is not None
    assert (second.size, second.previous_size) == (2, 1)
    assert second.checkpoint.checkpoint.issued_at == START + timedelta(minutes=10)
    assert [row.size for row in ledger.checkpoints()] == [1, 2]


def test_job_without_a_key_raises_and_the_safe_runner_logs(
    tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    unsigned = _open(tmp_path, clock, signed=False)
    try:
        _add_issuer(unsigned, "Бакай Токен Сервис")
        with pytest.raises(LedgerError, match="no signing key"):
            checkpoint_job(unsigned)
        with caplog.at_level(logging.ERROR, logger="tamga.scheduler"):
            assert run_job_safely(unsigned) is None
        assert "checkpoint job failed" in caplog.text
        assert unsigned.checkpoints() == []
    finally:
        unsigned.close()


def test_run_scheduler_rejects_a_bad_interval(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="interval_seconds"):
        run_until_stopped([Job("checkpoint", lambda: None, 0)], start_at=datetime.now(UTC))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_run_scheduler_cuts_at_start_and_stops_on_a_signal(
    ledger: Ledger, signum: signal.Signals, caplog: pytest.LogCaptureFixture
) -> None:
    _add_issuer(ledger, "Бакай Токен Сервис")
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    timer = threading.Timer(0.3, os.kill, args=(os.getpid(), signum))
    timer.start()
    try:
        with caplog.at_level(logging.INFO, logger="tamga.scheduler"):
            job = Job("checkpoint", lambda: run_job_safely(ledger), 60)
            # returns only when the signal stops it
            run_until_stopped([job], start_at=datetime.now(UTC))
    finally:
        timer.cancel()
    assert [row.size for row in ledger.checkpoints()] == [1]
    assert f"received {signum.name}; stopping" in caplog.text
    assert "stopped" in caplog.text
    assert {sig: signal.getsignal(sig) for sig in before} == before
