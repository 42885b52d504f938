"""Signed notes of checkpoints and witnesses' cosignatures (tables of migration 0005)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, Engine, String, Table, Text, select

from node.ledger.db import is_sqlite, read_transaction, write_transaction
from node.ledger.schema import LEDGER_METADATA

checkpoint_notes = Table(
    "checkpoint_notes",
    LEDGER_METADATA,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),
    Column("key", String(400), nullable=False),
    Column("created_at", String(40), nullable=False),
)
"""The C2SP signed note of a checkpoint (text and the node's Ed25519 signature line)."""

witness_cosignatures = Table(
    "witness_cosignatures",
    LEDGER_METADATA,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("witness", String(255), primary_key=True),
    Column("key_id", String(8), primary_key=True),
    Column("timestamp", BigInteger, nullable=False),
    Column("line", Text, nullable=False),
    Column("received_at", String(40), nullable=False),
)
"""One witness cosignature (c2sp.org/tlog-cosignature) of a checkpoint, verified on receipt."""
WITNESS_TABLES = [checkpoint_notes, witness_cosignatures]


@dataclass(frozen=True)
class CosignatureRecord:
    """A stored cosignature: the checkpoint size, the witness's key name and ID, the line."""

    size: int
    witness: str
    key_id: str
    timestamp: int
    line: str
    received_at: str


@dataclass(frozen=True)
class NoteRecord:
    """A checkpoint's signed note and the vkey of the node note key that signed it."""

    size: int
    note: str
    key: str


def save_note(engine: Engine, *, size: int, note: str, key: str, created_at: str) -> None:
    """Store the signed note of checkpoint ``size`` signed by vkey ``key`` (an existing one is
    kept).

    Raises:
        StorageError: the database failed.
    """
    _upsert(
        engine,
        checkpoint_notes,
        {"size": size, "note": note, "key": key, "created_at": created_at},
    )


def notes(engine: Engine, *, sizes: Collection[int] | None = None) -> dict[int, NoteRecord]:
    """Every stored signed note (or those of ``sizes``), by checkpoint size.

    Raises:
        StorageError: the database failed.
    """
    query = select(checkpoint_notes.c.size, checkpoint_notes.c.note, checkpoint_notes.c.key)
    if sizes is not None:
        query = query.where(checkpoint_notes.c.size.in_(list(sizes)))
    with read_transaction(engine) as conn:
        rows = conn.execute(query).all()
    return {int(size): NoteRecord(int(size), str(note), str(key)) for size, note, key in rows}


def save_cosignature(engine: Engine, record: CosignatureRecord) -> None:
    """Store a verified cosignature (an existing one of the same witness key is kept).

    Raises:
        StorageError: the database failed.
    """
    _upsert(
        engine,
        witness_cosignatures,
        {
            "size": record.size,
            "witness": record.witness,
            "key_id": record.key_id,
            "timestamp": record.timestamp,
            "line": record.line,
            "received_at": record.received_at,
        },
    )


def cosignatures(
    engine: Engine, *, sizes: Collection[int] | None = None
) -> dict[int, list[CosignatureRecord]]:
    """Every stored cosignature (or those of ``sizes``), by checkpoint size (witness name order).

    Raises:
        StorageError: the database failed.
    """
    table = witness_cosignatures
    query = select(table).order_by(table.c.size, table.c.witness, table.c.key_id)
    if sizes is not None:
        query = query.where(table.c.size.in_(list(sizes)))
    with read_transaction(engine) as conn:
        rows = conn.execute(query).all()
    found: dict[int, list[CosignatureRecord]] = {}
    for row in rows:
        m = row._mapping
        record = CosignatureRecord(
            size=int(str(m["size"])),
            witness=str(m["witness"]),
            key_id=str(m["key_id"]),
            timestamp=int(str(m["timestamp"])),
            line=str(m["line"]),
            received_at=str(m["received_at"]),
        )
        found.setdefault(record.size, []).append(record)
    return found


def last_cosigned_size(engine: Engine, *, witness: str, key_id: str) -> int:
    """The largest checkpoint size this witness key cosigned for us (0 if none).

    Raises:
        StorageError: the database failed.
    """
    table = witness_cosignatures
    with read_transaction(engine) as conn:
        sizes = conn.execute(
            select(table.c.size).where(table.c.witness == witness, table.c.key_id == key_id)
        ).all()
    return max((int(s) for (s,) in sizes), default=0)


def _upsert(engine: Engine, table: Table, values: dict[str, object]) -> None:
    # the dialects' INSERT … ON CONFLICT, imported here: `import node.cli` stays light
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    dialect = sqlite_insert if is_sqlite(engine) else pg_insert
    statement = dialect(table).values(**values).on_conflict_do_nothing()
    with write_transaction(engine) as conn:
        conn.execute(statement)


class WitnessStore:
    """The signed notes and witness cosignatures on one engine (the functions above, bound)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def notes(self, *, sizes: Collection[int] | None = None) -> dict[int, NoteRecord]:
        """See :func:`notes`.

        Raises:
            StorageError: the database failed.
        """
        return notes(self._engine, sizes=sizes)

    def cosignatures(
        self, *, sizes: Collection[int] | None = None
    ) -> dict[int, list[CosignatureRecord]]:
        """See :func:`cosignatures`.

        Raises:
            StorageError: the database failed.
        """
        return cosignatures(self._engine, sizes=sizes)
