"""The rules of a calendar correction (``calendar.corrected``): which days a decree may set."""

from __future__ import annotations

from datetime import date
from typing import Final

from node.domain.calendar import CalendarCorrections
from node.domain.entries import CalendarCorrected, DayStatus
from node.errors import RuleViolation

CALENDAR_NOTES: Final = "docs/regulatory-notes.md"
"""Where the calendar's readings are written (the paragraph of its rules)."""


def correct_calendar(
    corrections: CalendarCorrections, entry: CalendarCorrected
) -> CalendarCorrections:
    """The register's corrections after ``entry``: its days set to what they become.

    Only the log decides: a day the library already counts as the entry says is accepted (the
    entry pins it for every version of the library), so that a replay never depends on the
    ``holidays`` data.

    Raises:
        RuleViolation: "calendar-day-repeated" when a day is given twice in the entry;
            "calendar-day-unchanged" when an earlier correction of the log already gave the day
            that status (a later decree may reverse it).
    """
    seen: dict[date, int] = {}
    days: list[tuple[date, bool]] = []
    for position, item in enumerate(entry.days):
        if item.day in seen:
            raise RuleViolation(
                field=f"days[{position}].day",
                rule="calendar-day-repeated",
                paragraph=CALENDAR_NOTES,
                message=f"{item.day} is already given as days[{seen[item.day]}]; give each day "
                "once",
            )
        seen[item.day] = position
        working = item.becomes is DayStatus.WORKING_DAY
        if corrections.status(item.day) is working:
            raise RuleViolation(
                field=f"days[{position}].becomes",
                rule="calendar-day-unchanged",
                paragraph=CALENDAR_NOTES,
                message=f"{item.day} is already a {item.becomes.value.replace('_', ' ')} by an "
                "earlier correction of the register",
            )
        days.append((item.day, working))
    return corrections.with_days(days)
