"""Smoke test of scripts/bench_witness.py: a tiny run writes its section and its JSON (no speed
is asserted)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_witness.py"
BEGIN = "<!-- bench_witness: begin (scripts/bench_witness.py rewrites this section) -->"
END = "<!-- bench_witness: end -->"


def test_quick_run_writes_its_section_and_json(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    out.write_text(f"# Benchmarks\n\nkept\n\n{BEGIN}\nold\n{END}\n")
    figures = tmp_path / "witness.json"
    args = ["--requests", "10", "--runs", "1", "--quick", "--out", str(out), "--json", str(figures)]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    section = done.stdout.strip("\n")
    assert section.startswith(BEGIN) and section.endswith(END)
    assert out.read_text() == f"# Benchmarks\n\nkept\n\n{section}\n"
    row = next(line for line in section.splitlines() if line.startswith("| Cosignatures"))
    assert re.search(r"\| [\d,]+ \([\d,]+–[\d,]+\) cosignatures/s \|$", row), row
    data = json.loads(figures.read_text())
    assert data["script"] == "bench_witness" and data["mode"] == "quick"
    (figure,) = data["figures"]
    assert figure["key"] == "witness_cosign_rate" and figure["runs"] == 1 and figure["median"] > 0
