"""Anchor services: confirmed anchors of the newest deployment, the anchor covering each entry,
the export's ``anchor`` objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from anchoring.services import (
    AnchoringDatabase,
    confirmed_anchors,
    covering,
    entry_anchors,
    export_anchor_objects,
)
from anchoring.store import MinedAt
from node.clock import FixedClock
from node.errors import NotFound
from node.settings import Settings
from tests.support.scenario import NOW, populate

CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
WHEN = "2026-11-20T09:00:00.000000Z"


@pytest.fixture
def service_clock() -> FixedClock:
    """After the whole sample lifecycle (``populate`` walks it)."""
    return FixedClock(NOW)


def _anchor(db: AnchoringDatabase, *, size: int, local: bool = True) -> None:
    """Record a confirmed anchor of the checkpoint at ``size``."""
    checkpoint = next(c for c in db.ledger.checkpoints() if c.size == size)
    deployment = db.anchors.add_deployment(
        chain_id=31337, contract=CONTRACT, local=local, deploy_tx=None, deploy_block=1, now=WHEN
    )
    row = db.anchors.add_adopted(
        deployment_id=deployment.id,
        tree_size=size,
        log_root=checkpoint.log_root,
        state_root=checkpoint.state_root,
        from_size=0,
        sender=CONTRACT,
        nonce=size,
        at=MinedAt(
            tx_hash="0x" + "ab" * 32,
            block_number=10 + size,
            block_hash="0x" + "cd" * 32,
            anchored_at=1_790_000_000 + size,
            gas_used=100_000,
        ),
        now=WHEN,
    )
    db.anchors.mark_confirmed(row.id, now=WHEN)


def test_no_deployment_no_anchors(db: AnchoringDatabase, tmp_path: Path) -> None:
    _, key = populate(db.ledger, until="registered")
    assert confirmed_anchors(db) == []
    assert [a.anchor for a in entry_anchors(db, key=key)] == [None, None]
    assert export_anchor_objects(db, settings=Settings(data_dir=tmp_path)) == {}


def test_anchors_cover_the_entries_before_them(db: AnchoringDatabase, tmp_path: Path) -> None:
    code, key = populate(db.ledger, until="registered")
    first = db.ledger.cut_checkpoint().checkpoint.size
    populate(db.ledger, until="registered")
    db.ledger.cut_checkpoint()
    _anchor(db, size=first)
    anchors = confirmed_anchors(db)
    assert [a.tree_size for a in anchors] == [first]
    view = anchors[0].to_json()
    assert view["tx_hash"] == "0x" + "ab" * 32 and view["chain_id"] == 31337
    assert covering(anchors, first - 1) == anchors[0]
    assert covering(anchors, first) is None
    covered = entry_anchors(db, key=key)
    assert [e.kind for e in covered] == ["emission.applied", "emission.registered"]
    assert all(e.anchor == anchors[0] for e in covered)
    assert [e.anchor for e in entry_anchors(db, key=code)] == [anchors[0]]
    exported = export_anchor_objects(db, settings=Settings(data_dir=tmp_path))
    assert list(exported) == [first] and exported[first] == anchors[0].data
    with pytest.raises(NotFound):
        entry_anchors(db, key="KG9999Z9999")
