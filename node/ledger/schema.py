"""The ledger's tables in SQLAlchemy Core (one schema for SQLite and PostgreSQL; Alembic owns
migrations). Core, not SQLModel classes: commands that read the ledger start without the ORM."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

LEDGER_METADATA = MetaData()
"""The ledger's and the witness notes' tables (the other rooms' tables are SQLModel classes on
``SQLModel.metadata``; migrations/env.py and the schema-drift test compare both)."""

log_head = Table(
    "log_head",
    LEDGER_METADATA,
    Column("id", Integer, primary_key=True, default=1),
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary, nullable=False),
)
"""The single row every writer locks first: the size and root of the integrated log."""

log_entries = Table(
    "log_entries",
    LEDGER_METADATA,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(64), nullable=False),
    Column("subject", String(64), nullable=False, index=True),
    Column("leaf", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary, nullable=False),
    Column("recorded_at", String(40), nullable=False),
)
"""One journal entry: the exact leaf bytes (canonical JSON) and their RFC 9162 leaf hash."""

merkle_nodes = Table(
    "merkle_nodes",
    LEDGER_METADATA,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False),
)
"""A perfect-subtree node hash, keyed by ``NodeID.key()`` (level << 56 | index)."""

checkpoints = Table(
    "checkpoints",
    LEDGER_METADATA,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("origin", String(200), nullable=False),
    Column("log_root", LargeBinary, nullable=False),
    Column("state_root", LargeBinary, nullable=False),
    Column("state_size", BigInteger, nullable=False),
    Column("issued_at", String(40), nullable=False),
    Column("signer", String(42), nullable=False),
    Column("signature", LargeBinary, nullable=False),
)
"""A signed checkpoint: tree size, log root, state root, time, signer and EIP-191 signature."""

issuers = Table(
    "issuers",
    LEDGER_METADATA,
    Column("code", String(4), primary_key=True),
    Column("name", Text, nullable=False),
    Column("region", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("record", Text, nullable=False),
    Column("updated_idx", BigInteger, nullable=False),
)
"""Projection: the current public record of an issuer."""

emissions = Table(
    "emissions",
    LEDGER_METADATA,
    Column("application_no", String(16), primary_key=True),
    Column("regno", String(11), unique=True, nullable=True),
    Column("state_key", String(16), nullable=False),
    Column("issuer", String(4), nullable=False, index=True),
    Column("status", String(32), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("blockchain", String(64), nullable=False),
    Column("contract_address", String(128), nullable=False),
    Column("record", Text, nullable=False),
    Column("state_leaf_hash", LargeBinary, nullable=False),
    Column("updated_idx", BigInteger, nullable=False),
    Index("ix_emissions_state_key", "state_key", unique=True),
)
"""Projection: the current public record of an emission (application or registered issue)."""

subjects = Table(
    "subjects",
    LEDGER_METADATA,
    Column("key", String(16), primary_key=True),
    Column("register", String(16), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("status", String(32), nullable=False, index=True),
    Column("record", Text, nullable=False),
    Column("state_leaf_hash", LargeBinary, nullable=False),
    Column("updated_idx", BigInteger, nullable=False),
)
"""Projection: the current public record of a subject of the Law's other registers — a miner
(Law art. 14, keyed by certificate number) or a licence (art. 30.6, keyed by licence number) —
a leaf of the same state tree as the emissions; its versions at checkpoints are kept in
``emission_versions`` with the key in both ``application_no`` and ``state_key`` (one table of
state-tree versions)."""

emission_versions = Table(
    "emission_versions",
    LEDGER_METADATA,
    Column("application_no", String(16), primary_key=True),
    Column("from_size", BigInteger, primary_key=True, autoincrement=False),
    Column("state_key", String(16), nullable=False),
    Column("record", Text, nullable=False),
    Column("state_leaf_hash", LargeBinary, nullable=False),
)
"""Every public state a state-tree subject (an emission; a miner) has had, from the tree size at
which it took effect."""

private_values = Table(
    "private_values",
    LEDGER_METADATA,
    Column("commitment", String(64), primary_key=True),
    Column("subject", String(64), nullable=False, index=True),
    Column("salt", LargeBinary, nullable=False),
    Column("value", Text, nullable=False),
    Column("entry_idx", BigInteger, nullable=False),
)
"""Reg. §66: founders' data, kept off the public log; the log holds only its commitment."""

ledger_requests = Table(
    "ledger_requests",
    LEDGER_METADATA,
    Column("request_id", LargeBinary(32), primary_key=True),
    Column("first_idx", BigInteger, nullable=False),
    Column("end_idx", BigInteger, nullable=False),
    Column("root", LargeBinary, nullable=False),
    Column("recorded_at", String(40), nullable=False, index=True),
)
"""A client's request id (e.g. an HTTP Idempotency-Key) written in the transaction of its entries:
a retry of a request already integrated gets its entries back and writes nothing (kept for
``request_ttl``; not part of the log)."""

LEDGER_TABLES = [
    log_head,
    log_entries,
    merkle_nodes,
    checkpoints,
    issuers,
    emissions,
    subjects,
    emission_versions,
    private_values,
    ledger_requests,
]
"""Every table, in creation order."""

PROJECTION_TABLES = [issuers, emissions, subjects, emission_versions]
"""The tables `tamga rebuild` recreates from the journal."""
