"""Smoke test of scripts/bench_ledger.py: a tiny --quick run writes its section and its JSON
(complete, well-formed; no speed is asserted)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_ledger.py"
BEGIN = "<!-- bench_ledger: begin (scripts/bench_ledger.py rewrites this section) -->"
END = "<!-- bench_ledger: end -->"

ROWS = (
    "Durable appends, 1 entry per transaction, at 12,000 entries",
    "Durable appends, 1,000 entries per transaction, at 12,000 entries",
    "Durable appends, 5,000 per transaction, growing the log to 12,000",
    "hashlib SHA-256 of the same leaves",
    "Inclusion proof at 12,000",
    "Consistency proof at 12,000",
    "`tamga check` (check_ledger) over 12,000 entries",
)
TARGETED = ("append-single", "append-batched", "proof-inclusion", "proof-consistency", "check")


def test_quick_run_writes_its_section_and_json(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    out.write_text(f"# Benchmarks\n\nkept before\n\n{BEGIN}\nold\n{END}\n\nkept after\n")
    workdir = tmp_path / "work"
    figures = tmp_path / "ledger.json"
    command = [sys.executable, str(SCRIPT), "--quick", "--size", "12000", "--out", str(out)]
    done = subprocess.run(
        [*command, "--workdir", str(workdir), "--json", str(figures)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = out.read_text(encoding="utf-8")
    section = done.stdout.strip("\n")
    assert section.startswith(BEGIN)
    assert section.endswith(END)
    assert report == f"# Benchmarks\n\nkept before\n\n{section}\n\nkept after\n"
    assert "## Ledger (`scripts/bench_ledger.py`)" in section
    assert "### Method" in section
    lines = section.splitlines()
    for name in ROWS:
        row = next((line for line in lines if line.startswith(f"| {name}")), None)
        assert row is not None, f"missing row {name!r}"
        tamga = row.split(" | ")[1]
        assert re.fullmatch(r"[\d,.]+( \([\d,.]+–[\d,.]+\))? (entries/s|ms|s)", tamga), row
    for timed in ROWS[-3:]:
        row = next(line for line in lines if line.startswith(f"| {timed}"))
        assert re.search(r"\| (met|\*\*missed\*\*) \(", row), row
    data = json.loads(figures.read_text(encoding="utf-8"))
    assert data["script"] == "bench_ledger"
    assert data["mode"] == "quick"
    by_target = {f["issue_target"]: f for f in data["figures"] if f["issue_target"]}
    assert set(by_target) == set(TARGETED)
    for fig in by_target.values():
        assert fig["min"] <= fig["median"] <= fig["max"]
        assert fig["verdict"].startswith(("met", "**missed**"))
    assert by_target["append-single"]["peer"]["name"] == "pymerkle 7 SqliteTree"
    series = {s["key"]: s for s in data["series"]}
    assert set(series) == {
        "append_single",
        "append_batched",
        "proof_inclusion",
        "proof_consistency",
        "check_time",
    }
    for key in ("append_single", "append_batched", "proof_inclusion", "proof_consistency"):
        lines_ = series[key]["lines"]
        assert set(lines_) == {"Tamga", "pymerkle 7 SqliteTree", "pymerkle 7 InmemoryTree"}
        assert [p["x"] for p in lines_["Tamga"]] == [1_000, 12_000]
    # The ledger and the peer's databases were really written (and are kept with --workdir).
    assert (workdir / "ledger.sqlite").stat().st_size > 0
    assert (workdir / "pymerkle.sqlite").stat().st_size > 0
