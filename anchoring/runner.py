"""The job runner: checkpoints, anchoring, verification and witnesses run in exactly one process
per database (the one holding the job lease, anchoring/lock.py); the others stand by and take
over when it dies or loses the database (docs/deployment.md)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum

from anchoring.lock import ExclusiveLock
from node.errors import RegistryError

logger = logging.getLogger("tamga.runner")

JobsFactory = Callable[[], AbstractContextManager[object]]
"""Entering the returned context starts the jobs; leaving it stops them (waiting for a running
job). Raises RegistryError when they cannot start (the chain or a key is not there)."""


class RunnerState(StrEnum):
    """Where a job runner stands."""

    STANDBY = "standby"
    ACTIVE = "active"
    STOPPED = "stopped"


@dataclass(frozen=True)
class RunnerStatus:
    """What /readyz and /metrics say of the job runner of this process."""

    state: RunnerState
    holder: str | None
    """Who holds the lease, as far as this process knows (itself when active)."""
    acquisitions: int
    """Times this process took the lease."""
    takeovers: int
    """Acquisitions after this process had stood by (another runner had held the lease)."""
    losses: int
    """Times this process lost the lease while active (its database session failed)."""
    last_error: str | None
    """Why the last try to reach the lease or to start the jobs failed; None once one works."""


class JobRunner:
    """Holds the job lease and runs the jobs while it does; otherwise tries every
    ``poll_seconds``. ``start`` makes a first attempt at once (on one machine the jobs start
    before the HTTP server answers); a thread then keeps trying (standby) or keeps checking the
    lease (active): a lost lease stops the jobs at once, so two runners never run them together
    (the anchoring publisher also takes its own lock for each run)."""

    def __init__(
        self,
        lease: ExclusiveLock,
        *,
        start_jobs: JobsFactory,
        poll_seconds: float,
        announce: Callable[[str], None],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lease = lease
        self._start_jobs = start_jobs
        self._poll = poll_seconds
        self._announce = announce
        self._monotonic = monotonic
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._jobs: AbstractContextManager[object] | None = None
        self._state = RunnerState.STANDBY
        self._holder: str | None = None
        self._acquisitions = 0
        self._takeovers = 0
        self._losses = 0
        self._waited = False
        self._last_error: str | None = None
        self._mutex = threading.Lock()

    def status(self) -> RunnerStatus:
        """The runner's state and counters (cheap: no database call)."""
        with self._mutex:
            return RunnerStatus(
                state=self._state,
                holder=self._holder,
                acquisitions=self._acquisitions,
                takeovers=self._takeovers,
                losses=self._losses,
                last_error=self._last_error,
            )

    def start(self) -> None:
        """Try the lease once now, then keep trying or checking it in a thread.

        Raises:
            RegistryError: this first try took the lease but the jobs could not start (a
                missing key, an unreachable chain: a configuration a person must see now).
        """
        self._attempt(strict=True)
        if self._state is RunnerState.STANDBY:
            self._announce(
                f"standby         the job lease is held by {self._holder or 'another runner'}; "
                f"trying every {self._poll:g} s"
            )
        self._thread = threading.Thread(target=self._loop, name="tamga-job-runner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the jobs (waiting for a running one) and release the lease."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._deactivate()
        with self._mutex:
            self._state = RunnerState.STOPPED

    def _loop(self) -> None:
        while not self._stop.wait(self._poll):
            if self._state is RunnerState.ACTIVE:
                self._check()
            else:
                self._attempt()

    def _attempt(self, *, strict: bool = False) -> None:
        try:
            got = self.lease.acquire()
        except RegistryError as exc:
            if strict:
                raise
            self._note_error(f"cannot reach the job lease: {exc}")
            return
        if not got:
            self._waited = True
            try:
                holder = self.lease.holder()
            except RegistryError:
                holder = None
            with self._mutex:
                self._holder = holder
                self._last_error = None  # the lease answered: this standby can take over
            return
        with self._mutex:
            self._acquisitions += 1
            if self._waited:
                self._takeovers += 1
            self._holder = self.lease.holder_name
        try:
            jobs = self._start_jobs()
            jobs.__enter__()
        except RegistryError as exc:
            # e.g. the chain is not reachable: let another runner (or the next try) have it
            self._note_error(f"the jobs could not start: {exc}")
            self.lease.release()
            if strict:
                raise
            return
        self._jobs = jobs
        with self._mutex:
            self._state = RunnerState.ACTIVE
            self._last_error = None
        taken = "took over the job lease" if self._waited else "holds the job lease"
        self._announce(f"active          this runner {taken}: jobs running")

    def _check(self) -> None:
        try:
            self.lease.check()
        except RegistryError as exc:
            self._note_error(str(exc))
            with self._mutex:
                self._losses += 1
            self._announce(f"lease lost      {exc}; jobs stopped, standing by")
            self._deactivate()
            self._waited = True

    def _deactivate(self) -> None:
        jobs, self._jobs = self._jobs, None
        if jobs is not None:
            try:
                jobs.__exit__(None, None, None)
            except RegistryError as exc:
                logger.error("stopping the jobs failed: %s", exc)
        self.lease.release()
        with self._mutex:
            if self._state is RunnerState.ACTIVE:
                self._state = RunnerState.STANDBY
                self._holder = None

    def _note_error(self, message: str) -> None:
        logger.warning("job runner: %s", message)
        with self._mutex:
            self._last_error = message
