"""The installed `tamga` console script, run as real processes in a temporary data directory."""

from __future__ import annotations

import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from cli_support import issuer_filing

from node.clock import SystemClock
from node.domain.filings import parse_issuer_filing
from node.keys import create_keystore
from node.ledger.service import Ledger
from node.settings import Settings

TAMGA = Path(sys.executable).with_name("tamga")

pytestmark = pytest.mark.slow

# entries `tamga demo` writes (node/demo_data/demo.yaml, with the chain steps on its own anvil)
DEMO_ENTRIES = 155


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAMGA_")}
    env["TAMGA_DATA_DIR"] = str(data_dir)
    env["COLUMNS"] = "200"
    return env


def _tamga(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TAMGA), *args],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_console_script_end_to_end(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    init = _tamga(data_dir, "init")
    assert init.returncode == 0, init.stderr
    assert "signer" in init.stdout
    demo = _tamga(data_dir, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "17 emissions" in demo.stdout
    listed = _tamga(data_dir, "emission", "list")
    assert listed.returncode == 0, listed.stderr
    for symbol in ("ATSOM", "OALTN", "CAGRO", "IKRS", "KSKI", "NYAK", "CGRN", "OBTT", "TKEN"):
        assert symbol in listed.stdout
    checkpoint = _tamga(data_dir, "log", "checkpoint")
    assert checkpoint.returncode == 0, checkpoint.stderr
    assert json.loads(checkpoint.stdout)["tree_size"] == DEMO_ENTRIES
    check = _tamga(data_dir, "check")
    assert check.returncode == 0, check.stderr
    assert "passed" in check.stdout
    export = _tamga(data_dir, "export", "--out", str(tmp_path / "export"))
    assert export.returncode == 0, export.stderr
    manifest = json.loads((tmp_path / "export" / "manifest.json").read_text())
    assert manifest["tree_size"] == DEMO_ENTRIES
    entries = (tmp_path / "export" / "entries.jsonl").read_text(encoding="utf-8")
    assert len(entries.splitlines()) == DEMO_ENTRIES


def _lines(stream: object, sink: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        sink.put(line)


def _wait_for(sink: queue.Queue[str], text: str, seen: list[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = sink.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"{text!r} not logged; got:\n{''.join(seen)}")


def _add_issuer(data_dir: Path, name: str) -> None:
    settings = Settings(data_dir=data_dir)
    ledger = Ledger.open(settings, clock=SystemClock())
    try:
        ledger.initialize()
        filing = parse_issuer_filing(issuer_filing(name=name))
        ledger.register_issuer(filing, effective_on=date(2026, 11, 2))
    finally:
        ledger.close()


def test_run_cuts_checkpoints_and_stops_on_sigterm(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir)
    create_keystore(
        key_file=settings.resolved_key_file, password_file=settings.resolved_key_password_file
    )
    _add_issuer(data_dir, "Бакай Токен Сервис")
    process = subprocess.Popen(
        [str(TAMGA), "run", "--interval", "1"],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    sink: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_lines, args=(process.stderr, sink), daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        _wait_for(sink, "checkpoint cut: size 1 (was 0)", seen)
        _add_issuer(data_dir, "Токмок Дата")
        _wait_for(sink, "checkpoint cut: size 2 (was 1)", seen)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        _wait_for(sink, "stopped", seen)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in "".join(seen)
    with sqlite3.connect(data_dir / "tamga.sqlite") as db:
        sizes = [size for (size,) in db.execute("SELECT size FROM checkpoints ORDER BY size")]
    assert sizes == [1, 2]
