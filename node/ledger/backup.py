"""`tamga backup` / `tamga restore`: consistent copies of the ledger database with a manifest.

SQLite is copied with the online backup API (``sqlite3.Connection.backup``, one step, so the
copy is one read snapshot taken while the node keeps writing); PostgreSQL with ``pg_dump``
(custom format) pinned to a snapshot exported by a REPEATABLE READ transaction, in which the
manifest's log size and root are read too. A backup is a directory::

    manifest.json    tamga.backup.v1: backend, schema revision, log size and root, latest
                     checkpoint, and the SHA-256 of every file
    tamga.sqlite     (SQLite) or tamga.pgdump (PostgreSQL)

A restore checks every hash before it touches the target, refuses a non-empty target unless
forced, restores, migrates an older schema, checks that the log has the manifest's size and
root, and runs the full ``check_ledger`` (what `tamga check` does). The database only: the
keystores under ``<data dir>/keys`` are encrypted files backed up as files.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from node.checkpoint import format_time
from node.domain.calendar import WorkingCalendar
from node.errors import ConfigError, StorageError, VerificationError
from node.ledger import migrate
from node.ledger.check import CheckReport, check_ledger
from node.ledger.db import make_engine, storage_errors
from node.ledger.store import SqlLedgerStore

BACKUP_FORMAT = "tamga.backup.v1"
MANIFEST = "manifest.json"
SQLITE_FILE = "tamga.sqlite"
PG_FILE = "tamga.pgdump"
_CHUNK = 1 << 20

Backend = Literal["sqlite", "postgresql"]


class BackupError(StorageError):
    """A backup cannot be made or restored: the target is not empty, a file is missing, the
    backend differs, or pg_dump/pg_restore failed."""


class BackupFile(BaseModel):
    """One file of a backup and its SHA-256 (lowercase hex)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    sha256: str
    bytes: int


class CheckpointRef(BaseModel):
    """The latest checkpoint in a backup: its tree size and log root (hex)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    size: int
    log_root: str


class BackupManifest(BaseModel):
    """``manifest.json`` of a backup (format ``tamga.backup.v1``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    format: Literal["tamga.backup.v1"]
    backend: Backend
    created_at: str
    schema_revision: str
    log_size: int
    log_root: str
    latest_checkpoint: CheckpointRef | None
    files: tuple[BackupFile, ...]


@dataclass(frozen=True)
class RestoreReport:
    """What a restore brought back and what the check after it verified."""

    manifest: BackupManifest
    check: CheckReport
    migrated_from: str | None


@dataclass(frozen=True)
class _Summary:
    revision: str
    size: int
    root: bytes
    checkpoint: tuple[int, bytes] | None


# backup --------------------------------------------------------------------------------------
def backup_ledger(*, url: str, dest: Path, now: datetime) -> BackupManifest:
    """Back up the database at ``url`` into the new (or empty) directory ``dest``; safe while
    the node writes. The manifest is written last: a directory without one is no backup.

    Raises:
        BackupError: ``dest`` is not empty, the database is not a ledger, or pg_dump failed.
        ConfigError: the URL is invalid, or pg_dump is not installed.
        StorageError: the database failed.
    """
    backend = _backend(url)
    _prepare_dest(dest)
    if backend == "sqlite":
        summary = _backup_sqlite(_sqlite_path(url), dest / SQLITE_FILE)
        names = [SQLITE_FILE]
    else:
        summary = _backup_postgres(url, dest / PG_FILE)
        names = [PG_FILE]
    manifest = BackupManifest(
        format=BACKUP_FORMAT,
        backend=backend,
        created_at=format_time(now),
        schema_revision=summary.revision,
        log_size=summary.size,
        log_root=summary.root.hex(),
        latest_checkpoint=None
        if summary.checkpoint is None
        else CheckpointRef(size=summary.checkpoint[0], log_root=summary.checkpoint[1].hex()),
        files=tuple(_describe(dest / name) for name in names),
    )
    partial = dest / (MANIFEST + ".partial")
    partial.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    _fsync(partial)
    partial.replace(dest / MANIFEST)
    return manifest


def _prepare_dest(dest: Path) -> None:
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"backup destination {dest} exists and is not an empty directory")
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create {dest}: {exc.strerror}") from exc


def _backup_sqlite(source: Path, target: Path) -> _Summary:
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)  # one step: a single read snapshot (WAL lets writers go on)
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                summary = _summarize(_sqlite_rows(dst))
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup of {source} failed: {exc}") from exc
    _fsync(target)
    return summary


def _backup_postgres(url: str, target: Path) -> _Summary:
    pg_dump = _pg_tool("pg_dump")
    engine = make_engine(url)
    try:
        with storage_errors("backup snapshot"), engine.connect() as raw:
            conn = raw.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())

                def rows(sql: str) -> Sequence[Sequence[Any]]:
                    return [tuple(r) for r in conn.execute(text(sql))]

                summary = _summarize(rows)
                # The dump sees exactly this transaction's snapshot (pg_dump --snapshot).
                _run_pg(
                    pg_dump,
                    url,
                    ["--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
                    action="pg_dump",
                )
    finally:
        engine.dispose()
    _fsync(target)
    return summary


def _summarize(rows: Callable[[str], Sequence[Sequence[Any]]]) -> _Summary:
    try:
        revision = rows("SELECT version_num FROM alembic_version")
        head = rows("SELECT size, root FROM log_head")
        latest = rows("SELECT size, log_root FROM checkpoints ORDER BY size DESC LIMIT 1")
    except (sqlite3.Error, SQLAlchemyError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BackupError(f"the database is not an initialised ledger: {first}") from exc
    if not revision or not head:
        raise BackupError("the database is not an initialised ledger (run `tamga init`)")
    return _Summary(
        revision=str(revision[0][0]),
        size=int(head[0][0]),
        root=bytes(head[0][1]),
        checkpoint=None if not latest else (int(latest[0][0]), bytes(latest[0][1])),
    )


def _sqlite_rows(conn: sqlite3.Connection) -> Callable[[str], Sequence[Sequence[Any]]]:
    def rows(sql: str) -> Sequence[Sequence[Any]]:
        return conn.execute(sql).fetchall()

    return rows


# reading and checking a backup ---------------------------------------------------------------
def read_backup(src: Path) -> BackupManifest:
    """Read ``src/manifest.json`` and check every file's size and SHA-256 against it.

    Raises:
        BackupError: ``src`` has no manifest or a listed file is missing.
        VerificationError: the manifest is malformed, or a file differs from it (corrupt).
    """
    path = src / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} is not a tamga backup: no {MANIFEST}")
    try:
        manifest = BackupManifest.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "manifest"
        raise VerificationError(
            f"the backup manifest is malformed: {where}: {first['msg']}", where=str(path)
        ) from exc
    expected = {PG_FILE} if manifest.backend == "postgresql" else {SQLITE_FILE}
    if {f.name for f in manifest.files} != expected:
        raise VerificationError(
            "the backup manifest lists unexpected files",
            expected=sorted(expected),
            actual=sorted(f.name for f in manifest.files),
            where=str(path),
        )
    for item in manifest.files:
        file = src / item.name
        if not file.is_file():
            raise BackupError(f"the backup file {file} is missing")
        actual = _describe(file)
        if (actual.sha256, actual.bytes) != (item.sha256, item.bytes):
            raise VerificationError(
                f"the backup file {item.name} is corrupt: it differs from the manifest",
                expected=f"sha256 {item.sha256}, {item.bytes} bytes",
                actual=f"sha256 {actual.sha256}, {actual.bytes} bytes",
                where=str(file),
            )
    return manifest


# restore -------------------------------------------------------------------------------------
def restore_ledger(
    *,
    src: Path,
    url: str,
    force: bool,
    calendar: WorkingCalendar,
    expected_signer: str | None = None,
) -> RestoreReport:
    """Restore the backup ``src`` into the database at ``url`` (the node must be stopped), then
    migrate it to this code's schema and check it as `tamga check` does.

    A SQLite backup is checked in a file beside the target and moved over it only when it
    passes; a PostgreSQL backup is restored with ``pg_restore --single-transaction``.

    Raises:
        BackupError: no manifest, a missing file, another backend than the target's, a
            non-empty target without ``force``, or pg_restore failed.
        VerificationError: the backup is corrupt (a hash), or the restored log does not have the
            manifest's size, root or latest checkpoint, or `tamga check` fails on it.
        ConfigError: the URL is invalid, or pg_restore is not installed.
        StorageError: the database failed.
    """
    manifest = read_backup(src)
    backend = _backend(url)
    if backend != manifest.backend:
        raise BackupError(
            f"the backup is of a {manifest.backend} database; the target {backend} is not: "
            "restore into the same kind of database"
        )
    if backend == "sqlite":
        return _restore_sqlite(
            manifest, src / SQLITE_FILE, _sqlite_path(url), force, calendar, expected_signer
        )
    return _restore_postgres(manifest, src / PG_FILE, url, force, calendar, expected_signer)


def _restore_sqlite(
    manifest: BackupManifest,
    file: Path,
    target: Path,
    force: bool,
    calendar: WorkingCalendar,
    expected_signer: str | None,
) -> RestoreReport:
    if not force and _sqlite_has_tables(target):
        raise BackupError(
            f"the target database {target} is not empty: restore into a fresh data directory, "
            "or pass --force to replace it"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(target.name + ".restoring")
    for leftover in _sqlite_files(staging):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(file, staging)
    try:
        report = _verify_restored(manifest, f"sqlite:///{staging}", calendar, expected_signer)
    except BaseException:
        for leftover in _sqlite_files(staging):
            leftover.unlink(missing_ok=True)
        raise
    _fsync(staging)
    # A stale write-ahead log of the old database must never be applied to the restored one.
    for stale in _sqlite_files(target)[1:]:
        stale.unlink(missing_ok=True)
    staging.replace(target)
    for leftover in _sqlite_files(staging):
        leftover.unlink(missing_ok=True)
    return report


def _restore_postgres(
    manifest: BackupManifest,
    file: Path,
    url: str,
    force: bool,
    calendar: WorkingCalendar,
    expected_signer: str | None,
) -> RestoreReport:
    pg_restore = _pg_tool("pg_restore")
    engine = make_engine(url)
    try:
        with storage_errors("inspect the target database"), engine.connect() as conn:
            tables = conn.execute(
                text(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                )
            ).scalar_one()
        if tables and not force:
            raise BackupError(
                f"the target database has {tables} tables: restore into an empty database, or "
                "pass --force to replace its schema"
            )
        if tables:
            with storage_errors("clear the target schema"), engine.begin() as conn:
                for name in conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                        "ORDER BY tablename"
                    )
                ).scalars():
                    conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
    finally:
        engine.dispose()
    _run_pg(
        pg_restore,
        url,
        ["--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges", str(file)],
        action="pg_restore",
    )
    return _verify_restored(manifest, url, calendar, expected_signer)


def _verify_restored(
    manifest: BackupManifest, url: str, calendar: WorkingCalendar, expected_signer: str | None
) -> RestoreReport:
    store = SqlLedgerStore.from_url(url)
    try:
        with store.read() as reader:
            size, root = reader.head()
            latest = reader.latest_checkpoint()
        where = f"restored database ({manifest.backend})"
        if (size, root.hex()) != (manifest.log_size, manifest.log_root):
            raise VerificationError(
                "the restored log does not match the backup manifest",
                expected=f"size {manifest.log_size}, root {manifest.log_root}",
                actual=f"size {size}, root {root.hex()}",
                where=where,
            )
        restored = None if latest is None else (latest.size, latest.log_root.hex())
        wanted = manifest.latest_checkpoint
        if restored != (None if wanted is None else (wanted.size, wanted.log_root)):
            raise VerificationError(
                "the restored latest checkpoint does not match the backup manifest",
                expected=None if wanted is None else f"size {wanted.size} root {wanted.log_root}",
                actual=None if restored is None else f"size {restored[0]} root {restored[1]}",
                where=where,
            )
        current = migrate.current_revision(store.engine)
        migrated_from = None
        if current != migrate.head_revision():
            migrate.upgrade(store.engine)
            migrated_from = current
        report = check_ledger(store, calendar=calendar, expected_signer=expected_signer)
    finally:
        store.dispose()
    return RestoreReport(manifest=manifest, check=report, migrated_from=migrated_from)


# helpers -------------------------------------------------------------------------------------
def _backend(url: str) -> Backend:
    try:
        name = make_url(url).get_backend_name()
    except ArgumentError as exc:
        raise ConfigError(f"database URL is not valid: {exc}") from exc
    if name == "sqlite":
        return "sqlite"
    if name == "postgresql":
        return "postgresql"
    raise ConfigError(f"unsupported database backend {name!r}: use sqlite or postgresql")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise ConfigError(f"backup and restore need a SQLite file, not {database or 'memory'}")
    return Path(database)


def _sqlite_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _sqlite_has_tables(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            count = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
            return bool(count.fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot read the target database {path}: {exc}") from exc


def _describe(path: Path) -> BackupFile:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return BackupFile(name=path.name, sha256=digest.hexdigest(), bytes=path.stat().st_size)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pg_tool(name: str) -> Path:
    """``name`` from the newest /usr/lib/postgresql/*/bin, else from PATH.

    Raises:
        ConfigError: the tool is not installed.
    """
    for directory in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        candidate = Path(directory, name)
        if candidate.exists():
            return candidate
    found = shutil.which(name)
    if found:
        return Path(found)
    raise ConfigError(
        f"{name} is not installed: install the PostgreSQL client tools (Debian: postgresql-client)"
    )


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it
    (PGPASSWORD: never on a command line, where the process list would show it)."""
    parts = {
        "host": url.host,
        "port": None if url.port is None else str(url.port),
        "user": url.username,
        "dbname": url.database,
    }
    for key, value in url.query.items():
        parts[key] = value if isinstance(value, str) else value[-1]
    conninfo = " ".join(
        f"{key}='{_quote(value)}'" for key, value in parts.items() if value is not None
    )
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _run_pg(tool: Path, url: str, args: list[str], *, action: str) -> None:
    conninfo, env = _libpq(make_url(url))
    database = ["--dbname", conninfo]
    try:
        done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [str(tool), *database, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=24 * 3600,
            check=False,
        )
    except OSError as exc:
        raise BackupError(f"{action} could not run: {exc}") from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupError(
            f"{action} failed (exit {done.returncode}): {lines[-1] if lines else 'no message'}"
        )
