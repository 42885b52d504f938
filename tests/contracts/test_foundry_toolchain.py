"""node_modules/.bin/{forge,anvil,cast}: the pinned Foundry binaries, with their exit codes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.contracts.toolchain import ROOT

pytestmark = pytest.mark.npm

TOOLS = ["forge", "anvil", "cast"]


def _pinned(tool: str) -> str:
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    version: str = package["optionalDependencies"][f"@foundry-rs/{tool}-linux-amd64"]
    return version


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_is_the_pinned_version(node_toolchain: Path, tool: str) -> None:
    result = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / tool), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{tool} Version: {_pinned(tool)}")


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_failure_is_a_failing_exit_code(node_toolchain: Path, tool: str) -> None:
    # The @foundry-rs/<tool> npm launchers exit 0 whatever the tool returns, which would let a
    # failing `forge test` pass `make test`; the platform packages link the binary itself.
    result = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / tool), "--no-such-option"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
