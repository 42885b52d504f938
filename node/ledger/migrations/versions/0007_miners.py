"""miners: the projection of the digital register of miners (Law art. 14)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 03:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "miners",
        sa.Column("certificate", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("state_leaf_hash", sa.LargeBinary(), nullable=False),
        sa.Column("updated_idx", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("certificate"),
    )
    op.create_index(op.f("ix_miners_region"), "miners", ["region"], unique=False)
    op.create_index(op.f("ix_miners_status"), "miners", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_miners_status"), table_name="miners")
    op.drop_index(op.f("ix_miners_region"), table_name="miners")
    op.drop_table("miners")
