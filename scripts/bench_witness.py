"""Benchmark `tamga witness`: cosignatures per second for add-checkpoint on loopback.

    python scripts/bench_witness.py --out docs/benchmarks.md    # the full run (about a minute)
    python scripts/bench_witness.py --quick --out /tmp/report.md  # smoke run
    python scripts/bench_witness.py --json /tmp/witness.json    # figures for scripts/bench.py

A real witness process (`python -m node.cli.witness serve`, uvicorn on 127.0.0.1, its state
in a SQLite file with synchronous=FULL) witnesses one log. The client submits checkpoints of a
growing in-memory RFC 9162 tree (random leaves; every size 1, 2, 3, …), each a C2SP signed note
with the log's Ed25519 key, with ``old`` = the previous size and its consistency proof, one
request at a time over one keep-alive HTTP connection (as c2sp.org/tlog-witness advises), and
verifies every cosignature it gets back. A run is ``--requests`` such submissions; the figure is
requests per second of wall time, median of ``--runs`` runs (a fresh witness state each run).

``--out FILE`` replaces this script's section of FILE (between its markers), or appends it.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from anchoring.witness import encode_add_checkpoint, init_witness  # noqa: E402
from node.checkpoint import Checkpoint  # noqa: E402
from node.merkle.hasher import hash_leaf  # noqa: E402
from node.merkle.tree import build_tree, prove_consistency, root_at  # noqa: E402
from node.note import (  # noqa: E402
    NoteSigner,
    parse_signature_line,
    sign_checkpoint_note,
    verify_signature,
)

sys.path.insert(0, str(ROOT / "scripts"))
import bench_common as common  # noqa: E402

BEGIN = "<!-- bench_witness: begin (scripts/bench_witness.py rewrites this section) -->"
END = "<!-- bench_witness: end -->"
ORIGIN = "bench.tamga/log"


def one_run(requests: int, workdir: Path) -> float:
    """Submit ``requests`` checkpoints to a fresh witness; return cosignatures per second."""
    log = NoteSigner(name=ORIGIN, seed=os.urandom(32))
    witness_dir = workdir / f"witness-{time.monotonic_ns()}"
    key = init_witness(witness_dir, name="bench.witness/w")
    port_file = witness_dir / "port"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "node.cli.witness",
            "serve",
            str(witness_dir),
            "--log",
            f"{ORIGIN}={log.verifier.encode()}",
            "--port",
            "0",
            "--port-file",
            str(port_file),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the witness did not start")
            time.sleep(0.05)
        url = f"http://127.0.0.1:{int(port_file.read_text())}/add-checkpoint"
        store, size = build_tree(hash_leaf(os.urandom(16)) for _ in range(requests))
        bodies = []
        now = datetime(2026, 12, 4, tzinfo=UTC)
        for n in range(1, size + 1):
            checkpoint = Checkpoint(
                origin=ORIGIN,
                size=n,
                log_root=root_at(store, n),
                state_root=bytes(32),
                state_size=0,
                issued_at=now,
            )
            note = sign_checkpoint_note(checkpoint, log)
            proof = prove_consistency(store, n - 1, n) if n > 1 else []
            bodies.append((note, encode_add_checkpoint(old=n - 1, proof=proof, note=note)))
        with httpx.Client(timeout=30) as http:
            started = time.perf_counter()
            for note, body in bodies:
                response = http.post(url, content=body)
                if response.status_code != 200:
                    raise RuntimeError(f"{response.status_code}: {response.text}")
                verify_signature(note.text, parse_signature_line(response.text), key)
            elapsed = time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=20)
    return requests / elapsed


def render(rates: Sequence[float], *, requests: int, elapsed: float) -> str:
    """This script's section of docs/benchmarks.md."""
    stat = common.Stat.of(rates)
    return "\n".join(
        [
            BEGIN,
            "## Witness (`scripts/bench_witness.py`)",
            "",
            f"Machine: {common.cpu_model()}, Python {platform.python_version()}; "
            f"{len(rates)} runs of {requests:,} add-checkpoint requests, {elapsed:.0f} s in all.",
            "",
            "| measure | Tamga median (min–max) |",
            "|---|---|",
            f"| Cosignatures per second, add-checkpoint on loopback | {stat.median:,.0f} "
            f"({stat.low:,.0f}–{stat.high:,.0f}) cosignatures/s |",
            "",
            "### Method",
            "",
            "One `tamga witness` process (uvicorn, one worker) on 127.0.0.1; one client over "
            "one keep-alive connection sends checkpoints of sizes 1, 2, 3, … of a growing "
            "RFC 9162 tree, each a C2SP signed note (Ed25519) with `old` = the previous size "
            "and its consistency proof, and verifies every cosignature/v1 line it gets. Each "
            "request costs the witness: parsing, the log's Ed25519 signature check, RFC 9162 "
            "§2.1.4 consistency verification, one SQLite transaction (`BEGIN IMMEDIATE`, WAL, "
            "`synchronous=FULL`: an fsync per cosignature, as the state must be persisted "
            "before answering) and one Ed25519 cosignature.",
            END,
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the section and write it into ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="Markdown file whose section is (re)written")
    parser.add_argument("--quick", action="store_true", help="few requests, 2 runs")
    parser.add_argument("--requests", type=int, default=None, help="requests per run")
    parser.add_argument("--runs", type=int, default=None, help="runs (median reported)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    requests = args.requests or (100 if args.quick else 2000)
    runs = args.runs or (2 if args.quick else 5)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-witness-") as scratch:
        rates = [one_run(requests, Path(scratch)) for _ in range(runs)]
    for rate in rates:
        print(f"witness: {rate:,.0f} cosignatures/s", file=sys.stderr)
    section = render(rates, requests=requests, elapsed=time.perf_counter() - started)
    sys.stdout.write(section)
    if args.out is not None:
        common.replace_section(args.out, BEGIN, END, section)
    if args.json is not None:
        common.write_json(
            args.json,
            script="bench_witness",
            mode="quick" if args.quick else "full",
            figures=[
                common.figure(
                    "witness_cosign_rate",
                    "Witness cosignatures per second, add-checkpoint on loopback",
                    "cosignatures/s",
                    rates,
                    higher_is_better=True,
                    at=f"{requests:,} requests per run",
                )
            ],
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
