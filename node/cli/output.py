"""How commands print: tables on a console sized for pipes, JSON, progress bars on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import typer
from rich.console import Console


def out() -> Console:
    """The console for tables: piped output (make run, CI logs) gets 160 columns, not 80."""
    width = None if sys.stdout.isatty() else 160
    return Console(highlight=False, soft_wrap=True, width=width)


def echo_json(value: Any) -> None:
    """Print ``value`` as indented JSON (decimals and dates as text)."""
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=json_default))


def json_default(value: Any) -> Any:
    """JSON of the values commands print that json does not know.

    Raises:
        TypeError: anything else.
    """
    if isinstance(value, Decimal | date | datetime):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


@contextmanager
def progress(width: int = 11) -> Iterator[Callable[[str, int, int], None]]:
    """Progress bars on stderr, one per stage: ``report(stage, done, total)``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bars = Progress(
        TextColumn(f"{{task.description:<{width}}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=total)
        bars.update(tasks[stage], completed=done, total=total)

    with bars:
        yield report
