"""The anchoring tables and the publisher lock on SQLite and a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from anchoring.lock import LockBusy, PublisherLock, lock_file
from anchoring.store import AnchorStatus, AnchorStore, MinedAt, anchor_json, export_anchors
from node.errors import ConfigError, StorageError
from node.ledger import migrate
from node.ledger.db import make_engine
from node.ledger.store import SqlLedgerStore

NOW = "2026-11-20T09:00:00.000000Z"
LATER = "2026-11-20T09:05:00.000000Z"


@pytest.fixture
def store(database_url: str) -> Iterator[AnchorStore]:
    ledger_store = SqlLedgerStore.from_url(database_url)
    migrate.upgrade(ledger_store.engine)
    try:
        yield AnchorStore(ledger_store.engine)
    finally:
        ledger_store.dispose()


def test_deployments_are_recorded_once(store: AnchorStore) -> None:
    assert store.latest_deployment() is None
    first = store.add_deployment(
        chain_id=31337,
        contract="0x" + "aB" * 20,
        local=True,
        deploy_tx="0x01",
        deploy_block=1,
        now=NOW,
    )
    again = store.add_deployment(
        chain_id=31337,
        contract="0x" + "ab" * 20,
        local=True,
        deploy_tx=None,
        deploy_block=9,
        now=LATER,
    )
    assert again == first
    other = store.add_deployment(
        chain_id=1, contract="0x" + "cd" * 20, local=False, deploy_tx=None, deploy_block=0, now=NOW
    )
    assert store.latest_deployment() == other
    assert store.latest_deployment(local=True) == first
    assert store.latest_deployment(chain_id=1, local=True) is None
    assert store.deployment(chain_id=31337, contract="0x" + "AB" * 20) == first


def test_anchor_lifecycle_round_trips(store: AnchorStore) -> None:
    dep = store.add_deployment(
        chain_id=31337,
        contract="0x" + "ab" * 20,
        local=True,
        deploy_tx=None,
        deploy_block=0,
        now=NOW,
    )
    intent = store.add_intent(
        deployment_id=dep.id,
        tree_size=42,
        log_root=b"\x01" * 32,
        state_root=b"\x02" * 32,
        from_size=7,
        sender="0x" + "11" * 20,
        nonce=5,
        now=NOW,
    )
    assert intent.status is AnchorStatus.INTENT
    assert store.active(dep.id) == [intent]
    huge = 2**200  # wei as decimal strings: no integer column limits
    attempt = store.add_attempt(
        anchor_id=intent.id,
        tx_hash="0x" + "aa" * 32,
        raw_tx=b"\x02raw",
        gas_limit=90_000,
        max_fee_per_gas=huge,
        max_priority_fee_per_gas=3,
        now=NOW,
    )
    assert store.attempts(intent.id) == [attempt]
    assert store.anchor(intent.id).status is AnchorStatus.SENT
    with pytest.raises(StorageError):  # a tx hash is recorded once
        store.add_attempt(
            anchor_id=intent.id,
            tx_hash="0x" + "aa" * 32,
            raw_tx=b"x",
            gas_limit=1,
            max_fee_per_gas=1,
            max_priority_fee_per_gas=1,
            now=NOW,
        )
    store.note_error(intent.id, error="down", now=LATER)
    assert store.anchor(intent.id).error == "down"
    at = MinedAt(
        tx_hash="0x" + "aa" * 32,
        block_number=12,
        block_hash="0x" + "bb" * 32,
        anchored_at=1_780_000_000,
        gas_used=80_000,
    )
    store.mark_mined(intent.id, at=at, now=LATER)
    mined = store.anchor(intent.id)
    assert (mined.status, mined.block_number, mined.error) == (AnchorStatus.MINED, 12, None)
    store.mark_unmined(intent.id, reason="reorg", now=LATER)
    back = store.anchor(intent.id)
    assert (back.status, back.tx_hash, back.block_hash) == (AnchorStatus.SENT, None, None)
    store.mark_mined(intent.id, at=at, now=LATER)
    store.mark_confirmed(intent.id, now=LATER)
    assert store.active(dep.id) == []
    confirmed = store.anchor(intent.id)
    assert store.confirmed(dep.id) == {42: confirmed}
    assert export_anchors(store, dep) == {42: anchor_json(confirmed, dep)}
    assert anchor_json(confirmed, dep) == {
        "chain_id": 31337,
        "contract": "0x" + "ab" * 20,
        "tx_hash": "0x" + "aa" * 32,
        "block_number": 12,
        "block_hash": "0x" + "bb" * 32,
        "anchored_at": 1_780_000_000,
    }
    with pytest.raises(ValueError, match="does not end"):
        store.mark_ended(intent.id, status=AnchorStatus.SENT, reason="x", now=LATER)
    store.mark_ended(intent.id, status=AnchorStatus.ABANDONED, reason="gone", now=LATER)
    assert store.anchor(intent.id).status is AnchorStatus.ABANDONED
    with pytest.raises(StorageError, match="does not exist"):
        store.anchor(999)


def test_publisher_lock_is_exclusive_across_connections(store: AnchorStore) -> None:
    first, second = PublisherLock(store.engine), PublisherLock(store.engine)
    assert first.acquire()
    first.check()
    assert not second.acquire()
    with pytest.raises(LockBusy), second:
        pass
    first.release()
    with second:
        assert second.held
        second.check()
        assert not first.acquire()
    assert first.acquire()
    first.release()
    with pytest.raises(Exception, match="not held"):
        first.check()


def test_in_memory_sqlite_cannot_be_locked() -> None:
    engine = make_engine("sqlite:///:memory:")
    with pytest.raises(ConfigError, match="database file"):
        lock_file(engine)
