#!/usr/bin/env python3
"""API benchmark: wrk on loopback against the HTTP API on SQLite with 10,000 emissions.

Usage:
    python scripts/bench_api.py                 # build the register once (.bench/api), measure
    python scripts/bench_api.py --duration 20 --workers 2

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
import subprocess
import sys
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

EMISSIONS = 10_000
PER_ISSUER = 91
NOW = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)
REGISTERED_ON = dt.date(2026, 3, 16)
BASIS = {"type": "authority_decision", "number": "R", "date": "2026-03-16", "issued_by": "A"}
WORDS = ["Ala", "Too", "Issyk", "Naryn", "Talas", "Chuy", "Suusamyr", "Sary", "Kol", "Tash"]


def build(db: Path) -> list[str]:
    """Create the register (once) and return its registration numbers."""
    url = f"sqlite:///{db}"
    ledger = Ledger(
        store=SqlLedgerStore.from_url(url), clock=FixedClock(NOW), origin="bench.tamga/register"
    )
    ledger.initialize()
    if ledger.head()[0] == 0:
        sample = load("emission-digital-token.yaml")
        issuers = (EMISSIONS + PER_ISSUER - 1) // PER_ISSUER
        app_no = 0
        for i in range(issuers):
            code, _ = ledger.register_issuer(
                issuer_filing(name=f"Bench Issuer {i:03d} LLC"), effective_on=dt.date(2026, 2, 2)
            )
            batch: list[Any] = []
            for serial in range(1, PER_ISSUER + 1):
                if app_no == EMISSIONS:
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


def wrk(url: str, paths: list[str], *, duration: int, connections: int) -> dict[str, float]:
    """Run wrk over ``paths`` (rotating); return requests/s and latency percentiles in ms."""
    script = ROOT / ".bench" / "api" / "rotate.lua"
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
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk (make system-deps)")
    work = ROOT / ".bench" / "api"
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    keys = build(work / "register.sqlite")
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
        by_regno = wrk(
            base,
            [f"/v1/emissions/{k}" for k in keys[::step]],
            duration=args.duration,
            connections=args.connections,
        )
        terms = [f"/v1/emissions?q={w}%20{v}" for w in WORDS for v in WORDS]
        terms += [f"/v1/emissions?q=Token%20{n}" for n in range(1, 200, 7)]
        search = wrk(base, terms, duration=args.duration, connections=args.connections)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(report(by_regno, search, args, built, len(keys)))


def report(
    by_regno: dict[str, float],
    search: dict[str, float],
    args: argparse.Namespace,
    built: float,
    count: int,
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
        "GET an emission by registration number (1,000 different numbers)",
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

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"""## HTTP API (`scripts/bench_api.py`)

wrk {args.duration} s, 2 threads, {args.connections} connections, on loopback against uvicorn
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
"""


if __name__ == "__main__":
    main()
