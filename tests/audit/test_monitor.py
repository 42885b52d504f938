"""`tamga monitor` follows a node's public API and the chain, and alarms on a fork."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from audit_world import World, anchor_all, api_client, grow, new_contract

from anchoring.equivocation import parse_evidence, verify_evidence
from anchoring.monitor import (
    EXIT_ALARM,
    EXIT_EQUIVOCATION,
    Alarm,
    Monitor,
    exit_status,
    load_state,
    run_monitor,
)

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
URL = "http://testserver/"


@pytest.fixture(scope="module")
def ledgers(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The world grown three ways: honest (base+1), its successor (base+2), a fork (base+1)."""
    directory = tmp_path_factory.mktemp("monitor")
    honest = world.copy_db(directory / "honest")
    grow(honest, "11.00", regno=world.regno)
    later = world.copy_db(directory / "later")
    grow(later, "11.00", regno=world.regno)
    grow(later, "12.00", regno=world.regno)
    fork = world.copy_db(directory / "fork")
    grow(fork, "99.00", regno=world.regno)
    other_later = world.copy_db(directory / "other-later")
    grow(other_later, "11.00", regno=world.regno)
    grow(other_later, "77.00", regno=world.regno)
    fork_later = world.copy_db(directory / "fork-later")
    grow(fork_later, "99.00", regno=world.regno)
    grow(fork_later, "98.00", regno=world.regno)
    return {
        "honest": honest,
        "later": later,
        "fork": fork,
        "other_later": other_later,
        "fork_later": fork_later,
    }


class _Hook:
    """A local webhook receiver: every POSTed JSON body."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                hook.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alarm"


@pytest.fixture
def hook() -> Iterator[_Hook]:
    served = _Hook()
    try:
        yield served
    finally:
        served.server.shutdown()
        served.server.server_close()


def _monitor(world: World, tmp_path: Path, client: Any, **options: Any) -> Monitor:
    return Monitor(
        urls=[URL],
        chain=options.pop("chain", None),
        state_path=tmp_path / "state.json",
        evidence_dir=tmp_path / "evidence",
        now=lambda: NOW,
        signers=[world.signer],
        clients={URL: client},
        **options,
    )


def test_the_monitor_follows_a_node_across_restarts_and_alarms_on_a_fork(
    world: World,
    ledgers: dict[str, Path],
    tmp_path: Path,
    hook: _Hook,
    caplog: pytest.LogCaptureFixture,
) -> None:
    contract = new_contract(world)
    anchor_all(world, contract, ledgers["later"])
    chain = world.chain(contract)
    base = max(world.sizes)
    with api_client(ledgers["honest"], tmp_path / "honest") as (client, _):
        first = _monitor(world, tmp_path, client, chain=chain, webhook=hook.url)
        assert run_monitor(first, rounds=2, interval=0, sleep=lambda _s: None) == []
    state = load_state(tmp_path / "state.json", from_block=0)
    head = state.nodes[URL].head
    assert head is not None and head["tree_size"] == base + 1
    assert state.next_block > 0
    # a restarted monitor continues from the state file: the node moved on, consistently
    with api_client(ledgers["later"], tmp_path / "later") as (client, _):
        assert _monitor(world, tmp_path, client, chain=chain).run_round() == []
    head = load_state(tmp_path / "state.json", from_block=0).nodes[URL].head
    assert head is not None and head["tree_size"] == base + 2
    # now the node shows another history: its base+1 contradicts what was seen and anchored
    with (
        caplog.at_level(logging.ERROR, logger="tamga.monitor"),
        api_client(ledgers["fork"], tmp_path / "fork") as (client, _),
    ):
        alarms = _monitor(world, tmp_path, client, chain=chain, webhook=hook.url).run_round()
    assert [a.kind for a in alarms] == ["rollback", "equivocation"], alarms
    assert (
        alarms[0].message
        == f"the node's newest checkpoint is {base + 1}, it showed {base + 2} before"
    )
    # its base+1 is signed, and another base+1 was seen: evidence
    assert alarms[1].evidence is not None
    verify_evidence(parse_evidence(alarms[1].evidence.read_bytes()), signers=[world.signer])
    assert exit_status(alarms) == EXIT_EQUIVOCATION
    assert any("ALARM rollback" in r.getMessage() for r in caplog.records)
    assert hook.bodies and hook.bodies[0]["kind"] == "rollback"
    assert hook.bodies[0]["format"] == "tamga.monitor-alarm.v1"


def test_a_second_root_at_a_seen_size_is_equivocation_evidence(
    world: World, ledgers: dict[str, Path], tmp_path: Path, hook: _Hook
) -> None:
    with api_client(ledgers["honest"], tmp_path / "honest") as (client, _):
        assert _monitor(world, tmp_path, client).run_round() == []
    with api_client(ledgers["fork"], tmp_path / "fork") as (client, _):
        alarms = _monitor(world, tmp_path, client, webhook=hook.url).run_round()
    (alarm,) = alarms
    assert alarm.kind == "equivocation"
    assert alarm.where == f"{URL} checkpoint {max(world.sizes) + 1}"
    assert exit_status(alarms) == EXIT_EQUIVOCATION
    assert alarm.evidence is not None and alarm.evidence.parent == tmp_path / "evidence"
    proven = verify_evidence(parse_evidence(alarm.evidence.read_bytes()), signers=[world.signer])
    assert "different roots" in proven.summary
    assert hook.bodies[0]["evidence"] == str(alarm.evidence)


def test_a_node_that_does_not_extend_an_anchor_alarms(
    world: World, ledgers: dict[str, Path], tmp_path: Path
) -> None:
    contract = new_contract(world)
    anchor_all(world, contract, ledgers["later"])
    with api_client(ledgers["fork"], tmp_path / "fork") as (client, _):
        alarms = _monitor(world, tmp_path, client, chain=world.chain(contract)).run_round()
    assert alarms, "the fork's base+1 contradicts the anchored base+1"
    assert {a.kind for a in alarms} == {"anchor"}
    base = max(world.sizes)
    assert any(a.where.startswith(f"anchor {base + 1} ") for a in alarms)
    assert exit_status(alarms) == EXIT_ALARM


def test_a_checkpoint_by_another_key_alarms(world: World, tmp_path: Path) -> None:
    with api_client(world.db, tmp_path / "api") as (client, _):
        monitor = _monitor(world, tmp_path, client)
        monitor.signers = ["0x" + "11" * 20]
        alarms = monitor.run_round()
    assert [a.kind for a in alarms] == ["signature"] * len(alarms) and alarms
    assert "not by the register's key" in alarms[0].message


def test_cosignature_hook_problems_are_alarms(world: World, tmp_path: Path) -> None:
    seen: list[int] = []

    def hook(url: str, checkpoint: Any) -> list[str]:
        seen.append(checkpoint["tree_size"])
        return ["no cosignature from witness w1"] if checkpoint["tree_size"] == 1 else []

    with api_client(world.db, tmp_path / "api") as (client, _):
        alarms = _monitor(world, tmp_path, client, cosignatures=hook).run_round()
    assert seen == sorted(world.sizes)
    assert alarms == [Alarm("cosignature", f"{URL} checkpoint 1", "no cosignature from witness w1")]


def test_two_nodes_of_one_origin_showing_two_roots_is_evidence(
    world: World, ledgers: dict[str, Path], tmp_path: Path
) -> None:
    a, b = "http://node-a/", "http://node-b/"
    with (
        api_client(ledgers["honest"], tmp_path / "a") as (one, _),
        api_client(ledgers["fork"], tmp_path / "b") as (two, _),
    ):
        monitor = Monitor(
            urls=[a, b],
            chain=None,
            state_path=tmp_path / "state.json",
            evidence_dir=tmp_path / "evidence",
            now=lambda: NOW,
            signers=[world.signer],
            clients={a: one, b: two},
        )
        alarms = monitor.run_round()
    (alarm,) = alarms
    assert (alarm.kind, alarm.where) == ("equivocation", f"{b} checkpoint {max(world.sizes) + 1}")
    assert alarm.evidence is not None
    verify_evidence(parse_evidence(alarm.evidence.read_bytes()), signers=[world.signer])


def test_an_anchor_beyond_the_node_is_checked_when_the_node_reaches_it(
    world: World, ledgers: dict[str, Path], tmp_path: Path
) -> None:
    contract = new_contract(world)
    anchor_all(world, contract, ledgers["later"])
    chain = world.chain(contract)
    with api_client(ledgers["honest"], tmp_path / "honest") as (client, _):
        assert _monitor(world, tmp_path, client, chain=chain).run_round() == []
    # the node grows consistently with what it showed, but not into what the chain anchored
    with api_client(ledgers["other_later"], tmp_path / "other") as (client, _):
        alarms = _monitor(world, tmp_path, client, chain=chain).run_round()
    base = max(world.sizes)
    (alarm,) = alarms
    assert (alarm.kind, alarm.where) == ("anchor", f"anchor {base + 2} vs {URL}")
    assert "the chain anchored root" in alarm.message


def test_a_larger_head_that_does_not_extend_the_seen_one_is_evidence(
    world: World, ledgers: dict[str, Path], tmp_path: Path
) -> None:
    with api_client(ledgers["honest"], tmp_path / "honest") as (client, _):
        assert _monitor(world, tmp_path, client).run_round() == []
    # the node now shows base+2 grown from ANOTHER base+1, with its own (valid) proof
    with api_client(ledgers["fork_later"], tmp_path / "fork") as (client, _):
        alarms = _monitor(world, tmp_path, client).run_round()
    base = max(world.sizes)
    (alarm,) = alarms
    assert (alarm.kind, alarm.where) == ("equivocation", f"{URL} checkpoint {base + 2}")
    assert alarm.evidence is not None
    evidence = parse_evidence(alarm.evidence.read_bytes())
    assert evidence.check == "inconsistent"
    assert (evidence.a["tree_size"], evidence.b["tree_size"]) == (base + 1, base + 2)
    proven = verify_evidence(evidence, signers=[world.signer])
    assert f"does not extend signed checkpoint {base + 1}" in proven.summary


def test_the_state_file_round_trips_and_a_foreign_file_is_named(tmp_path: Path) -> None:
    from anchoring.monitor import MonitorState, save_state
    from node.errors import ConfigError

    path = tmp_path / "state.json"
    state = MonitorState(next_block=7, anchors={"16": "ab" * 32}, signers=["0x" + "11" * 20])
    save_state(state, path)
    assert load_state(path, from_block=0) == state
    assert load_state(tmp_path / "absent.json", from_block=3).next_block == 3
    path.write_text('{"nodes": [1]}')
    with pytest.raises(ConfigError, match="is not a monitor state file"):
        load_state(path, from_block=0)
