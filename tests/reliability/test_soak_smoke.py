"""Smoke test of scripts/bench_soak.py: a --quick soak against a real `tamga up` ends with zero
errors, every acknowledged write in the log and complete figures (no speed is asserted); and the
soak's own checker catches a lost or misplaced write."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from node.domain.canonical import parse_json
from node.ledger.store import SqlLedgerStore, iter_all
from scripts.bench_soak import Ack, Load, check_writes, replace_section

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "bench_soak.py"
WRITES = ("emission.fee_paid", "emission.applied")


@pytest.mark.slow
def test_quick_soak_loses_nothing_and_reports_every_figure(tmp_path: Path) -> None:
    figures_path = tmp_path / "soak.json"
    benchmarks = tmp_path / "benchmarks.md"
    benchmarks.write_text("# Benchmarks\n\nkept above\n", encoding="utf-8")
    reliability = tmp_path / "reliability.md"
    reliability.write_text(
        (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    before = reliability.read_text(encoding="utf-8")
    work = tmp_path / "work"
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--quick",
            "--json",
            str(figures_path),
            "--write",
            str(benchmarks),
            "--reliability",
            str(reliability),
            "--workdir",
            str(work),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    figures = json.loads(figures_path.read_text(encoding="utf-8"))
    assert figures["ok"] is True and figures["failures"] == []
    assert figures["errors"] == 0 and figures["error_samples"] == []
    for op in ("read", "write"):
        latency = figures["latency_ms"][op]
        assert latency["count"] > 0
        assert 0 < latency["p50"] <= latency["p99"] <= latency["max"]
    assert (
        figures["requests"]["total"] == figures["requests"]["reads"] + figures["requests"]["writes"]
    )
    assert figures["throughput_per_s"]["total"] > 0 and figures["duration_s"] > 0
    rss = figures["memory"]["rss_mib"]
    assert set(rss) == {"start", "after_warmup", "end", "max"}
    assert all(value > 0 for value in rss.values())
    assert rss["max"] >= max(rss["start"], rss["after_warmup"], rss["end"])
    assert figures["memory"]["bound"]["growth_mib_max"] > 0
    assert figures["memory"]["bound"]["ok"] is True
    assert figures["check"]["ok"] is True
    assert figures["check"]["entries"] == figures["log_size_end"]
    assert figures["anchors_during_soak"] >= 1 and figures["checkpoints_during_soak"] >= 1
    # What scripts/bench.py reads (scripts/bench_common.py's wire form).
    keys = {row["key"]: row for row in figures["figures"]}
    assert keys["soak-errors"]["median"] == 0
    assert keys["soak-read-p99"]["median"] == figures["latency_ms"]["read"]["p99"]
    assert keys["soak-write-p99"]["median"] == figures["latency_ms"]["write"]["p99"]
    assert keys["soak-rss-growth"]["median"] == figures["memory"]["growth_mib"]
    assert figures["series"][0]["lines"]["tamga up"]

    # Independently of the script: every acknowledged write is in the kept ledger, once.
    acked = {kind: figures["by_kind"][kind]["count"] for kind in WRITES}
    assert acked["emission.fee_paid"] > 0 and acked["emission.applied"] > 0
    assert sum(acked.values()) == figures["writes_acknowledged"]
    assert figures["idempotent_replays"] > 0
    store = SqlLedgerStore.from_url(f"sqlite:///{work / 'data' / 'tamga.sqlite'}")
    try:
        with store.read() as reader:
            kinds = Counter(
                parse_json(record.leaf, field="leaf")["kind"]
                for record in iter_all(reader)
                if record.idx >= figures["log_size_start"]
            )
    finally:
        store.dispose()
    assert {kind: kinds[kind] for kind in WRITES} == acked

    # The reports: the marked sections are written, everything else is kept.
    section = benchmarks.read_text(encoding="utf-8")
    assert section.startswith("# Benchmarks\n\nkept above\n\n<!-- bench_soak: start")
    assert section.rstrip().endswith("<!-- bench_soak: end -->")
    assert "| Errors (any status outside 2xx/3xx) | 0 (" in section
    after = reliability.read_text(encoding="utf-8")
    head, _, rest = before.partition("<!-- soak: start -->")
    _, _, tail = rest.partition("<!-- soak: end -->")
    assert after.startswith(head) and after.endswith(tail)
    assert "## Load (soak)" in after and "| Growth after warm-up (bound) |" in after


def _load() -> Load:
    return Load(host="127.0.0.1", port=1, token="t", keys=[], issuers=[], seed_size=10)


def _entry(kind: str, emission: str) -> dict[str, str]:
    return {"kind": kind, "emission": emission}


def test_checker_finds_lost_misplaced_and_duplicated_writes() -> None:
    load = _load()
    load.acks = [
        Ack(kind="emission.fee_paid", emission={"KG1", "APP-1"}, tree_size=11),
        Ack(kind="emission.fee_paid", emission={"KG2", "APP-2"}, tree_size=12, replayed_size=12),
    ]
    good = {10: _entry("emission.fee_paid", "KG1"), 11: _entry("emission.fee_paid", "APP-2")}
    assert check_writes(load, good, 10) == []

    lost = check_writes(load, {10: good[10]}, 10)
    assert "acknowledged emission.fee_paid at index 11 is not in the log" in lost
    assert "emission.fee_paid: 2 acknowledged, 1 in the log" in lost

    wrong = check_writes(load, {**good, 11: _entry("emission.fee_paid", "KG9")}, 10)
    assert any(p.startswith("index 11: expected emission.fee_paid") for p in wrong)

    twice = check_writes(load, {**good, 12: _entry("emission.fee_paid", "KG2")}, 10)
    assert twice == ["emission.fee_paid: 2 acknowledged, 3 in the log"]

    gap = check_writes(load, {10: good[10], 12: good[11]}, 10)
    assert "log indexes 10…11 are not dense" in gap

    load.acks[1].replayed_size = 13
    assert check_writes(load, good, 10) == ["replay of the write at 11 answered size 13"]


def test_sections_are_replaced_between_their_markers_only(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("a\n<!-- soak: start -->\nold\n<!-- soak: end -->\nb\n", encoding="utf-8")
    replace_section(doc, "soak", "<!-- soak: start -->\nnew\n<!-- soak: end -->")
    assert doc.read_text(encoding="utf-8") == (
        "a\n<!-- soak: start -->\nnew\n<!-- soak: end -->\nb\n"
    )
    fresh = tmp_path / "new" / "section.md"
    replace_section(fresh, "bench_soak", "<!-- bench_soak: start -->\nx\n<!-- bench_soak: end -->")
    assert fresh.read_text(encoding="utf-8") == (
        "<!-- bench_soak: start -->\nx\n<!-- bench_soak: end -->\n"
    )
    doc.write_text("a\n<!-- soak: end -->\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a pair"):
        replace_section(doc, "soak", "x")
