"""The publisher lock: one anchoring publisher at a time per database, across processes and nodes.

PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held on a dedicated
connection, so every node sharing the database competes for it. SQLite (one host by nature): an
exclusive ``flock`` on a file beside the database. Both are released by the operating system or
the server when the holder dies, so a killed publisher never blocks its successor.
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

ADVISORY_KEY = int.from_bytes(
    hashlib.sha256(b"tamga.anchoring.publisher").digest()[:8], "big", signed=True
)
"""The PostgreSQL advisory lock key (a signed 64-bit integer)."""


class LockBusy(LedgerError):
    """Another publisher holds the lock."""


class PublisherLock:
    """A non-blocking, exclusive lock; use ``with PublisherLock(engine):`` (raises LockBusy)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
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
            raise LedgerError("the publisher lock is not held")
        try:
            held = self._conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND granted"
                )
            ).scalar_one()
        except SQLAlchemyError as exc:
            raise LedgerError("lost the publisher lock: its database session failed") from exc
        if int(held) < 1:
            raise LedgerError("lost the publisher lock")

    def release(self) -> None:
        """Release the lock (no-op when not held)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            except SQLAlchemyError:
                pass  # the session is gone, and the lock with it
            finally:
                conn.close()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> PublisherLock:
        if not self.acquire():
            raise LockBusy("another anchoring publisher holds the lock; not publishing")
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
            got = bool(
                conn.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
                ).scalar_one()
            )
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot take the publisher lock: {exc.__class__.__name__}") from exc
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def _acquire_file(self) -> bool:
        path = lock_file(self.engine)
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


def lock_file(engine: Engine) -> Path:
    """The SQLite publisher lock file: ``<database>.anchor-lock``.

    Raises:
        ConfigError: the database is in memory (no file to lock beside).
    """
    database = engine.url.database
    if not database or database == ":memory:":
        raise ConfigError("anchoring needs a database file (not an in-memory SQLite database)")
    return Path(database).with_name(Path(database).name + ".anchor-lock")
