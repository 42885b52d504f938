"""The job lease (SQLite and a real PostgreSQL) and the job runner that holds it (issue 19)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import text

from anchoring.lock import JobLease, PublisherLock, lock_file
from anchoring.runner import JobRunner, RunnerState
from node.errors import ChainError, LedgerError
from node.ledger import migrate
from node.ledger.store import SqlLedgerStore
from tests.support.postgres import PostgresServer


@pytest.fixture
def engine(database_url: str) -> Iterator[Any]:
    store = SqlLedgerStore.from_url(database_url)
    migrate.upgrade(store.engine)
    try:
        yield store.engine
    finally:
        store.dispose()


def test_job_lease_is_exclusive_and_separate_from_the_publisher_lock(engine: Any) -> None:
    first = JobLease(engine, holder_name="runner one")
    second = JobLease(engine, holder_name="runner two")
    assert first.acquire()
    assert not second.acquire()
    publisher = PublisherLock(engine)
    assert publisher.acquire()  # another lock: the active runner's publisher takes it too
    publisher.release()
    if engine.dialect.name == "postgresql":
        assert second.holder() == "runner one"  # the standby can name who is active
    else:
        assert second.holder() is None
        assert lock_file(engine, suffix=".jobs-lock").exists()
    first.release()
    assert first.holder() is None
    assert second.acquire()
    first.release()  # not held: no effect
    assert not first.acquire()
    second.release()


@pytest.mark.postgres
def test_a_lease_whose_session_the_server_ended_is_lost(postgres_server: PostgresServer) -> None:
    store = SqlLedgerStore.from_url(postgres_server.create_database())
    try:
        lease = JobLease(store.engine, holder_name="runner one")
        assert lease.acquire()
        lease.check()
        with store.engine.connect() as conn:
            ended = conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'runner one'"
                )
            ).scalar_one()
        assert ended
        with pytest.raises(LedgerError, match="lost the job lease"):
            lease.check()
        lease.release()
        other = JobLease(store.engine, holder_name="runner two")
        assert other.acquire()  # the server let go of it with the session
        other.release()
    finally:
        store.dispose()


class FakeLease(JobLease):
    """A lease whose availability the test decides (logic above the real lease)."""

    def __init__(self) -> None:
        self.free = True
        self.mine = False
        self.lost = False
        self.holder_name = "me"

    @property
    def held(self) -> bool:
        return self.mine

    def acquire(self) -> bool:
        if self.mine:
            return True
        if not self.free:
            return False
        self.mine, self.free = True, False
        return True

    def check(self) -> None:
        if self.lost:
            raise LedgerError("lost the job lease")

    def release(self) -> None:
        if self.mine:
            self.mine, self.free, self.lost = False, True, False

    def holder(self) -> str | None:
        return None if self.free else "the other runner"


class Jobs:
    def __init__(self, *, fail: bool = False) -> None:
        self.running = 0
        self.started = 0
        self.fail = fail
        self.changed = threading.Event()

    @contextmanager
    def __call__(self) -> Iterator[None]:
        if self.fail:
            raise ChainError("the chain does not answer")
        self.running += 1
        self.started += 1
        self.changed.set()
        try:
            yield
        finally:
            self.running -= 1
            self.changed.set()

    def wait(self, predicate: Any) -> None:
        for _ in range(200):
            if predicate():
                return
            self.changed.wait(0.05)
            self.changed.clear()
        raise AssertionError("timed out")


def test_runner_stands_by_takes_over_and_stops_on_a_lost_lease() -> None:
    lease, jobs, lines = FakeLease(), Jobs(), []
    lease.free = False  # another runner is active
    runner = JobRunner(lease, start_jobs=jobs, poll_seconds=0.01, announce=lines.append)
    runner.start()
    try:
        assert runner.status().state is RunnerState.STANDBY
        assert runner.status().holder == "the other runner"
        assert jobs.started == 0
        assert any(line.startswith("standby") for line in lines)
        lease.free = True  # the other runner died: its session (and the lock) went with it
        jobs.wait(lambda: runner.status().state is RunnerState.ACTIVE)
        status = runner.status()
        assert (status.acquisitions, status.takeovers, jobs.running) == (1, 1, 1)
        assert any("took over" in line for line in lines)
        lease.lost = True  # the database session failed under the active runner
        jobs.wait(lambda: jobs.running == 0 and runner.status().losses == 1)
        jobs.wait(lambda: runner.status().state is RunnerState.ACTIVE)  # free again: retaken
        assert jobs.started == 2
    finally:
        runner.stop()
    assert jobs.running == 0
    assert not lease.mine
    assert runner.status().state is RunnerState.STOPPED


def test_jobs_that_cannot_start_at_start_up_fail_loudly_and_free_the_lease() -> None:
    lease = FakeLease()
    runner = JobRunner(
        lease, start_jobs=Jobs(fail=True), poll_seconds=0.01, announce=lambda _line: None
    )
    with pytest.raises(ChainError, match="does not answer"):
        runner.start()
    assert lease.free
    assert runner.status().last_error is not None
