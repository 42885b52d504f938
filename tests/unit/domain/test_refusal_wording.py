"""Every refusal: one line, the field as the user wrote it, the rule, the paragraph, in the
register's words (no "Value error, …", "Input should be …", no raw Decimal(…))."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from node.domain.filings import event_entry, parse_emission_filing, parse_issuer_filing
from node.errors import RuleViolation
from tests.unit.domain.lifecycle_samples import (
    MemoryRegister,
    apply_for,
    at,
    load,
    register_issuer,
)

LEAKS = (
    "Value error",
    "Input should",
    "Field required",
    "Extra inputs",
    "Decimal(",
    "String should",
)


def _emission(**changes: Any) -> RuleViolation:
    data = copy.deepcopy(load("emission-digital-token.yaml")) | changes
    with pytest.raises(RuleViolation) as caught:
        parse_emission_filing(data)
    return caught.value


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"symbl": "X"}, "symbl", "is not a field here; did you mean 'symbol'?"),
        ({"quantity": "abc"}, "quantity", "expected a non-negative integer"),
        (
            {"documents_filed_on": "2026-13-01"},
            "documents_filed_on",
            "must be a date written YYYY-MM-DD (month",
        ),
        ({"placement_start": "yesterday"}, "placement_start", "must be a date written YYYY-MM-DD"),
        ({"va_type": "coin"}, "va_type", "must be 'stablecoin' or 'digital_token'"),
        ({"name": "x" * 400}, "name", "must have at most 300 characters"),
    ],
)
def test_filing_refusals_read_plainly(changes: dict[str, Any], field: str, words: str) -> None:
    error = _emission(**changes)
    assert error.field == field and error.rule == "filing-field"
    assert words in error.message
    assert not any(leak in str(error) for leak in LEAKS), str(error)
    assert "\n" not in str(error)


def test_a_misspelt_nested_field_gets_a_hint() -> None:
    base = load("emission-digital-token.yaml")
    error = _emission(collateral=[{**base["collateral"][0], "asessed_value": "1"}])
    assert error.field == "collateral[0].asessed_value"
    assert "did you mean 'assessed_value'?" in error.message
    issuer = load("issuer-legal-entity.yaml") | {"foundrs": []}
    with pytest.raises(RuleViolation) as caught:
        parse_issuer_filing(issuer)
    assert caught.value.field == "foundrs" and "did you mean 'founders'?" in caught.value.message
    nothing_like = _emission(zzzzqq="1")
    assert "(the fields are: " in nothing_like.message and "symbol" in nothing_like.message


def test_a_missing_field_is_required() -> None:
    data = copy.deepcopy(load("emission-digital-token.yaml"))
    del data["symbol"]
    with pytest.raises(RuleViolation) as caught:
        parse_emission_filing(data)
    assert (caught.value.field, caught.value.message) == ("symbol", "is required")


def test_event_data_with_a_misspelt_field_names_the_field_meant() -> None:
    with pytest.raises(RuleViolation) as caught:
        event_entry(
            "emission.partial_burn",
            emission="KG0201A0011",
            data={"amont": "5"},
            recorded_at=at(date(2026, 9, 1)),
            effective_on=date(2026, 9, 1),
        )
    assert caught.value.field == "amont"
    assert "did you mean 'amount'?" in caught.value.message


def test_a_huge_issue_is_refused_under_the_field_written() -> None:
    reg = MemoryRegister()
    register_issuer(reg)
    with pytest.raises(RuleViolation) as caught:
        apply_for(reg, quantity=10**45)
    error = caught.value
    assert (error.field, error.rule, error.paragraph) == ("quantity", "emission-volume", "Reg. §26")
    assert not any(leak in str(error) for leak in LEAKS)
