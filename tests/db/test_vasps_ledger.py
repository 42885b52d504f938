"""Licences on the same log (issue 17): numbers allocated in the transaction, owners kept
private beside the log, one state root, "was X licensed on D for S" answered with a state proof
that verifies against the checkpoint; check and rebuild. Every backend."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from node.domain.calendar import kyrgyz_calendar
from node.domain.entries import VaspService
from node.domain.filings import parse_vasp_filing
from node.domain.privacy import verify_commitment
from node.errors import NotFound, RuleViolation
from node.ledger.check import check_ledger
from node.ledger.rebuild import rebuild_projection
from node.services import vasps
from node.services.database import Database
from node.state import verify_state_proof
from tests.support.scenario import open_ledger
from tests.unit.domain.test_vasps import DECISION, application

CAL = kyrgyz_calendar()
MINIMUM = Decimal("50000000")
OWNERS = [
    {
        "name": "Asel Toktogulova",
        "role": "founder",
        "identifier": "ID 7781123",
        "citizenship": "KG",
        "share_pct": "100",
        "address": "Bishkek, Chui 1",
    },
    {
        "name": "Bolot Asanov",
        "role": "manager",
        "identifier": "ID 5510001",
        "address": "Bishkek, Manas 2",
    },
]


@pytest.fixture
def db(database_url: str) -> Any:
    ledger = open_ledger(database_url)
    yield Database(ledger=ledger)
    ledger.close()


def apply(db: Database, **changes: Any) -> str:
    filing = parse_vasp_filing(
        json.loads(json.dumps({**application(**changes), "owners": OWNERS}, default=str))
    )
    written = vasps.apply_for_licence(
        db, filing=filing, minimum_charter_capital_som=MINIMUM, effective_on=date(2026, 11, 10)
    )
    return written.number


class TestLicencesOnTheLedger:
    def test_an_application_licensed_and_proved_from_the_checkpoint(self, db: Database) -> None:
        number = apply(db)
        assert number == "LIC-000001"
        licence = vasps.licence(db, number=number)
        # Law art. 29.2 item 2: the owners stay beside the log, behind their commitment
        kept = db.ledger.private_value(licence.owners_commitment)
        verify_commitment(licence.owners_commitment, json.loads(kept.value), kept.salt)
        assert "Toktogulova" not in json.dumps(licence.to_record())
        granted_on = date(2026, 11, 20)
        vasps.record_licence_event(
            db,
            number=number,
            kind="licence_granted",
            data={"basis": {**DECISION, "date": granted_on.isoformat()}},
            effective_on=granted_on,
        )
        checkpoint = db.ledger.cut_checkpoint().checkpoint
        answer = vasps.covered(db, number=number, service=VaspService.CUSTODY, on=granted_on)
        assert answer.covered
        verify_state_proof(
            answer.proof, state_root_=checkpoint.state_root, state_size=checkpoint.state_size
        )
        before = vasps.covered(
            db, number=number, service=VaspService.CUSTODY, on=date(2026, 11, 19)
        )
        assert not before.covered
        assert not vasps.covered(
            db, number=number, service=VaspService.TRANSFER, on=granted_on
        ).covered
        assert [lic.licence for lic in vasps.licences(db, service=VaspService.CUSTODY)] == [number]
        report = check_ledger(db.ledger.store, calendar=CAL)
        assert report.subjects == 1 and report.private_values == 1
        recorded = vasps.licence(db, number=number)
        rebuild_projection(db.ledger.store, calendar=CAL)
        assert vasps.licence(db, number=number) == recorded
        check_ledger(db.ledger.store, calendar=CAL)

    def test_refusals_and_unknown_numbers(self, db: Database) -> None:
        with pytest.raises(RuleViolation) as caught:
            apply(db, charter_capital_som="1000")
        assert caught.value.rule == "charter-capital-minimum"
        assert apply(db) == "LIC-000001"  # the refusal used no number
        with pytest.raises(NotFound):
            vasps.licence(db, number="LIC-000009")
        with pytest.raises(RuleViolation) as caught:
            vasps.record_licence_event(db, number="LIC-000001", kind="applied", data={})
        assert caught.value.rule == "unknown-kind"
