"""Contract toolchain tests: they need Node.js and `npm ci` (node_modules/); marker `npm`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.contracts.toolchain import ROOT


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "npm: needs Node.js and the npm packages of package.json (`npm ci`)"
    )


@pytest.fixture(scope="session")
def node_toolchain() -> Path:
    """The solc wrapper, once Node.js and node_modules/solc are known to be there.

    Fails (does not skip): `make test` runs `npm ci` first, so a missing toolchain is a bug.
    """
    if shutil.which("node") is None:
        pytest.fail("Node.js is not installed (`node` not on PATH)")
    if not (ROOT / "node_modules" / "solc" / "package.json").exists():
        pytest.fail("node_modules/solc is missing: run `npm ci`")
    return ROOT / "scripts" / "solc"
