"""What one app instance holds: settings, clock, the Database (ledger and every store), the read
index."""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from anchoring.runner import JobRunner
from anchoring.services import confirmed_anchors
from api.auth import Principal, secret_matches, split_token
from api.index import RegisterIndex
from api.metrics import ApiMetrics, LogStatus, TopologyStatus, VerificationStatus
from api.ratelimit import RateLimiter
from api.replica import READ_ROUTE, ReplicaReads, Source
from api.store import ApiDatabase, ApiStore
from node.chain.rpc import rpc_error_counts
from node.checkpoint import parse_time
from node.clock import Clock
from node.errors import ConfigError, RegistryError, StorageError
from node.ledger.db import make_engine
from node.ledger.service import Ledger
from node.ledger.store import SqlLedgerStore
from node.services import log
from node.settings import Settings

logger = logging.getLogger("tamga.api")


class ApiRuntime:
    """Opened lazily on first use (nothing connects when the app is built), closed at shutdown.

    With ``database_read_url`` a GET or HEAD reads from the replica when it can (api/replica.py):
    ``db``, ``ledger`` and ``index`` answer for the source the request was routed to; ``store``
    (tokens, sessions, idempotency keys) is always the primary's.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
        monotonic: Callable[[], float] = time.monotonic,
        jobs: JobRunner | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.random_bytes = random_bytes
        self._monotonic = monotonic
        self.jobs = jobs
        """This process's job runner (roles all and jobs), for /readyz and /metrics."""
        self.metrics = ApiMetrics(
            self.log_status,
            self.verification_status,
            rpc_error_counts,
            read_topology=self.topology_status,
        )
        self._observed = _ObservedScan()
        self.address_limit = RateLimiter(
            per_minute=settings.api_rate_limit_per_minute, clock=monotonic
        )
        self.token_limit = RateLimiter(
            per_minute=settings.api_token_rate_limit_per_minute, clock=monotonic
        )
        self._open_lock = threading.Lock()
        self._db: ApiDatabase | None = None
        self._index: RegisterIndex | None = None
        self._replica: ReplicaReads | None = None
        self._replica_index: RegisterIndex | None = None
        if settings.database_read_url is not None and not settings.database_read_url.startswith(
            "postgresql"
        ):
            raise ConfigError(
                "TAMGA_DATABASE_READ_URL must name a PostgreSQL streaming replica "
                "(postgresql+psycopg://…)"
            )
        self.node_name = f"{socket.gethostname()}:{settings.data_dir.resolve()}"[:150]
        """This server, across restarts (its host and data directory)."""
        self.owner = f"{self.node_name}#{random_bytes(8).hex()}"
        """This run of this server: the owner of the Idempotency-Keys it is working on."""
        self.idempotency_lease = timedelta(seconds=settings.api_idempotency_lease_seconds)
        self.idempotency_ttl = timedelta(seconds=settings.api_idempotency_ttl_seconds)
        self._keys_expired_at: float | None = None

    def _open(self) -> ApiDatabase:
        with self._open_lock:
            if self._db is None:
                db = ApiDatabase.open(self.settings, clock=self.clock)
                # Writes from the request threads are integrated by one committer thread, the
                # ones that queue while a commit is in flight in one transaction (group commit).
                db.ledger.start_group_commit(monotonic=self._monotonic)
                self._index = RegisterIndex(db.ledger)
                self._db = db
                self._resume_earlier_runs(db)
                url = self.settings.database_read_url
                if url is not None:
                    replica = ApiDatabase(
                        ledger=Ledger(
                            store=SqlLedgerStore(make_engine(url, read_only=True)),
                            clock=self.clock,
                            origin=self.settings.origin,
                        )
                    )
                    self._replica = ReplicaReads(
                        replica,
                        max_lag_seconds=self.settings.api_replica_max_lag_seconds,
                        wait_seconds=self.settings.api_read_wait_seconds,
                        on_choice=self._count_read,
                        monotonic=self._monotonic,
                    )
                    self._replica_index = RegisterIndex(replica.ledger)
            return self._db

    def _count_read(self, source: Source, reason: str) -> None:
        self.metrics.reads.labels(source, reason).inc()

    def _source(self) -> Source:
        """Where the current request reads (the primary outside a routed GET)."""
        if self._replica is None:
            return "primary"
        route = READ_ROUTE.get()
        if route is None:
            return "primary"
        if route.source is None:
            return self._replica.choose(route)
        return route.source

    @property
    def replica(self) -> ReplicaReads | None:
        """The replica reads (None without ``database_read_url``); opened with the database."""
        if self._db is None:
            self._open()
        return self._replica

    @property
    def primary(self) -> ApiDatabase:
        """The primary's Database, whatever the request's read source."""
        return self._db if self._db is not None else self._open()

    def _resume_earlier_runs(self, db: ApiDatabase) -> None:
        """Whatever an earlier run of this server was writing died with it: end its leases so
        that the clients' retries complete those requests at once (not after the lease)."""
        try:
            ended = db.api.end_leases_of_earlier_runs(
                node=self.node_name, owner=self.owner, at=self.now()
            )
        except StorageError as exc:  # the leases then end by themselves
            logger.warning("could not release the requests of an earlier run: %s", exc)
            return
        if ended:
            logger.info("%d unfinished request(s) of an earlier run can be retried now", ended)

    def expire_idempotency_keys(self) -> None:
        """At most once an hour (and at the first write): forget the Idempotency-Keys and the
        ledger's request ids older than ``api_idempotency_ttl_seconds``.

        Raises:
            StorageError: the database failed.
        """
        now = self._monotonic()
        if self._keys_expired_at is not None and now - self._keys_expired_at < 3600:
            return
        self._keys_expired_at = now
        before = self.now() - self.idempotency_ttl
        keys = self.store.expire_keys(before=before)
        requests = self.ledger.expire_requests(before=before)
        if keys or requests:
            logger.info("expired %d idempotency key(s), %d request id(s)", keys, requests)

    @property
    def db(self) -> ApiDatabase:
        """The Database this request reads and writes: the ledger and every store on its
        engine (opened on first use); the replica's for a GET routed there.

        Raises:
            ConfigError: the database URL is invalid.
        """
        primary = self.primary
        if self._replica is not None and self._source() == "replica":
            return self._replica.db
        return primary

    @property
    def ledger(self) -> Ledger:
        """The ledger (opened on first use).

        Raises:
            ConfigError: the database URL is invalid.
        """
        return self.db.ledger

    @property
    def store(self) -> ApiStore:
        """The API's own tables (on the primary: a session just made is at once usable)."""
        return self.primary.api

    @property
    def index(self) -> RegisterIndex:
        """The in-memory read model of the register (the replica's for a GET routed there)."""
        if self._index is None:
            self._open()
        if self._replica_index is not None and self._source() == "replica":
            return self._replica_index
        assert self._index is not None
        return self._index

    def topology_status(self) -> TopologyStatus:
        """Job lease and replica state for /metrics (probes the replica at most once a
        second)."""
        jobs = self.jobs.status() if self.jobs is not None else None
        replica = None
        if self.settings.database_read_url is not None:
            try:
                reads = self.replica
            except RegistryError:
                reads = None
            replica = reads.status() if reads is not None else None
        return TopologyStatus(jobs=jobs, replica=replica)

    def close(self) -> None:
        """Finish queued writes, then release database connections."""
        with self._open_lock:
            if self._db is not None:
                self._db.close()
            if self._replica is not None:
                self._replica.db.close()
            self._db = None
            self._index = None
            self._replica = None
            self._replica_index = None

    def now(self) -> datetime:
        """The injected clock's time (UTC)."""
        return self.clock.now().astimezone(UTC)

    def principal_for(self, authorization: str | None) -> Principal | None:
        """The principal of a ``Bearer`` token that exists, is unrevoked and unexpired.

        Raises:
            StorageError: the database failed.
        """
        if not authorization:
            return None
        scheme, _, text = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return None
        parts = split_token(text.strip())
        if parts is None:
            return None
        token_id, secret = parts
        record = self.store.token(token_id)
        if record is None or not secret_matches(secret, record.secret_hash):
            return None
        if not record.usable_at(self.now()):
            return None
        return record.principal()

    def log_status(self) -> LogStatus | None:
        """Log size, checkpoint age and anchor lag for /metrics; None when the database does
        not answer."""
        try:
            head = log.head(self.db)
            anchors = confirmed_anchors(self.db)
        except RegistryError:
            return None
        size, latest = head.size, head.latest
        if latest is None:
            return LogStatus(size=size, checkpoint_size=None, checkpoint_age_seconds=None)
        age = (self.now() - parse_time(latest.issued_at)).total_seconds()
        anchored = anchors[-1] if anchors else None
        anchored_at = anchored.data.get("anchored_at") if anchored is not None else None
        return LogStatus(
            size=size,
            checkpoint_size=latest.size,
            checkpoint_age_seconds=age,
            anchored_size=anchored.tree_size if anchored is not None else None,
            anchor_age_seconds=(
                self.now().timestamp() - anchored_at if isinstance(anchored_at, int) else None
            ),
        )

    def verification_status(self) -> VerificationStatus | None:
        """The newest verification run and the open findings for /metrics; None when the
        database does not answer."""
        try:
            snap = self.index.current()
            last = self._observed.newest(self.db, snap.size)
        except RegistryError:
            return None
        counts: Counter[str] = Counter()
        flagged = 0
        for item in snap.emissions.values():
            verification = item.state.verification
            if verification is not None and verification.open_findings:
                flagged += 1
                counts.update(f.severity.value for f in verification.open_findings)
        at = parse_time(last).timestamp() if last is not None else None
        return VerificationStatus(
            last_run_at=at,
            last_run_age_seconds=None if at is None else self.now().timestamp() - at,
            open_findings=dict(counts),
            emissions_with_findings=flagged,
        )


@dataclass
class _ObservedScan:
    """The newest ``verification.observed`` entry's time, found by scanning only the entries
    appended since the previous scrape (the log is append-only)."""

    scanned: int = 0
    recorded_at: str | None = None

    def newest(self, db: ApiDatabase, size: int) -> str | None:
        """``recorded_at`` of the newest observation among the first ``size`` entries.

        Raises:
            StorageError: the database failed.
        """
        if size < self.scanned:  # a replaced database: start over
            self.scanned, self.recorded_at = 0, None
        if size > self.scanned:
            found = log.newest_recorded_at(
                db, kind="verification.observed", start=self.scanned, end=size
            )
            if found is not None:
                self.recorded_at = max(found, self.recorded_at or found)
            self.scanned = size
        return self.recorded_at
