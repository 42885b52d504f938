"""What a client sees after a crash (issue 20), on the real `tamga up`: HTTP clients write
issuers with Idempotency-Keys and retry every cut request with its key while the node is
SIGKILLed (SQLite, PostgreSQL), the PostgreSQL server is stopped with `pg_ctl stop -m immediate`
and restarted under the running node, or both die together. After each round: every cut request
completed under its key (none stuck on 409), every acknowledged write is in the log with the
code and index it was answered with, nothing is written twice, and `tamga check` passes.

Rounds per mode: TAMGA_UP_CRASH_ROUNDS (default 1); many rounds and the figures of
docs/reliability.md: ``python -m tests.reliability.up_crash_support --rounds 10``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.up_crash_support import MODES, Harness, RoundResult, harness
from tests.support.postgres import PostgresServer

ROUNDS = int(os.environ.get("TAMGA_UP_CRASH_ROUNDS", "1"))


@pytest.fixture(scope="module")
def durable_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of its own (the rounds stop it), acknowledging only written commits."""
    server = PostgresServer.start(durable=True)
    try:
        yield server
    finally:
        server.stop()


def _assert_round(result: RoundResult) -> None:
    where = f"{result.backend} {result.mode}"
    assert result.acknowledged > 0, where
    assert result.retried > 0, f"{where}: no request was cut off: the fault missed the load"
    assert result.stuck == [], (where, result.refused, result.stuck[:5])
    assert result.retried_completed == result.retried, where
    assert result.duplicates == [], (where, result.duplicates[:5])
    assert result.lost == [], (where, result.lost[:5])
    assert result.check_ok, (where, result.check_output)


@pytest.mark.slow
def test_sqlite_node_killed_mid_load(tmp_path: Path) -> None:
    with harness("sqlite", tmp_path, None) as h:
        for n in range(ROUNDS):
            _assert_round(h.run_round("kill-node", seed=n))


@pytest.mark.slow
def test_postgres_node_database_and_both_crash_mid_load(
    tmp_path: Path, durable_postgres: PostgresServer
) -> None:
    h: Harness
    with harness("postgres", tmp_path, durable_postgres) as h:
        for mode in MODES:
            for n in range(ROUNDS):
                _assert_round(h.run_round(mode, seed=100 + n))
