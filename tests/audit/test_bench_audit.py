"""Smoke test of scripts/bench_audit.py: a tiny run writes its section (no speed is asserted)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_audit.py"


def test_a_tiny_run_rewrites_only_its_own_section(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    out.write_text(
        "# Benchmarks\n\nkept before\n\n"
        "<!-- bench_audit: begin (scripts/bench_audit.py rewrites this section) -->\nold\n"
        "<!-- bench_audit: end -->\n\nkept after\n",
        encoding="utf-8",
    )
    command = [
        sys.executable,
        str(SCRIPT),
        "--size",
        "2500",
        "--checkpoints",
        "5",
        "--issuers",
        "2",
        "--per-issuer",
        "2",
        "--runs",
        "1",
        "--bundle-runs",
        "1",
        "--workdir",
        str(tmp_path / "work"),
        "--out",
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nkept before\n")
    assert text.endswith("\n\nkept after\n")
    assert "\nold\n" not in text
    row = next(line for line in text.splitlines() if line.startswith("| `tamga audit` of"))
    assert "2,500 entries and 5 anchored checkpoints" in row
    assert re.search(r"\| [\d.]+ s \(runs: [\d.]+\) \| ≤ 60 s \| (met|\*\*missed\*\*)", row)
    bundles = [line for line in text.splitlines() if line.startswith("| `tamga audit bundle`")]
    assert len(bundles) == 2
    # --reuse times the kept register again on the chain state anvil saved
    again = subprocess.run(
        [*command, "--reuse"], capture_output=True, text=True, timeout=300, check=False
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert "reusing the register of 2,500 entries" in again.stderr
