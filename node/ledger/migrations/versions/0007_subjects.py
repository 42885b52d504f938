"""subjects: the projection of the Law's other registers (miners, art. 14; licences, art. 30.6)

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
        "subjects",
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("register", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("state_leaf_hash", sa.LargeBinary(), nullable=False),
        sa.Column("updated_idx", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(op.f("ix_subjects_register"), "subjects", ["register"], unique=False)
    op.create_index(op.f("ix_subjects_status"), "subjects", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_subjects_status"), table_name="subjects")
    op.drop_index(op.f("ix_subjects_register"), table_name="subjects")
    op.drop_table("subjects")
