"""Witness test support: real `tamga witness` processes on loopback, a node ledger submitting."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx

from anchoring.witness_client import Cosigner
from node.clock import FixedClock
from node.keys import note_signer
from node.ledger.service import Ledger
from node.note import NoteSigner
from node.settings import WitnessSetting
from tests.support.scenario import NOW, open_ledger, signer
from tests.unit.domain.lifecycle_samples import issuer_filing

ORIGIN = "test.tamga/register"
TAMGA = str(Path(sys.executable).with_name("tamga"))


def node_note_signer() -> NoteSigner:
    """The test node's Ed25519 note key (derived from the test checkpoint key)."""
    return note_signer(signer(), origin=ORIGIN)


@dataclass
class WitnessServer:
    """One `tamga witness serve` process; ``restart`` keeps its directory (key and state)."""

    directory: Path
    name: str
    logs: list[str]
    process: subprocess.Popen[bytes] | None = None
    url: str = ""
    vkey: str = ""
    _outputs: list[Path] = field(default_factory=list)

    @classmethod
    def create(cls, directory: Path, *, name: str, logs: list[str]) -> WitnessServer:
        result = subprocess.run(
            [TAMGA, "witness", "init", str(directory), "--name", name],
            capture_output=True,
            text=True,
            check=True,
        )
        server = cls(directory=directory, name=name, logs=logs, vkey=result.stdout.strip())
        server.start()
        return server

    def start(self) -> None:
        port_file = self.directory / "port"
        port_file.unlink(missing_ok=True)
        args = [TAMGA, "witness", "serve", str(self.directory), "--port", "0"]
        for log in self.logs:
            args += ["--log", log]
        output = self.directory / f"serve-{len(self._outputs)}.log"
        self._outputs.append(output)
        with output.open("wb") as sink:
            self.process = subprocess.Popen(
                [*args, "--port-file", str(port_file)], stdout=sink, stderr=sink
            )
        deadline = time.monotonic() + 60
        while not port_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"witness did not start: {output.read_text()}")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{int(port_file.read_text())}"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def setting(self) -> WitnessSetting:
        return WitnessSetting(name=self.name, url=self.url, vkey=self.vkey)

    def evidence(self) -> list[Path]:
        return sorted((self.directory / "evidence").glob("*.json"))


def grow(ledger: Ledger, name: str) -> None:
    """Append one entry (an issuer registration) to the log."""
    ledger.register_issuer(issuer_filing(name=name), effective_on=date(2026, 2, 2))


def node_ledger(path: Path, *, salt_start: int = 1) -> Ledger:
    """A migrated ledger (SQLite file) with the test node key (distinct ``salt_start`` for each
    ledger object writing to one database: Reg. §66 commitments must not collide)."""
    return open_ledger(f"sqlite:///{path}", clock=FixedClock(NOW), salt_start=salt_start)


def cosigner(ledger: Ledger, servers: list[WitnessServer], http: httpx.Client) -> Cosigner:
    """The node side, submitting to ``servers``."""
    return Cosigner(
        ledger=ledger,
        signer=node_note_signer(),
        witnesses=[s.setting for s in servers],
        clock=ledger.clock,
        http=http,
    )
