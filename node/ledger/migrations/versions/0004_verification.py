"""verification: log-scan cursors, scanned transfers, filed contract sources

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_cursors",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("contract", sa.String(length=42), nullable=False),
        sa.Column("first_block", sa.BigInteger(), nullable=False),
        sa.Column("scanned_to", sa.BigInteger(), nullable=True),
        sa.Column("scanned_hash", sa.String(length=66), nullable=True),
        sa.Column("updated_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "contract"),
    )
    op.create_table(
        "verification_transfers",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("contract", sa.String(length=42), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("sender", sa.String(length=42), nullable=False),
        sa.Column("receiver", sa.String(length=42), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "contract", "block_number", "log_index"),
    )
    op.create_table(
        "verification_sources",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("compiler", sa.String(length=80), nullable=False),
        sa.Column("contract", sa.String(length=300), nullable=False),
        sa.Column("standard_json", sa.Text(), nullable=False),
        sa.Column("filed_at", sa.String(length=40), nullable=False),
        sa.Column("compiled_with", sa.String(length=200), nullable=True),
        sa.Column("runtime_code", sa.Text(), nullable=True),
        sa.Column("immutables", sa.Text(), nullable=True),
        sa.Column("compile_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("sha256", "compiler", "contract"),
    )


def downgrade() -> None:
    op.drop_table("verification_sources")
    op.drop_table("verification_transfers")
    op.drop_table("verification_cursors")
