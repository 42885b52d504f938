#!/usr/bin/env python3
"""On-chain verification benchmark: 1,000 registered tokens read and checked on a real anvil,
beside the naive one-call-at-a-time web3.py loop; Transfer log scanning throughput.

Usage:
    python scripts/bench_verify.py --quick                     # 50 tokens, 5,000 logs (smoke)
    python scripts/bench_verify.py --write docs/benchmarks.md  # 1,000 tokens, 60,000 logs

Setup (not timed): anvil on a free port, Multicall3 at its canonical address; N OpenZeppelin
``TestToken``s deployed and minted (JSON-RPC batches of ``eth_sendTransaction`` from anvil's
unlocked account), part of each supply sent to a holder and to 0x…dEaD; N emissions filed and
registered in a fresh SQLite ledger, each declaring one token and the minting wallet.

Timed:
- *Tamga batched reads*: ``read_tokens`` at one pinned block — code (hash), ``name``, ``symbol``,
  ``decimals``, ``totalSupply``, the declared wallet's and the sink's balances, ``owner``,
  ``defaultAdmin``, ``hasRole`` and the EIP-1967 slots — through JSON-RPC batches and Multicall3.
- *Tamga full run*: ``Verifier.run`` over all N emissions: the reads above, the incremental
  Transfer log scan, every check, and the run's ledger entries appended (one per emission).
- *naive web3.py loop*: what a user would write — for each token ``w3.eth.get_code`` and
  ``contract.functions.X().call()`` for the same values, one request at a time.
- *burn scan*: a token with M burn logs (``burnInParts``, 2,000 per block) scanned from block 0
  by ``TransferScanner`` (``eth_getLogs`` + decode + store) in windows of 5 blocks — 10,000 logs
  per answer, the most hosted providers return — with 4 windows in flight, beside the same scan
  one window at a time, the scan as one 100,000-block window (one ~38 MB answer), and the web3.py
  loop a user would write (``w3.eth.get_logs`` + ``events.Transfer().process_log`` per window,
  nothing stored); in alternation, each scan into a fresh SQLite store. Parsing one whole
  answer with ``json.loads``, orjson and msgspec (into ``RawLog``), and decoding alone.

Usage of the scan part alone (no tokens, no report written):
    python scripts/bench_verify.py --scan-only --logs 60000 --runs 5
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import msgspec  # noqa: E402
import requests  # noqa: E402
from eth_utils.address import to_checksum_address  # noqa: E402
from web3 import HTTPProvider, Web3  # noqa: E402

from node.chain import dev  # noqa: E402
from node.chain.abi import DEAD_ADDRESS  # noqa: E402
from node.chain.config import ChainTable  # noqa: E402
from node.chain.logs import RawLog, decode_transfers, topic_address  # noqa: E402
from node.chain.reads import PinnedReader, pin_block  # noqa: E402
from node.chain.rpc import RpcClient  # noqa: E402
from node.clock import FixedClock  # noqa: E402
from node.ledger.service import Ledger  # noqa: E402
from node.ledger.store import SqlLedgerStore  # noqa: E402
from node.verification.reader import TokenTarget, read_tokens  # noqa: E402
from node.verification.scan import IN_FLIGHT, TransferScanner  # noqa: E402
from node.verification.service import Verifier, VerifyConfig  # noqa: E402
from node.verification.store import VerificationStore  # noqa: E402
from tests.unit.domain.lifecycle_samples import emission_filing, issuer_filing  # noqa: E402
from tests.verification.support import Anvil  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
import bench_common as common  # noqa: E402

DEV = to_checksum_address("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")  # anvil's account 0
DEAD = to_checksum_address(DEAD_ADDRESS)
HOLDER = to_checksum_address("0x70997970c51812dc3a010c7d01b50e0d17dc79c8")
VA = 10**18
MINTED_AT = dt.datetime(2026, 6, 1, 6, tzinfo=dt.UTC)  # the sample filing's placement: May-July
MARK_START = "<!-- bench_verify: start -->"
MARK_END = "<!-- bench_verify: end -->"
TOKEN_TARGET_S = 5.0
SPEEDUP_TARGET = 10.0
LOGS_TARGET = 50_000
BURNS_PER_TX = 2_000  # one burnInParts transaction per block
ANSWER_CAP = 10_000  # logs per eth_getLogs answer that hosted providers return at most
SCAN_WINDOW = ANSWER_CAP // BURNS_PER_TX  # blocks
TRANSFER_EVENT_ABI: list[dict[str, Any]] = [
    {"type": "event", "name": "Transfer", "anonymous": False, "inputs": [
        {"name": "from", "type": "address", "indexed": True},
        {"name": "to", "type": "address", "indexed": True},
        {"name": "value", "type": "uint256", "indexed": False}]}
]  # fmt: skip
ERC20_ABI: list[dict[str, Any]] = [
    {"type": "function", "name": n, "inputs": [], "outputs": [{"type": t, "name": ""}],
     "stateMutability": "view"}
    for n, t in (("name", "string"), ("symbol", "string"), ("decimals", "uint8"),
                 ("totalSupply", "uint256"), ("owner", "address"))
] + [
    {"type": "function", "name": "balanceOf", "inputs": [{"type": "address", "name": "a"}],
     "outputs": [{"type": "uint256", "name": ""}], "stateMutability": "view"}
]  # fmt: skip


def _send_all(client: RpcClient, txs: list[dict[str, Any]]) -> list[str]:
    """Send transactions from anvil's unlocked account one by one (anvil serves a JSON-RPC batch
    concurrently, out of nonce order); the created contracts' addresses."""
    hashes = [client.call("eth_sendTransaction", [tx]) for tx in txs]
    deadline = time.monotonic() + 120
    while True:
        receipts = [
            r.value() for r in client.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
        ]
        if all(r is not None for r in receipts):
            break
        if time.monotonic() > deadline:
            pool = client.call("txpool_status", [])
            raise SystemExit(f"setup transactions were not mined within 120 s (pool: {pool})")
        client.call("evm_mine", [])  # big transactions wait for room in a block
    for h, receipt in zip(hashes, receipts, strict=True):
        if int(receipt["status"], 16) != 1:
            raise SystemExit(f"setup transaction {h} failed")
    return [r["contractAddress"] for r in receipts]


def settle(client: RpcClient) -> None:
    """Wait until anvil has mined everything it accepted (the head stays put for 0.5 s)."""
    head = client.call("eth_blockNumber")
    while True:
        time.sleep(0.5)
        now = client.call("eth_blockNumber")
        if now == head:
            return
        head = now


def deploy_tokens(client: RpcClient, n: int) -> list[str]:
    """N TestTokens owned by anvil's account 0, minted, partly sold and partly locked."""
    artifact = dev.load_artifact("TestToken")
    from eth_abi.abi import encode

    creations = [
        {
            "from": DEV,
            "gas": hex(3_000_000),
            "data": "0x"
            + (
                artifact.bytecode
                + encode(["string", "string", "uint8", "address"], [f"Bench {i}", f"B{i}", 18, DEV])
            ).hex(),
        }
        for i in range(n)
    ]
    tokens = [to_checksum_address(a) for a in _send_all(client, creations)]
    dev.set_time(client, int(MINTED_AT.timestamp()))  # inside the placement period
    calls = []
    for token in tokens:
        for data in (
            dev.encode_call("mint(address,uint256)", DEV, 1_000_000 * VA),
            dev.encode_call("transfer(address,uint256)", HOLDER, 800_000 * VA),
            dev.encode_call("transfer(address,uint256)", DEAD_ADDRESS, 1_000 * VA),
        ):
            calls.append({"from": DEV, "to": token, "gas": hex(200_000), "data": "0x" + data.hex()})
    _send_all(client, calls)
    settle(client)
    return tokens


def register(ledger: Ledger, tokens: list[str]) -> list[str]:
    """Register one emission per token (99 per issuer: Reg. §68(в) serials)."""
    keys: list[str] = []
    code = ""
    for i, token in enumerate(tokens):
        if i % 99 == 0:
            code, _ = ledger.register_issuer(
                issuer_filing(name=f"Bench Issuer {i // 99:03d}"), effective_on=dt.date(2026, 2, 2)
            )
        filing = emission_filing(
            issuer=code,
            name=f"Bench {i}",
            symbol=f"B{i}",
            blockchain="tamga-local",
            contract_address=token,
            issuer_wallet=DEV,
        )
        app, _ = ledger.file_application(filing)
        basis = {
            "type": "authority_decision",
            "number": "1",
            "date": "2026-03-16",
            "issued_by": "A",
        }
        ledger.record_event(
            kind="emission.registered",
            emission=app,
            data={"basis": basis},
            effective_on=dt.date(2026, 3, 16),
        )
        keys.append(ledger.emission(app).key)
    return keys


def naive_loop(url: str, tokens: list[str]) -> int:
    """What a user would write: one web3.py request at a time. Returns the requests made."""
    w3 = Web3(HTTPProvider(url))
    block = "latest"
    requests = 0
    for token in tokens:
        contract = w3.eth.contract(address=token, abi=ERC20_ABI)
        code = w3.eth.get_code(token, block_identifier=block)
        Web3.keccak(code)
        contract.functions.name().call(block_identifier=block)
        contract.functions.symbol().call(block_identifier=block)
        contract.functions.decimals().call(block_identifier=block)
        contract.functions.totalSupply().call(block_identifier=block)
        contract.functions.balanceOf(DEV).call(block_identifier=block)
        contract.functions.balanceOf(DEAD).call(block_identifier=block)
        contract.functions.owner().call(block_identifier=block)
        requests += 8
    return requests


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    """Wall times of ``runs`` calls (GC collected before, paused during); the last result."""
    times = []
    result = None
    for _ in range(runs):
        gc.collect()
        gc.disable()
        start = time.perf_counter()
        try:
            result = fn()
        finally:
            elapsed = time.perf_counter() - start
            gc.enable()
        times.append(elapsed)
    return times, result


def fmt(times: list[float]) -> str:
    """Median (min–max) seconds."""
    return f"{statistics.median(times):.2f} s ({min(times):.2f}–{max(times):.2f})"


def burn_logs(client: RpcClient, count: int) -> str:
    """A token with ``count`` burn logs (``burnInParts`` of at most 2,000 per transaction)."""
    (token,) = deploy_tokens(client, 1)
    calls = []
    left = count
    while left:
        parts = min(BURNS_PER_TX, left)
        data = dev.encode_call("burnInParts(uint256,uint256)", parts, 1)
        calls.append({"from": DEV, "to": token, "gas": hex(29_000_000), "data": "0x" + data.hex()})
        left -= parts
    for start in range(0, len(calls), 10):
        _send_all(client, calls[start : start + 10])
    settle(client)
    return token


def machine() -> list[tuple[str, str]]:
    """Where the benchmark ran."""
    model = common.cpu_model()
    anvil = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "anvil"), "--version"], capture_output=True, text=True
    ).stdout.splitlines()[0]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    return [
        ("CPU", model),
        ("Cores", f"{os.cpu_count()} (shared; load average at start {load})"),
        ("Python", platform.python_version()),
        ("web3.py", importlib.metadata.version("web3")),
        ("anvil", anvil),
        ("Date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("Commit", commit or "-"),
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the report section (and write it into ``--write``)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 tokens, 5,000 logs")
    parser.add_argument("--tokens", type=int, default=None)
    parser.add_argument("--logs", type=int, default=None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", type=Path, help="replace this report's section in FILE")
    parser.add_argument("--json", type=Path, help="write the figures and series here")
    parser.add_argument(
        "--scan-only", action="store_true", help="only the burn scan; print its rows"
    )
    args = parser.parse_args(argv)
    n = args.tokens or (50 if args.quick else 1_000)
    m = args.logs or (5_000 if args.quick else 60_000)
    runs = 2 if args.quick else args.runs
    if args.scan_only:
        if args.write is not None or args.json is not None:
            parser.error("--scan-only prints its rows; it writes no report")
        anvil = Anvil()
        try:
            client = RpcClient([anvil.url], chain_id=31337, timeout=300, batch_limit=500)
            dev.install_multicall3(client)
            result = burn_scan(
                anvil.url, client, m, runs, work=Path(tempfile.mkdtemp()), pid=anvil.process.pid
            )
        finally:
            anvil.stop()
        print("\n".join(scan_rows(result)))
        return 0
    anvil = Anvil()
    work = Path(tempfile.mkdtemp(prefix="tamga-bench-verify-"))
    try:
        client = RpcClient([anvil.url], chain_id=31337, timeout=120, batch_limit=500)
        dev.install_multicall3(client)
        print(f"setup: deploying {n} tokens…", file=sys.stderr)
        tokens = deploy_tokens(client, n)
        ledger = Ledger(
            store=SqlLedgerStore.from_url(f"sqlite:///{work / 'ledger.sqlite'}"),
            clock=FixedClock(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)),
            origin="bench.tamga/verify",
        )
        ledger.initialize()
        print(f"setup: registering {n} emissions…", file=sys.stderr)
        keys = register(ledger, tokens)
        pin = pin_block(client, chain_id=31337, confirmations=1)
        targets = [TokenTarget(contract=t.lower(), wallet=DEV.lower()) for t in tokens]

        def batched() -> Any:
            client = RpcClient([anvil.url], chain_id=31337, batch_limit=500)
            reader = PinnedReader(client, pin, chunk=300, at_head=True)
            readings = read_tokens(reader, targets, sinks=[DEAD_ADDRESS])
            return readings, reader.client.requests_sent

        read_times, (readings, read_requests) = timed(batched, runs)
        assert all(r.total_supply == 1_000_000 * VA for r in readings)

        def full_run() -> Any:
            verifier = Verifier(
                ledger,
                table=ChainTable(),
                clients=lambda spec: RpcClient([anvil.url], chain_id=31337) if spec.local else None,
                config=VerifyConfig(confirmations=1),
            )
            return verifier.run(keys)

        run_times, report = timed(full_run, runs)
        assert all(not r.findings for r in report.results), report.findings()[:3]
        naive_times, naive_requests = timed(
            lambda: naive_loop(anvil.url, tokens), max(1, runs // 2)
        )
        growth = common.Series(
            "verify_time", "Verifying registered tokens on chain", "tokens", "s (wall)"
        )
        growth.hlines[f"target: ≤ {TOKEN_TARGET_S:g} s for 1,000 tokens"] = TOKEN_TARGET_S
        counts = [c for c in (10, 100, 1_000, 10_000) if c < n] + [n]
        for count in counts:
            if count == n:
                reads, runs_k, naive_k = read_times, run_times, naive_times
            else:
                part = targets[:count]

                def batched_part(part: list[TokenTarget] = part) -> Any:
                    client = RpcClient([anvil.url], chain_id=31337, batch_limit=500)
                    reader = PinnedReader(client, pin, chunk=300, at_head=True)
                    return read_tokens(reader, part, sinks=[DEAD_ADDRESS])

                def full_part(count: int = count) -> Any:
                    verifier = Verifier(
                        ledger,
                        table=ChainTable(),
                        clients=lambda s: (
                            RpcClient([anvil.url], chain_id=31337) if s.local else None
                        ),
                        config=VerifyConfig(confirmations=1),
                    )
                    return verifier.run(keys[:count])

                reads, _ = timed(batched_part, runs)
                runs_k, _ = timed(full_part, runs)
                naive_k, _ = timed(
                    lambda count=count: naive_loop(anvil.url, tokens[:count]), max(1, runs // 2)
                )
            growth.add(
                "Tamga: Verifier.run (reads, log scan, checks, ledger entries)", count, runs_k
            )
            growth.add("Tamga: batched reads only", count, reads)
            growth.add("naive web3.py loop (8 requests per token)", count, naive_k)

        scan = burn_scan(anvil.url, client, m, runs, work=work, pid=anvil.process.pid)
        ledger.close()
    finally:
        anvil.stop()
    read_s = statistics.median(read_times)
    run_s = statistics.median(run_times)
    naive_s = statistics.median(naive_times)
    read_ok = read_s <= TOKEN_TARGET_S and naive_s / read_s >= SPEEDUP_TARGET
    lines = [
        MARK_START,
        "## On-chain verification (`scripts/bench_verify.py`)",
        "",
        f"Measured by `python scripts/bench_verify.py{' --quick' if args.quick else ''}"
        f"{f' --runs {args.runs}' if args.runs != 5 and not args.quick else ''}`: "
        f"{n:,} registered OpenZeppelin tokens on a local anvil; {m:,} burn logs. Figures are "
        f"the median (min–max) of {runs} runs ({max(1, runs // 2)} for the naive loops).",
        "",
        "| | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in machine()],
        "",
        "| Measurement | Tamga | naive web3.py loop | Tamga vs naive | Target | Verdict |",
        "|---|---|---|---|---|---|",
        f"| {n:,} tokens: code hash, metadata, total supply, balances (batched reads, "
        f"{read_requests} HTTP requests) | {fmt(read_times)} | {fmt(naive_times)} "
        f"({naive_requests:,} requests) | {naive_s / read_s:.1f}× | ≤ {TOKEN_TARGET_S:.0f} s, "
        f"≥ {SPEEDUP_TARGET:.0f}× | {_verdict(read_ok)} |",
        f"| {n:,} tokens: full `Verifier.run` (reads, log scan, checks, {report.entries:,} ledger "
        f"entries) | {fmt(run_times)} | — | {naive_s / run_s:.1f}× | ≤ {TOKEN_TARGET_S:.0f} s | "
        f"{_verdict(run_s <= TOKEN_TARGET_S)} |",
        "",
        *scan_rows(scan),
        "",
        "- Reads: one pinned block — read as `latest` while it is the head (confirmed after the "
        "reads, else read again by hash, EIP-1898); code and EIP-1967 slots as JSON-RPC batches "
        "of 500, contract calls through Multicall3 `aggregate3` in chunks of 300 (own codec, "
        "checked against eth_abi), all chunks of a step sent as one JSON-RPC batch.",
        "- The naive loop makes 8 requests per token through web3.py's middleware stack, the way "
        "its documentation shows `contract.functions.X().call()`.",
        "- The scan stores every Transfer to 0x0 / from 0x0 / to a sink with its block time, "
        "cursor moved in the same transaction (SQLite, `synchronous=FULL`); windows of "
        f"{SCAN_WINDOW} blocks hold {ANSWER_CAP:,} logs here ({BURNS_PER_TX:,} burns per "
        "block), the most a hosted provider answers (Infura, Alchemy: 10,000 results); the "
        f"{IN_FLIGHT} windows in flight are stored in block order. The scans alternate, "
        f"{scan.runs} runs each, each into a fresh store; the web3.py loop runs once.",
        MARK_END,
    ]
    section = "\n".join(lines) + "\n"
    print(section)
    if args.write is not None:
        text = args.write.read_text(encoding="utf-8") if args.write.exists() else ""
        if MARK_START in text and MARK_END in text:
            head, rest = text.split(MARK_START, 1)
            tail = rest.split(MARK_END, 1)[1].lstrip("\n")
            text = head + section + tail
        else:
            text = text.rstrip("\n") + "\n\n" + section
        args.write.write_text(text, encoding="utf-8")
    if args.json is not None:
        naive = "naive web3.py loop"
        at = f"{n:,} tokens on anvil"
        figures = [
            common.figure(
                "verify_full",
                f"{n:,} tokens verified: full `Verifier.run`",
                "s",
                run_times,
                higher_is_better=False,
                peer_name=naive,
                peer=naive_times,
                target=common.Target("<=", TOKEN_TARGET_S, "≤ 5 s and ≥ 10× the naive loop"),
                min_ratio=SPEEDUP_TARGET,
                issue_target="verify-1000",
                at=at,
            ),
            common.figure(
                "verify_reads",
                f"{n:,} tokens: batched reads only ({read_requests} HTTP requests)",
                "s",
                read_times,
                higher_is_better=False,
                peer_name=naive,
                peer=naive_times,
                target=common.Target("<=", TOKEN_TARGET_S, "≤ 5 s and ≥ 10× the naive loop"),
                min_ratio=SPEEDUP_TARGET,
                at=at,
            ),
            common.figure(
                "burn_scan",
                f"Burn scan: `eth_getLogs` + decode + store, {scan.logs:,} Transfer logs",
                "logs/s",
                scan.rates["overlapped"],
                higher_is_better=True,
                peer_name="web3.py get_logs + process_log loop (no store)",
                peer=scan.rates["web3"],
                target=common.Target(">=", LOGS_TARGET, f"≥ {LOGS_TARGET:,} logs/s"),
                issue_target="burn-scan",
                at=f"{scan.logs:,} logs",
            ),
            common.figure(
                "burn_decode",
                "… decoding alone (`decode_transfers`)",
                "logs/s",
                scan.rates["decode"],
                higher_is_better=True,
            ),
        ]
        common.write_json(
            args.json,
            script="bench_verify",
            mode="quick" if args.quick else "full",
            figures=figures,
            series=[growth],
        )
    return 0


@dataclasses.dataclass
class ScanResult:
    """Throughputs (logs/s per run) of the burn scan's variants, and what was scanned."""

    logs: int
    runs: int
    answer_mb: float
    rates: dict[str, list[float]]
    cpu: dict[str, list[tuple[float, float]]]
    """Per scan variant and run: CPU seconds of this process (all threads) and of anvil."""


SCAN_VARIANTS = {
    # name: (window in blocks, windows in flight)
    "overlapped": (SCAN_WINDOW, IN_FLIGHT),
    "sequential": (SCAN_WINDOW, 1),
    "one answer": (100_000, 1),
}


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux ``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def burn_scan(
    url: str, client: RpcClient, m: int, runs: int, *, work: Path, pid: int
) -> ScanResult:
    """Set up ``m`` burn logs, then time the scan variants in alternation (wall time, and the
    CPU time of this process and of anvil ``pid``), the web3.py loop once, and parsing and
    decoding of the whole answer."""
    print(f"setup: {m} burn logs…", file=sys.stderr)
    token = burn_logs(client, m).lower()
    pin = pin_block(client, chain_id=31337, confirmations=1)

    def prepared(window: int, in_flight: int) -> TransferScanner:
        store_dir = Path(tempfile.mkdtemp(dir=work))
        book = Ledger(
            store=SqlLedgerStore.from_url(f"sqlite:///{store_dir / 'scan.sqlite'}"),
            clock=FixedClock(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)),
            origin="bench.tamga/scan",
        )
        book.initialize()
        return TransferScanner(
            RpcClient([url], chain_id=31337, timeout=300),
            VerificationStore(book.store.engine),
            chain_id=31337,
            sinks=[DEAD_ADDRESS],
            now=lambda: "2026-11-20T09:00:00+00:00",
            max_range=window,
            in_flight=in_flight,
        )

    scanners = {  # empty stores, made untimed
        name: [prepared(*shape) for _ in range(runs)] for name, shape in SCAN_VARIANTS.items()
    }
    rates: dict[str, list[float]] = {name: [] for name in SCAN_VARIANTS}
    cpu: dict[str, list[tuple[float, float]]] = {name: [] for name in SCAN_VARIANTS}
    scanned = 0
    for _ in range(runs):
        for name in SCAN_VARIANTS:
            scanner = scanners[name].pop()

            def scan(scanner: TransferScanner = scanner) -> int:
                found = scanner.scan([token], pin)[token]
                return len(found.burns) + len(found.mints) + len(found.locks)

            ours, theirs = time.process_time(), process_cpu(pid)
            (elapsed,), scanned = timed(scan, 1)
            cpu[name].append((time.process_time() - ours, process_cpu(pid) - theirs))
            rates[name].append(scanned / elapsed)
    (elapsed,), peer_logs = timed(lambda: web3_scan(url, token, pin.number), 1)
    rates["web3"] = [peer_logs / elapsed]
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "eth_getLogs",
            "params": [
                {
                    "address": [token],
                    "topics": [None, None, topic_address("0x" + "00" * 20)],
                    "fromBlock": "0x0",
                    "toBlock": hex(pin.number),
                }
            ],
        }
    )
    raw = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=300)
    answer = raw.content
    count = len(json.loads(answer)["result"])
    typed = msgspec.json.Decoder(_LogsAnswer)
    parsers: dict[str, Callable[[], Any]] = {"json.loads": lambda: json.loads(answer)}
    try:
        import orjson
    except ImportError:  # a peer for the report, not a dependency of the node
        pass
    else:
        parsers["orjson.loads"] = lambda: orjson.loads(answer)
    parsers["msgspec into RawLog"] = lambda: typed.decode(answer)
    for name, parse in parsers.items():
        times, _ = timed(parse, max(3, runs))
        rates[f"parse {name}"] = [count / t for t in times]
    logs = typed.decode(answer).result
    decode_times, _ = timed(lambda: decode_transfers(logs), max(3, runs))
    rates["decode"] = [count / t for t in decode_times]
    return ScanResult(logs=scanned, runs=runs, answer_mb=len(answer) / 1e6, rates=rates, cpu=cpu)


class _LogsAnswer(msgspec.Struct):
    result: list[RawLog]


def web3_scan(url: str, token: str, last: int) -> int:
    """What a user would write: ``get_logs`` per window, ``process_log`` per log (no store)."""
    w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 300}))
    contract = w3.eth.contract(address=to_checksum_address(token), abi=TRANSFER_EVENT_ABI)
    event = contract.events.Transfer()
    zero = topic_address("0x" + "00" * 20)
    found = 0
    for first in range(0, last + 1, SCAN_WINDOW):
        for topics in ([event.topic, zero], [event.topic, None, [zero, topic_address(DEAD)]]):
            raw = w3.eth.get_logs(
                {
                    "address": contract.address,
                    "topics": topics,
                    "fromBlock": first,
                    "toBlock": min(last, first + SCAN_WINDOW - 1),
                }
            )
            found += len([event.process_log(log) for log in raw])
    return found


def scan_rows(scan: ScanResult) -> list[str]:
    """The burn scan's rows of the report's table."""

    def rate(name: str) -> str:
        values = scan.rates[name]
        med = statistics.median(values)
        if len(values) == 1:
            return f"{med:,.0f} logs/s"
        return f"{med:,.0f} ({min(values):,.0f}–{max(values):,.0f}) logs/s"

    med = {name: statistics.median(values) for name, values in scan.rates.items()}
    ours = med["overlapped"]

    def versus(name: str) -> str:
        return f"{ours / med[name]:.2f}×"

    def spent(name: str) -> str:
        mine = statistics.median(c for c, _ in scan.cpu[name])
        node = statistics.median(a for _, a in scan.cpu[name])
        return f"CPU: {mine:.2f} s ours, {node:.2f} s anvil"

    lines = [
        f"| Burn scan: `eth_getLogs` + decode + store, {scan.logs:,} Transfer logs "
        f"({SCAN_WINDOW}-block windows of {ANSWER_CAP:,} logs, {IN_FLIGHT} in flight) | "
        f"{rate('overlapped')} ({spent('overlapped')}) | "
        "web3.py `get_logs` + `process_log` (no store): "
        f"{rate('web3')} | {versus('web3')} | ≥ {LOGS_TARGET:,} logs/s | "
        f"{_verdict(ours >= LOGS_TARGET)} |",
        f"| … the same, one window at a time | {rate('sequential')} ({spent('sequential')}) | — | "
        f"{versus('sequential')} | — | — |",
        f"| … the same as one 100,000-block window (one {scan.answer_mb:.0f} MB answer) | "
        f"{rate('one answer')} ({spent('one answer')}) | — | {versus('one answer')} | — | — |",
    ]
    base = med["parse json.loads"]
    for name in [k for k in scan.rates if k.startswith("parse ")]:
        lines.append(
            f"| … parsing that answer: {name[6:]} | {rate(name)} | — | "
            f"{med[name] / base:.2f}× json.loads | — | — |"
        )
    lines.append(f"| … decoding alone (`decode_transfers`) | {rate('decode')} | — | — | — | — |")
    return lines


def _verdict(met: bool) -> str:
    return "met" if met else "**not met**"


if __name__ == "__main__":
    sys.exit(main())
