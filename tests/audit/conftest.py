"""Audit fixtures: one real anvil and one anchored register per test process, copied per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_world import World, build_world

from node.chain.anvil import AnvilProcess
from node.domain.calendar import WorkingCalendar, kyrgyz_calendar


@pytest.fixture(scope="session")
def audit_anvil() -> Iterator[AnvilProcess]:
    """A real anvil (automine) on a free loopback port, stopped at the end of the session."""
    process = AnvilProcess.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="session")
def world(audit_anvil: AnvilProcess, tmp_path_factory: pytest.TempPathFactory) -> World:
    """The anchored register (built once; tests tamper with copies, never with it)."""
    return build_world(tmp_path_factory.mktemp("audit-world"), audit_anvil.url)


@pytest.fixture(scope="session")
def calendar() -> WorkingCalendar:
    """The Kyrgyz working-day calendar."""
    return kyrgyz_calendar()


@pytest.fixture
def clean_export(world: World, tmp_path: Path) -> Path:
    """A fresh export of the untampered register."""
    return world.export(tmp_path / "export")
