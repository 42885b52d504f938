"""The pure reducer: validates an entry against the register's state and returns the new states."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_UP, Context, Decimal
from typing import Any, Final, Protocol, assert_never

from node.domain import lifecycle as lc
from node.domain.calendar import CalendarCorrections, WorkingCalendar, corrected_calendar
from node.domain.collateral import (
    appraisal_valid_until,
    check_appraisal_current,
    check_collateral,
    check_collateral_before_filing,
    check_collateral_registered,
    check_manager,
    requirement_met,
)
from node.domain.corrections import correct_calendar
from node.domain.entries import (
    AnyEmissionEntry,
    AnyVerificationEntry,
    CalendarCorrected,
    DocumentType,
    EmissionApplied,
    EmissionCancellationNotified,
    EmissionCancellationPublished,
    EmissionCancelled,
    EmissionCollateralReappraised,
    EmissionDeclaredFailed,
    EmissionDocumentsAmended,
    EmissionEntry,
    EmissionFeePaid,
    EmissionInvalidated,
    EmissionNameReviewed,
    EmissionOfferDisclosed,
    EmissionPartialBurn,
    EmissionPlacementEnded,
    EmissionPlacementStarted,
    EmissionProceedsReturned,
    EmissionQuarterReported,
    EmissionRecognizedFailed,
    EmissionRecognizedSuccessful,
    EmissionRefused,
    EmissionRegistered,
    EmissionRemedyRequested,
    EmissionResultsReported,
    EmissionResumed,
    EmissionSuspended,
    EmissionTerms,
    EmissionUnplacedCancelled,
    EmissionWhitepaperAmended,
    EmissionWhitepaperAmendmentRequested,
    Entry,
    FeeRate,
    IssuerEntry,
    IssuerLiquidated,
    IssuerNameReviewed,
    IssuerRegistered,
    IssuerReorganized,
    IssuerTermination,
    IssuerUpdated,
    MinerEntry,
    RateBasis,
    ReportEntry,
    VaspEntry,
    VaspService,
    VerificationEntry,
    VerificationFinding,
    VerificationFindingResolved,
    VerificationObserved,
    VerificationSourceFiled,
    VerificationWalletProof,
)
from node.domain.fee import (
    SOM,
    check_upfront_payment,
    fee_settled_by_som,
    increase_fee,
    installment_amount,
    proportional_fee,
    quarter_end,
    registration_fee,
    split_payment,
)
from node.domain.miners import MinerState, apply_miner_entry
from node.domain.model import (
    AmendmentProposal,
    CancellationGround,
    Deadline,
    Defect,
    EmissionState,
    EmissionStatus,
    IssuerKind,
    IssuerState,
    IssuerStatus,
    LegalRegistration,
    NameReview,
    QuarterReport,
    VenueLapse,
    total_nominal,
)
from node.domain.names import check_name, judge_name
from node.domain.regno import RegNo, next_serial, validate_issuer_code
from node.domain.subjects import MINER, Subject, register_of
from node.domain.vasps import LicenceState, apply_vasp_entry, licences_named
from node.domain.verification import (
    ChainOutcome,
    FiledSource,
    OpenFinding,
    VerificationState,
    accept_wallet_proof,
)
from node.errors import IllegalTransition, RuleViolation

S = EmissionStatus
_CENT: Final = Decimal("0.01")
_MAX_VOLUME: Final = 10**40  # node.domain.fee.MAX_DIGITS: the bound of exact money arithmetic
# Exact cents of any amount the wire admits: the default context (28 digits) cannot quantize
# an amount of 27 or more digits and would raise InvalidOperation instead of a rule violation.
_EXACT: Final = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


class RegisterView(Protocol):
    """Read access to the current register state (SQL ledger, MemoryRegister)."""

    def issuer(self, code: str) -> IssuerState | None:
        """The issuer with this code, if any."""
        ...

    def emission(self, key: str) -> EmissionState | None:
        """The emission with this state registration number OR application number, if any."""
        ...

    def emissions_of(self, issuer: str) -> Sequence[EmissionState]:
        """Every emission (application) of the issuer."""
        ...

    def application_count(self) -> int:
        """How many applications (emissions) the register holds."""
        ...

    def issuer_codes(self) -> Collection[str]:
        """Every issuer code in use."""
        ...

    def subject(self, key: str) -> Subject | None:
        """The miner (Law art. 14) or licence (art. 30.6) with this number, if any."""
        ...

    def subject_count(self, register: str) -> int:
        """How many subjects ``register`` ("miner", "vasp") ever held (numbers never reused)."""
        ...

    def calendar_corrections(self) -> CalendarCorrections:
        """The calendar corrections recorded so far (``calendar.corrected``, in log order)."""
        ...


@dataclass(frozen=True, slots=True)
class Effects:
    """New states of everything an entry changes (store each by code / application number /
    certificate number; ``calendar``: the register's calendar corrections after the entry, when
    it changed them)."""

    issuers: tuple[IssuerState, ...] = ()
    emissions: tuple[EmissionState, ...] = ()
    subjects: tuple[Subject, ...] = ()  # miners and licences, by their numbers
    calendar: CalendarCorrections | None = None


def apply_entry(view: RegisterView, entry: Entry, *, calendar: WorkingCalendar) -> Effects:
    """Validate ``entry`` against ``view`` and return the new states it produces.

    Pure: reads ``view``, writes nothing. Emission states are keyed for storage by their
    ``application_no`` (stable); ``emission.registered`` adds the regno to it. Deadlines are
    counted on ``calendar`` as corrected by the ``calendar.corrected`` entries before this one
    (``view.calendar_corrections()``), so every replay counts them alike.

    Raises:
        IllegalTransition: the event is not allowed in the current status (lifecycle table).
        RuleViolation: any other rule is broken (field, rule and paragraph named); unknown issuer
            or emission included.
    """
    if isinstance(entry, CalendarCorrected):
        return _calendar_corrected(view, entry)
    if isinstance(entry, ReportEntry):  # a published report changes no record
        _check_recorded_after(entry)
        return Effects()
    if isinstance(entry, VerificationEntry):
        return _apply_verification_entry(view, entry)
    if isinstance(entry, MinerEntry):  # Law art. 14-16: no term counted in working days
        _check_recorded_after(entry)
        current = view.subject(entry.miner)
        miner = apply_miner_entry(
            current if isinstance(current, MinerState) else None,
            entry,
            taken=lambda c: view.subject(c) is not None,
        )
        return Effects(subjects=(miner,))
    if isinstance(entry, VaspEntry):  # Law art. 25-32: months and dates, not working days
        _check_recorded_after(entry)
        found = view.subject(entry.licence)
        licence = apply_vasp_entry(
            found if isinstance(found, LicenceState) else None,
            entry,
            taken=lambda c: view.subject(c) is not None,
        )
        return Effects(subjects=(licence,))
    calendar = corrected_calendar(calendar, view.calendar_corrections())
    if isinstance(entry, IssuerEntry):
        return _ISSUER_HANDLERS[entry.kind](view, entry, calendar)
    return _apply_emission_entry(view, entry, calendar)


def _calendar_corrected(view: RegisterView, entry: CalendarCorrected) -> Effects:
    _check_recorded_after(entry)
    # the decree is the basis of the entry (Reg. §63)
    _check_basis(entry, frozenset({DocumentType.GOVERNMENT_DECREE}), "Reg. §63")
    return Effects(calendar=correct_calendar(view.calendar_corrections(), entry))


class MemoryRegister:
    """An in-memory register (RegisterView + storage) for rebuilds, audit replays and tests."""

    def __init__(self) -> None:
        self._issuers: dict[str, IssuerState] = {}
        self._emissions: dict[str, EmissionState] = {}  # by application number
        self._by_regno: dict[str, str] = {}  # regno -> application number
        self._by_issuer: dict[str, list[str]] = {}  # issuer code -> application numbers
        self._subjects: dict[str, Subject] = {}  # miners and licences, by number
        self._calendar = CalendarCorrections()

    def issuer(self, code: str) -> IssuerState | None:
        """The issuer with this code, if any."""
        return self._issuers.get(code)

    def emission(self, key: str) -> EmissionState | None:
        """The emission with this regno or application number, if any."""
        return self._emissions.get(self._by_regno.get(key, key))

    def emissions_of(self, issuer: str) -> list[EmissionState]:
        """Every emission of the issuer, in application order."""
        return [self._emissions[a] for a in self._by_issuer.get(issuer, ())]

    def application_count(self) -> int:
        """How many applications the register holds."""
        return len(self._emissions)

    def issuer_codes(self) -> Collection[str]:
        """Every issuer code in use."""
        return self._issuers.keys()

    def subject(self, key: str) -> Subject | None:
        """The miner or licence with this number, if any."""
        return self._subjects.get(key)

    def subject_count(self, register: str) -> int:
        """How many subjects ``register`` ever held."""
        return sum(1 for s in self._subjects.values() if register_of(s) == register)

    def subjects(self) -> list[Subject]:
        """Every miner and licence, by number."""
        return [self._subjects[k] for k in sorted(self._subjects)]

    def miner(self, certificate: str) -> MinerState | None:
        """The miner with this certificate number, if any."""
        found = self._subjects.get(certificate)
        return found if isinstance(found, MinerState) else None

    def miner_count(self) -> int:
        """How many miners were ever registered."""
        return self.subject_count(MINER)

    def miners(self) -> list[MinerState]:
        """All miners, by certificate number."""
        return [s for s in self.subjects() if isinstance(s, MinerState)]

    def licence(self, number: str) -> LicenceState | None:
        """The licence (application) with this number, if any."""
        found = self._subjects.get(number)
        return found if isinstance(found, LicenceState) else None

    def calendar_corrections(self) -> CalendarCorrections:
        """The calendar corrections applied so far."""
        return self._calendar

    def apply(self, entry: Entry, *, calendar: WorkingCalendar) -> Effects:
        """Validate and apply ``entry``; the register is unchanged when it raises.

        Raises:
            IllegalTransition, RuleViolation: as :func:`apply_entry`.
        """
        effects = apply_entry(self, entry, calendar=calendar)
        self.store(effects)
        return effects

    def store(self, effects: Effects) -> None:
        """Store already validated states."""
        if effects.calendar is not None:
            self._calendar = effects.calendar
        for i in effects.issuers:
            self._issuers[i.code] = i
        for e in effects.emissions:
            if e.application_no not in self._emissions:
                self._by_issuer.setdefault(e.issuer, []).append(e.application_no)
            self._emissions[e.application_no] = e
            if e.regno is not None:
                self._by_regno[e.regno] = e.application_no
        for subject in effects.subjects:
            self._subjects[subject.key] = subject

    def issuers(self) -> list[IssuerState]:
        """All issuers, sorted by code."""
        return [self._issuers[c] for c in sorted(self._issuers)]

    def emissions(self) -> list[EmissionState]:
        """All emissions, sorted by key (regno, or application number when unregistered)."""
        return sorted(self._emissions.values(), key=lambda e: e.key)


# ============================================================================================
# common checks
# ============================================================================================


def _violation(field: str, rule: str, paragraph: str, message: str) -> RuleViolation:
    return RuleViolation(field=field, rule=rule, paragraph=paragraph, message=message)


def _check_recorded_after(entry: Entry) -> None:
    # Reg. §63: an entry rests on a document or event that already exists.
    on = lc.recorded_on(entry.recorded_at)
    if entry.effective_on > on:
        raise _violation(
            "effective_on",
            "effective-after-recording",
            "Reg. §63",
            f"effective date {entry.effective_on} is after the recording day {on} (Kyrgyz time)",
        )


# Which documents an entry must rest on (Reg. §63-64); absent kinds need none.
_AUTHORITY: Final = frozenset({DocumentType.AUTHORITY_DECISION})
_REQUIRED_BASIS: Final[dict[str, tuple[frozenset[DocumentType], str]]] = {
    "emission.registered": (_AUTHORITY, "Reg. §64"),
    "emission.refused": (_AUTHORITY, "Reg. §10, §17"),
    "emission.whitepaper_amended": (_AUTHORITY, "Reg. §7"),
    "emission.recognized_successful": (_AUTHORITY, "Reg. §34"),
    "emission.recognized_failed": (_AUTHORITY, "Reg. §34"),
    "emission.suspended": (_AUTHORITY, "Reg. §25.1"),
    "emission.resumed": (_AUTHORITY, "Reg. §25.1"),
    "emission.declared_failed": (_AUTHORITY, "Reg. §25.2"),
    "emission.invalidated": (frozenset({DocumentType.COURT_DECISION}), "Reg. §25.3, §64"),
    "emission.partial_burn": (frozenset({DocumentType.ISSUER_DECISION}), "Reg. §46"),
}
_CANCELLATION_BASIS: Final[dict[CancellationGround, frozenset[DocumentType]]] = {
    CancellationGround.FAILED: _AUTHORITY,
    CancellationGround.INVALID: frozenset(
        {DocumentType.COURT_DECISION, DocumentType.AUTHORITY_DECISION}
    ),
    CancellationGround.ISSUER_LIQUIDATED: frozenset(
        {DocumentType.TERMINATION_RECORD, DocumentType.AUTHORITY_DECISION}
    ),
    CancellationGround.AUTHORITY_DECISION: _AUTHORITY,
    CancellationGround.BANKRUPTCY: frozenset(
        {
            DocumentType.BANKRUPTCY_DECISION,
            DocumentType.COURT_DECISION,
            DocumentType.AUTHORITY_DECISION,
        }
    ),
}
_TERMINATION_BASIS: Final[dict[IssuerTermination, frozenset[DocumentType]]] = {
    IssuerTermination.LIQUIDATION: frozenset({DocumentType.TERMINATION_RECORD}),
    IssuerTermination.BANKRUPTCY: frozenset(
        {DocumentType.BANKRUPTCY_DECISION, DocumentType.COURT_DECISION}
    ),
}


def _check_basis(entry: Entry, allowed: frozenset[DocumentType] | None, paragraph: str) -> None:
    basis = entry.basis
    if basis is not None and basis.date > entry.effective_on:
        # Reg. §63: the entry cannot take effect before the document it rests on.
        raise _violation(
            "basis.date",
            "basis-date",
            "Reg. §63",
            f"the document is dated {basis.date}, after the effective date {entry.effective_on}",
        )
    if allowed is None:
        return
    wanted = ", ".join(sorted(t.value for t in allowed))
    if basis is None:
        raise _violation(
            "basis",
            "basis-required",
            paragraph,
            f"{entry.kind} must rest on a document ({wanted})",
        )
    if basis.type not in allowed:
        raise _violation(
            "basis.type",
            "basis-type",
            paragraph,
            f"{entry.kind} must rest on {wanted}, not {basis.type.value}",
        )


def _close(
    state: EmissionState, name: str, on: date, *, extra_missed: Iterable[Deadline] = ()
) -> tuple[tuple[Deadline, ...], tuple[Deadline, ...]]:
    """Remove deadline ``name``; if it is met late (``on`` after due) add it to the missed."""
    deadlines = []
    missed = list(state.missed)
    for d in state.deadlines:
        if d.name == name:
            if on > d.due:
                missed.append(d)
        else:
            deadlines.append(d)
    missed.extend(extra_missed)
    return tuple(deadlines), tuple(missed)


def _entry_lateness(entry: Entry, calendar: WorkingCalendar) -> tuple[Deadline, ...]:
    # Reg. §65: entries on Reg. §64 grounds are made within 3 working days of the ground.
    due = lc.register_entry_deadline(entry.effective_on, calendar)
    if lc.recorded_on(entry.recorded_at) > due.due:
        return (due,)
    return ()


# ============================================================================================
# emission entries
# ============================================================================================

Changes = dict[str, Any]
"""Field changes of an EmissionState (applied with one dataclasses.replace)."""
_EmissionHandler = Callable[[RegisterView, Any, EmissionState, WorkingCalendar], Changes]


_EMISSION_FIELDS: Final = tuple(f.name for f in dataclasses.fields(EmissionState))
_EMISSION_POSITION: Final = {name: position for position, name in enumerate(_EMISSION_FIELDS)}
_emission_values: Final = operator.attrgetter(*_EMISSION_FIELDS)


def evolve_emission(state: EmissionState, changes: Changes) -> EmissionState:
    """``dataclasses.replace(state, **changes)`` at about half the cost (once per emission
    entry: the reducer's hot path).

    Raises:
        TypeError: a change names no field of EmissionState.
    """
    values = list(_emission_values(state))
    for name, value in changes.items():
        position = _EMISSION_POSITION.get(name)
        if position is None:
            raise TypeError(f"EmissionState has no field {name!r}")
        values[position] = value
    return EmissionState(*values)


def _apply_emission_entry(
    view: RegisterView, entry: AnyEmissionEntry, calendar: WorkingCalendar
) -> Effects:
    if isinstance(entry, EmissionApplied):
        return Effects(emissions=(_applied(view, entry, calendar),))
    state = view.emission(entry.emission)
    if state is None:
        raise _violation(
            "emission",
            "unknown-emission",
            "Reg. §57",
            f"no emission with state registration number or application number {entry.emission!r}",
        )
    kind: str = entry.kind
    row = lc.TRANSITIONS[kind]
    if state.status not in row.sources:
        allowed = ", ".join(sorted(s.value for s in row.sources))
        raise IllegalTransition(
            field="status",
            rule="illegal-transition",
            paragraph=row.paragraph,
            message=f"{kind} is not allowed while emission {state.key} is {state.status.value}"
            f" (allowed from: {allowed})",
        )
    _check_recorded_after(entry)
    if kind not in _ANY_ORDER and entry.effective_on < state.last_event_on:
        # Reg. §4: the stages follow one another; fee payments and quarterly reports (Reg. §28)
        # may be recorded out of order.
        raise _violation(
            "effective_on",
            "date-order",
            "Reg. §4",
            f"effective date {entry.effective_on} precedes the emission's last event "
            f"({state.last_event_on})",
        )
    if isinstance(entry, EmissionCancelled):
        _check_basis(entry, _CANCELLATION_BASIS[entry.ground], "Reg. §64")
    else:
        allowed_docs, paragraph = _REQUIRED_BASIS.get(kind, (None, ""))
        _check_basis(entry, allowed_docs, paragraph)
    changes = _EMISSION_HANDLERS[kind](view, entry, state, calendar)
    status = row.result(state.status, state.suspended_from)
    if entry.effective_on > state.last_event_on:
        changes["last_event_on"] = entry.effective_on
    if status is not state.status:
        changes["status"] = status
        changes["status_since"] = entry.effective_on
    new = evolve_emission(state, changes)
    if isinstance(entry, EmissionRegistered):
        issuer = view.issuer(state.issuer)
        assert issuer is not None  # checked by _registered
        bumped = dataclasses.replace(issuer, serials_used=issuer.serials_used + 1)
        return Effects(issuers=(bumped,), emissions=(new,))
    return Effects(emissions=(new,))


_ANY_ORDER: Final = frozenset({"emission.fee_paid", "emission.quarter_reported"})


def _active_issuer(view: RegisterView, code: str, *, field: str, paragraph: str) -> IssuerState:
    issuer = view.issuer(code)
    if issuer is None:
        raise _violation(field, "unknown-issuer", "Reg. §62", f"no issuer with code {code!r}")
    if issuer.status is not IssuerStatus.ACTIVE:
        raise _violation(
            field,
            "issuer-not-active",
            paragraph,
            f"issuer {code} is {issuer.status.value}"
            + (f"; its successor is {issuer.successor}" if issuer.successor else ""),
        )
    return issuer


def _not_terminated(view: RegisterView, state: EmissionState, paragraph: str) -> None:
    issuer = view.issuer(state.issuer)
    if issuer is not None and issuer.status in (IssuerStatus.LIQUIDATED, IssuerStatus.BANKRUPT):
        raise _violation(
            "issuer",
            "issuer-terminated",
            paragraph,
            f"issuer {issuer.code} is {issuer.status.value}; its emissions are to be cancelled "
            "(Reg. §45)",
        )


def _applied(
    view: RegisterView, entry: EmissionApplied, calendar: WorkingCalendar
) -> EmissionState:
    # At the door: only what makes the record itself impossible. Everything the documents get
    # wrong is recorded with them as defects, for the authority to decide on (Reg. §10, §17, §37).
    _active_issuer(view, entry.issuer, field="issuer", paragraph="Reg. §62")
    if view.emission(entry.emission) is not None:
        raise _violation(
            "emission",
            "duplicate-application",
            "Reg. §60",
            f"application {entry.emission} is already in the register",
        )
    _check_recorded_after(entry)
    _check_basis(entry, None, "")
    if entry.effective_on != entry.documents_filed_on:
        # Reg. §10: the application takes effect when the documents are received.
        raise _violation(
            "effective_on",
            "effective-date",
            "Reg. §10",
            f"an application takes effect on the filing date {entry.documents_filed_on}, "
            f"not {entry.effective_on}",
        )
    return _application_state(entry, application_no=entry.emission, calendar=calendar)


def _application_state(
    terms: EmissionTerms, *, application_no: str, calendar: WorkingCalendar
) -> EmissionState:
    """The state of an application from its terms as filed (or amended), with its defects."""
    _check_volume(terms)
    volume = total_nominal(terms.nominal_value, terms.quantity)
    items = tuple(c.to_item(volume_currency=terms.currency) for c in terms.collateral)
    manager = terms.collateral_manager
    fee = registration_fee(volume)
    counted, credit = split_payment(outstanding=fee, paid=terms.fee_paid)
    return EmissionState(
        application_no=application_no,
        regno=None,
        issuer=terms.issuer,
        va_type=terms.va_type,
        status=S.APPLIED,
        name=terms.name,
        symbol=terms.symbol,
        quantity=terms.quantity,
        nominal_value=terms.nominal_value,
        currency=terms.currency,
        placement_price=terms.placement_price,
        pricing_method=terms.pricing_method,
        placement_start=terms.placement_start,
        placement_end=terms.placement_end,
        min_success_quantity=terms.min_success_quantity,
        blockchain=terms.blockchain,
        issuer_wallet=terms.issuer_wallet,
        contract_address=terms.contract_address,
        whitepaper=terms.whitepaper.to_ref(),
        collateral=items,
        collateral_manager=manager.name if manager is not None else None,
        documents_filed_on=terms.documents_filed_on,
        status_since=terms.documents_filed_on,
        last_event_on=terms.documents_filed_on,
        fee_total=fee,
        fee_paid=counted,
        fee_upfront=counted,
        fee_credit=credit,
        deadlines=(lc.decision_deadline(terms.documents_filed_on, calendar),),
        defects=application_defects(terms),
        name_reviews=name_reviews(terms),
    )


def name_reviews(
    terms: EmissionTerms, *, decided: tuple[NameReview, ...] = ()
) -> tuple[NameReview, ...]:
    """The name and symbol that hold a word of Law art. 37.3 only inside another word (a
    personal name built on it: "Manasov Gold"), for the authority to decide; a text the
    authority already decided on keeps its decision (``decided``). Pure; raises nothing."""
    reviews = []
    for field, text in (("name", terms.name), ("symbol", terms.symbol)):
        verdict = judge_name(text)
        if verdict.refused or not verdict.review:
            continue  # refused words are defects (application_defects); clean needs nothing
        earlier = next((r for r in decided if r.field == field and r.text == text), None)
        reviews.append(
            earlier or NameReview(field=field, text=text, words=verdict.review, decision=None)
        )
    return tuple(reviews)


def application_defects(terms: EmissionTerms) -> tuple[Defect, ...]:
    """Every rule the filed documents break, each as a Defect (Reg. §3-1…3-10, §5, §17, §23,
    §28, Annex 1, Annex 3, Law art. 37.3). Pure; raises nothing."""
    found: list[Defect] = []

    def check(rule: Callable[[], object]) -> bool:
        try:
            rule()
        except RuleViolation as violation:
            found.append(
                Defect(
                    field=violation.field,
                    rule=violation.rule,
                    paragraph=violation.paragraph,
                    message=violation.message,
                )
            )
            return False
        return True

    check(lambda: _check_decision_date(terms))
    check(lambda: check_name(terms.name, field="name"))  # Law art. 37.3
    check(lambda: check_name(terms.symbol, field="symbol"))  # Law art. 37.3
    check(lambda: _check_terms(terms))
    volume = total_nominal(terms.nominal_value, terms.quantity)
    items = tuple(c.to_item(volume_currency=terms.currency) for c in terms.collateral)
    if check(lambda: _check_collateral_currency(terms)):
        check(
            lambda: check_collateral(
                items, emission_volume=volume, documents_filed_on=terms.documents_filed_on
            )
        )
    # Reg. §3-8, §3-9, §9.11: pledged and deposited before the documents are filed
    check(
        lambda: check_collateral_before_filing(items, documents_filed_on=terms.documents_filed_on)
    )
    manager = terms.collateral_manager
    check(lambda: check_manager(manager.to_manager() if manager is not None else None))
    check(lambda: _check_fee_paid(registration_fee(volume), terms.fee_paid))  # Reg. §17, §28
    check(lambda: _check_upfront_in_som(terms))  # Reg. §26-27
    return tuple(found)


def _check_volume(terms: EmissionTerms) -> None:
    if terms.quantity >= _MAX_VOLUME or terms.nominal_value * terms.quantity >= _MAX_VOLUME:
        raise _violation(
            "quantity",
            "emission-volume",
            "Reg. §26",
            f"quantity × nominal value ({terms.quantity} × {terms.nominal_value}) must stay below "
            "10^40: no issue is that large",
        )


def _check_decision_date(terms: EmissionTerms) -> None:
    if terms.decision.date > terms.documents_filed_on:
        raise _violation(
            "decision.date",
            "decision-date",
            "Reg. §5, Annex 3",
            "the decision on issue must be taken before the documents are filed",
        )


def _check_terms(terms: EmissionTerms) -> None:
    if terms.placement_end < terms.placement_start:
        raise _violation(
            "placement_end",
            "placement-period",
            "Reg. §5.3, Annex 1 item 5",
            f"placement ends ({terms.placement_end}) before it starts ({terms.placement_start})",
        )
    if terms.placement_price is None and terms.pricing_method is None:
        raise _violation(
            "placement_price",
            "placement-price",
            "Reg. §23",
            "give the placement price in figures or the procedure that determines it",
        )
    if terms.min_success_quantity is not None and terms.min_success_quantity > terms.quantity:
        raise _violation(
            "min_success_quantity",
            "min-success-quantity",
            "Annex 1 item 9",
            f"the minimum for success ({terms.min_success_quantity}) exceeds the quantity "
            f"({terms.quantity})",
        )


def _check_collateral_currency(terms: EmissionTerms) -> None:
    for i, c in enumerate(terms.collateral):
        if c.currency != terms.currency and c.rate is None:
            # Reg. §3-5: coverage is a share of the emission volume, counted in one currency;
            # cash may be in a foreign currency (item 4): it counts at the rate recorded.
            raise _violation(
                f"collateral[{i}].rate",
                "collateral-currency",
                "Reg. §3-5",
                f"collateral valued in {c.currency} but the emission's nominal value is in "
                f"{terms.currency}: give the rate it counts at (rate: value, source, quoted_on)",
            )
        if c.currency == terms.currency and c.rate is not None:
            raise _violation(
                f"collateral[{i}].rate",
                "collateral-rate",
                "Reg. §3-5",
                f"the item is in {c.currency}, the emission's currency: it needs no rate",
            )
        if c.rate is not None and c.rate.quoted_on > terms.documents_filed_on:
            raise _violation(
                f"collateral[{i}].rate.quoted_on",
                "collateral-rate",
                "Reg. §3-5",
                f"a rate of {c.rate.quoted_on} is after the filing on {terms.documents_filed_on}",
            )


def _check_upfront_in_som(terms: EmissionTerms) -> None:
    """The part of the fee paid with the documents, in som at the rate of its day (Reg. §26-27):
    before placement the VAs have no exchange price, so the declared nominal value counts
    (§27), at its currency's rate (1 for som)."""
    paid_som, rate = terms.fee_paid_som, terms.fee_rate
    if paid_som is None:
        if rate is not None:
            raise _violation("fee_paid_som", "fee-in-som", "Reg. §26-27", "the rate needs the som")
        if terms.currency != SOM and terms.fee_paid > 0:
            raise _violation(
                "fee_paid_som",
                "fee-in-som",
                "Reg. §26-27",
                f"the fee is paid in som: give fee_paid_som and fee_rate (the issue is in "
                f"{terms.currency})",
            )
        return
    if rate is None:
        if terms.currency != SOM:
            raise _violation(
                "fee_rate",
                "fee-rate",
                "Reg. §26-27",
                f"a payment in som for an issue in {terms.currency} needs its rate",
            )
        som_per_unit = Decimal(1)
    else:
        if rate.basis is not RateBasis.DECLARED_NOMINAL:
            raise _violation(
                "fee_rate.basis",
                "fee-rate-basis",
                "Reg. §26-27",
                "before placement the VAs have no exchange quote: the declared nominal value "
                "counts (basis declared_nominal, Reg. §27)",
            )
        if terms.currency == SOM and rate.som_per_unit != 1:
            raise _violation(
                "fee_rate.som_per_unit",
                "fee-rate",
                "Reg. §27",
                f"the nominal value is declared in som: its rate is 1, not {rate.som_per_unit}",
            )
        if rate.quoted_on > terms.documents_filed_on:
            raise _violation(
                "fee_rate.quoted_on",
                "fee-rate-date",
                "Reg. §26",
                f"a rate of {rate.quoted_on} is after the filing on {terms.documents_filed_on}",
            )
        som_per_unit = rate.som_per_unit
    settled = fee_settled_by_som(
        paid_som=paid_som, som_per_unit=som_per_unit, quoted=False, nominal_value=Decimal(1)
    )
    if settled != terms.fee_paid:
        raise _violation(
            "fee_paid",
            "fee-rate-mismatch",
            "Reg. §26-27",
            f"{paid_som} som at the rate given is {settled} {terms.currency}, not {terms.fee_paid}",
        )


def _check_fee_paid(fee: Decimal, paid: Decimal) -> None:
    # Reg. §28: at least 20% with the documents; more than the fee is a credit.
    check_upfront_payment(fee=fee, paid=paid)


def _registered(
    view: RegisterView, entry: EmissionRegistered, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    issuer = _active_issuer(view, state.issuer, field="issuer", paragraph="Reg. §62, §64")
    review = issuer.name_review
    if review is not None and review.decision != "accepted":
        raise _violation(
            "issuer",
            "issuer-name-review",
            "Law art. 37.3, Reg. §10",
            f"the name of issuer {issuer.code} ({review.text!r}) is "
            + ("awaiting review" if review.decision is None else "refused on review: change it"),
        )
    pending = [r for r in state.name_reviews if r.decision is None]
    if pending:
        listed = "; ".join(f"{r.field} {r.text!r} ({', '.join(r.words)})" for r in pending)
        raise _violation(
            "name_reviews",
            "name-review-pending",
            "Law art. 37.3, Reg. §10",
            f"the authority has not decided on {listed}: record emission.name_reviewed first",
        )
    if state.defects:
        # Reg. §10, §17: documents that break the rules are remedied (Reg. §37) or refused
        listed = "; ".join(f"{d.field}: {d.rule} ({d.paragraph})" for d in state.defects)
        raise _violation(
            "defects",
            "defects-open",
            "Reg. §10, §17",
            f"the application has {len(state.defects)} open defect(s): {listed}; have them "
            "remedied (Reg. §37) or refuse the registration (Reg. §17)",
        )
    regno = RegNo.parse(entry.regno, field="regno")
    if regno.va_type is not state.va_type:
        raise _violation(
            "regno",
            "regno-type-mismatch",
            "Reg. §68(б)",
            f"{entry.regno} codes type {regno.va_type.value}; the emission is "
            f"{state.va_type.value} (code {state.va_type.code})",
        )
    if regno.issuer_code != issuer.code:
        raise _violation(
            "regno",
            "regno-issuer-mismatch",
            "Reg. §68(г)",
            f"{entry.regno} carries issuer code {regno.issuer_code}; the issuer is {issuer.code}",
        )
    if regno.region is not issuer.region:
        raise _violation(
            "regno",
            "regno-region-mismatch",
            "Reg. §68(д), Annex 7",
            f"{entry.regno} carries region {regno.region_code}; the issuer is registered in "
            f"{issuer.region.name_en} (code {issuer.region.code})",
        )
    expected = next_serial(serials_used=issuer.serials_used, issuer_code=issuer.code)
    if regno.serial != expected:
        # Reg. §68(в): serials run in order and are never reused.
        raise _violation(
            "regno",
            "regno-serial-order",
            "Reg. §68(в)",
            f"the issuer's next serial is {expected:02d}, not {regno.serial:02d}",
        )
    if view.emission(str(regno)) is not None:
        raise _violation(
            "regno", "regno-taken", "Reg. §60", f"{regno} is already assigned to another issue"
        )
    check_collateral_registered(state.collateral, on=entry.effective_on)  # Reg. §3-10
    check_appraisal_current(state.collateral, on=entry.effective_on)  # Reg. §3-6
    deadlines, missed = _close(
        state, lc.DECISION, entry.effective_on, extra_missed=_entry_lateness(entry, cal)
    )
    return dict(
        regno=str(regno),
        registered_on=entry.effective_on,
        deadlines=deadlines,
        missed=missed,
    )


def _remedy_requested(
    view: RegisterView, entry: EmissionRemedyRequested, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    if not state.defects:
        raise _violation(
            "emission",
            "no-defects",
            "Reg. §37",
            f"application {state.application_no} has no recorded defects to remedy",
        )
    latest = cal.add_working_days(entry.effective_on, 10)
    if not entry.effective_on < entry.remedy_by <= latest:
        raise _violation(
            "remedy_by",
            "remedy-term",
            "Reg. §37",
            f"the term to remedy runs at most 10 working days: after {entry.effective_on}, "
            f"until {latest} at the latest",
        )
    deadlines = tuple(d for d in state.deadlines if d.name != lc.DOCUMENTS_REMEDY)
    return dict(deadlines=(*deadlines, lc.documents_remedy_deadline(entry.remedy_by)))


def _name_reviewed(
    view: RegisterView, entry: EmissionNameReviewed, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    # Law art. 37.3 with Reg. §10, §17: the authority decides on a word inside a personal name
    _check_basis(entry, frozenset({DocumentType.AUTHORITY_DECISION}), "Law art. 37.3")
    pending = next(
        (r for r in state.name_reviews if r.field == entry.field and r.decision is None), None
    )
    if pending is None:
        raise _violation(
            "field",
            "no-name-review",
            "Law art. 37.3",
            f"the {entry.field} of {state.application_no} awaits no review",
        )
    decided = dataclasses.replace(pending, decision=entry.decision)
    reviews = tuple(decided if r is pending else r for r in state.name_reviews)
    changes: Changes = dict(name_reviews=reviews)
    if entry.decision == "refused":
        words = ", ".join(repr(w) for w in pending.words)
        changes["defects"] = (
            *state.defects,
            Defect(
                field=entry.field,
                rule="forbidden-word",
                paragraph="Law art. 37.3",
                message=f"{pending.text!r} uses {words}: refused on review",
            ),
        )
    return changes


def _documents_amended(
    view: RegisterView, entry: EmissionDocumentsAmended, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    if entry.issuer != state.issuer:
        raise _violation(
            "issuer",
            "issuer-changed",
            "Reg. §37",
            f"application {state.application_no} is the issuer {state.issuer}'s",
        )
    if entry.documents_filed_on != entry.effective_on:
        raise _violation(
            "documents_filed_on",
            "effective-date",
            "Reg. §10, §37",
            f"amended documents are received on {entry.effective_on}: file them with that date",
        )
    if entry.fee_paid < state.fee_paid:
        raise _violation(
            "fee_paid",
            "fee-paid-decreased",
            "Reg. §28",
            f"{state.fee_paid} was already paid with the documents; give what is paid in all",
        )
    amended = _application_state(entry, application_no=state.application_no, calendar=cal)
    amended = dataclasses.replace(
        amended, name_reviews=name_reviews(entry, decided=state.name_reviews)
    )
    _, missed = _close(state, lc.DOCUMENTS_REMEDY, entry.effective_on)
    # Reg. §10, §37: the decision's 20 working days run from the receipt of the amended documents
    changes: Changes = {name: getattr(amended, name) for name in _AMENDABLE}
    changes["missed"] = missed
    return changes


_AMENDABLE: Final = (
    "va_type", "name", "symbol", "quantity", "nominal_value", "currency", "placement_price",
    "pricing_method", "placement_start", "placement_end", "min_success_quantity", "blockchain",
    "issuer_wallet", "contract_address", "whitepaper", "collateral", "collateral_manager",
    "documents_filed_on", "fee_total", "fee_paid", "fee_upfront", "fee_credit", "deadlines",
    "defects", "name_reviews",
)  # fmt: skip


def _refused(
    view: RegisterView, entry: EmissionRefused, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    deadlines, missed = _close(state, lc.DECISION, entry.effective_on)
    return dict(deadlines=deadlines, missed=missed)


def _amendment_requested(
    view: RegisterView,
    entry: EmissionWhitepaperAmendmentRequested,
    state: EmissionState,
    cal: WorkingCalendar,
) -> Changes:
    if state.pending_amendment is not None:
        raise _violation(
            "emission",
            "amendment-pending",
            "Reg. §7",
            f"an amendment requested on {state.pending_amendment.requested_on} awaits decision",
        )
    if entry.whitepaper.sha256 == state.whitepaper.sha256:
        raise _violation(
            "whitepaper.sha256",
            "whitepaper-unchanged",
            "Reg. §7",
            "the amended white paper is identical to the registered one",
        )
    quantity = entry.quantity if entry.quantity is not None else state.quantity
    floor = (state.placed or 0) + state.unplaced_cancelled
    if quantity < floor:
        raise _violation(
            "quantity",
            "quantity-below-placed",
            "Reg. §59",
            f"the quantity cannot fall below {floor} (placed or already cancelled)",
        )
    if state.min_success_quantity is not None and quantity < state.min_success_quantity:
        raise _violation(
            "quantity",
            "min-success-quantity",
            "Annex 1 item 9",
            f"the quantity cannot fall below the declared minimum {state.min_success_quantity}",
        )
    nominal = entry.nominal_value if entry.nominal_value is not None else state.nominal_value
    volume = total_nominal(nominal, quantity)
    if (
        volume > state.total_nominal
        and requirement_met(state.collateral, emission_volume=volume) < 1
    ):
        # Reg. §3-1, §3-5: a larger issue must still be fully secured.
        raise _violation(
            "quantity" if entry.quantity is not None else "nominal_value",
            "collateral-coverage",
            "Reg. §3-5",
            f"the collateral does not cover an emission volume of {volume}",
        )
    if entry.placement_end is not None:
        current = state.suspended_from if state.status is S.SUSPENDED else state.status
        if current not in lc.PLACEMENT_OPEN:
            raise _violation(
                "placement_end",
                "placement-closed",
                "Reg. §20",
                "the placement period can no longer change: placement has ended",
            )
        if entry.placement_end < state.placement_start or (
            state.placement_started_on is not None
            and entry.placement_end < state.placement_started_on
        ):
            raise _violation(
                "placement_end",
                "placement-period",
                "Reg. §20",
                f"the new placement end {entry.placement_end} precedes the placement's start",
            )
    proposal = AmendmentProposal(
        requested_on=entry.effective_on,
        whitepaper=entry.whitepaper.to_ref(),
        quantity=entry.quantity,
        nominal_value=entry.nominal_value,
        placement_end=entry.placement_end,
        summary=entry.summary,
    )
    return dict(
        pending_amendment=proposal,
        deadlines=(*state.deadlines, lc.review_deadline(entry.effective_on, cal)),
    )


def _amended(
    view: RegisterView, entry: EmissionWhitepaperAmended, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    p = state.pending_amendment
    if p is None:
        raise _violation(
            "emission",
            "no-pending-amendment",
            "Reg. §7",
            "no white-paper amendment awaits a decision",
        )
    deadlines, missed = _close(state, lc.WHITEPAPER_REVIEW, entry.effective_on)
    if not entry.consented:
        return dict(pending_amendment=None, deadlines=deadlines, missed=missed)
    quantity = p.quantity if p.quantity is not None else state.quantity
    nominal = p.nominal_value if p.nominal_value is not None else state.nominal_value
    old_total = state.total_nominal
    new_total = total_nominal(nominal, quantity)
    fee_total = state.fee_total
    if new_total > old_total:
        # Law art. 22: an increase of the issue's nominal value costs 0.01% of the increase.
        fee_total += increase_fee(old_total=old_total, new_total=new_total)
    deadlines = _reschedule_installments(state, p.placement_end, deadlines, cal)
    return dict(
        whitepaper=p.whitepaper,
        quantity=quantity,  # Reg. §59: changed only through this register entry
        nominal_value=nominal,
        placement_end=p.placement_end if p.placement_end is not None else state.placement_end,
        fee_total=fee_total,
        pending_amendment=None,
        deadlines=deadlines,
        missed=missed,
    )


def _reschedule_installments(
    state: EmissionState,
    new_end: date | None,
    deadlines: tuple[Deadline, ...],
    cal: WorkingCalendar,
) -> tuple[Deadline, ...]:
    """Fit the open installment deadlines to a changed placement period (Reg. §28)."""
    if new_end is None or state.placement_started_on is None or state.fee_outstanding == 0:
        return deadlines
    last = quarter_end(new_end)
    kept = tuple(d for d in deadlines if (q := lc.installment_quarter(d)) is None or q <= last)
    if new_end <= state.placement_end:
        return kept
    after_old = quarter_end(state.placement_end) + timedelta(days=1)
    if after_old > new_end:
        return kept
    return (*kept, *lc.quarter_deadlines(after_old, new_end, cal))


def _offer_disclosed(
    view: RegisterView, entry: EmissionOfferDisclosed, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    _not_terminated(view, state, "Reg. §21, §45")
    if entry.effective_on > state.placement_end:
        raise _violation(
            "effective_on",
            "offer-after-period",
            "Reg. §20",
            f"the white paper's placement period ended on {state.placement_end}",
        )
    return dict(
        offer_disclosed_on=entry.effective_on,
        placement_earliest=lc.earliest_placement(entry.effective_on, cal),
    )


def _placement_started(
    view: RegisterView, entry: EmissionPlacementStarted, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    _not_terminated(view, state, "Reg. §20, §45")
    if not entry.venue.strip():
        raise _violation(
            "venue",
            "venue-required",
            "Reg. §22",
            "name the VA trading operator (crypto exchange) on whose platform the VAs are placed",
        )
    on = entry.effective_on
    _check_venue_licence(view, entry.venue, on)
    earliest = state.placement_earliest
    assert earliest is not None  # set by emission.offer_disclosed
    if on < earliest:
        raise _violation(
            "effective_on",
            "placement-too-early",
            "Reg. §21",
            f"placement may start no earlier than {earliest}, the 5th working day after the "
            f"offer was published on {state.offer_disclosed_on}",
        )
    if not state.placement_start <= on <= state.placement_end:
        raise _violation(
            "effective_on",
            "placement-outside-period",
            "Reg. §20",
            f"placement must start within the white paper's period {state.placement_start} – "
            f"{state.placement_end}",
        )
    deadlines = state.deadlines
    if state.fee_outstanding > 0:
        # Reg. §28: the rest of the fee is paid quarterly over the whole placement period.
        deadlines = (*deadlines, *lc.quarter_deadlines(on, state.placement_end, cal))
    else:
        # Reg. §28: the quarterly reports are due even when the fee is paid in full.
        reports = lc.quarter_deadlines(on, state.placement_end, cal)
        deadlines = (*deadlines, *(d for d in reports if d.name.startswith(lc.FEE_REPORT)))
    valid_until = appraisal_valid_until(state.collateral)
    if valid_until is not None:
        # Reg. §3-6: the appraisals must stay current while the VAs are placed
        deadlines = (*deadlines, lc.appraisal_deadline(valid_until))
    return dict(
        placement_started_on=on, deadlines=deadlines, venue_licences=licences_named(entry.venue)
    )


def _placement_ended(
    view: RegisterView, entry: EmissionPlacementEnded, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    on = entry.effective_on
    if on > state.placement_end:
        raise _violation(
            "effective_on",
            "placement-outside-period",
            "Reg. §20",
            f"placement had to end by {state.placement_end}, the end of the white paper's period",
        )
    # Reg. §3-6: placement that ran past the appraisals' six months is recorded as late.
    open_deadlines, missed = _close(state, lc.APPRAISAL_VALIDITY, on)
    # Reg. §28: no installments fall due for quarters after the placement ended.
    last = quarter_end(on)
    deadlines = tuple(
        d for d in open_deadlines if (q := lc.installment_quarter(d)) is None or q <= last
    )
    return dict(
        placement_ended_on=on,
        deadlines=(*deadlines, lc.report_deadline(on, cal)),
        missed=missed,
    )


_PLACEMENT_SERVICES: Final = (VaspService.ISSUANCE, VaspService.BUY_SELL)


def _check_venue_licence(view: RegisterView, venue: str, on: date) -> None:
    """A venue named by its licence number must hold a licence covering the placement of an
    issuer's VAs (Law art. 26.1 item 5) or their sale (item 1) on the day placement starts: VA
    services are provided only under a licence (Law art. 27.2, 30.5; Reg. §22)."""
    for number in licences_named(venue):
        licence = view.subject(number)
        if not isinstance(licence, LicenceState):
            raise _violation(
                "venue",
                "venue-not-licensed",
                "Law art. 27.2, 30.5; Reg. §22",
                f"{number} is not in the register of service providers",
            )
        if not any(licence.covered(service, on) for service in _PLACEMENT_SERVICES):
            raise _violation(
                "venue",
                "venue-not-licensed",
                "Law art. 27.2, 30.5; Reg. §22",
                f"{number} ({licence.name}) holds no licence for placing or selling VAs on {on} "
                f"(status {licence.status.value})",
            )


def _venue_lapses(
    view: RegisterView, licences: tuple[str, ...], start: date, end: date
) -> tuple[VenueLapse, ...]:
    """The placement days (``start``..``end``) on which a licence the venue was named by did not
    cover placing or selling VAs (Law art. 26.1 items 1, 5; 27.2; Reg. §22).

    The start day was checked when placement began; a licence suspended, restricted or revoked
    during the placement is not the issuer's false statement, and refusing the results report
    would lose the Annex 6 facts the authority decides on (Reg. §30-34). So the report is
    received and the lapse is recorded on the emission as a public finding.
    """
    lapses: list[VenueLapse] = []
    for number in licences:
        licence = view.subject(number)
        if not isinstance(licence, LicenceState):
            continue  # checked at the start: the licence was in the register then
        run: date | None = None
        day = start
        while day <= end:
            covered = any(licence.covered(service, day) for service in _PLACEMENT_SERVICES)
            if not covered and run is None:
                run = day
            if covered and run is not None:
                lapses.append(VenueLapse(licence=number, start=run, end=day - timedelta(days=1)))
                run = None
            day += timedelta(days=1)
        if run is not None:
            lapses.append(VenueLapse(licence=number, start=run, end=end))
    return tuple(lapses)


def _results_reported(
    view: RegisterView, entry: EmissionResultsReported, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    if (entry.actual_start, entry.actual_end) != (
        state.placement_started_on,
        state.placement_ended_on,
    ):
        raise _violation(
            "actual_start" if entry.actual_start != state.placement_started_on else "actual_end",
            "report-period",
            "Annex 6 item 2",
            f"the reported period {entry.actual_start} – {entry.actual_end} differs from the "
            f"registered {state.placement_started_on} – {state.placement_ended_on}",
        )
    if entry.placed > state.quantity:
        raise _violation(
            "placed",
            "placed-exceeds-quantity",
            "Annex 6 item 3",
            f"placed {entry.placed} of an issue of {state.quantity}",
        )
    if entry.placed > 0 and not entry.prices:
        raise _violation(
            "prices",
            "placement-prices",
            "Annex 6 item 5",
            "report the price or prices at which the VAs were placed",
        )
    if entry.placed == 0 and entry.proceeds != 0:
        raise _violation(
            "proceeds",
            "proceeds",
            "Annex 6 item 6",
            "nothing was placed, so there can be no proceeds",
        )
    share = (Decimal(entry.placed) * 100 / state.quantity).quantize(_CENT, ROUND_HALF_UP)
    if entry.share_placed_pct.quantize(_CENT, ROUND_HALF_UP) != share:
        raise _violation(
            "share_placed_pct",
            "share-placed",
            "Annex 6 item 8",
            f"{entry.placed} of {state.quantity} is {share}% placed, not {entry.share_placed_pct}%",
        )
    deadlines, missed = _close(state, lc.RESULTS_REPORT, entry.effective_on)
    lapses = _venue_lapses(view, state.venue_licences, entry.actual_start, entry.actual_end)
    # Reg. §28: the rest of the fee is owed in proportion to what was actually placed.
    upfront = state.fee_upfront if state.fee_upfront is not None else state.fee_paid
    fee_total = proportional_fee(
        fee=state.fee_total, upfront=upfront, quantity=state.quantity, placed=entry.placed
    )
    fee_paid, credit = state.fee_paid, state.fee_credit
    if fee_paid > fee_total:
        fee_paid, credit = fee_total, credit + (fee_paid - fee_total)
    if fee_paid == fee_total:
        deadlines = tuple(d for d in deadlines if not d.name.startswith(lc.FEE_INSTALLMENT))
    return dict(
        placed=entry.placed,
        proceeds=entry.proceeds,
        reported_on=entry.effective_on,
        venue_lapses=lapses,
        fee_total=fee_total,
        fee_paid=fee_paid,
        fee_credit=credit,
        deadlines=(*deadlines, lc.recognition_deadline(entry.effective_on, cal)),
        missed=missed,
    )


def _recognized_successful(
    view: RegisterView,
    entry: EmissionRecognizedSuccessful,
    state: EmissionState,
    cal: WorkingCalendar,
) -> Changes:
    placed = state.placed or 0
    minimum = state.min_success_quantity
    # Reg. §29: everything placed in the period, or at least the declared minimum.
    if placed != state.quantity and (minimum is None or placed < minimum):
        need = f"all {state.quantity}" + (f" or at least {minimum}" if minimum else "")
        raise _violation(
            "placed",
            "success-conditions",
            "Reg. §29",
            f"only {placed} placed; success needs {need}",
        )
    on = entry.effective_on
    deadlines, missed = _close(state, lc.RECOGNITION, on)
    deadlines = (
        *deadlines,
        lc.recognition_notice_deadline(on, cal),  # Reg. §38
        lc.results_disclosure_deadline(on, cal),  # Reg. §40
    )
    if state.unplaced > 0:
        deadlines = (*deadlines, lc.unplaced_cancellation_deadline(on, cal))  # Reg. §45, §65
    return dict(deadlines=deadlines, missed=missed)


def _to_be_cancelled(deadline: Deadline) -> Changes:
    """The emission failed or is invalid: drop open deadlines, the number must be cancelled."""
    return dict(deadlines=(deadline,), pending_amendment=None, suspended_from=None)


def _recognized_failed(
    view: RegisterView, entry: EmissionRecognizedFailed, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    window = state.deadline(lc.RECOGNITION)
    assert window is not None  # set by emission.results_reported
    if entry.effective_on > window.due:
        raise _violation(
            "effective_on",
            "recognition-window-closed",
            "Reg. §34",
            f"the report was filed on {state.reported_on}; after {window.due} the authority may "
            "no longer recognize the emission failed",
        )
    # Reg. §44: refusal of recognition = failed; the number is cancelled (Reg. §36).
    changes = _to_be_cancelled(lc.cancellation_after_decision(entry.effective_on, cal))
    # Reg. §39: the refusal and its grounds reach the issuer within 3 working days.
    changes["deadlines"] = (
        *changes["deadlines"],
        lc.recognition_notice_deadline(entry.effective_on, cal),
    )
    return changes


def _suspended(
    view: RegisterView, entry: EmissionSuspended, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    deadlines = state.deadlines
    if entry.remedy_by is not None:
        if entry.remedy_by <= entry.effective_on:
            raise _violation(
                "remedy_by",
                "remedy-date",
                "Reg. §25.1",
                "the term to remedy the violations must end after the suspension",
            )
        deadlines = (*deadlines, lc.remedy_deadline(entry.remedy_by))
    return dict(suspended_from=state.status, deadlines=deadlines)


def _resumed(
    view: RegisterView, entry: EmissionResumed, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    deadlines, missed = _close(state, lc.REMEDY, entry.effective_on)
    return dict(suspended_from=None, deadlines=deadlines, missed=missed)


def _declared_failed(
    view: RegisterView, entry: EmissionDeclaredFailed, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    if state.suspended_from is S.CIRCULATING:
        raise _violation(
            "status",
            "failed-after-success",
            "Reg. §48",
            "an emission recognized successful can no longer be declared failed; only a court "
            "can declare it invalid (Reg. §52)",
        )
    remedy = state.deadline(lc.REMEDY)
    if remedy is not None and entry.effective_on <= remedy.due:
        raise _violation(
            "effective_on",
            "remedy-period-running",
            "Reg. §25.2",
            f"the issuer has until {remedy.due} to remedy the violations",
        )
    return _to_be_cancelled(lc.cancellation_after_decision(entry.effective_on, cal))


def _invalidated(
    view: RegisterView, entry: EmissionInvalidated, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    # Reg. §65: the court decision is the ground; the cancellation follows within 3 working days.
    return _to_be_cancelled(lc.cancellation_after_ground(entry.effective_on, cal))


def _partial_burn(
    view: RegisterView, entry: EmissionPartialBurn, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    if entry.amount > state.circulating:
        raise _violation(
            "amount",
            "burn-exceeds-circulating",
            "Reg. §45",
            f"burning {entry.amount} but only {state.circulating} are in circulation",
        )
    return dict(burned=state.burned + entry.amount)


def _unplaced_cancelled(
    view: RegisterView, entry: EmissionUnplacedCancelled, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    unplaced = state.unplaced
    if unplaced == 0:
        raise _violation(
            "amount",
            "nothing-unplaced",
            "Reg. §45",
            "no unplaced VAs remain to cancel",
        )
    if entry.amount != unplaced:
        raise _violation(
            "amount",
            "unplaced-amount",
            "Reg. §45",
            f"exactly the {unplaced} unplaced VAs are cancelled, not {entry.amount}",
        )
    deadlines, missed = _close(state, lc.UNPLACED_CANCELLATION, entry.effective_on)
    return dict(
        unplaced_cancelled=state.unplaced_cancelled + entry.amount,
        deadlines=deadlines,
        missed=missed,
    )


_GROUND_STATUS: Final[dict[CancellationGround, EmissionStatus]] = {
    CancellationGround.FAILED: S.FAILED,
    CancellationGround.INVALID: S.INVALID,
}
_GROUND_ISSUER: Final[dict[CancellationGround, IssuerStatus]] = {
    CancellationGround.ISSUER_LIQUIDATED: IssuerStatus.LIQUIDATED,
    CancellationGround.BANKRUPTCY: IssuerStatus.BANKRUPT,
}


def _cancelled(
    view: RegisterView, entry: EmissionCancelled, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    ground = entry.ground
    need_status = _GROUND_STATUS.get(ground)
    if need_status is not None and state.status is not need_status:
        raise _violation(
            "ground",
            "cancellation-ground",
            "Reg. §45, §47",
            f"ground {ground.value} needs an emission that is {need_status.value}, "
            f"not {state.status.value}",
        )
    need_issuer = _GROUND_ISSUER.get(ground)
    if need_issuer is not None:
        issuer = view.issuer(state.issuer)
        if issuer is None or issuer.status is not need_issuer:
            raise _violation(
                "ground",
                "cancellation-ground",
                "Reg. §45, §64",
                f"ground {ground.value} needs the issuer to be {need_issuer.value} in the register",
            )
    on = entry.effective_on
    _, missed = _close(state, lc.CANCELLATION, on, extra_missed=_entry_lateness(entry, cal))
    # Obligations that survive the cancellation: telling the issuer of a recognition refusal.
    kept = tuple(d for d in state.deadlines if d.name == lc.RECOGNITION_NOTICE)
    changes: Changes = dict(
        cancellation_ground=ground,
        pending_amendment=None,
        suspended_from=None,
        deadlines=(
            *kept,
            lc.prenotice_deadline(on, cal),  # Reg. §55: the next day (a working one)
            lc.notification_deadline(on, cal),  # Reg. §55: written, within 3 working days
            lc.publication_deadline(on, cal),  # Reg. §56
        ),
        missed=missed,
    )
    if ground in (CancellationGround.FAILED, CancellationGround.INVALID):
        # Reg. §25, §53: every VA of a failed or invalid issue is withdrawn from circulation.
        changes["withdrawn"] = state.withdrawn + state.circulating
    return changes


def _notified(
    view: RegisterView,
    entry: EmissionCancellationNotified,
    state: EmissionState,
    cal: WorkingCalendar,
) -> Changes:
    if state.deadline(lc.NOTIFICATION) is None:
        raise _violation(
            "emission", "already-notified", "Reg. §54-55", "the cancellation was already notified"
        )
    deadlines, missed = _close(state, lc.NOTIFICATION, entry.effective_on)
    return dict(deadlines=deadlines, missed=missed)


def _published(
    view: RegisterView,
    entry: EmissionCancellationPublished,
    state: EmissionState,
    cal: WorkingCalendar,
) -> Changes:
    if state.deadline(lc.PUBLICATION) is None:
        raise _violation(
            "emission", "already-published", "Reg. §56", "the cancellation was already published"
        )
    deadlines, missed = _close(state, lc.PUBLICATION, entry.effective_on)
    return dict(deadlines=deadlines, missed=missed)


def _fee_paid(
    view: RegisterView, entry: EmissionFeePaid, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    amount = _fee_amount(entry, state, cal)
    # Reg. §26-28: paying more than is outstanding is the issuer's credit, not a refusal.
    counted, credit = split_payment(outstanding=state.fee_outstanding, paid=amount)
    paid = state.fee_paid + counted
    changes: Changes = dict(fee_paid=paid, fee_credit=state.fee_credit + credit)
    som = entry.paid_som if entry.paid_som is not None else None
    if som is None and state.currency == SOM:
        som = amount
    if som is not None:
        changes["fee_paid_som"] = (state.fee_paid_som or Decimal("0.00")) + som
    quarters, deadlines, missed = state.quarters, state.deadlines, state.missed
    q = entry.quarter_end
    if q is not None:
        _check_quarter(state, q, field="quarter_end")
        quarters = _with_quarter(quarters, q, paid=amount)
        if entry.placed_in_quarter is not None:
            quarters, deadlines, missed = _report_quarter(
                state, quarters, deadlines, missed, q, entry.placed_in_quarter, entry.effective_on
            )
        deadlines, missed = _settle_installment(
            state, quarters, deadlines, missed, q, entry.effective_on
        )
    if paid == state.fee_total:
        deadlines = tuple(d for d in deadlines if not d.name.startswith(lc.FEE_INSTALLMENT))
    changes.update(quarters=quarters, deadlines=deadlines, missed=missed)
    return changes


def _fee_amount(entry: EmissionFeePaid, state: EmissionState, cal: WorkingCalendar) -> Decimal:
    """The part of the fee a payment settles, in the issue's currency (Reg. §26-28).

    The fee is charged in som (Reg. §26-27): a payment names what was paid in som and the rate
    it is counted at — the VA's crypto-exchange price where it is traded (§26), else the
    declared nominal value at its currency's rate (§27) — with the rate's source and day. An
    issue in som may give ``amount`` alone (§27 at the rate 1)."""
    if entry.amount is not None and entry.amount != entry.amount.quantize(_CENT, context=_EXACT):
        raise _violation(
            "amount", "money", "Reg. §28", f"{entry.amount} is not a whole number of tyiyn (0.01)"
        )
    if entry.paid_som is None:
        if entry.rate is not None:
            raise _violation(
                "paid_som", "fee-in-som", "Reg. §26-27", "a rate is given with the som paid"
            )
        if entry.amount is None:
            raise _violation(
                "amount", "fee-in-som", "Reg. §26-27", "give paid_som (and its rate) or amount"
            )
        if state.currency != SOM:
            raise _violation(
                "paid_som",
                "fee-in-som",
                "Reg. §26-27",
                f"the fee is paid in som: give paid_som and the rate it is counted at "
                f"(the issue is in {state.currency})",
            )
        return entry.amount
    rate = entry.rate
    if rate is None:
        if state.currency != SOM:
            raise _violation(
                "rate",
                "fee-rate",
                "Reg. §26-27",
                f"a payment in som for an issue in {state.currency} needs the rate it is "
                "counted at (basis, som_per_unit, source, quoted_on)",
            )
        settled = fee_settled_by_som(
            paid_som=entry.paid_som, som_per_unit=Decimal(1), quoted=False, nominal_value=Decimal(1)
        )
    else:
        _check_rate(entry, rate, state, cal)
        settled = fee_settled_by_som(
            paid_som=entry.paid_som,
            som_per_unit=rate.som_per_unit,
            quoted=rate.basis is RateBasis.EXCHANGE_QUOTE,
            nominal_value=state.nominal_value,
        )
    if entry.amount is not None and entry.amount != settled:
        raise _violation(
            "amount",
            "fee-rate-mismatch",
            "Reg. §26-27",
            f"{entry.paid_som} som at the rate given settles {settled} {state.currency}, "
            f"not {entry.amount}",
        )
    return settled


def _check_rate(
    entry: EmissionFeePaid, rate: FeeRate, state: EmissionState, cal: WorkingCalendar
) -> None:
    """The rate is the one in force when the fee is paid (Reg. §26: "at the time of payment"):
    of the payment's day or the last day before it with no working day in between (a Sunday's
    payment at Friday's rate); an exchange quote only once the VAs can trade (placement)."""
    paid_on = entry.effective_on
    if rate.quoted_on > paid_on or (
        rate.quoted_on < paid_on and cal.next_working_day(rate.quoted_on) < paid_on
    ):
        raise _violation(
            "rate.quoted_on",
            "fee-rate-date",
            "Reg. §26",
            f"the rate of {rate.quoted_on} is not the one in force when the fee was paid on "
            f"{paid_on}",
        )
    if rate.basis is RateBasis.EXCHANGE_QUOTE and state.placement_started_on is None:
        raise _violation(
            "rate.basis",
            "fee-rate-basis",
            "Reg. §26-27",
            "the VAs are not placed yet, so they have no exchange quote: the declared nominal "
            "value counts (basis declared_nominal, Reg. §27)",
        )
    declared_in_som = rate.basis is RateBasis.DECLARED_NOMINAL and state.currency == SOM
    if declared_in_som and rate.som_per_unit != 1:
        raise _violation(
            "rate.som_per_unit",
            "fee-rate",
            "Reg. §27",
            f"the nominal value is declared in som: its rate is 1, not {rate.som_per_unit}",
        )


def _check_quarter(state: EmissionState, q: date, *, field: str) -> None:
    """A quarter of placement: a quarter's last day, from the quarter placement started in to
    the quarter it ended (or is to end) in (Reg. §28)."""
    if quarter_end(q) != q:
        raise _violation(field, "quarter-end", "Reg. §28", f"{q} is not the last day of a quarter")
    started = state.placement_started_on
    last = state.placement_ended_on or state.placement_end
    if started is None or not quarter_end(started) <= q <= quarter_end(last):
        period = (
            "placement has not started" if started is None else f"placement ran {started} – {last}"
        )
        raise _violation(
            field,
            "quarter-outside-placement",
            "Reg. §28",
            f"the quarter ending {q} is not a quarter of placement ({period})",
        )


def _with_quarter(
    quarters: tuple[QuarterReport, ...],
    q: date,
    *,
    paid: Decimal = Decimal("0.00"),
    placed: int | None = None,
) -> tuple[QuarterReport, ...]:
    """The quarters with quarter ``q`` updated (added in order when new)."""
    found = next((r for r in quarters if r.quarter_end == q), QuarterReport(quarter_end=q))
    updated = QuarterReport(
        quarter_end=q,
        placed=placed if placed is not None else found.placed,
        paid=found.paid + paid,
    )
    rest = [r for r in quarters if r.quarter_end != q]
    return tuple(sorted((*rest, updated), key=lambda r: r.quarter_end))


def _report_quarter(
    state: EmissionState,
    quarters: tuple[QuarterReport, ...],
    deadlines: tuple[Deadline, ...],
    missed: tuple[Deadline, ...],
    q: date,
    placed: int,
    on: date,
) -> tuple[tuple[QuarterReport, ...], tuple[Deadline, ...], tuple[Deadline, ...]]:
    """Record the VAs placed in quarter ``q`` and close its report deadline (Reg. §28)."""
    if on <= q:
        raise _violation(
            "quarter_end", "quarter-not-ended", "Reg. §28", f"the quarter ending {q} has not ended"
        )
    if any(r.quarter_end == q and r.placed is not None for r in quarters):
        raise _violation(
            "quarter_end", "quarter-reported", "Reg. §28", f"the quarter ending {q} was reported"
        )
    total = sum(r.placed or 0 for r in quarters) + placed
    if total > state.quantity:
        raise _violation(
            "placed_in_quarter",
            "placed-exceeds-quantity",
            "Reg. §28",
            f"{total} VAs reported placed, more than the {state.quantity} of the issue",
        )
    quarters = _with_quarter(quarters, q, placed=placed)
    name = f"{lc.FEE_REPORT}:{q.isoformat()}"
    report = next((d for d in deadlines if d.name == name), None)
    if report is not None:
        deadlines = tuple(d for d in deadlines if d.name != name)
        if on > report.due:
            missed = (*missed, report)
    return quarters, deadlines, missed


def _settle_installment(
    state: EmissionState,
    quarters: tuple[QuarterReport, ...],
    deadlines: tuple[Deadline, ...],
    missed: tuple[Deadline, ...],
    q: date,
    on: date,
) -> tuple[tuple[Deadline, ...], tuple[Deadline, ...]]:
    """Close quarter ``q``'s installment deadline once its placement is reported and what was
    paid for it covers the installment (the rest of the fee in proportion to the VAs placed in
    the quarter, Reg. §28); late if closed after it was due."""
    report = next((r for r in quarters if r.quarter_end == q), None)
    if report is None or report.placed is None:
        return deadlines, missed
    upfront = state.fee_upfront if state.fee_upfront is not None else state.fee_paid
    due = installment_amount(
        fee=state.fee_total,
        upfront=upfront,
        quantity=state.quantity,
        placed_before=sum(r.placed or 0 for r in quarters if r.quarter_end < q),
        placed=report.placed,
    )
    if report.paid < due:
        return deadlines, missed
    name = f"{lc.FEE_INSTALLMENT}:{q.isoformat()}"
    deadline = next((d for d in deadlines if d.name == name), None)
    if deadline is None:
        return deadlines, missed
    kept = tuple(d for d in deadlines if d.name != name)
    return kept, ((*missed, deadline) if on > deadline.due else missed)


def _quarter_reported(
    view: RegisterView, entry: EmissionQuarterReported, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    q = entry.quarter_end
    _check_quarter(state, q, field="quarter_end")
    quarters, deadlines, missed = _report_quarter(
        state,
        state.quarters,
        state.deadlines,
        state.missed,
        q,
        entry.placed_in_quarter,
        entry.effective_on,
    )
    deadlines, missed = _settle_installment(
        state, quarters, deadlines, missed, q, entry.effective_on
    )
    return dict(quarters=quarters, deadlines=deadlines, missed=missed)


def _proceeds_returned(
    view: RegisterView, entry: EmissionProceedsReturned, state: EmissionState, cal: WorkingCalendar
) -> Changes:
    if state.status is S.CANCELLED and state.cancellation_ground not in (
        CancellationGround.FAILED,
        CancellationGround.INVALID,
    ):
        raise _violation(
            "emission",
            "not-failed-or-invalid",
            "Reg. §25, §53",
            "proceeds are returned only for an issue recognized failed or invalid",
        )
    returned = (state.proceeds_returned or Decimal("0.00")) + entry.amount
    proceeds = state.proceeds or Decimal("0.00")
    if returned > proceeds:
        raise _violation(
            "amount",
            "returned-exceeds-proceeds",
            "Reg. §25, §53",
            f"{returned} returned in all, more than the reported proceeds {proceeds}",
        )
    return dict(proceeds_returned=returned)


def _collateral_reappraised(
    view: RegisterView,
    entry: EmissionCollateralReappraised,
    state: EmissionState,
    cal: WorkingCalendar,
) -> Changes:
    items = list(state.collateral)
    for position, item in enumerate(entry.items):
        field = f"items[{position}]"
        if item.index >= len(items):
            raise _violation(
                f"{field}.index",
                "collateral-index",
                "Reg. §3-6",
                f"the emission has {len(items)} collateral items (0 to {len(items) - 1})",
            )
        if item.appraised_on > entry.effective_on:
            raise _violation(
                f"{field}.appraised_on",
                "collateral-appraisal-future",
                "Reg. §3-6",
                f"an appraisal dated {item.appraised_on} is after the entry ({entry.effective_on})",
            )
        items[item.index] = dataclasses.replace(
            items[item.index], appraised_on=item.appraised_on, assessed_value=item.assessed_value
        )
    collateral = tuple(items)
    met = requirement_met(collateral, emission_volume=state.total_nominal)
    if met < 1:
        raise _violation(
            "items",
            "collateral-coverage",
            "Reg. §3-5",
            f"at the new values the collateral covers {met:.2%} of what Reg. §3-5 requires",
        )
    deadlines = state.deadlines
    valid_until = appraisal_valid_until(collateral)
    if state.deadline(lc.APPRAISAL_VALIDITY) is not None and valid_until is not None:
        deadlines = tuple(
            lc.appraisal_deadline(valid_until) if d.name == lc.APPRAISAL_VALIDITY else d
            for d in deadlines
        )
    return dict(collateral=collateral, deadlines=deadlines)


def _deadline_met(name: str, rule: str, paragraph: str, what: str) -> _EmissionHandler:
    """A handler that closes the open deadline ``name`` (late if after its due date)."""

    def handler(
        view: RegisterView, entry: EmissionEntry, state: EmissionState, cal: WorkingCalendar
    ) -> Changes:
        if state.deadline(name) is None:
            raise _violation("emission", rule, paragraph, f"no {what} is due")
        deadlines, missed = _close(state, name, entry.effective_on)
        return dict(deadlines=deadlines, missed=missed)

    return handler


_EMISSION_HANDLERS: Final[dict[str, _EmissionHandler]] = {
    "emission.registered": _registered,
    "emission.remedy_requested": _remedy_requested,
    "emission.documents_amended": _documents_amended,
    "emission.name_reviewed": _name_reviewed,
    "emission.refused": _refused,
    "emission.whitepaper_amendment_requested": _amendment_requested,
    "emission.whitepaper_amended": _amended,
    "emission.offer_disclosed": _offer_disclosed,
    "emission.placement_started": _placement_started,
    "emission.placement_ended": _placement_ended,
    "emission.results_reported": _results_reported,
    "emission.recognized_successful": _recognized_successful,
    "emission.recognized_failed": _recognized_failed,
    "emission.suspended": _suspended,
    "emission.resumed": _resumed,
    "emission.declared_failed": _declared_failed,
    "emission.invalidated": _invalidated,
    "emission.partial_burn": _partial_burn,
    "emission.unplaced_cancelled": _unplaced_cancelled,
    "emission.cancelled": _cancelled,
    "emission.cancellation_notified": _notified,
    "emission.cancellation_published": _published,
    "emission.fee_paid": _fee_paid,
    "emission.quarter_reported": _quarter_reported,
    "emission.collateral_reappraised": _collateral_reappraised,
    "emission.proceeds_returned": _proceeds_returned,
    "emission.recognition_notified": _deadline_met(
        lc.RECOGNITION_NOTICE, "no-notice-due", "Reg. §38-39", "notice of a recognition decision"
    ),
    "emission.results_disclosed": _deadline_met(
        lc.RESULTS_DISCLOSURE, "no-disclosure-due", "Reg. §40", "disclosure of the results"
    ),
    "emission.cancellation_prenotified": _deadline_met(
        lc.PRENOTICE, "already-prenotified", "Reg. §55", "preliminary notice of the cancellation"
    ),
}


# ============================================================================================
# on-chain verification entries (node/verification): observations, findings, proofs, sources
# ============================================================================================

_NOT_VERIFIABLE: Final = frozenset({S.REFUSED, S.CANCELLED})


def _apply_verification_entry(view: RegisterView, entry: AnyVerificationEntry) -> Effects:
    state = view.emission(entry.emission)
    if state is None:
        raise _violation(
            "emission",
            "unknown-emission",
            "Reg. §57",
            f"no emission with state registration number or application number {entry.emission!r}",
        )
    if state.status in _NOT_VERIFIABLE:
        # Reg. §17, §47: a refused application or a cancelled issue has nothing left to verify.
        raise _violation(
            "status",
            "not-verifiable",
            "Reg. §17, §47",
            f"emission {state.key} is {state.status.value}; nothing on chain is verified for it",
        )
    _check_recorded_after(entry)
    _check_basis(entry, None, "")
    current = state.verification or VerificationState()
    if isinstance(entry, VerificationObserved):
        new = _observed(entry, current)
    elif isinstance(entry, VerificationFinding):
        new = _finding(entry, current)
    elif isinstance(entry, VerificationFindingResolved):
        new = _finding_resolved(entry, current)
    elif isinstance(entry, VerificationWalletProof):
        new = _wallet_proof(entry, state, current)
    elif isinstance(entry, VerificationSourceFiled):
        source = FiledSource(
            sha256=entry.standard_json_sha256,
            compiler=entry.compiler,
            contract=entry.contract,
            filed_on=entry.effective_on,
        )
        new = dataclasses.replace(current, source=source)
    else:  # pragma: no cover - the union has no other members
        assert_never(entry)
    # A verification entry is an observation: the lifecycle status and dates do not move.
    return Effects(emissions=(dataclasses.replace(state, verification=new),))


def _observed(entry: VerificationObserved, current: VerificationState) -> VerificationState:
    checked = entry.outcome is ChainOutcome.CHECKED
    if checked != (entry.block is not None):
        # Reg. §5.5: a reading of the declared chain is pinned to the block it was taken at.
        raise _violation(
            "block",
            "observation-block",
            "Reg. §5.5",
            "a checked chain is read at a named block; other outcomes name none",
        )
    if entry.block is not None and entry.block.chain_id != entry.chain_id:
        raise _violation(
            "block.chain_id",
            "observation-chain",
            "Reg. §5.5",
            f"the block is on chain {entry.block.chain_id}, the observation on {entry.chain_id}",
        )
    readings = entry.readings
    if (
        not checked
        or current.code_hash is not None
        or readings.code_hash is None
        or not readings.code_size
    ):
        return current
    # The first code seen at the declared address is the baseline (Reg. §5.5, §9.4).
    assert entry.block is not None
    return dataclasses.replace(
        current,
        chain_id=entry.chain_id,
        code_hash=readings.code_hash,
        implementation=readings.implementation,
        baseline_block=entry.block.block_number,
        baseline_on=entry.effective_on,
    )


def _finding(entry: VerificationFinding, current: VerificationState) -> VerificationState:
    if entry.finding != entry.check and not entry.finding.startswith(entry.check + ":"):
        raise _violation(
            "finding",
            "finding-id",
            "docs/export-format.md",
            f"finding {entry.finding!r} is not of check {entry.check!r}",
        )
    previous = current.finding(entry.finding)
    since = previous.since if previous is not None else entry.effective_on
    opened = OpenFinding(id=entry.finding, check=entry.check, severity=entry.severity, since=since)
    others = [f for f in current.open_findings if f.id != entry.finding]
    found = tuple(sorted([*others, opened], key=lambda f: f.id))
    return dataclasses.replace(current, open_findings=found)


def _finding_resolved(
    entry: VerificationFindingResolved, current: VerificationState
) -> VerificationState:
    if current.finding(entry.finding) is None:
        raise _violation(
            "finding",
            "finding-not-open",
            "docs/export-format.md",
            f"finding {entry.finding!r} is not open",
        )
    found = tuple(f for f in current.open_findings if f.id != entry.finding)
    return dataclasses.replace(current, open_findings=found)


_PROOF_PARAGRAPH: Final = "Reg. §5.5, §9.4"


def _wallet_proof(
    entry: VerificationWalletProof, state: EmissionState, current: VerificationState
) -> VerificationState:
    statement = entry.statement
    if state.regno is None:
        raise _violation(
            "statement.regno",
            "proof-needs-regno",
            "Reg. §57, §67",
            f"{state.key} has no state registration number yet to prove a wallet for",
        )
    checks = (
        ("regno", statement.regno, state.regno, "Reg. §67"),
        ("contract", statement.contract, state.contract_address.lower(), _PROOF_PARAGRAPH),
        ("wallet", statement.wallet, state.issuer_wallet.lower(), _PROOF_PARAGRAPH),
    )
    for name, signed, registered, paragraph in checks:
        if signed != registered:
            raise _violation(
                f"statement.{name}",
                f"proof-{name}",
                paragraph,
                f"the statement names {signed}, the register {registered}",
            )
    if current.chain_id is not None and statement.chain_id != current.chain_id:
        raise _violation(
            "statement.chain_id",
            "proof-chain",
            _PROOF_PARAGRAPH,
            f"the statement is for chain {statement.chain_id}, the token is on {current.chain_id}",
        )
    proof = accept_wallet_proof(
        wallet=statement.wallet,
        chain_id=statement.chain_id,
        nonce=statement.nonce,
        expiry=statement.expiry,
        method=entry.method,
        signer=entry.signer,
        has_block=entry.block is not None,
        recorded_at=int(entry.recorded_at.timestamp()),
        proven_on=entry.effective_on,
        last=current.wallet_proof,
        paragraph=_PROOF_PARAGRAPH,
    )
    return dataclasses.replace(current, wallet_proof=proof)


# ============================================================================================
# issuer entries
# ============================================================================================

_IssuerHandler = Callable[[RegisterView, Any, WorkingCalendar], Effects]


def _issuer_transition(issuer: IssuerState, kind: str) -> None:
    row = lc.ISSUER_TRANSITIONS[kind]
    if issuer.status not in row.sources:
        raise IllegalTransition(
            field="status",
            rule="illegal-transition",
            paragraph=row.paragraph,
            message=f"{kind} is not allowed while issuer {issuer.code} is {issuer.status.value}",
        )


def _existing_issuer(
    view: RegisterView,
    entry: IssuerUpdated | IssuerReorganized | IssuerLiquidated | IssuerNameReviewed,
) -> IssuerState:
    issuer = view.issuer(entry.issuer)
    if issuer is None:
        raise _violation(
            "issuer", "unknown-issuer", "Reg. §62", f"no issuer with code {entry.issuer!r}"
        )
    _issuer_transition(issuer, entry.kind)
    _check_recorded_after(entry)
    if entry.effective_on < issuer.status_since:
        raise _violation(
            "effective_on",
            "date-order",
            "Reg. §62",
            f"effective date {entry.effective_on} precedes the issuer's last status change "
            f"({issuer.status_since})",
        )
    return issuer


def _check_legal_entity(
    kind: IssuerKind, legal_form: str | None, reg: LegalRegistration | None
) -> None:
    # Reg. §62: legal form and state registration data are kept for legal entities.
    if kind is IssuerKind.LEGAL_ENTITY:
        if legal_form is None:
            raise _violation(
                "legal_form",
                "legal-form-required",
                "Reg. §62",
                "a legal entity's organizational-legal form is required",
            )
        if reg is None:
            raise _violation(
                "legal_registration",
                "legal-registration-required",
                "Reg. §62, §9.5",
                "a legal entity's state registration data are required",
            )


def _issuer_registered(
    view: RegisterView, entry: IssuerRegistered, cal: WorkingCalendar
) -> Effects:
    validate_issuer_code(entry.issuer, field="issuer")  # Reg. §68(г)
    if view.issuer(entry.issuer) is not None:
        raise _violation(
            "issuer",
            "issuer-code-taken",
            "Reg. §68(г)",
            f"issuer code {entry.issuer} is already assigned",
        )
    _check_recorded_after(entry)
    _check_basis(entry, None, "")
    check_name(entry.name, field="name")  # Law art. 37.3
    reg = _legal_registration(entry.legal_registration)
    _check_legal_entity(entry.issuer_kind, entry.legal_form, reg)
    issuer = IssuerState(
        code=entry.issuer,
        name=entry.name,
        region=entry.region,
        status=IssuerStatus.ACTIVE,
        serials_used=0,
        kind=entry.issuer_kind,
        legal_form=entry.legal_form,
        legal_address=entry.legal_address,
        legal_registration=reg,
        founders_commitment=entry.founders_commitment,
        registered_on=entry.effective_on,
        status_since=entry.effective_on,
        name_review=_issuer_name_review(entry.name),
    )
    return Effects(issuers=(issuer,))


def _issuer_name_review(name: str) -> NameReview | None:
    """A pending review of an issuer's name holding a Law art. 37.3 word only inside a
    personal name built on it; None for a clean name (a refused one never gets here)."""
    verdict = judge_name(name)
    if not verdict.review:
        return None
    return NameReview(field="name", text=name, words=verdict.review, decision=None)


def _issuer_name_reviewed(
    view: RegisterView, entry: IssuerNameReviewed, cal: WorkingCalendar
) -> Effects:
    issuer = _existing_issuer(view, entry)
    # Law art. 37.3: the authority decides on a word inside a personal name
    _check_basis(entry, frozenset({DocumentType.AUTHORITY_DECISION}), "Law art. 37.3")
    review = issuer.name_review
    if review is None or review.decision is not None:
        raise _violation(
            "issuer",
            "no-name-review",
            "Law art. 37.3",
            f"the name of issuer {issuer.code} awaits no review",
        )
    decided = dataclasses.replace(review, decision=entry.decision)
    return Effects(issuers=(dataclasses.replace(issuer, name_review=decided),))


def _legal_registration(data: Any) -> LegalRegistration | None:
    if data is None:
        return None
    return LegalRegistration(
        number=data.number, registered_on=data.registered_on, authority=data.authority
    )


def _issuer_updated(view: RegisterView, entry: IssuerUpdated, cal: WorkingCalendar) -> Effects:
    issuer = _existing_issuer(view, entry)
    _check_basis(entry, None, "")
    changes: dict[str, Any] = {}
    if entry.name is not None:
        check_name(entry.name, field="name")  # Law art. 37.3
        changes["name"] = entry.name
        if entry.name != issuer.name:  # a new name is judged anew
            changes["name_review"] = _issuer_name_review(entry.name)
    if entry.legal_form is not None:
        changes["legal_form"] = entry.legal_form
    if entry.legal_address is not None:
        changes["legal_address"] = entry.legal_address
    if entry.region is not None:
        changes["region"] = entry.region  # numbers already assigned keep their region code
    if entry.legal_registration is not None:
        changes["legal_registration"] = _legal_registration(entry.legal_registration)
    if all(getattr(issuer, k) == v for k, v in changes.items()):
        raise _violation(
            "issuer", "empty-update", "Reg. §62", "the update changes none of the issuer's data"
        )
    return Effects(issuers=(dataclasses.replace(issuer, **changes),))


def _issuer_reorganized(
    view: RegisterView, entry: IssuerReorganized, cal: WorkingCalendar
) -> Effects:
    issuer = _existing_issuer(view, entry)
    _check_basis(entry, None, "")
    if entry.successor == entry.issuer:
        raise _violation(
            "successor", "successor-self", "Reg. §62", "an issuer cannot succeed itself"
        )
    _active_issuer(view, entry.successor, field="successor", paragraph="Reg. §62")
    new = dataclasses.replace(
        issuer,
        status=IssuerStatus.REORGANIZED,
        successor=entry.successor,
        status_since=entry.effective_on,
    )
    return Effects(issuers=(new,))


def _issuer_liquidated(
    view: RegisterView, entry: IssuerLiquidated, cal: WorkingCalendar
) -> Effects:
    issuer = _existing_issuer(view, entry)
    _check_basis(entry, _TERMINATION_BASIS[entry.termination], "Reg. §64")
    status = (
        IssuerStatus.BANKRUPT
        if entry.termination is IssuerTermination.BANKRUPTCY
        else IssuerStatus.LIQUIDATED
    )
    new = dataclasses.replace(issuer, status=status, status_since=entry.effective_on)
    # Reg. §45, §64-65: the issuer's registered emissions are to be cancelled within 3 working
    # days of the ground.
    due = lc.cancellation_after_ground(entry.effective_on, cal)
    emissions = tuple(
        dataclasses.replace(e, deadlines=(*e.deadlines, due))
        for e in view.emissions_of(issuer.code)
        if e.status in lc.REGISTERED_LIVE and e.deadline(lc.CANCELLATION) is None
    )
    return Effects(issuers=(new,), emissions=emissions)


_ISSUER_HANDLERS: Final[dict[str, _IssuerHandler]] = {
    "issuer.registered": _issuer_registered,
    "issuer.name_reviewed": _issuer_name_reviewed,
    "issuer.updated": _issuer_updated,
    "issuer.reorganized": _issuer_reorganized,
    "issuer.liquidated": _issuer_liquidated,
}
