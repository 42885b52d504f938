"""One snapshot means one snapshot: `check` and `export` pass while another writer appends and
cuts checkpoints, on SQLite and on PostgreSQL, and every export verifies independently."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from node.domain.calendar import kyrgyz_calendar
from node.ledger.check import check_ledger
from node.ledger.export import export_ledger
from node.ledger.store import SqlLedgerStore
from tests.support.scenario import NOW, open_ledger, populate

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 6


def test_check_and_export_under_write_load(database_url: str, tmp_path: Path) -> None:
    writer = open_ledger(database_url, salt_start=1)
    _code, key = populate(writer)
    writer.cut_checkpoint()
    stop = threading.Event()
    written = [0]
    failures: list[BaseException] = []

    def write() -> None:
        try:
            while not stop.is_set():
                writer.record_event(
                    kind="emission.fee_paid",
                    emission=key,
                    data={"amount": "1.00"},
                    effective_on=NOW.date(),
                )
                written[0] += 1
                if written[0] % 7 == 0:
                    writer.cut_checkpoint()
        except BaseException as exc:  # reported below
            failures.append(exc)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    store = SqlLedgerStore.from_url(database_url)
    sizes = []
    try:
        for round_ in range(ROUNDS):
            before = written[0]
            report = check_ledger(store, calendar=kyrgyz_calendar())
            out = tmp_path / f"export-{round_}"
            exported = export_ledger(store, out)
            sizes.append((report.entries, exported.entries))
            result = subprocess.run(
                [sys.executable, str(ROOT / "scripts" / "verify_export.py"), str(out)],
                capture_output=True,
                text=True,
                check=False,
            )
            assert result.returncode == 0, result.stdout + result.stderr
            # the writer really wrote while this round read (otherwise the test proves nothing)
            deadline = time.monotonic() + 10
            while written[0] == before and time.monotonic() < deadline:
                time.sleep(0.01)
            assert written[0] > before
    finally:
        stop.set()
        thread.join(timeout=30)
        store.engine.dispose()
        writer.close()
    assert not failures, failures
    assert sizes[-1][0] > sizes[0][0], sizes  # the log grew between the rounds
