"""Emission services: filing with or without the registration decision, events, reads."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from node.domain.model import EmissionStatus
from node.errors import NotFound, RuleViolation
from node.services import emissions, issuers
from node.services.database import Database
from tests.unit.domain.lifecycle_samples import issuer_filing, load

REGISTERED_ON = "2026-03-16"


def _issuer(db: Database) -> str:
    return issuers.register_issuer(db, filing=issuer_filing(), effective_on=date(2026, 2, 2)).code


def _filing(code: str, **changes: Any) -> dict[str, Any]:
    return {**load("emission-digital-token.yaml"), "issuer": code, **changes}


def _registration(on: str = REGISTERED_ON, **changes: Any) -> dict[str, Any]:
    return {
        "on": on,
        "document": {
            "type": "authority_decision",
            "number": "ВА-2026/070",
            "date": on,
            "issued_by": "Financial market regulator",
        },
        **changes,
    }


def test_submission_must_be_a_mapping() -> None:
    with pytest.raises(RuleViolation) as caught:
        emissions.parse_emission_submission(["not", "a", "filing"])
    assert (caught.value.field, caught.value.rule, caught.value.paragraph) == (
        "filing",
        "filing-field",
        "Reg. §9",
    )


def test_registration_section_errors_are_prefixed() -> None:
    data = _filing("A001", registration={"on": REGISTERED_ON})
    with pytest.raises(RuleViolation) as caught:
        emissions.parse_emission_submission(data)
    assert (caught.value.field, caught.value.rule, caught.value.paragraph) == (
        "registration.document",
        "filing-field",
        "Reg. §10, §57",
    )


def test_file_without_registration(db: Database) -> None:
    code = _issuer(db)
    submission = emissions.parse_emission_submission(_filing(code))
    written = emissions.submit_emission(db, submission=submission)
    assert (written.kind, written.index, written.size) == ("emission.applied", 1, 2)
    assert (written.application_no, written.regno) == ("APP-000001", None)
    assert written.emission.status is EmissionStatus.APPLIED
    assert written.issuer.code == code


def test_file_with_registration(db: Database) -> None:
    code = _issuer(db)
    data = _filing(code, registration=_registration(regno=f"KG0201{code}1"))
    written = emissions.submit_emission(db, submission=emissions.parse_emission_submission(data))
    assert (written.kind, written.index, written.size) == ("emission.registered", 1, 3)
    assert written.regno == f"KG0201{code}1"
    assert written.emission.registered_on == date(2026, 3, 16)
    assert written.issuer.serials_used == 1


def test_dry_run_refuses_before_writing(db: Database) -> None:
    code = _issuer(db)
    late = _filing(code, registration=_registration(on="2026-11-21"))  # after today (Reg. §63)
    with pytest.raises(RuleViolation) as caught:
        emissions.submit_emission(db, submission=emissions.parse_emission_submission(late))
    assert (caught.value.field, caught.value.rule) == ("effective_on", "effective-after-recording")
    wrong = _filing(code, registration=_registration(regno=f"KG0102{code}1"))
    with pytest.raises(RuleViolation) as numbered:
        emissions.submit_emission(db, submission=emissions.parse_emission_submission(wrong))
    assert (numbered.value.field, numbered.value.rule, numbered.value.paragraph) == (
        "registration.regno",
        "regno-serial-order",
        "Reg. §68(в)",
    )
    assert db.ledger.head()[0] == 1


def test_registration_needs_a_known_issuer(db: Database) -> None:
    data = _filing("ZZ99", registration=_registration())
    with pytest.raises(NotFound):
        emissions.submit_emission(db, submission=emissions.parse_emission_submission(data))
    assert db.ledger.head()[0] == 0


def test_events_get_the_next_number_and_default_to_today(db: Database) -> None:
    code = _issuer(db)
    filed = emissions.submit_emission(
        db, submission=emissions.parse_emission_submission(_filing(code))
    )
    basis = {"basis": _registration()["document"]}
    written = emissions.record_emission_event(
        db, key=filed.application_no, kind="registered", data=basis
    )
    assert (written.kind, written.index, written.size) == ("emission.registered", 2, 3)
    assert written.regno == f"KG0201{code}1"
    assert written.emission.registered_on == date(2026, 3, 20)  # today by the injected clock
    state, issuer = emissions.emission(db, key=f"KG0201{code}1")
    assert state == written.emission and issuer == written.issuer
    history = emissions.history(db, key=state.key)
    assert [e.kind for _, e in history] == ["emission.applied", "emission.registered"]


def test_event_errors(db: Database) -> None:
    code = _issuer(db)
    filed = emissions.submit_emission(
        db, submission=emissions.parse_emission_submission(_filing(code))
    )
    with pytest.raises(RuleViolation) as applied:
        emissions.record_emission_event(db, key=filed.application_no, kind="applied", data={})
    assert (applied.value.field, applied.value.rule) == ("kind", "unknown-kind")
    with pytest.raises(NotFound):
        emissions.record_emission_event(
            db, key="APP-000099", kind="registered", data={"basis": _registration()["document"]}
        )
    assert db.ledger.head()[0] == 2


def test_list_by_issuer_and_status(db: Database) -> None:
    code = _issuer(db)
    other = _issuer(db)
    for issuer_code in (code, other):
        emissions.submit_emission(
            db, submission=emissions.parse_emission_submission(_filing(issuer_code))
        )
    assert len(emissions.emissions(db)) == 2
    assert [e.issuer for e in emissions.emissions(db, issuer=other)] == [other]
    assert emissions.emissions(db, status=EmissionStatus.REGISTERED) == []
    assert len(emissions.emissions(db, status=EmissionStatus.APPLIED)) == 2
