"""The burned-supply report folded from log entries: register burns against chain burns, the CSV
(reproducible from the same log prefix), and finding a file's publication. Pure."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from lifecycle_samples import APP, REGNO, at, emission_filing

from node.domain.entries import (
    BlockRef,
    EmissionPartialBurn,
    EmissionRegistered,
    EmissionUnplacedCancelled,
    Entry,
    Readings,
    ReportPublished,
    VerificationObserved,
)
from node.domain.filings import application_entry
from node.domain.supply import CSV_COLUMNS, find_publication, supply_csv, supply_report
from node.domain.verification import ChainOutcome
from node.errors import VerificationError

ON = date(2026, 9, 1)
HASH = "0x" + "cd" * 32


def _observed(burned: int, *, block: int, locked: int = 0) -> VerificationObserved:
    return VerificationObserved(
        emission=REGNO,
        run="r1",
        recorded_at=at(ON),
        effective_on=ON,
        blockchain="tamga-local",
        outcome=ChainOutcome.CHECKED,
        chain_id=31337,
        block=BlockRef(chain_id=31337, block_number=block, block_hash=HASH, block_time=1_700_000),
        readings=Readings(decimals=2, burned=burned, locked_balance=locked, total_supply=99_000),
    )


def _log() -> list[tuple[int, Entry]]:
    applied = application_entry(emission_filing(), application_no=APP, recorded_at=at(ON))
    registered = EmissionRegistered(emission=APP, regno=REGNO, recorded_at=at(ON), effective_on=ON)
    burn = EmissionPartialBurn(emission=REGNO, amount=10, recorded_at=at(ON), effective_on=ON)
    unplaced = EmissionUnplacedCancelled(
        emission=REGNO, amount=5, recorded_at=at(ON), effective_on=ON
    )
    entries: list[Entry] = [
        applied,
        registered,
        burn,
        _observed(1000, block=7),  # 10 VAs burned on chain (2 decimals)
        unplaced,
        _observed(1650, block=9, locked=250),  # 16.5 burned, 2.5 locked
    ]
    return list(enumerate(entries))


def test_register_burns_against_chain_burns() -> None:
    report = supply_report(_log(), size=6)
    (row,) = report.emissions
    assert (row.key, row.application_no) == (REGNO, APP)
    assert (row.partial_burns, row.unplaced_cancelled, row.register_burned) == (10, 5, 15)
    assert row.chain is not None and row.chain.block_number == 9 and row.chain.entry == 5
    assert row.chain_burned == Decimal("16.5")
    assert row.difference == Decimal("1.5")
    assert report.chain_locked == Decimal("2.5")
    # the chart's points: after each burn entered and each reading
    assert [(p.register_burned, p.chain_burned) for p in report.timeline] == [
        (10, Decimal(0)),
        (10, Decimal(10)),
        (15, Decimal(10)),
        (15, Decimal("16.5")),
    ]


def test_a_prefix_of_the_log_gives_its_own_figures() -> None:
    report = supply_report(_log(), size=4)
    (row,) = report.emissions
    assert row.register_burned == 10 and row.chain_burned == Decimal(10)
    assert row.difference == 0


def test_the_csv_is_the_same_bytes_for_the_same_log_size() -> None:
    first = supply_csv(supply_report(_log(), size=6))
    assert first == supply_csv(supply_report(_log(), size=6))
    assert first != supply_csv(supply_report(_log(), size=4))
    lines = first.decode("utf-8").split("\r\n")
    assert lines[0].split(",") == list(CSV_COLUMNS)
    assert lines[1].startswith(f"{REGNO},{APP},")
    assert lines[2].startswith("TOTAL,,log size 6,,10,5,15,16.5,2.5,,1.5")


def test_a_file_is_found_by_its_publication_and_a_changed_byte_is_not() -> None:
    log = _log()
    data = supply_csv(supply_report(log, size=6))
    published = ReportPublished(
        recorded_at=at(ON),
        effective_on=ON,
        report="supply",
        size=6,
        sha256=hashlib.sha256(data).hexdigest(),
        length=len(data),
        media_type="text/csv; charset=utf-8",
    )
    log.append((6, published))
    assert find_publication(log, data=data) == (6, published)
    tampered = data.replace(b"16.5", b"16.6")
    with pytest.raises(VerificationError) as err:
        find_publication(log, data=tampered)
    assert err.value.expected == published.sha256
    assert err.value.actual == hashlib.sha256(tampered).hexdigest()
    # a publication whose digest does not match the log's bytes at its size
    forged = published.model_copy(update={"sha256": hashlib.sha256(tampered).hexdigest()})
    log.append((7, forged))
    with pytest.raises(VerificationError) as err:
        find_publication(log, data=tampered)
    assert err.value.expected == hashlib.sha256(data).hexdigest()
