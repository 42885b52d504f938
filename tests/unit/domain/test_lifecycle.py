"""The lifecycle table and its deadlines, checked against hand-written expectations."""

from __future__ import annotations

from datetime import date

import pytest
from lifecycle_samples import (
    APP,
    CAL,
    EMISSION_EVENT_KINDS,
    REGNO,
    sample_event,
    with_status,
)

from node.domain import lifecycle as lc
from node.domain.entries import ENTRY_TYPES
from node.domain.model import Deadline, EmissionStatus, IssuerStatus
from node.errors import IllegalTransition

S = EmissionStatus
ALL = set(S)
ACTIVE = {
    S.REGISTERED,
    S.OFFER_DISCLOSED,
    S.PLACING,
    S.PLACEMENT_ENDED,
    S.REPORTED,
    S.CIRCULATING,
}

# Written out by hand from the Regulation, independently of lifecycle.TRANSITIONS:
# kind -> (statuses it is allowed in, status afterwards; None = unchanged, "prior" = resumed).
EXPECTED: dict[str, tuple[set[EmissionStatus], EmissionStatus | str | None]] = {
    "emission.registered": ({S.APPLIED}, S.REGISTERED),  # Reg. §10, §57
    "emission.refused": ({S.APPLIED}, S.REFUSED),  # Reg. §17
    "emission.whitepaper_amendment_requested": (ACTIVE | {S.SUSPENDED}, None),  # Reg. §7
    "emission.whitepaper_amended": (ACTIVE | {S.SUSPENDED}, None),  # Reg. §7
    "emission.offer_disclosed": ({S.REGISTERED}, S.OFFER_DISCLOSED),  # Reg. §21
    "emission.placement_started": ({S.OFFER_DISCLOSED}, S.PLACING),  # Reg. §20-21
    "emission.placement_ended": ({S.PLACING}, S.PLACEMENT_ENDED),  # Reg. §30
    "emission.results_reported": ({S.PLACEMENT_ENDED}, S.REPORTED),  # Reg. §30
    "emission.recognized_successful": ({S.REPORTED}, S.CIRCULATING),  # Reg. §29, §34
    "emission.recognized_failed": ({S.REPORTED}, S.FAILED),  # Reg. §34, §44
    "emission.suspended": (ACTIVE, S.SUSPENDED),  # Reg. §25.1
    "emission.resumed": ({S.SUSPENDED}, "prior"),  # Reg. §25.1
    "emission.declared_failed": ({S.SUSPENDED}, S.FAILED),  # Reg. §25.2
    "emission.invalidated": (ACTIVE | {S.SUSPENDED}, S.INVALID),  # Reg. §25.3, §52
    "emission.partial_burn": ({S.CIRCULATING}, None),  # Reg. §45
    "emission.unplaced_cancelled": ({S.REPORTED, S.CIRCULATING}, None),  # Reg. §45
    "emission.cancelled": (ACTIVE | {S.SUSPENDED, S.FAILED, S.INVALID}, S.CANCELLED),  # §45, §47
    "emission.cancellation_notified": ({S.CANCELLED}, None),  # Reg. §54-55
    "emission.cancellation_published": ({S.CANCELLED}, None),  # Reg. §56
    "emission.fee_paid": (ALL - {S.REFUSED}, None),  # Reg. §28
    "emission.quarter_reported": (ALL - {S.REFUSED}, None),  # Reg. §28
    "emission.proceeds_returned": ({S.FAILED, S.INVALID, S.CANCELLED}, None),  # Reg. §25, §53
    "emission.recognition_notified": (  # Reg. §38-39
        {S.CIRCULATING, S.FAILED, S.CANCELLED, S.SUSPENDED},
        None,
    ),
    "emission.results_disclosed": ({S.CIRCULATING, S.SUSPENDED}, None),  # Reg. §40
    "emission.cancellation_prenotified": ({S.CANCELLED}, None),  # Reg. §55
    "emission.collateral_reappraised": (ACTIVE | {S.SUSPENDED}, None),  # Reg. §3-6
    "emission.remedy_requested": ({S.APPLIED}, None),  # Reg. §37
    "emission.documents_amended": ({S.APPLIED}, None),  # Reg. §37
    "emission.name_reviewed": ({S.APPLIED}, None),  # Law art. 37.3
}


def test_table_matches_the_hand_written_expectations() -> None:
    assert set(lc.TRANSITIONS) == set(EXPECTED) | {"emission.applied"}
    assert lc.TRANSITIONS["emission.applied"].sources == frozenset()
    assert lc.TRANSITIONS["emission.applied"].target is S.APPLIED
    for kind, (sources, target) in EXPECTED.items():
        row = lc.TRANSITIONS[kind]
        assert set(row.sources) == sources, kind
        assert row.target == ("same" if target is None else target), kind
        assert row.paragraph.startswith("Reg. §"), kind


def test_every_emission_kind_has_a_row_and_only_those() -> None:
    assert set(lc.TRANSITIONS) == {k for k in ENTRY_TYPES if k.startswith("emission.")}
    assert set(lc.ISSUER_TRANSITIONS) == {k for k in ENTRY_TYPES if k.startswith("issuer.")}


def test_terminal_statuses_allow_no_status_change() -> None:
    for row in lc.TRANSITIONS.values():
        if row.target != "same":
            assert not row.sources & {S.REFUSED, S.CANCELLED}, row.kind


def test_result_of_a_row() -> None:
    resumed = lc.TRANSITIONS["emission.resumed"]
    assert resumed.result(S.SUSPENDED, S.PLACING) is S.PLACING
    assert lc.TRANSITIONS["emission.fee_paid"].result(S.REPORTED, None) is S.REPORTED
    assert lc.TRANSITIONS["emission.placement_ended"].result(S.PLACING, None) is S.PLACEMENT_ENDED


def test_issuer_table() -> None:
    active = frozenset({IssuerStatus.ACTIVE})
    assert lc.ISSUER_TRANSITIONS["issuer.registered"].sources == frozenset()
    assert lc.ISSUER_TRANSITIONS["issuer.updated"].sources == active
    assert lc.ISSUER_TRANSITIONS["issuer.reorganized"].target is IssuerStatus.REORGANIZED
    assert lc.ISSUER_TRANSITIONS["issuer.liquidated"].sources == active


ILLEGAL = [
    (kind, status)
    for kind, (sources, _) in sorted(EXPECTED.items())
    for status in sorted(ALL - sources)
]


@pytest.mark.parametrize(("kind", "status"), ILLEGAL, ids=[f"{k}@{s}" for k, s in ILLEGAL])
def test_illegal_transitions_are_refused(kind: str, status: EmissionStatus) -> None:
    reg = with_status(status)
    before = reg.emission(APP)
    key = APP if status in (S.APPLIED, S.REFUSED) else REGNO
    with pytest.raises(IllegalTransition) as err:
        reg.apply(sample_event(kind, date(2026, 9, 1), key), calendar=CAL)
    assert err.value.field == "status"
    assert err.value.rule == "illegal-transition"
    assert err.value.paragraph == lc.TRANSITIONS[kind].paragraph
    assert reg.emission(APP) == before


def test_every_status_is_covered_by_the_illegal_pairs() -> None:
    # each kind × status pair is either expected-legal or tested as illegal
    assert len(ILLEGAL) + sum(len(s) for s, _ in EXPECTED.values()) == len(EXPECTED) * len(ALL)
    assert set(EMISSION_EVENT_KINDS) == set(EXPECTED)


# ---- deadlines on the Kyrgyz calendar (2026: 20 Mar Eid al-Fitr, 21 Mar Nooruz, 1-9 May) ----


def test_decision_deadline_skips_nooruz_and_eid() -> None:
    # filed Mon 2 March 2026: 20 working days, 20 March (Eid al-Fitr) not counted
    assert lc.decision_deadline(date(2026, 3, 2), CAL) == Deadline(
        "decision", date(2026, 3, 31), "Reg. §10"
    )


def test_decision_deadline_over_the_may_holidays() -> None:
    # filed on the holiday Mon 4 May 2026: May 11-15, 18-22, 25-26, (27 Eid al-Adha), 28-29,
    # June 1-5, 8 -> the 20th working day is 8 June
    assert lc.decision_deadline(date(2026, 5, 4), CAL).due == date(2026, 6, 8)


def test_earliest_placement_after_the_may_holidays() -> None:
    # offer published Thu 30 April 2026; 1-9 May are days off: 11, 12, 13, 14, 15 May
    assert lc.earliest_placement(date(2026, 4, 30), CAL) == date(2026, 5, 15)
    # an ordinary week: published Mon 6 April -> Mon 13 April
    assert lc.earliest_placement(date(2026, 4, 6), CAL) == date(2026, 4, 13)


def test_report_deadline_is_in_calendar_days() -> None:
    # ended Tue 30 June 2026: the 30th calendar day is Thu 30 July, a working day
    assert lc.report_deadline(date(2026, 6, 30), CAL) == Deadline(
        "results_report", date(2026, 7, 30), "Reg. §30"
    )


def test_a_calendar_day_term_ending_on_a_non_working_day_ends_on_the_next_working_day() -> None:
    # Civil Code of the KR: ended Fri 31 July 2026, the 30th day is Sun 30 August, and Mon 31
    # August is Independence Day: the term ends on Tue 1 September
    assert lc.report_deadline(date(2026, 7, 31), CAL) == Deadline(
        "results_report", date(2026, 9, 1), "Reg. §30"
    )
    # Reg. §55 "the day following": a decision of Fri 4 December 2026 -> Mon 7 December
    assert lc.prenotice_deadline(date(2026, 12, 4), CAL) == Deadline(
        "prenotice", date(2026, 12, 7), "Reg. §55"
    )


def test_recognition_and_review_deadlines() -> None:
    # reported Tue 17 March 2026: 18, 19, (20 Eid), 23, 24, 25, 26, 27, 30, 31, 1 April
    assert lc.recognition_deadline(date(2026, 3, 17), CAL) == Deadline(
        "recognition", date(2026, 4, 1), "Reg. §34"
    )
    assert lc.review_deadline(date(2026, 3, 17), CAL).due == date(2026, 4, 1)
    assert lc.review_deadline(date(2026, 3, 17), CAL).rule == "Reg. §7"


def test_cancellation_deadlines() -> None:
    # decision on Thu 30 April 2026: the next working day is Mon 11 May (Reg. §36)
    assert lc.cancellation_after_decision(date(2026, 4, 30), CAL) == Deadline(
        "cancellation", date(2026, 5, 11), "Reg. §36"
    )
    # Fri 19 Dec 2025 + 3 working days (Reg. §65)
    assert lc.cancellation_after_ground(date(2025, 12, 19), CAL).due == date(2025, 12, 24)
    assert lc.notification_deadline(date(2026, 4, 29), CAL).due == date(2026, 5, 12)
    assert lc.publication_deadline(date(2026, 4, 29), CAL) == Deadline(
        "publication", date(2026, 5, 14), "Reg. §56"
    )
    assert lc.register_entry_deadline(date(2026, 3, 19), CAL).due == date(2026, 3, 25)


def test_installment_deadlines_cover_each_quarter_of_the_period() -> None:
    found = lc.installment_deadlines(date(2026, 5, 15), date(2026, 12, 1), CAL)
    assert [(d.name, d.due) for d in found] == [
        ("fee_installment:2026-06-30", date(2026, 7, 7)),
        ("fee_installment:2026-09-30", date(2026, 10, 7)),
        # 31 Dec 2026 + 5 working days: 1-7 January are days off in 2027
        ("fee_installment:2026-12-31", date(2027, 1, 14)),
    ]
    assert all(d.rule == "Reg. §28" for d in found)
    assert lc.installment_quarter(found[1]) == date(2026, 9, 30)
    assert lc.installment_quarter(Deadline("decision", date(2026, 1, 1), "Reg. §10")) is None
    with pytest.raises(ValueError, match="precedes"):
        lc.installment_deadlines(date(2026, 5, 15), date(2026, 5, 14), CAL)


def test_recorded_on_is_the_bishkek_day() -> None:
    from datetime import UTC, datetime

    assert lc.recorded_on(datetime(2026, 3, 1, 17, 59, tzinfo=UTC)) == date(2026, 3, 1)
    assert lc.recorded_on(datetime(2026, 3, 1, 18, 0, tzinfo=UTC)) == date(2026, 3, 2)
