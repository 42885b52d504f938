"""Shared by the benchmark scripts: the `--json` figures and series that scripts/bench.py reads.

Every script that takes ``--json PATH`` writes one object::

    {"script": "bench_ledger", "mode": "full" | "quick",
     "figures": [Figure.to_json(), ...],      # every measured quantity, with peer and target
     "series": [Series.to_json(), ...],       # how a cost grows with size, for the plots
     "notes": ["...", ...]}

A figure is the median with min–max over its runs (or calls, for latencies); ``peer`` is the same
quantity for what a user would otherwise use, measured in the same run on the same data; the
ratio is "how many times better than the peer" (above 1: Tamga is better); the verdict compares
the median with the target from the capability issues.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

Op = Literal[">=", "<=", "<"]


@dataclasses.dataclass(frozen=True)
class Target:
    """A speed target of a capability issue: ``median OP value``."""

    op: Op
    value: float
    text: str

    def met(self, median: float) -> bool:
        """Whether ``median`` meets the target."""
        if self.op == ">=":
            return median >= self.value
        if self.op == "<=":
            return median <= self.value
        return median < self.value

    def verdict(self, median: float) -> str:
        """``met``/``missed`` with the margin: the percentage and the factor still needed."""
        if median <= 0:
            return "not measured"
        if self.op == ">=":
            if median >= self.value:
                return f"met (+{(median / self.value - 1) * 100:.0f}%)"
            return (
                f"**missed** (−{(1 - median / self.value) * 100:.0f}%; "
                f"needs {self.value / median:.2f}×)"
            )
        if self.met(median):
            return f"met ({self.value / median:.1f}× under)"
        over = median / self.value
        return f"**missed** (+{(over - 1) * 100:.0f}%; needs {over:.2f}×)"


@dataclasses.dataclass(frozen=True)
class Stat:
    """Median, min and max of samples."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stat:
        """The statistics of ``samples`` (at least one)."""
        values = [float(v) for v in samples]
        return cls(statistics.median(values), min(values), max(values), len(values))

    def to_json(self) -> dict[str, float | int]:
        """The wire form."""
        return {"median": self.median, "min": self.low, "max": self.high, "runs": self.runs}


@dataclasses.dataclass(frozen=True)
class Figure:
    """One measured quantity of a benchmark, with its peer and target."""

    key: str
    name: str
    unit: str
    ours: Stat
    higher_is_better: bool
    peer_name: str | None = None
    peer: Stat | None = None
    target: Target | None = None
    issue_target: str | None = None
    """The target of the issue this figure answers (the summary table's row), if any."""
    at: str = ""
    """Where it was measured (``"at 1,000,000 entries"``), for the summary."""
    min_ratio: float | None = None
    """A second target: at least this many times better than the peer."""

    def verdict(self) -> str | None:
        """The target's verdict, with the peer ratio's when there is one."""
        if self.target is None:
            return None
        verdict = self.target.verdict(self.ours.median)
        ratio = self.ratio()
        if self.min_ratio is None or ratio is None:
            return verdict
        if ratio >= self.min_ratio:
            return f"{verdict}; {ratio:.1f}× the peer: met"
        return f"{verdict}; {ratio:.1f}× the peer: **missed** (needs {self.min_ratio:g}×)"

    def ratio(self) -> float | None:
        """How many times better than the peer (medians; above 1: better)."""
        if self.peer is None or self.peer.median <= 0 or self.ours.median <= 0:
            return None
        if self.higher_is_better:
            return self.ours.median / self.peer.median
        return self.peer.median / self.ours.median

    def to_json(self) -> dict[str, Any]:
        """The wire form read by scripts/bench.py."""
        return {
            "key": self.key,
            "name": self.name,
            "unit": self.unit,
            **self.ours.to_json(),
            "higher_is_better": self.higher_is_better,
            "peer": None if self.peer is None else {"name": self.peer_name, **self.peer.to_json()},
            "ratio": self.ratio(),
            "target": None
            if self.target is None
            else {"op": self.target.op, "value": self.target.value, "text": self.target.text},
            "verdict": self.verdict(),
            "issue_target": self.issue_target,
            "at": self.at,
        }


def figure(
    key: str,
    name: str,
    unit: str,
    samples: Sequence[float],
    *,
    higher_is_better: bool,
    peer_name: str | None = None,
    peer: Sequence[float] | None = None,
    target: Target | None = None,
    issue_target: str | None = None,
    at: str = "",
    min_ratio: float | None = None,
) -> Figure:
    """A figure from raw samples (ours and, if given, the peer's)."""
    return Figure(
        key=key,
        name=name,
        unit=unit,
        ours=Stat.of(samples),
        higher_is_better=higher_is_better,
        peer_name=peer_name if peer else None,
        peer=Stat.of(peer) if peer else None,
        target=target,
        issue_target=issue_target,
        at=at,
        min_ratio=min_ratio,
    )


@dataclasses.dataclass
class Series:
    """How a cost grows: one line per system, points (x, median, min, max)."""

    key: str
    title: str
    x_label: str
    y_label: str
    log_x: bool = True
    log_y: bool = True
    lines: dict[str, list[tuple[float, float, float, float]]] = dataclasses.field(
        default_factory=dict
    )
    hlines: dict[str, float] = dataclasses.field(default_factory=dict)
    """Horizontal reference lines (a target, a physical limit), by label."""

    def add(self, line: str, x: float, samples: Sequence[float]) -> None:
        """One point of ``line`` at ``x`` from its samples."""
        stat = Stat.of(samples)
        self.lines.setdefault(line, []).append((float(x), stat.median, stat.low, stat.high))

    def to_json(self) -> dict[str, Any]:
        """The wire form read by scripts/bench.py."""
        return {
            "key": self.key,
            "title": self.title,
            "x_label": self.x_label,
            "y_label": self.y_label,
            "log_x": self.log_x,
            "log_y": self.log_y,
            "lines": {
                name: [{"x": x, "median": m, "min": lo, "max": hi} for x, m, lo, hi in points]
                for name, points in self.lines.items()
            },
            "hlines": self.hlines,
        }


def write_json(
    path: Path,
    *,
    script: str,
    mode: str,
    figures: Sequence[Figure],
    series: Sequence[Series] = (),
    notes: Sequence[str] = (),
) -> None:
    """Write the ``--json`` file of a benchmark script."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "script": script,
        "mode": mode,
        "figures": [f.to_json() for f in figures],
        "series": [s.to_json() for s in series],
        "notes": list(notes),
    }
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def replace_section(path: Path, begin: str, end: str, section: str) -> None:
    """Replace the text between ``begin`` and ``end`` in ``path`` (markers included) by
    ``section``, or append it; everything else in the file stays as it was."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    body = section.strip("\n")
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + body + tail
    else:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + body + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"
