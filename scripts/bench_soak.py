#!/usr/bin/env python3
"""Soak test: mixed reads and writes against a real `tamga up` on loopback, memory and latency.

Usage:
    python scripts/bench_soak.py --minutes 10          # the full soak (docs/benchmarks.md)
    python scripts/bench_soak.py --quick               # ≈ 20 s (scripts/bench.py --quick, CI)
    python scripts/bench_soak.py --minutes 10 --json soak.json \\
        --write docs/benchmarks.md --reliability docs/reliability.md

Builds a register (10,000 registered emissions; 300 with --quick) in a temporary data directory
through ``Ledger.append`` (scripts/bench_api.py's ``build``), runs ``tamga up`` on it as a
separate process (its own anvil, scheduled checkpoints and anchors, rate limits off), then for
the duration drives reader threads (an emission by registration number, search, inclusion
proofs, the latest checkpoint, the log head, emission pages in HTML, filtered list pages) and one
writer with a regulator token (fee payments of 0.01 som, Reg. §28, on every emission in turn; a
new application every 20th write; every 10th write retried with its Idempotency-Key). The node's
resident memory (VmRSS) is sampled every second.

At the end every acknowledged write is read back from the log through the API (right kind,
right emission, right index, no replay written twice), the node is stopped, and `tamga check`
runs over the whole ledger. Exits 1 when any request failed (any status outside 2xx/3xx), a
write is missing, the check fails, or memory grew beyond the bound after warm-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scripts.bench_api as bench_api  # noqa: E402
import scripts.bench_common as common  # noqa: E402
from api.auth import (  # noqa: E402
    ROLE_SCOPES,
    TOKEN_ID_BYTES,
    TOKEN_SECRET_BYTES,
    Role,
    TokenKind,
    make_token,
)
from api.store import ApiStore  # noqa: E402
from node.ledger.db import make_engine  # noqa: E402

TAMGA = [sys.executable, "-c", "from node.cli import main; main()"]
ORIGIN = "bench.tamga/register"
FILING = ROOT / "tests" / "data" / "filings" / "emission-digital-token.yaml"
MIB = 1024 * 1024

GROWTH_BOUND_MIB = 64.0
"""Largest growth of the node's resident memory from the end of warm-up to the end of the soak.

Why 64 MiB: with 10,000 emissions the node settles at ~300 MiB (the read model of the whole
register, FastAPI, web3, the SQLite caches). What may legitimately grow after warm-up: the read
model by the emissions filed during the soak (a few hundred, tens of KiB each), SQLite's page
caches (up to 2 MiB per pooled connection) and allocator fragmentation — together some 10-20 MiB
in 10 minutes. A leak of one small object per request (~1 KiB over the 60,000-120,000 requests
of a 10-minute soak on 2 shared cores) passes 64 MiB; so does a leak of ~10 KiB per write. The
report also gives the growth per 1,000 requests and the RSS series, to see a slope under it.
"""

READ_MIX: tuple[tuple[str, int], ...] = (
    ("emission", 30),  # GET /v1/emissions/{regno}
    ("search", 15),  # GET /v1/emissions?q=…
    ("inclusion", 15),  # GET /v1/proofs/inclusion?index=…
    ("checkpoint", 10),  # GET /v1/checkpoints/latest
    ("page", 10),  # GET /emissions/{regno} (HTML)
    ("list", 10),  # GET /v1/emissions?status=…&issuer=…
    ("head", 10),  # GET /v1/log
)
"""Reader request kinds and their weights (percent)."""


@dataclass(frozen=True)
class Plan:
    """What one soak run does."""

    mode: str
    duration_s: float
    warmup_s: float
    emissions: int
    readers: int
    checkpoint_interval_s: int
    anchor_interval_s: int
    command: str


def plan_for(args: argparse.Namespace) -> Plan:
    """The run's plan from the command line."""
    extra = "".join(
        f" --{name} {value}"
        for name, value in (("emissions", args.emissions), ("readers", args.readers))
        if value
    )
    if args.quick:
        return Plan(
            mode="quick",
            duration_s=args.seconds or 6.0,
            warmup_s=2.0,
            emissions=args.emissions or 300,
            readers=args.readers or 2,
            checkpoint_interval_s=2,
            anchor_interval_s=4,
            command="python scripts/bench_soak.py --quick" + extra,
        )
    duration = args.seconds or args.minutes * 60.0
    length = f"--seconds {args.seconds:g}" if args.seconds else f"--minutes {args.minutes:g}"
    return Plan(
        mode="full",
        duration_s=duration,
        warmup_s=min(60.0, duration / 10),
        emissions=args.emissions or bench_api.EMISSIONS,
        readers=args.readers or 4,
        checkpoint_interval_s=10,
        anchor_interval_s=30,
        command=f"python scripts/bench_soak.py {length}{extra}",
    )


# ---- the node ------------------------------------------------------------------------------


class Node:
    """A running `tamga up` whose stdout lines are collected (stderr goes to a log file)."""

    def __init__(self, env: dict[str, str], log: Path, *, cwd: Path = ROOT) -> None:
        self.log = log
        self._stderr = log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [*TAMGA, "up"],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self.seen: list[str] = []
        self._lock = threading.Lock()
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            with self._lock:
                self.seen.append(line.rstrip("\n"))

    def wait_for(self, prefix: str, timeout: float) -> str:
        """The first line printed so far or within ``timeout`` that starts with ``prefix``.

        Raises:
            RuntimeError: no such line came in time, or the node exited.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.printed(prefix)
            if found:
                return found[0]
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"`tamga up` printed no {prefix!r} line; {self.tail()}")

    def printed(self, prefix: str) -> list[str]:
        """Every stdout line so far that starts with ``prefix``."""
        with self._lock:
            return [line for line in self.seen if line.startswith(prefix)]

    def tail(self) -> str:
        """The last stdout and stderr lines, for error messages."""
        with self._lock:
            out = "\n".join(self.seen[-10:])
        err = self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
        return f"stdout:\n{out}\nstderr:\n" + "\n".join(err)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then wait; SIGKILL if it does not stop in time. Returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait(timeout=30)
        self._stderr.close()
        return code


def _status_kib(pid: int, name: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    match = re.search(rf"^{name}:\s+(\d+)", text, re.M)
    return int(match.group(1)) if match else None


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{tid}/children").read_text(encoding="ascii")
        except OSError:
            continue
        found.extend(int(p) for p in text.split())
    return found


def _fds(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


@dataclass
class MemorySample:
    """One sample of the node's processes."""

    t: float  # seconds since the load started (negative before)
    node_kib: int
    children_kib: int
    threads: int
    fds: int


class Sampler(threading.Thread):
    """Samples VmRSS of the node (and, apart, of its children: anvil) every second."""

    def __init__(self, pid: int, started: Callable[[], float]) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.started = started
        self.samples: list[MemorySample] = []
        self.stop_event = threading.Event()

    def sample(self) -> MemorySample | None:
        """Take one sample now (None once the node is gone)."""
        rss = _status_kib(self.pid, "VmRSS")
        if rss is None:
            return None
        children = sum(_status_kib(c, "VmRSS") or 0 for c in _children(self.pid))
        s = MemorySample(
            t=time.monotonic() - self.started(),
            node_kib=rss,
            children_kib=children,
            threads=_status_kib(self.pid, "Threads") or 0,
            fds=_fds(self.pid) or 0,
        )
        self.samples.append(s)
        return s

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.sample()
            self.stop_event.wait(1.0)


# ---- the load ------------------------------------------------------------------------------


@dataclass
class Result:
    """One request: its kind, whether a read or a write, latency and status."""

    kind: str
    op: str
    t: float
    latency_ms: float
    status: int


@dataclass
class Ack:
    """An acknowledged write: what was sent and where the node says it landed."""

    kind: str  # entry kind
    emission: set[str]  # the keys that name the emission (regno, application number)
    tree_size: int
    replayed_size: int | None = None


@dataclass
class Load:
    """Shared state of the load threads."""

    host: str
    port: int
    token: str
    keys: list[str]
    issuers: list[str]
    seed_size: int
    t0: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    results: list[Result] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    reconnects: int = 0

    def record(self, result: Result, error: str | None = None) -> None:
        with self.lock:
            self.results.append(result)
            if error is not None:
                self.errors.append(error)


class Client:
    """One keep-alive HTTP/1.1 connection; reconnects after a failure."""

    def __init__(self, load: Load) -> None:
        self.load = load
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, dict[str, str], float]:
        """Status, body, headers and latency in ms; status 0 when the connection failed.

        A kept-alive connection the server closed while idle (uvicorn's keep-alive timeout) is
        reopened and the request sent once more: it never reached the server (every POST of the
        soak carries an Idempotency-Key anyway).
        """
        started = time.perf_counter()
        for attempt in (1, 2):
            reused = self.conn is not None
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(
                        self.load.host, self.load.port, timeout=60
                    )
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                got = {k.lower(): v for k, v in response.getheaders()}
                if got.get("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return response.status, data, got, (time.perf_counter() - started) * 1000
            except (OSError, http.client.HTTPException) as exc:
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                stale = isinstance(
                    exc, http.client.RemoteDisconnected | BrokenPipeError | ConnectionResetError
                )
                if attempt == 1 and reused and stale:
                    with self.load.lock:
                        self.load.reconnects += 1
                    continue
                latency = (time.perf_counter() - started) * 1000
                return 0, f"{type(exc).__name__}: {exc}".encode(), {}, latency
        raise AssertionError("unreachable")


def _ok(status: int) -> bool:
    return 200 <= status < 400


def reader(load: Load, number: int) -> None:
    """Closed-loop reads in the READ_MIX proportions until ``load.stop``."""
    rng = random.Random(1000 + number)
    kinds = [k for k, w in READ_MIX for _ in range(w)]
    terms = [f"{a} {b}" for a in bench_api.WORDS for b in bench_api.WORDS]
    terms += [f"Token {n}" for n in range(1, 200, 7)]
    statuses = ["registered", "applied"]
    client = Client(load)
    while not load.stop.is_set():
        kind = rng.choice(kinds)
        if kind == "emission":
            path = f"/v1/emissions/{rng.choice(load.keys)}"
        elif kind == "search":
            path = f"/v1/emissions?q={quote(rng.choice(terms))}"
        elif kind == "inclusion":
            path = f"/v1/proofs/inclusion?index={rng.randrange(load.seed_size)}"
        elif kind == "checkpoint":
            path = "/v1/checkpoints/latest"
        elif kind == "page":
            path = f"/emissions/{rng.choice(load.keys)}"
        elif kind == "list":
            issuer = rng.choice(load.issuers)
            path = f"/v1/emissions?status={rng.choice(statuses)}&issuer={issuer}&limit=20"
        else:
            path = "/v1/log"
        status, data, _, latency = client.request("GET", path)
        t = time.monotonic() - load.t0
        error = None if _ok(status) else f"GET {path}: {status} {data[:300]!r}"
        load.record(Result(kind, "read", t, latency, status), error)


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value


def writer(load: Load) -> None:
    """Closed-loop writes with the regulator token until ``load.stop``."""
    sample = yaml.safe_load(FILING.read_text(encoding="utf-8"))
    keys = list(load.keys)
    client = Client(load)
    auth = {"Authorization": f"Bearer {load.token}", "Content-Type": "application/json"}
    n = 0
    position = 0
    while not load.stop.is_set():
        n += 1
        if n % 20 == 0:
            # A new application (Reg. §9, Annex 1) by the regulator for a seeded issuer.
            kind = "emission.applied"
            path = "/v1/emissions"
            filing = {
                **sample,
                "issuer": load.issuers[n % len(load.issuers)],
                "name": f"Soak Token {n}",
                "symbol": f"SK{n}",
                "contract_address": f"0x{0x50A4 << 120 | n:040x}",
            }
            payload: dict[str, Any] = {"filing": _json_ready(filing)}
            target: str | None = None
        else:
            # A registration-fee payment of one tyiyn (Reg. §28), every emission in turn.
            kind = "emission.fee_paid"
            target = keys[position % len(keys)]
            position += 1
            path = f"/v1/emissions/{target}/events"
            payload = {"kind": "fee_paid", "data": {"amount": "0.01"}}
        body = json.dumps(payload).encode()
        headers = {**auth, "Idempotency-Key": f"soak-{n}"}
        status, data, _, latency = client.request("POST", path, body=body, headers=headers)
        t = time.monotonic() - load.t0
        if status != 201:
            load.record(
                Result(kind, "write", t, latency, status),
                f"POST {path}: {status} {data[:300]!r}",
            )
            continue
        load.record(Result(kind, "write", t, latency, status))
        reply = json.loads(data)
        names = {str(reply[k]) for k in ("key", "application_no", "regno") if reply.get(k)}
        ack = Ack(kind=kind, emission=names, tree_size=int(reply["tree_size"]))
        if target is None:
            keys.append(str(reply["key"]))  # later fee payments reach the new emission too
        if n % 10 == 5:
            # The same request again: the stored response, nothing written twice.
            status, data, got, latency = client.request("POST", path, body=body, headers=headers)
            t = time.monotonic() - load.t0
            replayed = got.get("idempotent-replayed") == "true"
            error = None
            if status != 201 or not replayed:
                error = f"replay POST {path}: {status} replayed={replayed} {data[:300]!r}"
            else:
                ack.replayed_size = int(json.loads(data)["tree_size"])
            load.record(Result("idempotent replay", "write", t, latency, status), error)
        with load.lock:
            load.acks.append(ack)


# ---- checks --------------------------------------------------------------------------------


def read_back(load: Load, start: int, end: int) -> dict[int, dict[str, Any]]:
    """Entries ``start`` … ``end - 1`` through GET /v1/log/entries (pages of 1,000)."""
    client = Client(load)
    entries: dict[int, dict[str, Any]] = {}
    position = start
    while position < end:
        status, data, _, _ = client.request(
            "GET", f"/v1/log/entries?start={position}&limit={min(1000, end - position)}"
        )
        if status != 200:
            raise RuntimeError(f"reading entries from {position}: {status} {data[:300]!r}")
        items = json.loads(data)["items"]
        if not items:
            break
        for item in items:
            entries[int(item["index"])] = item["entry"]
        position = int(items[-1]["index"]) + 1
    return entries


def check_writes(load: Load, entries: dict[int, dict[str, Any]], start: int) -> list[str]:
    """Problems with the acknowledged writes: missing, wrong, written twice, indexes not dense."""
    problems: list[str] = []
    end = start + len(entries)
    if sorted(entries) != list(range(start, end)):
        problems.append(f"log indexes {start}…{end - 1} are not dense")
    claimed: set[int] = set()
    for ack in load.acks:
        index = ack.tree_size - 1
        entry = entries.get(index)
        if index in claimed:
            problems.append(f"two acknowledged writes claim index {index}")
        claimed.add(index)
        if entry is None:
            problems.append(f"acknowledged {ack.kind} at index {index} is not in the log")
        elif entry.get("kind") != ack.kind or str(entry.get("emission")) not in ack.emission:
            problems.append(
                f"index {index}: expected {ack.kind} of {sorted(ack.emission)}, "
                f"found {entry.get('kind')} of {entry.get('emission')}"
            )
        if ack.replayed_size is not None and ack.replayed_size != ack.tree_size:
            problems.append(f"replay of the write at {index} answered size {ack.replayed_size}")
    for kind in ("emission.fee_paid", "emission.applied"):
        in_log = sum(1 for e in entries.values() if e.get("kind") == kind)
        acked = sum(1 for a in load.acks if a.kind == kind)
        if in_log != acked:
            problems.append(f"{kind}: {acked} acknowledged, {in_log} in the log")
    return problems


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


def _lat(values: list[float]) -> dict[str, float]:
    return {
        "count": len(values),
        "p50": round(percentile(values, 50), 2),
        "p99": round(percentile(values, 99), 2),
        "max": round(max(values), 2) if values else 0.0,
    }


def _loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def _cpu() -> str:
    return common.cpu_model()


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


# ---- the run -------------------------------------------------------------------------------


def make_regulator_token(url: str) -> str:
    """Store a regulator token in the node's API tables; return its text."""
    engine = make_engine(url)
    try:
        issued = make_token(os.urandom(TOKEN_ID_BYTES + TOKEN_SECRET_BYTES))
        ApiStore(engine).add_token(
            token_id=issued.token_id,
            name="bench_soak writer",
            kind=TokenKind.TOKEN,
            role=Role.REGULATOR,
            scopes=ROLE_SCOPES[Role.REGULATOR],
            secret_hash=issued.secret_hash,
            created_at=dt.datetime.now(dt.UTC),
            issuer=None,
        )
    finally:
        engine.dispose()
    return issued.text


@contextmanager
def workdir(path: str | None) -> Iterator[Path]:
    """The given directory (kept), or a temporary one (removed)."""
    if path:
        target = Path(path).resolve()
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        yield target
        return
    with tempfile.TemporaryDirectory(prefix="tamga-soak-") as tmp:
        yield Path(tmp)


def soak(plan: Plan, work: Path) -> dict[str, Any]:
    """Run the soak in ``work``; return its figures (``ok`` and ``failures`` included)."""
    figures: dict[str, Any] = {
        "script": "bench_soak",
        "mode": plan.mode,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "machine": {
            "cpu": _cpu(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "os": platform.platform(),
        },
        "load_average": {"start": _loadavg()},
        "command": plan.command,
        "checkpoint_interval_s": plan.checkpoint_interval_s,
        "anchor_interval_s": plan.anchor_interval_s,
    }
    failures: list[str] = []
    data = work / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAMGA_")}
    env |= {
        "TAMGA_DATA_DIR": str(data),
        "TAMGA_ORIGIN": ORIGIN,
        "TAMGA_API_PORT": "0",
        "TAMGA_API_RATE_LIMIT_PER_MINUTE": "0",  # 0: no limit (a 429 would be an error here)
        "TAMGA_API_TOKEN_RATE_LIMIT_PER_MINUTE": "0",
        "TAMGA_CHECKPOINT_INTERVAL_SECONDS": str(plan.checkpoint_interval_s),
        "TAMGA_ANCHOR_INTERVAL_SECONDS": str(plan.anchor_interval_s),
        "PYTHONPATH": str(ROOT),
    }
    started = time.perf_counter()
    subprocess.run([*TAMGA, "init"], cwd=ROOT, env=env, check=True, capture_output=True)
    keys = bench_api.build(data / "tamga.sqlite", emissions=plan.emissions)
    url = f"sqlite:///{(data / 'tamga.sqlite').resolve()}"
    token = make_regulator_token(url)
    figures["emissions_seeded"] = len(keys)
    phases: dict[str, float] = {}
    figures["phases_s"] = phases
    mark = started

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 1)
        mark = now

    phase("setup: tamga init, the register, a token")

    node = Node(env, work / "node.log")
    load: Load | None = None
    sampler: Sampler | None = None
    try:
        base = node.wait_for("serving ", timeout=120).split()[1]
        parts = urlsplit(base)
        assert parts.hostname is not None
        assert parts.port is not None
        # The jobs run on start: wait for the first anchor and, where the node verifies the
        # declared tokens (one entry per emission), for that run, so the load meets a settled
        # node and the soak measures its steady state.
        node.wait_for("anchored ", timeout=180)
        if "verify every" in node.wait_for("jobs ", timeout=10):
            node.wait_for("verified ", timeout=600)
        load = Load(
            host=parts.hostname, port=parts.port, token=token, keys=keys, issuers=[], seed_size=0
        )
        probe = Client(load)
        status, body, _, _ = probe.request("GET", "/v1/log")
        if status != 200:
            raise RuntimeError(f"GET /v1/log: {status} {body[:300]!r}")
        load.seed_size = int(json.loads(body)["tree_size"])
        issuers: list[str] = []
        for key in keys[:: max(1, len(keys) // 20)]:
            status, body, _, _ = probe.request("GET", f"/v1/emissions/{key}")
            if status != 200:
                raise RuntimeError(f"GET /v1/emissions/{key}: {status} {body[:300]!r}")
            issuers.append(str(json.loads(body)["issuer"]))
        load.issuers = sorted(set(issuers))
        figures["log_size_start"] = load.seed_size
        phase("tamga up: anvil, first anchor, start-up verification run")
        anchored_before = len(node.printed("anchored "))

        load.t0 = time.monotonic()
        sampler = Sampler(node.process.pid, lambda: load.t0 if load else 0.0)
        first = sampler.sample()
        sampler.start()
        threads = [
            threading.Thread(target=reader, args=(load, i), daemon=True)
            for i in range(plan.readers)
        ]
        threads.append(threading.Thread(target=writer, args=(load,), daemon=True))
        for thread in threads:
            thread.start()
        warm_sample: MemorySample | None = None
        deadline = load.t0 + plan.duration_s
        warm_at = load.t0 + plan.warmup_s
        while time.monotonic() < deadline:
            if node.process.poll() is not None:
                failures.append(f"the node exited during the soak; {node.tail()}")
                break
            if warm_sample is None and time.monotonic() >= warm_at:
                warm_sample = sampler.sample()
            time.sleep(0.2)
        load.stop.set()
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.monotonic() - load.t0
        last = sampler.sample()
        sampler.stop_event.set()
        sampler.join(timeout=5)

        phase("load")
        # Every acknowledged write, read back through the API.
        status, body, _, _ = probe.request("GET", "/v1/log")
        if status != 200:
            raise RuntimeError(f"GET /v1/log after the soak: {status} {body[:300]!r}")
        size_end = int(json.loads(body)["tree_size"])
        entries = read_back(load, load.seed_size, size_end)
        failures += check_writes(load, entries, load.seed_size)
        figures["writes_in_log"] = sum(
            1
            for a in load.acks
            if entries.get(a.tree_size - 1, {}).get("kind") == a.kind
            and str(entries[a.tree_size - 1].get("emission")) in a.emission
        )
        figures["log_size_end"] = size_end
        figures["anchors_during_soak"] = len(node.printed("anchored ")) - anchored_before
        figures["checkpoints_during_soak"] = _checkpoints_between(probe, load.seed_size, size_end)
        figures["memory"] = _memory(sampler.samples, first, warm_sample, last, len(load.results))
        figures["duration_s"] = round(elapsed, 1)
        figures["warmup_s"] = plan.warmup_s
        figures["readers"] = plan.readers
        figures["writers"] = 1
        figures |= _traffic(load, elapsed)
        phase("read-back of the writes")
    except (RuntimeError, OSError, ValueError, KeyError) as exc:
        failures.append(f"{type(exc).__name__}: {exc}")
    finally:
        if load is not None:
            load.stop.set()
        if sampler is not None:
            sampler.stop_event.set()
        code = node.stop()
    if code != 0:
        failures.append(f"`tamga up` exited with {code} on SIGTERM; {node.tail()}")
    phase("stop (SIGTERM)")

    checked = subprocess.run(
        [*TAMGA, "check", "--json"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    check: dict[str, Any] = {"ok": checked.returncode == 0}
    if checked.returncode == 0:
        report = json.loads(checked.stdout)
        check |= {"entries": report["entries"], "checkpoints": report["checkpoints"]}
        if "log_size_end" in figures and report["entries"] != figures["log_size_end"]:
            failures.append(
                f"tamga check saw {report['entries']} entries, the API {figures['log_size_end']}"
            )
    else:
        failures.append(f"tamga check failed ({checked.returncode}): {checked.stderr[-2000:]}")
    figures["check"] = check
    phase("tamga check")
    phases["total"] = round(time.perf_counter() - started, 1)

    memory = figures.get("memory")
    if memory is not None and not memory["bound"]["ok"]:
        failures.append(
            f"node memory grew {memory['growth_mib']:.1f} MiB after warm-up "
            f"(bound {GROWTH_BOUND_MIB:.0f} MiB)"
        )
    if figures.get("errors", 0):
        failures.append(f"{figures['errors']} requests failed: {figures['error_samples'][:5]}")
    figures["load_average"]["end"] = _loadavg()
    figures["failures"] = failures
    figures["ok"] = not failures
    return figures


def _checkpoints_between(client: Client, start: int, end: int) -> int:
    """Signed checkpoints with a tree size in (start, end]."""
    count = 0
    cursor = ""
    while True:
        status, body, _, _ = client.request("GET", f"/v1/checkpoints?limit=100{cursor}")
        if status != 200:
            raise RuntimeError(f"GET /v1/checkpoints: {status} {body[:300]!r}")
        page = json.loads(body)
        sizes = [int(item["tree_size"]) for item in page["items"]]
        count += sum(1 for s in sizes if start < s <= end)
        after = page["page"]["next_cursor"]
        if after is None or (sizes and min(sizes) <= start):
            return count
        cursor = f"&cursor={after}"


def _memory(
    samples: list[MemorySample],
    first: MemorySample | None,
    warm: MemorySample | None,
    last: MemorySample | None,
    requests: int,
) -> dict[str, Any]:
    """RSS at start, after warm-up, at the end and the maximum, and the bound's verdict."""

    def mib(kib: int | None) -> float:
        return round((kib or 0) / 1024, 1)

    warm = warm or first
    node = [s.node_kib for s in samples]
    growth = mib(last.node_kib if last else None) - mib(warm.node_kib if warm else None)
    after = [s for s in samples if warm is not None and s.t >= warm.t]
    return {
        "rss_mib": {
            "start": mib(first.node_kib if first else None),
            "after_warmup": mib(warm.node_kib if warm else None),
            "end": mib(last.node_kib if last else None),
            "max": mib(max(node) if node else None),
        },
        "anvil_rss_mib": {
            "start": mib(first.children_kib if first else None),
            "end": mib(last.children_kib if last else None),
        },
        "threads": {"start": first.threads if first else 0, "end": last.threads if last else 0},
        "open_files": {"start": first.fds if first else 0, "end": last.fds if last else 0},
        "samples": len(samples),
        "growth_mib": round(growth, 1),
        "growth_kib_per_1000_requests": round(growth * 1024 * 1000 / max(1, requests), 1),
        "series_mib": [[round(s.t, 1), mib(s.node_kib)] for s in after][
            :: max(1, len(after) // 60)
        ],
        "bound": {
            "growth_mib_max": GROWTH_BOUND_MIB,
            "ok": growth <= GROWTH_BOUND_MIB,
            "why": "node RSS growth from the end of warm-up to the end of the soak; see "
            "GROWTH_BOUND_MIB in scripts/bench_soak.py",
        },
    }


def _traffic(load: Load, elapsed: float) -> dict[str, Any]:
    """Requests, throughput, latency percentiles (reads and writes apart), errors."""
    reads = [r.latency_ms for r in load.results if r.op == "read"]
    writes = [r.latency_ms for r in load.results if r.op == "write"]
    kinds: dict[str, list[float]] = {}
    for r in load.results:
        kinds.setdefault(r.kind, []).append(r.latency_ms)
    failed = [r for r in load.results if not _ok(r.status)]
    statuses: dict[str, int] = {}
    for r in failed:
        statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1
    total = len(load.results)
    return {
        "requests": {"total": total, "reads": len(reads), "writes": len(writes)},
        "throughput_per_s": {
            "total": round(total / elapsed, 1),
            "reads": round(len(reads) / elapsed, 1),
            "writes": round(len(writes) / elapsed, 1),
        },
        "latency_ms": {"read": _lat(reads), "write": _lat(writes)},
        "by_kind": {k: _lat(v) for k, v in sorted(kinds.items())},
        "errors": len(failed),
        "errors_by_status": statuses,
        "error_samples": load.errors[:20],
        "writes_acknowledged": len(load.acks),
        "idempotent_replays": sum(1 for a in load.acks if a.replayed_size is not None),
        "reconnects": load.reconnects,
    }


# ---- reports -------------------------------------------------------------------------------

BENCH_START = "<!-- bench_soak: start (scripts/bench_soak.py rewrites this section) -->"
BENCH_END = "<!-- bench_soak: end -->"
SOAK_START = "<!-- soak: start -->"
SOAK_END = "<!-- soak: end -->"
KIND_LABELS = {
    "emission": "GET /v1/emissions/{regno}",
    "search": "GET /v1/emissions?q=…",
    "inclusion": "GET /v1/proofs/inclusion",
    "checkpoint": "GET /v1/checkpoints/latest",
    "page": "GET /emissions/{regno} (HTML)",
    "list": "GET /v1/emissions?status=…&issuer=…",
    "head": "GET /v1/log",
    "emission.fee_paid": "POST …/events fee_paid (Reg. §28)",
    "emission.applied": "POST /v1/emissions (application)",
    "idempotent replay": "POST again, same Idempotency-Key",
}


def figures_table(f: dict[str, Any]) -> str:
    """The Markdown table of a run's figures."""
    m = f["memory"]
    rss = m["rss_mib"]
    lat = f["latency_ms"]
    req = f["requests"]
    tput = f["throughput_per_s"]
    rows = [
        (
            "Duration",
            f"{f['duration_s'] / 60:.1f} min ({f['duration_s']:,.0f} s; warm-up "
            f"{f['warmup_s']:.0f} s)",
        ),
        ("Load", f"{f['readers']} reader threads, 1 writer (closed loop, keep-alive)"),
        ("Requests", f"{req['total']:,} ({req['reads']:,} reads, {req['writes']:,} writes)"),
        (
            "Throughput",
            f"{tput['total']:,.0f}/s ({tput['reads']:,.0f} reads/s, "
            f"{tput['writes']:,.1f} writes/s)",
        ),
        ("Read latency p50 / p99", f"{lat['read']['p50']:.1f} / {lat['read']['p99']:.1f} ms"),
        ("Write latency p50 / p99", f"{lat['write']['p50']:.1f} / {lat['write']['p99']:.1f} ms"),
        (
            "Errors (any status outside 2xx/3xx)",
            f"{f['errors']:,} (idle kept-alive connections reopened: {f['reconnects']:,})",
        ),
        (
            "Writes acknowledged / found in the log",
            f"{f['writes_acknowledged']:,} / {f['writes_in_log']:,} "
            f"({f['idempotent_replays']:,} repeated with their Idempotency-Key)",
        ),
        ("Log size", f"{f['log_size_start']:,} → {f['log_size_end']:,} entries"),
        (
            "Checkpoints / anchors during the soak",
            f"{f['checkpoints_during_soak']} / {f['anchors_during_soak']}",
        ),
        ("`tamga check` afterwards", "passed" if f["check"]["ok"] else "**failed**"),
        (
            "Node RSS: start / after warm-up / end / max",
            f"{rss['start']:.0f} / {rss['after_warmup']:.0f} / {rss['end']:.0f} / "
            f"{rss['max']:.0f} MiB",
        ),
        (
            "Growth after warm-up (bound)",
            f"{m['growth_mib']:+.1f} MiB (≤ {m['bound']['growth_mib_max']:.0f} MiB): "
            + ("met" if m["bound"]["ok"] else "**missed**")
            + f"; {m['growth_kib_per_1000_requests']:,.0f} KiB per 1,000 requests",
        ),
        (
            "anvil RSS start / end (not bounded)",
            f"{m['anvil_rss_mib']['start']:.0f} / {m['anvil_rss_mib']['end']:.0f} MiB",
        ),
        (
            "Node threads / open files, start → end",
            f"{m['threads']['start']} → {m['threads']['end']} / "
            f"{m['open_files']['start']} → {m['open_files']['end']}",
        ),
        ("Verdict", "passed" if f["ok"] else "**failed**: " + "; ".join(f["failures"])[:500]),
    ]
    lines = ["| Figure | Value |", "|---|---|"]
    lines += [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(lines)


def kinds_table(f: dict[str, Any]) -> str:
    """Latency per request kind."""
    lines = ["| Request | Count | p50 | p99 | max |", "|---|---|---|---|---|"]
    for kind, lat in f["by_kind"].items():
        lines.append(
            f"| {KIND_LABELS.get(kind, kind)} | {lat['count']:,} | {lat['p50']:.1f} ms | "
            f"{lat['p99']:.1f} ms | {lat['max']:.0f} ms |"
        )
    return "\n".join(lines)


def _how(f: dict[str, Any]) -> str:
    la = f["load_average"]
    machine = f["machine"]
    return (
        f"`{f['command']}`, {f['date']}, commit {f['commit']}. `tamga up` (uvicorn, one "
        f"process, its own anvil; checkpoints every {f['checkpoint_interval_s']} s and anchors "
        f"every {f['anchor_interval_s']} s on its schedule; rate limits off) on SQLite with "
        f"{f['emissions_seeded']:,} registered emissions, loaded on loopback from the same "
        f"machine ({machine['cpu']}, {machine['cores']} cores shared by the load, the node and "
        f"other jobs; load average {', '.join(map(str, la.get('start', [])))} at the start, "
        f"{', '.join(map(str, la.get('end', [])))} at the end)."
    )


def _paragraph(text: str) -> str:
    return textwrap.fill(" ".join(text.split()), width=100, break_on_hyphens=False)


def benchmarks_section(f: dict[str, Any]) -> str:
    """The section of docs/benchmarks.md, markers included."""
    method = f"""Readers pick requests at random in fixed proportions (emission 30 %, search 15 %,
    inclusion proof 15 %, latest checkpoint 10 %, HTML page 10 %, filtered list 10 %, log head
    10 %); the writer pays fees of 0.01 som (Reg. §28) on every emission in turn, files a new
    application every 20th write and repeats every 10th write with its Idempotency-Key. The load
    starts once the node has anchored its first checkpoint and finished its start-up verification
    run (one entry per emission). Latencies are measured by the client around each request and
    include queueing behind the other threads on {f["machine"]["cores"]} shared cores."""
    return "\n\n".join(
        [
            f"{BENCH_START}\n## Soak (`scripts/bench_soak.py`)",
            _paragraph(_how(f)),
            figures_table(f),
            kinds_table(f),
            _paragraph(method) + f"\n{BENCH_END}",
        ]
    )


def reliability_section(f: dict[str, Any]) -> str:
    """The soak section of docs/reliability.md, markers included."""
    requests = int(f["requests"]["total"])
    checks = f"""{_how(f)} Every acknowledged write was read back from the log through `GET
    /v1/log/entries` (kind, emission and index as acknowledged; repeated requests not written
    twice), the node was stopped with SIGTERM and `tamga check` recomputed the whole ledger. The
    run fails on any error, any lost or duplicated write, a failed check, or the node's memory
    growing more than {f["memory"]["bound"]["growth_mib_max"]:.0f} MiB after warm-up. The node
    holds the read model of the whole register (most of the RSS at the start); what may grow
    legitimately after warm-up is that model by the emissions filed during the soak, SQLite page
    caches and allocator fragmentation, while {f["memory"]["bound"]["growth_mib_max"]:.0f} MiB
    over this run's {requests:,} requests is {_per_request(f)} bytes per request."""
    return "\n\n".join(
        [
            f"{SOAK_START}\n## Load (soak)",
            _paragraph(checks),
            figures_table(f),
            kinds_table(f) + f"\n{SOAK_END}",
        ]
    )


def _per_request(f: dict[str, Any]) -> str:
    bound = float(f["memory"]["bound"]["growth_mib_max"]) * MIB
    return f"{bound / max(1, int(f['requests']['total'])):,.0f}"


def replace_section(path: Path, name: str, section: str) -> None:
    """Replace the section marked ``<!-- {name}: start`` … ``<!-- {name}: end -->`` (markers
    included) in ``path`` by ``section``, or append ``section`` when the markers are absent.

    Raises:
        ValueError: only one of the markers is present, or they are out of order.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    start, end = f"<!-- {name}: start", f"<!-- {name}: end -->"
    begin, stop = text.find(start), text.find(end)
    if begin == -1 and stop == -1:
        head = text.rstrip("\n") + "\n\n" if text.strip() else ""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(head + section + "\n", encoding="utf-8")
        return
    if begin == -1 or stop == -1 or stop < begin:
        raise ValueError(f"{path}: the markers of section {name!r} are not a pair")
    path.write_text(text[:begin] + section + text[stop + len(end) :], encoding="utf-8")


def orchestrator_json(f: dict[str, Any]) -> dict[str, Any]:
    """``figures``, ``series`` and ``notes`` as scripts/bench.py reads them (bench_common)."""
    at = f"{f['duration_s'] / 60:.1f} min, {f['emissions_seeded']:,} emissions"
    lat = f["latency_ms"]
    m = f["memory"]

    def one(key: str, name: str, unit: str, value: float, *, higher: bool) -> dict[str, Any]:
        return common.figure(key, name, unit, [value], higher_is_better=higher, at=at).to_json()

    rows = [
        one("soak-throughput", "Soak: mixed requests", "req/s", f["throughput_per_s"]["total"],
            higher=True),
        one("soak-read-p50", "Soak: read latency p50", "ms", lat["read"]["p50"], higher=False),
        one("soak-read-p99", "Soak: read latency p99", "ms", lat["read"]["p99"], higher=False),
        one("soak-write-p50", "Soak: write latency p50", "ms", lat["write"]["p50"], higher=False),
        one("soak-write-p99", "Soak: write latency p99", "ms", lat["write"]["p99"], higher=False),
        one("soak-errors", "Soak: failed requests", "requests", f["errors"], higher=False),
        one("soak-rss-growth", "Soak: node RSS growth after warm-up", "MiB", m["growth_mib"],
            higher=False),
    ]  # fmt: skip
    series = common.Series(
        key="soak-rss",
        title="Node memory during the soak",
        x_label="seconds since the load started",
        y_label="RSS (MiB)",
        log_x=False,
        log_y=False,
        hlines={"bound": m["rss_mib"]["after_warmup"] + m["bound"]["growth_mib_max"]},
    )
    for t, rss in m["series_mib"]:
        series.add("tamga up", t, [rss])
    notes = [
        f"{f['writes_acknowledged']:,} writes acknowledged, {f['writes_in_log']:,} in the log",
        "`tamga check` after the soak: " + ("passed" if f["check"]["ok"] else "failed"),
        f"memory bound (≤ {m['bound']['growth_mib_max']:.0f} MiB after warm-up): "
        + ("met" if m["bound"]["ok"] else "missed"),
        "verdict: " + ("passed" if f["ok"] else "failed: " + "; ".join(f["failures"])),
    ]
    return {"figures": rows, "series": [series.to_json()], "notes": notes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="Soak duration (10).")
    parser.add_argument("--seconds", type=float, default=None, help="Duration in seconds.")
    parser.add_argument("--quick", action="store_true", help="≈ 20 s in all, a small register.")
    parser.add_argument("--emissions", type=int, default=None, help="Registered emissions.")
    parser.add_argument("--readers", type=int, default=None, help="Reader threads (4; quick 2).")
    parser.add_argument("--json", type=Path, default=None, help="Write the figures here.")
    parser.add_argument("--write", type=Path, default=None, help="docs/benchmarks.md to update.")
    parser.add_argument(
        "--reliability", type=Path, default=None, help="docs/reliability.md to update."
    )
    parser.add_argument("--workdir", default=None, help="Keep the data here (else a temp dir).")
    args = parser.parse_args()
    plan = plan_for(args)
    with workdir(args.workdir) as work:
        figures = soak(plan, work)
    complete = "memory" in figures and "requests" in figures
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        if complete:
            figures |= orchestrator_json(figures)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if complete:
        print(benchmarks_section(figures))
        if args.write is not None:
            replace_section(args.write, "bench_soak", benchmarks_section(figures))
        if args.reliability is not None:
            replace_section(args.reliability, "soak", reliability_section(figures))
    if not figures["ok"]:
        sys.exit("soak failed:\n- " + "\n- ".join(figures["failures"]))


if __name__ == "__main__":
    main()
