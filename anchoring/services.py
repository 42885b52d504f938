"""Anchor use cases on the Database (confirmed anchors, the anchors that cover entries, the
export's ``anchor`` objects) and the Database with the anchoring tables."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from anchoring.store import AnchorStore, anchor_json, export_anchors
from node.services.database import Database
from node.settings import Settings


@dataclass(frozen=True, kw_only=True)
class AnchoringDatabase(Database):
    """The node's Database plus the anchoring tables (migration 0002) on the same engine."""

    @cached_property
    def anchors(self) -> AnchorStore:
        """Deployments, anchors and their attempts."""
        return AnchorStore(self.engine)


@dataclass(frozen=True)
class AnchorView:
    """A confirmed anchor of the checkpoint at ``tree_size``, with its transaction data."""

    tree_size: int
    log_root: str
    state_root: str
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """JSON form: tree size, roots, chain id, contract, transaction, block, time."""
        return {
            "tree_size": self.tree_size,
            "log_root": self.log_root,
            "state_root": self.state_root,
            **self.data,
        }


def confirmed_anchors(db: AnchoringDatabase) -> list[AnchorView]:
    """Every confirmed anchor of the newest deployment, by tree size (empty before anchoring).

    Raises:
        StorageError: the database failed.
    """
    deployment = db.anchors.latest_deployment()
    if deployment is None:
        return []
    rows = db.anchors.confirmed(deployment.id)
    return [
        AnchorView(
            tree_size=size,
            log_root=row.log_root.hex(),
            state_root=row.state_root.hex(),
            data=anchor_json(row, deployment),
        )
        for size, row in sorted(rows.items())
    ]


def covering(anchors: list[AnchorView], index: int) -> AnchorView | None:
    """The first anchor whose tree contains entry ``index`` (tree size > index)."""
    for anchor in anchors:
        if anchor.tree_size > index:
            return anchor
    return None


def export_anchor_objects(
    db: AnchoringDatabase, *, settings: Settings
) -> dict[int, dict[str, Any]]:
    """The ``anchor`` object of every checkpoint anchored (and confirmed) on the current
    deployment (the configured chain's, else the node's own anvil's), keyed by tree size
    (docs/export-format.md); empty when nothing is anchored.

    Raises:
        ConfigError: the settings are incomplete.
        StorageError: the database failed.
    """
    from anchoring.service import current_deployment  # the chain code: only when exporting

    deployment = current_deployment(settings, db.anchors)
    if deployment is None:
        return {}
    return export_anchors(db.anchors, deployment)


@dataclass(frozen=True)
class EntryAnchor:
    """One entry about a subject and the first confirmed anchor covering it (None while not
    anchored yet)."""

    index: int
    kind: str
    anchor: AnchorView | None


def entry_anchors(db: AnchoringDatabase, *, key: str) -> list[EntryAnchor]:
    """For each entry about emission or issuer ``key``, oldest first, the first confirmed
    on-chain anchor that covers it.

    Raises:
        NotFound: no emission or issuer has this key.
        StorageError: the database failed.
    """
    anchors = confirmed_anchors(db)
    return [
        EntryAnchor(index=record.idx, kind=entry.kind, anchor=covering(anchors, record.idx))
        for record, entry in db.ledger.history(key)
    ]
