"""Group commit on every backend: many writers, one transaction per group, failures kept apart."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from node.domain.calendar import kyrgyz_calendar
from node.domain.entries import decode_entry, encode_entry
from node.errors import LedgerError, RuleViolation, StorageError
from node.ledger.check import check_ledger
from node.ledger.committer import GroupCommitter
from node.ledger.service import Ledger
from tests.db.test_ledger import burn, snapshot
from tests.support.scenario import open_ledger, populate
from tests.unit.domain.lifecycle_samples import authority, emission_filing

CAL = kyrgyz_calendar()


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    led = open_ledger(database_url)
    yield led
    led.close()


def _committer(ledger: Ledger) -> GroupCommitter:
    committer = ledger.committer
    assert committer is not None
    return committer


class Held:
    """Keeps the committer busy (a call waiting on an event) so requests queue into one group."""

    def __init__(self, ledger: Ledger) -> None:
        self.committer = _committer(ledger)
        self.release = threading.Event()
        started = threading.Event()

        def hold() -> None:
            started.set()
            assert self.release.wait(60)

        self._pool = ThreadPoolExecutor(max_workers=16)
        self._hold = self._pool.submit(self.committer.call, hold)
        assert started.wait(60)

    def submit(self, fn: Callable[[], Any]) -> Future[Any]:
        """Run ``fn`` (a write) in its own thread and wait until its request is queued."""
        before = self.committer.waiting
        future = self._pool.submit(fn)
        for _ in range(6000):
            if self.committer.waiting > before or future.done():
                break
            threading.Event().wait(0.01)
        assert self.committer.waiting == before + 1, future.exception()
        return future

    def run(self) -> None:
        """Let the committer integrate everything queued."""
        self.release.set()
        self._hold.result(60)
        self._pool.shutdown(wait=True)


def _fail_inserts_at(engine: Engine, idx: int) -> None:
    """A real database failure: inserting log entry ``idx`` is refused by a trigger."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                f"CREATE TRIGGER boom BEFORE INSERT ON log_entries WHEN NEW.idx = {idx} "
                "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.idx = {idx} THEN RAISE EXCEPTION 'disk on fire'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER boom BEFORE INSERT ON log_entries "
                "FOR EACH ROW EXECUTE FUNCTION boom()"
            )


def _drop_failure(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER boom")
        else:
            conn.exec_driver_sql("DROP TRIGGER boom ON log_entries")
            conn.exec_driver_sql("DROP FUNCTION boom()")


class TestGroupCommit:
    """Run on SQLite and on a real PostgreSQL (the ``database_url`` fixture)."""

    def test_many_concurrent_writers_each_acknowledged_once_with_its_index(
        self, ledger: Ledger
    ) -> None:
        _, key = populate(ledger)
        start = ledger.head()[0]
        ledger.start_group_commit()
        writers, each = 12, 8

        def write(writer: int) -> list[tuple[int, int, bytes]]:
            acks = []
            for i in range(each):
                amount = writer * each + i + 1  # unique: tells the entries apart
                entry = burn(key, amount=amount)
                result = ledger.append([entry])
                assert len(result.entries) == 1
                acks.append((result.first_index, amount, encode_entry(entry)))
            return acks

        with ThreadPoolExecutor(max_workers=writers) as pool:
            acks = [a for part in pool.map(write, range(writers)) for a in part]
        total = writers * each
        assert sorted(i for i, _, _ in acks) == list(range(start, start + total))
        stored = {e.idx: e.leaf for e in ledger.entries(start)}
        assert len(stored) == total
        for idx, amount, leaf in acks:
            assert stored[idx] == leaf
            assert str(decode_entry(leaf).amount) == str(amount)  # type: ignore[union-attr]
        assert ledger.emission(key).burned == total * (total + 1) // 2
        stats = _committer(ledger).stats()
        assert stats.requests == total
        ledger.cut_checkpoint()
        assert check_ledger(ledger.store, calendar=CAL).entries == start + total

    def test_queued_writes_are_one_transaction_and_a_rule_violation_fails_alone(
        self, ledger: Ledger
    ) -> None:
        code, key = populate(ledger)
        start = ledger.head()[0]
        apps_before = len(ledger.emissions())
        ledger.start_group_commit()
        held = Held(ledger)
        ok1 = held.submit(lambda: ledger.append([burn(key, amount=5)]))
        too_much = held.submit(lambda: ledger.append([burn(key, amount=10**12)]))
        # Two entries, the second breaks a rule: the first (a new application) is dropped too,
        # and its application number is not consumed.
        pair = held.submit(
            lambda: ledger.file_and_register(
                emission_filing(issuer=code),
                registration={"regno": "not a number", "basis": authority(date(2026, 3, 16))},
                effective_on=date(2026, 3, 16),
            )
        )
        filed = held.submit(lambda: ledger.file_application(emission_filing(issuer=code)))
        ok2 = held.submit(lambda: ledger.append([burn(key, amount=7)]))
        groups_before = _committer(ledger).stats().groups
        held.run()

        first, second = ok1.result(60), ok2.result(60)
        app_no, third = filed.result(60)
        assert isinstance(too_much.exception(60), RuleViolation)
        failed_pair = pair.exception(60)
        assert isinstance(failed_pair, RuleViolation)
        assert failed_pair.field == "regno"
        assert _committer(ledger).stats().groups == groups_before + 1  # ONE transaction
        # Indexes as if the accepted requests had been written one after the other.
        assert (first.first_index, third.first_index, second.first_index) == (
            start,
            start + 1,
            start + 2,
        )
        assert (first.size, third.size, second.size) == (start + 1, start + 2, start + 3)
        assert app_no == f"APP-{apps_before + 1:06d}"
        assert ledger.head()[0] == start + 3
        for result in (first, third, second):
            assert result.root == ledger.prove_consistency(1, result.size).root2
        assert ledger.emission(key).burned == 12
        assert [e.kind for e in ledger.entries(start)] == [
            "emission.partial_burn",
            "emission.applied",
            "emission.partial_burn",
        ]
        ledger.cut_checkpoint()
        assert check_ledger(ledger.store, calendar=CAL).entries == start + 3

    def test_a_database_failure_fails_the_whole_group_and_writes_nothing(
        self, ledger: Ledger
    ) -> None:
        code, key = populate(ledger)
        start = ledger.head()[0]
        ledger.start_group_commit()
        ledger.append([burn(key, amount=1)])  # the committer's caches are warm
        before = snapshot(ledger)
        _fail_inserts_at(ledger.store.engine, start + 2)  # the group's third entry
        held = Held(ledger)
        futures = [held.submit(lambda: ledger.append([burn(key, amount=2)])) for _ in range(2)]
        futures.append(held.submit(lambda: ledger.file_application(emission_filing(issuer=code))))
        futures.append(held.submit(lambda: ledger.append([burn(key, amount=3)])))
        held.run()
        errors = [f.exception(60) for f in futures]
        assert all(isinstance(e, StorageError) for e in errors), errors
        assert all("disk on fire" in str(e) for e in errors)
        assert len({id(e) for e in errors}) == len(errors)  # one exception object per caller
        assert snapshot(ledger) == before
        _drop_failure(ledger.store.engine)
        after = ledger.append([burn(key, amount=4)])
        assert after.first_index == start + 1
        assert ledger.emission(key).burned == 5
        ledger.cut_checkpoint()
        assert check_ledger(ledger.store, calendar=CAL).entries == start + 2

    def test_close_finishes_queued_writes_then_refuses(self, ledger: Ledger) -> None:
        _, key = populate(ledger)
        start = ledger.head()[0]
        ledger.start_group_commit()
        held = Held(ledger)
        queued = [held.submit(lambda: ledger.append([burn(key)])) for _ in range(3)]
        committer = _committer(ledger)
        closer = threading.Thread(target=committer.close)
        closer.start()
        held.run()
        closer.join(60)
        assert sorted(f.result(60).first_index for f in queued) == [start, start + 1, start + 2]
        with pytest.raises(LedgerError, match="closed"):
            committer.submit([])
        ledger.close()
        reopened = open_ledger(str(ledger.store.engine.url.render_as_string(hide_password=False)))
        assert reopened.head()[0] == start + 3
        reopened.close()

    def test_checkpoints_go_through_the_committer(self, ledger: Ledger) -> None:
        _, key = populate(ledger)
        ledger.start_group_commit()
        ledger.append([burn(key)])
        signed = ledger.cut_checkpoint()
        assert signed.checkpoint.size == ledger.head()[0]
        with pytest.raises(LedgerError, match="already exists"):
            ledger.cut_checkpoint()
        result = ledger.append([burn(key)], checkpoint=True)
        assert result.checkpoint is not None
        assert result.checkpoint.checkpoint.size == result.size

    def test_group_commit_starts_once(self, ledger: Ledger) -> None:
        ledger.start_group_commit()
        with pytest.raises(LedgerError, match="already running"):
            ledger.start_group_commit()
