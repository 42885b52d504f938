"""Ledger storage behind a Protocol, with one SQL implementation for SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, or_, select, update

from node.errors import LedgerError, MerkleError, StorageError
from node.ledger.db import (
    is_sqlite,
    make_engine,
    read_transaction,
    storage_errors,
    write_transaction,
)
from node.ledger.schema import (
    LEDGER_TABLES,
    PROJECTION_TABLES,
)
from node.ledger.schema import checkpoints as _checkpoints
from node.ledger.schema import emission_versions as _versions
from node.ledger.schema import emissions as _emissions
from node.ledger.schema import issuers as _issuers
from node.ledger.schema import ledger_requests as _requests
from node.ledger.schema import log_entries as _entries
from node.ledger.schema import log_head as _head
from node.ledger.schema import merkle_nodes as _nodes
from node.ledger.schema import private_values as _private
from node.ledger.schema import subjects as _subjects
from node.merkle.hasher import EMPTY_ROOT
from node.merkle.nodes import NodeID

NODE_QUERY_CHUNK = 500

# Hot-path statements, built once: SQLAlchemy memoizes their cache keys and compiled forms, so a
# one-entry transaction does not pay for building and hashing statement objects every time.
_SELECT_HEAD = select(_head.c.size, _head.c.root).where(_head.c.id == 1)
_LOCK_HEAD = _SELECT_HEAD.with_for_update()
_SET_HEAD = (
    update(_head).where(_head.c.id == 1).values(size=bindparam("size"), root=bindparam("root"))
)
_SELECT_EMISSION = select(_emissions).where(
    or_(_emissions.c.application_no == bindparam("key"), _emissions.c.regno == bindparam("key"))
)
_SELECT_ISSUER = select(_issuers).where(_issuers.c.code == bindparam("key"))
_UPDATE_EMISSION = (
    update(_emissions)
    .where(_emissions.c.application_no == bindparam("k_application_no"))
    .values({c.name: bindparam(c.name) for c in _emissions.c if c.name != "application_no"})
)
_UPDATE_ISSUER = (
    update(_issuers)
    .where(_issuers.c.code == bindparam("k_code"))
    .values({c.name: bindparam(c.name) for c in _issuers.c if c.name != "code"})
)
_INSERT_EMISSION = insert(_emissions)
_INSERT_ISSUER = insert(_issuers)

# Bulk inserts on SQLite go straight to the driver (qmark style); the column lists match the
# tuples built in SqlWriter.add_entries / add_nodes (the SQLite tests run this path).
_SQLITE_INSERT_ENTRIES = (
    "INSERT INTO log_entries (idx, kind, subject, leaf, leaf_hash, recorded_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_SQLITE_INSERT_NODES = "INSERT INTO merkle_nodes (id, hash) VALUES (?, ?)"
_SQLITE_SELECT_HEAD = "SELECT size, root FROM log_head WHERE id = 1"
_SQLITE_SET_HEAD = "UPDATE log_head SET size = ?, root = ? WHERE id = 1"
_EMISSION_COLUMNS = tuple(c.name for c in _emissions.c)
# The SQL below is built from our own table's column names only; every value is a bound parameter.
_SQLITE_SELECT_EMISSION = (
    f"SELECT {', '.join(_EMISSION_COLUMNS)} FROM emissions "  # noqa: S608
    "WHERE application_no = ? OR regno = ?"
)
_SQLITE_UPDATE_EMISSION = (
    "UPDATE emissions SET "  # noqa: S608
    + ", ".join(f"{c} = ?" for c in _EMISSION_COLUMNS if c != "application_no")
    + " WHERE application_no = ?"
)
_SQLITE_INSERT_EMISSION = (
    f"INSERT INTO emissions ({', '.join(_EMISSION_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join('?' for _ in _EMISSION_COLUMNS)})"
)


@dataclass(frozen=True)
class EntryRecord:
    """A stored journal entry."""

    idx: int
    kind: str
    subject: str
    leaf: bytes
    leaf_hash: bytes
    recorded_at: str


@dataclass(frozen=True)
class CheckpointRecord:
    """A stored signed checkpoint."""

    size: int
    origin: str
    log_root: bytes
    state_root: bytes
    state_size: int
    issued_at: str
    signer: str
    signature: bytes


@dataclass(frozen=True)
class IssuerRecord:
    """A stored issuer projection row."""

    code: str
    name: str
    region: str
    status: str
    record: str
    updated_idx: int


@dataclass(frozen=True)
class EmissionRecord:
    """A stored emission projection row (``record`` is the canonical JSON public state)."""

    application_no: str
    regno: str | None
    state_key: str
    issuer: str
    status: str
    name: str
    blockchain: str
    contract_address: str
    record: str
    state_leaf_hash: bytes
    updated_idx: int


@dataclass(frozen=True)
class VersionRecord:
    """One public state of an emission, in force from tree size ``from_size``."""

    application_no: str
    from_size: int
    state_key: str
    record: str
    state_leaf_hash: bytes


@dataclass(frozen=True)
class PrivateRecord:
    """A private value (Reg. §66) with its salt, stored beside its public commitment."""

    commitment: str
    subject: str
    salt: bytes
    value: str
    entry_idx: int


@dataclass(frozen=True)
class SubjectRecord:
    """A stored projection row of a miner or a licence (``record``: canonical JSON state)."""

    key: str
    register: str  # "miner" or "vasp"
    name: str
    status: str
    record: str
    state_leaf_hash: bytes
    updated_idx: int


@dataclass(frozen=True)
class RequestRecord:
    """A client request integrated with its entries ``first_idx <= idx < end_idx``."""

    request_id: bytes
    first_idx: int
    end_idx: int
    root: bytes
    """The log's root just after the request's entries."""
    recorded_at: str


class LedgerReader(Protocol):
    """Read operations, all within one consistent snapshot."""

    def head(self) -> tuple[int, bytes]:
        """Size and root of the integrated log."""
        ...

    def get_nodes(self, ids: Sequence[NodeID]) -> Sequence[bytes]:
        """Merkle node hashes in the order asked (a ``NodeReader``); MerkleError if missing."""
        ...

    def entries(self, start: int, end: int) -> Iterator[EntryRecord]:
        """Entries with ``start <= idx < end`` in index order."""
        ...

    def entries_of(self, subject: str) -> list[EntryRecord]:
        """Every entry about one issuer or emission (by the subject recorded at append)."""
        ...

    def checkpoints(self) -> list[CheckpointRecord]:
        """All checkpoints, oldest first."""
        ...

    def checkpoint(self, size: int) -> CheckpointRecord | None:
        """The checkpoint at exactly ``size`` leaves, if one was cut."""
        ...

    def latest_checkpoint(self) -> CheckpointRecord | None:
        """The newest checkpoint."""
        ...

    def issuer_row(self, code: str) -> IssuerRecord | None:
        """One issuer."""
        ...

    def issuer_rows(self) -> list[IssuerRecord]:
        """All issuers by code."""
        ...

    def emission_row(self, key: str) -> EmissionRecord | None:
        """One emission by registration number or application number."""
        ...

    def emission_rows(
        self, *, issuer: str | None = None, updated_since: int | None = None
    ) -> list[EmissionRecord]:
        """All emissions (of one issuer; last changed by an entry ``>= updated_since``), by
        state key."""
        ...

    def application_count(self) -> int:
        """How many applications were ever filed."""
        ...

    def subject_row(self, key: str) -> SubjectRecord | None:
        """One miner or licence by its number."""
        ...

    def subject_rows(
        self, *, register: str | None = None, updated_since: int | None = None
    ) -> list[SubjectRecord]:
        """Miners and licences (of one register; last changed by an entry ``>= updated_since``),
        by key."""
        ...

    def subject_count(self, register: str) -> int:
        """How many subjects a register ever held (their numbers are never reused)."""
        ...

    def issuer_codes(self) -> list[str]:
        """Every issuer code in use."""
        ...

    def state_leaves_at(self, size: int) -> list[VersionRecord]:
        """The public state of every emission as of tree size ``size`` (latest version <= size)."""
        ...

    def current_state_leaves(self) -> list[tuple[str, bytes]]:
        """``(state_key, state_leaf_hash)`` of every state-tree subject now (emissions, miners,
        licences)."""
        ...

    def private_value(self, commitment: str) -> PrivateRecord | None:
        """The private value behind a commitment (for authorised holders only)."""
        ...

    def private_values(self) -> list[PrivateRecord]:
        """Every private value (for `tamga check`)."""
        ...

    def node_range(self, start_key: int, end_key: int) -> Iterator[tuple[int, bytes]]:
        """Stored Merkle nodes with ``start_key <= key < end_key``, by key."""
        ...

    def node_count(self) -> int:
        """How many Merkle nodes are stored."""
        ...

    def versions(self) -> list[VersionRecord]:
        """Every stored emission version, by (from_size, state key)."""
        ...

    def requests(self, ids: Sequence[bytes]) -> dict[bytes, RequestRecord]:
        """The integrated requests among ``ids``."""
        ...

    def newest_recorded_at(self, kind: str, start: int, end: int) -> str | None:
        """The latest ``recorded_at`` of the ``kind`` entries with ``start <= idx < end``."""
        ...


class LedgerWriter(LedgerReader, Protocol):
    """Write operations inside one transaction that commits all or nothing."""

    def lock_head(self) -> tuple[int, bytes]:
        """Take the writer lock and return the head (size, root)."""
        ...

    def set_head(self, size: int, root: bytes) -> None:
        """Move the head."""
        ...

    def add_entries(self, rows: Sequence[EntryRecord]) -> None:
        """Append journal entries."""
        ...

    def add_nodes(self, nodes: Sequence[tuple[NodeID, bytes]]) -> None:
        """Store new Merkle nodes."""
        ...

    def put_issuer(self, row: IssuerRecord, *, exists: bool) -> None:
        """Insert or update an issuer row."""
        ...

    def put_emission(self, row: EmissionRecord, *, exists: bool) -> None:
        """Insert or update an emission row."""
        ...

    def put_subject(self, row: SubjectRecord, *, exists: bool) -> None:
        """Insert or update a miner's or a licence's row."""
        ...

    def add_versions(self, rows: Sequence[VersionRecord]) -> None:
        """Record emission state versions."""
        ...

    def add_private(self, rows: Sequence[PrivateRecord]) -> None:
        """Store private values."""
        ...

    def add_checkpoint(self, row: CheckpointRecord) -> None:
        """Store a signed checkpoint."""
        ...

    def add_requests(self, rows: Sequence[RequestRecord]) -> None:
        """Record client requests integrated in this transaction."""
        ...

    def expire_requests(self, *, before: str) -> int:
        """Forget the requests recorded before ``before``; returns how many."""
        ...

    def clear_projection(self) -> None:
        """Delete the projection (only for rebuild)."""
        ...


class LedgerStore(Protocol):
    """A storage backend: hands out read snapshots and write transactions."""

    def read(self) -> AbstractContextManager[LedgerReader]:
        """A consistent read snapshot."""
        ...

    def write(self) -> AbstractContextManager[LedgerWriter]:
        """A write transaction (all or nothing)."""
        ...

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        ...


class SqlReader:
    """``LedgerReader`` over a SQLAlchemy connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def head(self) -> tuple[int, bytes]:
        row = self._conn.execute(_SELECT_HEAD).first()
        if row is None:
            raise LedgerError("the ledger is not initialised (run `tamga init`)")
        return int(row[0]), bytes(row[1])

    def get_nodes(self, ids: Sequence[NodeID]) -> Sequence[bytes]:
        keys = [node.key() for node in ids]
        found: dict[int, bytes] = {}
        for start in range(0, len(keys), NODE_QUERY_CHUNK):
            chunk = keys[start : start + NODE_QUERY_CHUNK]
            for key, digest in self._conn.execute(
                select(_nodes.c.id, _nodes.c.hash).where(_nodes.c.id.in_(chunk))
            ):
                found[int(key)] = bytes(digest)
        try:
            return [found[key] for key in keys]
        except KeyError as exc:
            missing = NodeID.from_key(int(exc.args[0]))
            raise MerkleError(f"Merkle node {missing} is not stored") from exc

    def entries(self, start: int, end: int) -> Iterator[EntryRecord]:
        query = (
            select(_entries)
            .where(_entries.c.idx >= start, _entries.c.idx < end)
            .order_by(_entries.c.idx)
        )
        for row in self._conn.execute(query.execution_options(yield_per=5000)):
            yield _entry(row)

    def entries_of(self, subject: str) -> list[EntryRecord]:
        query = select(_entries).where(_entries.c.subject == subject).order_by(_entries.c.idx)
        return [_entry(row) for row in self._conn.execute(query)]

    def checkpoints(self) -> list[CheckpointRecord]:
        rows = self._conn.execute(select(_checkpoints).order_by(_checkpoints.c.size))
        return [_checkpoint(row) for row in rows]

    def checkpoint(self, size: int) -> CheckpointRecord | None:
        row = self._conn.execute(select(_checkpoints).where(_checkpoints.c.size == size)).first()
        return None if row is None else _checkpoint(row)

    def latest_checkpoint(self) -> CheckpointRecord | None:
        query = select(_checkpoints).order_by(_checkpoints.c.size.desc()).limit(1)
        row = self._conn.execute(query).first()
        return None if row is None else _checkpoint(row)

    def issuer_row(self, code: str) -> IssuerRecord | None:
        row = self._conn.execute(_SELECT_ISSUER, {"key": code}).first()
        return None if row is None else IssuerRecord(**row._mapping)

    def issuer_rows(self) -> list[IssuerRecord]:
        rows = self._conn.execute(select(_issuers).order_by(_issuers.c.code))
        return [IssuerRecord(**row._mapping) for row in rows]

    def emission_row(self, key: str) -> EmissionRecord | None:
        row = self._conn.execute(_SELECT_EMISSION, {"key": key}).first()
        return None if row is None else _emission(row)

    def emission_rows(
        self, *, issuer: str | None = None, updated_since: int | None = None
    ) -> list[EmissionRecord]:
        query = select(_emissions)
        if issuer is not None:
            query = query.where(_emissions.c.issuer == issuer)
        if updated_since is not None:
            query = query.where(_emissions.c.updated_idx >= updated_since)
        rows = [_emission(row) for row in self._conn.execute(query)]
        return sorted(rows, key=lambda r: r.state_key.encode())

    def application_count(self) -> int:
        return int(self._conn.execute(select(func.count()).select_from(_emissions)).scalar_one())

    def subject_row(self, key: str) -> SubjectRecord | None:
        row = self._conn.execute(select(_subjects).where(_subjects.c.key == key)).first()
        return None if row is None else _subject(row)

    def subject_rows(
        self, *, register: str | None = None, updated_since: int | None = None
    ) -> list[SubjectRecord]:
        query = select(_subjects)
        if register is not None:
            query = query.where(_subjects.c.register == register)
        if updated_since is not None:
            query = query.where(_subjects.c.updated_idx >= updated_since)
        return sorted((_subject(row) for row in self._conn.execute(query)), key=lambda r: r.key)

    def subject_count(self, register: str) -> int:
        query = select(func.count()).select_from(_subjects).where(_subjects.c.register == register)
        return int(self._conn.execute(query).scalar_one())

    def issuer_codes(self) -> list[str]:
        return [str(code) for code in self._conn.execute(select(_issuers.c.code)).scalars()]

    def state_leaves_at(self, size: int) -> list[VersionRecord]:
        latest = (
            select(_versions.c.application_no, func.max(_versions.c.from_size).label("from_size"))
            .where(_versions.c.from_size <= size)
            .group_by(_versions.c.application_no)
            .subquery()
        )
        query = select(_versions).join(
            latest,
            (latest.c.application_no == _versions.c.application_no)
            & (latest.c.from_size == _versions.c.from_size),
        )
        rows = [VersionRecord(**row._mapping) for row in self._conn.execute(query)]
        return sorted(rows, key=lambda r: r.state_key.encode())

    def current_state_leaves(self) -> list[tuple[str, bytes]]:
        rows = [
            *self._conn.execute(select(_emissions.c.state_key, _emissions.c.state_leaf_hash)),
            *self._conn.execute(select(_subjects.c.key, _subjects.c.state_leaf_hash)),
        ]
        return sorted(((str(k), bytes(h)) for k, h in rows), key=lambda kh: kh[0].encode())

    def private_value(self, commitment: str) -> PrivateRecord | None:
        row = self._conn.execute(
            select(_private).where(_private.c.commitment == commitment)
        ).first()
        return None if row is None else PrivateRecord(**row._mapping)

    def private_values(self) -> list[PrivateRecord]:
        rows = self._conn.execute(select(_private).order_by(_private.c.entry_idx))
        return [PrivateRecord(**row._mapping) for row in rows]

    def node_range(self, start_key: int, end_key: int) -> Iterator[tuple[int, bytes]]:
        query = (
            select(_nodes.c.id, _nodes.c.hash)
            .where(_nodes.c.id >= start_key, _nodes.c.id < end_key)
            .order_by(_nodes.c.id)
        )
        for key, digest in self._conn.execute(query.execution_options(yield_per=20_000)):
            yield int(key), bytes(digest)

    def node_count(self) -> int:
        return int(self._conn.execute(select(func.count()).select_from(_nodes)).scalar_one())

    def versions(self) -> list[VersionRecord]:
        rows = [VersionRecord(**row._mapping) for row in self._conn.execute(select(_versions))]
        return sorted(rows, key=lambda r: (r.from_size, r.state_key.encode()))

    def requests(self, ids: Sequence[bytes]) -> dict[bytes, RequestRecord]:
        if not ids:
            return {}
        query = select(_requests).where(_requests.c.request_id.in_(list(ids)))
        found: dict[bytes, RequestRecord] = {}
        for row in self._conn.execute(query):
            m = row._mapping
            found[bytes(m["request_id"])] = RequestRecord(
                request_id=bytes(m["request_id"]),
                first_idx=int(m["first_idx"]),
                end_idx=int(m["end_idx"]),
                root=bytes(m["root"]),
                recorded_at=str(m["recorded_at"]),
            )
        return found

    def newest_recorded_at(self, kind: str, start: int, end: int) -> str | None:
        query = select(func.max(_entries.c.recorded_at)).where(
            _entries.c.kind == kind, _entries.c.idx >= start, _entries.c.idx < end
        )
        found = self._conn.execute(query).scalar()
        return None if found is None else str(found)


class SqlWriter(SqlReader):
    """``LedgerWriter`` over a connection inside a write transaction."""

    def __init__(self, conn: Connection, *, sqlite: bool) -> None:
        super().__init__(conn)
        self._sqlite = sqlite
        # SQLite hot path: the statements of a one-entry append run on the driver's cursor inside
        # the same transaction (SQLAlchemy's per-statement overhead is most of a small append).
        self._cursor: sqlite3.Cursor | None = (
            conn.connection.driver_connection.cursor() if sqlite else None  # type: ignore[union-attr]
        )

    def lock_head(self) -> tuple[int, bytes]:
        # SQLite already holds the database lock (BEGIN IMMEDIATE); PostgreSQL locks the row.
        if self._cursor is not None:
            row = self._cursor.execute(_SQLITE_SELECT_HEAD).fetchone()
        else:
            row = self._conn.execute(_LOCK_HEAD).first()
        if row is None:
            raise LedgerError("the ledger is not initialised (run `tamga init`)")
        return int(row[0]), bytes(row[1])

    def set_head(self, size: int, root: bytes) -> None:
        if self._cursor is not None:
            self._cursor.execute(_SQLITE_SET_HEAD, (size, root))
        else:
            self._conn.execute(_SET_HEAD, {"size": size, "root": root})

    def emission_row(self, key: str) -> EmissionRecord | None:
        if self._cursor is None:
            return super().emission_row(key)
        row = self._cursor.execute(_SQLITE_SELECT_EMISSION, (key, key)).fetchone()
        if row is None:
            return None
        values = dict(zip(_EMISSION_COLUMNS, row, strict=True))
        values["state_leaf_hash"] = bytes(values["state_leaf_hash"])
        return EmissionRecord(**values)

    def add_entries(self, rows: Sequence[EntryRecord]) -> None:
        if not rows:
            return
        if self._sqlite:  # hot path: the driver's executemany, no per-row SQLAlchemy binding
            assert self._cursor is not None
            self._cursor.executemany(
                _SQLITE_INSERT_ENTRIES,
                [(r.idx, r.kind, r.subject, r.leaf, r.leaf_hash, r.recorded_at) for r in rows],
            )
        else:
            self._conn.execute(insert(_entries), [r.__dict__ for r in rows])

    def add_nodes(self, nodes: Sequence[tuple[NodeID, bytes]]) -> None:
        if not nodes:
            return
        if self._sqlite:  # hot path, as add_entries
            assert self._cursor is not None
            self._cursor.executemany(_SQLITE_INSERT_NODES, [(n.key(), h) for n, h in nodes])
        else:
            self._conn.execute(insert(_nodes), [{"id": n.key(), "hash": h} for n, h in nodes])

    def put_issuer(self, row: IssuerRecord, *, exists: bool) -> None:
        values = dict(row.__dict__)
        if exists:
            values["k_code"] = values.pop("code")
            self._conn.execute(_UPDATE_ISSUER, values)
        else:
            self._conn.execute(_INSERT_ISSUER, values)

    def put_emission(self, row: EmissionRecord, *, exists: bool) -> None:
        if self._cursor is not None:
            values = row.__dict__
            if exists:
                params = [values[c] for c in _EMISSION_COLUMNS if c != "application_no"]
                self._cursor.execute(_SQLITE_UPDATE_EMISSION, (*params, row.application_no))
            else:
                self._cursor.execute(
                    _SQLITE_INSERT_EMISSION, tuple(values[c] for c in _EMISSION_COLUMNS)
                )
            return
        values = dict(row.__dict__)
        if exists:
            values["k_application_no"] = values.pop("application_no")
            self._conn.execute(_UPDATE_EMISSION, values)
        else:
            self._conn.execute(_INSERT_EMISSION, values)

    def put_subject(self, row: SubjectRecord, *, exists: bool) -> None:
        values = dict(row.__dict__)
        if exists:
            key = values.pop("key")
            self._conn.execute(update(_subjects).where(_subjects.c.key == key).values(**values))
        else:
            self._conn.execute(insert(_subjects).values(**values))

    def add_versions(self, rows: Sequence[VersionRecord]) -> None:
        if rows:
            self._conn.execute(insert(_versions), [r.__dict__ for r in rows])

    def add_private(self, rows: Sequence[PrivateRecord]) -> None:
        if rows:
            self._conn.execute(insert(_private), [r.__dict__ for r in rows])

    def add_checkpoint(self, row: CheckpointRecord) -> None:
        self._conn.execute(insert(_checkpoints).values(**row.__dict__))

    def add_requests(self, rows: Sequence[RequestRecord]) -> None:
        if rows:
            self._conn.execute(insert(_requests), [r.__dict__ for r in rows])

    def expire_requests(self, *, before: str) -> int:
        gone = self._conn.execute(delete(_requests).where(_requests.c.recorded_at < before))
        return int(gone.rowcount or 0)

    def clear_projection(self) -> None:
        for table in PROJECTION_TABLES:
            self._conn.execute(delete(table))


class SqlLedgerStore:
    """The SQL backend: SQLite (default, WAL) or PostgreSQL, chosen by URL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    def from_url(cls, url: str) -> SqlLedgerStore:
        """Open a store (does not create tables; see ``create_schema``).

        Raises:
            ConfigError: the URL is invalid.
        """
        return cls(make_engine(url))

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine."""
        return self._engine

    @property
    def backend(self) -> str:
        return self._engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[SqlReader]:
        with read_transaction(self._engine) as conn:
            yield SqlReader(conn)

    @contextmanager
    def write(self) -> Iterator[SqlWriter]:
        with write_transaction(self._engine) as conn:
            yield SqlWriter(conn, sqlite=is_sqlite(self._engine))

    def create_schema(self) -> None:
        """Create every table (used by tests; `tamga init` runs the Alembic migrations instead).

        Raises:
            StorageError: the database refused.
        """
        with storage_errors("create schema"), self._engine.begin() as conn:
            for table in LEDGER_TABLES:
                table.create(conn, checkfirst=True)
        self.ensure_head()

    def ensure_head(self) -> None:
        """Insert the empty log head if there is none.

        Raises:
            StorageError: the database refused.
        """
        with self.write() as writer:
            conn = writer._conn
            if conn.execute(select(_head.c.id)).first() is None:
                conn.execute(insert(_head).values(id=1, size=0, root=EMPTY_ROOT))

    def drop_schema(self) -> None:
        """Drop every ledger table (tests only).

        Raises:
            StorageError: the database refused.
        """
        with storage_errors("drop schema"), self._engine.begin() as conn:
            for table in reversed(LEDGER_TABLES):
                table.drop(conn, checkfirst=True)
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")

    def dispose(self) -> None:
        """Close pooled connections."""
        self._engine.dispose()


def _entry(row: object) -> EntryRecord:
    m = row._mapping  # type: ignore[attr-defined]
    return EntryRecord(
        idx=int(m["idx"]),
        kind=str(m["kind"]),
        subject=str(m["subject"]),
        leaf=bytes(m["leaf"]),
        leaf_hash=bytes(m["leaf_hash"]),
        recorded_at=str(m["recorded_at"]),
    )


def _checkpoint(row: object) -> CheckpointRecord:
    m = row._mapping  # type: ignore[attr-defined]
    return CheckpointRecord(
        size=int(m["size"]),
        origin=str(m["origin"]),
        log_root=bytes(m["log_root"]),
        state_root=bytes(m["state_root"]),
        state_size=int(m["state_size"]),
        issued_at=str(m["issued_at"]),
        signer=str(m["signer"]),
        signature=bytes(m["signature"]),
    )


def _subject(row: object) -> SubjectRecord:
    m = dict(row._mapping)  # type: ignore[attr-defined]
    m["state_leaf_hash"] = bytes(m["state_leaf_hash"])
    return SubjectRecord(**m)


def _emission(row: object) -> EmissionRecord:
    m = dict(row._mapping)  # type: ignore[attr-defined]
    m["state_leaf_hash"] = bytes(m["state_leaf_hash"])
    return EmissionRecord(**m)


def iter_all(reader: LedgerReader, *, batch: int = 10_000) -> Iterable[EntryRecord]:
    """Every entry in index order.

    Raises:
        StorageError: the database failed.
    """
    size, _ = reader.head()
    for start in range(0, size, batch):
        yield from reader.entries(start, min(size, start + batch))


__all__ = [
    "CheckpointRecord",
    "EmissionRecord",
    "EntryRecord",
    "IssuerRecord",
    "LedgerReader",
    "LedgerStore",
    "LedgerWriter",
    "PrivateRecord",
    "RequestRecord",
    "SqlLedgerStore",
    "StorageError",
    "SubjectRecord",
    "VersionRecord",
]
