"""Reliability tests: the counts of hostile examples tried, printed at the end of a run (the
figures of docs/reliability.md; run without -n, or the workers keep their own counts)."""

from __future__ import annotations

from typing import Any

from tests.reliability.hostile_support import EXAMPLES


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if EXAMPLES:
        terminalreporter.write_sep("-", "hostile examples tried")
        for name, count in sorted(EXAMPLES.items()):
            terminalreporter.write_line(f"{count:7d}  {name}")
