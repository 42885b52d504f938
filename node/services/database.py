"""The Database object: the engine and every store on it, built once at the edge, passed down."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Self

from sqlalchemy import Engine

from node.clock import Clock
from node.ledger.service import Ledger
from node.ledger.store import SqlLedgerStore
from node.ledger.witness_store import WitnessStore
from node.settings import Settings

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from node.verification.store import VerificationStore


@dataclass(frozen=True, kw_only=True)
class Database:
    """The register's database: the ledger (its store, sequencer and clock) and the node's other
    stores on the same engine.

    Built by the edge (the CLI runtime, the API runtime, the scheduler's jobs) with
    :meth:`open` or around an open ledger; services take it keyword-only and never build a
    store themselves. Each store is made once, on first use (``import node.cli`` stays light:
    the verification store pulls in the chain code). The rooms above ``node`` add their stores
    in subclasses (``anchoring.services.AnchoringDatabase``: the anchors;
    ``api.store.ApiDatabase``: tokens, sign-in challenges, idempotency keys), so one object per
    process holds them all while imports still go one way.
    """

    ledger: Ledger

    @classmethod
    def open(cls, settings: Settings, *, clock: Clock, signer: LocalAccount | None = None) -> Self:
        """Open the ledger named by ``settings`` and the stores on its engine (does not create,
        migrate or connect).

        Raises:
            ConfigError: the database URL is invalid.
        """
        return cls(ledger=Ledger.open(settings, clock=clock, signer=signer))

    @property
    def engine(self) -> Engine:
        """The one SQLAlchemy engine every store uses."""
        return self.ledger.store.engine

    @property
    def store(self) -> SqlLedgerStore:
        """The ledger's store: log, tree, checkpoints, projection, private values."""
        return self.ledger.store

    @property
    def clock(self) -> Clock:
        """The injected clock (the ledger's)."""
        return self.ledger.clock

    @cached_property
    def witnesses(self) -> WitnessStore:
        """Signed checkpoint notes and witness cosignatures."""
        return WitnessStore(self.engine)

    @cached_property
    def verification(self) -> VerificationStore:
        """Scan cursors, scanned transfers, filed sources and compilations."""
        from node.verification.store import VerificationStore

        return VerificationStore(self.engine)

    def close(self) -> None:
        """Finish queued writes, then release the engine's connections."""
        self.ledger.close()
