"""What one app instance holds: settings, clock, the ledger, the API store, the read index."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from api.auth import Principal, secret_matches, split_token
from api.index import RegisterIndex
from api.metrics import ApiMetrics, LogStatus
from api.ratelimit import RateLimiter
from api.store import ApiStore
from node.checkpoint import parse_time
from node.clock import Clock
from node.errors import NotFound, RegistryError
from node.ledger.service import Ledger
from node.settings import Settings


class ApiRuntime:
    """Opened lazily on first use (nothing connects when the app is built), closed at shutdown."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.random_bytes = random_bytes
        self.write_lock = threading.Lock()
        self.metrics = ApiMetrics(self.log_status)
        self.address_limit = RateLimiter(
            per_minute=settings.api_rate_limit_per_minute, clock=monotonic
        )
        self.token_limit = RateLimiter(
            per_minute=settings.api_token_rate_limit_per_minute, clock=monotonic
        )
        self._open_lock = threading.Lock()
        self._ledger: Ledger | None = None
        self._store: ApiStore | None = None
        self._index: RegisterIndex | None = None

    def _open(self) -> Ledger:
        with self._open_lock:
            if self._ledger is None:
                ledger = Ledger.open(self.settings, clock=self.clock)
                self._store = ApiStore(ledger.store.engine)
                self._index = RegisterIndex(ledger)
                self._ledger = ledger
            return self._ledger

    @property
    def ledger(self) -> Ledger:
        """The ledger (opened on first use).

        Raises:
            ConfigError: the database URL is invalid.
        """
        return self._ledger if self._ledger is not None else self._open()

    @property
    def store(self) -> ApiStore:
        """The API's own tables."""
        if self._store is None:
            self._open()
        assert self._store is not None
        return self._store

    @property
    def index(self) -> RegisterIndex:
        """The in-memory read model of the register."""
        if self._index is None:
            self._open()
        assert self._index is not None
        return self._index

    def close(self) -> None:
        """Release database connections."""
        with self._open_lock:
            if self._ledger is not None:
                self._ledger.close()
            self._ledger = self._store = self._index = None

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
        """Log size and checkpoint age for /metrics; None when the database does not answer."""
        try:
            ledger = self.ledger
            size, _ = ledger.head()
            latest = ledger.latest_checkpoint()
        except NotFound:
            return LogStatus(size=size, checkpoint_size=None, checkpoint_age_seconds=None)
        except RegistryError:
            return None
        age = (self.now() - parse_time(latest.issued_at)).total_seconds()
        return LogStatus(size=size, checkpoint_size=latest.size, checkpoint_age_seconds=age)
