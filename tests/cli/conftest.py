"""CLI test fixtures: an isolated TAMGA_DATA_DIR, a CliRunner with a fixed clock, the demo."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cli_support import Invoke
from typer.testing import CliRunner, Result

from node.cli import CliOverrides, app
from node.clock import FixedClock

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
"""The tests' "now": Friday 20 November 2026, 12:00 in Bishkek, after the demo's last day."""


def _clear_tamga_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("TAMGA_"):
            monkeypatch.delenv(key)


@pytest.fixture
def cli_clock() -> FixedClock:
    """The clock injected into CLI runs."""
    return FixedClock(NOW)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data directory, set as TAMGA_DATA_DIR."""
    _clear_tamga_env(monkeypatch)
    directory = tmp_path / "data"
    monkeypatch.setenv("TAMGA_DATA_DIR", str(directory))
    return directory


@pytest.fixture
def tamga(data_dir: Path, cli_clock: FixedClock) -> Invoke:
    """Run ``tamga ARGS…`` in-process; stdout and stderr are kept apart."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(
            app, list(args), obj=CliOverrides(clock=cli_clock), env={"COLUMNS": "200"}
        )

    return invoke


@pytest.fixture
def initialised(tamga: Invoke) -> Invoke:
    """``tamga`` on an initialised, empty ledger."""
    result = tamga("init")
    assert result.exit_code == 0, result.output
    return tamga


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the demo loaded (made once; tests get copies)."""
    directory = tmp_path_factory.mktemp("demo") / "data"
    runner = CliRunner()
    env: dict[str, str | None] = {key: None for key in os.environ if key.startswith("TAMGA_")}
    env["TAMGA_DATA_DIR"] = str(directory)
    for command in ("init", "demo"):
        result = runner.invoke(app, [command], env=env)
        assert result.exit_code == 0, result.output
    return directory


@pytest.fixture
def demo(tamga: Invoke, data_dir: Path, demo_template: Path) -> Invoke:
    """``tamga`` on a private copy of the demo register."""
    shutil.copytree(demo_template, data_dir)
    return tamga
