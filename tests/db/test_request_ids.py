"""Client request ids written with their entries (issue 20): a request integrated before is not
written again — alone, in a group, through the group committer, from another ledger object —
and its first result comes back; refused requests leave no id; ids expire. Every backend."""

from __future__ import annotations

import hashlib
import threading
from datetime import date, timedelta
from typing import Any

import pytest

from node.clock import FixedClock
from node.domain.entries import decode_entry
from node.errors import RuleViolation
from node.ledger.check import check_ledger
from node.ledger.sequencer import Integrated, as_builder
from node.ledger.service import Ledger
from node.types import RequestId
from tests.support.scenario import NOW, open_ledger, populate
from tests.unit.domain.lifecycle_samples import ev, issuer_filing


def rid(name: str) -> RequestId:
    return RequestId(hashlib.sha256(name.encode()).digest())


def burn(key: str, amount: int = 1) -> Any:
    on = date(2026, 9, 1)
    basis = {"type": "issuer_decision", "number": "7", "date": on, "issued_by": "Director"}
    return ev("partial_burn", on, emission=key, amount=str(amount), basis=basis)


def same(a: Integrated, b: Integrated) -> None:
    assert (a.first_index, a.size, a.root) == (b.first_index, b.size, b.root)
    assert [e.leaf_hash for e in a.entries] == [e.leaf_hash for e in b.entries]


@pytest.fixture
def ledger(database_url: str) -> Any:
    led = open_ledger(database_url, clock=FixedClock(NOW))
    yield led
    led.close()


class TestRequestIds:
    def test_a_repeated_request_returns_the_first_result_and_writes_nothing(
        self, ledger: Ledger
    ) -> None:
        _, key = populate(ledger)
        first = ledger.append([burn(key)], request=rid("a"))
        head = ledger.head()
        again = ledger.append([burn(key, amount=5)], request=rid("a"))  # not even built
        same(first, again)
        assert again.checkpoint is None
        assert ledger.head() == head
        found = ledger.integrated(rid("a"))
        assert found is not None
        same(first, found)
        assert ledger.integrated(rid("never")) is None
        check_ledger(ledger.store, calendar=ledger.calendar)  # raises on any inconsistency

    def test_builders_of_a_repeated_request_do_not_run(self, ledger: Ledger) -> None:
        # Registering an issuer again would allocate a new code: the retry gets the first one.
        code, first = ledger.register_issuer(
            issuer_filing(name="Retry LLC"), effective_on=date(2026, 2, 2), request=rid("reg")
        )
        code2, again = ledger.register_issuer(
            issuer_filing(name="Retry LLC"), effective_on=date(2026, 2, 2), request=rid("reg")
        )
        assert code2 == code
        same(first, again)
        assert [i.code for i in ledger.issuers()] == [code]

    def test_a_group_writes_a_repeated_id_once(self, ledger: Ledger) -> None:
        _, key = populate(ledger)
        size = ledger.head()[0]
        results = ledger.sequencer.integrate_group(
            [[as_builder(burn(key, 1))], [as_builder(burn(key, 2))], [as_builder(burn(key, 3))]],
            request_ids=[rid("x"), None, rid("x")],
        )
        a, b, c = results
        assert isinstance(a, Integrated) and isinstance(b, Integrated) and isinstance(c, Integrated)
        assert (a.first_index, b.first_index) == (size, size + 1)
        assert c.first_index == a.first_index and c.entries == a.entries
        assert ledger.head()[0] == size + 2
        record = ledger.integrated(rid("x"))
        assert record is not None
        assert (record.first_index, record.size) == (size, size + 1)
        assert record.root == a.root  # the root just after the request, not the group's
        assert decode_entry(record.entries[0].leaf).model_dump()["amount"] == 1
        with pytest.raises(Exception, match="one request id"):
            ledger.sequencer.integrate_group([[as_builder(burn(key))]], request_ids=[])

    def test_a_refused_request_leaves_no_id(self, ledger: Ledger) -> None:
        _, key = populate(ledger)
        with pytest.raises(RuleViolation):
            ledger.append([burn(key, amount=10**30)], request=rid("big"))
        assert ledger.integrated(rid("big")) is None
        written = ledger.append([burn(key)], request=rid("big"))  # corrected, same id
        assert ledger.integrated(rid("big")) is not None
        assert written.size == ledger.head()[0]

    def test_concurrent_retries_through_the_group_committer_write_once(
        self, ledger: Ledger
    ) -> None:
        _, key = populate(ledger)
        size = ledger.head()[0]
        ledger.start_group_commit()
        results: list[Integrated] = []
        errors: list[BaseException] = []

        def retry() -> None:
            try:
                results.append(ledger.append([burn(key)], request=rid("same")))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=retry) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert errors == []
        assert len(results) == 8
        assert {r.first_index for r in results} == {size}
        assert ledger.head()[0] == size + 1

    def test_another_ledger_object_sees_the_id(self, ledger: Ledger, database_url: str) -> None:
        _, key = populate(ledger)
        first = ledger.append([burn(key)], request=rid("other"))
        other = open_ledger(database_url, clock=FixedClock(NOW), salt_start=500_000)
        try:
            same(first, other.append([burn(key)], request=rid("other")))
            assert other.head() == ledger.head()
        finally:
            other.close()

    def test_ids_expire(self, ledger: Ledger) -> None:
        _, key = populate(ledger)
        ledger.append([burn(key)], request=rid("old"))
        clock = ledger.clock
        assert isinstance(clock, FixedClock)
        clock.advance(timedelta(hours=25))
        ledger.append([burn(key)], request=rid("new"))
        assert ledger.expire_requests(before=clock.now() - timedelta(hours=24)) == 1
        assert ledger.integrated(rid("old")) is None
        assert ledger.integrated(rid("new")) is not None
        size = ledger.head()[0]
        ledger.append([burn(key)], request=rid("old"))  # an expired id is a new request
        assert ledger.head()[0] == size + 1
