"""The anchoring publisher: anchors the latest checkpoint on chain, crash-safe and idempotent.

One run (``Publisher.run``), under the publisher lock (anchoring/lock.py):

1. **Reorg check.** Confirmed anchors in recent blocks (all of them when the contract's
   ``latest()`` went backwards) must still have their receipt in the same block; one that does
   not goes back to ``sent`` and its signed transaction is broadcast again.
2. **Drive** every active anchor (``intent``/``sent``/``mined``, by nonce) to ``confirmed``:
   sign an attempt (EIP-1559 fees), **record it, then broadcast it**; look for a receipt of any
   attempt; after ``resend_after_seconds`` without one, sign a replacement with bumped fees and
   the same nonce; once mined, wait for ``confirmations`` blocks.
3. **Plan** a new anchor when the latest checkpoint is beyond the contract's ``latest()``: check
   the chain's latest anchored root against the local log, that the checkpoint's key is a
   registered checkpoint signer and its origin the contract's, build the RFC 9162 §2.1.4
   consistency proof from that size, dry-run the call, and record the intent with the nonce.
   The call carries the node's EIP-191 checkpoint signature (from the ledger's checkpoints),
   which the contract checks over the body it rebuilds; every attempt rebuilds the same call
   from the intent and the stored signed checkpoint of its size.

A crash at any point leaves either an intent (nothing signed or nothing broadcast: a new attempt
with the same nonce is signed) or a recorded attempt (it is found by its receipt or broadcast
again). All attempts share one nonce, so at most one can be mined, and the contract refuses a
size that is not larger than its latest: an anchor is never published twice, and never lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address

from anchoring.audit_chain import AnchoredEvent, Receipt, parse_receipt
from anchoring.chain import (
    ANCHOR_ROLE,
    AnchorContract,
    gas_with_margin,
    hex0x,
    sign_transaction,
)
from anchoring.errors import ChainUnavailable, ContractRejected
from anchoring.fees import Fees, bumped_fees, initial_fees
from anchoring.lock import PublisherLock
from anchoring.store import (
    AnchorRecord,
    AnchorStatus,
    AnchorStore,
    AttemptRecord,
    Deployment,
    MinedAt,
)
from node.checkpoint import format_time, parse_time
from node.clock import Clock
from node.errors import ChainError, NotFound, VerificationError
from node.ledger.service import Ledger, signed_from_record
from node.ledger.store import CheckpointRecord
from node.merkle.verify import verify_consistency
from node.settings import Settings

logger = logging.getLogger("tamga.anchoring")


class PublishStep(StrEnum):
    """Points of a run reported to ``on_step`` (logging, tests that crash the publisher)."""

    INTENT_RECORDED = "intent-recorded"
    SIGNED = "signed"
    ATTEMPT_RECORDED = "attempt-recorded"
    BROADCAST = "broadcast"
    MINED_RECORDED = "mined-recorded"
    CONFIRMED = "confirmed"


class PublishAction(StrEnum):
    """What a run ended with."""

    CONFIRMED = "confirmed"
    UP_TO_DATE = "up-to-date"
    NO_CHECKPOINT = "no-checkpoint"
    PENDING = "pending"
    FAILED = "failed"
    BUSY = "busy"


@dataclass(frozen=True)
class PublisherConfig:
    """How the publisher waits, re-sends and confirms."""

    confirmations: int = 2
    resend_after_seconds: float = 30.0
    fee_bump_percent: int = 25
    max_fee_per_gas: int | None = None
    timeout_seconds: float = 300.0
    poll_seconds: float = 0.2
    reorg_window_blocks: int = 256
    log_chunk_blocks: int = 5000

    @classmethod
    def from_settings(cls, settings: Settings) -> PublisherConfig:
        """The publisher settings of ``settings`` (TAMGA_ANCHOR_*)."""
        return cls(
            confirmations=settings.anchor_confirmations,
            resend_after_seconds=settings.anchor_resend_after_seconds,
            fee_bump_percent=settings.anchor_fee_bump_percent,
            max_fee_per_gas=settings.anchor_max_fee_per_gas_wei,
            timeout_seconds=settings.anchor_timeout_seconds,
            log_chunk_blocks=settings.anchor_log_chunk_blocks,
        )


@dataclass(frozen=True)
class PublishResult:
    """The outcome of one run: the action, the anchor it concerned and a one-line message."""

    action: PublishAction
    anchor: AnchorRecord | None
    message: str


StepHook = Callable[[PublishStep, AnchorRecord], None]


class Publisher:
    """Publishes anchors of ``ledger``'s checkpoints to one deployed RegistryAnchor contract."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        contract: AnchorContract,
        deployment: Deployment,
        account: LocalAccount,
        config: PublisherConfig,
        clock: Clock,
        sleep: Callable[[float], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        on_step: StepHook | None = None,
    ) -> None:
        self.ledger = ledger
        self.contract = contract
        self.chain = contract.chain
        self.deployment = deployment
        self.account = account
        self.config = config
        self.clock = clock
        self.store = AnchorStore(ledger.store.engine)
        self._stopping = threading.Event()
        self._sleep: Callable[[float], object] = sleep or self._stopping.wait
        self._monotonic = monotonic
        self._on_step = on_step
        self._lock = PublisherLock(ledger.store.engine)

    def stop(self) -> None:
        """Ask a running ``run`` to return (PENDING) at its next poll; the state is kept."""
        self._stopping.set()

    # the run --------------------------------------------------------------------------------
    def run(self) -> PublishResult:
        """One run: reorg check, drive active anchors, anchor the latest checkpoint if new.

        Returns BUSY without doing anything when another publisher holds the lock, PENDING when
        the timeout passed before confirmation (the next run continues where this one stopped).

        Raises:
            ChainUnavailable: the RPC endpoint cannot be reached (the state recorded so far is
                kept; the next run resumes).
            ContractRejected: a dry run of the anchor call reverted (e.g. the key lacks
                ANCHOR_ROLE, the contract is paused).
            VerificationError: the chain's anchored root differs from the local log, or the
                chain holds a larger tree than the local log.
            ChainError: the chain id or contract is wrong, or the node refused a transaction.
            StorageError: the database failed.
        """
        if not self._lock.acquire():
            return PublishResult(
                PublishAction.BUSY, None, "another publisher holds the lock; skipped"
            )
        try:
            return self._run()
        except ChainUnavailable as exc:
            for anchor in self.store.active(self.deployment.id):
                self.store.note_error(anchor.id, error=str(exc), now=self._now())
            logger.warning("the chain is unreachable; the recorded state is kept: %s", exc)
            raise
        finally:
            self._lock.release()

    def _run(self) -> PublishResult:
        deadline = self._monotonic() + self.config.timeout_seconds
        self._check_chain_id()
        self._check_reorgs()
        last: PublishResult | None = None
        while True:
            active = self.store.active(self.deployment.id)
            if active:
                result = self._drive(active[0], deadline=deadline)
                if result.action is not PublishAction.CONFIRMED:
                    return result
                last = result
                continue
            planned = self._plan()
            if isinstance(planned, PublishResult):
                return last or planned

    def _check_chain_id(self) -> None:
        """Refuse an endpoint that serves another chain than the deployment's (EIP-155)."""
        actual = self.chain.chain_id()
        if actual != self.deployment.chain_id:
            raise ChainError(
                f"wrong chain: the RPC endpoint {self.chain.where} is chain {actual}, the anchor "
                f"contract {self.contract.address} is on chain {self.deployment.chain_id}; "
                "not publishing"
            )

    def _pinned(self, anchor: AnchorRecord, receipt: Receipt) -> bool:
        """Whether the receipt's block is the endpoint's canonical block of that number; if not
        (a lying or inconsistent node, or a reorg under way) nothing is recorded from it."""
        canonical = self.chain.block_hash(receipt.block_number)
        if canonical == hex0x(receipt.block_hash):
            return True
        reason = (
            f"the receipt of {hex0x(receipt.tx_hash)} names block {receipt.block_number} "
            f"{hex0x(receipt.block_hash)}, the endpoint's block {receipt.block_number} is "
            f"{canonical}: "
            "not recorded until they agree"
        )
        logger.warning("anchor of size %d: %s", anchor.tree_size, reason)
        self.store.note_error(anchor.id, error=reason, now=self._now())
        return False

    # reorgs ---------------------------------------------------------------------------------
    def _check_reorgs(self) -> None:
        confirmed = self.store.anchors(self.deployment.id, statuses=[AnchorStatus.CONFIRMED])
        if not confirmed:
            return
        head_block = self.chain.block_number()
        on_chain = self.contract.latest()
        newest = max(a.tree_size for a in confirmed)
        if on_chain.tree_size < newest:
            logger.warning(
                "the contract's latest anchored size %d is below the confirmed anchor at size "
                "%d: checking every anchor for a reorg",
                on_chain.tree_size,
                newest,
            )
            suspects = confirmed
        else:
            floor = head_block - self.config.reorg_window_blocks
            suspects = [a for a in confirmed if (a.block_number or 0) >= floor]
        for anchor in sorted(suspects, key=lambda a: a.nonce):
            self._verify_still_mined(anchor)

    def _verify_still_mined(self, anchor: AnchorRecord) -> bool:
        """Check a mined or confirmed anchor's receipt; on a reorg move it back to ``sent`` (or
        to its new block) and broadcast it again. True when it is still where it was."""
        assert anchor.tx_hash is not None
        raw = self.chain.receipt(anchor.tx_hash)
        if raw is not None:
            receipt = parse_receipt(raw)
            if hex0x(receipt.block_hash) == anchor.block_hash:
                return True
            if not self._pinned(anchor, receipt):
                return False
            if receipt.success and self._event_of(anchor, receipt) is not None:
                logger.warning(
                    "reorg: the anchor of size %d moved from block %s to block %d (%s)",
                    anchor.tree_size,
                    anchor.block_number,
                    receipt.block_number,
                    hex0x(receipt.block_hash),
                )
                self._record_mined(anchor, receipt)
                return False
        logger.warning(
            "reorg: the anchor of size %d (tx %s, block %s) is no longer on the chain; "
            "anchoring it again",
            anchor.tree_size,
            anchor.tx_hash,
            anchor.block_number,
        )
        self.store.mark_unmined(
            anchor.id,
            reason=f"reorg dropped tx {anchor.tx_hash} from block {anchor.block_number}",
            now=self._now(),
        )
        attempts = self.store.attempts(anchor.id)
        if attempts:
            self.chain.send_raw(attempts[-1].raw_tx)
        return False

    # driving one anchor ----------------------------------------------------------------------
    def _drive(self, anchor: AnchorRecord, *, deadline: float) -> PublishResult:
        while True:
            anchor = self.store.anchor(anchor.id)
            if anchor.status is AnchorStatus.INTENT:
                ended = self._send_attempt(anchor, previous=None)
                if ended is not None:
                    return ended
            elif anchor.status is AnchorStatus.SENT:
                ended = self._poll_sent(anchor)
                if ended is not None:
                    return ended
            elif anchor.status is AnchorStatus.MINED:
                if self._verify_still_mined(anchor) and self._deep_enough(anchor):
                    self.store.mark_confirmed(anchor.id, now=self._now())
                    anchor = self.store.anchor(anchor.id)
                    self._step(PublishStep.CONFIRMED, anchor)
                    logger.info(
                        "anchor confirmed: size %d, tx %s, block %s (%s)",
                        anchor.tree_size,
                        anchor.tx_hash,
                        anchor.block_number,
                        anchor.block_hash,
                    )
                    return PublishResult(
                        PublishAction.CONFIRMED,
                        anchor,
                        f"anchored tree size {anchor.tree_size} in block {anchor.block_number} "
                        f"(tx {anchor.tx_hash})",
                    )
            else:
                return PublishResult(PublishAction.FAILED, anchor, anchor.error or "ended")
            if self._monotonic() >= deadline or self._stopping.is_set():
                return PublishResult(
                    PublishAction.PENDING,
                    anchor,
                    f"anchor of tree size {anchor.tree_size} is {anchor.status.value}; "
                    "not confirmed yet, the next run continues",
                )
            self._sleep(self.config.poll_seconds)

    def _poll_sent(self, anchor: AnchorRecord) -> PublishResult | None:
        attempts = self.store.attempts(anchor.id)
        if not attempts:  # a crash between the intent and the first attempt's record
            return self._send_attempt(anchor, previous=None)
        for attempt in reversed(attempts):
            raw = self.chain.receipt(attempt.tx_hash)
            if raw is None:
                continue
            receipt = parse_receipt(raw)
            if not self._pinned(anchor, receipt):
                return None
            if not receipt.success or self._event_of(anchor, receipt) is None:
                reason = (
                    f"transaction {hex0x(receipt.tx_hash)} reverted in block {receipt.block_number}"
                )
                self.store.mark_ended(
                    anchor.id, status=AnchorStatus.FAILED, reason=reason, now=self._now()
                )
                logger.error("anchor of size %d failed: %s", anchor.tree_size, reason)
                return PublishResult(PublishAction.FAILED, self.store.anchor(anchor.id), reason)
            self._record_mined(anchor, receipt)
            return None
        mined_nonce = self.chain.nonce(anchor.sender, pending=False)
        if mined_nonce > anchor.nonce:
            # The nonce is used, yet none of our attempts has a receipt: another transaction of
            # this key took it (a receipt that appeared meanwhile is found on the next run).
            if any(self.chain.receipt(a.tx_hash) is not None for a in attempts):
                return None
            return self._abandon(anchor, f"nonce {anchor.nonce} was used by another transaction")
        if self.chain.nonce(anchor.sender, pending=True) < anchor.nonce:
            return self._abandon(
                anchor,
                f"nonce gap: the chain's next nonce for {anchor.sender} is below {anchor.nonce}",
            )
        last = attempts[-1]
        age = (self.clock.now() - parse_time(last.created_at)).total_seconds()
        if age >= self.config.resend_after_seconds:
            return self._send_attempt(anchor, previous=last)
        if not self.chain.is_pending(last.tx_hash):
            logger.info("re-broadcasting %s (the node does not know it)", last.tx_hash)
            self.chain.send_raw(last.raw_tx)
        return None

    def _send_attempt(
        self, anchor: AnchorRecord, *, previous: AttemptRecord | None
    ) -> PublishResult | None:
        self._lock.check()
        base_fee, priority = self.chain.suggested_fees()
        if previous is None:
            calldata = self._calldata(anchor)
            try:
                gas = gas_with_margin(
                    self.chain.estimate_gas(
                        sender=anchor.sender, to=self.contract.address, data=calldata
                    )
                )
            except ContractRejected as exc:
                if exc.error == "TreeSizeNotLarger":
                    return self._abandon(anchor, f"the chain already holds a larger size: {exc}")
                if exc.error == "UnknownCheckpointSigner":
                    # The checkpoint key was revoked (rotated) after the intent was recorded:
                    # this checkpoint can never be anchored; a later one, signed with the new
                    # key, is planned next.
                    return self._abandon(
                        anchor, f"its checkpoint's key is no longer registered: {exc}"
                    )
                raise
            fees: Fees | None = initial_fees(
                base_fee=base_fee, priority_fee=priority, cap=self.config.max_fee_per_gas
            )
        else:
            calldata = self._calldata(anchor)
            gas = previous.gas_limit
            fees = bumped_fees(
                Fees(
                    max_fee_per_gas=previous.max_fee_per_gas,
                    max_priority_fee_per_gas=previous.max_priority_fee_per_gas,
                ),
                percent=self.config.fee_bump_percent,
                base_fee=base_fee,
                priority_fee=priority,
                cap=self.config.max_fee_per_gas,
            )
            if fees is None:
                logger.warning(
                    "fee cap reached for the anchor of size %d; re-broadcasting %s",
                    anchor.tree_size,
                    previous.tx_hash,
                )
                self.chain.send_raw(previous.raw_tx)
                return None
        assert fees is not None
        tx_hash, raw = sign_transaction(
            self.account,
            chain_id=self.deployment.chain_id,
            nonce=anchor.nonce,
            to=self.contract.address,
            data=calldata,
            gas=gas,
            fees=fees,
        )
        self._step(PublishStep.SIGNED, anchor)
        self.store.add_attempt(
            anchor_id=anchor.id,
            tx_hash=tx_hash,
            raw_tx=raw,
            gas_limit=gas,
            max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
            now=self._now(),
        )
        anchor = self.store.anchor(anchor.id)
        self._step(PublishStep.ATTEMPT_RECORDED, anchor)
        self.chain.send_raw(raw)
        self._step(PublishStep.BROADCAST, anchor)
        logger.info(
            "anchor of size %d sent: tx %s, nonce %d, maxFeePerGas %d, maxPriorityFeePerGas %d%s",
            anchor.tree_size,
            tx_hash,
            anchor.nonce,
            fees.max_fee_per_gas,
            fees.max_priority_fee_per_gas,
            "" if previous is None else f" (replaces {previous.tx_hash})",
        )
        return None

    def _record_mined(self, anchor: AnchorRecord, receipt: Receipt) -> None:
        event = self._event_of(anchor, receipt)
        assert event is not None
        self.store.mark_mined(
            anchor.id,
            at=MinedAt(
                tx_hash=hex0x(receipt.tx_hash),
                block_number=receipt.block_number,
                block_hash=hex0x(receipt.block_hash),
                anchored_at=event.anchored_at,
                gas_used=receipt.gas_used,
            ),
            now=self._now(),
        )
        self._step(PublishStep.MINED_RECORDED, self.store.anchor(anchor.id))

    def _deep_enough(self, anchor: AnchorRecord) -> bool:
        assert anchor.block_number is not None
        depth = self.chain.block_number() - anchor.block_number + 1
        return depth >= self.config.confirmations

    def _abandon(self, anchor: AnchorRecord, reason: str) -> PublishResult:
        self.store.mark_ended(
            anchor.id, status=AnchorStatus.ABANDONED, reason=reason, now=self._now()
        )
        logger.warning("anchor of size %d abandoned: %s", anchor.tree_size, reason)
        return PublishResult(PublishAction.FAILED, self.store.anchor(anchor.id), reason)

    def _event_of(self, anchor: AnchorRecord, receipt: Receipt) -> AnchoredEvent | None:
        for event in receipt.anchored:
            if (
                event.contract == self.contract.address
                and event.tree_size == anchor.tree_size
                and event.log_root == anchor.log_root
            ):
                return event
        return None

    # planning -------------------------------------------------------------------------------
    def _plan(self) -> PublishResult | AnchorRecord:
        on_chain = self.contract.latest()
        self.check_chain_matches_log(on_chain.tree_size, on_chain.log_root)
        adopted = self._adopt(on_chain.tree_size)
        if adopted is not None:
            return adopted  # driven to confirmed like our own, then planning goes on
        try:
            checkpoint = self.ledger.latest_checkpoint()
        except NotFound:
            return PublishResult(PublishAction.NO_CHECKPOINT, None, "no checkpoint to anchor yet")
        if checkpoint.size <= on_chain.tree_size:
            return PublishResult(
                PublishAction.UP_TO_DATE,
                None,
                f"the chain already holds tree size {on_chain.tree_size}; "
                f"latest checkpoint is {checkpoint.size}",
            )
        sender = self.account.address
        if not self.contract.has_role(ANCHOR_ROLE, sender):
            raise ChainError(
                f"the anchoring key {sender} lacks ANCHOR_ROLE on {self.contract.address}: "
                "the role admin must grant it (grantRole)"
            )
        self._check_checkpoint_key(checkpoint)
        proof = self._proof(on_chain.tree_size, checkpoint.size)
        calldata = self.contract.anchor_calldata(signed=signed_from_record(checkpoint), proof=proof)
        # Dry run: a revert (paused, role, signature, proof) surfaces before anything is
        # recorded.
        self.chain.estimate_gas(sender=sender, to=self.contract.address, data=calldata)
        nonce = self.chain.nonce(sender, pending=True)
        anchor = self.store.add_intent(
            deployment_id=self.deployment.id,
            tree_size=checkpoint.size,
            log_root=checkpoint.log_root,
            state_root=checkpoint.state_root,
            from_size=on_chain.tree_size,
            sender=sender,
            nonce=nonce,
            now=self._now(),
        )
        self._step(PublishStep.INTENT_RECORDED, anchor)
        logger.info(
            "anchoring checkpoint %d (from anchored size %d) with nonce %d",
            checkpoint.size,
            on_chain.tree_size,
            nonce,
        )
        return anchor

    def _check_checkpoint_key(self, checkpoint: CheckpointRecord) -> None:
        """The contract accepts only checkpoints of its origin signed by a registered key: say
        which is missing before the dry run would revert.

        Raises:
            ChainError: the checkpoint's origin is not the contract's, or its key is not a
                registered checkpoint signer.
        """
        if not self.contract.is_checkpoint_signer(checkpoint.signer):
            raise ChainError(
                f"checkpoint {checkpoint.size} is signed by {checkpoint.signer}, which is not a "
                f"registered checkpoint signer of {self.contract.address}: the contract's admin "
                f"must register the node's checkpoint key (`tamga anchor signer add "
                f"{checkpoint.signer}`)"
            )
        origin = self.contract.origin()
        if origin != checkpoint.origin:
            raise ChainError(
                f"checkpoint {checkpoint.size} is of origin {checkpoint.origin!r}, the contract "
                f"{self.contract.address} anchors origin {origin!r}: not this log's contract"
            )

    def check_chain_matches_log(self, size: int, log_root: bytes) -> None:
        """Check that the local log has ``log_root`` at tree size ``size`` (0: nothing to check).

        Raises:
            VerificationError: the log is smaller than ``size`` or has another root there.
        """
        if size == 0:
            return
        head, _ = self.ledger.head()
        where = f"contract {self.contract.address} on chain {self.deployment.chain_id}"
        if size > head:
            # A database restored from a backup older than the chain's latest anchor: anchoring
            # on would publish a different history at sizes the chain already fixed.
            raise VerificationError(
                f"the chain holds an anchor at tree size {size}, beyond the local log (size "
                f"{head}): entries after this database's state (e.g. a restored backup older than "
                "the latest anchor) were lost and must be recovered from a newer backup or the "
                "database that wrote them; nothing is anchored until the log reaches that size "
                "with the anchored root",
                expected=f"tree size <= {head}",
                actual=size,
                where=where,
            )
        local = self.ledger.prove_consistency(size, size).root1
        if local != log_root:
            raise VerificationError(
                f"the anchored log root at tree size {size} differs from the local log",
                expected=local.hex(),
                actual=log_root.hex(),
                where=where,
            )

    def _adopt(self, latest_size: int) -> AnchorRecord | None:
        """Record the chain's anchors this database has no record of (a database restored from a
        backup older than them, or another publisher with the same key): each one's root must be
        the local log's root at its size (else ``VerificationError``). They are recorded as
        ``mined`` and confirmed by depth like our own. Returns the newest adopted, or None.

        Raises:
            VerificationError: an anchored root differs from the local log, or lies beyond it.
            ChainUnavailable, ChainError: the chain failed.
            StorageError: the database failed.
        """
        recorded = self.store.confirmed(self.deployment.id)
        if latest_size == 0 or latest_size in recorded:
            return None
        adopted: AnchorRecord | None = None
        previous = 0
        for event in self.contract.events(
            from_block=self.deployment.deploy_block, chunk=self.config.log_chunk_blocks
        ):
            from_size, previous = previous, event.tree_size
            if event.tree_size in recorded:
                continue
            self.check_chain_matches_log(event.tree_size, event.log_root)
            tx_hash = hex0x(event.tx_hash)
            tx = self.chain.rpc("eth_getTransactionByHash", [tx_hash])
            raw = self.chain.receipt(tx_hash)
            if tx is None or raw is None:
                continue  # dropped by a reorg since the log was read: a later run adopts it
            receipt = parse_receipt(raw)
            adopted = self.store.add_adopted(
                deployment_id=self.deployment.id,
                tree_size=event.tree_size,
                log_root=event.log_root,
                state_root=event.state_root,
                from_size=from_size,
                sender=to_checksum_address(str(tx["from"])),
                nonce=int(str(tx["nonce"]), 0),  # JSON-RPC quantity: 0x-prefixed hex
                at=MinedAt(
                    tx_hash=tx_hash,
                    block_number=event.block_number,
                    block_hash=hex0x(event.block_hash),
                    anchored_at=event.anchored_at,
                    gas_used=receipt.gas_used,
                ),
                now=self._now(),
            )
            logger.warning(
                "adopted the anchor of tree size %d (tx %s, block %d) that this database had not "
                "recorded: its root is the local log's root at that size",
                event.tree_size,
                tx_hash,
                event.block_number,
            )
        return adopted

    def _proof(self, from_size: int, to_size: int) -> tuple[bytes, ...]:
        if from_size == 0:
            return ()
        proof = self.ledger.prove_consistency(from_size, to_size)
        verify_consistency(
            size1=from_size,
            size2=to_size,
            root1=proof.root1,
            root2=proof.root2,
            proof=proof.proof,
        )
        return proof.proof

    def _calldata(self, anchor: AnchorRecord) -> bytes:
        """The anchor call of a recorded intent, rebuilt from the intent and the signed
        checkpoint of its size (checkpoints are never changed, so every attempt of an anchor
        sends the same signed checkpoint).

        Raises:
            VerificationError: the ledger has no checkpoint at the intent's size, or one with
                another root.
        """
        with self.ledger.store.read() as reader:
            row = reader.checkpoint(anchor.tree_size)
        if row is None or row.log_root != anchor.log_root:
            raise VerificationError(
                "the anchor intent has no matching signed checkpoint in the ledger",
                expected=anchor.log_root.hex(),
                actual=None if row is None else row.log_root.hex(),
                where=f"checkpoint {anchor.tree_size}",
            )
        return self.contract.anchor_calldata(
            signed=signed_from_record(row),
            proof=self._proof(anchor.from_size, anchor.tree_size),
        )

    # helpers --------------------------------------------------------------------------------
    def _now(self) -> str:
        return format_time(self.clock.now())

    def _step(self, step: PublishStep, anchor: AnchorRecord) -> None:
        if self._on_step is not None:
            self._on_step(step, anchor)
