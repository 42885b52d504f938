"""Services test fixtures: a Database (with the anchoring tables) on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from anchoring.services import AnchoringDatabase
from node.clock import FixedClock
from tests.support.scenario import open_ledger

NOW = datetime(2026, 3, 20, 6, 0, tzinfo=UTC)
"""The services' "now": Friday 20 March 2026, 12:00 in Bishkek, after the sample's registration
(16 March) and within its collateral's appraisal."""


@pytest.fixture
def service_clock() -> FixedClock:
    """The clock the services read (``NOW``)."""
    return FixedClock(NOW)


def _database(url: str, clock: FixedClock) -> Iterator[AnchoringDatabase]:
    database = AnchoringDatabase(ledger=open_ledger(url, clock=clock))
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def db(database_url: str, service_clock: FixedClock) -> Iterator[AnchoringDatabase]:
    """An empty, migrated Database on each backend."""
    yield from _database(database_url, service_clock)


@pytest.fixture
def sqlite_db(sqlite_url: str, service_clock: FixedClock) -> Iterator[AnchoringDatabase]:
    """An empty, migrated Database on SQLite."""
    yield from _database(sqlite_url, service_clock)
