"""Working days under the Kyrgyz public-holiday calendar; calendar-day arithmetic for deadlines."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from functools import cache
from typing import Protocol, runtime_checkable

from node.errors import ConfigError

_SATURDAY = 5


@runtime_checkable
class WorkingCalendar(Protocol):
    """Which days are working days; deadlines "within N working days" are counted with it."""

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day."""
        ...

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``days`` >= 1; ``start`` not counted)."""
        ...

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        ...


@cache
def _kg_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Public holidays (with days off moved by law) and weekend working days of one year, KG."""
    import holidays  # loaded when a deadline is computed, not by every command at start

    calendar = holidays.country_holidays("KG", years=year)
    days_off = frozenset(calendar.keys())
    weekend_workdays = frozenset(
        day for day in getattr(calendar, "weekend_workdays", ()) if day.year == year
    )
    return days_off, weekend_workdays


class KyrgyzCalendar:
    """Saturday and Sunday off, plus the public holidays of the `holidays` library for "KG".

    The library also knows the Saturdays the government turned into working days when it moved a
    day off; they count as working days. ``extra_holidays`` and ``extra_working_days`` correct the
    library for decrees it does not know yet (e.g. a newly announced day off); they win over it.
    """

    def __init__(
        self,
        *,
        extra_holidays: Collection[date] = (),
        extra_working_days: Collection[date] = (),
    ) -> None:
        """Build the calendar.

        Raises:
            ConfigError: a day is listed both as an extra holiday and as an extra working day.
        """
        self._extra_holidays = frozenset(extra_holidays)
        self._extra_working_days = frozenset(extra_working_days)
        both = self._extra_holidays & self._extra_working_days
        if both:
            listed = ", ".join(day.isoformat() for day in sorted(both))
            raise ConfigError(f"days listed both as holiday and as working day: {listed}")

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day in the Kyrgyz Republic."""
        if day in self._extra_holidays:
            return False
        if day in self._extra_working_days:
            return True
        days_off, weekend_workdays = _kg_year(day.year)
        if day in days_off:
            return False
        if day in weekend_workdays:
            return True
        return day.weekday() < _SATURDAY

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start``; ``start`` itself is never counted.

        "Within 5 working days after X" ends on ``add_working_days(X, 5)``.

        Raises:
            ValueError: ``days`` < 1.
        """
        if days < 1:
            raise ValueError(f"days must be >= 1, got {days}")
        day = start
        for _ in range(days):
            day = self.next_working_day(day)
        return day

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day`` (e.g. Reg. §36 "the next working day")."""
        candidate = day + timedelta(days=1)
        while not self.is_working_day(candidate):
            candidate += timedelta(days=1)
        return candidate


@cache
def kyrgyz_calendar() -> KyrgyzCalendar:
    """The shared default :class:`KyrgyzCalendar` (no extra days)."""
    return KyrgyzCalendar()


def add_calendar_days(start: date, days: int) -> date:
    """``start`` plus ``days`` calendar days (e.g. the 30 calendar days of Reg. §30).

    Raises:
        OverflowError: the result is outside the range of :class:`datetime.date`.
    """
    return start + timedelta(days=days)
