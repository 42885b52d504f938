"""The deadline board: who owes each open deadline, days and working days left across Kyrgyz
holidays, overdue marks, all three registers."""

from __future__ import annotations

from datetime import date

from node.domain.board import deadline_board, owed_by, working_days_between
from node.domain.model import Deadline
from tests.unit.domain.lifecycle_samples import CAL, fresh
from tests.unit.domain.test_vasps import applied


def test_working_days_count_across_the_may_holidays() -> None:
    # 1-10 May 2026 are holidays or weekend days in the Kyrgyz calendar: 11-15 May are the
    # five working days after 30 April (the count agrees with add_working_days)
    assert working_days_between(date(2026, 4, 30), date(2026, 5, 15), CAL) == 5
    assert CAL.add_working_days(date(2026, 4, 30), 5) == date(2026, 5, 15)
    assert working_days_between(date(2026, 5, 15), date(2026, 4, 30), CAL) == -5
    assert working_days_between(date(2026, 5, 11), date(2026, 5, 11), CAL) == 0


def test_who_owes_a_deadline() -> None:
    assert owed_by(Deadline("decision", date(2026, 4, 1), "Reg. §10"), "emission") == "authority"
    assert owed_by(Deadline("results_report", date(2026, 4, 1), "Reg. §30"), "emission") == (
        "issuer"
    )
    assert owed_by(
        Deadline("fee_installment:2026Q2", date(2026, 7, 7), "Reg. §28"), "emission"
    ) == ("issuer")
    assert owed_by(Deadline("licence_review", date(2026, 4, 1), "Law art. 30.2"), "vasp") == (
        "authority"
    )
    assert owed_by(Deadline("R-1", date(2026, 4, 1), "Law art. 16.2"), "miner") == "miner"


def test_the_board_orders_and_marks_overdue() -> None:
    reg = fresh()  # the sample application: a registration decision owed by the authority
    reg.apply(applied(on=date(2026, 3, 2)), calendar=CAL)  # a licence application under review
    emission = reg.emissions()[0]
    licence = reg.licence("LIC-000001")
    assert licence is not None
    today = date(2026, 3, 20)
    items = deadline_board(
        emissions=[emission], miners=[], licences=[licence], today=today, calendar=CAL
    )
    (decision,) = [i for i in items if i.register == "emission"]
    (review,) = [i for i in items if i.register == "vasp"]
    assert (decision.deadline.name, decision.owed_by) == ("decision", "authority")
    assert (review.deadline.name, review.owed_by, review.deadline.due) == (
        "licence_review",
        "authority",
        date(2026, 4, 2),  # one month from the complete application (Law art. 30.2)
    )
    assert items == sorted(items, key=lambda i: i.deadline.due)
    assert review.days_left == 13 and not review.overdue
    late = deadline_board(
        emissions=[emission], miners=[], licences=[licence], today=date(2026, 6, 1), calendar=CAL
    )
    assert all(i.overdue and i.days_left < 0 and i.working_days_left < 0 for i in late)
