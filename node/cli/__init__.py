"""The one CLI: `tamga` (node/cli/root.py and a module per command group) and the stand-alone
`tamga-audit` (node/cli/audit.py), sharing one error-to-exit-code mapper (node/cli/errors.py).

The composition root: only this package of `node` may import `anchoring` and `api`. Importing
the package loads nothing else, so `tamga-audit` stays free of ledger and database code; the
root app and its helpers load on first use (``from node.cli import app``).
"""

from __future__ import annotations

import importlib
from typing import Any


def main() -> None:
    """Run `tamga`."""
    from node.cli.root import main as run

    run()


def __getattr__(name: str) -> Any:
    """``node.cli.<name>``: the root app's attributes (``app``, ``CliOverrides``, …), loaded on
    first use.

    Raises:
        AttributeError: the root app has no such attribute.
    """
    if name.startswith("__"):
        raise AttributeError(name)
    root = importlib.import_module("node.cli.root")
    try:
        return getattr(root, name)
    except AttributeError:
        raise AttributeError(f"module 'node.cli' has no attribute {name!r}") from None
