"""Strict-leaf fixtures: one real anvil and the anchored register of tests/audit, per session."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "audit"))

from audit_world import World, build_world

from anchoring.localchain import AnvilProcess
from node.domain.calendar import WorkingCalendar, kyrgyz_calendar


@pytest.fixture(scope="session")
def strict_anvil() -> Iterator[AnvilProcess]:
    """A real anvil (automine) on a free loopback port, stopped at the end of the session."""
    process = AnvilProcess.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="session")
def world(strict_anvil: AnvilProcess, tmp_path_factory: pytest.TempPathFactory) -> World:
    """The anchored register of tests/audit (built once; tests work on copies)."""
    return build_world(tmp_path_factory.mktemp("strict-world"), strict_anvil.url)


@pytest.fixture(scope="session")
def calendar() -> WorkingCalendar:
    """The Kyrgyz working-day calendar."""
    return kyrgyz_calendar()
