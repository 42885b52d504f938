"""Crash rounds against the real `tamga up` (issue 20): HTTP clients write through the API with
Idempotency-Keys and retry whatever is cut off with the same key, while the node is SIGKILLed,
the PostgreSQL server is stopped with ``pg_ctl stop -m immediate``, or both. After each round the
acknowledged writes, the retried keys and the log are compared, and `tamga check` must pass.

Run many rounds: ``python -m tests.reliability.up_crash_support --rounds 10`` (prints the table of
docs/reliability.md).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from node.ledger.store import SqlLedgerStore
from tests.support.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
TAMGA = [sys.executable, "-c", "from node.cli import main; main()"]
FILING = ROOT / "tests" / "data" / "filings" / "issuer-legal-entity.yaml"
MODES = ("kill-node", "stop-database", "kill-both")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _filing() -> dict[str, Any]:
    data = yaml.safe_load(FILING.read_text(encoding="utf-8"))
    loaded: dict[str, Any] = json.loads(json.dumps(data, default=str))  # dates as ISO text
    return loaded


@dataclass
class Node:
    """A data directory, its database and the `tamga up` process serving it."""

    data: Path
    database_url: str | None
    port: int
    process: subprocess.Popen[str] | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.data.parent / f"{self.data.name}-up.log"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TAMGA_")}
        env |= {
            "TAMGA_DATA_DIR": str(self.data),
            "TAMGA_API_PORT": str(self.port),
            "TAMGA_ANCHOR_CONFIRMATIONS": "1",
            "TAMGA_CHECKPOINT_INTERVAL_SECONDS": "2",
            "TAMGA_ANCHOR_INTERVAL_SECONDS": "5",
            "PYTHONPATH": str(ROOT),
        }
        if self.database_url is not None:
            env["TAMGA_DATABASE_URL"] = self.database_url
        return env

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tamga(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*TAMGA, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=180
        )

    def init(self) -> str:
        """`tamga init`, and a regulator token for the clients (its text)."""
        done = self.tamga("init")
        assert done.returncode == 0, done.stderr
        made = self.tamga("token", "create", "--role", "regulator", "--name", "crash", "--json")
        assert made.returncode == 0, made.stderr
        return str(json.loads(made.stdout)["token"])

    def start(self) -> None:
        with self.log.open("a", encoding="utf-8") as log:
            log.write(f"--- start {time.time():.3f}\n")
        self.process = subprocess.Popen(
            [*TAMGA, "up"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a", encoding="utf-8"),
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"tamga up exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"tamga up did not serve: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Attempt:
    """One client's request: its key, body, and what became of it."""

    key: str
    name: str
    tries: int = 0
    status: int | None = None
    answer: dict[str, Any] | None = None
    cut: int = 0  # attempts cut off (connection error, 5xx, 409 in flight)


@dataclass
class RoundResult:
    """What one round saw."""

    mode: str
    backend: str
    acknowledged: int
    retried: int
    retried_completed: int
    stuck: list[str]
    refused: dict[str, int]  # status -> how many requests ended with it (none but 201 expected)
    duplicates: list[str]
    lost: list[str]
    check_ok: bool
    check_output: str


class Client(threading.Thread):
    """Writes its issuers one after another, retrying each cut request with its own key."""

    def __init__(
        self,
        *,
        node: Node,
        token: str,
        tag: str,
        deadline: list[float],
        enough: threading.Event,
    ) -> None:
        super().__init__(daemon=True)
        self.node = node
        self.token = token
        self.tag = tag
        self.attempts: list[Attempt] = []
        self.deadline = deadline  # [monotonic time]; moved by the round after each restart
        self.enough = enough  # set: start no new request (the one under way still completes)
        self.filing = _filing()

    def run(self) -> None:
        with httpx.Client(timeout=10) as http:
            while not self.enough.is_set():
                n = len(self.attempts)
                attempt = Attempt(key=f"{self.tag}-{n}", name=f"Crash {self.tag} number {n} LLC")
                self.attempts.append(attempt)
                self._complete(http, attempt)

    def _complete(self, http: httpx.Client, attempt: Attempt) -> None:
        body = {"filing": {**self.filing, "name": attempt.name}, "effective_on": "2026-11-20"}
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": attempt.key}
        while time.monotonic() < self.deadline[0]:
            attempt.tries += 1
            try:
                response = http.post(self.node.base + "/v1/issuers", json=body, headers=headers)
            except httpx.HTTPError:
                attempt.cut += 1
                time.sleep(0.2)
                continue
            retry_after = response.headers.get("retry-after")
            if response.status_code >= 500 or response.status_code in (409, 429):
                attempt.cut += 1
                wait = min(float(retry_after), 2.0) if retry_after else 0.2
                time.sleep(wait)
                continue
            attempt.status = response.status_code
            attempt.answer = response.json()
            return


def _issuer_names(database_url: str) -> dict[str, list[tuple[str, int]]]:
    """Issuer codes (and the index of their registration) by name, read from the ledger."""
    store = SqlLedgerStore.from_url(database_url)
    try:
        found: dict[str, list[tuple[str, int]]] = {}
        with store.read() as reader:
            for row in reader.issuer_rows():
                entries = reader.entries_of(row.code)
                found.setdefault(row.name, []).append((row.code, entries[0].idx))
        return found
    finally:
        store.dispose()


@dataclass
class Harness:
    """One backend's node (and PostgreSQL server) across rounds."""

    backend: str
    root: Path
    postgres: PostgresServer | None = None
    node: Node = field(init=False)
    token: str = field(init=False)
    database_url: str = field(init=False)
    rounds: int = 0

    def __post_init__(self) -> None:
        url = None if self.postgres is None else self.postgres.create_database()
        self.node = Node(
            data=self.root / f"data-{self.backend}", database_url=url, port=_free_port()
        )
        self.token = self.node.init()
        self.database_url = url or f"sqlite:///{(self.node.data / 'tamga.sqlite').resolve()}"
        self.node.start()

    def run_round(self, mode: str, *, clients: int = 3, seed: int = 0) -> RoundResult:
        """Clients write while the chosen fault strikes mid-load, and go on writing for a second
        after recovery; every request cut off is retried with its key until it completes. Then
        the answers, the retried keys and the log are compared."""
        if mode != "kill-node" and self.postgres is None:
            raise ValueError(f"{mode} needs PostgreSQL")
        rng = random.Random(seed)
        self.rounds += 1
        tag = f"r{self.rounds}-{mode}-{seed}"
        deadline = [time.monotonic() + 180]
        enough = threading.Event()
        threads = [
            Client(
                node=self.node,
                token=self.token,
                tag=f"{tag}-c{c}",
                deadline=deadline,
                enough=enough,
            )
            for c in range(clients)
        ]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.3, 1.5))  # mid-load
        if mode in ("kill-node", "kill-both"):
            self.node.kill()
        if mode in ("stop-database", "kill-both"):
            assert self.postgres is not None
            self.postgres.stop_immediate()
            time.sleep(rng.uniform(0.5, 2.0))
            self.postgres.resume()
        if mode in ("kill-node", "kill-both"):
            self.node.start()
        deadline[0] = time.monotonic() + 90  # every cut request must complete after the restart
        time.sleep(1.0)  # writes go on after recovery
        enough.set()
        for t in threads:
            t.join(timeout=200)
        return self._compare(mode, [a for t in threads for a in t.attempts])

    def _compare(self, mode: str, attempts: list[Attempt]) -> RoundResult:
        names = _issuer_names(self.database_url)
        stuck = [a.key for a in attempts if a.status != 201]
        duplicates = [a.name for a in attempts if len(names.get(a.name, [])) > 1]
        lost = []
        for a in attempts:
            if a.status != 201 or a.answer is None:
                continue
            written = names.get(a.name, [])
            if (a.answer["code"], a.answer["index"]) not in written:
                lost.append(a.key)
        check = self.node.tamga("check")
        retried = [a for a in attempts if a.cut > 0]
        return RoundResult(
            mode=mode,
            backend=self.backend,
            acknowledged=sum(1 for a in attempts if a.status == 201),
            retried=len(retried),
            retried_completed=sum(1 for a in retried if a.status == 201),
            stuck=stuck,
            refused=dict(
                Counter(
                    f"{a.status} {(a.answer or {}).get('type', '')}"
                    for a in attempts
                    if a.status != 201
                )
            ),
            duplicates=duplicates,
            lost=lost,
            check_ok=check.returncode == 0,
            check_output=(check.stdout + check.stderr)[-2000:],
        )

    def close(self) -> None:
        self.node.stop()


@contextmanager
def harness(backend: str, root: Path, postgres: PostgresServer | None) -> Iterator[Harness]:
    """A node on ``backend`` (its own data directory under ``root``), stopped at the end."""
    h = Harness(backend=backend, root=root, postgres=postgres if backend == "postgres" else None)
    try:
        yield h
    finally:
        h.close()


def main() -> None:
    """Run N rounds of every mode on both backends and print the table of docs/reliability.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="rounds per mode and backend")
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()
    rows: list[RoundResult] = []
    server = PostgresServer.start(durable=True)
    try:
        with tempfile.TemporaryDirectory(prefix="tamga-up-crash-") as tmp:
            for backend, modes in (("sqlite", ("kill-node",)), ("postgres", MODES)):
                with harness(backend, Path(tmp), server) as h:
                    for mode in modes:
                        for n in range(args.rounds):
                            result = h.run_round(mode, seed=args.seed + n)
                            rows.append(result)
                            print(
                                f"{backend:8} {mode:13} ack {result.acknowledged:3} retried "
                                f"{result.retried:3} completed {result.retried_completed:3} stuck "
                                f"{len(result.stuck)} dup {len(result.duplicates)} lost "
                                f"{len(result.lost)} check {'ok' if result.check_ok else 'FAILED'}"
                                f" {result.refused or ''}",
                                flush=True,
                            )
    finally:
        server.stop()
    print(
        "\n| backend | fault | rounds | acknowledged writes | retried keys | completed | stuck "
        "| written twice | lost | `tamga check` |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    groups: dict[tuple[str, str], list[RoundResult]] = {}
    for r in rows:
        groups.setdefault((r.backend, r.mode), []).append(r)
    for (backend, mode), rs in groups.items():
        print(
            f"| {backend} | {mode} | {len(rs)} | {sum(r.acknowledged for r in rs)} | "
            f"{sum(r.retried for r in rs)} | {sum(r.retried_completed for r in rs)} | "
            f"{sum(len(r.stuck) for r in rs)} | {sum(len(r.duplicates) for r in rs)} | "
            f"{sum(len(r.lost) for r in rs)} | {sum(r.check_ok for r in rs)}/{len(rs)} passed |"
        )


if __name__ == "__main__":
    main()
