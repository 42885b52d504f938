"""The digital register of miners (Law art. 13-16, 37.3): automatic registration on a complete
filing, the certificate, changes, suspension and termination, information requests, statistics
by region."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from node.domain.entries import MinerFiling, MinerRegistered, decode_entry, encode_entry
from node.domain.filings import miner_event_entry, parse_miner_filing
from node.domain.miners import (
    MinerState,
    MinerStatus,
    certificate_number,
    overdue_requests,
    region_stats,
)
from node.domain.register import MemoryRegister
from node.domain.regno import Region
from node.errors import RuleViolation
from tests.unit.domain.lifecycle_samples import CAL, at

FILING = Path(__file__).resolve().parents[2] / "data" / "filings" / "miner-industrial.yaml"
ON = date(2026, 11, 10)
CERT = "MN-2-000001"  # Chuy is region 2 of Annex 7
DECISION = {"type": "authority_decision", "number": "D-1", "date": ON, "issued_by": "Authority"}


def filing(**changes: Any) -> dict[str, Any]:
    data = yaml.safe_load(FILING.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return {**data, **changes}


def registered(cert: str = CERT, on: date = ON, **changes: Any) -> MinerRegistered:
    return MinerRegistered(miner=cert, recorded_at=at(on), effective_on=on, **filing(**changes))


def event(kind: str, on: date = ON, cert: str = CERT, **data: Any) -> Any:
    return miner_event_entry(
        f"miner.{kind}", miner=cert, data=data, recorded_at=at(on), effective_on=on
    )


def fresh() -> MemoryRegister:
    reg = MemoryRegister()
    reg.apply(registered(), calendar=CAL)
    return reg


def refused(reg: MemoryRegister, entry: Any, rule: str) -> RuleViolation:
    before = reg.miners()
    with pytest.raises(RuleViolation) as caught:
        reg.apply(entry, calendar=CAL)
    assert caught.value.rule == rule, caught.value
    assert reg.miners() == before
    return caught.value


def test_a_complete_filing_is_registered_at_once_with_its_certificate() -> None:
    reg = fresh()
    miner = reg.miner(CERT)
    assert miner is not None
    assert (miner.status, miner.registered_on) == (MinerStatus.ACTIVE, ON)
    # 300 × 3.5 + 100 × 3.4 kW; 300 × 200 + 100 × 172 TH/s
    assert miner.installed_kw == Decimal("1390.0")
    assert miner.hash_rate_ths == Decimal(77200)
    assert miner.may_mine_on(ON) and not miner.may_mine_on(date(2026, 11, 9))
    assert MinerState.from_record(miner.to_record()) == miner
    assert reg.miner_count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"no_hidden_mining": False}, "no_hidden_mining", "hidden-mining-declaration"),
        ({"name": "Kyrgyz Hash LLC"}, "name", "forbidden-word"),
        ({"name": "Manas Mining"}, "name", "forbidden-word"),
    ],
)
def test_an_incomplete_or_invalid_filing_is_refused(
    changes: dict[str, Any], field: str, rule: str
) -> None:
    reg = MemoryRegister()
    violation = refused(reg, registered(**changes), rule)
    assert violation.field == field
    assert reg.miner(CERT) is None


def test_power_beyond_the_supply_contract_is_refused() -> None:
    sites = filing()["sites"]
    sites[0]["capacity_kw"] = "1000"
    violation = refused(MemoryRegister(), registered(sites=sites), "site-capacity")
    assert violation.field == "sites[0].capacity_kw"
    assert "1390" in violation.message


def test_the_fee_is_paid_before_and_the_certificate_carries_the_region() -> None:
    late_fee = {**filing()["fee_document"], "date": date(2026, 11, 11)}
    refused(MemoryRegister(), registered(fee_document=late_fee), "fee-before-registration")
    refused(MemoryRegister(), registered(cert="MN-1-000001"), "certificate-region")
    reg = fresh()
    refused(reg, registered(), "certificate-unique")


def test_certificate_numbers() -> None:
    assert certificate_number(region=Region.CHUY, serial=1) == "MN-2-000001"
    assert certificate_number(region=Region.OSH_CITY, serial=999_999) == "MN-9-999999"
    with pytest.raises(RuleViolation, match="certificate serial"):
        certificate_number(region=Region.CHUY, serial=1_000_000)


def test_changes_suspension_and_termination() -> None:
    reg = fresh()
    wallet = {"chain": "Bitcoin", "address": "bc1qnew0000000000000000000000000000000000"}
    updated = reg.apply(event("updated", date(2026, 11, 12), wallet=wallet), calendar=CAL)
    assert updated.subjects[0].wallet.address.startswith("bc1qnew")
    refused(reg, event("updated", date(2026, 11, 12)), "nothing-changed")
    refused(reg, event("suspended", date(2026, 11, 13), reason="inspection"), "basis-required")
    reg.apply(
        event("suspended", date(2026, 11, 13), reason="inspection", basis=DECISION),
        calendar=CAL,
    )
    miner = reg.miner(CERT)
    assert miner is not None and miner.status is MinerStatus.SUSPENDED
    assert miner.may_mine_on(date(2026, 11, 12)) and not miner.may_mine_on(date(2026, 11, 13))
    refused(
        reg, event("suspended", date(2026, 11, 14), reason="x", basis=DECISION), "miner-not-active"
    )
    reg.apply(event("resumed", date(2026, 11, 16), basis=DECISION), calendar=CAL)
    reg.apply(
        event("terminated", date(2026, 11, 17), by="miner", reason="closing", basis=DECISION),
        calendar=CAL,
    )
    refused(reg, event("resumed", date(2026, 11, 18), basis=DECISION), "miner-terminated")
    refused(reg, event("resumed", cert="MN-2-000002", basis=DECISION), "unknown-miner")


def test_an_effective_date_before_the_last_change_is_refused() -> None:
    reg = fresh()
    refused(
        reg,
        event("suspended", date(2026, 11, 9), reason="x", basis=DECISION),
        "effective-order",
    )


def test_information_requests_are_due_and_late_answers_are_recorded() -> None:
    reg = fresh()
    reg.apply(
        event(
            "info_requested", request_no="R-1", subject="energy use 2026", due=date(2026, 11, 20)
        ),
        calendar=CAL,
    )
    refused(
        reg,
        event("info_requested", request_no="R-1", subject="again", due=date(2026, 11, 20)),
        "request-unique",
    )
    miner = reg.miner(CERT)
    assert miner is not None
    assert [d.name for d in overdue_requests(miner, today=date(2026, 11, 21))] == [
        "info_request:R-1"
    ]
    reg.apply(event("info_provided", date(2026, 11, 23), request_no="R-1"), calendar=CAL)
    miner = reg.miner(CERT)
    assert miner is not None and miner.requests == ()
    assert [d.name for d in miner.missed] == ["info_request:R-1"]
    refused(reg, event("info_provided", date(2026, 11, 24), request_no="R-9"), "request-unknown")


def test_statistics_by_region_count_active_miners_and_their_equipment() -> None:
    reg = fresh()
    osh = filing()["sites"][0] | {"region": "osh_city", "capacity_kw": "10"}
    osh["equipment"] = [osh["equipment"][0] | {"count": "2"}]
    second = MinerRegistered(
        miner="MN-9-000002",
        recorded_at=at(ON),
        effective_on=ON,
        **filing(name="Osh Hash", sites=[osh]),
    )
    reg.apply(second, calendar=CAL)
    stats = {s.region: s for s in region_stats(reg.miners())}
    assert stats[Region.CHUY].miners == 1 and stats[Region.CHUY].installed_kw == Decimal("1390.0")
    assert stats[Region.OSH_CITY].installed_kw == Decimal("7.0")
    assert stats[Region.OSH_CITY].hash_rate_ths == Decimal(400)
    assert stats[Region.TALAS].miners == 0
    reg.apply(
        event("terminated", cert="MN-9-000002", by="authority", reason="x", basis=DECISION),
        calendar=CAL,
    )
    assert {s.region: s for s in region_stats(reg.miners())}[Region.OSH_CITY].miners == 0


def test_miner_entries_round_trip() -> None:
    entries = [
        registered(),
        event("updated", name="Ala-Too Hash 2"),
        event("suspended", reason="x", basis=DECISION),
        event("resumed", basis=DECISION),
        event("terminated", by="miner", reason="closing", basis=DECISION),
        event("info_requested", request_no="R-1", subject="s", due=ON),
        event("info_provided", request_no="R-1"),
    ]
    for entry in entries:
        data = encode_entry(entry)
        assert decode_entry(data) == entry and encode_entry(decode_entry(data)) == data
    assert set(MinerFiling.model_fields) <= set(MinerRegistered.model_fields)


def test_filings_and_events_from_loose_data_name_the_field() -> None:
    assert parse_miner_filing(filing()).name == "Ala-Too Hash LLC"
    with pytest.raises(RuleViolation) as caught:
        parse_miner_filing(filing(sites=[]))
    assert (caught.value.field, caught.value.rule) == ("sites", "filing-field")
    with pytest.raises(RuleViolation) as caught:
        event("registered")
    assert caught.value.rule == "unknown-kind"
    with pytest.raises(RuleViolation) as caught:
        event("info_requested", request_no="R", subject="s", due="soon")
    assert caught.value.field == "due"
