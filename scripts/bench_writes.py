#!/usr/bin/env python3
"""Concurrent API writes on a real `tamga up` with its jobs running, beside main's code.

Usage:
    python scripts/bench_writes.py                   # 5 runs of 10 s, 16 connections
    python scripts/bench_writes.py --quick           # ≈ 1 min (scripts/bench.py --quick)
    python scripts/bench_writes.py --peer-ref HEAD~3 --json w.json --out docs/benchmarks.md

Two nodes run side by side, each a `tamga up` on its own SQLite register (WAL,
``synchronous=FULL``: a write is acknowledged only once durable) with its own anvil, its
checkpoint, anchoring and verification jobs on short intervals: this checkout ("Tamga"), and
the peer, a ``git worktree`` of ``--peer-ref`` (default ``main``) built the same way. Each node
gets a register of registered emissions (scripts/bench_api.py's ``build``) and a regulator
token; once the first anchor and verification run are done, wrk (Debian package, one thread,
``--connections`` keep-alive connections on loopback) POSTs registration-fee payments of 0.01
som (Reg. §28) to the emissions in turn, without Idempotency-Key. The runs alternate between the
two nodes, so both see the same machine load. A write counts when it got 201: the node answers
after COMMIT. After the runs every node's log is read back through the API: the fee payments in
it must be exactly the 201 answers, and `tamga check` must pass on the stopped node.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scripts.bench_common as common  # noqa: E402
import scripts.bench_soak as soak  # noqa: E402

BEGIN = "<!-- bench_writes: begin (scripts/bench_writes.py rewrites this section) -->"
END = "<!-- bench_writes: end -->"

TARGET_RATE = 1_000.0
TARGET_P99_MS = 100.0

LUA = """
local keys = {KEYS}
local i = 0
local body = '{"kind":"fee_paid","data":{"amount":"0.01"}}'
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer TOKEN"}
request = function()
  i = i + 1
  return wrk.format("POST", "/v1/emissions/" .. keys[(i % #keys) + 1] .. "/events", headers, body)
end
"""


@dataclass(frozen=True)
class Plan:
    """What one run does."""

    mode: str
    runs: int
    seconds: int
    connections: int
    emissions: int
    checkpoint_s: int
    anchor_s: int
    verify_s: int


@dataclass
class Side:
    """One node under test: its code, data, token, process and measurements."""

    name: str
    root: Path
    work: Path
    env: dict[str, str] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    token: str = ""
    node: soak.Node | None = None
    host: str = ""
    port: int = 0
    size_before: int = 0
    runs: list[dict[str, float]] = field(default_factory=list)
    acknowledged: int = 0
    in_log: int = 0
    problems: list[str] = field(default_factory=list)

    def tamga(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "from node.cli import main; main()", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
        )


def _log(message: str) -> None:
    print(f"[bench_writes {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def peer_checkout(ref: str, work: Path) -> Path:
    """A detached ``git worktree`` of ``ref`` (the peer's code) under ``work``.

    Raises:
        subprocess.CalledProcessError: git refused.
    """
    target = work / "peer"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(target), ref],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return target


def prepare(side: Side, plan: Plan) -> None:
    """tamga init, the register and a regulator token, with ``side``'s own code."""
    data = side.work / "data"
    side.env = {k: v for k, v in os.environ.items() if not k.startswith("TAMGA_")}
    side.env |= {
        "TAMGA_DATA_DIR": str(data),
        "TAMGA_ORIGIN": soak.ORIGIN,
        "TAMGA_API_PORT": "0",
        "TAMGA_API_RATE_LIMIT_PER_MINUTE": "0",
        "TAMGA_API_TOKEN_RATE_LIMIT_PER_MINUTE": "0",
        "TAMGA_CHECKPOINT_INTERVAL_SECONDS": str(plan.checkpoint_s),
        "TAMGA_ANCHOR_INTERVAL_SECONDS": str(plan.anchor_s),
        "TAMGA_VERIFY_INTERVAL_SECONDS": str(plan.verify_s),
        "PYTHONPATH": str(side.root),
        "PATH": f"{ROOT / 'node_modules' / '.bin'}:{os.environ.get('PATH', '')}",
    }
    done = side.tamga("init")
    if done.returncode != 0:
        raise RuntimeError(f"{side.name}: tamga init failed: {done.stderr[-2000:]}")
    db = data / "tamga.sqlite"
    built = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys; from pathlib import Path; from scripts.bench_api import build; "
            "print(json.dumps(build(Path(sys.argv[1]), emissions=int(sys.argv[2]))))",
            str(db),
            str(plan.emissions),
        ],
        cwd=side.root,
        env=side.env,
        capture_output=True,
        text=True,
        check=True,
    )
    side.keys = json.loads(built.stdout.strip().splitlines()[-1])
    side.token = soak.make_regulator_token(f"sqlite:///{db.resolve()}")


def start(side: Side) -> None:
    """`tamga up` of ``side``; returns once the first anchor and verification run are done."""
    side.node = _node(side)
    base = side.node.wait_for("serving ", timeout=180).split()[1]
    parts = urlsplit(base)
    assert parts.hostname is not None
    assert parts.port is not None
    side.host, side.port = parts.hostname, parts.port
    side.node.wait_for("anchored ", timeout=300)
    if "verify every" in side.node.wait_for("jobs ", timeout=10):
        side.node.wait_for("verified ", timeout=600)
    side.size_before = _size(side)


def _node(side: Side) -> soak.Node:
    return soak.Node(side.env, side.work / "node.log", cwd=side.root)


def _client(side: Side) -> soak.Client:
    return soak.Client(_load(side))


def _load(side: Side) -> soak.Load:
    return soak.Load(
        host=side.host, port=side.port, token=side.token, keys=[], issuers=[], seed_size=0
    )


def _size(side: Side) -> int:
    status, body, _, _ = _client(side).request("GET", "/v1/log")
    if status != 200:
        raise RuntimeError(f"{side.name}: GET /v1/log: {status} {body[:300]!r}")
    return int(json.loads(body)["tree_size"])


def run_wrk(side: Side, plan: Plan) -> dict[str, float]:
    """One wrk run of POSTs against ``side``: durable writes/s, p50/p99 in ms, errors."""
    script = side.work / "post.lua"
    keys = ",".join(f'"{k}"' for k in side.keys)
    script.write_text(LUA.replace("KEYS", keys).replace("TOKEN", side.token), encoding="utf-8")
    url = f"http://{side.host}:{side.port}"
    assert side.node is not None
    cpu_before = _cpu_seconds(side.node.process.pid)
    out = subprocess.run(
        [
            *("wrk", "-t1", f"-c{plan.connections}", f"-d{plan.seconds}s", "--latency"),
            *("-s", str(script), url),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    span = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)\b", out)
    assert span is not None, out
    total = int(span.group(1))
    seconds = float(span.group(2)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[span.group(3)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    failed = int(errors.group(1)) if errors else 0
    lat = {}
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)", out, re.M)
        assert m is not None, out
        lat[pct] = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    cpu = _cpu_seconds(side.node.process.pid) - cpu_before
    side.acknowledged += total - failed
    return {
        "cpu_ms_per_write": cpu * 1000 / max(1, total),
        "writes_per_s": (total - failed) / seconds,
        "p50": lat["50"],
        "p90": lat["90"],
        "p99": lat["99"],
        "requests": float(total),
        "failed": float(failed),
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (proc(5): fields 14 and 15 of stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def finish(side: Side, *, connections: int) -> dict[str, Any]:
    """Read the log back, stop the node, run `tamga check`; the side's figures."""
    assert side.node is not None
    size = _size(side)
    entries = soak.read_back(_load(side), side.size_before, size)
    fees = sum(1 for e in entries.values() if e.get("kind") == "emission.fee_paid")
    # wrk stops with up to one request per connection in flight: sent, landed, not counted.
    in_flight = len(side.runs) * connections
    if not side.acknowledged <= fees <= side.acknowledged + in_flight:
        side.problems.append(
            f"{side.name}: {side.acknowledged} writes acknowledged (+ at most {in_flight} in "
            f"flight when wrk stopped), {fees} fee payments in the log"
        )
    side.in_log = fees
    code = side.node.stop()
    if code != 0:
        side.problems.append(f"{side.name}: `tamga up` exited with {code}; {side.node.tail()}")
    checked = side.tamga("check", "--json")
    if checked.returncode != 0:
        side.problems.append(f"{side.name}: tamga check failed: {checked.stderr[-1000:]}")
    failed = sum(r["failed"] for r in side.runs)
    if failed:
        side.problems.append(f"{side.name}: {failed:.0f} writes answered other than 2xx")
    return {
        "acknowledged": side.acknowledged,
        "fee_payments_in_log": fees,
        "log_size": [side.size_before, size],
        "runs": side.runs,
    }


def figures(ours: Side, peer: Side, plan: Plan) -> list[common.Figure]:
    """The figures for scripts/bench.py (medians over the runs, the peer beside)."""
    at = (
        f"{plan.connections} connections, {plan.emissions:,} emissions, "
        f"jobs every {plan.checkpoint_s}/{plan.anchor_s}/{plan.verify_s} s"
    )
    peer_name = f"{peer.name} (one write per transaction)"
    return [
        common.figure(
            "api_write_rps",
            "API: concurrent durable writes (fee payments), throughput",
            "writes/s",
            [r["writes_per_s"] for r in ours.runs],
            higher_is_better=True,
            peer_name=peer_name,
            peer=[r["writes_per_s"] for r in peer.runs],
            target=common.Target(">=", TARGET_RATE, "≥ 1,000 writes/s"),
            issue_target="api-writes",
            at=at,
        ),
        common.figure(
            "api_write_p50",
            "API: concurrent durable writes, p50 latency",
            "ms",
            [r["p50"] for r in ours.runs],
            higher_is_better=False,
            peer_name=peer_name,
            peer=[r["p50"] for r in peer.runs],
            at=at,
        ),
        common.figure(
            "api_write_cpu",
            "API: concurrent durable writes, node CPU time per write",
            "ms",
            [r["cpu_ms_per_write"] for r in ours.runs],
            higher_is_better=False,
            peer_name=peer_name,
            peer=[r["cpu_ms_per_write"] for r in peer.runs],
            at=at,
        ),
        common.figure(
            "api_write_p99",
            "API: concurrent durable writes, p99 latency",
            "ms",
            [r["p99"] for r in ours.runs],
            higher_is_better=False,
            peer_name=peer_name,
            peer=[r["p99"] for r in peer.runs],
            target=common.Target("<", TARGET_P99_MS, "p99 < 100 ms"),
            issue_target="api-writes-p99",
            at=at,
        ),
    ]


def report(ours: Side, peer: Side, plan: Plan, command: str, loads: list[float]) -> str:
    """The Markdown section for docs/benchmarks.md."""

    def med(side: Side, key: str) -> float:
        return statistics.median(r[key] for r in side.runs)

    def span(side: Side, key: str) -> str:
        values = [r[key] for r in side.runs]
        return f"{min(values):,.0f}–{max(values):,.0f}"

    rate, peer_rate = med(ours, "writes_per_s"), med(peer, "writes_per_s")
    p99, peer_p99 = med(ours, "p99"), med(peer, "p99")
    lines = [
        BEGIN,
        "### Concurrent API writes with the jobs running",
        "",
        f"`{command}` — {plan.runs} runs of {plan.seconds} s per node, alternating; "
        f"wrk, 1 thread, {plan.connections} keep-alive connections on loopback; "
        f"{plan.emissions:,} registered emissions; checkpoint every {plan.checkpoint_s} s, "
        f"anchor every {plan.anchor_s} s, verification every {plan.verify_s} s; SQLite WAL, "
        f"`synchronous=FULL`. Load average at start and end: {loads[0]:.2f}, {loads[1]:.2f}.",
        "",
        "| | Tamga (group commit) | Peer: " + peer.name + " | Tamga vs peer | Target |",
        "|---|---|---|---|---|",
        f"| Durable writes/s, median (min–max) | {rate:,.0f} ({span(ours, 'writes_per_s')}) | "
        f"{peer_rate:,.0f} ({span(peer, 'writes_per_s')}) | {rate / peer_rate:.1f}× | "
        f"≥ 1,000: {'met' if rate >= TARGET_RATE else '**missed**'} |",
        f"| p50 latency, ms | {med(ours, 'p50'):.1f} | {med(peer, 'p50'):.1f} | "
        f"{med(peer, 'p50') / med(ours, 'p50'):.1f}× | |",
        f"| p99 latency, ms | {p99:.1f} | {peer_p99:.1f} | {peer_p99 / p99:.1f}× | "
        f"< 100: {'met' if p99 < TARGET_P99_MS else '**missed**'} |",
        f"| Node CPU per write (user + system), ms | {med(ours, 'cpu_ms_per_write'):.2f} | "
        f"{med(peer, 'cpu_ms_per_write'):.2f} | "
        f"{med(peer, 'cpu_ms_per_write') / med(ours, 'cpu_ms_per_write'):.1f}× | |",
        f"| Writes acknowledged / fee payments in the log¹ | {ours.acknowledged:,} / "
        f"{ours.in_log:,} | {peer.acknowledged:,} / {peer.in_log:,} | | |",
        "",
        "¹ The log may hold up to one more write per connection and run than were counted: "
        "wrk stops with those in flight. Every node also passed `tamga check` after the runs.",
        "",
        END,
    ]
    return "\n".join(lines) + "\n"


def plan_for(args: argparse.Namespace) -> Plan:
    if args.quick:
        return Plan("quick", args.runs or 2, args.seconds or 4, args.connections, 60, 2, 4, 60)
    return Plan("full", args.runs or 5, args.seconds or 10, args.connections, 1_000, 5, 10, 60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small register, short runs")
    parser.add_argument("--runs", type=int, help="wrk runs per node")
    parser.add_argument("--seconds", type=int, help="length of one wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--peer-ref", default="main", help="git ref of the peer (default main)")
    parser.add_argument("--json", type=Path, help="write the figures here (scripts/bench.py)")
    parser.add_argument("--out", type=Path, help="replace this script's section of this file")
    parser.add_argument("--workdir", type=Path, help="keep the nodes' data here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian package wrk)", file=sys.stderr)
        return 2
    plan = plan_for(args)
    command = "python scripts/bench_writes.py" + (" --quick" if args.quick else "")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="tamga-writes-"))
    work.mkdir(parents=True, exist_ok=True)
    peer_root = peer_checkout(args.peer_ref, work)
    ours = Side("Tamga", ROOT, work / "ours")
    peer = Side(args.peer_ref, peer_root, work / "peer-data")
    sides = (ours, peer)
    loads = [os.getloadavg()[0]]
    try:
        for side in sides:
            side.work.mkdir(parents=True, exist_ok=True)
            _log(f"{side.name}: tamga init and {plan.emissions:,} emissions")
            prepare(side, plan)
            _log(f"{side.name}: tamga up, waiting for the first anchor and verification run")
            start(side)
        for run in range(plan.runs):
            for side in sides if run % 2 == 0 else reversed(sides):
                result = run_wrk(side, plan)
                side.runs.append(result)
                _log(
                    f"{side.name} run {run + 1}: {result['writes_per_s']:,.0f} writes/s, "
                    f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, "
                    f"{result['cpu_ms_per_write']:.2f} ms CPU/write, "
                    f"{result['failed']:.0f} failed"
                )
        details = {side.name: finish(side, connections=plan.connections) for side in sides}
    finally:
        for side in sides:
            if side.node is not None and side.node.process.poll() is None:
                side.node.stop()
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(peer_root)], cwd=ROOT, capture_output=True
        )
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    loads.append(os.getloadavg()[0])
    problems = ours.problems + peer.problems
    section = report(ours, peer, plan, command, loads)
    print(section)
    if args.out:
        common.replace_section(args.out, BEGIN, END, section)
    if args.json:
        common.write_json(
            args.json,
            script="bench_writes",
            mode=plan.mode,
            figures=figures(ours, peer, plan),
            notes=[json.dumps(details), *problems],
        )
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
