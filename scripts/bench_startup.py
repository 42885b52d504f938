"""CLI start-up: wall time of `tamga --help` and `tamga emission show`, and import costs.

Each command runs in a fresh process (as a person or a script calls it), on a demo register
(`tamga init` + `tamga demo` in a temporary TAMGA_DATA_DIR); the figure is the median of the runs
with (min–max). `python -X importtime -c "import node.cli.root"` names the modules that cost most.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.5
SHOW_KEY = "KG0101A0011"
BEGIN = "<!-- bench_startup: begin (scripts/bench_startup.py rewrites this section) -->"
END = "<!-- bench_startup: end -->"
IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def _tamga() -> list[str]:
    script = Path(sys.executable).with_name("tamga")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from node.cli import main; main()"]


def _run(command: Sequence[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def _timings(command: Sequence[str], env: dict[str, str], runs: int) -> dict[str, Any]:
    _run(command, env)  # warm the page cache once
    seconds = [_run(command, env) for _ in range(runs)]
    return {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds)}


def import_costs(top: int = 10) -> list[tuple[str, float]]:
    """The direct imports of the root CLI that cost most (cumulative ms, one run)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import node.cli.root"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    costs: list[tuple[str, float]] = []
    for line in done.stderr.splitlines():
        match = IMPORTTIME.match(line)
        if match and len(match.group(3)) in (0, 2):  # node.cli.root itself and what it imports
            costs.append((match.group(4), int(match.group(2)) / 1000))
    return sorted(costs, key=lambda item: -item[1])[:top]


def section(results: dict[str, Any]) -> str:
    """The report's markdown section."""
    rows = []
    for name, label in (("help", "`tamga --help`"), ("show", f"`tamga emission show {SHOW_KEY}`")):
        t = results[name]
        verdict = "met" if t["median"] <= TARGET_S else "**missed**"
        rows.append(
            f"| {label} | {t['median']:.3f} ({t['min']:.3f}–{t['max']:.3f}) | "
            f"≤ {TARGET_S}: {verdict} |"
        )
    imports = ", ".join(f"{name} {ms:.0f}" for name, ms in results["imports"])
    return "\n".join(
        [
            BEGIN,
            "## CLI start-up (`scripts/bench_startup.py`)",
            "",
            f"`python scripts/bench_startup.py` — {results['runs']} runs of each command in a "
            "fresh process on the demo register (bytecode of node/, anchoring/, api/ as "
            "`make install` leaves it); load average "
            f"{results['load_start']} → {results['load_end']}.",
            "",
            "| Command | Wall time, s: median (min–max) | Target |",
            "|---|---|---|",
            *rows,
            "",
            f'`python -X importtime -c "import node.cli.root"`, cumulative ms: {imports}.',
            "",
            END,
        ]
    )


def write_section(path: Path, text: str) -> None:
    """Replace the section between its markers in ``path``; append it when there is none."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    start, end = old.find(BEGIN), old.find(END)
    if start >= 0 and end > start:
        new = old[:start] + text + old[end + len(END) :]
    else:
        new = (old.rstrip("\n") + "\n\n" if old.strip() else "") + text + "\n"
    path.write_text(new, encoding="utf-8")


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the section, and write the JSON and section files when asked."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="runs per command")
    parser.add_argument("--quick", action="store_true", help="3 runs per command (CI)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--out", type=Path, help="write the markdown section here")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else args.runs
    results: dict[str, Any] = {
        "script": "bench_startup",
        "mode": "quick" if args.quick else "full",
        "runs": runs,
        "load_start": _load(),
    }
    tamga = _tamga()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TAMGA_")}
        env["TAMGA_DATA_DIR"] = str(Path(tmp) / "data")
        for setup in (["init"], ["demo"]):
            subprocess.run([*tamga, *setup], cwd=ROOT, env=env, capture_output=True, check=True)
        results["help"] = _timings([*tamga, "--help"], env, runs)
        results["show"] = _timings([*tamga, "emission", "show", SHOW_KEY], env, runs)
    results["imports"] = import_costs()
    results["load_end"] = _load()
    text = section(results)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    if args.out:
        write_section(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
