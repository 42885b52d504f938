#!/usr/bin/env python3
"""Micro-benchmark of the strict leaf parser: what reading only RFC 8785 leaves costs per leaf.

Usage:
    python scripts/bench_canonical.py                  # the demo register's leaves, 3 runs
    python scripts/bench_canonical.py --export DIR     # the leaves of an export directory

Times, per leaf, over every leaf of the register (each run repeats them until about 10^5 leaves
are read): the lenient parse that decoding used before (``parse_json``), the strict
``parse_canonical`` (UTF-8, RFC 8785 byte-for-byte), and the whole ``decode_entry`` (strict
parse and the pydantic entry models). The best run counts; the difference times 10^6 is what
the strict check adds to `tamga audit` / `tamga check` of 10^6 entries (the audit's replay runs
in its own process beside the hashing, so the wall-clock cost there is at most that).
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from eth_account import Account  # noqa: E402

from node.demo import demo_clock, load_demo  # noqa: E402
from node.domain.canonical import parse_canonical, parse_json  # noqa: E402
from node.domain.entries import decode_entry  # noqa: E402
from node.ledger.service import Ledger  # noqa: E402
from node.ledger.store import iter_all  # noqa: E402
from node.settings import Settings  # noqa: E402

READS_PER_RUN = 100_000


def demo_leaves() -> list[bytes]:
    """Every leaf of the demo register (`tamga demo` without a chain)."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory)
        settings = Settings(data_dir=path, database_url=f"sqlite:///{path / 'demo.sqlite'}")
        clock = demo_clock()
        ledger = Ledger.open(settings, clock=clock, signer=Account.from_key(b"\x11" * 32))
        try:
            ledger.initialize()
            load_demo(ledger, clock=clock)
            with ledger.store.read() as reader:
                return [record.leaf for record in iter_all(reader)]
        finally:
            ledger.close()


def export_leaves(directory: Path) -> list[bytes]:
    """Every leaf of an export directory's entries.jsonl."""
    with (directory / "entries.jsonl").open("rb") as lines:
        return [base64.b64decode(json.loads(line)["leaf"]) for line in lines if line.strip()]


def per_leaf(action: Callable[[bytes], object], leaves: Sequence[bytes], runs: int) -> float:
    """Best-of-``runs`` seconds per leaf."""
    rounds = max(1, READS_PER_RUN // len(leaves))
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            for _ in range(rounds):
                for leaf in leaves:
                    action(leaf)
            best = min(best, (time.perf_counter() - start) / (rounds * len(leaves)))
        finally:
            gc.enable()
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", type=Path, help="read the leaves of this export directory")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    leaves = export_leaves(args.export) if args.export else demo_leaves()
    size = sum(map(len, leaves)) / len(leaves)
    print(f"{len(leaves)} leaves, {size:.0f} bytes on average, best of {args.runs} runs")
    lenient = per_leaf(lambda leaf: parse_json(leaf, field="leaf"), leaves, args.runs)
    strict = per_leaf(lambda leaf: parse_canonical(leaf, where="leaf"), leaves, args.runs)
    decode = per_leaf(decode_entry, leaves, args.runs)
    print(f"parse_json (lenient, before)   {lenient * 1e6:6.2f} µs/leaf")
    print(f"parse_canonical (strict)       {strict * 1e6:6.2f} µs/leaf")
    print(f"decode_entry (strict + models) {decode * 1e6:6.2f} µs/leaf")
    added = strict - lenient
    print(
        f"strict check adds              {added * 1e6:6.2f} µs/leaf = {added * 1e6:.1f} s per 10^6"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
