"""Alembic environment: runs the ledger migrations on the connection handed over by ``migrate``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import node.ledger.witness_store  # noqa: F401  (the witness tables, on LEDGER_METADATA)
from node.ledger.schema import LEDGER_METADATA

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through node.ledger.migrate.upgrade()")
context.configure(
    connection=connection,
    target_metadata=[SQLModel.metadata, LEDGER_METADATA],
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
