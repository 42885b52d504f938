"""Drive a real Ledger through the sample filings and lifecycle (shared by ledger tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from node.clock import FixedClock
from node.domain.calendar import kyrgyz_calendar
from node.ledger.service import Ledger
from node.ledger.store import SqlLedgerStore
from tests.unit.domain.lifecycle_samples import emission_filing, happy_path, issuer_filing

SIGNER_KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


ORIGIN = "test.tamga/register"
"""The origin of every ledger ``open_ledger`` makes (and so of its checkpoints)."""


def signer() -> LocalAccount:
    """The test node key."""
    account: LocalAccount = Account.from_key(SIGNER_KEY)
    return account


def open_ledger(url: str, *, clock: FixedClock | None = None, salt_start: int = 1) -> Ledger:
    """A fresh, migrated ledger at ``url`` with a deterministic salt source.

    Two ledger objects writing to one database need different ``salt_start`` values, or their
    salts (and so the founders' commitments, Reg. §66) collide.
    """
    counter = iter(range(salt_start, salt_start + 1_000_000))
    ledger = Ledger(
        store=SqlLedgerStore.from_url(url),
        clock=clock or FixedClock(NOW),
        origin=ORIGIN,
        calendar=kyrgyz_calendar(),
        signer=signer(),
        random_bytes=lambda n: next(counter).to_bytes(n, "big"),
    )
    ledger.initialize()
    return ledger


def populate(ledger: Ledger, *, until: str = "recognized_successful") -> tuple[str, str]:
    """Register the sample issuer and walk its digital-token emission to event ``until``.

    Returns (issuer code, emission key: regno once registered).
    """
    code, _ = ledger.register_issuer(issuer_filing(), effective_on=date(2026, 2, 2))
    app, _ = ledger.file_application(emission_filing(issuer=code))
    key = app
    for kind, on, data in happy_path():
        payload: dict[str, Any] = {k: v for k, v in data.items() if k != "regno"}
        ledger.record_event(kind=f"emission.{kind}", emission=key, data=payload, effective_on=on)
        key = ledger.emission(app).regno or app
        if kind == until:
            break
    return code, key
