"""Two servers claiming one Idempotency-Key at the same moment: the second claim waits for the
first transaction and sees the key in flight, never a unique violation (found by
tests/reliability/test_concurrency_writers.py on PostgreSQL, where it was a 503)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from api.schema import api_idempotency
from api.store import ApiStore, Claim
from node.ledger.db import write_transaction
from tests.support.scenario import open_ledger

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_a_concurrent_claim_of_the_same_key_is_in_flight(database_url: str) -> None:
    ledger = open_ledger(database_url)
    try:
        store = ApiStore(ledger.store.engine)
        claim_args = {
            "principal": "token:aaaaaaaaaaaa",
            "key": "k-1",
            "target": "POST /v1/issuers",
            "request_hash": b"\x01" * 32,
            "at": AT,
            "owner": "server-b#1",
            "lease": timedelta(seconds=60),
            "ttl": timedelta(days=1),
        }
        results: list[object] = []
        first_inserted = threading.Event()
        release_first = threading.Event()

        def first() -> None:  # the other server: its claim is inserted but not yet committed
            with write_transaction(ledger.store.engine) as conn:
                conn.execute(
                    insert(api_idempotency).values(
                        principal="token:aaaaaaaaaaaa",
                        key="k-1",
                        target="POST /v1/issuers",
                        request_hash=b"\x01" * 32,
                        status=None,
                        body=None,
                        created_at="2026-11-20T09:00:00.000000Z",
                        owner="server-a#1",
                        lease_until="2026-11-20T09:01:00.000000Z",
                    )
                )
                first_inserted.set()
                release_first.wait(timeout=30)

        def second() -> None:
            first_inserted.wait(timeout=30)
            try:
                results.append(store.claim_key(**claim_args))  # type: ignore[arg-type]
            except Exception as exc:
                results.append(exc)

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        first_inserted.wait(timeout=30)
        threading.Event().wait(0.3)  # the second claim is now waiting on the first (PostgreSQL)
        release_first.set()
        for thread in threads:
            thread.join(timeout=60)
        (outcome,) = results
        assert not isinstance(outcome, Exception), repr(outcome)
        assert outcome.claim is Claim.IN_FLIGHT  # type: ignore[attr-defined]
        again = store.claim_key(**claim_args)  # type: ignore[arg-type]
        assert again.claim is Claim.IN_FLIGHT
        other = store.claim_key(**{**claim_args, "key": "k-2"})  # type: ignore[arg-type]
        assert other.claim is Claim.NEW
    finally:
        ledger.close()
