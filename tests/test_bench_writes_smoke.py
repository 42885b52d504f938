"""Smoke test of scripts/bench_writes.py: a --quick run against two real `tamga up` (this
checkout and a worktree of HEAD as the peer) finds every acknowledged write in the log, passes
`tamga check` and reports every figure (no speed is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_writes.py"
BEGIN = "<!-- bench_writes: begin (scripts/bench_writes.py rewrites this section) -->"
END = "<!-- bench_writes: end -->"


@pytest.mark.slow
def test_quick_run_checks_the_writes_and_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    out.write_text(f"# Benchmarks\n\nkept\n\n{BEGIN}\nstale figures\n{END}\n", encoding="utf-8")
    figures = tmp_path / "writes.json"
    done = subprocess.run(
        [
            *(sys.executable, str(SCRIPT), "--quick", "--runs", "1", "--seconds", "2"),
            *("--peer-ref", "HEAD", "--out", str(out), "--json", str(figures)),
            *("--workdir", str(tmp_path / "work")),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = out.read_text(encoding="utf-8")
    assert report.startswith("# Benchmarks\n\nkept\n\n" + BEGIN)
    assert "stale figures" not in report
    assert "| Durable writes/s, median (min–max) |" in report
    data = json.loads(figures.read_text(encoding="utf-8"))
    assert data["script"] == "bench_writes"
    by_key = {f["key"]: f for f in data["figures"]}
    assert set(by_key) == {"api_write_rps", "api_write_p50", "api_write_p99", "api_write_cpu"}
    for figure in by_key.values():
        assert figure["median"] > 0
        assert figure["peer"]["median"] > 0
    details = json.loads(data["notes"][0])
    for side in details.values():
        assert side["acknowledged"] > 0
        assert side["fee_payments_in_log"] >= side["acknowledged"]
    assert not (tmp_path / "work" / "peer").exists()  # the peer's worktree is removed
