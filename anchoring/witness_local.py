"""Local witnesses for `tamga up` without TAMGA_WITNESSES: `tamga witness` processes on loopback."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from anchoring.witness import KEY_FILE, init_witness, load_witness_signer
from node.errors import ConfigError
from node.note import VerifierKey
from node.settings import WitnessSetting

START_TIMEOUT_SECONDS = 30.0


@contextmanager
def local_witnesses(
    data_dir: Path, *, count: int, origin: str, log_key: VerifierKey
) -> Iterator[list[WitnessSetting]]:
    """Start ``count`` witnesses under ``<data_dir>/witnesses/w<i>`` (keys and state kept across
    runs), each witnessing ``origin`` with ``log_key``; stop them on exit.

    Raises:
        ConfigError: a witness did not start within 30 seconds.
        SigningKeyError: a witness key cannot be created or read.
    """
    processes: list[subprocess.Popen[bytes]] = []
    settings: list[WitnessSetting] = []
    try:
        for number in range(1, count + 1):
            directory = data_dir / "witnesses" / f"w{number}"
            if not (directory / KEY_FILE).exists():
                init_witness(directory, name=f"witness-{number}.local/tamga")
            key = load_witness_signer(directory).verifier
            port_file = directory / "port"
            port_file.unlink(missing_ok=True)
            log = (directory / "witness.log").open("ab")
            processes.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
                    [
                        sys.executable,
                        "-m",
                        "node.cli.witness",
                        "serve",
                        str(directory),
                        "--log",
                        f"{origin}={log_key.encode()}",
                        "--port",
                        "0",
                        "--port-file",
                        str(port_file),
                    ],
                    stdout=log,
                    stderr=log,
                    preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                )
            )
            log.close()
            port = _wait_for_port(port_file, processes[-1])
            settings.append(
                WitnessSetting(name=key.name, url=f"http://127.0.0.1:{port}", vkey=key.encode())
            )
        yield settings
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # Linux: the witness gets SIGTERM when the node process dies, even by SIGKILL.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _wait_for_port(port_file: Path, process: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ConfigError(
                f"local witness exited with status {process.returncode} (see "
                f"{port_file.parent / 'witness.log'})"
            )
        if port_file.exists():
            return int(port_file.read_text().strip())
        time.sleep(0.05)
    raise ConfigError(f"local witness did not start within {START_TIMEOUT_SECONDS:.0f} s")
