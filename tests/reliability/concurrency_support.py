"""Support of the concurrent-writer tests: a node data directory, real API server processes
(uvicorn serving ``create_app``), real `tamga` CLI processes, and the log read back."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml

ROOT = Path(__file__).resolve().parents[2]
TAMGA = ROOT / ".venv" / "bin" / "tamga"
FILING = ROOT / "tests" / "data" / "filings" / "issuer-legal-entity.yaml"
EMISSION = ROOT / "tests" / "data" / "filings" / "emission-digital-token.yaml"
EFFECTIVE_ON = "2026-11-20"


@dataclass(frozen=True)
class Ack:
    """One acknowledged write: who wrote it, its index, kind and subject (issuer code or
    application number)."""

    writer: str
    index: int
    kind: str
    subject: str


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def node_env(data_dir: Path, database_url: str) -> dict[str, str]:
    """The environment of every process of one node: its data directory and database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAMGA_")}
    env.update(
        {
            "TAMGA_DATA_DIR": str(data_dir),
            "TAMGA_DATABASE_URL": database_url,
            "TAMGA_API_RATE_LIMIT_PER_MINUTE": "100000",
            "TAMGA_API_TOKEN_RATE_LIMIT_PER_MINUTE": "100000",
        }
    )
    return env


def tamga(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run the real `tamga` CLI; its stdout (fails the test on a non-zero exit)."""
    done = subprocess.run(
        [str(TAMGA), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"tamga {' '.join(args)}: {done.stderr}"
    return done.stdout


def tamga_in_process(env: dict[str, str], *args: str) -> str:
    """Run `tamga` in this process (setup steps, cheaper than a process); its stdout."""
    from typer.testing import CliRunner

    from node.cli import app

    tamga_env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("TAMGA_")}
    tamga_env.update({k: v for k, v in env.items() if k.startswith("TAMGA_")})
    result = CliRunner().invoke(app, list(args), env=tamga_env)
    assert result.exit_code == 0, result.output
    return result.stdout


def issuer_filing(name: str) -> dict[str, Any]:
    """The sample legal-entity filing under another name and registration number."""
    data: dict[str, Any] = yaml.safe_load(FILING.read_text(encoding="utf-8"))
    data["name"] = name
    number = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") % 10**6
    data["legal_registration"]["number"] = f"{number:06d}-3301-OOO"
    plain: dict[str, Any] = json.loads(json.dumps(data, default=str))  # dates as ISO strings
    return plain


@contextmanager
def api_server(env: dict[str, str]) -> Iterator[str]:
    """A real API server process (uvicorn, ``create_app`` from TAMGA_*); yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.app:create_app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the API server exited: {process.stderr.read()!r}")  # type: ignore[union-attr]
            try:
                if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the API server did not start within 60 s")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def emission_registration(issuer: str, n: int) -> dict[str, Any]:
    """A body of POST /v1/emissions: the sample digital token (another name and symbol) filed
    for ``issuer`` and registered at once, its registration number allocated by the node."""
    data: dict[str, Any] = yaml.safe_load(EMISSION.read_text(encoding="utf-8"))
    data.update(
        issuer=issuer,
        name=f"Concurrent Token {n:03d}",
        symbol=f"CT{n:03d}",
        documents_filed_on="2026-11-20",
        placement_start="2027-01-11",
        placement_end="2027-03-31",
    )
    data["collateral"][0]["appraised_on"] = "2026-11-01"
    data["collateral"][0]["registered_on"] = "2026-11-05"
    body: dict[str, Any] = json.loads(json.dumps({"filing": data}, default=str))
    body["registration"] = {
        "on": "2026-11-20",
        "document": {
            "type": "authority_decision",
            "number": f"R-{n}",
            "date": "2026-11-20",
            "issued_by": "Authority",
        },
    }
    return body
