"""Several writer processes appending at once: indexes stay dense, nothing acknowledged is lost."""

from __future__ import annotations

import multiprocessing
from datetime import date

from node.domain.calendar import kyrgyz_calendar
from node.ledger.check import check_ledger
from tests.support.scenario import open_ledger, populate

WRITERS = 3
APPENDS = 12


def _writer(url: str, key: str, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from tests.db.test_ledger import burn

    ledger = open_ledger(url)
    acknowledged = []
    try:
        for _ in range(APPENDS):
            result = ledger.append([burn(key, on=date(2026, 9, 1))])
            acknowledged.append(result.first_index)
    finally:
        ledger.close()
        results.put(acknowledged)


def test_concurrent_writers(database_url: str) -> None:
    ledger = open_ledger(database_url)
    _, key = populate(ledger)
    start = ledger.head()[0]
    ctx = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [ctx.Process(target=_writer, args=(database_url, key, results)) for _ in range(WRITERS)]
    for proc in procs:
        proc.start()
    acknowledged = sorted(i for _ in procs for i in results.get(timeout=120))
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    assert acknowledged == list(range(start, start + WRITERS * APPENDS))
    assert ledger.head()[0] == start + WRITERS * APPENDS
    assert ledger.emission(key).burned == WRITERS * APPENDS
    ledger.cut_checkpoint()
    report = check_ledger(ledger.store, calendar=kyrgyz_calendar())
    assert report.entries == start + WRITERS * APPENDS
    ledger.close()
