# ruff: noqa: E501 - the report template keeps its Markdown table rows whole
"""Benchmarks of the topology (issue 19), on scripts/cluster.py's real parts: failover of the job
runner, read-your-write through the replica vs the primary, GET throughput through nginx with
one and with three API processes. Writes its section of docs/benchmarks.md (about 4 minutes; a step of `make bench`):

    .venv/bin/python scripts/bench_cluster.py [--failovers 5] [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.bench_api import wrk
from scripts.bench_common import cpu_model, replace_section
from scripts.cluster import Cluster, Proc, build, free_port, nginx_config, seed

BEGIN = "<!-- bench_cluster: begin (scripts/bench_cluster.py rewrites this section) -->"
END = "<!-- bench_cluster: end -->"
NODE_ENV = {
    # default lease poll (2 s) and anchoring settings: failover as a deployment would see it;
    # no rate limit (wrk is one client address)
    "TAMGA_API_RATE_LIMIT_PER_MINUTE": "0",
    "TAMGA_API_TOKEN_RATE_LIMIT_PER_MINUTE": "0",
    "TAMGA_CHECKPOINT_INTERVAL_SECONDS": "5",
    "TAMGA_VERIFY_INTERVAL_SECONDS": "3600",
}


def _status(url: str) -> str:
    try:
        return str(httpx.get(f"{url}/readyz", timeout=5).json()["checks"]["jobs"]["status"])
    except (httpx.HTTPError, ValueError, KeyError):
        return "down"


def failover_once(cluster: Cluster, issuer: str, n: int) -> float:
    """SIGKILL the active runner after a write; seconds until the standby has cut the
    checkpoint of that write (its first successful job)."""
    urls = [f"http://127.0.0.1:{p}" for p in cluster.runner_ports]
    states = [_status(u) for u in urls]
    active = cluster.runners[states.index("active")]
    standby = cluster.runners[states.index("standby")]
    answer = httpx.post(
        f"{cluster.url}/v1/issuers/{issuer}/events",
        json={"kind": "updated", "effective_on": "2026-11-20", "data": {"legal_address": f"F{n}"}},
        headers={"Authorization": f"Bearer {cluster.regulator_token}"},
        timeout=30,
    )
    answer.raise_for_status()
    mark = len(standby.output())
    active.kill(signal.SIGKILL)
    killed = time.monotonic()
    taken = standby.wait_for("took over the job lease", timeout=120, after=mark)
    standby.wait_for("checkpoint cut: size", timeout=120, after=taken)
    seconds = time.monotonic() - killed
    index = cluster.runners.index(active)
    again = cluster.start_runner(index, extra=NODE_ENV)
    again.wait_for("standby ", timeout=120)
    return seconds


def read_your_write(cluster: Cluster, issuer: str, *, rounds: int) -> dict[str, list[float]]:
    """Write, then read the write back with Tamga-Min-Log-Size: through an API process reading
    from the replica, and (authenticated reads go to the primary) from the primary."""
    api = f"http://127.0.0.1:{cluster.api_ports[1]}"
    auth = {"Authorization": f"Bearer {cluster.regulator_token}"}
    times: dict[str, list[float]] = {"replica": [], "primary": [], "write": []}
    sources: dict[str, int] = {}
    with httpx.Client(timeout=30) as http:
        for i in range(rounds):
            for where in ("replica", "primary"):
                started = time.perf_counter()
                written = http.post(
                    f"{api}/v1/issuers/{issuer}/events",
                    json={
                        "kind": "updated",
                        "effective_on": "2026-11-20",
                        "data": {"legal_address": f"R{where}{i}"},
                    },
                    headers=auth,
                )
                written.raise_for_status()
                acked = time.perf_counter()
                headers = {"Tamga-Min-Log-Size": str(written.json()["tree_size"])}
                if where == "primary":
                    headers |= auth
                read = http.get(f"{api}/v1/issuers/{issuer}/history", headers=headers)
                read.raise_for_status()
                done = time.perf_counter()
                source = read.headers.get("tamga-read-from", "?")
                sources[f"{where}:{source}"] = sources.get(f"{where}:{source}", 0) + 1
                times[where].append((done - acked) * 1000)
                times["write"].append((acked - started) * 1000)
    print(f"read sources: {sources}", flush=True)
    return times


def throughput(cluster: Cluster, *, duration: int) -> dict[str, dict[str, float]]:
    """wrk on public reads: one API process directly (reading the replica; and another one with
    no replica, reading the primary), one behind nginx, and the cluster's nginx in front of all
    three."""
    root = cluster.root / "nginx-one"
    port = free_port()
    conf = nginx_config(root, port=port, upstreams=cluster.api_ports[:1])
    single = Proc("nginx-one", ["/usr/sbin/nginx", "-e", str(root / "nginx-error.log"), "-c", str(conf), "-p", str(root)],
                  dict(os.environ), cluster.root / "nginx-one.log")  # fmt: skip
    single.start()
    primary_port = free_port()
    primary_only = cluster.node("api-primary", role="api", port=primary_port, extra=NODE_ENV)
    primary_only.start()
    try:
        primary_only.wait_for("serving ", timeout=120)
        time.sleep(1)
        paths = ["/v1/issuers", "/v1/emissions", "/v1/checkpoints/latest"]
        work = Path(tempfile.mkdtemp())
        results = {}
        for name, url in (
            (DIRECT_REPLICA, f"http://127.0.0.1:{cluster.api_ports[0]}"),
            (DIRECT_PRIMARY, f"http://127.0.0.1:{primary_port}"),
            (ONE, f"http://127.0.0.1:{port}"),
            (THREE, cluster.url),
        ):
            wrk(url, paths, duration=3, connections=16, work=work)  # warm-up
            results[name] = wrk(url, paths, duration=duration, connections=32, work=work)
            print(f"{name}: {results[name]}", flush=True)
        return results
    finally:
        single.kill(signal.SIGTERM)
        primary_only.kill(signal.SIGTERM)


DIRECT_REPLICA = "1 API process, direct (reads from the replica)"
DIRECT_PRIMARY = "1 API process, direct (no replica: reads from the primary)"
ONE = "1 API process behind nginx"
THREE = "3 API processes behind nginx"


def main() -> int:
    """Run, print, and write the section."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--failovers", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="2 failovers, 5 rounds, 3 s (CI)")
    parser.add_argument("--json", type=Path, help="write the figures here (scripts/bench.py)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md",
        help="the file whose section this rewrites",
    )
    args = parser.parse_args()
    if args.quick:
        args.failovers, args.rounds, args.duration = 2, 5, 3
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    root = Path(tempfile.mkdtemp(prefix="tamga-bench-cluster-"))
    cluster = build(root, node_env=NODE_ENV)
    try:
        issuer = seed(cluster)
        failovers = []
        for n in range(args.failovers):
            failovers.append(failover_once(cluster, issuer, n))
            print(f"failover {n + 1}: {failovers[-1]:.2f} s", flush=True)
        ryw = read_your_write(cluster, issuer, rounds=args.rounds)
        rps = throughput(cluster, duration=args.duration)
    finally:
        cluster.stop()
        cluster.remove()
    med = statistics.median
    one, three = rps[ONE], rps[THREE]
    rows = "\n".join(
        f"| {name} | {r['rps']:.0f} | {r['p50']:.1f} ms | {r['p99']:.1f} ms | {r['non2xx']:.0f} |"
        for name, r in rps.items()
    )
    section = f"""{BEGIN}
## Topology: failover, replica reads, proxy throughput (issue 19)

`scripts/bench_cluster.py` on scripts/cluster.py's parts (PostgreSQL primary and streaming
replica, anvil, two job runners, three API processes, nginx), all on this machine
({cpu_model()}, {os.cpu_count()} cores). Medians; lease poll at its default (2 s).

| Measure | Median | Runs | Range |
|---|---|---|---|
| Failover: SIGKILL of the active job runner → the standby's first job done (checkpoint cut) | {med(failovers):.2f} s | {len(failovers)} | {min(failovers):.2f}–{max(failovers):.2f} s |
| Read-your-write through the replica (write acknowledged → read with `Tamga-Min-Log-Size` answered) | {med(ryw["replica"]):.1f} ms | {len(ryw["replica"])} | {min(ryw["replica"]):.1f}–{max(ryw["replica"]):.1f} ms |
| The same read from the primary (authenticated) | {med(ryw["primary"]):.1f} ms | {len(ryw["primary"])} | {min(ryw["primary"]):.1f}–{max(ryw["primary"]):.1f} ms |
| The write itself (for scale) | {med(ryw["write"]):.1f} ms | {len(ryw["write"])} | |

Target: failover under 30 s with default settings — {med(failovers):.1f} s: the standby tries the lease every 2 s; PostgreSQL ends
the killed runner's session (and its advisory lock) as soon as its socket closes.

GET throughput (wrk, 2 threads, 32 connections, {args.duration} s, public reads rotating over
`/v1/issuers`, `/v1/emissions`, `/v1/checkpoints/latest`):

| Served by | Requests/s | p50 | p99 | Non-2xx |
|---|---|---|---|---|
{rows}

Behind nginx, 3:1 = {three["rps"] / one["rps"]:.2f}. On two cores, wrk, nginx, PostgreSQL (two servers) and the API processes
share the same CPUs (load average {load} before the run): three processes cannot triple anything
here; the figure shows the proxy spreading the load over processes, not what three machines would do.
{END}
"""
    replace_section(args.out, BEGIN, END, section)
    print(section)
    if args.json:
        figures = {
            "script": "bench_cluster",
            "mode": "quick" if args.quick else "full",
            "failover_s": failovers,
            "read_your_write_ms": ryw,
            "get_throughput": rps,
        }
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
