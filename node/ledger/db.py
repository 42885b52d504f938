"""Database engines for SQLite (WAL, immediate write locks) and PostgreSQL, and error wrapping."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from node.errors import ConfigError, StorageError

SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "tamga_write"
# One snapshot for every statement of a read on PostgreSQL (SQLAlchemy's psycopg dialect sets
# these per transaction and resets them when the connection returns to the pool).
SNAPSHOT_OPTIONS: dict[str, Any] = {
    "isolation_level": "REPEATABLE READ",
    "postgresql_readonly": True,
}


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """Create an engine for ``url`` (``sqlite:///…`` or ``postgresql+psycopg://…``).

    ``read_only`` (PostgreSQL): every transaction begins READ ONLY — what a hot standby (a
    streaming replica) accepts; SQLAlchemy resets a connection to READ WRITE when it returns to
    the pool, which a standby refuses, so the mode is set again after that reset (at checkin).

    SQLite runs in WAL mode with ``synchronous=FULL`` (every acknowledged commit is durable),
    foreign keys on, and ``BEGIN IMMEDIATE`` so that concurrent writers queue on the lock
    instead of failing on upgrade.

    Raises:
        ConfigError: the URL is malformed or names an unsupported backend.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"database URL is not valid: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "isolation_level": None}
        )
        _configure_sqlite(engine)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = create_engine(parsed, pool_pre_ping=True)
        if read_only:

            @event.listens_for(engine, "checkin")
            def _read_only(dbapi_connection: Any, _record: Any) -> None:
                if dbapi_connection is not None and not dbapi_connection.closed:
                    dbapi_connection.read_only = True

        return engine
    raise ConfigError(f"unsupported database backend {backend!r}: use sqlite or postgresql")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the database lock up front; readers use a deferred (snapshot) transaction.
        # On the driver's connection: SQLAlchemy's statement machinery is a good part of the
        # cost of a one-entry append, and BEGIN needs none of it.
        driver = conn.connection.driver_connection
        assert driver is not None
        if conn.get_execution_options().get(WRITE_OPTION):
            driver.execute("BEGIN IMMEDIATE")
        else:
            driver.execute("BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-write transaction: commits on success, rolls back on any exception.

    On SQLite it starts with ``BEGIN IMMEDIATE``; on PostgreSQL callers serialise on the
    ``log_head`` row (``SELECT … FOR UPDATE``).

    Raises:
        StorageError: the database failed.
    """
    with storage_errors("write transaction"), engine.connect() as raw:
        conn = raw.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction giving one consistent snapshot: every statement in it sees the
    same committed state, however many writers commit meanwhile.

    SQLite: a deferred transaction in WAL mode reads one snapshot from its first read on.
    PostgreSQL: ``REPEATABLE READ READ ONLY`` (PostgreSQL docs §13.2.2; the default READ
    COMMITTED gives each statement a newer snapshot, so a multi-statement read such as
    ``tamga check`` or an export could see a journal longer than the head it read first).

    Raises:
        StorageError: the database failed.
    """
    with storage_errors("read transaction"), engine.connect() as raw:
        conn = raw if is_sqlite(engine) else raw.execution_options(**SNAPSHOT_OPTIONS)
        with conn.begin():
            yield conn


def is_sqlite(engine: Engine) -> bool:
    """Whether ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


@contextmanager
def storage_errors(action: str) -> Iterator[None]:
    """Re-raise SQLAlchemy and driver errors as ``StorageError`` naming ``action``."""
    try:
        yield
    except (SQLAlchemyError, sqlite3.Error) as exc:  # sqlite3: the SQLite hot path's driver calls
        raise StorageError(
            f"{action} failed: {exc.__class__.__name__}: {_first_line(exc)}"
        ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""
