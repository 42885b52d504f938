"""Filings: parsing with clear errors, entries built from them, founders kept private."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest
from lifecycle_samples import (
    APP,
    CAL,
    SALT,
    at,
    emission_filing,
    ev,
    fresh,
    issuer_filing,
    load,
    walk,
)

from node.domain.entries import EmissionOfferDisclosed, encode_entry
from node.domain.filings import (
    application_entry,
    check_issuer_filing,
    event_entry,
    founders_record,
    issuer_entry,
    parse_emission_filing,
    parse_issuer_filing,
)
from node.domain.model import IssuerKind
from node.domain.privacy import commit, verify_commitment
from node.domain.register import MemoryRegister
from node.errors import RuleViolation

ON = date(2026, 2, 2)


def _fails(fn: Any, field: str, rule: str, paragraph: str) -> None:
    with pytest.raises(RuleViolation) as err:
        fn()
    assert (err.value.field, err.value.rule, err.value.paragraph) == (field, rule, paragraph)


def test_the_samples_parse() -> None:
    legal = issuer_filing()
    assert legal.issuer_kind is IssuerKind.LEGAL_ENTITY and len(legal.founders) == 2
    individual = parse_issuer_filing(load("issuer-individual.yaml"))
    assert individual.founders == () and individual.legal_registration is None
    token = emission_filing()
    assert token.quantity == 1_000_000 and token.collateral_manager is not None
    stable = emission_filing("emission-stablecoin.yaml")
    assert stable.placement_price is None and stable.pricing_method


@pytest.mark.parametrize(
    ("changes", "field", "paragraph"),
    [
        ({"quantity": 1000000.0}, "quantity", "Reg. §5.1"),
        ({"quantity": "0"}, "quantity", "Reg. §5.1"),
        ({"nominal_value": 10.5}, "nominal_value", "Reg. §5.2"),
        ({"currency": "som"}, "currency", "Reg. §1"),
        ({"blockchain": None}, "blockchain", "Reg. §5.5"),
        ({"issuer_wallet": "0x 11"}, "issuer_wallet", "Reg. §5.5"),
        ({"va_type": "nft"}, "va_type", "Annex 1 item 1"),
        (
            {"whitepaper": {"version": "1", "sha256": "XYZ", "uri": "u"}},
            "whitepaper.sha256",
            "Reg. §6",
        ),
        ({"fee_paid": "20,00"}, "fee_paid", "Reg. §28"),
        ({"surprise": 1}, "surprise", "Annex 1"),
    ],
)
def test_emission_filing_errors(changes: dict[str, Any], field: str, paragraph: str) -> None:
    data = {**load("emission-digital-token.yaml"), **changes}
    data = {k: v for k, v in data.items() if v is not None}
    _fails(lambda: parse_emission_filing(data), field, "filing-field", paragraph)


def test_nested_collateral_errors() -> None:
    data = load("emission-digital-token.yaml")
    data["collateral"][0]["kind"] = "bitcoin"
    _fails(
        lambda: parse_emission_filing(data), "collateral[0].kind", "filing-field", "Reg. §3-5, §5.6"
    )


@pytest.mark.parametrize(
    ("changes", "field", "paragraph"),
    [
        ({"region": "almaty"}, "region", "Annex 7"),
        ({"code": "a001"}, "code", "Reg. §68(г)"),
        ({"founders": [{"name": "X"}]}, "founders[0].kind", "Reg. §9.12, Annex 4-5"),
        ({"name": "  "}, "name", "Reg. §62"),
    ],
)
def test_issuer_filing_errors(changes: dict[str, Any], field: str, paragraph: str) -> None:
    data = {**load("issuer-legal-entity.yaml"), **changes}
    _fails(lambda: parse_issuer_filing(data), field, "filing-field", paragraph)


def test_issuer_filing_cross_checks() -> None:
    _fails(
        lambda: check_issuer_filing(issuer_filing(founders=[])),
        "founders",
        "founders-required",
        "Reg. §9.12, Annex 4-5",
    )
    founders = load("issuer-legal-entity.yaml")["founders"]
    _fails(
        lambda: check_issuer_filing(issuer_filing(issuer_kind="individual", founders=founders)),
        "founders",
        "founders-not-applicable",
        "Reg. §9.12",
    )
    founders[0]["share_pct"] = "60.01"
    _fails(
        lambda: check_issuer_filing(issuer_filing(founders=founders)),
        "founders",
        "founder-shares",
        "Annex 4 item 12",
    )
    check_issuer_filing(issuer_filing())


def test_issuer_entry() -> None:
    filing = issuer_filing(code="A001")
    commitment = commit(founders_record(filing), SALT)
    entry = issuer_entry(
        filing, code="A001", founders_commitment=commitment, recorded_at=at(ON), effective_on=ON
    )
    assert entry.issuer == "A001" and entry.founders_commitment == commitment
    assert entry.name == filing.name and entry.region is filing.region
    verify_commitment(entry.founders_commitment, founders_record(filing), SALT)
    _fails(
        lambda: issuer_entry(
            filing, code="B002", founders_commitment=commitment, recorded_at=at(ON), effective_on=ON
        ),
        "code",
        "requested-code",
        "Reg. §68(г)",
    )
    _fails(
        lambda: issuer_entry(
            issuer_filing(),
            code="A001",
            founders_commitment="zz",
            recorded_at=at(ON),
            effective_on=ON,
        ),
        "founders_commitment",
        "filing-field",
        "Reg. §62",
    )
    _fails(
        lambda: issuer_entry(
            issuer_filing(),
            code="A001",
            founders_commitment=commitment,
            recorded_at=datetime(2026, 2, 2, 6),
            effective_on=ON,
        ),
        "recorded_at",
        "filing-field",
        "Reg. §62",
    )


def test_individual_issuer_end_to_end() -> None:
    filing = parse_issuer_filing(load("issuer-individual.yaml"))
    entry = issuer_entry(
        filing,
        code="B002",
        founders_commitment=commit(founders_record(filing), SALT),
        recorded_at=at(ON),
        effective_on=ON,
    )
    reg = MemoryRegister()
    reg.apply(entry, calendar=CAL)
    issuer = reg.issuer("B002")
    assert issuer is not None and issuer.kind is IssuerKind.INDIVIDUAL_ENTREPRENEUR


def test_application_entry_carries_the_whole_filing() -> None:
    filing = emission_filing()
    entry = application_entry(filing, application_no=APP, recorded_at=at(date(2026, 3, 2)))
    assert entry.emission == APP and entry.effective_on == filing.documents_filed_on
    for name in type(filing).model_fields:
        assert getattr(entry, name) == getattr(filing, name), name
    _fails(
        lambda: application_entry(filing, application_no="A-1", recorded_at=at(ON)),
        "emission",
        "filing-field",
        "Reg. §9",
    )


def test_event_entry() -> None:
    entry = event_entry(
        "emission.offer_disclosed",
        emission="KG0201A0011",
        data={"uri": "https://x.example/o"},
        recorded_at=at(ON),
        effective_on=ON,
    )
    assert isinstance(entry, EmissionOfferDisclosed) and entry.uri == "https://x.example/o"

    def make(kind: str, data: dict[str, Any]) -> Any:
        return lambda: event_entry(
            kind, emission="KG0201A0011", data=data, recorded_at=at(ON), effective_on=ON
        )

    _fails(make("issuer.updated", {}), "kind", "unknown-kind", "docs/export-format.md")
    _fails(make("emission.exploded", {}), "kind", "unknown-kind", "docs/export-format.md")
    _fails(
        make("emission.fee_paid", {"amount": "1", "effective_on": ON}),
        "effective_on",
        "reserved-field",
        "docs/export-format.md",
    )
    _fails(
        make("emission.fee_paid", {"amount": "x"}), "amount", "entry-field", "docs/export-format.md"
    )
    # amount may be left out for paid_som and its rate (Reg. §26-27; the register checks them)
    _fails(
        make("emission.fee_paid", {"paid_som": "100", "rate": {"basis": "guess"}}),
        "rate.basis",
        "entry-field",
        "docs/export-format.md",
    )
    _fails(
        make("emission.cancelled", {"ground": "boredom"}),
        "ground",
        "entry-field",
        "docs/export-format.md",
    )


def _private_strings() -> list[str]:
    out = []
    for f in load("issuer-legal-entity.yaml")["founders"]:
        out += [f["name"], f["identifier"], f["address"]]
    return out


def test_founders_never_appear_in_entries_or_records() -> None:
    secrets = _private_strings()
    reg = fresh()
    leaves: list[bytes] = []
    filing = issuer_filing()
    leaves.append(
        encode_entry(
            issuer_entry(
                filing,
                code="A001",
                founders_commitment=commit(founders_record(filing), SALT),
                recorded_at=at(ON),
                effective_on=ON,
            )
        )
    )
    leaves.append(
        encode_entry(application_entry(emission_filing(), application_no=APP, recorded_at=at(ON)))
    )
    leaves.append(encode_entry(ev("placement_ended", ON)))
    walk(reg, "recognized_successful")
    records = [json.dumps(r.to_record(), ensure_ascii=False) for r in reg.issuers()]
    records += [json.dumps(r.to_record(), ensure_ascii=False) for r in reg.emissions()]
    blob = b"\n".join(leaves).decode() + "\n".join(records)
    assert secrets and all(s not in blob for s in secrets)
    assert '"founders"' not in blob
