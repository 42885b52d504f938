"""Working days under the Kyrgyz public-holiday calendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.domain.calendar import (
    KyrgyzCalendar,
    WorkingCalendar,
    add_calendar_days,
    kyrgyz_calendar,
)
from node.errors import ConfigError

CAL = kyrgyz_calendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 1), False),  # New Year's Day (Wednesday)
        (date(2025, 1, 2), False),  # day off moved from Saturday 11 January
        (date(2025, 1, 7), False),  # Orthodox Christmas
        (date(2025, 1, 11), True),  # Saturday made a working day
        (date(2025, 3, 21), False),  # Nooruz
        (date(2025, 5, 9), False),  # Victory Day
        (date(2026, 3, 20), False),  # Orozo Ait 2026 (Friday)
        (date(2025, 3, 18), True),  # an ordinary Tuesday
        (date(2025, 3, 22), False),  # an ordinary Saturday
        (date(2025, 3, 23), False),  # an ordinary Sunday
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_add_working_days_skips_weekends_and_holidays() -> None:
    # 1-3 and 6-7 January 2025 are holidays, 4-5 a weekend, Saturday 11 a working day.
    assert CAL.add_working_days(date(2024, 12, 31), 1) == date(2025, 1, 8)
    assert CAL.add_working_days(date(2024, 12, 31), 4) == date(2025, 1, 11)
    assert CAL.add_working_days(date(2024, 12, 31), 5) == date(2025, 1, 13)


def test_add_working_days_does_not_count_the_start() -> None:
    monday = date(2025, 3, 17)
    assert CAL.add_working_days(monday, 1) == date(2025, 3, 18)
    friday = date(2025, 3, 14)
    assert CAL.add_working_days(friday, 1) == date(2025, 3, 17)
    saturday = date(2025, 3, 15)
    assert CAL.add_working_days(saturday, 1) == date(2025, 3, 17)


@pytest.mark.parametrize("days", [0, -1])
def test_add_working_days_needs_at_least_one_day(days: int) -> None:
    with pytest.raises(ValueError, match="days"):
        CAL.add_working_days(date(2025, 3, 17), days)


def test_next_working_day_is_strictly_after() -> None:
    assert CAL.next_working_day(date(2025, 3, 17)) == date(2025, 3, 18)
    assert CAL.next_working_day(date(2025, 3, 20)) == date(2025, 3, 24)  # Nooruz, weekend
    assert CAL.next_working_day(date(2025, 1, 10)) == date(2025, 1, 11)  # working Saturday


def test_extra_holidays_and_working_days_override_the_library() -> None:
    tuesday, sunday, new_year = date(2025, 3, 18), date(2025, 3, 23), date(2025, 1, 1)
    calendar = KyrgyzCalendar(extra_holidays=[tuesday], extra_working_days={sunday, new_year})
    assert not calendar.is_working_day(tuesday)
    assert calendar.is_working_day(sunday)
    assert calendar.is_working_day(new_year)
    assert calendar.next_working_day(date(2025, 3, 17)) == date(2025, 3, 19)
    assert calendar.next_working_day(date(2025, 3, 22)) == sunday
    # The shared calendar is not affected.
    assert CAL.is_working_day(tuesday)
    assert not CAL.is_working_day(sunday)


def test_a_day_cannot_be_both_extra_holiday_and_extra_working_day() -> None:
    day = date(2025, 3, 18)
    with pytest.raises(ConfigError, match="2025-03-18"):
        KyrgyzCalendar(extra_holidays=[day], extra_working_days=[day])


def test_shared_calendar_implements_the_protocol() -> None:
    assert kyrgyz_calendar() is CAL
    assert isinstance(CAL, WorkingCalendar)


def test_add_calendar_days() -> None:
    assert add_calendar_days(date(2025, 1, 31), 30) == date(2025, 3, 2)
    assert add_calendar_days(date(2024, 1, 31), 30) == date(2024, 3, 1)  # leap year
    assert add_calendar_days(date(2025, 3, 2), 0) == date(2025, 3, 2)


@given(
    start=st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31)),
    days=st.integers(1, 40),
)
def test_add_working_days_lands_on_the_nth_working_day(start: date, days: int) -> None:
    end = CAL.add_working_days(start, days)
    assert end > start
    assert CAL.is_working_day(end)
    between = [start + timedelta(days=n) for n in range(1, (end - start).days + 1)]
    assert sum(CAL.is_working_day(day) for day in between) == days
    assert CAL.add_working_days(start, days + 1) == CAL.next_working_day(end)
