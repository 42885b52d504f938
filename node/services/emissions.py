"""Emissions: filing (with the optional registration decision), lifecycle events, reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ValidationError

from node.domain.entries import Document, Entry, validation_violation
from node.domain.filings import (
    EmissionFiling,
    application_entry,
    event_entry,
    parse_emission_filing,
)
from node.domain.model import EmissionState, EmissionStatus, IssuerState
from node.domain.register import Effects, MemoryRegister
from node.errors import RuleViolation
from node.ledger.sequencer import Integrated
from node.ledger.service import allocate_regno
from node.ledger.store import EntryRecord
from node.services.database import Database
from node.services.issuers import effective_date, normalize_kind
from node.types import RequestId

REGISTRATION_KEY: Final = "registration"
"""Top-level member of an emission filing that also records the registration decision."""


_DRY_RUN_APPLICATION: Final = "APP-000000"


class Registration(BaseModel):
    """The ``registration:`` section of an emission filing: the authority's registration decision.

    ``on`` is the date of the decision (Reg. §10, §57); ``document`` the decision itself (Reg. §64,
    an ``authority_decision``); ``regno`` is optional: when given it must be the number the
    register assigns next (Reg. §68(в)), otherwise that number is assigned.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    on: dt.date
    document: Document
    regno: str | None = None


@dataclass(frozen=True)
class EmissionSubmission:
    """An emission filing split into the filing and the optional registration decision."""

    filing: EmissionFiling
    registration: Registration | None


@dataclass(frozen=True)
class EmissionWritten:
    """An emission entry (or the application and its registration) just written: the full kind
    of the last entry, the log size after it, the emission and its issuer after it."""

    kind: str
    index: int
    size: int
    emission: EmissionState
    issuer: IssuerState

    @property
    def application_no(self) -> str:
        """The emission's application number."""
        return self.emission.application_no

    @property
    def regno(self) -> str | None:
        """The emission's state registration number, once registered."""
        return self.emission.regno


def parse_emission_submission(data: Any) -> EmissionSubmission:
    """Validate an emission filing: an EmissionFiling plus an optional ``registration`` section.

    Raises:
        RuleViolation: rule "filing-field" naming the first bad field (``registration.…`` for
            the registration section, paragraph "Reg. §10, §57").
    """
    if not isinstance(data, Mapping):
        raise RuleViolation(
            field="filing",
            rule="filing-field",
            paragraph="Reg. §9",
            message="an emission filing is a mapping of its fields",
        )
    body = dict(data)
    section = body.pop(REGISTRATION_KEY, None)
    filing = parse_emission_filing(body)
    registration = None
    if section is not None:
        try:
            registration = Registration.model_validate(section)
        except ValidationError as exc:
            inner = validation_violation(exc, rule="filing-field", paragraph="Reg. §10, §57")
            raise RuleViolation(
                field=f"{REGISTRATION_KEY}.{inner.field}",
                rule=inner.rule,
                paragraph=inner.paragraph,
                message=inner.message,
            ) from exc
    return EmissionSubmission(filing=filing, registration=registration)


def registration_data(registration: Registration, *, regno: str | None = None) -> dict[str, Any]:
    """The ``emission.registered`` event data for a registration decision.

    Without a number (here or in the section) the ledger allocates the next one inside its
    transaction (Reg. §67-68).
    """
    data: dict[str, Any] = {"basis": registration.document.model_dump(mode="json")}
    number = regno or registration.regno
    if number is not None:
        data["regno"] = number
    return data


def submit_emission(
    db: Database,
    *,
    submission: EmissionSubmission,
    request: RequestId | None = None,
    recorded_by: str | None = None,
) -> EmissionWritten:
    """File the application (Reg. §9, Annex 1) and, if the submission has one, record the
    registration decision (Reg. §10, §57; the number assigned, Reg. §67-68); both attributed to
    ``recorded_by`` (the workbench's person) when given.

    Before anything is written, both entries are checked together against the issuer's current
    state in memory (a dry run). The two entries are then integrated as one atomic batch, so a
    concurrent writer's entry never lands between them and a failure writes neither.

    Raises:
        RuleViolation: the filing or the registration breaks a rule (nothing written).
        NotFound: the filing names an unknown issuer while a registration is given.
        StorageError: the database failed.
    """
    ledger = db.ledger
    if request is not None and (done := ledger.integrated(request)) is not None:
        # A retry of a request already written (its dry run would now see its own entries).
        application_no = done.entries[0].subject
        return _written(db, kind=done.entries[-1].kind, key=application_no, result=done)
    registration = submission.registration
    if registration is None:
        application_no, result = ledger.file_application(
            submission.filing, request=request, recorded_by=recorded_by
        )
        kind = "emission.applied"
    else:
        _dry_run(db, submission.filing, registration)
        application_no, result = ledger.file_and_register(
            submission.filing,
            registration=registration_data(registration),
            effective_on=registration.on,
            request=request,
            recorded_by=recorded_by,
        )
        kind = "emission.registered"
    return _written(db, kind=kind, key=application_no, result=result)


def _dry_run(db: Database, filing: EmissionFiling, registration: Registration) -> str:
    """Apply application + registration to a scratch register holding only the issuer."""
    ledger = db.ledger
    issuer = ledger.issuer(filing.issuer)
    scratch = MemoryRegister()
    scratch.store(Effects(issuers=(issuer,), calendar=ledger.calendar_corrections()))
    recorded_at = db.clock.now()
    scratch.apply(
        application_entry(filing, application_no=_DRY_RUN_APPLICATION, recorded_at=recorded_at),
        calendar=ledger.calendar,
    )
    regno = str(allocate_regno(scratch, _DRY_RUN_APPLICATION))
    if registration.regno is not None and registration.regno != regno:
        raise RuleViolation(
            field=f"{REGISTRATION_KEY}.regno",
            rule="regno-serial-order",
            paragraph="Reg. §68(в)",
            message=f"the number to assign is {regno}, not {registration.regno}",
        )
    scratch.apply(
        event_entry(
            "emission.registered",
            emission=_DRY_RUN_APPLICATION,
            data=registration_data(registration, regno=regno),
            recorded_at=recorded_at,
            effective_on=registration.on,
        ),
        calendar=ledger.calendar,
    )
    return regno


def record_emission_event(
    db: Database,
    *,
    key: str,
    kind: str,
    data: Mapping[str, Any],
    effective_on: dt.date | None = None,
    request: RequestId | None = None,
    recorded_by: str | None = None,
) -> EmissionWritten:
    """Record one emission event (``kind`` with or without the prefix ``emission.``), effective
    on ``effective_on`` (default: today in Kyrgyz time by the injected clock), attributed to
    ``recorded_by`` (the person who decided it, from their session; None: not attributed);
    ``emission.registered`` without ``regno`` gets the next number (allocated by the ledger
    inside its transaction, Reg. §67-68).

    Raises:
        RuleViolation: the event is unknown (``emission.applied`` included: applications are
            filed with :func:`submit_emission`), malformed or breaks a rule (nothing written).
        NotFound: no emission has this key.
        IllegalTransition: the lifecycle forbids the event now.
        StorageError: the database failed.
    """
    full = normalize_kind(kind, prefix="emission")
    if full == "emission.applied":
        raise RuleViolation(
            field="kind",
            rule="unknown-kind",
            paragraph="Reg. §9",
            message="an application is filed with its filing (`tamga emission register`), "
            "which assigns its application number",
        )
    result = db.ledger.record_event(
        kind=full,
        emission=key,
        data=data,
        effective_on=effective_date(effective_on, clock=db.clock),
        request=request,
        recorded_by=recorded_by,
    )
    return _written(db, kind=full, key=key, result=result)


def _written(db: Database, *, kind: str, key: str, result: Integrated) -> EmissionWritten:
    state = db.ledger.emission(key)
    return EmissionWritten(
        kind=kind,
        index=result.first_index,
        size=result.size,
        emission=state,
        issuer=db.ledger.issuer(state.issuer),
    )


def emission(db: Database, *, key: str) -> tuple[EmissionState, IssuerState]:
    """An emission (by registration or application number) and its issuer.

    Raises:
        NotFound: no emission has this key.
        StorageError: the database failed.
    """
    state = db.ledger.emission(key)
    return state, db.ledger.issuer(state.issuer)


def emissions(
    db: Database, *, issuer: str | None = None, status: EmissionStatus | None = None
) -> list[EmissionState]:
    """Emissions, optionally of one issuer and/or in one status, in filing order.

    Raises:
        StorageError: the database failed.
    """
    return [e for e in db.ledger.emissions(issuer=issuer) if status is None or e.status is status]


def history(db: Database, *, key: str) -> list[tuple[EntryRecord, Entry]]:
    """Every log entry about an emission or issuer, oldest first.

    Raises:
        NotFound: no emission or issuer has this key.
        StorageError: the database failed.
    """
    return db.ledger.history(key)
