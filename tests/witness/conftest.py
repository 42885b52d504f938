"""Witness fixtures: two real `tamga witness` processes of the test log on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.witness.witness_support import ORIGIN, WitnessServer, node_note_signer


@pytest.fixture
def witnesses(tmp_path: Path) -> Iterator[tuple[WitnessServer, WitnessServer]]:
    """Two witnesses of the test log, each with its own key and state directory."""
    log = f"{ORIGIN}={node_note_signer().verifier.encode()}"
    servers: list[WitnessServer] = []
    try:
        for name in ("witness-a.example/w", "witness-b.example/w"):
            directory = tmp_path / name.split(".")[0]
            servers.append(WitnessServer.create(directory, name=name, logs=[log]))
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()
