"""The anchoring tables (migration 0002): deployments, anchor intents and their signed attempts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, Row, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from anchoring.schema import anchor_attempts, anchor_deployments, anchors
from node.errors import StorageError
from node.ledger.db import read_transaction, write_transaction


class AnchorStatus(StrEnum):
    """Where an anchor is in its life.

    ``intent`` (recorded, nothing signed) → ``sent`` (an attempt is signed and recorded, maybe
    broadcast) → ``mined`` (a receipt, not yet deep enough) → ``confirmed``. A reorg takes a mined
    or confirmed anchor back to ``sent``. ``failed``: its transaction reverted; ``abandoned``:
    its nonce was used by another transaction, or the chain already holds that size. Both end
    it; the next run plans afresh from the contract's ``latest()``.
    """

    INTENT = "intent"
    SENT = "sent"
    MINED = "mined"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    ABANDONED = "abandoned"


ACTIVE = (AnchorStatus.INTENT, AnchorStatus.SENT, AnchorStatus.MINED)
"""Statuses of an anchor whose nonce may still be (or become) mined."""


@dataclass(frozen=True)
class Deployment:
    """A RegistryAnchor contract on a chain."""

    id: int
    chain_id: int
    contract: str
    local: bool
    deploy_tx: str | None
    deploy_block: int
    created_at: str


@dataclass(frozen=True)
class AnchorRecord:
    """One row of ``anchors``."""

    id: int
    deployment_id: int
    tree_size: int
    log_root: bytes
    state_root: bytes
    from_size: int
    sender: str
    nonce: int
    status: AnchorStatus
    tx_hash: str | None
    block_number: int | None
    block_hash: str | None
    anchored_at: int | None
    gas_used: int | None
    error: str | None
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class AttemptRecord:
    """One signed transaction of an anchor."""

    id: int
    anchor_id: int
    tx_hash: str
    raw_tx: bytes
    gas_limit: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    created_at: str


@dataclass(frozen=True)
class MinedAt:
    """Where a transaction of an anchor was mined."""

    tx_hash: str
    block_number: int
    block_hash: str
    anchored_at: int
    gas_used: int


class AnchorStore:
    """Reads and writes of the anchoring tables on the ledger's database engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # deployments --------------------------------------------------------------------------
    def deployment(self, *, chain_id: int, contract: str) -> Deployment | None:
        """The deployment of ``contract`` on ``chain_id``, if recorded.

        Raises:
            StorageError: the database failed.
        """
        query = select(anchor_deployments).where(
            and_(
                anchor_deployments.c.chain_id == chain_id,
                func.lower(anchor_deployments.c.contract) == contract.lower(),
            )
        )
        with read_transaction(self.engine) as conn:
            row = conn.execute(query).first()
        return None if row is None else _deployment(row)

    def latest_deployment(
        self, *, chain_id: int | None = None, local: bool | None = None
    ) -> Deployment | None:
        """The most recently recorded deployment (on ``chain_id``, local or not).

        Raises:
            StorageError: the database failed.
        """
        query = select(anchor_deployments).order_by(anchor_deployments.c.id.desc()).limit(1)
        if chain_id is not None:
            query = query.where(anchor_deployments.c.chain_id == chain_id)
        if local is not None:
            query = query.where(anchor_deployments.c.local == local)
        with read_transaction(self.engine) as conn:
            row = conn.execute(query).first()
        return None if row is None else _deployment(row)

    def add_deployment(
        self,
        *,
        chain_id: int,
        contract: str,
        local: bool,
        deploy_tx: str | None,
        deploy_block: int,
        now: str,
    ) -> Deployment:
        """Record a deployment (idempotent: an existing row for the same contract is returned).

        Raises:
            StorageError: the database failed.
        """
        existing = self.deployment(chain_id=chain_id, contract=contract)
        if existing is not None:
            return existing
        try:
            with write_transaction(self.engine) as conn:
                new_id = conn.execute(
                    insert(anchor_deployments)
                    .values(
                        chain_id=chain_id,
                        contract=contract,
                        local=local,
                        deploy_tx=deploy_tx,
                        deploy_block=deploy_block,
                        created_at=now,
                    )
                    .returning(anchor_deployments.c.id)
                ).scalar_one()
        except StorageError as exc:
            # another process recorded the same contract between the read and the insert
            raced = self.deployment(chain_id=chain_id, contract=contract)
            if raced is None or not isinstance(exc.__cause__, IntegrityError):
                raise
            return raced
        return Deployment(
            id=int(new_id),
            chain_id=chain_id,
            contract=contract,
            local=local,
            deploy_tx=deploy_tx,
            deploy_block=deploy_block,
            created_at=now,
        )

    # anchors ------------------------------------------------------------------------------
    def anchors(
        self, deployment_id: int, *, statuses: Iterable[AnchorStatus] | None = None
    ) -> list[AnchorRecord]:
        """Anchors of a deployment, oldest first (optionally only some statuses).

        Raises:
            StorageError: the database failed.
        """
        query = (
            select(anchors).where(anchors.c.deployment_id == deployment_id).order_by(anchors.c.id)
        )
        if statuses is not None:
            query = query.where(anchors.c.status.in_([s.value for s in statuses]))
        with read_transaction(self.engine) as conn:
            return [_anchor(row) for row in conn.execute(query)]

    def active(self, deployment_id: int) -> list[AnchorRecord]:
        """Anchors whose transaction may still be mined (intent, sent, mined), by nonce.

        Raises:
            StorageError: the database failed.
        """
        return sorted(self.anchors(deployment_id, statuses=ACTIVE), key=lambda a: a.nonce)

    def anchor(self, anchor_id: int) -> AnchorRecord:
        """One anchor by id.

        Raises:
            StorageError: no such anchor, or the database failed.
        """
        with read_transaction(self.engine) as conn:
            row = conn.execute(select(anchors).where(anchors.c.id == anchor_id)).first()
        if row is None:
            raise StorageError(f"anchor {anchor_id} does not exist")
        return _anchor(row)

    def confirmed(self, deployment_id: int) -> dict[int, AnchorRecord]:
        """The confirmed anchor of each tree size of a deployment.

        Raises:
            StorageError: the database failed.
        """
        rows = self.anchors(deployment_id, statuses=[AnchorStatus.CONFIRMED])
        return {row.tree_size: row for row in rows}

    def add_intent(
        self,
        *,
        deployment_id: int,
        tree_size: int,
        log_root: bytes,
        state_root: bytes,
        from_size: int,
        sender: str,
        nonce: int,
        now: str,
    ) -> AnchorRecord:
        """Record the intent to anchor ``tree_size`` with ``nonce`` (before anything is signed).

        Raises:
            StorageError: the database failed.
        """
        values: dict[str, Any] = {
            "deployment_id": deployment_id,
            "tree_size": tree_size,
            "log_root": log_root,
            "state_root": state_root,
            "from_size": from_size,
            "sender": sender,
            "nonce": nonce,
            "status": AnchorStatus.INTENT.value,
            "created_at": now,
            "updated_at": now,
        }
        with write_transaction(self.engine) as conn:
            new_id = conn.execute(
                insert(anchors).values(**values).returning(anchors.c.id)
            ).scalar_one()
        return self.anchor(int(new_id))

    def add_adopted(
        self,
        *,
        deployment_id: int,
        tree_size: int,
        log_root: bytes,
        state_root: bytes,
        from_size: int,
        sender: str,
        nonce: int,
        at: MinedAt,
        now: str,
    ) -> AnchorRecord:
        """Record an anchor found on the chain that this database did not publish (status
        ``mined``; the publisher confirms it by depth).

        Raises:
            StorageError: the database failed.
        """
        values: dict[str, Any] = {
            "deployment_id": deployment_id,
            "tree_size": tree_size,
            "log_root": log_root,
            "state_root": state_root,
            "from_size": from_size,
            "sender": sender,
            "nonce": nonce,
            "status": AnchorStatus.MINED.value,
            "tx_hash": at.tx_hash,
            "block_number": at.block_number,
            "block_hash": at.block_hash,
            "anchored_at": at.anchored_at,
            "gas_used": at.gas_used,
            "created_at": now,
            "updated_at": now,
        }
        with write_transaction(self.engine) as conn:
            new_id = conn.execute(
                insert(anchors).values(**values).returning(anchors.c.id)
            ).scalar_one()
        return self.anchor(int(new_id))

    def add_attempt(
        self,
        *,
        anchor_id: int,
        tx_hash: str,
        raw_tx: bytes,
        gas_limit: int,
        max_fee_per_gas: int,
        max_priority_fee_per_gas: int,
        now: str,
    ) -> AttemptRecord:
        """Record a signed transaction of an anchor and mark the anchor ``sent`` — in one
        transaction, before the transaction is broadcast.

        Raises:
            StorageError: the database failed.
        """
        with write_transaction(self.engine) as conn:
            new_id = conn.execute(
                insert(anchor_attempts)
                .values(
                    anchor_id=anchor_id,
                    tx_hash=tx_hash,
                    raw_tx=raw_tx,
                    gas_limit=gas_limit,
                    max_fee_per_gas=str(max_fee_per_gas),
                    max_priority_fee_per_gas=str(max_priority_fee_per_gas),
                    created_at=now,
                )
                .returning(anchor_attempts.c.id)
            ).scalar_one()
            conn.execute(
                update(anchors)
                .where(
                    and_(anchors.c.id == anchor_id, anchors.c.status == AnchorStatus.INTENT.value)
                )
                .values(status=AnchorStatus.SENT.value, updated_at=now)
            )
        return AttemptRecord(
            id=int(new_id),
            anchor_id=anchor_id,
            tx_hash=tx_hash,
            raw_tx=raw_tx,
            gas_limit=gas_limit,
            max_fee_per_gas=max_fee_per_gas,
            max_priority_fee_per_gas=max_priority_fee_per_gas,
            created_at=now,
        )

    def attempts(self, anchor_id: int) -> list[AttemptRecord]:
        """The signed transactions of an anchor, oldest first.

        Raises:
            StorageError: the database failed.
        """
        query = (
            select(anchor_attempts)
            .where(anchor_attempts.c.anchor_id == anchor_id)
            .order_by(anchor_attempts.c.id)
        )
        with read_transaction(self.engine) as conn:
            return [_attempt(row) for row in conn.execute(query)]

    def mark_mined(self, anchor_id: int, *, at: MinedAt, now: str) -> None:
        """Record where the anchor's transaction was mined (status ``mined``).

        Raises:
            StorageError: the database failed.
        """
        self._update(
            anchor_id,
            status=AnchorStatus.MINED.value,
            tx_hash=at.tx_hash,
            block_number=at.block_number,
            block_hash=at.block_hash,
            anchored_at=at.anchored_at,
            gas_used=at.gas_used,
            error=None,
            updated_at=now,
        )

    def mark_confirmed(self, anchor_id: int, *, now: str) -> None:
        """The anchor is deep enough (status ``confirmed``).

        Raises:
            StorageError: the database failed.
        """
        self._update(anchor_id, status=AnchorStatus.CONFIRMED.value, error=None, updated_at=now)

    def mark_unmined(self, anchor_id: int, *, reason: str, now: str) -> None:
        """A reorg removed the anchor's transaction: back to ``sent``, block fields cleared.

        Raises:
            StorageError: the database failed.
        """
        self._update(
            anchor_id,
            status=AnchorStatus.SENT.value,
            tx_hash=None,
            block_number=None,
            block_hash=None,
            anchored_at=None,
            gas_used=None,
            error=reason,
            updated_at=now,
        )

    def mark_ended(self, anchor_id: int, *, status: AnchorStatus, reason: str, now: str) -> None:
        """End an anchor as ``failed`` or ``abandoned``.

        Raises:
            ValueError: ``status`` is not an ending status.
            StorageError: the database failed.
        """
        if status not in (AnchorStatus.FAILED, AnchorStatus.ABANDONED):
            raise ValueError(f"{status} does not end an anchor")
        self._update(anchor_id, status=status.value, error=reason, updated_at=now)

    def note_error(self, anchor_id: int, *, error: str, now: str) -> None:
        """Keep the last transient error of an active anchor (e.g. the RPC endpoint is down).

        Raises:
            StorageError: the database failed.
        """
        self._update(anchor_id, error=error, updated_at=now)

    def _update(self, anchor_id: int, **values: Any) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(update(anchors).where(anchors.c.id == anchor_id).values(**values))


def export_anchors(store: AnchorStore, deployment: Deployment) -> dict[int, dict[str, Any]]:
    """The ``anchor`` object of each anchored checkpoint for checkpoints.jsonl
    (docs/export-format.md): chain id, contract, transaction, block number and hash, time.

    Raises:
        StorageError: the database failed.
    """
    return {
        size: anchor_json(row, deployment) for size, row in store.confirmed(deployment.id).items()
    }


def anchor_json(row: AnchorRecord, deployment: Deployment) -> dict[str, Any]:
    """One anchor as JSON (hashes ``0x`` hex, numbers as JSON integers)."""
    return {
        "chain_id": deployment.chain_id,
        "contract": deployment.contract,
        "tx_hash": row.tx_hash,
        "block_number": row.block_number,
        "block_hash": row.block_hash,
        "anchored_at": row.anchored_at,
    }


def _deployment(row: Row[Any]) -> Deployment:
    m = row._mapping
    return Deployment(
        id=int(m["id"]),
        chain_id=int(m["chain_id"]),
        contract=str(m["contract"]),
        local=bool(m["local"]),
        deploy_tx=m["deploy_tx"],
        deploy_block=int(m["deploy_block"]),
        created_at=str(m["created_at"]),
    )


def _anchor(row: Row[Any]) -> AnchorRecord:
    m = row._mapping
    return AnchorRecord(
        id=int(m["id"]),
        deployment_id=int(m["deployment_id"]),
        tree_size=int(m["tree_size"]),
        log_root=bytes(m["log_root"]),
        state_root=bytes(m["state_root"]),
        from_size=int(m["from_size"]),
        sender=str(m["sender"]),
        nonce=int(m["nonce"]),
        status=AnchorStatus(m["status"]),
        tx_hash=m["tx_hash"],
        block_number=_opt_int(m["block_number"]),
        block_hash=m["block_hash"],
        anchored_at=_opt_int(m["anchored_at"]),
        gas_used=_opt_int(m["gas_used"]),
        error=m["error"],
        created_at=str(m["created_at"]),
        updated_at=str(m["updated_at"]),
    )


def _attempt(row: Row[Any]) -> AttemptRecord:
    m = row._mapping
    return AttemptRecord(
        id=int(m["id"]),
        anchor_id=int(m["anchor_id"]),
        tx_hash=str(m["tx_hash"]),
        raw_tx=bytes(m["raw_tx"]),
        gas_limit=int(m["gas_limit"]),
        max_fee_per_gas=int(m["max_fee_per_gas"]),
        max_priority_fee_per_gas=int(m["max_priority_fee_per_gas"]),
        created_at=str(m["created_at"]),
    )


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def newest(records: Sequence[AnchorRecord]) -> AnchorRecord | None:
    """The anchor with the largest tree size, or None."""
    return max(records, key=lambda r: r.tree_size, default=None)
