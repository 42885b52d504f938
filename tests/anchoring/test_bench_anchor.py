"""Smoke test of scripts/bench_anchor.py: a --quick run writes its section (no speed asserted)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.contracts.toolchain import load_script

bench = load_script("bench_anchor")


def test_quick_run_writes_its_section_and_replaces_it_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\nother sections stay\n", encoding="utf-8")
    assert bench.main(["--quick", "--out", str(out)]) == 0
    section = capsys.readouterr().out
    assert section.startswith(bench.BEGIN)
    bench.write_section(out, section)  # a second run replaces the section, nothing else
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nother sections stay\n")
    assert text.count(bench.BEGIN) == 1
    assert text.count(bench.END) == 1
    rows = [line for line in text.splitlines() if re.match(r"\| 1?,?0?00? \((worst|tenth)\)", line)]
    assert len(rows) == 4
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        registry, floor = (int(c.replace(",", "")) for c in cells[3:5])
        assert registry > floor > 0
        assert cells[5] == f"+{registry - floor:,}"
    assert re.search(r"\| anvil, automine \| 1 \| 3 \| [\d,]+ \([\d,]+–[\d,]+\) ms \|", text)
