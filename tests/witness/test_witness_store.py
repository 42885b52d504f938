"""Notes and cosignatures stored on SQLite and a real PostgreSQL (migration 0005)."""

from __future__ import annotations

from node.ledger.store import SqlLedgerStore
from node.ledger.witness_store import (
    CosignatureRecord,
    cosignatures,
    last_cosigned_size,
    notes,
    save_cosignature,
    save_note,
)
from tests.support.scenario import open_ledger


def test_notes_and_cosignatures_round_trip_and_are_never_overwritten(database_url: str) -> None:
    ledger = open_ledger(database_url)
    store: SqlLedgerStore = ledger.store
    try:
        engine = store.engine
        assert notes(engine) == {} and cosignatures(engine) == {}
        save_note(engine, size=3, note="text\n\n— k AAAAAAA=\n", key="k+00+AA", created_at="t1")
        save_note(engine, size=3, note="other", key="other", created_at="t2")  # kept: first wins
        assert (
            notes(engine)[3].note == "text\n\n— k AAAAAAA=\n" and notes(engine)[3].key == "k+00+AA"
        )
        record = CosignatureRecord(
            size=3,
            witness="w.example/a",
            key_id="0a0b0c0d",
            timestamp=17,
            line="— w A=",
            received_at="t",
        )
        save_cosignature(engine, record)
        save_cosignature(engine, CosignatureRecord(**{**record.__dict__, "timestamp": 99}))
        save_cosignature(engine, CosignatureRecord(**{**record.__dict__, "size": 7}))
        save_cosignature(
            engine, CosignatureRecord(**{**record.__dict__, "witness": "w.example/b", "size": 9})
        )
        found = cosignatures(engine)
        assert found[3] == [record] and [c.size for c in found[7]] == [7]
        assert last_cosigned_size(engine, witness="w.example/a", key_id="0a0b0c0d") == 7
        assert last_cosigned_size(engine, witness="w.example/a", key_id="ffffffff") == 0
        assert last_cosigned_size(engine, witness="w.example/b", key_id="0a0b0c0d") == 9
    finally:
        ledger.close()
