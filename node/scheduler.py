"""The scheduled checkpoint job: cut a signed checkpoint whenever the log has grown."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from node.checkpoint import SignedCheckpoint
from node.errors import NotFound
from node.ledger.service import Ledger

logger = logging.getLogger("tamga.scheduler")


@dataclass(frozen=True)
class JobOutcome:
    """What one run of the checkpoint job did: ``checkpoint`` is None when it skipped."""

    size: int
    previous_size: int
    checkpoint: SignedCheckpoint | None

    @property
    def cut(self) -> bool:
        """True when a new checkpoint was signed."""
        return self.checkpoint is not None


def checkpoint_job(ledger: Ledger) -> JobOutcome:
    """Cut a checkpoint at the head if the log grew since the last checkpoint, else skip.

    The ledger must have a signer (``Ledger.open(..., signer=...)``). The decision and the cut are
    not one transaction; if another process cut the same size first, the sequencer refuses the
    duplicate and this raises LedgerError (the scheduler logs it and tries again next interval).

    Raises:
        LedgerError: no signing key, or a checkpoint at this size appeared concurrently.
        StorageError: the database failed.
    """
    size, _ = ledger.head()
    try:
        previous = ledger.latest_checkpoint().size
    except NotFound:
        previous = 0
    if size == previous:
        logger.info("log size %d unchanged since the last checkpoint; skipped", size)
        return JobOutcome(size=size, previous_size=previous, checkpoint=None)
    signed = ledger.cut_checkpoint()
    cp = signed.checkpoint
    logger.info(
        "checkpoint cut: size %d (was %d), log root %s, state root %s, signer %s",
        cp.size,
        previous,
        cp.log_root.hex(),
        cp.state_root.hex(),
        signed.signer,
    )
    return JobOutcome(size=cp.size, previous_size=previous, checkpoint=signed)
