"""Working days under the Kyrgyz public-holiday calendar, corrected by recorded decrees; terms."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
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


def end_of_term(last_day: date, calendar: WorkingCalendar) -> date:
    """The day a term whose last day is ``last_day`` ends: that day if it is a working day, else
    the next working day (Civil Code of the KR, the article on a term ending on a non-working
    day; number not verified here; docs/regulatory-notes.md)."""
    if calendar.is_working_day(last_day):
        return last_day
    return calendar.next_working_day(last_day)


@dataclass(frozen=True, slots=True)
class CalendarCorrections:
    """The days whose status the register's log has set (``calendar.corrected`` entries, in
    log order): each a working day (True) or a day off (False). They win over the library.

    A value: :meth:`with_days` returns a new one; the empty value corrects nothing.
    """

    days: tuple[tuple[date, bool], ...] = ()
    _status: dict[date, bool] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_status", dict(self.days))

    def status(self, day: date) -> bool | None:
        """True (working day) or False (day off) when a correction set ``day``, else None."""
        return self._status.get(day)

    def with_days(self, days: Iterable[tuple[date, bool]]) -> CalendarCorrections:
        """These corrections with ``days`` applied after them (a later status of a day wins)."""
        status = dict(self._status)
        status.update(days)
        return CalendarCorrections(days=tuple(sorted(status.items())))

    def __bool__(self) -> bool:
        return bool(self.days)


@dataclass(frozen=True, slots=True)
class CorrectedCalendar:
    """A :class:`WorkingCalendar` whose days are ``base``'s except those ``corrections`` set."""

    base: WorkingCalendar
    corrections: CalendarCorrections

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day: as corrected, else as the base calendar says."""
        status = self.corrections.status(day)
        return self.base.is_working_day(day) if status is None else status

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start``; ``start`` itself is never counted.

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
        """The first working day strictly after ``day``."""
        candidate = day + timedelta(days=1)
        while not self.is_working_day(candidate):
            candidate += timedelta(days=1)
        return candidate


def corrected_calendar(base: WorkingCalendar, corrections: CalendarCorrections) -> WorkingCalendar:
    """The register's calendar: ``base`` (the library's) with the log's corrections; ``base``
    itself when there are none."""
    if not corrections:
        return base
    return CorrectedCalendar(base=base, corrections=corrections)
