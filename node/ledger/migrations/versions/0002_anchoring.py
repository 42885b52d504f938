"""anchoring: deployments, anchor intents and signed attempts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "anchor_deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("contract", sa.String(length=42), nullable=False),
        sa.Column("local", sa.Boolean(), nullable=False),
        sa.Column("deploy_tx", sa.String(length=66), nullable=True),
        sa.Column("deploy_block", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chain_id", "contract", name="uq_anchor_deployments_chain"),
    )
    op.create_table(
        "anchors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("log_root", sa.LargeBinary(), nullable=False),
        sa.Column("state_root", sa.LargeBinary(), nullable=False),
        sa.Column("from_size", sa.BigInteger(), nullable=False),
        sa.Column("sender", sa.String(length=42), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("block_hash", sa.String(length=66), nullable=True),
        sa.Column("anchored_at", sa.BigInteger(), nullable=True),
        sa.Column("gas_used", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["deployment_id"], ["anchor_deployments.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("anchors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_anchors_deployment_id"), ["deployment_id"])
        batch_op.create_index(batch_op.f("ix_anchors_status"), ["status"])

    op.create_table(
        "anchor_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("anchor_id", sa.Integer(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("raw_tx", sa.LargeBinary(), nullable=False),
        sa.Column("gas_limit", sa.BigInteger(), nullable=False),
        sa.Column("max_fee_per_gas", sa.String(length=78), nullable=False),
        sa.Column("max_priority_fee_per_gas", sa.String(length=78), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["anchor_id"], ["anchors.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tx_hash"),
    )
    with op.batch_alter_table("anchor_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_anchor_attempts_anchor_id"), ["anchor_id"])


def downgrade() -> None:
    with op.batch_alter_table("anchor_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_anchor_attempts_anchor_id"))
    op.drop_table("anchor_attempts")
    with op.batch_alter_table("anchors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_anchors_status"))
        batch_op.drop_index(batch_op.f("ix_anchors_deployment_id"))
    op.drop_table("anchors")
    op.drop_table("anchor_deployments")
