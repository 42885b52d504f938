"""Reads from a PostgreSQL streaming replica: where each request reads, the replica's lag, and
read-your-write (a read carrying ``Tamga-Min-Log-Size`` waits for the replica or goes to the
primary). Writes, sign-ins and authenticated reads always use the primary (docs/deployment.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Final, Literal

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.store import ApiDatabase
from node.errors import RegistryError

MIN_LOG_SIZE_HEADER: Final = "tamga-min-log-size"
"""Request header: serve this read from a database holding at least this many log entries (the
``tree_size`` a write answered with)."""
READ_FROM_HEADER: Final = "tamga-read-from"
"""Response header (only with a replica configured): ``replica`` or ``primary``."""
STATUS_TTL_SECONDS: Final = 1.0
"""How long a replica probe is reused before the next request probes again."""
WAIT_STEP_SECONDS: Final = 0.02

Source = Literal["primary", "replica"]


@dataclass
class ReadRoute:
    """Where one request reads: decided on its first database access, then fixed, so that one
    answer never mixes the primary's and the replica's state."""

    min_size: int | None = None
    source: Source | None = None
    reason: str | None = None


READ_ROUTE: ContextVar[ReadRoute | None] = ContextVar("tamga_read_route", default=None)
"""Set by the gateway (api/middleware.py) for a GET or HEAD; absent (the primary) otherwise."""


@dataclass(frozen=True)
class ReplicaStatus:
    """One probe of the replica."""

    reachable: bool
    lag_seconds: float | None
    """Replay delay (0 when everything received is replayed); None when unreachable."""
    size: int | None
    """Log entries the replica holds."""
    detail: str | None = None


LAG_SQL: Final = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 "
    "WHEN pg_last_wal_receive_lsn() IS NOT NULL "
    "AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)
"""Replay lag in seconds on a PostgreSQL standby (0 on a primary)."""


class ReplicaReads:
    """The replica's Database, probed at most every ``STATUS_TTL_SECONDS``, and the choice of
    each request's source."""

    def __init__(
        self,
        db: ApiDatabase,
        *,
        max_lag_seconds: float,
        wait_seconds: float,
        on_choice: Callable[[Source, str], None],
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db = db
        self.max_lag_seconds = max_lag_seconds
        self.wait_seconds = wait_seconds
        self._on_choice = on_choice
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()
        self._status: ReplicaStatus | None = None
        self._probed_at = 0.0

    def probe(self) -> ReplicaStatus:
        """Ask the replica for its lag and log size now."""
        try:
            with self.db.engine.connect() as conn:
                lag = float(conn.execute(LAG_SQL).scalar_one())
            size, _ = self.db.ledger.head()
        except (SQLAlchemyError, RegistryError) as exc:
            return ReplicaStatus(reachable=False, lag_seconds=None, size=None, detail=_short(exc))
        return ReplicaStatus(reachable=True, lag_seconds=lag, size=size)

    def status(self) -> ReplicaStatus:
        """The latest probe, probing again when it is older than ``STATUS_TTL_SECONDS``."""
        now = self._monotonic()
        with self._lock:
            if self._status is None or now - self._probed_at >= STATUS_TTL_SECONDS:
                self._status = self.probe()
                self._probed_at = now
            return self._status

    def failed(self, exc: BaseException) -> None:
        """A read on the replica failed: send the next reads to the primary until a probe says
        the replica is back."""
        with self._lock:
            self._status = ReplicaStatus(
                reachable=False, lag_seconds=None, size=None, detail=_short(exc)
            )
            self._probed_at = self._monotonic()

    def choose(self, route: ReadRoute) -> Source:
        """The source of a read: the replica when reachable, within the lag bound and (with a
        ``min_size``) holding that many entries within ``wait_seconds``; else the primary."""
        source, reason = self._choose(route)
        route.source, route.reason = source, reason
        self._on_choice(source, reason)
        return source

    def _choose(self, route: ReadRoute) -> tuple[Source, str]:
        status = self.status()
        if not status.reachable:
            return "primary", "replica-unreachable"
        if status.lag_seconds is not None and status.lag_seconds > self.max_lag_seconds:
            return "primary", "replica-lagging"
        if route.min_size is None or (status.size or 0) >= route.min_size:
            return "replica", "replica"
        deadline = self._monotonic() + self.wait_seconds
        while True:
            try:
                size, _ = self.db.ledger.head()
            except RegistryError as exc:
                self.failed(exc)
                return "primary", "replica-unreachable"
            if size >= route.min_size:
                return "replica", "replica-caught-up"
            if self._monotonic() >= deadline:
                return "primary", "replica-behind-write"
            self._sleep(WAIT_STEP_SECONDS)


def _short(exc: BaseException) -> str:
    return (str(exc).splitlines() or [exc.__class__.__name__])[0][:200]
