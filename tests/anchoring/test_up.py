"""`tamga up` as a real process on the demo register: its own anvil, the contract deployed once,
the first anchor, the HTTP server, a clean stop, a restart that remembers the contract, and no
orphaned anvil after SIGKILL."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from anchoring.chain import AnchorContract, Chain
from anchoring.store import AnchorStore
from node.ledger.db import make_engine

ROOT = Path(__file__).resolve().parents[2]
TAMGA = [sys.executable, "-c", "from node.cli import main; main()"]


class Node:
    """A running `tamga up` whose stdout lines are collected."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [*TAMGA, "up"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, prefix: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if line.startswith(prefix):
                return line
        if self.process.poll() is None:
            self.process.kill()
        _, stderr = self.process.communicate(timeout=30)
        pytest.fail(f"no line starting {prefix!r}; saw {self.seen}; stderr:\n{stderr[-4000:]}")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=30)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().split()[2] != "Z"


@pytest.mark.slow
def test_up_runs_the_node_on_its_own_chain(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAMGA_")}
    env |= {
        "TAMGA_DATA_DIR": str(data),
        "TAMGA_API_PORT": "0",
        "TAMGA_ANCHOR_CONFIRMATIONS": "2",
        "PYTHONPATH": str(ROOT),
    }
    for command in ("init", "demo"):
        subprocess.run([*TAMGA, command], cwd=ROOT, env=env, check=True, capture_output=True)

    node = Node(env)
    chain_line = node.wait_for("chain ")
    url_match = re.search(r"(http://127\.0\.0\.1:\d+) \(chain id 31337, started", chain_line)
    assert url_match, chain_line
    contract_line = node.wait_for("contract ")
    address = contract_line.split()[2]
    serving = node.wait_for("serving ")
    base = serving.split()[1]
    anchored = node.wait_for("anchored ")
    size = int(anchored.split()[3])
    # The scheduled verification job runs on start (after the first anchor: one worker thread)
    # and reads the demo's tokens on this node's own chain.
    verified = node.wait_for("verified ")
    # 11: the planted findings of the demo, Talas Gold's name() among them (erc20.name-mismatch)
    assert re.search(r"verified +6 of \d+ emissions on chain, 11 open findings", verified), verified
    with urllib.request.urlopen(base + "healthz", timeout=5) as response:
        assert response.status == 200
    contract = AnchorContract(Chain.open(url_match.group(1), timeout=5), address)
    assert contract.latest().tree_size == size
    endpoint = json.loads((data / "anvil" / "endpoint.json").read_text())
    assert endpoint["url"] == url_match.group(1)
    # Another process attaches to the running chain instead of starting one.
    listed = subprocess.run(
        [*TAMGA, "anchor", "list", "--json"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    assert [a["tree_size"] for a in json.loads(listed.stdout)["anchors"]] == [size]
    assert node.stop() == 0
    node.wait_for("stopped")
    assert not _pid_alive(endpoint["pid"])
    assert not (data / "anvil" / "endpoint.json").exists()

    # Restart: the chain state is kept and the contract is not deployed again.
    again = Node(env)
    assert again.wait_for("contract ").split()[2] == address
    again.wait_for("serving ")
    pid = json.loads((data / "anvil" / "endpoint.json").read_text())["pid"]
    assert again.stop(signal.SIGKILL) == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _pid_alive(pid), "anvil outlived a killed node"
    engine = make_engine(f"sqlite:///{data / 'tamga.sqlite'}")
    try:
        store = AnchorStore(engine)
        deployment = store.latest_deployment()
        assert deployment is not None
        assert deployment.contract == address
        assert [a.tree_size for a in store.anchors(deployment.id)] == [size]
    finally:
        engine.dispose()
