#!/usr/bin/env python3
"""`make bench`: run every benchmark the same way and write docs/benchmarks.md with its plots.

Usage:
    python scripts/bench.py                        # full: 10^6 entries etc.; docs/benchmarks.md
    python scripts/bench.py --quick --out DIR      # tiny sizes (< 2 min, CI): DIR/benchmarks.md
    python scripts/bench.py --only ledger,audit    # run some steps again, render with the rest
    python scripts/bench.py --render-only          # rewrite the report and plots from the JSON

Each step runs one script (scripts/bench_*.py) in its own process with ``--json`` (its figures
and growth series, see scripts/bench_common.py) and its section flag (``--out``/``--write``) on
a scratch file. The report is then composed: the machine and versions; ONE table of every target
of the capability issues with Tamga's median (min–max), the peer's, the ratio and the verdict;
the fraction of hashlib's SHA-256 rate that appends and the audit reach; the PNG plots (drawn
here with matplotlib's Agg backend); then each script's section, each followed by its analysis
block written by hand, which is kept from the previous report (``<!-- analysis: NAME -->`` …
``<!-- analysis: NAME end -->``). A step that fails is reported as such, the others still run,
and the exit status is 1.

The JSON and sections of the full run stay in .bench/json (git-ignored), those of a quick run in
DIR/json: ``--only`` and ``--render-only`` reuse them.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
DOCS = ROOT / "docs"
ANALYSIS = re.compile(r"<!-- analysis: ([\w-]+) -->\n.*?<!-- analysis: \1 end -->\n?", re.S)

sys.path.insert(0, str(SCRIPTS))
import bench_common as common  # noqa: E402


@dataclasses.dataclass(frozen=True)
class Step:
    """One benchmark script and how to run it in each mode."""

    name: str
    script: str
    title: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    section_flag: str = "--out"
    timeout_s: float = 40 * 60


STEPS: tuple[Step, ...] = (
    Step("ledger", "bench_ledger.py", "Ledger", ("--full",), ("--quick",)),
    Step(
        "audit",
        "bench_audit.py",
        "Auditor",
        ("--series", "1000,10000,100000"),
        ("--size", "5000", "--checkpoints", "5", "--issuers", "2", "--per-issuer", "2"),
    ),
    Step("anchor", "bench_anchor.py", "Anchoring", (), ("--quick",)),
    Step(
        "verify",
        "bench_verify.py",
        "On-chain verification",
        ("--runs", "3"),
        ("--quick",),
        section_flag="--write",
    ),
    Step("api", "bench_api.py", "HTTP API", (), ("--quick",)),
    Step("witness", "bench_witness.py", "Witness", (), ("--quick",)),
    Step("soak", "bench_soak.py", "Soak", ("--minutes", "10"), ("--quick",), "--write"),
    Step("writes", "bench_writes.py", "Concurrent API writes", (), ("--quick",)),
    Step("startup", "bench_startup.py", "CLI start-up", (), ("--quick",)),
    Step("cluster", "bench_cluster.py", "Topology", (), ("--quick",), timeout_s=20 * 60),
)
QUICK_EXTRA = {"audit": ("--runs", "2", "--bundle-runs", "3", "--series", "1000")}

# The targets the capability work set, in the order the Targets table lists them.
ISSUE_TARGETS: tuple[tuple[str, str], ...] = (
    ("append-batched", "Appends ≥ 20,000/s batched"),
    ("append-single", "Appends ≥ 2,000/s one per transaction"),
    ("proof-inclusion", "Inclusion proof < 1 ms at 10^6"),
    ("proof-consistency", "Consistency proof < 1 ms at 10^6"),
    ("check", "`tamga check` of 10^6 entries ≤ 60 s"),
    ("audit", "`tamga audit` of 10^6 entries ≤ 60 s"),
    ("anchor-gas", "Anchor ≤ 120,000 gas at 10^6, consistency checked on chain"),
    ("verify-1000", "1,000 tokens verified ≤ 5 s and ≥ 10× the naive loop"),
    ("burn-scan", "Burn scan ≥ 50,000 logs/s"),
    ("api-get", "API GET ≥ 1,000 req/s"),
    ("api-get-p99", "API GET p99 < 50 ms"),
    ("api-writes", "API writes ≥ 1,000/s with the jobs running (SQLite, synchronous=FULL)"),
    ("api-writes-p99", "API writes p99 < 100 ms with the jobs running"),
)

# The plots: file, title, one list of series keys per panel.
PLOTS: tuple[tuple[str, str, tuple[tuple[str, ...], ...]], ...] = (
    ("append_rate.png", "Durable append rate against log size",
     (("append_single",), ("append_batched",))),
    ("proof_time.png", "Proof time against log size",
     (("proof_inclusion",), ("proof_consistency",))),
    ("audit_time.png", "Audit and check time against log size", (("audit_time", "check_time"),)),
    ("verify_time.png", "On-chain verification time against number of tokens",
     (("verify_time",),)),
    ("anchor_gas.png", "Gas per anchor against tree size", (("anchor_gas",),)),
)  # fmt: skip


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


# ----------------------------------------------------------------------------------------------
# running the steps
# ----------------------------------------------------------------------------------------------


def run_step(step: Step, *, quick: bool, store: Path) -> dict[str, Any]:
    """Run one script; its JSON, section and log land in ``store``. Returns its run record."""
    script = SCRIPTS / step.script
    record: dict[str, Any] = {"name": step.name, "load_start": _load()}
    if not script.exists():
        record.update(status="skipped", reason=f"scripts/{step.script} is not in this tree")
        _log(f"{step.name}: skipped — scripts/{step.script} does not exist")
        return record
    json_path = store / f"{step.name}.json"
    section = store / f"{step.name}.md"
    log = store / f"{step.name}.log"
    for stale in (json_path, section):
        stale.unlink(missing_ok=True)
    args = list(step.quick if quick else step.full)
    if quick:
        args += QUICK_EXTRA.get(step.name, ())
    command = [sys.executable, str(script), *args, "--json", str(json_path)]
    command += [step.section_flag, str(section)]
    _log(f"{step.name}: {' '.join(['python', f'scripts/{step.script}', *args])}")
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as err:
        try:
            done = subprocess.run(
                command,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=err,
                timeout=step.timeout_s,
                check=False,
            )
            status = "ok" if done.returncode == 0 else f"failed (exit {done.returncode})"
        except subprocess.TimeoutExpired:
            status = f"failed (timed out after {step.timeout_s:.0f} s)"
    elapsed = time.perf_counter() - started
    if status == "ok" and not json_path.exists():
        status = "failed (no --json output)"
    record.update(status=status, seconds=elapsed, load_end=_load(), command=args)
    _log(f"{step.name}: {status} in {elapsed:.1f} s")
    if status != "ok":
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        print(tail, file=sys.stderr)
    (store / f"{step.name}.run.json").write_text(json.dumps(record), encoding="utf-8")
    return record


# ----------------------------------------------------------------------------------------------
# the report
# ----------------------------------------------------------------------------------------------


def machine() -> list[tuple[str, str]]:
    """The machine and the versions of everything measured."""
    model = common.cpu_model()
    anvil = "not found"
    try:
        out = subprocess.run(
            [str(ROOT / "node_modules" / ".bin" / "anvil"), "--version"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        anvil = out.splitlines()[0].strip()
    except (OSError, subprocess.CalledProcessError, IndexError):
        pass
    solc = "unknown"
    try:
        artifact = json.loads(
            (ROOT / "anchoring" / "artifacts" / "RegistryAnchor.json").read_text(encoding="utf-8")
        )
        settings = artifact["compiler"]
        optimizer = settings["settings"]["optimizer"]
        solc = (
            f"{settings['version']} (the anchor contracts' artifacts; EVM "
            f"{settings['settings']['evmVersion']}, optimizer runs {optimizer['runs']:,})"
        )
    except (OSError, KeyError, ValueError):
        pass

    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    commit = "unknown"
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    return [
        ("CPU", model),
        ("Cores", f"{os.cpu_count()} (shared with other jobs)"),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", "not used: every benchmark runs on SQLite (WAL, synchronous=FULL)"),
        ("anvil", anvil),
        ("solc", solc),
        ("web3.py", version("web3")),
        ("pymerkle", version("pymerkle")),
        ("SQLAlchemy", version("sqlalchemy")),
        ("pydantic", version("pydantic")),
        ("matplotlib", version("matplotlib")),
        ("wrk", _wrk_version()),
        ("Date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("Commit", commit),
    ]


def _wrk_version() -> str:
    try:
        out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    except OSError:
        return "not found"
    text = (out.stdout + out.stderr).strip().splitlines()
    return text[0].split(" [")[0] if text else "unknown"


def _num(value: float) -> str:
    value = float(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _show(fig: dict[str, Any]) -> str:
    if fig["runs"] == 1 or fig["min"] == fig["max"]:
        return f"{_num(fig['median'])} {fig['unit']}"
    return f"{_num(fig['median'])} ({_num(fig['min'])}–{_num(fig['max'])}) {fig['unit']}"


def targets_table(results: dict[str, dict[str, Any]], runs: dict[str, dict[str, Any]]) -> list[str]:
    """The one table of every issue target."""
    by_target: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for name, data in results.items():
        for fig in data.get("figures", []):
            if fig.get("issue_target"):
                by_target.setdefault(fig["issue_target"], []).append((name, fig))
    owner = {
        "append-batched": "ledger", "append-single": "ledger", "proof-inclusion": "ledger",
        "proof-consistency": "ledger", "check": "ledger", "audit": "audit",
        "anchor-gas": "anchor", "verify-1000": "verify", "burn-scan": "verify",
        "api-get": "api", "api-get-p99": "api",
    }  # fmt: skip
    lines = [
        "| Target | Measured (where) | Tamga | Peer | Tamga vs peer | Verdict |",
        "|---|---|---|---|---|---|",
    ]
    for key, text in ISSUE_TARGETS:
        figures = by_target.get(key, [])
        if not figures:
            run = runs.get(owner[key], {})
            why = run.get("status", "not run")
            lines.append(f"| {text} | — | not measured: {owner[key]} step {why} | — | — | — |")
            continue
        for step, fig in figures:
            peer = fig.get("peer")
            peer_text = f"{peer['name']}: {_show({**peer, 'unit': fig['unit']})}" if peer else "—"
            ratio = f"{fig['ratio']:.2f}×" if fig.get("ratio") is not None else "—"
            mode = "" if results[step]["mode"] == "full" else " (quick)"
            lines.append(
                f"| {text} | {fig['name']} ({fig['at']}){mode} | {_show(fig)} | {peer_text} | "
                f"{ratio} | {fig['verdict']} |"
            )
    return lines


def hashlib_lines(results: dict[str, dict[str, Any]]) -> list[str]:
    """The fraction of hashlib's SHA-256 rate (same leaves) that appends and the audit reach."""
    lines: list[str] = []
    ledger = {f["key"]: f for f in results.get("ledger", {}).get("figures", [])}
    limit = ledger.get("hashlib_leaves")
    if limit is not None:
        tree = ledger.get("hashlib_tree")
        lines.append(
            f"- hashlib SHA-256 over the ledger's own leaves: {_show(limit)} leaf hashes"
            + (f"; with every RFC 9162 interior node, {_show(tree)}" if tree else "")
            + "."
        )
        for key in ("append_single", "append_batched", "append_growing"):
            if key in ledger:
                share = ledger[key]["median"] / limit["median"] * 100
                lines.append(
                    f"- {ledger[key]['name']}: {_num(ledger[key]['median'])} entries/s = "
                    f"**{share:.2f}%** of it"
                    + (f" ({ledger[key]['median'] / tree['median'] * 100:.1f}% of the rate with "
                       "interior nodes)" if tree else "")
                    + "."
                )  # fmt: skip
    audit = {f["key"]: f for f in results.get("audit", {}).get("figures", [])}
    if "audit_rate" in audit and "audit_hashlib" in audit:
        share = audit["audit_rate"]["median"] / audit["audit_hashlib"]["median"] * 100
        lines.append(
            f"- `tamga audit`: {_num(audit['audit_rate']['median'])} entries/s = **{share:.2f}%** "
            f"of hashlib's {_num(audit['audit_hashlib']['median'])} leaf hashes/s over the "
            "audited export's leaves."
        )
    return lines


def plots(results: dict[str, dict[str, Any]], img: Path) -> list[tuple[str, str]]:
    """Draw the growth plots; return (file, title) of each plot drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    series = {s["key"]: s for data in results.values() for s in data.get("series", [])}
    img.mkdir(parents=True, exist_ok=True)
    drawn: list[tuple[str, str]] = []
    for filename, title, panels in PLOTS:
        present = [[series[k] for k in keys if k in series] for keys in panels]
        present = [p for p in present if p]
        if not present:
            continue
        fig, axes = plt.subplots(1, len(present), figsize=(6.4 * len(present), 4.8), squeeze=False)
        for ax, panel in zip(axes[0], present, strict=True):
            for s in panel:
                for name, points in s["lines"].items():
                    xs = [p["x"] for p in points]
                    ys = [p["median"] for p in points]
                    low = [p["median"] - p["min"] for p in points]
                    high = [p["max"] - p["median"] for p in points]
                    ax.errorbar(xs, ys, yerr=[low, high], marker="o", capsize=3, label=name)
                for label, value in s.get("hlines", {}).items():
                    style = ":" if label.startswith("target") else "--"
                    ax.axhline(value, linestyle=style, color="grey", linewidth=1)
                    ax.annotate(
                        label,
                        (0.01, value),
                        xycoords=("axes fraction", "data"),
                        fontsize=7,
                        color="dimgrey",
                        va="bottom",
                    )
            first = panel[0]
            if first.get("log_x", True):
                ax.set_xscale("log")
            if first.get("log_y", True):
                ax.set_yscale("log")
            if not first.get("log_y", True):
                ax.set_ylim(bottom=0)
                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
            ax.set_title(" / ".join(s["title"].replace("`", "") for s in panel), fontsize=10)
            ax.set_xlabel(first["x_label"])
            ax.set_ylabel(first["y_label"])
            ax.grid(True, which="major", alpha=0.3)
            ax.legend(fontsize=7)
        fig.suptitle(title + " (median; bars: min–max over runs)", fontsize=11)
        fig.tight_layout()
        fig.savefig(img / filename, dpi=110)
        plt.close(fig)
        drawn.append((filename, title))
    return drawn


def _section(store: Path, name: str) -> str:
    path = store / f"{name}.md"
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    start = text.find("<!-- bench_")
    return text[start:].strip() + "\n" if start >= 0 else text.strip() + "\n"


def render(
    *,
    store: Path,
    doc: Path,
    img: Path,
    previous: str,
    quick: bool,
    info: list[tuple[str, str]],
    total_s: float | None,
) -> str:
    """Compose the report from the JSON and sections in ``store``."""
    results: dict[str, dict[str, Any]] = {}
    runs: dict[str, dict[str, Any]] = {}
    for step in STEPS:
        run = store / f"{step.name}.run.json"
        if run.exists():
            runs[step.name] = json.loads(run.read_text(encoding="utf-8"))
        data = store / f"{step.name}.json"
        if data.exists() and runs.get(step.name, {}).get("status") == "ok":
            results[step.name] = json.loads(data.read_text(encoding="utf-8"))
    analyses = {m.group(1): m.group(0).rstrip("\n") + "\n" for m in ANALYSIS.finditer(previous)}
    drawn = plots(results, img)
    rel_img = os.path.relpath(img, doc.parent)
    command = "python scripts/bench.py --quick" if quick else "make bench (python scripts/bench.py)"
    took = f" in {total_s / 60:.1f} min" if total_s is not None else ""
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `{command}`{took}: every benchmark script below, one after the other, on "
        "the same machine. Each figure is the median of its runs with (min–max); ratios compare "
        "medians with the peer measured in the same run on the same data (above 1×: Tamga is "
        "better). Speed is measured here, never by timed tests.",
        "",
    ]
    if quick:
        lines += [
            "**Quick mode**: tiny sizes, to keep the scripts working (CI); the targets are "
            "defined at 10^6 entries and 1,000 tokens, so these verdicts are not the project's.",
            "",
        ]
    lines += ["## Machine and versions", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in info]
    for step in STEPS:
        run = runs.get(step.name)
        if run is None:
            continue
        seconds = f"{run['seconds']:.0f} s, " if "seconds" in run else ""
        load = f"load average {run['load_start']} → {run.get('load_end', '?')}"
        reason = f" — {run['reason']}" if "reason" in run else ""
        lines.append(f"| Step `{step.name}` | {run['status']} ({seconds}{load}){reason} |")
    lines += [
        "",
        "## Targets",
        "",
        "The targets of the capability issues, each with the figure that answers it. The peer is "
        "what a user would otherwise use, measured in the same run on the same data.",
        "",
        *targets_table(results, runs),
        "",
    ]
    hashing = hashlib_lines(results)
    if hashing:
        lines += [
            "### Against the physical limit: hashlib SHA-256 over the same leaves",
            "",
            *hashing,
            "",
        ]
    if drawn:
        lines += ["## How cost grows", ""]
        for filename, title in drawn:
            lines += [f"![{title}]({rel_img}/{filename})", ""]
    if "closing" in analyses:
        lines += [analyses["closing"]]
    for step in STEPS:
        section = _section(store, step.name)
        run = runs.get(step.name, {})
        if not section and run.get("status") not in (None, "ok"):
            reason = run.get("reason", f"see {step.name}.log")
            section = f"## {step.title}\n\n_Not measured in this run: {run['status']} ({reason})._"
        if section:
            lines += [section]
        for name, block in analyses.items():
            if name == step.name or name.startswith(f"{step.name}-"):
                lines += [block]
    return "\n".join(lines).rstrip("\n") + "\n"


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the steps, then write the report and plots."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, under 2 minutes (CI)")
    parser.add_argument(
        "--out", type=Path, help="directory for benchmarks.md and img/ (default: docs/ in full)"
    )
    parser.add_argument("--only", help="comma-separated steps to run (others: kept results)")
    parser.add_argument("--render-only", action="store_true", help="run nothing, render again")
    args = parser.parse_args(argv)
    if args.quick and args.out is None:
        parser.error("--quick writes only where --out says (docs/ holds the full figures)")
    out = args.out or DOCS
    doc = out / "benchmarks.md"
    img = out / "img"
    store = (out / "json") if args.quick else (ROOT / ".bench" / "json")
    store.mkdir(parents=True, exist_ok=True)
    names = {s.name for s in STEPS}
    only = set(names if args.only is None else args.only.split(","))
    if not only <= names:
        parser.error(f"unknown steps {sorted(only - names)}; known: {sorted(names)}")
    info = machine()
    started = time.perf_counter()
    _log(f"{'quick' if args.quick else 'full'} run; load average {_load()}")
    failed = False
    if not args.render_only:
        for step in STEPS:
            if step.name in only:
                record = run_step(step, quick=args.quick, store=store)
                failed |= record["status"] not in ("ok", "skipped")
    total = None if args.render_only or args.only else time.perf_counter() - started
    previous = doc.read_text(encoding="utf-8") if doc.exists() else ""
    report = render(
        store=store, doc=doc, img=img, previous=previous, quick=args.quick, info=info,
        total_s=total,
    )  # fmt: skip
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(report, encoding="utf-8")
    _log(f"wrote {doc} and {img}/ in {(time.perf_counter() - started) / 60:.1f} min in all")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
