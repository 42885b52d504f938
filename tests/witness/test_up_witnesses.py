"""`tamga up` with two local witnesses (what `make run` does): the demo's checkpoint cosigned,
exported with both cosignatures, the witnesses stopped with the node, even when it is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from node.note import parse_note, parse_signature_line, parse_vkey, verify_signature
from tests.anchoring.test_up import Node

ROOT = Path(__file__).resolve().parents[2]
TAMGA = [sys.executable, "-c", "from node.cli import main; main()"]


def _answers(url: str) -> bool:
    try:
        httpx.get(url + "/key", timeout=2)
    except httpx.TransportError:
        return False
    return True


def _gone(urls: list[str], timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(_answers(u) for u in urls):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_up_with_two_local_witnesses_cosigns_the_demo(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAMGA_")}
    env |= {
        "TAMGA_DATA_DIR": str(data),
        "TAMGA_API_PORT": "0",
        "TAMGA_LOCAL_WITNESSES": "2",
        "PYTHONPATH": str(ROOT),
    }
    for command in (["init"], ["demo"], ["log", "checkpoint"]):
        subprocess.run([*TAMGA, *command], cwd=ROOT, env=env, check=True, capture_output=True)

    node = Node(env)
    first = node.wait_for("witness ")
    second = node.wait_for("witness ")
    vkeys = [first.split()[1], second.split()[1]]
    urls = [first.split()[3], second.split()[3]]
    assert [parse_vkey(v).name for v in vkeys] == ["witness-1.local/tamga", "witness-2.local/tamga"]
    cosigned = node.wait_for("cosigned ")
    assert cosigned.endswith("by witness-1.local/tamga, witness-2.local/tamga"), cosigned
    size = int(cosigned.split()[2])
    assert node.stop() == 0
    node.wait_for("stopped")
    assert _gone(urls), "a local witness outlived the node"

    subprocess.run(
        [*TAMGA, "export", "--out", str(tmp_path / "export")], cwd=ROOT, env=env, check=True
    )
    last = json.loads((tmp_path / "export" / "checkpoints.jsonl").read_text().splitlines()[-1])
    assert last["tree_size"] == size and len(last["cosignatures"]) == 2
    text = parse_note(last["note"]).text
    for line, vkey in zip(last["cosignatures"], vkeys, strict=True):
        assert verify_signature(text, parse_signature_line(line), parse_vkey(vkey)) is not None

    # Killed: the witnesses die with the node (PR_SET_PDEATHSIG), their keys are kept.
    again = Node(env)
    lines = [again.wait_for("witness ").split(), again.wait_for("witness ").split()]
    assert [line[1] for line in lines] == vkeys
    urls = [line[3] for line in lines]
    again.wait_for("serving ")
    assert again.stop(signal.SIGKILL) == -signal.SIGKILL
    assert _gone(urls), "a local witness outlived a killed node"
