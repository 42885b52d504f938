"""The register of licensed service providers (Law art. 25-32, 37.3, 38): applications received
with what they lack, the month of review from complete documents, licences granted or refused,
measures of influence, revocation on its grounds, "was X licensed on D for S"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from node.domain.entries import ENTRY_ADAPTER, VaspApplied, decode_entry, encode_entry
from node.domain.register import MemoryRegister
from node.domain.vasps import (
    LicenceState,
    LicenceStatus,
    VaspService,
    add_months,
    licence_number,
)
from node.errors import RuleViolation
from tests.unit.domain.lifecycle_samples import CAL, at

NUMBER = "LIC-000001"
ON = date(2026, 11, 10)
DECISION = {"type": "authority_decision", "number": "L-1", "date": ON, "issued_by": "Authority"}
S = VaspService


def doc(title: str, *items: int) -> dict[str, Any]:
    return {"title": title, "sha256": f"{len(title):02x}" * 32, "items": list(items)}


ALL_DOCUMENTS = [
    doc("Platform description and server location", 1),
    doc("Identity of managers, founders and beneficial owners", 2),
    doc("Business plan, policies and procedures", 3),
    doc("State duty payment", 4),
    doc("Internal control and security measures", 5),
    doc("Personal data, consumer protection, continuity, cybersecurity rules", 6),
    doc("Charter capital statement", 7),
]


def application(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Tunduk Exchange",
        "legal_form": "open joint-stock company",
        "joint_stock_company": True,
        "crypto_exchange": True,
        "supervised_by_national_bank": False,
        "registration": {
            "number": "99101-3300-AO",
            "registered_on": date(2025, 1, 20),
            "authority": "Ministry of Justice",
        },
        "services": ["buy_sell", "exchange", "custody"],
        "charter_capital_som": "60000000.00",
        "state_duty_paid": "50000.00",
        "state_duty_document": {
            "type": "payment_document",
            "number": "PP-77",
            "date": date(2026, 11, 5),
            "issued_by": "Optima Bank",
        },
        "platform": "tunduk.kg, servers in Bishkek (Elcat data centre)",
        "documents": ALL_DOCUMENTS,
    }
    return {**data, **changes}


def applied(number: str = NUMBER, on: date = ON, **changes: Any) -> VaspApplied:
    return VaspApplied(
        licence=number,
        recorded_at=at(on),
        effective_on=on,
        owners_commitment="ab" * 32,
        minimum_charter_capital_som=Decimal("50000000.00"),
        **application(**changes),
    )


def event(kind: str, on: date = ON, number: str = NUMBER, **data: Any) -> Any:
    payload = {
        **data,
        "kind": f"vasp.{kind}",
        "licence": number,
        "recorded_at": at(on),
        "effective_on": on,
    }
    return ENTRY_ADAPTER.validate_python(payload)


def state(reg: MemoryRegister) -> LicenceState:
    found = reg.licence(NUMBER)
    assert found is not None
    return found


def refused(reg: MemoryRegister, entry: Any, rule: str) -> RuleViolation:
    before = reg.subjects()
    with pytest.raises(RuleViolation) as caught:
        reg.apply(entry, calendar=CAL)
    assert caught.value.rule == rule, caught.value
    assert reg.subjects() == before
    return caught.value


def licensed(on: date = date(2026, 11, 20)) -> MemoryRegister:
    reg = MemoryRegister()
    reg.apply(applied(), calendar=CAL)
    reg.apply(event("licence_granted", on, basis={**DECISION, "date": on}), calendar=CAL)
    return reg


def test_a_complete_application_is_reviewed_within_a_month_then_licensed() -> None:
    reg = MemoryRegister()
    reg.apply(applied(), calendar=CAL)
    received = state(reg)
    assert received.status is LicenceStatus.APPLIED and received.missing_items == frozenset()
    assert received.deadline_named("licence_review").due == date(2026, 12, 10)  # type: ignore[union-attr]
    refused(reg, event("licence_granted", date(2026, 11, 20)), "basis-required")
    granted_on = date(2026, 11, 20)
    reg.apply(
        event("licence_granted", granted_on, basis={**DECISION, "date": granted_on}), calendar=CAL
    )
    licence = state(reg)
    assert licence.status is LicenceStatus.LICENSED and licence.missed == ()
    assert licence.in_force == (S.BUY_SELL, S.EXCHANGE, S.CUSTODY)
    assert licence.covered(S.CUSTODY, granted_on) and not licence.covered(S.CUSTODY, ON)
    assert not licence.covered(S.TRANSFER, granted_on)  # never applied for
    # Law art. 31.2 item 1: the activity starts within 12 months
    assert licence.deadline_named("activity_start").due == date(2027, 11, 20)  # type: ignore[union-attr]
    assert LicenceState.from_record(licence.to_record()) == licence


def test_missing_documents_start_the_month_when_they_arrive() -> None:
    reg = MemoryRegister()
    reg.apply(applied(documents=ALL_DOCUMENTS[:5]), calendar=CAL)
    received = state(reg)
    assert received.missing_items == frozenset({6, 7})
    assert received.deadline_named("licence_review") is None  # the month has not started
    refused(
        reg,
        event("licence_granted", date(2026, 11, 20), basis=DECISION),
        "requirements-unmet",
    )
    arrived = date(2026, 12, 15)
    reg.apply(event("documents_supplemented", arrived, documents=ALL_DOCUMENTS[5:]), calendar=CAL)
    assert state(reg).deadline_named("licence_review").due == date(2027, 1, 15)  # type: ignore[union-attr]
    # decided late: the review is recorded as missed
    late = date(2027, 1, 18)
    reg.apply(event("licence_granted", late, basis={**DECISION, "date": late}), calendar=CAL)
    assert [d.name for d in state(reg).missed] == ["licence_review"]


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"name": "Kyrgyz Crypto Exchange"}, "name", "forbidden-word"),
        ({"joint_stock_company": False}, "joint_stock_company", "exchange-joint-stock"),
        (
            {"crypto_exchange": False, "supervised_by_national_bank": True},
            "services",
            "bank-payment-services",
        ),
        ({"charter_capital_som": "49999999.99"}, "charter_capital_som", "charter-capital-minimum"),
        ({"services": ["custody", "custody"]}, "services", "service-repeated"),
    ],
)
def test_an_application_that_cannot_be_received(
    changes: dict[str, Any], field: str, rule: str
) -> None:
    violation = refused(MemoryRegister(), applied(**changes), rule)
    assert violation.field == field


def test_a_bank_that_operates_exchange_may_buy_and_sell() -> None:
    reg = MemoryRegister()
    reg.apply(
        applied(crypto_exchange=False, supervised_by_national_bank=True, exchange_operator=True),
        calendar=CAL,
    )
    assert state(reg).status is LicenceStatus.APPLIED


def test_a_refusal_rests_on_a_decision_with_grounds() -> None:
    reg = MemoryRegister()
    reg.apply(applied(), calendar=CAL)
    reg.apply(
        event("licence_refused", ON, grounds="untrue documents", basis=DECISION), calendar=CAL
    )
    assert state(reg).status is LicenceStatus.REFUSED
    refused(reg, event("licence_granted", ON, basis=DECISION), "licence-status")


def test_measures_restrict_suspend_and_the_register_answers_by_date() -> None:
    reg = licensed()
    d1, d2, d3, d4 = date(2027, 1, 11), date(2027, 2, 1), date(2027, 3, 1), date(2027, 4, 1)
    reg.apply(
        event(
            "measure_applied",
            d1,
            measure="restriction",
            reason="AML findings",
            services=["exchange"],
            basis={**DECISION, "date": d1},
        ),
        calendar=CAL,
    )
    assert state(reg).in_force == (S.BUY_SELL, S.CUSTODY)
    reg.apply(
        event(
            "measure_applied",
            d2,
            measure="fine",
            reason="late report",
            fine_som="100000",
            basis={**DECISION, "date": d2},
        ),
        calendar=CAL,
    )
    reg.apply(
        event(
            "measure_applied",
            d3,
            measure="suspension",
            reason="inspection",
            basis={**DECISION, "date": d3},
        ),
        calendar=CAL,
    )
    assert state(reg).in_force == ()
    reg.apply(
        event("measure_lifted", d4, measure="suspension", basis={**DECISION, "date": d4}),
        calendar=CAL,
    )
    licence = state(reg)
    assert licence.fines_som == Decimal("100000.00") and licence.measures == 3
    assert licence.covered(S.EXCHANGE, date(2026, 12, 1))
    assert not licence.covered(S.EXCHANGE, date(2027, 1, 20))  # restricted from d1
    assert licence.covered(S.BUY_SELL, date(2027, 2, 15))
    assert not licence.covered(S.BUY_SELL, date(2027, 3, 15))  # suspended
    assert licence.covered(S.BUY_SELL, d4) and not licence.covered(S.EXCHANGE, d4)
    refused(
        reg,
        event(
            "measure_applied",
            d4,
            measure="restriction",
            reason="x",
            services=["transfer"],
            basis={**DECISION, "date": d4},
        ),
        "restriction-services",
    )


def test_revocation_on_not_starting_within_twelve_months() -> None:
    reg = licensed()
    early = date(2027, 6, 1)
    refused(
        reg,
        event("licence_revoked", early, ground="31.2.1", basis={**DECISION, "date": early}),
        "revocation-ground",
    )
    late = date(2027, 11, 22)
    reg.apply(
        event("licence_revoked", late, ground="31.2.1", basis={**DECISION, "date": late}),
        calendar=CAL,
    )
    licence = state(reg)
    assert licence.status is LicenceStatus.REVOKED and licence.revocation_ground == "31.2.1"
    assert licence.covered(S.CUSTODY, date(2027, 11, 21)) and not licence.covered(S.CUSTODY, late)


def test_activity_that_stops_for_more_than_six_months() -> None:
    reg = licensed()
    reg.apply(event("activity_reported", date(2027, 1, 11), activity="started"), calendar=CAL)
    reg.apply(event("activity_reported", date(2027, 3, 1), activity="stopped"), calendar=CAL)
    assert state(reg).deadline_named("activity_resume").due == date(2027, 9, 1)  # type: ignore[union-attr]
    refused(reg, event("activity_reported", date(2027, 3, 2), activity="stopped"), "activity-order")
    on = date(2027, 9, 2)
    reg.apply(
        event("licence_revoked", on, ground="31.2.1", basis={**DECISION, "date": on}), calendar=CAL
    )
    assert state(reg).status is LicenceStatus.REVOKED


def test_numbers_months_and_unknown_licences() -> None:
    assert licence_number(1) == "LIC-000001"
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    refused(
        MemoryRegister(), event("licence_refused", grounds="x", basis=DECISION), "unknown-licence"
    )
    reg = MemoryRegister()
    reg.apply(applied(), calendar=CAL)
    refused(reg, applied(), "licence-unique")


def vasp_entries(on: date = ON) -> list[Any]:
    """One entry of each kind, effective ``on`` (for tests/unit/domain/test_entries.py)."""
    basis = {**DECISION, "date": on}
    return [
        applied(on=on),
        event("documents_supplemented", on, documents=ALL_DOCUMENTS[:1]),
        event("licence_granted", on, basis=basis),
        event("licence_refused", on, grounds="x", basis=basis),
        event("activity_reported", on, activity="started"),
        event("measure_applied", on, measure="fine", reason="x", fine_som="1", basis=basis),
        event("measure_lifted", on, measure="suspension", basis=basis),
        event("licence_revoked", on, ground="31.1.1", basis=basis),
    ]


def test_vasp_entries_round_trip() -> None:
    for entry in vasp_entries():
        data = encode_entry(entry)
        assert decode_entry(data) == entry and encode_entry(decode_entry(data)) == data
