"""Smoke test of scripts/bench_startup.py: a --quick run rewrites its section and writes its JSON
(complete, well-formed; no speed is asserted)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_startup.py"
BEGIN = "<!-- bench_startup: begin (scripts/bench_startup.py rewrites this section) -->"
END = "<!-- bench_startup: end -->"


def test_quick_run_writes_its_section_and_json(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    out.write_text(f"# Benchmarks\n\nkept before\n\n{BEGIN}\nold\n{END}\n\nkept after\n")
    figures = tmp_path / "startup.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(out), "--json", str(figures)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    section = done.stdout.strip("\n")
    assert section.startswith(BEGIN) and section.endswith(END)
    assert out.read_text(encoding="utf-8") == (
        f"# Benchmarks\n\nkept before\n\n{section}\n\nkept after\n"
    )
    for command in ("`tamga --help`", "`tamga emission show KG0101A0011`"):
        row = next(line for line in section.splitlines() if line.startswith(f"| {command}"))
        assert re.search(r"\| [\d.]+ \([\d.]+–[\d.]+\) \| ≤ 0.5: (met|\*\*missed\*\*) \|$", row)
    assert re.search(r"import node.cli.root\"`, cumulative ms: node\.cli\.root \d+, ", section)
    data = json.loads(figures.read_text(encoding="utf-8"))
    assert (data["script"], data["mode"], data["runs"]) == ("bench_startup", "quick", 3)
    for name in ("help", "show"):
        assert 0 < data[name]["min"] <= data[name]["median"] <= data[name]["max"]
    assert data["imports"][0][0] == "node.cli.root"
