"""Storage of on-chain verification beside the ledger: scan cursors, scanned transfers, sources.

A scan's transfers and its cursor move in one transaction, so a crash loses at most the range
being scanned and the next run resumes from the cursor. A reorg is undone by
:meth:`VerificationStore.rollback` (transfers above the fork point deleted, cursor moved back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, and_, delete, insert, select, update

from node.chain.logs import TransferLog
from node.ledger.db import read_transaction, write_transaction
from node.verification.schema import (
    verification_cursors,
    verification_sources,
    verification_transfers,
)

TransferKind = Literal["mint", "burn", "lock"]

_TRANSFER_COLUMNS = (
    "chain_id",
    "contract",
    "block_number",
    "log_index",
    "block_hash",
    "block_time",
    "tx_hash",
    "kind",
    "sender",
    "receiver",
    "value",
)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the scan of one contract stands (``scanned_to`` None: nothing scanned yet)."""

    chain_id: int
    contract: str
    first_block: int
    scanned_to: int | None
    scanned_hash: str | None

    @property
    def next_block(self) -> int:
        """The first block not yet scanned."""
        return self.first_block if self.scanned_to is None else self.scanned_to + 1


@dataclass(frozen=True, slots=True)
class StoredTransfer:
    """A scanned transfer with its kind and block time."""

    kind: TransferKind
    log: TransferLog
    block_time: int


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """A filed source and its compilation, if done."""

    sha256: str
    compiler: str
    contract: str
    standard_json: str
    compiled_with: str | None
    runtime_code: str | None
    immutables: str | None
    compile_error: str | None


class VerificationStore:
    """The verification tables of the ledger's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # cursors and transfers --------------------------------------------------------------
    def cursors(self, chain_id: int, contracts: Sequence[str]) -> dict[str, Cursor]:
        """The cursors of ``contracts`` that exist.

        Raises:
            StorageError: the database failed.
        """
        c = verification_cursors.c
        found: dict[str, Cursor] = {}
        with read_transaction(self.engine) as conn:
            for start in range(0, len(contracts), 500):
                rows = conn.execute(
                    select(verification_cursors).where(
                        and_(c.chain_id == chain_id, c.contract.in_(contracts[start : start + 500]))
                    )
                )
                for row in rows:
                    found[row.contract] = Cursor(
                        chain_id=row.chain_id,
                        contract=row.contract,
                        first_block=row.first_block,
                        scanned_to=row.scanned_to,
                        scanned_hash=row.scanned_hash,
                    )
        return found

    def start(self, chain_id: int, contracts: Sequence[str], *, first_block: int, now: str) -> None:
        """Create cursors (nothing scanned) for contracts that have none.

        Raises:
            StorageError: the database failed.
        """
        known = self.cursors(chain_id, contracts)
        new = [
            {
                "chain_id": chain_id,
                "contract": contract,
                "first_block": first_block,
                "scanned_to": None,
                "scanned_hash": None,
                "updated_at": now,
            }
            for contract in dict.fromkeys(contracts)
            if contract not in known
        ]
        if new:
            with write_transaction(self.engine) as conn:
                conn.execute(insert(verification_cursors), new)

    def save_range(
        self,
        chain_id: int,
        contracts: Sequence[str],
        *,
        scanned_to: int,
        scanned_hash: str,
        transfers: Sequence[StoredTransfer],
        now: str,
    ) -> None:
        """Store the transfers of a scanned range and move the contracts' cursors, atomically.

        Raises:
            StorageError: the database failed (nothing is stored).
        """
        c = verification_cursors.c
        rows = [
            (
                chain_id,
                t.log.contract,
                t.log.block_number,
                t.log.log_index,
                t.log.block_hash,
                t.block_time,
                t.log.tx_hash,
                t.kind,
                t.log.sender,
                t.log.receiver,
                str(t.log.value),
            )
            for t in transfers
        ]
        with write_transaction(self.engine) as conn:
            if rows:
                # Plain values only: the driver's executemany (a scan stores 10^4-10^5 rows).
                mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
                columns = ", ".join(_TRANSFER_COLUMNS)
                placeholders = ", ".join([mark] * len(_TRANSFER_COLUMNS))
                conn.exec_driver_sql(
                    f"INSERT INTO verification_transfers ({columns}) VALUES ({placeholders})",  # noqa: S608 - fixed names
                    rows,
                )
            for start in range(0, len(contracts), 500):
                conn.execute(
                    update(verification_cursors)
                    .where(
                        and_(c.chain_id == chain_id, c.contract.in_(contracts[start : start + 500]))
                    )
                    .values(scanned_to=scanned_to, scanned_hash=scanned_hash, updated_at=now)
                )

    def rollback(
        self,
        chain_id: int,
        contract: str,
        *,
        to_block: int | None,
        block_hash: str | None,
        now: str,
    ) -> int:
        """Undo a reorg: forget the transfers above ``to_block`` (None: all) and move the cursor
        back to it; returns how many transfers were forgotten.

        Raises:
            StorageError: the database failed.
        """
        t = verification_transfers.c
        c = verification_cursors.c
        where = and_(t.chain_id == chain_id, t.contract == contract)
        if to_block is not None:
            where = and_(where, t.block_number > to_block)
        with write_transaction(self.engine) as conn:
            removed = conn.execute(delete(verification_transfers).where(where)).rowcount or 0
            conn.execute(
                update(verification_cursors)
                .where(and_(c.chain_id == chain_id, c.contract == contract))
                .values(scanned_to=to_block, scanned_hash=block_hash, updated_at=now)
            )
        return int(removed)

    def transfers(self, chain_id: int, contract: str, *, up_to: int) -> list[StoredTransfer]:
        """Every stored transfer of ``contract`` in blocks ``<= up_to``, in chain order.

        Raises:
            StorageError: the database failed.
        """
        t = verification_transfers.c
        with read_transaction(self.engine) as conn:
            rows = conn.execute(
                select(verification_transfers)
                .where(
                    and_(t.chain_id == chain_id, t.contract == contract, t.block_number <= up_to)
                )
                .order_by(t.block_number, t.log_index)
            ).all()
        return [
            StoredTransfer(
                kind=row.kind,
                block_time=row.block_time,
                log=TransferLog(
                    contract=row.contract,
                    block_number=row.block_number,
                    block_hash=row.block_hash,
                    tx_hash=row.tx_hash,
                    log_index=row.log_index,
                    sender=row.sender,
                    receiver=row.receiver,
                    value=int(row.value),
                ),
            )
            for row in rows
        ]

    def known_blocks(self, chain_id: int, contract: str) -> list[tuple[int, str]]:
        """The (number, hash) of every block holding a stored transfer, newest first.

        Raises:
            StorageError: the database failed.
        """
        t = verification_transfers.c
        with read_transaction(self.engine) as conn:
            rows = conn.execute(
                select(t.block_number, t.block_hash)
                .where(and_(t.chain_id == chain_id, t.contract == contract))
                .distinct()
                .order_by(t.block_number.desc())
            ).all()
        return [(int(r.block_number), str(r.block_hash)) for r in rows]

    # filed sources ----------------------------------------------------------------------
    def put_source(
        self, *, sha256: str, compiler: str, contract: str, standard_json: str, now: str
    ) -> None:
        """Keep a filed source (once per digest, compiler and contract).

        Raises:
            StorageError: the database failed.
        """
        if self.source(sha256=sha256, compiler=compiler, contract=contract) is not None:
            return
        with write_transaction(self.engine) as conn:
            conn.execute(
                insert(verification_sources).values(
                    sha256=sha256,
                    compiler=compiler,
                    contract=contract,
                    standard_json=standard_json,
                    filed_at=now,
                )
            )

    def source(self, *, sha256: str, compiler: str, contract: str) -> SourceRecord | None:
        """A filed source, if kept.

        Raises:
            StorageError: the database failed.
        """
        s = verification_sources.c
        with read_transaction(self.engine) as conn:
            row = conn.execute(
                select(verification_sources).where(
                    and_(s.sha256 == sha256, s.compiler == compiler, s.contract == contract)
                )
            ).first()
        if row is None:
            return None
        return SourceRecord(
            sha256=row.sha256,
            compiler=row.compiler,
            contract=row.contract,
            standard_json=row.standard_json,
            compiled_with=row.compiled_with,
            runtime_code=row.runtime_code,
            immutables=row.immutables,
            compile_error=row.compile_error,
        )

    def save_compilation(
        self,
        *,
        sha256: str,
        compiler: str,
        contract: str,
        compiled_with: str | None,
        runtime_code: str | None,
        immutables: str | None,
        compile_error: str | None,
    ) -> None:
        """Remember a compilation's result (or its error) for the next runs.

        Raises:
            StorageError: the database failed.
        """
        s = verification_sources.c
        with write_transaction(self.engine) as conn:
            conn.execute(
                update(verification_sources)
                .where(and_(s.sha256 == sha256, s.compiler == compiler, s.contract == contract))
                .values(
                    compiled_with=compiled_with,
                    runtime_code=runtime_code,
                    immutables=immutables,
                    compile_error=compile_error,
                )
            )
