"""Calendar corrections as entries of the log: decrees that move days, counted by every replay."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from node.domain.calendar import (
    CalendarCorrections,
    CorrectedCalendar,
    KyrgyzCalendar,
    corrected_calendar,
    end_of_term,
)
from node.domain.entries import CalendarCorrected, Entry, decode_entry, encode_entry
from node.domain.filings import application_entry
from node.domain.model import Deadline
from node.domain.register import MemoryRegister
from node.errors import RuleViolation
from node.replay import ReplayCore
from tests.unit.domain.lifecycle_samples import (
    APP,
    CAL,
    apply_for,
    at,
    emission_filing,
    issuer_sample_entry,
    register_issuer,
)

DECREED_ON = date(2026, 2, 20)
SATURDAY = date(2026, 3, 14)  # an ordinary Saturday
MONDAY = date(2026, 3, 23)  # an ordinary Monday, after Nooruz (Saturday 21 March)


def decree(on: date = DECREED_ON, number: str = "77") -> dict[str, Any]:
    return {
        "type": "government_decree",
        "number": number,
        "date": on,
        "issued_by": "Cabinet of Ministers of the Kyrgyz Republic",
    }


def correction(*days: tuple[date, str], on: date = DECREED_ON, **changes: Any) -> Entry:
    data: dict[str, Any] = {
        "recorded_at": at(on),
        "effective_on": on,
        "basis": decree(on),
        "days": [{"day": day, "becomes": becomes} for day, becomes in days],
    }
    data.update(changes)
    return CalendarCorrected.model_validate(data)


def register(*entries: Entry) -> MemoryRegister:
    reg = MemoryRegister()
    register_issuer(reg)
    for entry in entries:
        reg.apply(entry, calendar=CAL)
    return reg


def decision_due(reg: MemoryRegister) -> date:
    apply_for(reg)  # filed Monday 2 March 2026
    state = reg.emission(APP)
    assert state is not None
    found = state.deadline("decision")
    assert found is not None
    return found.due


# ---- the calendar value ------------------------------------------------------------------------


def test_without_corrections_the_register_counts_on_the_library() -> None:
    # 20 working days after 2 March 2026 (20 March Orozo Ait): Tuesday 31 March
    assert decision_due(register()) == date(2026, 3, 31)
    assert corrected_calendar(CAL, CalendarCorrections()) is CAL


def test_a_decree_making_a_saturday_a_working_day_brings_a_deadline_forward() -> None:
    reg = register(correction((SATURDAY, "working_day")))
    assert decision_due(reg) == date(2026, 3, 30)


def test_a_decree_moving_a_day_off_to_a_monday_puts_a_deadline_back() -> None:
    reg = register(correction((MONDAY, "day_off")))
    assert decision_due(reg) == date(2026, 4, 1)


def test_both_moves_of_one_decree_cancel_out() -> None:
    reg = register(correction((SATURDAY, "working_day"), (MONDAY, "day_off")))
    assert decision_due(reg) == date(2026, 3, 31)
    assert reg.calendar_corrections() == CalendarCorrections(
        days=((SATURDAY, True), (MONDAY, False))
    )


def test_a_later_decree_may_reverse_an_earlier_one() -> None:
    reg = register(
        correction((SATURDAY, "working_day")),
        correction((SATURDAY, "day_off"), on=date(2026, 2, 25)),
    )
    assert decision_due(reg) == date(2026, 3, 31)


def test_a_correction_recorded_after_a_deadline_was_computed_does_not_move_it() -> None:
    reg = register()
    assert decision_due(reg) == date(2026, 3, 31)
    later = date(2026, 3, 5)
    reg.apply(correction((SATURDAY, "working_day"), on=later), calendar=CAL)
    state = reg.emission(APP)
    assert state is not None
    # the deadline stays as computed when the application was recorded (not retroactive) ...
    assert state.deadline("decision") == Deadline("decision", date(2026, 3, 31), "Reg. §10")
    # ... while a deadline computed afterwards counts the Saturday
    corrected = CorrectedCalendar(base=CAL, corrections=reg.calendar_corrections())
    assert corrected.add_working_days(date(2026, 3, 6), 5) == date(2026, 3, 13)
    assert corrected.add_working_days(date(2026, 3, 6), 6) == SATURDAY


def test_a_term_ending_on_a_day_off_moves_to_the_next_working_day() -> None:
    sunday = date(2026, 8, 30)
    # Sunday, then Independence Day on Monday 31 August: Tuesday 1 September
    assert end_of_term(sunday, CAL) == date(2026, 9, 1)
    assert end_of_term(date(2026, 9, 1), CAL) == date(2026, 9, 1)
    # a Saturday a decree made a working day ends the term on itself
    worked = CorrectedCalendar(base=CAL, corrections=CalendarCorrections(((SATURDAY, True),)))
    assert end_of_term(SATURDAY, worked) == SATURDAY
    assert end_of_term(SATURDAY, CAL) == date(2026, 3, 16)


# ---- the same state whatever the library knows -----------------------------------------------


def _replay(entries: list[Entry], calendar: Any) -> tuple[bytes, int]:
    core = ReplayCore(calendar=calendar, cut_sizes={len(entries)})
    for index, entry in enumerate(entries):
        core.apply(decode_entry(encode_entry(entry)), index=index)
    return core.roots[len(entries)]


def _log(*corrections: Entry) -> list[Entry]:
    filing = emission_filing()
    applied = application_entry(
        filing, application_no=APP, recorded_at=at(filing.documents_filed_on)
    )
    return [issuer_sample_entry(), *corrections, applied]


def test_replays_on_different_holiday_data_agree_once_the_decree_is_recorded() -> None:
    # a newer `holidays` release that knows the decree moving Nooruz to Monday 23 March
    newer = KyrgyzCalendar(extra_holidays={MONDAY})
    # without the decree in the log, the two libraries give two states
    assert _replay(_log(), CAL) != _replay(_log(), newer)
    # with it, every replay counts the same calendar whatever its library knows (the newer one
    # already has the day off: the entry is accepted and pins it)
    pinned = _log(correction((MONDAY, "day_off")))
    assert _replay(pinned, CAL) == _replay(pinned, newer)


def test_a_correction_contradicting_the_library_wins_over_it() -> None:
    # a library that wrongly counts Saturday 14 March as a working day: the log says otherwise
    wrong = KyrgyzCalendar(extra_working_days={SATURDAY})
    pinned = _log(correction((SATURDAY, "day_off")))
    assert _replay(pinned, wrong) == _replay(pinned, CAL)


# ---- what a correction must be -----------------------------------------------------------------


def _refused(reg: MemoryRegister, entry: Entry, field: str, rule: str) -> RuleViolation:
    before = reg.calendar_corrections()
    with pytest.raises(RuleViolation) as caught:
        reg.apply(entry, calendar=CAL)
    assert (caught.value.field, caught.value.rule) == (field, rule), caught.value
    assert reg.calendar_corrections() == before
    return caught.value


def test_a_day_given_twice_in_one_entry_is_refused() -> None:
    entry = correction((SATURDAY, "working_day"), (date(2026, 3, 28), "working_day"))
    twice = correction((SATURDAY, "working_day"), (SATURDAY, "day_off"))
    reg = register()
    error = _refused(reg, twice, "days[1].day", "calendar-day-repeated")
    assert "days[0]" in error.message
    reg.apply(entry, calendar=CAL)


def test_a_correction_repeating_the_log_s_status_of_a_day_is_refused() -> None:
    reg = register(correction((SATURDAY, "working_day")))
    again = correction((SATURDAY, "working_day"), on=date(2026, 2, 25))
    _refused(reg, again, "days[0].becomes", "calendar-day-unchanged")


def test_a_correction_confirming_the_library_is_accepted_and_pins_the_day() -> None:
    # the library already has Independence Day off: recorded anyway, so that no library
    # version can count it otherwise
    reg = register(correction((date(2026, 8, 31), "day_off")))
    assert reg.calendar_corrections().status(date(2026, 8, 31)) is False


def test_a_correction_rests_on_a_government_decree() -> None:
    reg = register()
    _refused(reg, correction((SATURDAY, "working_day"), basis=None), "basis", "basis-required")
    other = {**decree(), "type": "authority_decision"}
    _refused(reg, correction((SATURDAY, "working_day"), basis=other), "basis.type", "basis-type")
    after = decree(on=date(2026, 2, 21))
    _refused(reg, correction((SATURDAY, "working_day"), basis=after), "basis.date", "basis-date")


def test_a_correction_cannot_take_effect_after_it_is_recorded() -> None:
    reg = register()
    early = correction((SATURDAY, "working_day"), recorded_at=at(date(2026, 2, 19)))
    _refused(reg, early, "effective_on", "effective-after-recording")


def test_a_correction_holds_at_least_one_day() -> None:
    with pytest.raises(ValueError, match="days"):
        correction()
