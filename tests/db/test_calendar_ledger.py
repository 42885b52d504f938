"""Calendar corrections in the ledger on every backend: the sequencer sees them in a batch, a
group commit and a later transaction; check and rebuild give one state whatever the library."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from node.domain.calendar import KyrgyzCalendar, kyrgyz_calendar
from node.domain.entries import Entry, decode_entry
from node.domain.filings import application_entry
from node.errors import RuleViolation, VerificationError
from node.ledger.check import check_ledger
from node.ledger.rebuild import rebuild_projection
from node.ledger.sequencer import Integrated, as_builder
from node.ledger.service import Ledger
from node.replay import ReplayCore
from tests.db.test_ledger import snapshot
from tests.support.scenario import NOW, open_ledger, signer
from tests.unit.domain.lifecycle_samples import APP, emission_filing, issuer_filing
from tests.unit.domain.test_calendar_corrections import MONDAY, SATURDAY, correction

CAL = kyrgyz_calendar()
NEWER = KyrgyzCalendar(extra_holidays={MONDAY})
"""A `holidays` release that knows the decree moving Nooruz's day off to Monday 23 March."""
LIBRARY_DUE = date(2026, 3, 31)  # 20 working days after 2 March 2026, as the library counts


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    led = open_ledger(database_url)
    yield led
    led.close()


def _fix(entry: Entry) -> Entry:
    return entry.model_copy(update={"recorded_at": NOW})


def _issuer(ledger: Ledger) -> str:
    code, _ = ledger.register_issuer(issuer_filing(), effective_on=date(2026, 2, 2))
    return code


def _application(code: str, app: str = APP) -> Entry:
    return application_entry(emission_filing(issuer=code), application_no=app, recorded_at=NOW)


def _due(ledger: Ledger, app: str = APP) -> date:
    found = ledger.emission(app).deadline("decision")
    assert found is not None
    return found.due


class TestCalendarLedger:
    """Run on SQLite and on a real PostgreSQL."""

    def test_a_correction_in_the_same_batch_counts_for_the_entries_after_it(
        self, ledger: Ledger
    ) -> None:
        code = _issuer(ledger)
        ledger.append([_fix(correction((SATURDAY, "working_day"))), _application(code)])
        assert _due(ledger) == date(2026, 3, 30)

    def test_a_correction_of_an_earlier_transaction_counts_here_and_on_a_fresh_node(
        self, ledger: Ledger, database_url: str
    ) -> None:
        code = _issuer(ledger)
        ledger.append([_fix(correction((MONDAY, "day_off")))])
        ledger.append([_application(code)])  # the sequencer's own states of its last commit
        assert _due(ledger) == date(2026, 4, 1)
        other = open_ledger(database_url, salt_start=1000)  # reads the corrections from the log
        try:
            other.append([_application(code, "APP-000002")])
            assert _due(other, "APP-000002") == date(2026, 4, 1)
            assert other.calendar_corrections().status(MONDAY) is False
        finally:
            other.close()

    def test_a_group_commit_counts_accepted_corrections_only(self, ledger: Ledger) -> None:
        code = _issuer(ledger)
        twice = correction((MONDAY, "day_off"), (MONDAY, "working_day"))
        results = ledger.sequencer.integrate_group(
            [
                [as_builder(_fix(correction((SATURDAY, "working_day"))))],
                [as_builder(_fix(twice))],  # refused alone: its Monday must not count
                [as_builder(_application(code))],
            ]
        )
        assert isinstance(results[0], Integrated) and isinstance(results[2], Integrated)
        assert isinstance(results[1], RuleViolation)
        assert results[1].rule == "calendar-day-repeated"
        assert _due(ledger) == date(2026, 3, 30)
        assert ledger.calendar_corrections().status(MONDAY) is None

    def test_check_and_rebuild_agree_whatever_the_library_once_the_decree_is_recorded(
        self, ledger: Ledger
    ) -> None:
        code = _issuer(ledger)
        ledger.append([_fix(correction((MONDAY, "day_off"))), _application(code)])
        ledger.cut_checkpoint()
        live = snapshot(ledger)
        for calendar in (CAL, NEWER):
            check_ledger(ledger.store, calendar=calendar, expected_signer=signer().address)
            rebuild_projection(ledger.store, calendar=calendar)
            assert snapshot(ledger) == live

    def test_without_the_decree_a_newer_library_does_not_replay_the_same_state(
        self, ledger: Ledger
    ) -> None:
        code = _issuer(ledger)
        ledger.append([_application(code)])
        ledger.cut_checkpoint()
        assert _due(ledger) == LIBRARY_DUE
        check_ledger(ledger.store, calendar=CAL, expected_signer=signer().address)
        with pytest.raises(VerificationError):
            check_ledger(ledger.store, calendar=NEWER, expected_signer=signer().address)

    def test_a_correction_is_a_log_entry_with_the_decree(self, ledger: Ledger) -> None:
        result = ledger.append([_fix(correction((SATURDAY, "working_day")))])
        (record,) = ledger.calendar_entries()
        assert (record.idx, record.kind, record.subject) == (
            result.first_index,
            "calendar.corrected",
            "calendar",
        )

    def test_a_bundle_carries_the_corrections_its_replay_needs(self, ledger: Ledger) -> None:
        from anchoring.bundle import _closure

        code = _issuer(ledger)
        ledger.append([_fix(correction((MONDAY, "day_off")))])
        ledger.append([_application(code)])
        ledger.append([_fix(correction((SATURDAY, "working_day"), on=date(2026, 3, 3)))])
        size = ledger.head()[0]
        closure = _closure(ledger, issuer=code, application_no=APP, size=size)
        assert [r.kind for r in closure].count("calendar.corrected") == 2
        # the bundle verifier's replay: the closure alone, in order, with gaps
        core = ReplayCore(calendar=CAL, contiguous=False)
        for record in closure:
            core.apply(decode_entry(record.leaf), index=record.idx)
        assert core.emission(APP) == ledger.emission(APP)
        assert _due(ledger) == date(2026, 4, 1)
