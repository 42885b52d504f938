"""Exclusive locks across processes and nodes: the anchoring publisher's and the job lease.

PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held on a dedicated
connection, so every node sharing the database competes for it. SQLite (one host by nature): an
exclusive ``flock`` on a file beside the database. Both are released by the operating system or
the server when the holder dies, so a killed holder never blocks its successor: its connection
(or file descriptor) closes with the process and the server ends its session at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path
from types import TracebackType

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from node.errors import ConfigError, LedgerError, StorageError


def advisory_key(name: str) -> int:
    """The PostgreSQL advisory lock key of a lock name (a signed 64-bit integer)."""
    return int.from_bytes(hashlib.sha256(name.encode("ascii")).digest()[:8], "big", signed=True)


ADVISORY_KEY = advisory_key("tamga.anchoring.publisher")
"""The publisher lock's PostgreSQL advisory lock key."""
JOB_LEASE_KEY = advisory_key("tamga.jobs.runner")
"""The job lease's PostgreSQL advisory lock key."""


class LockBusy(LedgerError):
    """Another process holds the lock."""


class ExclusiveLock:
    """A non-blocking, exclusive lock named by its advisory key and (SQLite) its file suffix;
    use ``with lock:`` (raises LockBusy)."""

    key: int = ADVISORY_KEY
    suffix: str = ".anchor-lock"
    what: str = "the publisher lock"

    def __init__(self, engine: Engine, *, holder_name: str | None = None) -> None:
        self.engine = engine
        self.holder_name = holder_name
        """Shown as the lock session's ``application_name`` (who holds it, for the others)."""
        self._conn: Connection | None = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._conn is not None or self._fd is not None

    def acquire(self) -> bool:
        """Take the lock if free; False when another publisher holds it.

        Raises:
            StorageError: the database (or the lock file) cannot be used.
            ConfigError: the database is an in-memory SQLite database.
        """
        if self.held:
            return True
        if self.engine.dialect.name == "postgresql":
            return self._acquire_advisory()
        return self._acquire_file()

    def check(self) -> None:
        """Make sure the lock is still held (its PostgreSQL session is alive).

        Raises:
            LedgerError: the lock is not held or its session was lost.
        """
        if self._fd is not None:
            return
        if self._conn is None:
            raise LedgerError(f"{self.what} is not held")
        try:
            held = self._conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND granted"
                )
            ).scalar_one()
        except SQLAlchemyError as exc:
            raise LedgerError(f"lost {self.what}: its database session failed") from exc
        if int(held) < 1:
            raise LedgerError(f"lost {self.what}")

    def release(self) -> None:
        """Release the lock (no-op when not held)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                if self.holder_name is not None:
                    conn.invalidate()  # its session carries the holder's name: not for reuse
            except SQLAlchemyError:
                pass  # the session is gone, and the lock with it
            finally:
                conn.close()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> ExclusiveLock:
        if not self.acquire():
            raise LockBusy(f"another process holds {self.what}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def _acquire_advisory(self) -> bool:
        try:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if self.holder_name is not None:
                conn.execute(
                    text("SELECT set_config('application_name', :name, false)"),
                    {"name": self.holder_name[:63]},
                )
            got = bool(
                conn.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
                ).scalar_one()
            )
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot take {self.what}: {exc.__class__.__name__}") from exc
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def holder(self) -> str | None:
        """Who holds the lock now (PostgreSQL: the holder session's ``application_name``, or
        its backend pid); None when free, or on SQLite (one host: nobody else to name).

        Raises:
            StorageError: the database failed.
        """
        if self.engine.dialect.name != "postgresql":
            return None
        key = self.key & 0xFFFFFFFFFFFFFFFF  # pg_locks splits the bigint key into two oids
        try:
            with self.engine.connect() as conn:
                row = conn.execute(
                    text(
                        "SELECT a.application_name, l.pid FROM pg_locks l "
                        "LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
                        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
                        "AND l.classid = :hi AND l.objid = :lo"
                    ),
                    {"hi": key >> 32, "lo": key & 0xFFFFFFFF},
                ).first()
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot read who holds {self.what}: {exc}") from exc
        if row is None:
            return None
        return str(row[0] or f"backend {row[1]}")

    def _acquire_file(self) -> bool:
        path = lock_file(self.engine, suffix=self.suffix)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StorageError(
                f"cannot open the publisher lock file {path}: {exc.strerror}"
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True


class PublisherLock(ExclusiveLock):
    """One anchoring publisher at a time per database (``Publisher.run`` takes it)."""


class JobLease(ExclusiveLock):
    """One active job runner (checkpoints, anchoring, verification, witnesses) per database:
    the others stand by and take it when the holder dies or loses the database."""

    key = JOB_LEASE_KEY
    suffix = ".jobs-lock"
    what = "the job lease"


def lock_file(engine: Engine, *, suffix: str = ".anchor-lock") -> Path:
    """The SQLite lock file beside the database: ``<database><suffix>``.

    Raises:
        ConfigError: the database is in memory (no file to lock beside).
    """
    database = engine.url.database
    if not database or database == ":memory:":
        raise ConfigError("anchoring needs a database file (not an in-memory SQLite database)")
    return Path(database).with_name(Path(database).name + suffix)
