#!/usr/bin/env python3
"""API benchmark: wrk on loopback against the HTTP API on SQLite with 10,000 emissions.

Usage:
    python scripts/bench_api.py                 # build the register once (.bench/api), measure
    python scripts/bench_api.py --duration 20 --workers 2 --runs 3
    python scripts/bench_api.py --quick --out /tmp/report.md --json /tmp/api.json  # smoke run

Builds a register of 10,000 registered emissions (110 issuers, up to 91 issues each) through
``Ledger.append`` (the domain rules and the real write path), serves it with uvicorn
(``api.app:create_app_from_env``, rate limits off) and runs wrk (Debian package) with a Lua
script that rotates over 1,000 registration numbers, then over search terms. Prints a Markdown
section for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from node.clock import FixedClock  # noqa: E402
from node.domain.filings import application_entry, event_entry, parse_emission_filing  # noqa: E402
from node.domain.regno import Region, RegNo  # noqa: E402
from node.ledger.service import Ledger  # noqa: E402
from node.ledger.store import SqlLedgerStore  # noqa: E402
from tests.unit.domain.lifecycle_samples import issuer_filing, load  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
import bench_common as common  # noqa: E402

BEGIN = "<!-- bench_api: begin (scripts/bench_api.py rewrites this section) -->"
END = "<!-- bench_api: end -->"

EMISSIONS = 10_000
PER_ISSUER = 91
NOW = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)
REGISTERED_ON = dt.date(2026, 3, 16)
BASIS = {"type": "authority_decision", "number": "R", "date": "2026-03-16", "issued_by": "A"}
WORDS = ["Ala", "Too", "Issyk", "Naryn", "Talas", "Chuy", "Suusamyr", "Sary", "Kol", "Tash"]


def build(db: Path, emissions: int = EMISSIONS) -> list[str]:
    """Create the register (once) and return its registration numbers."""
    url = f"sqlite:///{db}"
    ledger = Ledger(
        store=SqlLedgerStore.from_url(url), clock=FixedClock(NOW), origin="bench.tamga/register"
    )
    ledger.initialize()
    if ledger.head()[0] == 0:
        sample = load("emission-digital-token.yaml")
        issuers = (emissions + PER_ISSUER - 1) // PER_ISSUER
        app_no = 0
        for i in range(issuers):
            code, _ = ledger.register_issuer(
                issuer_filing(name=f"Bench Issuer {i:03d} LLC"), effective_on=dt.date(2026, 2, 2)
            )
            batch: list[Any] = []
            for serial in range(1, PER_ISSUER + 1):
                if app_no == emissions:
                    break
                app_no += 1
                app = f"APP-{app_no:06d}"
                name = f"{WORDS[app_no % 10]} {WORDS[(app_no // 10) % 10]} Token {app_no}"
                filing = parse_emission_filing(
                    {
                        **sample,
                        "issuer": code,
                        "name": name,
                        "symbol": f"T{app_no}",
                        "contract_address": f"0x{app_no:040x}",
                    }
                )
                batch.append(application_entry(filing, application_no=app, recorded_at=NOW))
                regno = RegNo.build(
                    va_type=filing.va_type, serial=serial, issuer_code=code, region=Region.BISHKEK
                )
                batch.append(
                    event_entry(
                        "emission.registered",
                        emission=app,
                        data={"regno": str(regno), "basis": BASIS},
                        recorded_at=NOW,
                        effective_on=REGISTERED_ON,
                    )
                )
            ledger.append(batch)
        ledger.sequencer.signer = None
    keys = [e.key for e in ledger.emissions()]
    ledger.close()
    return keys


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


LUA = """
local keys = {KEYS}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", keys[(i % #keys) + 1])
end
"""


def wrk(
    url: str, paths: list[str], *, duration: int, connections: int, work: Path
) -> dict[str, float]:
    """Run wrk over ``paths`` (rotating); return requests/s and latency percentiles in ms."""
    script = work / "rotate.lua"
    quoted = ",".join(f'"{p}"' for p in paths)
    script.write_text(LUA.replace("KEYS", quoted), encoding="utf-8")
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = {}
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)", out, re.M)
        assert m is not None, out
        value = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
        lat[pct] = value
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": lat["50"],
        "p90": lat["90"],
        "p99": lat["99"],
        "non2xx": float(errors.group(1)) if errors else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3, help="wrk runs of --duration s each")
    parser.add_argument("--emissions", type=int, default=EMISSIONS)
    parser.add_argument("--quick", action="store_true", help="300 emissions, 1 run of 2 s")
    parser.add_argument("--out", type=Path, help="replace this script's section of this file")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.runs, args.emissions = 2, 1, 300
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk (make system-deps)")
    if args.emissions == EMISSIONS:
        work = ROOT / ".bench" / "api"
    else:
        work = Path(tempfile.mkdtemp(prefix="tamga-bench-api-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    keys = build(work / "register.sqlite", args.emissions)
    built = time.perf_counter() - started
    port = free_port()
    env = {
        **os.environ,
        "TAMGA_DATABASE_URL": f"sqlite:///{work / 'register.sqlite'}",
        "TAMGA_DATA_DIR": str(work),
        "TAMGA_API_RATE_LIMIT_PER_MINUTE": "0",
        "TAMGA_API_TOKEN_RATE_LIMIT_PER_MINUTE": "0",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.app:create_app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/v1/emissions/{keys[0]}", timeout=30).read()
                break
            except OSError:
                time.sleep(0.1)
        for _ in range(args.workers * 4):  # every worker loads its read model
            urllib.request.urlopen(f"{base}/v1/emissions?q=bench", timeout=30).read()
        step = max(1, len(keys) // 1000)
        paths = [f"/v1/emissions/{k}" for k in keys[::step]]
        terms = [f"/v1/emissions?q={w}%20{v}" for w in WORDS for v in WORDS]
        terms += [f"/v1/emissions?q=Token%20{n}" for n in range(1, 200, 7)]
        regno_runs: list[dict[str, float]] = []
        search_runs: list[dict[str, float]] = []
        for _ in range(args.runs):  # alternate, so that noise hits both alike
            options = {"duration": args.duration, "connections": args.connections, "work": work}
            regno_runs.append(wrk(base, paths, **options))  # type: ignore[arg-type]
            search_runs.append(wrk(base, terms, **options))  # type: ignore[arg-type]
    finally:
        server.terminate()
        server.wait(timeout=30)
        if work != ROOT / ".bench" / "api":
            shutil.rmtree(work, ignore_errors=True)
    by_regno, search = _median_run(regno_runs), _median_run(search_runs)
    section = report(by_regno, search, args, built, len(keys), runs=(regno_runs, search_runs))
    print(section)
    if args.out is not None:
        common.replace_section(args.out, BEGIN, END, section)
    if args.json is not None:
        _write_json(args, regno_runs, search_runs, len(keys))


def _median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each measure's median over the runs."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def _write_json(
    args: argparse.Namespace,
    regno_runs: list[dict[str, float]],
    search_runs: list[dict[str, float]],
    count: int,
) -> None:
    at = f"{count:,} emissions, {args.connections} connections, {args.workers} workers"
    figures = [
        common.figure(
            "api_get_rps",
            "API: GET an emission by registration number, throughput",
            "req/s",
            [r["rps"] for r in regno_runs],
            higher_is_better=True,
            target=common.Target(">=", 1_000, "≥ 1,000 req/s"),
            issue_target="api-get",
            at=at,
        ),
        common.figure(
            "api_get_p99",
            "API: GET an emission by registration number, p99 latency",
            "ms",
            [r["p99"] for r in regno_runs],
            higher_is_better=False,
            target=common.Target("<", 50, "p99 < 50 ms"),
            issue_target="api-get-p99",
            at=at,
        ),
        common.figure(
            "api_search_rps",
            "API: search (`?q=`), throughput",
            "req/s",
            [r["rps"] for r in search_runs],
            higher_is_better=True,
            target=common.Target(">=", 300, "≥ 300 req/s"),
            at=at,
        ),
        common.figure(
            "api_search_p99",
            "API: search (`?q=`), p99 latency",
            "ms",
            [r["p99"] for r in search_runs],
            higher_is_better=False,
            at=at,
        ),
    ]
    common.write_json(
        args.json, script="bench_api", mode="quick" if args.quick else "full", figures=figures
    )


def report(
    by_regno: dict[str, float],
    search: dict[str, float],
    args: argparse.Namespace,
    built: float,
    count: int,
    *,
    runs: tuple[list[dict[str, float]], list[dict[str, float]]],
) -> str:
    def row(label: str, m: dict[str, float], target: str, ok: bool) -> str:
        cells = [
            label,
            f"{m['rps']:,.0f}",
            f"{m['p50']:.1f} ms",
            f"{m['p90']:.1f} ms",
            f"{m['p99']:.1f} ms",
            target,
            "met" if ok else "**missed**",
        ]
        return "| " + " | ".join(cells) + " |"

    row_regno = row(
        f"GET an emission by registration number ({min(count, 1000):,} different numbers)",
        by_regno,
        "≥ 1,000/s, p99 < 50 ms",
        by_regno["rps"] >= 1000 and by_regno["p99"] < 50,
    )
    row_search = row(
        "Search (`?q=`, 128 different terms, over every emission)",
        search,
        "≥ 300/s",
        search["rps"] >= 300,
    )

    cpu = common.cpu_model()
    spread = "; ".join(
        f"{name}: {min(r['rps'] for r in rs):,.0f}–{max(r['rps'] for r in rs):,.0f} req/s, p99 "
        f"{min(r['p99'] for r in rs):.1f}–{max(r['p99'] for r in rs):.1f} ms"
        for name, rs in (("by number", runs[0]), ("search", runs[1]))
    )
    return f"""{BEGIN}
## HTTP API (`scripts/bench_api.py`)

Medians of {args.runs} wrk run(s) of {args.duration} s per request kind, alternating
(min–max over the runs: {spread}).
wrk, 2 threads, {args.connections} connections, on loopback against uvicorn
with {args.workers} workers (`api.app:create_app_from_env`, rate limits off) on SQLite with
{count:,} registered emissions; {cpu}, {os.cpu_count()} cores shared by wrk and the server;
Python {platform.python_version()}. Building (first run) or opening the register: {built:.0f} s.

| Request | Requests/s | p50 | p90 | p99 | Target | Verdict |
|---|---|---|---|---|---|---|
{row_regno}
{row_search}

Non-2xx responses: {by_regno["non2xx"]:.0f} and {search["non2xx"]:.0f}. Reads are served from an
in-memory read model of the register, refreshed from the log only when its size changes (one
indexed head read per request), so a read costs no JSON parsing of stored records.
{END}
"""


if __name__ == "__main__":
    main()
