"""The register of miners on the same log (issue 17): certificates allocated in the transaction,
the projection, one state root over emissions and miners, state proofs, check and rebuild.
Every backend."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from node.domain.calendar import kyrgyz_calendar
from node.domain.filings import miner_event_entry, parse_miner_filing
from node.domain.miners import MinerStatus
from node.errors import NotFound, RuleViolation, VerificationError
from node.ledger.check import check_ledger
from node.ledger.rebuild import rebuild_projection
from node.ledger.service import Ledger
from node.state import verify_state_proof
from tests.support.scenario import open_ledger, populate
from tests.unit.domain.test_miners import DECISION, filing

CAL = kyrgyz_calendar()
ON = date(2026, 11, 10)


@pytest.fixture
def ledger(database_url: str) -> Any:
    led = open_ledger(database_url)
    yield led
    led.close()


def register(ledger: Ledger, **changes: Any) -> str:
    cert, _ = ledger.register_miner(parse_miner_filing(filing(**changes)), effective_on=ON)
    return cert


class TestMinersOnTheLedger:
    def test_certificates_are_allocated_in_order_and_never_reused(self, ledger: Ledger) -> None:
        first = register(ledger)
        osh = filing()["sites"][0] | {"region": "osh_city"}
        second = register(ledger, name="Osh Hash", sites=[osh])
        assert (first, second) == ("MN-2-000001", "MN-9-000002")
        assert [m.certificate for m in ledger.miners()] == [first, second]
        with pytest.raises(RuleViolation) as caught:
            register(ledger, no_hidden_mining=False)
        assert caught.value.rule == "hidden-mining-declaration"
        assert register(ledger, name="Talas Hash") == "MN-2-000003"  # the refusal used no number
        with pytest.raises(NotFound):
            ledger.miner("MN-2-000099")

    def test_one_state_root_covers_emissions_and_miners(self, ledger: Ledger) -> None:
        populate(ledger)
        cert = register(ledger)
        ledger.cut_checkpoint()
        suspended = miner_event_entry(
            "miner.suspended",
            miner=cert,
            data={"reason": "inspection", "basis": DECISION},
            recorded_at=ledger.clock.now(),
            effective_on=ledger.clock.now().date(),
        )
        ledger.append([suspended])
        checkpoint = ledger.cut_checkpoint().checkpoint
        proof = ledger.state_proof(cert)
        assert proof.record["status"] == MinerStatus.SUSPENDED.value
        verify_state_proof(
            proof, state_root_=checkpoint.state_root, state_size=checkpoint.state_size
        )
        earlier = ledger.state_proof(cert, checkpoint_size=ledger.checkpoints()[0].size)
        assert earlier.record["status"] == "active"
        assert checkpoint.state_size == 2  # the emission and the miner
        history = [e.kind for _, e in ledger.history(cert)]
        assert history == ["miner.registered", "miner.suspended"]
        report = check_ledger(ledger.store, calendar=CAL)
        assert report.subjects == 1

    def test_rebuild_restores_miners_and_check_catches_a_changed_row(self, ledger: Ledger) -> None:
        cert = register(ledger)
        ledger.cut_checkpoint()
        with ledger.store.read() as reader:
            before = reader.subject_rows()
        rebuild_projection(ledger.store, calendar=CAL)
        with ledger.store.read() as reader:
            assert reader.subject_rows() == before
        with ledger.store.engine.begin() as conn:
            conn.execute(
                text("UPDATE subjects SET status = 'terminated' WHERE key = :c"), {"c": cert}
            )
        with pytest.raises(VerificationError, match="miner"):
            check_ledger(ledger.store, calendar=CAL)
