"""Issuer services: registration, events, reads, and the founders checked against the log."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from node.domain.model import IssuerStatus
from node.errors import NotFound, RuleViolation, VerificationError
from node.ledger.db import write_transaction
from node.ledger.schema import private_values
from node.services import issuers
from node.services.database import Database
from tests.unit.domain.lifecycle_samples import issuer_filing


def _register(db: Database) -> str:
    return issuers.register_issuer(db, filing=issuer_filing(), effective_on=date(2026, 2, 2)).code


def test_register_and_read(db: Database) -> None:
    written = issuers.register_issuer(db, filing=issuer_filing())
    assert (written.kind, written.index, written.size) == ("issuer.registered", 0, 1)
    assert written.issuer.code == written.code
    assert written.issuer.registered_on == date(2026, 3, 20)  # today by the injected clock
    state, emissions = issuers.issuer(db, code=written.code)
    assert state == written.issuer and emissions == []
    assert [i.code for i in issuers.issuers(db)] == [written.code]
    with pytest.raises(NotFound):
        issuers.issuer(db, code="ZZZZ")


def test_issuer_event_accepts_the_short_kind(db: Database) -> None:
    code = _register(db)
    written = issuers.record_issuer_event(
        db,
        code=code,
        kind="liquidated",
        data={
            "basis": {
                "type": "termination_record",
                "number": "T-1",
                "date": "2026-03-19",
                "issued_by": "Ministry of Justice",
            }
        },
        effective_on=date(2026, 3, 19),
    )
    assert (written.kind, written.index, written.size) == ("issuer.liquidated", 1, 2)
    assert written.issuer.status is IssuerStatus.LIQUIDATED


def test_issuer_event_of_an_unknown_issuer_or_kind(db: Database) -> None:
    code = _register(db)
    with pytest.raises(NotFound):
        issuers.record_issuer_event(db, code="ZZZZ", kind="updated", data={})
    with pytest.raises(RuleViolation) as caught:
        issuers.record_issuer_event(db, code=code, kind="vanished", data={})
    assert caught.value.rule == "unknown-kind"
    assert db.ledger.head()[0] == 1


def test_founders_are_checked_against_the_log(db: Database) -> None:
    code = _register(db)
    found = issuers.founders(db, code=code)
    assert [f["name"] for f in found.founders] == [f.name for f in issuer_filing().founders]
    assert (found.entry_index, found.tree_size) == (0, 1)
    assert found.root == db.ledger.head()[1]
    assert found.commitment == db.ledger.issuer(code).founders_commitment


def _tamper(db: Database, **values: object) -> None:
    with write_transaction(db.engine) as conn:
        conn.execute(update(private_values).values(**values))


def test_founders_with_a_changed_value_fail(db: Database) -> None:
    code = _register(db)
    _tamper(db, value='[{"name":"Someone Else"}]')
    with pytest.raises(VerificationError, match="commitment does not match"):
        issuers.founders(db, code=code)


def test_founders_with_a_changed_salt_fail(db: Database) -> None:
    code = _register(db)
    _tamper(db, salt=b"\x01" * 32)
    with pytest.raises(VerificationError) as caught:
        issuers.founders(db, code=code)
    assert caught.value.expected == db.ledger.issuer(code).founders_commitment


def test_founders_attached_to_another_entry_fail(db: Database) -> None:
    code = _register(db)
    second = _register(db)
    _tamper(db, entry_idx=0)  # both values now point at the first issuer's entry
    issuers.founders(db, code=code)
    with pytest.raises(VerificationError, match="not attached"):
        issuers.founders(db, code=second)


def test_founders_value_that_is_not_json_fails(db: Database) -> None:
    code = _register(db)
    _tamper(db, value="{not json")
    with pytest.raises(VerificationError, match="cannot be committed"):
        issuers.founders(db, code=code)


def test_founders_of_an_unknown_issuer(db: Database) -> None:
    with pytest.raises(NotFound):
        issuers.founders(db, code="ZZZZ")
