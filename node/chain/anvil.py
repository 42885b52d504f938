"""The node's own local chain: an `anvil` (from the project's npm dependencies) on a free loopback
port, its state kept under ``<data_dir>/anvil/``.

The first process that needs the chain starts anvil and holds ``<data_dir>/anvil/lock`` while it
runs; others (e.g. `tamga anchor list` beside `tamga up`) attach through ``endpoint.json``
(:func:`running_endpoint`). Which chain a command uses is decided by node/chain/endpoint.py.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from node.chain.config import LOCAL_CHAIN_ID
from node.chain.rpc import RpcClient
from node.errors import ChainError, ConfigError

logger = logging.getLogger("tamga.chain.anvil")

ANVIL_CHAIN_ID = LOCAL_CHAIN_ID
LOOPBACK = "127.0.0.1"

REPO_ROOT = Path(__file__).resolve().parents[2]


def find_anvil() -> Path:
    """The anvil binary: ``node_modules/.bin/anvil`` (working directory, then the source tree),
    else ``anvil`` on PATH.

    Raises:
        ConfigError: none is found.
    """
    for base in (Path.cwd(), REPO_ROOT):
        candidate = base / "node_modules" / ".bin" / "anvil"
        if candidate.exists():
            return candidate
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise ConfigError(
        "anvil is not installed: run `npm ci` (node_modules/.bin/anvil), or set TAMGA_RPC_URL, "
        "TAMGA_CHAIN_ID and TAMGA_CONTRACT_ADDRESS to use another chain"
    )


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def rpc_ready(url: str, *, timeout: float = 0.5) -> bool:
    """Whether a JSON-RPC endpoint answers ``eth_chainId``."""
    try:
        RpcClient([url], timeout=timeout, probe=True).chain_id()
    except (ChainError, ValueError):
        return False
    return True


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # Linux: anvil gets SIGTERM (and dumps its state) when the node process dies, even by SIGKILL.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class AnvilProcess:
    """A running anvil child process on a loopback port."""

    def __init__(self, *, process: subprocess.Popen[bytes], port: int, host: str) -> None:
        self.process = process
        self.port = port
        self.url = f"http://{host}:{port}"

    @classmethod
    def start(
        cls,
        *,
        anvil: Path | None = None,
        state_file: Path | None = None,
        block_time: int | None = None,
        chain_id: int = ANVIL_CHAIN_ID,
        log_file: Path | None = None,
        timeout: float = 20.0,
        host: str = LOOPBACK,
        extra_args: Sequence[str] = (),
    ) -> AnvilProcess:
        """Start anvil on a free port of ``host`` and wait until it answers.

        With ``state_file`` the chain is loaded from it (when present) and saved to it every few
        seconds and on exit. With ``block_time`` a block is also mined every that many seconds
        besides one per transaction (so confirmations accrue while idle). ``extra_args`` go to
        anvil as they are (e.g. ``--steps-tracing``).

        Raises:
            ConfigError: anvil is missing.
            ChainError: anvil did not start or answer within ``timeout``.
        """
        binary = anvil or find_anvil()
        last_error = "did not answer"
        for _ in range(3):
            port = free_port(host)
            args = [
                str(binary),
                "--host",
                host,
                "--port",
                str(port),
                "--chain-id",
                str(chain_id),
            ]
            if state_file is not None:
                args += ["--state", str(state_file), "--state-interval", "5"]
            if block_time is not None:
                args += ["--mixed-mining", "--block-time", str(block_time)]
            args += list(extra_args)
            output = log_file.open("ab") if log_file is not None else subprocess.DEVNULL
            try:
                process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
                    args,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                )
            except OSError as exc:
                raise ChainError(f"cannot start anvil ({binary}): {exc.strerror}") from exc
            finally:
                if log_file is not None and not isinstance(output, int):
                    output.close()
            started = cls(process=process, port=port, host=host)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    last_error = f"exited with status {process.returncode}"
                    break
                if rpc_ready(started.url):
                    logger.info("anvil running at %s (pid %d)", started.url, process.pid)
                    return started
                time.sleep(0.05)
            else:
                started.stop()
                raise ChainError(f"anvil did not answer at {started.url} within {timeout:.0f} s")
        raise ChainError(f"anvil did not start: {last_error}")

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process.poll() is None

    def stop(self, *, timeout: float = 15.0) -> None:
        """SIGTERM (anvil saves its state), then SIGKILL after ``timeout``."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL (nothing is saved)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> AnvilProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass(frozen=True)
class LocalEndpoint:
    """Where the node's local anvil answers, and whether this process started it."""

    url: str
    chain_id: int
    owner: bool
    state_file: Path


def anvil_dir(data_dir: Path) -> Path:
    """``<data_dir>/anvil``: state, log, lock and endpoint of the local chain."""
    return data_dir / "anvil"


@contextmanager
def local_chain(
    data_dir: Path, *, block_time: int | None, anvil: Path | None = None, wait: float = 20.0
) -> Iterator[LocalEndpoint]:
    """The node's local chain: start anvil (and stop it, saving its state, at exit), or attach to
    the one another process of this data directory runs.

    Raises:
        ConfigError: anvil is missing, or the data directory cannot be written.
        ChainError: anvil did not start, or the other process's anvil does not answer.
    """
    directory = anvil_dir(data_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(directory / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot use {directory}: {exc.strerror}") from exc
    endpoint_file = directory / "endpoint.json"
    state_file = directory / "state.json"
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield _attach(data_dir, state_file=state_file, wait=wait)
            return
        process = AnvilProcess.start(
            anvil=anvil,
            state_file=state_file,
            block_time=block_time,
            log_file=directory / "anvil.log",
        )
        try:
            endpoint_file.write_text(
                json.dumps({"url": process.url, "pid": process.process.pid}), encoding="utf-8"
            )
            yield LocalEndpoint(
                url=process.url, chain_id=ANVIL_CHAIN_ID, owner=True, state_file=state_file
            )
        finally:
            endpoint_file.unlink(missing_ok=True)
            process.stop()
    finally:
        os.close(fd)


def running_endpoint(data_dir: Path) -> str | None:
    """The JSON-RPC URL the process running this data directory's anvil published in
    ``<data_dir>/anvil/endpoint.json``, None when there is none (nothing is sent to it)."""
    try:
        value = json.loads((anvil_dir(data_dir) / "endpoint.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    url = value.get("url") if isinstance(value, dict) else None
    return url if isinstance(url, str) and url else None


def _attach(data_dir: Path, *, state_file: Path, wait: float) -> LocalEndpoint:
    deadline = time.monotonic() + wait
    while True:
        url = running_endpoint(data_dir) or ""
        if url and rpc_ready(url):
            return LocalEndpoint(
                url=url, chain_id=ANVIL_CHAIN_ID, owner=False, state_file=state_file
            )
        if time.monotonic() >= deadline:
            raise ChainError(
                "another process holds the local chain of this data directory but its anvil "
                "does not answer"
            )
        time.sleep(0.1)
