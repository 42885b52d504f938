"""requests: client request ids written with their entries; idempotency-key claim leases

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 03:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_requests",
        sa.Column("request_id", sa.LargeBinary(length=32), nullable=False),
        sa.Column("first_idx", sa.BigInteger(), nullable=False),
        sa.Column("end_idx", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("request_id"),
    )
    op.create_index(
        op.f("ix_ledger_requests_recorded_at"), "ledger_requests", ["recorded_at"], unique=False
    )
    with op.batch_alter_table("api_idempotency") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_idempotency") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("owner")
    op.drop_index(op.f("ix_ledger_requests_recorded_at"), table_name="ledger_requests")
    op.drop_table("ledger_requests")
