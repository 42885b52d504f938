"""Schema migrations with Alembic, from the first schema on (`tamga init` runs them)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy import Engine, column, inspect, select, table

from node.errors import StorageError
from node.ledger.db import storage_errors

if TYPE_CHECKING:  # Alembic loads only to migrate: reading commands check the revision by SQL
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD_REVISION: Final = "0007"
"""The newest revision in migrations/versions (tests/db/test_ledger.py holds it equal to
Alembic's head); written out so that checking a database's revision does not load Alembic."""
VERSION_TABLE: Final = "alembic_version"
"""Alembic's default version table (migrations/env.py keeps the default)."""


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, *, revision: str = "head") -> None:
    """Bring the schema up to ``revision``.

    Raises:
        StorageError: the database refused a migration.
    """
    from alembic import command

    config = _config()
    with storage_errors("schema migration"), engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None before `tamga init`), read from Alembic's version
    table as Alembic's ``MigrationContext.get_current_revision`` reads it.

    Raises:
        StorageError: the database failed, or the version table holds more than one revision.
    """
    with storage_errors("read schema revision"), engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        versions = table(VERSION_TABLE, column("version_num"))
        rows = [str(r) for r in conn.execute(select(versions.c.version_num)).scalars()]
    if len(rows) > 1:
        raise StorageError(f"{VERSION_TABLE} holds more than one revision: {', '.join(rows)}")
    return rows[0] if rows else None


def head_revision() -> str:
    """The newest revision shipped with this code."""
    return HEAD_REVISION


def script_head() -> str:
    """The head revision as Alembic computes it from the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head
