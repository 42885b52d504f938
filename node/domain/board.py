"""The registry office's deadline board: every open deadline of the three registers, who owes it
(the authority or the registered person), days left and overdue marks. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

from node.domain import lifecycle as lc
from node.domain.calendar import WorkingCalendar
from node.domain.miners import MinerState
from node.domain.model import Deadline, EmissionState
from node.domain.vasps import REVIEW, LicenceState

Owner = Literal["authority", "issuer", "miner", "licensee"]

AUTHORITY_DEADLINES: Final = frozenset(
    {
        lc.DECISION,  # Reg. §10: register or refuse
        lc.WHITEPAPER_REVIEW,  # Reg. §7
        lc.RECOGNITION,  # Reg. §34
        lc.REGISTER_ENTRY,  # Reg. §65
        lc.NOTIFICATION,  # Reg. §55
        lc.PUBLICATION,  # Reg. §56
        lc.RECOGNITION_NOTICE,  # Reg. §38-39
        lc.PRENOTICE,  # Reg. §55
        lc.UNPLACED_CANCELLATION,  # Reg. §45: the register is updated
        REVIEW,  # Law art. 30.2: a licence application is decided within a month
    }
)
"""Deadlines the authority owes; every other deadline is owed by the issuer, miner or licensee."""
_PERSON: Final[dict[str, Owner]] = {"emission": "issuer", "miner": "miner", "vasp": "licensee"}


@dataclass(frozen=True)
class BoardItem:
    """One open (or missed) deadline of one record."""

    register: Literal["emission", "miner", "vasp"]
    key: str  # regno or application number, certificate, licence number
    name: str  # the record's name
    status: str
    deadline: Deadline
    owed_by: Owner
    days_left: int  # calendar days from today (negative: overdue by that many)
    working_days_left: int  # working days from today to the due day (negative when overdue)
    missed: bool = False  # already closed late (kept for the record)

    @property
    def overdue(self) -> bool:
        """Due before today and still open."""
        return not self.missed and self.days_left < 0


def owed_by(deadline: Deadline, register: str) -> Owner:
    """Who must act by the deadline: the authority, or the register's person."""
    base = deadline.name.split(":", 1)[0]
    if base in AUTHORITY_DEADLINES:
        return "authority"
    return _PERSON.get(register, "issuer")


def working_days_between(start: date, end: date, calendar: WorkingCalendar) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is
    earlier: the working days it is overdue by)."""
    if end == start:
        return 0
    step = 1 if end > start else -1
    count, day = 0, start
    while day != end:
        day += timedelta(days=step)
        if calendar.is_working_day(day):
            count += step
    return count


def deadline_board(
    *,
    emissions: Iterable[EmissionState],
    miners: Iterable[MinerState],
    licences: Iterable[LicenceState],
    today: date,
    calendar: WorkingCalendar,
) -> list[BoardItem]:
    """Every open deadline of the three registers, soonest first (overdue ones first of all).

    Missed deadlines (closed late) are not on the board: they are findings of the record.
    """
    items: list[BoardItem] = []

    def add(
        register: Literal["emission", "miner", "vasp"],
        key: str,
        name: str,
        status: str,
        deadlines: Iterable[Deadline],
    ) -> None:
        for d in deadlines:
            items.append(
                BoardItem(
                    register=register,
                    key=key,
                    name=name,
                    status=status,
                    deadline=d,
                    owed_by=owed_by(d, register),
                    days_left=(d.due - today).days,
                    working_days_left=working_days_between(today, d.due, calendar),
                )
            )

    for e in emissions:
        add("emission", e.key, e.name, e.status.value, e.deadlines)
    for m in miners:
        add("miner", m.certificate, m.name, m.status.value, m.requests)
    for lic in licences:
        add("vasp", lic.licence, lic.name, lic.status.value, lic.deadlines)
    items.sort(key=lambda i: (i.deadline.due, i.register, i.key, i.deadline.name))
    return items
