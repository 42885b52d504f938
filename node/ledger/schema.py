"""SQLModel tables of the ledger (one schema for SQLite and PostgreSQL; Alembic owns migrations)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, LargeBinary, String, Table, Text
from sqlmodel import Field, SQLModel


class LogHead(SQLModel, table=True):
    """The single row every writer locks first: the size and root of the integrated log."""

    __tablename__ = "log_head"
    id: int = Field(default=1, primary_key=True)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LogEntry(SQLModel, table=True):
    """One journal entry: the exact leaf bytes (canonical JSON) and their RFC 9162 leaf hash."""

    __tablename__ = "log_entries"
    idx: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    kind: str = Field(sa_column=Column(String(64), nullable=False))
    subject: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    leaf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    recorded_at: str = Field(sa_column=Column(String(40), nullable=False))


class MerkleNode(SQLModel, table=True):
    """A perfect-subtree node hash, keyed by ``NodeID.key()`` (level << 56 | index)."""

    __tablename__ = "merkle_nodes"
    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class CheckpointRow(SQLModel, table=True):
    """A signed checkpoint: tree size, log root, state root, time, signer and EIP-191 signature."""

    __tablename__ = "checkpoints"
    size: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    origin: str = Field(sa_column=Column(String(200), nullable=False))
    log_root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    state_root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    state_size: int = Field(sa_column=Column(BigInteger, nullable=False))
    issued_at: str = Field(sa_column=Column(String(40), nullable=False))
    signer: str = Field(sa_column=Column(String(42), nullable=False))
    signature: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class IssuerRow(SQLModel, table=True):
    """Projection: the current public record of an issuer."""

    __tablename__ = "issuers"
    code: str = Field(sa_column=Column(String(4), primary_key=True))
    name: str = Field(sa_column=Column(Text, nullable=False))
    region: str = Field(sa_column=Column(String(32), nullable=False))
    status: str = Field(sa_column=Column(String(32), nullable=False))
    record: str = Field(sa_column=Column(Text, nullable=False))
    updated_idx: int = Field(sa_column=Column(BigInteger, nullable=False))


class EmissionRow(SQLModel, table=True):
    """Projection: the current public record of an emission (application or registered issue)."""

    __tablename__ = "emissions"
    __table_args__ = (Index("ix_emissions_state_key", "state_key", unique=True),)
    application_no: str = Field(sa_column=Column(String(16), primary_key=True))
    regno: str | None = Field(
        default=None, sa_column=Column(String(11), unique=True, nullable=True)
    )
    state_key: str = Field(sa_column=Column(String(16), nullable=False))
    issuer: str = Field(sa_column=Column(String(4), nullable=False, index=True))
    status: str = Field(sa_column=Column(String(32), nullable=False, index=True))
    name: str = Field(sa_column=Column(Text, nullable=False))
    blockchain: str = Field(sa_column=Column(String(64), nullable=False))
    contract_address: str = Field(sa_column=Column(String(128), nullable=False))
    record: str = Field(sa_column=Column(Text, nullable=False))
    state_leaf_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    updated_idx: int = Field(sa_column=Column(BigInteger, nullable=False))


class EmissionVersion(SQLModel, table=True):
    """Every public state an emission has had, from the tree size at which it took effect."""

    __tablename__ = "emission_versions"
    application_no: str = Field(sa_column=Column(String(16), primary_key=True))
    from_size: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    state_key: str = Field(sa_column=Column(String(16), nullable=False))
    record: str = Field(sa_column=Column(Text, nullable=False))
    state_leaf_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class PrivateValue(SQLModel, table=True):
    """Reg. §66: founders' data, kept off the public log; the log holds only its commitment."""

    __tablename__ = "private_values"
    commitment: str = Field(sa_column=Column(String(64), primary_key=True))
    subject: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    salt: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    value: str = Field(sa_column=Column(Text, nullable=False))
    entry_idx: int = Field(sa_column=Column(BigInteger, nullable=False))


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


log_head = _table(LogHead)
log_entries = _table(LogEntry)
merkle_nodes = _table(MerkleNode)
checkpoints = _table(CheckpointRow)
issuers = _table(IssuerRow)
emissions = _table(EmissionRow)
emission_versions = _table(EmissionVersion)
private_values = _table(PrivateValue)

LEDGER_TABLES = [
    log_head,
    log_entries,
    merkle_nodes,
    checkpoints,
    issuers,
    emissions,
    emission_versions,
    private_values,
]
"""Every table, in creation order."""

PROJECTION_TABLES = [issuers, emissions, emission_versions]
"""The tables `tamga rebuild` recreates from the journal."""
