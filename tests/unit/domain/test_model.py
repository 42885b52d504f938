"""State values: keys, exact arithmetic and the public record round trip."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lifecycle_samples import APP, REGNO, fresh

from node.domain.canonical import canonical_json
from node.domain.collateral import CollateralItem, CollateralKind
from node.domain.model import (
    AmendmentProposal,
    CancellationGround,
    Deadline,
    EmissionState,
    EmissionStatus,
    IssuerKind,
    IssuerState,
    IssuerStatus,
    LegalRegistration,
    WhitePaperRef,
    dec_str,
    total_nominal,
)
from node.domain.regno import Region, VAType


def _json_numbers(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _json_numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _json_numbers(v)]
    return [value] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


def _states_of_the_walk() -> list[EmissionState]:
    found = []
    for until in (None, "registered", "placement_started", "results_reported"):
        reg = fresh(until)
        found.extend(reg.emissions())
    return found


def test_round_trip_of_walked_states() -> None:
    for s in _states_of_the_walk():
        record = s.to_record()
        assert EmissionState.from_record(record) == s
        # the record is plain JSON: it survives canonical JSON and back unchanged
        assert EmissionState.from_record(json.loads(canonical_json(record))) == s
        assert _json_numbers(record) == []


def test_issuer_round_trip() -> None:
    reg = fresh("registered")
    for issuer in reg.issuers():
        record = issuer.to_record()
        assert IssuerState.from_record(json.loads(canonical_json(record))) == issuer
        assert record["serials_used"] == "1"
    individual = dataclasses.replace(
        reg.issuers()[0],
        kind=IssuerKind.INDIVIDUAL,
        legal_form=None,
        legal_registration=None,
        status=IssuerStatus.REORGANIZED,
        successor="B002",
    )
    assert IssuerState.from_record(individual.to_record()) == individual


def test_key_is_regno_once_registered() -> None:
    applied = fresh().emissions()[0]
    assert applied.key == APP
    registered = fresh("registered").emissions()[0]
    assert registered.key == REGNO and registered.application_no == APP


def test_total_nominal_is_exact() -> None:
    # far beyond the 28 digits of the default decimal context
    assert total_nominal(Decimal("1.000000000000000000000000001"), 10**20) == Decimal(
        "100000000000000000000.0000001"
    )
    s = fresh().emissions()[0]
    assert s.total_nominal == Decimal("10000000.00")


def test_dec_str_has_no_exponent() -> None:
    assert dec_str(Decimal("1E+3")) == "1000"
    assert dec_str(Decimal("0.000001")) == "0.000001"
    assert dec_str(Decimal("10.50")) == "10.50"


def test_derived_quantities() -> None:
    s = dataclasses.replace(
        fresh().emissions()[0], placed=700, quantity=1000, burned=100, unplaced_cancelled=200
    )
    assert (s.circulating, s.unplaced, s.fee_outstanding) == (600, 100, Decimal("800.00"))
    before_report = dataclasses.replace(s, placed=None)
    assert (before_report.circulating, before_report.unplaced) == (-100, 0)
    assert s.deadline("decision") == Deadline("decision", date(2026, 3, 31), "Reg. §10")
    assert s.deadline("nothing") is None


# ---- property: any state survives its record ---------------------------------------------

big = st.integers(min_value=0, max_value=10**36)
money = st.decimals(min_value=0, max_value=Decimal(10**30), places=2)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
words = st.text(min_size=1, max_size=30)
hexes = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
deadlines = st.builds(Deadline, name=words, due=days, rule=st.just("Reg. §30"))
papers = st.builds(WhitePaperRef, version=words, sha256=hexes, uri=words)
items = st.builds(
    CollateralItem,
    kind=st.sampled_from(CollateralKind),
    assessed_value=money,
    currency=st.just("KGS"),
    appraised_on=st.none() | days,
    registered_on=st.none() | days,
    registrar=st.none() | words,
    description=st.text(max_size=20),
)
proposals = st.builds(
    AmendmentProposal,
    requested_on=days,
    whitepaper=papers,
    quantity=st.none() | big,
    nominal_value=st.none() | money,
    placement_end=st.none() | days,
    summary=st.text(max_size=20),
)
states = st.builds(
    EmissionState,
    application_no=st.just(APP),
    regno=st.none() | st.just(REGNO),
    issuer=st.just("A001"),
    va_type=st.sampled_from(VAType),
    status=st.sampled_from(EmissionStatus),
    name=words,
    symbol=words,
    quantity=big,
    nominal_value=money,
    currency=st.just("USD"),
    placement_price=st.none() | money,
    pricing_method=st.none() | words,
    placement_start=days,
    placement_end=days,
    min_success_quantity=st.none() | big,
    blockchain=words,
    issuer_wallet=words,
    contract_address=words,
    whitepaper=papers,
    collateral=st.lists(items, max_size=3).map(tuple),
    collateral_manager=st.none() | words,
    documents_filed_on=days,
    status_since=days,
    last_event_on=days,
    fee_total=money,
    fee_paid=money,
    burned=big,
    unplaced_cancelled=big,
    placed=st.none() | big,
    proceeds=st.none() | money,
    registered_on=st.none() | days,
    offer_disclosed_on=st.none() | days,
    placement_earliest=st.none() | days,
    placement_started_on=st.none() | days,
    placement_ended_on=st.none() | days,
    reported_on=st.none() | days,
    suspended_from=st.none() | st.sampled_from(EmissionStatus),
    pending_amendment=st.none() | proposals,
    cancellation_ground=st.none() | st.sampled_from(CancellationGround),
    deadlines=st.lists(deadlines, max_size=3).map(tuple),
    missed=st.lists(deadlines, max_size=3).map(tuple),
)


@settings(max_examples=80, deadline=None)
@given(states)
def test_any_emission_state_round_trips(s: EmissionState) -> None:
    record = s.to_record()
    back = EmissionState.from_record(json.loads(canonical_json(record)))
    assert back == s
    assert back.to_record() == record
    assert _json_numbers(record) == []


@settings(max_examples=40, deadline=None)
@given(
    name=words,
    region=st.sampled_from(Region),
    status=st.sampled_from(IssuerStatus),
    serials=st.integers(min_value=0, max_value=99),
    reg=st.none() | st.builds(LegalRegistration, number=words, registered_on=days, authority=words),
)
def test_any_issuer_state_round_trips(
    name: str, region: Region, status: IssuerStatus, serials: int, reg: LegalRegistration | None
) -> None:
    issuer = IssuerState(
        code="A001",
        name=name,
        region=region,
        status=status,
        serials_used=serials,
        kind=IssuerKind.LEGAL_ENTITY,
        legal_form="LLC",
        legal_address="Bishkek",
        legal_registration=reg,
        founders_commitment="ab" * 32,
        registered_on=date(2026, 1, 1),
        status_since=date(2026, 1, 2),
    )
    assert IssuerState.from_record(json.loads(canonical_json(issuer.to_record()))) == issuer
