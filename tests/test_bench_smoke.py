"""Smoke test of scripts/bench_ledger.py: a tiny --quick run writes a complete report (no speed)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_ledger.py"

ROWS = (
    "Durable appends, 1 entry per transaction",
    "Durable appends, 1,000 entries per transaction",
    "hashlib SHA-256 of the same leaves",
    "Durable appends, 5,000 per transaction, growing the log to 12,000",
    "Inclusion proof at 12,000",
    "Consistency proof at 12,000",
    "`tamga check` (check_ledger) over 12,000 entries",
)


def test_quick_run_writes_a_report(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    workdir = tmp_path / "work"
    command = [sys.executable, str(SCRIPT), "--quick", "--size", "12000", "--out", str(out)]
    done = subprocess.run(
        [*command, "--workdir", str(workdir)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = out.read_text(encoding="utf-8")
    assert report == done.stdout.rstrip("\n") + "\n"
    assert report.startswith("# Benchmarks\n")
    for heading in ("## Machine", "## Results", "## Method"):
        assert heading in report
    lines = report.splitlines()
    for name in ROWS:
        row = next((line for line in lines if line.startswith(f"| {name}")), None)
        assert row is not None, f"missing row {name!r}"
        tamga = row.split(" | ")[1]
        assert re.fullmatch(r"[\d,.]+ \([\d,.]+–[\d,.]+\) (entries/s|ms|s)", tamga), row
    for timed in ROWS[-3:]:
        row = next(line for line in lines if line.startswith(f"| {timed}"))
        assert re.search(r"\| (met|\*\*missed\*\*) \(", row), row
    # The ledger and the peer's databases were really written (and are kept with --workdir).
    assert (workdir / "ledger.sqlite").stat().st_size > 0
    assert (workdir / "pymerkle.sqlite").stat().st_size > 0
