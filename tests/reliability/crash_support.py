"""Crash harness: a forking driver that writes, checkpoints, anchors and verifies until SIGKILLed,
and the checks run after every kill (used by test_crash_harness.py).

The driver process (``python -m tests.reliability.crash_support zygote CONFIG``) imports the real
node code once and forks one worker per round, so a round costs milliseconds, not an interpreter
start. A worker opens the real Ledger, Publisher and Verifier on the round's database and chain
and loops over random operations (seeded). After each call returns it appends one line per
acknowledged write (entry index and leaf hash, or checkpoint size and root) to its ack file and
flushes it: an ack line on disk means the call returned to its caller.

Kill modes: ``timer`` (the test SIGKILLs the worker after a random delay), ``commit`` (the worker
SIGKILLs itself inside its k-th SQL COMMIT, after every INSERT of the transaction and before the
database commits: a SQLAlchemy event listener in this file, nothing in production code) and
``publisher`` (the worker SIGKILLs itself at a random ``PublishStep`` of the publisher's existing
``on_step`` hook).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[2]
ANCHOR_KEY = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
ORIGIN = "test.tamga/register"
JOINED = date(2026, 2, 2)
UPDATED_ON = date(2026, 11, 20)
SETUP_TIME = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
KILL_MODES = ("timer", "timer", "timer", "commit", "publisher")


@dataclass(frozen=True)
class CrashConfig:
    """What a worker needs: the database, the chain and the contract, where acks go."""

    database_url: str
    rpc_url: str
    contract: str
    deployment_id: int
    work_dir: str


@dataclass
class Acks:
    """Everything acknowledged so far, across rounds."""

    entries: dict[int, str] = field(default_factory=dict)
    checkpoints: dict[int, str] = field(default_factory=dict)
    cli: dict[int, str] = field(default_factory=dict)
    operations: Counter[str] = field(default_factory=Counter)

    def read(self, path: Path) -> int:
        """Add the complete lines of an ack file (a torn last line was never acknowledged);
        returns how many lines were read.

        Raises:
            AssertionError: an ack contradicts an earlier one.
        """
        if not path.exists():
            return 0
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")[:-1]  # the part after the last newline is not complete
        for line in lines:
            ack = json.loads(line)
            kind = ack["kind"]
            if kind == "entry":
                old = self.entries.setdefault(int(ack["index"]), ack["leaf_hash"])
                assert old == ack["leaf_hash"], f"entry {ack['index']} acknowledged twice"
            elif kind == "checkpoint":
                old = self.checkpoints.setdefault(int(ack["size"]), ack["root"])
                assert old == ack["root"], f"checkpoint {ack['size']} acknowledged twice"
            else:
                self.operations[str(ack["op"])] += 1
        return len(lines)


# ---------------------------------------------------------------------------------------------
# the worker (runs in a forked child of the driver)
# ---------------------------------------------------------------------------------------------


class _Writer:
    """Appends ack lines and flushes each one (the kernel keeps them when the process dies)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, **ack: Any) -> None:
        self.stream.write(json.dumps(ack) + "\n")
        self.stream.flush()


def _worker(config: CrashConfig, *, round_no: int, seed: int, mode: str) -> None:
    from eth_account import Account
    from sqlalchemy import event

    from anchoring.chain import AnchorContract, Chain
    from anchoring.publisher import Publisher, PublisherConfig, PublishStep
    from anchoring.store import AnchorRecord, AnchorStore
    from node.chain.config import ChainTable
    from node.chain.rpc import RpcClient
    from node.clock import SystemClock
    from node.domain.calendar import kyrgyz_calendar
    from node.domain.entries import IssuerUpdated
    from node.errors import LedgerError
    from node.ledger.service import Ledger
    from node.ledger.store import SqlLedgerStore
    from node.verification.service import Verifier, VerifyConfig
    from tests.support.scenario import signer
    from tests.unit.domain.lifecycle_samples import issuer_filing

    rng = random.Random(seed)
    clock = SystemClock()
    store = SqlLedgerStore.from_url(config.database_url)
    ledger = Ledger(
        store=store,
        clock=clock,
        origin=ORIGIN,
        calendar=kyrgyz_calendar(),
        signer=signer(),
    )
    ack_file = Path(config.work_dir) / f"acks-{round_no:04d}.jsonl"
    acks = _Writer(ack_file.open("a", encoding="utf-8"))  # closed by the kill

    def die(_where: str) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    if mode == "commit":
        remaining = [rng.randint(1, 12)]

        @event.listens_for(store.engine, "commit")
        def _before_commit(_conn: Any) -> None:  # fires before the DBAPI commit
            remaining[0] -= 1
            if remaining[0] == 0:
                die("commit")

    crash_step = rng.choice(list(PublishStep)) if mode == "publisher" else None

    def on_step(step: PublishStep, _anchor: AnchorRecord) -> None:
        if step is crash_step:
            die(step.value)

    deployment = AnchorStore(store.engine).latest_deployment()
    assert deployment is not None and deployment.id == config.deployment_id
    publisher = Publisher(
        ledger=ledger,
        contract=AnchorContract(Chain.open(config.rpc_url, timeout=5), config.contract),
        deployment=deployment,
        account=Account.from_key(bytes.fromhex(ANCHOR_KEY)),
        config=PublisherConfig(confirmations=1, timeout_seconds=5, poll_seconds=0.02),
        clock=clock,
        on_step=on_step,
    )
    client = RpcClient([config.rpc_url], chain_id=31337, timeout=5)
    verifier = Verifier(
        ledger,
        table=ChainTable(),
        clients=lambda spec: client if spec.local else None,
        config=VerifyConfig(confirmations=1),
    )
    issuers = [i.code for i in ledger.issuers()]

    def entries_acked(result: Any) -> None:
        for record in result.entries:
            acks.write(kind="entry", index=record.idx, leaf_hash=record.leaf_hash.hex())
        if result.checkpoint is not None:
            acks.write(kind="checkpoint", size=result.size, root=result.root.hex())

    ops = ["single", "single", "single", "single+checkpoint", "batch", "batch", "checkpoint"]
    ops += ["anchor", "anchor", "verify"]
    if mode == "publisher":
        ops = ["single", "checkpoint", "anchor"]
    deadline = time.monotonic() + 30
    n = 0
    while time.monotonic() < deadline:
        n += 1
        op = ops[(n - 1) % len(ops)] if mode == "publisher" else rng.choice(ops)
        if op.startswith("single"):
            name = f"Crash Test {round_no:04d}-{n:03d} LLC"
            code, result = ledger.register_issuer(
                issuer_filing(name=name), effective_on=JOINED, checkpoint=op.endswith("checkpoint")
            )
            issuers.append(code)
            entries_acked(result)
        elif op == "batch":
            now = clock.now()
            batch = [
                IssuerUpdated(
                    issuer=rng.choice(issuers),
                    recorded_at=now,
                    effective_on=UPDATED_ON,
                    legal_address=f"Bishkek, Chui avenue {round_no}-{n}-{i}",
                )
                for i in range(rng.randint(2, 25))
            ]
            entries_acked(ledger.append(batch))
        elif op == "checkpoint":
            try:
                signed = ledger.cut_checkpoint()
            except LedgerError:  # nothing new since the last checkpoint
                continue
            cut = signed.checkpoint
            acks.write(kind="checkpoint", size=cut.size, root=cut.log_root.hex())
        elif op == "anchor":
            outcome = publisher.run()
            acks.write(kind="op", op=f"anchor:{outcome.action.value}")
        elif op == "verify":
            report = verifier.run()
            first = report.first_index
            if first is not None:
                for record in ledger.entries(first, first + report.entries):
                    acks.write(kind="entry", index=record.idx, leaf_hash=record.leaf_hash.hex())
            acks.write(kind="op", op="verify")
        if op != "anchor" and op != "verify":
            acks.write(kind="op", op=op)


def _zygote(config: CrashConfig) -> None:
    """Read ``ROUND SEED MODE`` lines; fork a worker for each; report its pid and its end."""
    # Import everything once, before any fork (no connection is opened here).
    import anchoring.publisher  # noqa: F401
    import node.ledger.service
    import node.verification.service  # noqa: F401
    import tests.unit.domain.lifecycle_samples  # noqa: F401

    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        round_no, seed, mode = line.split()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _worker(config, round_no=int(round_no), seed=int(seed), mode=mode)
            except BaseException:  # reported to the test, then exit
                failed = Path(config.work_dir) / f"failed-{int(round_no):04d}.txt"
                failed.write_text(traceback.format_exc(), encoding="utf-8")
                code = 3
            os._exit(code)
        out.write(f"pid {pid}\n")
        out.flush()
        _, status = os.waitpid(pid, 0)
        out.write(f"exit {pid} {status}\n")
        out.flush()


# ---------------------------------------------------------------------------------------------
# the test side
# ---------------------------------------------------------------------------------------------


class Driver:
    """The zygote process, driven line by line."""

    def __init__(self, config: CrashConfig) -> None:
        self.config = config
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.crash_support", "zygote"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "CRASH_CONFIG": json.dumps(asdict(config))},
        )
        assert self._line() == "ready"

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            assert self.process.stderr is not None
            raise AssertionError(f"crash driver ended: {self.process.stderr.read()}")
        return line.strip()

    def round(self, *, round_no: int, seed: int, mode: str, delay: float) -> int:
        """Run one worker; SIGKILL it after ``delay`` seconds (mode ``timer``), or wait for it to
        kill itself. Returns the signal that ended it.

        Raises:
            AssertionError: the worker failed on its own (an exception, not a kill).
        """
        assert self.process.stdin is not None
        self.process.stdin.write(f"{round_no} {seed} {mode}\n")
        self.process.stdin.flush()
        kind, pid_text = self._line().split()
        assert kind == "pid"
        pid = int(pid_text)
        if mode == "timer":
            time.sleep(delay)
            with contextlib.suppress(ProcessLookupError):  # it may have died on its own
                os.kill(pid, signal.SIGKILL)
        kind, _, status_text = self._line().split()
        assert kind == "exit"
        status = int(status_text)
        if not os.WIFSIGNALED(status):
            failed = Path(self.config.work_dir) / f"failed-{round_no:04d}.txt"
            why = failed.read_text(encoding="utf-8") if failed.exists() else "no error recorded"
            raise AssertionError(
                f"round {round_no} ({mode}) ended without a kill, status {status}: {why}"
            )
        return os.WTERMSIG(status)

    def close(self) -> None:
        """Stop the driver."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def main(argv: list[str]) -> int:
    """Entry point of the driver process."""
    if argv != ["zygote"]:
        sys.stderr.write("usage: python -m tests.reliability.crash_support zygote\n")
        return 2
    config = CrashConfig(**json.loads(os.environ["CRASH_CONFIG"]))
    _zygote(config)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
