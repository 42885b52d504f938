"""Fast start: `import node.cli` and reading commands leave the heavy libraries unloaded.

`tamga --help` and `tamga emission show` must start quickly (docs/benchmarks.md, "CLI start-up");
what makes them slow is importing web3, the HTTP API, PDF/QR, compilers or the scheduler. These
tests fail when such a module is imported again at start-up, and check that the lazily loaded
commands look in `tamga --help` exactly as the real ones do. No timing assertions (speed is
measured by hand, see docs/benchmarks.md).
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from cli_support import Invoke
from typer.testing import CliRunner

from node import cli

ROOT = Path(__file__).resolve().parents[2]

HEAVY = (
    "web3",
    "eth_account",
    "eth_keys",
    "py_ecc",
    "fastapi",
    "starlette",
    "uvicorn",
    "reportlab",
    "segno",
    "solcx",
    "apscheduler",
    "alembic",
    "httpx",
)
"""Top-level packages that no command needs just to start (nor `emission show` at all)."""

_REPORT_MODULES = """
import json, os, sys
from node.cli import main
sys.argv[0] = "tamga"
try:
    main()
finally:
    with open(os.environ["STARTUP_MODULES_FILE"], "w") as out:
        json.dump(sorted(sys.modules), out)
"""


def _heavy(modules: list[str]) -> list[str]:
    return sorted({m for m in modules if m.split(".")[0] in HEAVY})


def _modules_after(
    tmp_path: Path, *args: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run ``tamga ARGS…`` in a fresh interpreter; its result and every module it imported."""
    report = tmp_path / "modules.json"
    env = {**os.environ, "STARTUP_MODULES_FILE": str(report), "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-c", _REPORT_MODULES, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    modules: list[str] = json.loads(report.read_text())
    return result, modules


def test_importing_the_cli_loads_no_heavy_module() -> None:
    code = "import node.cli.root, sys; print(sorted(m for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    modules = ast.literal_eval(result.stdout)
    assert "node.cli.root" in modules and "typer" in modules  # the probe sees the real import
    assert _heavy(modules) == []


def test_help_loads_no_heavy_module(tmp_path: Path) -> None:
    result, modules = _modules_after(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    assert "anchor" in result.stdout and "emission" in result.stdout
    assert _heavy(modules) == []


def test_emission_show_loads_no_heavy_module(demo: Invoke, tmp_path: Path) -> None:
    """A reading command opens the ledger without eth_account (no key is opened) or Alembic
    (the schema revision is read by SQL)."""
    result, modules = _modules_after(tmp_path, "emission", "show", "KG0101A0011")
    assert result.returncode == 0, result.stderr
    assert "KG0101A0011" in result.stdout and "circulating" in result.stdout
    assert "node.ledger.service" in modules
    assert _heavy(modules) == []


def test_a_lazy_command_loads_its_modules_when_it_runs(tmp_path: Path) -> None:
    """The probe is not blind: `tamga anchor --help` does import the anchoring code and web3."""
    result, modules = _modules_after(tmp_path, "anchor", "--help")
    assert result.returncode == 0, result.stderr
    assert "node.cli.anchor" in modules
    assert "web3" in _heavy(modules) or "eth_account" in _heavy(modules)


@pytest.mark.parametrize("name", sorted(cli._LAZY))
def test_lazy_summaries_are_the_real_commands_help(name: str) -> None:
    placeholder = typer.main.get_command(cli.app).commands[name]  # type: ignore[attr-defined]
    real = cli.lazy_command(name)
    assert real.name == name
    first_paragraph = inspect.cleandoc(real.help or "").split("\n\n")[0]
    assert placeholder.help == first_paragraph
    assert (placeholder.hidden, placeholder.deprecated) == (real.hidden, real.deprecated)
    assert isinstance(placeholder, typer.core.TyperGroup) == isinstance(real, typer.core.TyperGroup)


def test_root_help_is_the_same_with_the_real_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """`tamga --help` printed from the placeholders equals the help of the real commands."""
    runner = CliRunner()
    lazy = runner.invoke(cli.app, ["--help"], env={"COLUMNS": "120"})
    real_commands = {name: cli.lazy_command(name) for name in cli._LAZY}
    group_cls = cli._TamgaGroup
    original = group_cls.get_command
    served: set[str] = set()

    def real_get_command(self: typer.core.TyperGroup, ctx: object, name: str) -> object:
        if name in real_commands:
            served.add(name)
            return real_commands[name]
        return original(self, ctx, name)  # type: ignore[arg-type]

    monkeypatch.setattr(group_cls, "get_command", real_get_command)
    eager = runner.invoke(cli.app, ["--help"], env={"COLUMNS": "120"})
    assert served == set(cli._LAZY)  # the help was rendered from the real commands
    assert lazy.exit_code == eager.exit_code == 0
    assert "monitor" in lazy.output and "token" in lazy.output
    assert lazy.output == eager.output


def test_one_exit_code_table_for_tamga_and_tamga_audit() -> None:
    from node.cli import audit, errors
    from node.errors import ConfigError, NotFound, RuleViolation, VerificationError

    assert audit.EXIT_FAILED == errors.EXIT_VERIFICATION == 4
    assert (errors.EXIT_EQUIVOCATION, errors.EXIT_ALARM) == (6, 7)
    assert audit.AuditGroup.invoke is cli._TamgaGroup.invoke is errors.ReportsErrors.invoke
    assert errors.exit_code(RuleViolation(field="f", rule="r", paragraph="p", message="m")) == 3
    assert errors.exit_code(VerificationError("bad")) == 4
    assert errors.exit_code(NotFound(kind="emission", key="KG0")) == 5  # tamga-audit too (was 1)
    assert errors.exit_code(ConfigError("cfg")) == 1
