"""Reading anchors back from the chain (chunked ``eth_getLogs``) and comparing each with the local
checkpoints, the log, the contract's ``rootAt``/``latest`` and the publisher's records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from anchoring.audit_chain import AnchoredEvent, AnchoredRoot, AnchorMismatch, compare_anchor
from anchoring.chain import AnchorContract, hex0x
from anchoring.store import AnchorRecord, AnchorStatus, AnchorStore, Deployment
from node.errors import MerkleError
from node.ledger.service import Ledger
from node.ledger.store import CheckpointRecord


@dataclass(frozen=True)
class AnchorView:
    """One ``Anchored`` event with what the contract and the local node say about its size."""

    event: AnchoredEvent
    root_at: AnchoredRoot | None
    checkpoint: CheckpointRecord | None
    local: AnchorRecord | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when nothing disagrees."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """JSON form (hashes ``0x`` hex)."""
        e = self.event
        return {
            "tree_size": e.tree_size,
            "log_root": hex0x(e.log_root),
            "state_root": hex0x(e.state_root),
            "anchored_at": e.anchored_at,
            "tx_hash": hex0x(e.tx_hash),
            "block_number": e.block_number,
            "block_hash": hex0x(e.block_hash),
            "local_checkpoint": self.checkpoint is not None,
            "local_status": None if self.local is None else self.local.status.value,
            "ok": self.ok,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class AnchorReport:
    """Every anchor on the chain compared with the local node, and problems not tied to one."""

    chain_id: int
    contract: str
    latest: AnchoredRoot
    views: tuple[AnchorView, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when every anchor and the contract's head agree with the local node."""
        return not self.problems and all(v.ok for v in self.views)

    def all_problems(self) -> list[str]:
        """Every problem, each prefixed with where it was found."""
        found = [f"tree size {v.event.tree_size}: {p}" for v in self.views for p in v.problems]
        return found + list(self.problems)

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "chain_id": self.chain_id,
            "contract": self.contract,
            "latest": {
                "tree_size": self.latest.tree_size,
                "log_root": hex0x(self.latest.log_root),
                "state_root": hex0x(self.latest.state_root),
                "anchored_at": self.latest.anchored_at,
            },
            "anchors": [v.to_json() for v in self.views],
            "ok": self.ok,
            "problems": self.all_problems(),
        }


def read_anchors(
    ledger: Ledger,
    contract: AnchorContract,
    deployment: Deployment,
    *,
    chunk: int,
    with_roots: bool = True,
) -> AnchorReport:
    """Read every ``Anchored`` event of the contract from its deployment block (``eth_getLogs``
    in ranges of ``chunk`` blocks) and compare each with the local checkpoint and log root at its
    size, ``rootAt`` (when ``with_roots``), and the publisher's confirmed records.

    Raises:
        ChainUnavailable, ChainError: the chain failed.
        StorageError: the database failed.
    """
    events = list(contract.events(from_block=deployment.deploy_block, chunk=chunk))
    latest = contract.latest()
    checkpoints = {row.size: row for row in ledger.checkpoints()}
    store = AnchorStore(ledger.store.engine)
    records = store.confirmed(deployment.id)
    head, _ = ledger.head()
    views: list[AnchorView] = []
    previous: AnchoredEvent | None = None
    for event in events:
        problems: list[str] = []
        checkpoint = checkpoints.get(event.tree_size)
        if checkpoint is None:
            problems.append("no local checkpoint at this size")
        else:
            try:
                compare_anchor(event, checkpoint, message="differs from the local checkpoint")
            except AnchorMismatch as exc:
                problems += [
                    f"{name.replace('_', ' ')} {hex0x(getattr(event, name))} differs from the "
                    f"local checkpoint's {hex0x(getattr(checkpoint, name))}"
                    for name in exc.differs
                ]
        problems += _log_root_problems(ledger, event, head=head, checkpoint=checkpoint)
        root = contract.root_at(event.tree_size) if with_roots else None
        if with_roots:
            if root is None:
                problems.append("rootAt returns nothing for this size")
            elif (root.log_root, root.state_root) != (event.log_root, event.state_root):
                problems.append("rootAt differs from the Anchored event")
        if previous is not None and event.tree_size <= previous.tree_size:
            problems.append(f"not larger than the previous anchored size {previous.tree_size}")
        local = records.get(event.tree_size)
        chain_at = (hex0x(event.tx_hash), hex0x(event.block_hash))
        if local is not None and (local.tx_hash, local.block_hash) != chain_at:
            problems.append(
                f"the local record has tx {local.tx_hash} in block {local.block_hash}, the chain "
                f"{chain_at[0]} in block {chain_at[1]}"
            )
        views.append(
            AnchorView(
                event=event,
                root_at=root,
                checkpoint=checkpoint,
                local=local,
                problems=tuple(problems),
            )
        )
        previous = event
    general: list[str] = []
    on_chain = {e.tree_size for e in events}
    for size, record in sorted(records.items()):
        if size not in on_chain:
            general.append(
                f"tree size {size}: confirmed locally (tx {record.tx_hash}) but not on the chain"
            )
    last = events[-1] if events else None
    if last is None and latest.tree_size != 0:
        general.append(f"latest() is tree size {latest.tree_size} but no Anchored event was found")
    if last is not None and (
        latest.tree_size,
        latest.log_root,
        latest.state_root,
        latest.anchored_at,
    ) != (last.tree_size, last.log_root, last.state_root, last.anchored_at):
        general.append(
            f"latest() (tree size {latest.tree_size}) differs from the last Anchored event "
            f"(tree size {last.tree_size})"
        )
    return AnchorReport(
        chain_id=deployment.chain_id,
        contract=contract.address,
        latest=latest,
        views=tuple(views),
        problems=tuple(general),
    )


def _log_root_problems(
    ledger: Ledger, event: AnchoredEvent, *, head: int, checkpoint: CheckpointRecord | None
) -> list[str]:
    """The local log's root at the anchored size must be the anchored root (checked when no
    checkpoint vouches for it, and always against the log itself)."""
    if event.tree_size > head:
        return [f"beyond the local log (size {head})"]
    try:
        local = ledger.prove_consistency(event.tree_size, event.tree_size).root1
    except MerkleError as exc:
        return [f"the local log cannot give its root at this size: {exc}"]
    if local != event.log_root and (checkpoint is None or checkpoint.log_root != local):
        return [f"log root differs from the local log's root {hex0x(local)} at this size"]
    return []


def pending(store: AnchorStore, deployment: Deployment) -> list[AnchorRecord]:
    """The publisher's anchors not yet confirmed (intent, sent, mined)."""
    return store.anchors(
        deployment.id, statuses=[AnchorStatus.INTENT, AnchorStatus.SENT, AnchorStatus.MINED]
    )
