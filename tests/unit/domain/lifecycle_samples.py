"""Sample filings, entries and register states shared by the lifecycle tests (not tests)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from node.domain.calendar import kyrgyz_calendar
from node.domain.entries import ENTRY_TYPES, Entry
from node.domain.filings import (
    EmissionFiling,
    IssuerFiling,
    application_entry,
    event_entry,
    founders_record,
    issuer_entry,
    parse_emission_filing,
    parse_issuer_filing,
)
from node.domain.model import EmissionState, EmissionStatus
from node.domain.privacy import commit
from node.domain.register import Effects, MemoryRegister

FILINGS = Path(__file__).resolve().parents[2] / "data" / "filings"
CAL = kyrgyz_calendar()
SALT = b"0123456789abcdef-test-salt"
CODE = "A001"
APP = "APP-000001"
REGNO = "KG0201A0011"  # digital token, serial 01, issuer A001, Bishkek
SHA_B = "bb" * 32
TX = "0x" + "ab" * 32


def at(day: date, hour: int = 6) -> datetime:
    """A recording instant on ``day`` (06:00 UTC = 12:00 in Bishkek)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    """A sample filing as loose data."""
    data = yaml.safe_load((FILINGS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def issuer_filing(**changes: Any) -> IssuerFiling:
    """The legal-entity issuer sample, with top-level fields replaced."""
    return parse_issuer_filing({**load("issuer-legal-entity.yaml"), **changes})


def emission_filing(sample: str = "emission-digital-token.yaml", **changes: Any) -> EmissionFiling:
    """An emission sample, with top-level fields replaced."""
    return parse_emission_filing({**load(sample), **changes})


def issuer_sample_entry(*, code: str = CODE, on: date = date(2026, 2, 2), **changes: Any) -> Entry:
    """The entry that enters the sample issuer under ``code``."""
    filing = issuer_filing(**changes)
    return issuer_entry(
        filing,
        code=code,
        founders_commitment=commit(founders_record(filing), SALT),
        recorded_at=at(on),
        effective_on=on,
    )


def register_issuer(
    reg: MemoryRegister, *, code: str = CODE, on: date = date(2026, 2, 2), **changes: Any
) -> None:
    """Enter the sample issuer under ``code``."""
    reg.apply(issuer_sample_entry(code=code, on=on, **changes), calendar=CAL)


def apply_for(
    reg: MemoryRegister,
    *,
    app: str = APP,
    sample: str = "emission-digital-token.yaml",
    **changes: Any,
) -> EmissionState:
    """File the sample application (recorded on its filing day)."""
    filing = emission_filing(sample, **changes)
    entry = application_entry(filing, application_no=app, recorded_at=at(filing.documents_filed_on))
    reg.apply(entry, calendar=CAL)
    state = reg.emission(app)
    assert state is not None
    return state


def authority(on: date, number: str = "1") -> dict[str, Any]:
    """A basis document: an authority decision of ``on``."""
    return {"type": "authority_decision", "number": number, "date": on, "issued_by": "Authority"}


def doc(kind: str, on: date) -> dict[str, Any]:
    """A basis document of another type."""
    return {"type": kind, "number": "9", "date": on, "issued_by": "Somebody"}


def ev(kind: str, on: date, *, emission: str = REGNO, **data: Any) -> Entry:
    """An emission event effective and recorded on ``on``."""
    return event_entry(
        f"emission.{kind}", emission=emission, data=data, recorded_at=at(on), effective_on=on
    )


# The sample's happy path, in order: (kind, effective date, data)
REGISTERED_ON = date(2026, 3, 16)
DISCLOSED_ON = date(2026, 4, 30)
EARLIEST = date(2026, 5, 15)  # 5th working day after 30 Apr 2026 (1-9 May holidays)
STARTED_ON = date(2026, 5, 15)
ENDED_ON = date(2026, 7, 31)
REPORTED_ON = date(2026, 8, 10)
RECOGNIZED_ON = date(2026, 8, 20)


def happy_path(placed: int = 800_000) -> list[tuple[str, date, dict[str, Any]]]:
    """The events from registration to recognition of the digital-token sample."""
    share = f"{placed * 100 / 1_000_000:.2f}"
    return [
        ("registered", REGISTERED_ON, {"regno": REGNO, "basis": authority(REGISTERED_ON)}),
        ("offer_disclosed", DISCLOSED_ON, {"uri": "https://ala-too.example/offer"}),
        ("placement_started", STARTED_ON, {"venue": "Bishkek Crypto Exchange"}),
        ("placement_ended", ENDED_ON, {}),
        (
            "results_reported",
            REPORTED_ON,
            {
                "actual_start": STARTED_ON,
                "actual_end": ENDED_ON,
                "placed": str(placed),
                "prices": ["10.00"],
                "proceeds": f"{placed * 10}.00",
                "share_placed_pct": share,
            },
        ),
        ("recognized_successful", RECOGNIZED_ON, {"basis": authority(RECOGNIZED_ON)}),
    ]


def walk(reg: MemoryRegister, until: str, *, placed: int = 800_000) -> EmissionState:
    """Apply the happy path up to and including event ``until`` (a kind without prefix)."""
    for kind, on, data in happy_path(placed):
        emission = APP if kind == "registered" else REGNO
        reg.apply(ev(kind, on, emission=emission, **data), calendar=CAL)
        if kind == until:
            break
    state = reg.emission(APP)
    assert state is not None
    return state


def fresh(until: str | None = None, **changes: Any) -> MemoryRegister:
    """A register with the sample issuer and application, walked to event ``until``."""
    reg = MemoryRegister()
    register_issuer(reg)
    apply_for(reg, **changes)
    if until is not None:
        walk(reg, until)
    return reg


def with_status(status: EmissionStatus) -> MemoryRegister:
    """A register whose sample emission is forced into ``status`` (for transition tests)."""
    reg = fresh("recognized_successful")
    state = reg.emission(APP)
    assert state is not None
    prior = EmissionStatus.PLACING if status is EmissionStatus.SUSPENDED else None
    forced = dataclasses.replace(
        state,
        status=status,
        suspended_from=prior,
        regno=None if status in (EmissionStatus.APPLIED, EmissionStatus.REFUSED) else REGNO,
    )
    reg.store(Effects(emissions=(forced,)))
    return reg


def sample_event(kind: str, on: date, emission: str) -> Entry:
    """A well-formed entry of every emission kind (content need not fit the state)."""
    data: dict[str, Any] = {
        "registered": {"regno": REGNO, "basis": authority(on)},
        "refused": {"grounds": ["fees_unpaid"], "basis": authority(on)},
        "whitepaper_amendment_requested": {
            "whitepaper": {"version": "2", "sha256": SHA_B, "uri": "https://x.example/wp2"}
        },
        "whitepaper_amended": {"consented": True, "basis": authority(on)},
        "offer_disclosed": {"uri": "https://x.example/offer"},
        "placement_started": {"venue": "Bishkek Crypto Exchange"},
        "placement_ended": {},
        "results_reported": {
            "actual_start": on,
            "actual_end": on,
            "placed": "1",
            "prices": ["1"],
            "proceeds": "1",
            "share_placed_pct": "0",
        },
        "recognized_successful": {"basis": authority(on)},
        "recognized_failed": {"grounds": ["conditions_unmet"], "basis": authority(on)},
        "suspended": {"grounds": ["law_violation"], "basis": authority(on)},
        "resumed": {"basis": authority(on)},
        "declared_failed": {"basis": authority(on)},
        "invalidated": {"basis": doc("court_decision", on)},
        "partial_burn": {"amount": "1", "basis": doc("issuer_decision", on)},
        "unplaced_cancelled": {"amount": "1"},
        "cancelled": {"ground": "authority_decision", "basis": authority(on)},
        "cancellation_notified": {},
        "cancellation_published": {"uri": "https://x.example/notice"},
        "fee_paid": {"amount": "1.00"},
        "quarter_reported": {"quarter_end": date(2026, 6, 30), "placed_in_quarter": "0"},
        "proceeds_returned": {"amount": "1.00"},
        "recognition_notified": {},
        "results_disclosed": {"uri": "https://x.example/results"},
        "cancellation_prenotified": {},
        "remedy_requested": {"remedy_by": on + dt.timedelta(days=7)},
        "documents_amended": {**dict(emission_filing()), "documents_filed_on": on},
        "name_reviewed": {"field": "name", "decision": "accepted", "basis": authority(on)},
        "collateral_reappraised": {
            "items": [{"index": "0", "appraised_on": on, "assessed_value": "10000000.00"}]
        },
    }[kind.removeprefix("emission.")]
    return ev(kind.removeprefix("emission."), on, emission=emission, **data)


EMISSION_EVENT_KINDS = sorted(
    k for k in ENTRY_TYPES if k.startswith("emission.") and k != "emission.applied"
)
