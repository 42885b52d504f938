"""SQLModel tables of on-chain verification (migration 0004): log-scan cursors, scanned transfers,
filed contract sources. The findings themselves are ledger entries, not rows here."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text
from sqlmodel import Field, SQLModel


class VerificationCursor(SQLModel, table=True):
    """How far the ``Transfer`` logs of one contract are scanned: the last block and its hash."""

    __tablename__ = "verification_cursors"
    chain_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    contract: str = Field(sa_column=Column(String(42), primary_key=True))
    first_block: int = Field(sa_column=Column(BigInteger, nullable=False))
    scanned_to: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    scanned_hash: str | None = Field(default=None, sa_column=Column(String(66), nullable=True))
    updated_at: str = Field(sa_column=Column(String(40), nullable=False))


class VerificationTransfer(SQLModel, table=True):
    """A scanned mint (from 0x0), burn (to 0x0) or lock (to a sink) of a declared token."""

    __tablename__ = "verification_transfers"
    chain_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    contract: str = Field(sa_column=Column(String(42), primary_key=True))
    block_number: int = Field(sa_column=Column(BigInteger, primary_key=True))
    log_index: int = Field(sa_column=Column(Integer, primary_key=True))
    block_hash: str = Field(sa_column=Column(String(66), nullable=False))
    block_time: int = Field(sa_column=Column(BigInteger, nullable=False))
    tx_hash: str = Field(sa_column=Column(String(66), nullable=False))
    kind: str = Field(sa_column=Column(String(8), nullable=False))
    sender: str = Field(sa_column=Column(String(42), nullable=False))
    receiver: str = Field(sa_column=Column(String(42), nullable=False))
    value: str = Field(sa_column=Column(Text, nullable=False))


class VerificationSource(SQLModel, table=True):
    """A filed contract source (solc standard-JSON input) and, once compiled, the result."""

    __tablename__ = "verification_sources"
    sha256: str = Field(sa_column=Column(String(64), primary_key=True))
    compiler: str = Field(sa_column=Column(String(80), primary_key=True))
    contract: str = Field(sa_column=Column(String(300), primary_key=True))
    standard_json: str = Field(sa_column=Column(Text, nullable=False))
    filed_at: str = Field(sa_column=Column(String(40), nullable=False))
    compiled_with: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    runtime_code: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    immutables: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    compile_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


verification_cursors = _table(VerificationCursor)
verification_transfers = _table(VerificationTransfer)
verification_sources = _table(VerificationSource)
