"""Entries: the kinds, the leaf encoding and its exact inverse."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifecycle_samples import APP, EMISSION_EVENT_KINDS, REGNO, at, emission_filing, sample_event
from pydantic import ValidationError
from verification_samples import VERIFICATION_KINDS, sample_verification

from node.domain.canonical import canonical_json
from node.domain.entries import (
    EMISSION_KINDS,
    ENTRY_FORMAT,
    ENTRY_TYPES,
    ISSUER_KINDS,
    MINER_KINDS,
    VASP_KINDS,
    CalendarCorrected,
    EmissionFeePaid,
    EmissionPartialBurn,
    EmissionRefused,
    EmissionResultsReported,
    Entry,
    IssuerLiquidated,
    IssuerNameReviewed,
    IssuerRegistered,
    IssuerReorganized,
    IssuerUpdated,
    RefusalGround,
    ReportPublished,
    decode_entry,
    encode_entry,
    entry_subject,
    field_path,
)
from node.domain.filings import application_entry, event_entry
from node.errors import RuleViolation

KINDS = [
    "issuer.registered",
    "issuer.updated",
    "issuer.reorganized",
    "issuer.liquidated",
    "issuer.name_reviewed",
    "emission.applied",
    "emission.registered",
    "emission.refused",
    "emission.whitepaper_amendment_requested",
    "emission.whitepaper_amended",
    "emission.offer_disclosed",
    "emission.placement_started",
    "emission.placement_ended",
    "emission.results_reported",
    "emission.recognized_successful",
    "emission.recognized_failed",
    "emission.suspended",
    "emission.resumed",
    "emission.declared_failed",
    "emission.invalidated",
    "emission.partial_burn",
    "emission.unplaced_cancelled",
    "emission.cancelled",
    "emission.cancellation_notified",
    "emission.cancellation_published",
    "emission.fee_paid",
    "emission.quarter_reported",
    "emission.proceeds_returned",
    "emission.recognition_notified",
    "emission.results_disclosed",
    "emission.cancellation_prenotified",
    "emission.collateral_reappraised",
    "emission.remedy_requested",
    "emission.documents_amended",
    "emission.name_reviewed",
    *VERIFICATION_KINDS,
    *MINER_KINDS,
    *VASP_KINDS,
    "calendar.corrected",
    "report.published",
]
ON = date(2026, 9, 1)


def report_entry() -> Entry:
    return ReportPublished(
        recorded_at=at(ON),
        effective_on=ON,
        report="supply",
        size=12,
        sha256="ab" * 32,
        length=345,
        media_type="text/csv; charset=utf-8",
        recorded_by="Asel Asanova",
    )


def calendar_entry() -> Entry:
    return CalendarCorrected(
        recorded_at=at(ON),
        effective_on=ON,
        basis={  # type: ignore[arg-type]
            "type": "government_decree",
            "number": "512",
            "date": ON,
            "issued_by": "Cabinet of Ministers",
        },
        days=(  # type: ignore[arg-type]
            {"day": date(2026, 12, 26), "becomes": "working_day"},
            {"day": date(2026, 12, 31), "becomes": "day_off"},
        ),
    )


def issuer_entries() -> list[Entry]:
    base: dict[str, Any] = {"issuer": "A001", "recorded_at": at(ON), "effective_on": ON}
    return [
        IssuerRegistered(
            **base,
            name="Ala-Too LLC",
            issuer_kind="legal_entity",  # type: ignore[arg-type]
            legal_form="LLC",
            legal_address="Bishkek",
            region="bishkek",  # type: ignore[arg-type]
            legal_registration={  # type: ignore[arg-type]
                "number": "1",
                "registered_on": date(2020, 1, 1),
                "authority": "MoJ",
            },
            founders_commitment="ab" * 32,
        ),
        IssuerUpdated(**base, legal_address="Osh, Lenin 1"),
        IssuerReorganized(**base, successor="B002"),
        IssuerLiquidated(
            **base,
            basis={  # type: ignore[arg-type]
                "type": "termination_record",
                "number": "5",
                "date": ON,
                "issued_by": "Ministry of Justice",
            },
        ),
        IssuerNameReviewed(
            **{
                **base,
                "basis": {
                    "type": "authority_decision",
                    "number": "9",
                    "date": ON,
                    "issued_by": "Authority",
                },
            },
            decision="accepted",
        ),
    ]


def one_of_each() -> list[Entry]:
    applied = application_entry(emission_filing(), application_no=APP, recorded_at=at(ON))
    events = [sample_event(k, ON, REGNO) for k in EMISSION_EVENT_KINDS]
    checks = [sample_verification(k, ON, REGNO) for k in VERIFICATION_KINDS]
    from tests.unit.domain.test_vasps import vasp_entries

    return [
        *issuer_entries(),
        applied,
        *events,
        *checks,
        *miner_entries(),
        *vasp_entries(ON),
        calendar_entry(),
        report_entry(),
    ]


def miner_entries() -> list[Entry]:
    from tests.unit.domain.test_miners import DECISION, registered
    from tests.unit.domain.test_miners import event as miner_event

    return [
        registered(on=ON),
        miner_event("updated", ON, name="Ala-Too Hash 2"),
        miner_event("suspended", ON, reason="x", basis=DECISION),
        miner_event("resumed", ON, basis=DECISION),
        miner_event("terminated", ON, by="miner", reason="closing", basis=DECISION),
        miner_event("info_requested", ON, request_no="R-1", subject="s", due=ON),
        miner_event("info_provided", ON, request_no="R-1"),
    ]


def test_the_kinds() -> None:
    assert sorted(ENTRY_TYPES) == sorted(KINDS)
    assert {k for k in KINDS if k.startswith("issuer.")} == ISSUER_KINDS
    assert {k for k in KINDS if k.startswith("emission.")} == EMISSION_KINDS
    assert sorted(e.kind for e in one_of_each()) == sorted(KINDS)


@pytest.mark.parametrize("entry", one_of_each(), ids=lambda e: e.kind)
def test_round_trip_of_every_kind(entry: Entry) -> None:
    data = encode_entry(entry)
    back = decode_entry(data)
    assert back == entry and type(back) is type(entry)
    assert encode_entry(back) == data
    parsed = json.loads(data)
    assert parsed["format"] == ENTRY_FORMAT and parsed["kind"] == entry.kind
    assert parsed["recorded_at"] == "2026-09-01T06:00:00Z"


def _numbers(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return [value] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


@pytest.mark.parametrize("entry", one_of_each(), ids=lambda e: e.kind)
def test_no_json_numbers_in_leaves(entry: Entry) -> None:
    # quantities and amounts are strings: RFC 8785 limits integers, floats are forbidden
    assert _numbers(json.loads(encode_entry(entry))) == []


def test_applied_leaf_holds_amounts_as_strings() -> None:
    applied = application_entry(emission_filing(), application_no=APP, recorded_at=at(ON))
    parsed = json.loads(encode_entry(applied))
    assert parsed["quantity"] == "1000000" and parsed["nominal_value"] == "10.00"
    assert parsed["collateral"][0]["assessed_value"] == "10000000.00"
    assert parsed["fee_paid"] == "200.00" and parsed["emission"] == APP


quantities = st.integers(min_value=1, max_value=10**36)
amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal(10**30), places=2, allow_nan=False
)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
instants = st.datetimes(
    min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30), timezones=st.just(UTC)
)
texts = st.text(min_size=0, max_size=40)


@settings(max_examples=60, deadline=None)
@given(
    amount=quantities,
    when=instants,
    on=days,
    hashes=st.lists(st.binary(min_size=32, max_size=32), max_size=3),
)
def test_round_trip_of_burns(amount: int, when: datetime, on: date, hashes: list[bytes]) -> None:
    entry = EmissionPartialBurn(
        emission=REGNO,
        recorded_at=when,
        effective_on=on,
        amount=amount,
        tx_hashes=tuple("0x" + h.hex() for h in hashes),
    )
    assert decode_entry(encode_entry(entry)) == entry


@settings(max_examples=60, deadline=None)
@given(
    placed=st.integers(min_value=0, max_value=10**30),
    prices=st.lists(amounts, max_size=3),
    proceeds=amounts,
    pct=st.decimals(min_value=0, max_value=100, places=2),
    start=days,
)
def test_round_trip_of_reports(
    placed: int, prices: list[Decimal], proceeds: Decimal, pct: Decimal, start: date
) -> None:
    entry = EmissionResultsReported(
        emission=REGNO,
        recorded_at=at(ON),
        effective_on=ON,
        actual_start=start,
        actual_end=start + timedelta(days=3),
        placed=placed,
        prices=tuple(prices),
        proceeds=proceeds,
        share_placed_pct=pct,
    )
    assert decode_entry(encode_entry(entry)) == entry


@settings(max_examples=60, deadline=None)
@given(amount=amounts, reason=texts, quarter=st.none() | days)
def test_round_trip_of_fees_and_free_text(
    amount: Decimal, reason: str, quarter: date | None
) -> None:
    entry = EmissionFeePaid(
        emission=APP, recorded_at=at(ON), effective_on=ON, amount=amount, quarter_end=quarter
    )
    assert decode_entry(encode_entry(entry)) == entry
    refused = EmissionRefused(
        emission=APP,
        recorded_at=at(ON),
        effective_on=ON,
        grounds=(RefusalGround.FEES_UNPAID,),
        reason=reason,
    )
    assert decode_entry(encode_entry(refused)) == refused


def test_recorded_at_must_be_aware_and_is_kept_in_utc() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        EmissionFeePaid(
            emission=APP, recorded_at=datetime(2026, 1, 1), effective_on=ON, amount=Decimal(1)
        )
    bishkek = timezone(timedelta(hours=6))
    entry = EmissionFeePaid(
        emission=APP,
        recorded_at=datetime(2026, 1, 1, 12, tzinfo=bishkek),
        effective_on=ON,
        amount=Decimal(1),
    )
    assert entry.recorded_at == datetime(2026, 1, 1, 6, tzinfo=UTC)
    assert entry.recorded_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("value", "ok"),
    [("12", True), (12, True), ("012", False), ("-1", False), (1.0, False), (True, False)],
)
def test_quantities_are_integers_or_digit_strings(value: Any, ok: bool) -> None:
    make = lambda: EmissionPartialBurn(  # noqa: E731
        emission=REGNO, recorded_at=at(ON), effective_on=ON, amount=value
    )
    if ok:
        assert make().amount == 12
    else:
        with pytest.raises(ValidationError):
            make()


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1.50", True),
        ("1.5", True),
        (Decimal("1.5"), True),
        ("1e3", False),
        (1.5, False),
        ("NaN", False),
        ("-1", False),
        ("0", False),
    ],
)
def test_amounts_are_plain_decimal_strings(value: Any, ok: bool) -> None:
    make = lambda: EmissionFeePaid(  # noqa: E731
        emission=REGNO, recorded_at=at(ON), effective_on=ON, amount=value
    )
    if ok:
        assert make().amount == Decimal("1.5")
    else:
        with pytest.raises(ValidationError):
            make()


def _leaf(**changes: Any) -> bytes:
    body = json.loads(encode_entry(sample_event("emission.partial_burn", ON, REGNO)))
    body.update(changes)
    return canonical_json({k: v for k, v in body.items() if v is not None})


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (b"[1,2]", "entry"),
        (_leaf(format=None), "format"),
        (_leaf(format="tamga.entry.v0"), "format"),
        (_leaf(kind="emission.exploded"), "kind"),
        (_leaf(kind=None), "kind"),
        (_leaf(amount="1.5"), "amount"),
        (_leaf(extra="x"), "extra"),
        (
            _leaf(basis={"type": "rumour", "number": "1", "date": "2026-09-01", "issued_by": "x"}),
            "basis.type",
        ),
        (_leaf(recorded_at="2026-09-01T06:00:00"), "recorded_at"),
        (_leaf(tx_hashes=["0x12"]), "tx_hashes[0]"),
    ],
)
def test_decode_errors_name_the_field(data: bytes, field: str) -> None:
    with pytest.raises(RuleViolation) as err:
        decode_entry(data)
    assert (err.value.field, err.value.rule, err.value.paragraph) == (
        field,
        "entry-format",
        "docs/export-format.md",
    )


@pytest.mark.parametrize(
    ("data", "field", "rule", "paragraph"),
    [
        (b"\xff\xfe", "entry", "json-encoding", "RFC 8785 §3.2.4"),
        (b"{not json", "entry", "json-syntax", "RFC 8259 §2"),
        (b"[1, 2]", "entry", "json-not-canonical", "RFC 8785 §3.2.1"),
        (
            _leaf()[:-1] + b',"kind":"emission.fee_paid"}',
            "kind",
            "json-duplicate-member",
            "RFC 7493 §2.3; RFC 8785 §3.1",
        ),
        (
            json.dumps(json.loads(_leaf())).encode(),
            "entry",
            "json-not-canonical",
            "RFC 8785 §3.2.1",
        ),
    ],
)
def test_a_leaf_that_is_not_canonical_json_is_refused(
    data: bytes, field: str, rule: str, paragraph: str
) -> None:
    with pytest.raises(RuleViolation) as err:
        decode_entry(data)
    assert (err.value.field, err.value.rule, err.value.paragraph) == (field, rule, paragraph)


def test_nested_errors_name_the_path() -> None:
    applied = application_entry(emission_filing(), application_no=APP, recorded_at=at(ON))
    body = json.loads(encode_entry(applied))
    body["collateral"][0]["kind"] = "bitcoin"
    with pytest.raises(RuleViolation) as err:
        decode_entry(canonical_json(body))
    assert err.value.field == "collateral[0].kind"
    body["collateral"][0]["kind"] = "cash"
    body["emission"] = "KG0201A0011"  # an application is named by its application number
    with pytest.raises(RuleViolation) as err:
        decode_entry(canonical_json(body))
    assert err.value.field == "emission"


def test_entry_subject() -> None:
    subjects = {e.kind: entry_subject(e) for e in one_of_each()}
    assert subjects["issuer.reorganized"] == ("issuer", "A001")
    assert subjects["emission.applied"] == ("emission", APP)
    assert subjects["emission.cancelled"] == ("emission", REGNO)
    assert {s[0] for k, s in subjects.items() if k.startswith("emission.")} == {"emission"}
    assert subjects["calendar.corrected"] == ("calendar", "calendar")
    assert subjects["report.published"] == ("report", "report")


def test_recorded_by_is_absent_from_the_leaf_unless_given() -> None:
    """Entries written before ``recorded_by`` (and a finding's ``note``) existed keep their
    exact bytes: the members are left out, not written as null."""
    event = sample_event("emission.fee_paid", ON, REGNO)
    leaf = encode_entry(event)
    assert b"recorded_by" not in leaf and b"null" in leaf  # other absent members stay null
    signed = event.model_copy(update={"recorded_by": "Asel Asanova"})
    signed_leaf = encode_entry(signed)
    assert b'"recorded_by":"Asel Asanova"' in signed_leaf
    assert decode_entry(signed_leaf) == signed
    assert decode_entry(leaf).recorded_by is None
    # a blank or padded name is refused
    body = json.loads(signed_leaf)
    body["recorded_by"] = " Asel"
    with pytest.raises(RuleViolation) as err:
        decode_entry(canonical_json(body))
    assert err.value.field == "recorded_by"
    # null written explicitly is another leaf for the same entry: refused
    body["recorded_by"] = None
    with pytest.raises(RuleViolation) as err:
        decode_entry(canonical_json(body))
    assert err.value.rule == "entry-format"


def test_entries_are_frozen() -> None:
    entry = sample_event("emission.fee_paid", ON, REGNO)
    with pytest.raises(ValidationError):
        entry.effective_on = date(2020, 1, 1)  # type: ignore[misc]


def test_field_path_names_every_member_unambiguously() -> None:
    assert field_path(["filing", "founders", 0, "name"]) == "filing.founders[0].name"
    assert field_path([]) == ""
    assert field_path([""]) == '[""]'
    assert field_path(["filing", ""]) == 'filing[""]'
    assert field_path(["data", "a.b", "c d", 'q"']) == 'data["a.b"]["c d"]["q\\""]'
    assert field_path(["кол", "x-y"]) == '["кол"].x-y'


def test_a_fee_paid_in_som_with_its_rate_round_trips() -> None:
    rate = {"basis": "exchange_quote", "som_per_unit": "12.5", "source": "X", "quoted_on": ON}
    entry = event_entry(
        "emission.fee_paid",
        emission=REGNO,
        data={"paid_som": "250.00", "rate": rate, "quarter_end": date(2026, 6, 30)},
        recorded_at=at(ON),
        effective_on=ON,
    )
    data = encode_entry(entry)
    assert decode_entry(data) == entry and encode_entry(decode_entry(data)) == data
    body = json.loads(data)
    assert body["amount"] is None and body["rate"]["som_per_unit"] == "12.5"
