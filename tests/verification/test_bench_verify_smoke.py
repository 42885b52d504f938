"""Smoke test of scripts/bench_verify.py: a tiny run prints a complete section (no speed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_verify.py"


def test_a_tiny_run_writes_its_section(tmp_path: Path) -> None:
    report = tmp_path / "benchmarks.md"
    report.write_text("# Benchmarks\n\nkept\n", encoding="utf-8")
    command = [sys.executable, str(SCRIPT), "--quick", "--tokens", "8", "--logs", "500"]
    for _ in range(2):  # the second run replaces the section, not appends
        done = subprocess.run(
            [*command, "--write", str(report)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nkept\n")
    assert text.count("<!-- bench_verify: start -->") == 1
    for row in (
        "8 tokens: code hash, metadata, total supply, balances",
        "8 tokens: full `Verifier.run`",
        "Burn scan: `eth_getLogs` + decode + store, 502 Transfer logs",
        "decoding alone",
    ):
        assert row in text, row
