"""Anchors of checkpoints on the chain, as the anchoring publisher recorded them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from anchoring.store import AnchorStore, anchor_json


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


def confirmed_anchors(engine: Engine) -> list[AnchorView]:
    """Every confirmed anchor of the newest deployment, by tree size (empty before anchoring).

    Raises:
        StorageError: the database failed.
    """
    store = AnchorStore(engine)
    deployment = store.latest_deployment()
    if deployment is None:
        return []
    rows = store.confirmed(deployment.id)
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
