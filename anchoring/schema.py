"""SQLModel tables of the anchoring publisher: deployments, anchor intents and signed attempts."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)
from sqlalchemy import UniqueConstraint as Unique
from sqlmodel import Field, SQLModel


class AnchorDeployment(SQLModel, table=True):
    """A RegistryAnchor contract this node anchors to (one per chain and address).

    ``local`` marks a contract that `tamga up` deployed on its own anvil; ``deploy_block`` is
    where reading ``Anchored`` events back starts.
    """

    __tablename__ = "anchor_deployments"
    __table_args__ = (Unique("chain_id", "contract", name="uq_anchor_deployments_chain"),)
    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    chain_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    contract: str = Field(sa_column=Column(String(42), nullable=False))
    local: bool = Field(sa_column=Column(Boolean, nullable=False))
    deploy_tx: str | None = Field(default=None, sa_column=Column(String(66), nullable=True))
    deploy_block: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: str = Field(sa_column=Column(String(40), nullable=False))


class AnchorRow(SQLModel, table=True):
    """One anchor of a checkpoint: recorded as an intent before any transaction is sent.

    ``status`` is an ``AnchorStatus``; ``from_size`` is the anchored tree size the consistency
    proof starts from; the block fields are filled once a transaction of it is mined.
    """

    __tablename__ = "anchors"
    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    deployment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("anchor_deployments.id"), nullable=False, index=True)
    )
    tree_size: int = Field(sa_column=Column(BigInteger, nullable=False))
    log_root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    state_root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    from_size: int = Field(sa_column=Column(BigInteger, nullable=False))
    sender: str = Field(sa_column=Column(String(42), nullable=False))
    nonce: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    tx_hash: str | None = Field(default=None, sa_column=Column(String(66), nullable=True))
    block_number: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    block_hash: str | None = Field(default=None, sa_column=Column(String(66), nullable=True))
    anchored_at: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    gas_used: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: str = Field(sa_column=Column(String(40), nullable=False))
    updated_at: str = Field(sa_column=Column(String(40), nullable=False))


class AnchorAttempt(SQLModel, table=True):
    """One signed transaction of an anchor (same nonce; a fee bump makes a new attempt).

    Written before the transaction is broadcast, so a crash can never lose a sent transaction.
    Fees are decimal strings of wei.
    """

    __tablename__ = "anchor_attempts"
    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    anchor_id: int = Field(
        sa_column=Column(Integer, ForeignKey("anchors.id"), nullable=False, index=True)
    )
    tx_hash: str = Field(sa_column=Column(String(66), nullable=False, unique=True))
    raw_tx: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    gas_limit: int = Field(sa_column=Column(BigInteger, nullable=False))
    max_fee_per_gas: str = Field(sa_column=Column(String(78), nullable=False))
    max_priority_fee_per_gas: str = Field(sa_column=Column(String(78), nullable=False))
    created_at: str = Field(sa_column=Column(String(40), nullable=False))


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


anchor_deployments = _table(AnchorDeployment)
anchors = _table(AnchorRow)
anchor_attempts = _table(AnchorAttempt)

ANCHORING_TABLES = [anchor_deployments, anchors, anchor_attempts]
"""Every anchoring table, in creation order (migration 0002)."""
