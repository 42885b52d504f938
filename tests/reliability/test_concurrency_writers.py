"""Several writer processes at once — real `tamga` CLI processes and two real API server
processes — appending to the same database, on SQLite and on a real PostgreSQL: indexes dense and
unique, every acknowledged write in the log as acknowledged, issuer codes unique, idempotent
requests written once, checkpoints consistent with the log."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import requests

from node.clock import FixedClock
from node.domain.calendar import kyrgyz_calendar
from node.domain.entries import decode_entry
from node.ledger.check import check_ledger
from node.merkle.hasher import hash_leaf
from node.merkle.tree import root_from_leaf_hashes
from tests.reliability.concurrency_support import (
    EFFECTIVE_ON,
    Ack,
    api_server,
    emission_registration,
    issuer_filing,
    node_env,
    tamga,
    tamga_in_process,
)
from tests.support.scenario import NOW, open_ledger

# CI sizes; TAMGA_CONC_* scale them up for the figures in docs/reliability.md.
CLI_WRITERS = int(os.environ.get("TAMGA_CONC_CLI_WRITERS", "2"))
CLI_APPENDS = int(os.environ.get("TAMGA_CONC_CLI_APPENDS", "2"))  # per CLI writer
API_SERVERS = 2
API_THREADS = int(os.environ.get("TAMGA_CONC_API_THREADS", "2"))  # per server
API_APPENDS = int(os.environ.get("TAMGA_CONC_API_APPENDS", "6"))  # per thread
EMISSIONS = int(os.environ.get("TAMGA_CONC_EMISSIONS", "2"))  # per server: filed + registered
IDEMPOTENT_KEYS = int(os.environ.get("TAMGA_CONC_IDEMPOTENT_KEYS", "3"))  # sent to both at once
CHECKPOINTS = 2


def _run_all(jobs: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guard(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    threads = [threading.Thread(target=guard, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return errors


def test_cli_and_api_writers_at_once_lose_nothing(database_url: str, tmp_path: Path) -> None:
    env = node_env(tmp_path / "data", database_url)
    tamga_in_process(env, "init")
    issued = tamga_in_process(env, "token", "create", "--role", "regulator", "--name", "w")
    token = issued.split()[0]
    (tmp_path / "issuer.json").write_text(json.dumps(issuer_filing("Serial Issuer")), "utf-8")
    added = tamga_in_process(
        env, "issuer", "add", str(tmp_path / "issuer.json"), "--on", EFFECTIVE_ON, "--json"
    )
    issuer = json.loads(added)
    acks: list[Ack] = [Ack("setup", int(issuer["index"]), "issuer.registered", issuer["code"])]
    regnos: list[str] = []
    idempotent: dict[str, list[tuple[int, dict[str, object]]]] = {}
    lock = threading.Lock()

    def cli_writer(n: int) -> None:
        for i in range(CLI_APPENDS):
            path = tmp_path / f"cli-{n}-{i}.json"
            path.write_text(json.dumps(issuer_filing(f"CLI Writer {n} Entry {i}")), "utf-8")
            out = json.loads(tamga(env, "issuer", "add", str(path), "--on", EFFECTIVE_ON, "--json"))
            with lock:
                acks.append(Ack(f"cli-{n}", int(out["index"]), "issuer.registered", out["code"]))

    def checkpointer() -> None:
        for _ in range(CHECKPOINTS):
            tamga(env, "log", "checkpoint")

    def api_writer(url: str, name: str) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        for i in range(API_APPENDS):
            body: dict[str, Any] = {
                "filing": issuer_filing(f"API {name} Entry {i}"),
                "effective_on": EFFECTIVE_ON,
            }
            answer = session.post(f"{url}/v1/issuers", json=body, timeout=60)
            assert answer.status_code == 201, answer.text
            out = answer.json()
            with lock:
                acks.append(Ack(name, int(out["index"]), "issuer.registered", out["code"]))

    def emission_writer(url: str, n: int) -> None:
        answer = requests.post(
            f"{url}/v1/emissions",
            json=emission_registration(issuer["code"], n),
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert answer.status_code == 201, answer.text
        out = answer.json()
        size, app_no = int(out["tree_size"]), str(out["application_no"])
        with lock:  # one batch: the application, then its registration (Reg. §9, §10)
            acks.append(Ack(f"emission-{n}", size - 2, "emission.applied", app_no))
            acks.append(Ack(f"emission-{n}", size - 1, "emission.registered", app_no))
            regnos.append(str(out["regno"]))

    def idempotent_writer(url: str, key: str) -> None:
        body: dict[str, Any] = {
            "filing": issuer_filing(f"Idempotent {key}"),
            "effective_on": EFFECTIVE_ON,
        }
        answer = requests.post(
            f"{url}/v1/issuers",
            json=body,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
            timeout=60,
        )
        with lock:
            idempotent.setdefault(key, []).append((answer.status_code, answer.json()))

    with api_server(env) as first, api_server(env) as second:
        servers = [first, second][:API_SERVERS]
        jobs: list[Callable[[], None]] = [partial(cli_writer, n) for n in range(CLI_WRITERS)]
        jobs.append(checkpointer)
        jobs += [
            partial(api_writer, url, f"api-{s}-{t}")
            for s, url in enumerate(servers)
            for t in range(API_THREADS)
        ]
        jobs += [
            partial(emission_writer, url, s * EMISSIONS + e)
            for s, url in enumerate(servers)
            for e in range(EMISSIONS)
        ]
        jobs += [
            partial(idempotent_writer, url, f"key-{k}")
            for k in range(IDEMPOTENT_KEYS)
            for url in servers
        ]
        errors = _run_all(jobs)
    assert errors == []

    # Idempotent requests: one entry per key; the other answer is a replay or "in flight".
    for key, answers in idempotent.items():
        created = [body for status, body in answers if status == 201]
        assert created, (key, answers)
        assert len({int(str(body["index"])) for body in created}) == 1, (key, answers)
        assert all(status in (201, 409) for status, _ in answers), (key, answers)
        winner = created[0]
        acks.append(Ack(key, int(str(winner["index"])), "issuer.registered", str(winner["code"])))

    ledger = open_ledger(database_url, clock=FixedClock(NOW))
    try:
        size, root = ledger.head()
        records = ledger.entries(0, size)
        writes = CLI_WRITERS * CLI_APPENDS + API_SERVERS * API_THREADS * API_APPENDS
        entries = 1 + writes + 2 * API_SERVERS * EMISSIONS + IDEMPOTENT_KEYS
        assert size == len(acks) == entries  # nothing lost, nothing extra
        assert [r.idx for r in records] == list(range(size))  # dense and unique
        assert sorted(a.index for a in acks) == list(range(size))  # each index acked once
        for ack in acks:
            record = records[ack.index]
            assert (record.kind, record.subject) == (ack.kind, ack.subject), ack
            assert decode_entry(record.leaf).kind == ack.kind
        # Allocations unique: issuer codes (Reg. §68(г)), application and registration numbers.
        codes = [a.subject for a in acks if a.kind == "issuer.registered"]
        applications = [a.subject for a in acks if a.kind == "emission.applied"]
        assert len(set(codes)) == len(codes) and len(set(applications)) == len(applications)
        assert len(set(regnos)) == len(regnos) == API_SERVERS * EMISSIONS
        assert sorted(regnos) == sorted(str(ledger.emission(a).regno) for a in applications)
        hashes = [r.leaf_hash for r in records]
        assert all(hash_leaf(r.leaf) == r.leaf_hash for r in records)
        assert root_from_leaf_hashes(hashes) == root
        checkpoints = ledger.checkpoints()
        assert 1 <= len(checkpoints) <= CHECKPOINTS  # a second cut finds no growth when late
        for checkpoint in checkpoints:  # each root is the log's root at its size
            assert root_from_leaf_hashes(hashes[: checkpoint.size]) == checkpoint.log_root
        report = check_ledger(ledger.store, calendar=kyrgyz_calendar())
        assert report.entries == size
    finally:
        ledger.close()
