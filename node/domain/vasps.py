"""The register of licensed virtual-asset service providers (Law art. 25-32, 37.3, 38): state
and rules, pure."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from node.domain.entries import (
    AnyVaspEntry,
    DocumentType,
    LegalRegistrationData,
    VaspActivityReported,
    VaspApplied,
    VaspDocument,
    VaspDocumentsSupplemented,
    VaspLicenceGranted,
    VaspLicenceRefused,
    VaspLicenceRevoked,
    VaspMeasure,
    VaspMeasureApplied,
    VaspMeasureLifted,
    VaspService,
)
from node.domain.model import Deadline, dec_str
from node.domain.names import check_name
from node.errors import RuleViolation

LICENCE_PREFIX: Final = "LIC-"
"""Licence numbers start with it; the state tree keys providers by it."""

REQUIRED_ITEMS: Final = frozenset(range(1, 8))
"""Law art. 29.2 items 1-7: each must be evidenced by a filed document."""

PAYMENT_SERVICES: Final = frozenset({VaspService.BUY_SELL, VaspService.EXCHANGE})
"""Law art. 26.1 items 1-2, which banks and non-bank financial institutions may not provide
unless they are VA exchange operators (art. 27.5)."""

REVIEW: Final = "licence_review"  # art. 30.2: one month from complete documents
START: Final = "activity_start"  # art. 31.2 item 1: start within 12 months of the licence
RESUME: Final = "activity_resume"  # art. 31.2 item 1: a stop of more than 6 months


class LicenceStatus(StrEnum):
    """Where a licence stands."""

    APPLIED = "applied"
    LICENSED = "licensed"
    SUSPENDED = "suspended"
    REFUSED = "refused"
    REVOKED = "revoked"


@dataclass(frozen=True)
class LicencePeriod:
    """From ``start`` (to ``end``, exclusive; None: still) the licence covered ``services``."""

    start: date
    end: date | None
    services: tuple[VaspService, ...]

    def to_record(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "start": self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "services": [s.value for s in self.services],
        }

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> LicencePeriod:
        """Inverse of :meth:`to_record`."""
        return cls(
            start=date.fromisoformat(r["start"]),
            end=None if r["end"] is None else date.fromisoformat(r["end"]),
            services=tuple(VaspService(s) for s in r["services"]),
        )


@dataclass(frozen=True)
class LicenceState:
    """A licence application and, once granted, the licence (Law art. 29-32). Public, except the
    owners (art. 29.2 item 2), kept as a salted commitment."""

    licence: str
    name: str
    legal_form: str
    crypto_exchange: bool
    registration: LegalRegistrationData
    services: tuple[VaspService, ...]  # applied for
    charter_capital_som: Decimal
    documents: tuple[VaspDocument, ...]
    owners_commitment: str
    status: LicenceStatus
    applied_on: date
    status_since: date
    restricted: tuple[VaspService, ...] = ()  # art. 32.3 item 3
    periods: tuple[LicencePeriod, ...] = ()  # when it covered which services
    deadlines: tuple[Deadline, ...] = ()
    missed: tuple[Deadline, ...] = ()
    fines_som: Decimal = Decimal("0.00")
    measures: int = 0  # measures of influence applied (art. 32.3)
    revocation_ground: str | None = None

    @property
    def key(self) -> str:
        """The state-tree key: the licence number."""
        return self.licence

    @property
    def missing_items(self) -> frozenset[int]:
        """The art. 29.2 requirements no filed document evidences yet."""
        return REQUIRED_ITEMS - {i for d in self.documents for i in d.items}

    @property
    def in_force(self) -> tuple[VaspService, ...]:
        """The services the licence covers now (none unless licensed)."""
        if self.status is not LicenceStatus.LICENSED:
            return ()
        return tuple(s for s in self.services if s not in self.restricted)

    def deadline_named(self, name: str) -> Deadline | None:
        """The open deadline ``name``, if any."""
        return next((d for d in self.deadlines if d.name == name), None)

    def covered(self, service: VaspService, on: date) -> bool:
        """Whether the register shows ``service`` licensed on ``on`` (art. 30.6)."""
        return any(
            p.start <= on and (p.end is None or on < p.end) and service in p.services
            for p in self.periods
        )

    def to_record(self) -> dict[str, Any]:
        """The public record (JSON-able; owners only as their commitment)."""
        return {
            "licence": self.licence,
            "name": self.name,
            "legal_form": self.legal_form,
            "crypto_exchange": self.crypto_exchange,
            "registration": self.registration.model_dump(mode="json"),
            "services": [s.value for s in self.services],
            "charter_capital_som": dec_str(self.charter_capital_som),
            "documents": [d.model_dump(mode="json") for d in self.documents],
            "owners_commitment": self.owners_commitment,
            "status": self.status.value,
            "applied_on": self.applied_on.isoformat(),
            "status_since": self.status_since.isoformat(),
            "restricted": [s.value for s in self.restricted],
            "in_force": [s.value for s in self.in_force],
            "periods": [p.to_record() for p in self.periods],
            "deadlines": [d.to_record() for d in self.deadlines],
            "missed": [d.to_record() for d in self.missed],
            "fines_som": dec_str(self.fines_som),
            "measures": self.measures,
            "revocation_ground": self.revocation_ground,
        }

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> LicenceState:
        """Inverse of :meth:`to_record` (``in_force`` is recomputed)."""
        return cls(
            licence=r["licence"],
            name=r["name"],
            legal_form=r["legal_form"],
            crypto_exchange=bool(r["crypto_exchange"]),
            registration=LegalRegistrationData.model_validate(r["registration"]),
            services=tuple(VaspService(s) for s in r["services"]),
            charter_capital_som=Decimal(r["charter_capital_som"]),
            documents=tuple(VaspDocument.model_validate(d) for d in r["documents"]),
            owners_commitment=r["owners_commitment"],
            status=LicenceStatus(r["status"]),
            applied_on=date.fromisoformat(r["applied_on"]),
            status_since=date.fromisoformat(r["status_since"]),
            restricted=tuple(VaspService(s) for s in r["restricted"]),
            periods=tuple(LicencePeriod.from_record(p) for p in r["periods"]),
            deadlines=tuple(Deadline.from_record(d) for d in r["deadlines"]),
            missed=tuple(Deadline.from_record(d) for d in r["missed"]),
            fines_som=Decimal(r["fines_som"]),
            measures=int(r["measures"]),
            revocation_ground=r["revocation_ground"],
        )


def licence_number(serial: int) -> str:
    """The number of the ``serial``-th licence application (never reused).

    Raises:
        RuleViolation: field "licence", rule "licence-serial" when the serials run out.
    """
    if not 1 <= serial <= 999_999:
        raise _violation("licence", "licence-serial", "Law art. 30", f"serial {serial} is out")
    return f"{LICENCE_PREFIX}{serial:06d}"


_LICENCE_IN_TEXT: Final = re.compile(r"\bLIC-[0-9]{6}\b")


def licences_named(text: str) -> tuple[str, ...]:
    """The licence numbers written in ``text`` (a venue's name, Reg. §22), in order."""
    return tuple(_LICENCE_IN_TEXT.findall(text))


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (the last day of a shorter month)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _violation(field: str, rule: str, paragraph: str, message: str) -> RuleViolation:
    return RuleViolation(field=field, rule=rule, paragraph=paragraph, message=message)


def check_application(entry: VaspApplied) -> None:
    """What makes an application impossible to receive (Law art. 25, 27.5, 28.1, 37.3, 38).
    Missing documents are not among them: they are received, and the review waits (art. 30.2).

    Raises:
        RuleViolation: the field and the rule broken.
    """
    check_name(entry.name, field="name")  # Law art. 37.3
    if entry.crypto_exchange and not entry.joint_stock_company:
        raise _violation(
            "joint_stock_company",
            "exchange-joint-stock",
            "Law art. 28.1",
            "a crypto exchange is a joint-stock company",
        )
    barred = PAYMENT_SERVICES & set(entry.services)
    if entry.supervised_by_national_bank and not entry.exchange_operator and barred:
        raise _violation(
            "services",
            "bank-payment-services",
            "Law art. 27.5",
            "a bank or non-bank financial institution may not provide "
            f"{', '.join(sorted(s.value for s in barred))} unless it is a VA exchange operator",
        )
    if len(set(entry.services)) != len(entry.services):
        raise _violation("services", "service-repeated", "Law art. 26.1", "a service is repeated")
    if entry.charter_capital_som < entry.minimum_charter_capital_som:
        raise _violation(
            "charter_capital_som",
            "charter-capital-minimum",
            "Law art. 25.2, art. 29.2 item 7",
            f"{entry.charter_capital_som} som is below the minimum of "
            f"{entry.minimum_charter_capital_som} som",
        )
    if entry.state_duty_document.type is not DocumentType.PAYMENT_DOCUMENT:
        raise _violation(
            "state_duty_document.type",
            "state-duty-document",
            "Law art. 30.1 item 3, art. 38",
            "the state duty is shown by a payment document",
        )
    for i, doc in enumerate(entry.documents):
        if not set(doc.items) <= REQUIRED_ITEMS:
            raise _violation(
                f"documents[{i}].items",
                "requirement-item",
                "Law art. 29.2",
                "the requirements of art. 29.2 are items 1-7",
            )


def _review_deadline(on: date) -> Deadline:
    # Law art. 30.2: reviewed within one month, counted from complete documents
    return Deadline(REVIEW, add_months(on, 1), "Law art. 30.2")


def apply_vasp_entry(
    current: LicenceState | None, entry: AnyVaspEntry, *, taken: Callable[[str], bool]
) -> LicenceState:
    """Validate ``entry`` against the licence's current state; return its new state. Pure.

    Raises:
        RuleViolation: a rule is broken (field, rule, paragraph named), or the entry names a
            number the register does not hold (unknown-licence).
    """
    if isinstance(entry, VaspApplied):
        if current is not None or taken(entry.licence):
            raise _violation(
                "licence", "licence-unique", "Law art. 30", f"{entry.licence} is taken"
            )
        check_application(entry)
        state = LicenceState(
            licence=entry.licence,
            name=entry.name,
            legal_form=entry.legal_form,
            crypto_exchange=entry.crypto_exchange,
            registration=entry.registration,
            services=entry.services,
            charter_capital_som=entry.charter_capital_som,
            documents=entry.documents,
            owners_commitment=entry.owners_commitment,
            status=LicenceStatus.APPLIED,
            applied_on=entry.effective_on,
            status_since=entry.effective_on,
        )
        if not state.missing_items:
            state = dataclasses.replace(state, deadlines=(_review_deadline(entry.effective_on),))
        return state
    if current is None:
        raise _violation(
            "licence",
            "unknown-licence",
            "Law art. 30.6",
            f"no licence with number {entry.licence} is in the register",
        )
    if entry.effective_on < current.status_since:
        raise _violation(
            "effective_on",
            "effective-order",
            "Law art. 30",
            f"{entry.effective_on} is before the licence's last change on {current.status_since}",
        )
    return _HANDLERS[entry.kind](current, entry)


def _needs(entry: AnyVaspEntry, what: str, paragraph: str) -> None:
    if entry.basis is None or entry.basis.type is not DocumentType.AUTHORITY_DECISION:
        raise _violation(
            "basis", "basis-required", paragraph, f"{what} rests on the authority's decision"
        )


def _status(current: LicenceState, allowed: Iterable[LicenceStatus], kind: str) -> None:
    if current.status not in set(allowed):
        raise _violation(
            "kind",
            "licence-status",
            "Law art. 30-32",
            f"{kind} is not possible while the licence is {current.status.value}",
        )


def _close(
    current: LicenceState, name: str, on: date
) -> tuple[tuple[Deadline, ...], tuple[Deadline, ...]]:
    open_ = next((d for d in current.deadlines if d.name == name), None)
    deadlines = tuple(d for d in current.deadlines if d.name != name)
    late = (open_,) if open_ is not None and on > open_.due else ()
    return deadlines, current.missed + late


def _new_period(current: LicenceState, on: date) -> tuple[LicencePeriod, ...]:
    """Close the open period at ``on`` and open one with the services in force (if any)."""
    periods = [dataclasses.replace(p, end=on) if p.end is None else p for p in current.periods]
    periods = [p for p in periods if p.end is None or p.start < p.end]
    if current.in_force:
        periods.append(LicencePeriod(start=on, end=None, services=current.in_force))
    return tuple(periods)


def _supplemented(current: LicenceState, entry: VaspDocumentsSupplemented) -> LicenceState:
    _status(current, [LicenceStatus.APPLIED], entry.kind)
    state = dataclasses.replace(current, documents=current.documents + entry.documents)
    if not state.missing_items and state.deadline_named(REVIEW) is None:
        # Law art. 30.2: the month runs from the day the missing documents arrive
        state = dataclasses.replace(
            state, deadlines=(*state.deadlines, _review_deadline(entry.effective_on))
        )
    return state


def _granted(current: LicenceState, entry: VaspLicenceGranted) -> LicenceState:
    _needs(entry, "a licence", "Law art. 30.2, 30.4")
    _status(current, [LicenceStatus.APPLIED], entry.kind)
    if current.missing_items:
        raise _violation(
            "documents",
            "requirements-unmet",
            "Law art. 29.2, 30.3",
            "no document evidences requirement(s) "
            + ", ".join(str(i) for i in sorted(current.missing_items)),
        )
    deadlines, missed = _close(current, REVIEW, entry.effective_on)
    licensed = dataclasses.replace(
        current,
        status=LicenceStatus.LICENSED,
        status_since=entry.effective_on,
        # Law art. 31.2 item 1: revocable when the activity does not start within 12 months
        deadlines=(
            *deadlines,
            Deadline(START, add_months(entry.effective_on, 12), "Law art. 31.2"),
        ),
        missed=missed,
    )
    return dataclasses.replace(licensed, periods=_new_period(licensed, entry.effective_on))


def _start_deadline(granted_on: date) -> Deadline:
    return Deadline(START, add_months(granted_on, 12), "Law art. 31.2")


def _refused(current: LicenceState, entry: VaspLicenceRefused) -> LicenceState:
    _needs(entry, "a refusal", "Law art. 30.3")
    _status(current, [LicenceStatus.APPLIED], entry.kind)
    deadlines, missed = _close(current, REVIEW, entry.effective_on)
    return dataclasses.replace(
        current,
        status=LicenceStatus.REFUSED,
        status_since=entry.effective_on,
        deadlines=deadlines,
        missed=missed,
    )


def _activity(current: LicenceState, entry: VaspActivityReported) -> LicenceState:
    _status(current, [LicenceStatus.LICENSED, LicenceStatus.SUSPENDED], entry.kind)
    on = entry.effective_on
    if entry.activity == "started":
        deadlines, missed = _close(current, START, on)
        if current.deadline_named(START) is None:
            raise _violation("activity", "activity-order", "Law art. 31.2", "already started")
        return dataclasses.replace(current, deadlines=deadlines, missed=missed)
    if entry.activity == "stopped":
        if current.deadline_named(START) is not None or current.deadline_named(RESUME):
            raise _violation("activity", "activity-order", "Law art. 31.2", "not running")
        stop = Deadline(RESUME, add_months(on, 6), "Law art. 31.2")
        return dataclasses.replace(current, deadlines=(*current.deadlines, stop))
    if current.deadline_named(RESUME) is None:
        raise _violation("activity", "activity-order", "Law art. 31.2", "not stopped")
    deadlines, missed = _close(current, RESUME, on)
    return dataclasses.replace(current, deadlines=deadlines, missed=missed)


def _measure(current: LicenceState, entry: VaspMeasureApplied) -> LicenceState:
    _needs(entry, "a measure of influence", "Law art. 32")
    _status(current, [LicenceStatus.LICENSED, LicenceStatus.SUSPENDED], entry.kind)
    state = dataclasses.replace(current, measures=current.measures + 1)
    if entry.measure is VaspMeasure.FINE:
        if entry.fine_som is None:
            raise _violation("fine_som", "fine-amount", "Law art. 32.3 item 2", "a fine's amount")
        return dataclasses.replace(state, fines_som=state.fines_som + entry.fine_som)
    if entry.measure is VaspMeasure.RESTRICTION:
        stopped = set(entry.services)
        if not stopped or not stopped <= set(current.in_force):
            raise _violation(
                "services",
                "restriction-services",
                "Law art. 32.3 item 3",
                "a restriction names services the licence covers now",
            )
        state = dataclasses.replace(
            state,
            restricted=tuple(s for s in current.services if s in stopped | set(current.restricted)),
        )
    elif entry.measure is VaspMeasure.SUSPENSION:
        _status(current, [LicenceStatus.LICENSED], entry.kind)
        state = dataclasses.replace(
            state, status=LicenceStatus.SUSPENDED, status_since=entry.effective_on
        )
    else:
        return state  # a written order changes no right
    return dataclasses.replace(state, periods=_new_period(state, entry.effective_on))


def _lifted(current: LicenceState, entry: VaspMeasureLifted) -> LicenceState:
    _needs(entry, "lifting a measure", "Law art. 32")
    if entry.measure == "suspension":
        _status(current, [LicenceStatus.SUSPENDED], entry.kind)
        state = dataclasses.replace(
            current, status=LicenceStatus.LICENSED, status_since=entry.effective_on
        )
    else:
        _status(current, [LicenceStatus.LICENSED, LicenceStatus.SUSPENDED], entry.kind)
        freed = set(entry.services)
        if not freed or not freed <= set(current.restricted):
            raise _violation(
                "services",
                "restriction-services",
                "Law art. 32.3 item 3",
                "name restricted services to free",
            )
        state = dataclasses.replace(
            current, restricted=tuple(s for s in current.restricted if s not in freed)
        )
    return dataclasses.replace(state, periods=_new_period(state, entry.effective_on))


def _revoked(current: LicenceState, entry: VaspLicenceRevoked) -> LicenceState:
    _needs(entry, "a revocation", "Law art. 31")
    _status(current, [LicenceStatus.LICENSED, LicenceStatus.SUSPENDED], entry.kind)
    if entry.ground == "31.2.1" and not _start_or_resume_overdue(current, entry.effective_on):
        raise _violation(
            "ground",
            "revocation-ground",
            "Law art. 31.2 item 1",
            "the activity neither failed to start within 12 months nor stopped for more than 6",
        )
    state = dataclasses.replace(
        current,
        status=LicenceStatus.REVOKED,
        status_since=entry.effective_on,
        revocation_ground=entry.ground,
        deadlines=(),
    )
    return dataclasses.replace(state, periods=_new_period(state, entry.effective_on))


def _start_or_resume_overdue(current: LicenceState, on: date) -> bool:
    return any(d.name in (START, RESUME) and d.due < on for d in current.deadlines)


_HANDLERS: Final[dict[str, Callable[[LicenceState, Any], LicenceState]]] = {
    "vasp.documents_supplemented": _supplemented,
    "vasp.licence_granted": _granted,
    "vasp.licence_refused": _refused,
    "vasp.activity_reported": _activity,
    "vasp.measure_applied": _measure,
    "vasp.measure_lifted": _lifted,
    "vasp.licence_revoked": _revoked,
}
