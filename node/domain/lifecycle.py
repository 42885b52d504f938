"""The emission lifecycle: explicit transition table and the deadlines of each stage (Reg. §4-56).

Statuses and events (``*`` = allowed from every status of the box; ``=`` = status unchanged)::

    emission.applied ──► APPLIED ──registered──► REGISTERED ──offer_disclosed──► OFFER_DISCLOSED
                           │                        Reg. §10, §57                    Reg. §21
                           ├─refused──► REFUSED (terminal, Reg. §17)                     │
                           └─remedy_requested / documents_amended (Reg. §37)──► =        │
                                                                              placement_started
                                                                                 Reg. §20-21
                                                                                         ▼
    CIRCULATING ◄─recognized_successful── REPORTED ◄─results_reported── PLACEMENT_ENDED ◄─ PLACING
     Reg. §29        Reg. §29, §34          │            Reg. §30          placement_ended
                                            └─recognized_failed (≤ 10 working days, Reg. §34)─┐
                                                                                              ▼
    ┌ REGISTERED … CIRCULATING ┐ ──suspended (Reg. §25.1)──► SUSPENDED ──declared_failed──► FAILED
    │ ("active registered")    │ ◄──resumed (prior status)──    │         Reg. §25.2, §48
    └──────────────────────────┘                                │
         * and SUSPENDED ──invalidated (court, Reg. §25.3, §52)──────────────────────────► INVALID

    REGISTERED … CIRCULATING, SUSPENDED, FAILED, INVALID ──cancelled (Reg. §45, §47)──► CANCELLED
    CANCELLED ──cancellation_prenotified (next day, Reg. §55) / cancellation_notified (Reg. §54-55)
              / cancellation_published (Reg. §56)──► =
    CIRCULATING, FAILED, CANCELLED ──recognition_notified (Reg. §38-39)──► =
    CIRCULATING ──results_disclosed (Reg. §40)──► =
    FAILED, INVALID, CANCELLED ──proceeds_returned (Reg. §25, §53)──► =
    placement started, not refused ──quarter_reported (Reg. §28)──► =
    REGISTERED … CIRCULATING, SUSPENDED ──collateral_reappraised (Reg. §3-6)──► =
    CIRCULATING ──partial_burn (Reg. §45)──► =      REPORTED, CIRCULATING ──unplaced_cancelled──► =
    REGISTERED … CIRCULATING, SUSPENDED ──whitepaper_amendment_requested / _amended (Reg. §7)──► =
    every status but REFUSED ──fee_paid (Reg. §28)──► =

Deadlines are computed in Kyrgyz working days through an injected WorkingCalendar; a term
counted in calendar days that ends on a non-working day ends on the next working day (Civil
Code of the KR; ``calendar.end_of_term``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Final, Literal

from node.domain.calendar import WorkingCalendar, add_calendar_days, end_of_term
from node.domain.fee import quarter_end as _quarter_end
from node.domain.model import Deadline, EmissionStatus, IssuerStatus

S = EmissionStatus

BISHKEK: Final = timezone(timedelta(hours=6), "Asia/Bishkek")
"""Kyrgyz time (UTC+6, no daylight saving): the calendar day of an entry's recording."""

# ---- status groups ------------------------------------------------------------------------

ACTIVE_REGISTERED: Final = frozenset(
    {S.REGISTERED, S.OFFER_DISCLOSED, S.PLACING, S.PLACEMENT_ENDED, S.REPORTED, S.CIRCULATING}
)
"""Registered and neither suspended, failed, invalid nor cancelled."""
AWAITING_CANCELLATION: Final = frozenset({S.FAILED, S.INVALID})
"""The number is to be cancelled (Reg. §44, §47, §53)."""
REGISTERED_LIVE: Final = ACTIVE_REGISTERED | {S.SUSPENDED} | AWAITING_CANCELLATION
"""Holds a state registration number that is not cancelled."""
PLACEMENT_OPEN: Final = frozenset({S.REGISTERED, S.OFFER_DISCLOSED, S.PLACING})
"""Placement not yet ended: the placement period may still be amended (Reg. §20)."""

Target = EmissionStatus | Literal["same", "prior"]
"""Status after an event: a status, "same" (unchanged) or "prior" (the status before suspension)."""


@dataclass(frozen=True, slots=True)
class Transition:
    """One row of the table: which statuses allow ``kind`` and where it leads."""

    kind: str
    sources: frozenset[EmissionStatus]
    target: Target
    paragraph: str

    def result(self, current: EmissionStatus, prior: EmissionStatus | None) -> EmissionStatus:
        """The status after the event applied in ``current`` (``prior`` = before suspension)."""
        if self.target == "same":
            return current
        if self.target == "prior":
            if prior is None:  # pragma: no cover - SUSPENDED always remembers its prior status
                raise ValueError("no prior status to return to")
            return prior
        return self.target


def _t(kind: str, sources: frozenset[EmissionStatus], target: Target, paragraph: str) -> Transition:
    return Transition(kind=kind, sources=sources, target=target, paragraph=paragraph)


_NONE: Final[frozenset[EmissionStatus]] = frozenset()
_ONE = frozenset

TRANSITIONS: Final[Mapping[str, Transition]] = {
    t.kind: t
    for t in (
        # creates the emission; it must not exist yet
        _t("emission.applied", _NONE, S.APPLIED, "Reg. §9"),
        _t("emission.registered", _ONE({S.APPLIED}), S.REGISTERED, "Reg. §10, §57"),
        _t("emission.remedy_requested", _ONE({S.APPLIED}), "same", "Reg. §37"),
        _t("emission.documents_amended", _ONE({S.APPLIED}), "same", "Reg. §37"),
        _t("emission.name_reviewed", _ONE({S.APPLIED}), "same", "Reg. §10; Law art. 37.3"),
        _t("emission.refused", _ONE({S.APPLIED}), S.REFUSED, "Reg. §10, §17"),
        _t(
            "emission.whitepaper_amendment_requested",
            ACTIVE_REGISTERED | {S.SUSPENDED},
            "same",
            "Reg. §7",
        ),
        _t("emission.whitepaper_amended", ACTIVE_REGISTERED | {S.SUSPENDED}, "same", "Reg. §7"),
        _t("emission.offer_disclosed", _ONE({S.REGISTERED}), S.OFFER_DISCLOSED, "Reg. §21"),
        _t("emission.placement_started", _ONE({S.OFFER_DISCLOSED}), S.PLACING, "Reg. §20-21"),
        _t("emission.placement_ended", _ONE({S.PLACING}), S.PLACEMENT_ENDED, "Reg. §30"),
        _t("emission.results_reported", _ONE({S.PLACEMENT_ENDED}), S.REPORTED, "Reg. §30"),
        _t(
            "emission.recognized_successful",
            _ONE({S.REPORTED}),
            S.CIRCULATING,
            "Reg. §29, §34",
        ),
        _t("emission.recognized_failed", _ONE({S.REPORTED}), S.FAILED, "Reg. §34, §44"),
        _t("emission.suspended", ACTIVE_REGISTERED, S.SUSPENDED, "Reg. §25.1"),
        _t("emission.resumed", _ONE({S.SUSPENDED}), "prior", "Reg. §25.1"),
        _t("emission.declared_failed", _ONE({S.SUSPENDED}), S.FAILED, "Reg. §25.2"),
        _t(
            "emission.invalidated",
            ACTIVE_REGISTERED | {S.SUSPENDED},
            S.INVALID,
            "Reg. §25.3, §52",
        ),
        _t("emission.partial_burn", _ONE({S.CIRCULATING}), "same", "Reg. §45"),
        _t("emission.unplaced_cancelled", _ONE({S.REPORTED, S.CIRCULATING}), "same", "Reg. §45"),
        _t("emission.cancelled", REGISTERED_LIVE, S.CANCELLED, "Reg. §45, §47"),
        _t("emission.cancellation_notified", _ONE({S.CANCELLED}), "same", "Reg. §54-55"),
        _t("emission.cancellation_published", _ONE({S.CANCELLED}), "same", "Reg. §56"),
        _t("emission.fee_paid", frozenset(S) - {S.REFUSED}, "same", "Reg. §28"),
        _t("emission.quarter_reported", frozenset(S) - {S.REFUSED}, "same", "Reg. §28"),
        _t(
            "emission.proceeds_returned",
            _ONE({S.FAILED, S.INVALID, S.CANCELLED}),
            "same",
            "Reg. §25, §53",
        ),
        _t(
            "emission.recognition_notified",
            _ONE({S.CIRCULATING, S.FAILED, S.CANCELLED, S.SUSPENDED}),
            "same",
            "Reg. §38-39",
        ),
        _t(
            "emission.results_disclosed",
            _ONE({S.CIRCULATING, S.SUSPENDED}),
            "same",
            "Reg. §40",
        ),
        _t("emission.cancellation_prenotified", _ONE({S.CANCELLED}), "same", "Reg. §55"),
        _t(
            "emission.collateral_reappraised",
            ACTIVE_REGISTERED | {S.SUSPENDED},
            "same",
            "Reg. §3-6",
        ),
    )
}
"""The emission transition table: kind -> allowed from-statuses -> to-status."""


@dataclass(frozen=True, slots=True)
class IssuerTransition:
    """One row of the issuer table."""

    kind: str
    sources: frozenset[IssuerStatus]
    target: IssuerStatus | Literal["same"]
    paragraph: str


ISSUER_TRANSITIONS: Final[Mapping[str, IssuerTransition]] = {
    t.kind: t
    for t in (
        IssuerTransition("issuer.registered", frozenset(), IssuerStatus.ACTIVE, "Reg. §62"),
        IssuerTransition("issuer.updated", frozenset({IssuerStatus.ACTIVE}), "same", "Reg. §62"),
        IssuerTransition(
            "issuer.name_reviewed", frozenset({IssuerStatus.ACTIVE}), "same", "Reg. §62"
        ),
        IssuerTransition(
            "issuer.reorganized",
            frozenset({IssuerStatus.ACTIVE}),
            IssuerStatus.REORGANIZED,
            "Reg. §62, §64",
        ),
        # target is BANKRUPT instead when the termination is a bankruptcy (Reg. §64)
        IssuerTransition(
            "issuer.liquidated",
            frozenset({IssuerStatus.ACTIVE}),
            IssuerStatus.LIQUIDATED,
            "Reg. §62, §64",
        ),
    )
}
"""The issuer transition table: kind -> allowed from-statuses -> to-status."""

# ---- deadlines ----------------------------------------------------------------------------

DECISION: Final = "decision"
WHITEPAPER_REVIEW: Final = "whitepaper_review"
RESULTS_REPORT: Final = "results_report"
RECOGNITION: Final = "recognition"
REMEDY: Final = "remedy"
CANCELLATION: Final = "cancellation"
NOTIFICATION: Final = "notification"
PUBLICATION: Final = "publication"
REGISTER_ENTRY: Final = "register_entry"
FEE_INSTALLMENT: Final = "fee_installment"
FEE_REPORT: Final = "fee_report"
RECOGNITION_NOTICE: Final = "recognition_notice"
RESULTS_DISCLOSURE: Final = "results_disclosure"
PRENOTICE: Final = "prenotice"
UNPLACED_CANCELLATION: Final = "unplaced_cancellation"
APPRAISAL_VALIDITY: Final = "appraisal_validity"
DOCUMENTS_REMEDY: Final = "documents_remedy"


def recorded_on(recorded_at: datetime) -> date:
    """The Kyrgyz calendar day (UTC+6) on which an entry was recorded."""
    return recorded_at.astimezone(BISHKEK).date()


def decision_deadline(filed_on: date, calendar: WorkingCalendar) -> Deadline:
    """Register or refuse within 20 working days of receiving the documents (Reg. §10)."""
    return Deadline(DECISION, calendar.add_working_days(filed_on, 20), "Reg. §10")


def review_deadline(requested_on: date, calendar: WorkingCalendar) -> Deadline:
    """The authority reviews a white-paper amendment within 10 working days (Reg. §7)."""
    return Deadline(WHITEPAPER_REVIEW, calendar.add_working_days(requested_on, 10), "Reg. §7")


def earliest_placement(published_on: date, calendar: WorkingCalendar) -> date:
    """First day placement may start: the 5th working day after the offer's publication.

    Reg. §21: placement "may start no earlier than 5 working days from the day the public offer
    is published"; we read it as the 5th working day after the publication day.
    """
    return calendar.add_working_days(published_on, 5)


def report_deadline(ended_on: date, calendar: WorkingCalendar) -> Deadline:
    """The results report is due within 30 calendar days after placement ends (Reg. §30); on
    a non-working 30th day, on the next working day (Civil Code of the KR)."""
    return Deadline(
        RESULTS_REPORT, end_of_term(add_calendar_days(ended_on, 30), calendar), "Reg. §30"
    )


def recognition_deadline(reported_on: date, calendar: WorkingCalendar) -> Deadline:
    """Recognition within 10 working days of the report; no failure after that (Reg. §34)."""
    return Deadline(RECOGNITION, calendar.add_working_days(reported_on, 10), "Reg. §34")


def remedy_deadline(remedy_by: date) -> Deadline:
    """The term the authority gives to remedy the violations of a suspension (Reg. §25.1)."""
    return Deadline(REMEDY, remedy_by, "Reg. §25.1")


def cancellation_after_decision(decided_on: date, calendar: WorkingCalendar) -> Deadline:
    """Cancel the number no later than the next working day after the decision (Reg. §36)."""
    return Deadline(CANCELLATION, calendar.next_working_day(decided_on), "Reg. §36")


def cancellation_after_ground(ground_on: date, calendar: WorkingCalendar) -> Deadline:
    """Enter a cancellation within 3 working days after its ground arises (Reg. §65)."""
    return Deadline(CANCELLATION, calendar.add_working_days(ground_on, 3), "Reg. §65")


def register_entry_deadline(ground_on: date, calendar: WorkingCalendar) -> Deadline:
    """An entry on a Reg. §64 ground is made within 3 working days of the ground (Reg. §65)."""
    return Deadline(REGISTER_ENTRY, calendar.add_working_days(ground_on, 3), "Reg. §65")


def notification_deadline(cancelled_on: date, calendar: WorkingCalendar) -> Deadline:
    """Written notice of a cancellation within 3 working days of the decision (Reg. §55)."""
    return Deadline(NOTIFICATION, calendar.add_working_days(cancelled_on, 3), "Reg. §55")


def publication_deadline(cancelled_on: date, calendar: WorkingCalendar) -> Deadline:
    """Publish a cancellation within 5 working days (Reg. §56)."""
    return Deadline(PUBLICATION, calendar.add_working_days(cancelled_on, 5), "Reg. §56")


def recognition_notice_deadline(decided_on: date, calendar: WorkingCalendar) -> Deadline:
    """The decision on recognition reaches the issuer within 3 working days (Reg. §38-39)."""
    return Deadline(RECOGNITION_NOTICE, calendar.add_working_days(decided_on, 3), "Reg. §38-39")


def results_disclosure_deadline(recognized_on: date, calendar: WorkingCalendar) -> Deadline:
    """The issuer discloses the results through the exchange operator within 5 working days of
    the recognition (Reg. §40)."""
    return Deadline(RESULTS_DISCLOSURE, calendar.add_working_days(recognized_on, 5), "Reg. §40")


def prenotice_deadline(decided_on: date, calendar: WorkingCalendar) -> Deadline:
    """The preliminary notice of a cancellation goes out the day after the decision (Reg. §55:
    "the day following", a calendar day); when that day is not a working day, on the next
    working day (Civil Code of the KR; see docs/regulatory-notes.md)."""
    return Deadline(PRENOTICE, end_of_term(add_calendar_days(decided_on, 1), calendar), "Reg. §55")


def unplaced_cancellation_deadline(recognized_on: date, calendar: WorkingCalendar) -> Deadline:
    """The unplaced VAs are cancelled and the register updated (Reg. §45) within 3 working days
    of the ground (Reg. §65): the recognition that fixes how many were placed."""
    return Deadline(
        UNPLACED_CANCELLATION, calendar.add_working_days(recognized_on, 3), "Reg. §45, §65"
    )


def documents_remedy_deadline(remedy_by: date) -> Deadline:
    """The term the authority gives to remedy the defects of filed documents (Reg. §37)."""
    return Deadline(DOCUMENTS_REMEDY, remedy_by, "Reg. §37")


def appraisal_deadline(valid_until: date) -> Deadline:
    """The collateral's appraisals are current until ``valid_until`` (six months, Reg. §3-6):
    placement must end by then, or the collateral be appraised anew."""
    return Deadline(APPRAISAL_VALIDITY, valid_until, "Reg. §3-6")


def quarter_report_deadline(quarter_end: date, calendar: WorkingCalendar) -> Deadline:
    """The issuer reports the quarter's placement and payment within 10 working days after the
    quarter ends (Reg. §28)."""
    return Deadline(
        f"{FEE_REPORT}:{quarter_end.isoformat()}",
        calendar.add_working_days(quarter_end, 10),
        "Reg. §28",
    )


def installment_deadline(quarter_end: date, calendar: WorkingCalendar) -> Deadline:
    """A fee installment is due within 5 working days after its quarter ends (Reg. §28)."""
    return Deadline(
        f"{FEE_INSTALLMENT}:{quarter_end.isoformat()}",
        calendar.add_working_days(quarter_end, 5),
        "Reg. §28",
    )


def installment_deadlines(start: date, end: date, calendar: WorkingCalendar) -> list[Deadline]:
    """Installment deadlines of every quarter from the one holding ``start`` to ``end`` (Reg. §28).

    Raises:
        ValueError: ``end`` precedes ``start``.
    """
    if end < start:
        raise ValueError(f"period end {end} precedes its start {start}")
    found = []
    q = _quarter_end(start)
    last = _quarter_end(end)
    while q <= last:
        found.append(installment_deadline(q, calendar))
        q = _quarter_end(q + timedelta(days=1))
    return found


def quarter_deadlines(start: date, end: date, calendar: WorkingCalendar) -> list[Deadline]:
    """Installment payment (5 working days) and report (10 working days) deadlines of every
    quarter from the one holding ``start`` to ``end`` (Reg. §28).

    Raises:
        ValueError: ``end`` precedes ``start``.
    """
    found: list[Deadline] = []
    for payment in installment_deadlines(start, end, calendar):
        q = installment_quarter(payment)
        assert q is not None
        found.extend((payment, quarter_report_deadline(q, calendar)))
    return found


def installment_quarter(deadline: Deadline) -> date | None:
    """The quarter end of an installment payment or quarterly report deadline, else None."""
    prefix, _, quarter = deadline.name.partition(":")
    if prefix not in (FEE_INSTALLMENT, FEE_REPORT) or not quarter:
        return None
    return date.fromisoformat(quarter)
