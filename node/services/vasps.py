"""Licensed service providers (Law art. 25-32): applications, decisions and measures, the
register, and whether a licence covered a service on a day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from node.domain.entries import VaspApplicationData, VaspFiling, VaspService
from node.domain.filings import VASP_EVENT_KINDS, vasp_event_entry
from node.domain.vasps import LicenceState, LicenceStatus
from node.errors import RuleViolation
from node.ledger.sequencer import Integrated
from node.services.database import Database
from node.services.issuers import effective_date
from node.state import StateProof
from node.types import RequestId


@dataclass(frozen=True)
class LicenceWritten:
    """What a licence write did: the entry's kind and index, the log size, the licence after."""

    number: str
    kind: str
    index: int
    size: int
    licence: LicenceState


def apply_for_licence(
    db: Database,
    *,
    filing: VaspFiling,
    minimum_charter_capital_som: Decimal,
    effective_on: date | None = None,
    request: RequestId | None = None,
    recorded_by: str | None = None,
) -> LicenceWritten:
    """Receive a licence application (Law art. 30.1): refused at the door only for what makes it
    impossible (art. 25, 27.5, 28.1, 37.3); missing documents are recorded and the month of
    review starts when they arrive (art. 30.2). The owners (art. 29.2 item 2) stay private.
    Attributed to ``recorded_by`` (the workbench's person who received it) when given.

    Raises:
        RuleViolation: the application breaks a rule (nothing written).
        StorageError: the database failed.
    """
    public = VaspApplicationData.model_validate(
        {name: getattr(filing, name) for name in VaspApplicationData.model_fields}
    )
    number, result = db.ledger.apply_for_licence(
        public,
        owners=[o.model_dump(mode="json") for o in filing.owners],
        minimum_charter_capital_som=minimum_charter_capital_som,
        effective_on=effective_date(effective_on, clock=db.clock),
        request=request,
        recorded_by=recorded_by,
    )
    return _written(db, number=number, result=result)


def record_licence_event(
    db: Database,
    *,
    number: str,
    kind: str,
    data: Mapping[str, Any],
    effective_on: date | None = None,
    request: RequestId | None = None,
    recorded_by: str | None = None,
) -> LicenceWritten:
    """Record an event of a licence (``kind`` with or without the prefix ``vasp.``): documents
    supplemented, licence granted or refused, activity reported, a measure applied or lifted,
    revocation (Law art. 30-32).

    Raises:
        NotFound: no licence has this number (checked first).
        RuleViolation: the event is unknown, malformed or breaks a rule (nothing written).
        StorageError: the database failed.
    """
    full = kind if kind.startswith("vasp.") else f"vasp.{kind}"
    if full == "vasp.applied":
        raise RuleViolation(
            field="kind",
            rule="unknown-kind",
            paragraph="Law art. 30.1",
            message="an application is filed whole (`tamga vasp apply`), which gives its number;"
            f" events: {', '.join(VASP_EVENT_KINDS)}",
        )
    if request is not None and (done := db.ledger.integrated(request)) is not None:
        return _written(db, number=number, result=done)
    db.ledger.licence(number)
    entry = vasp_event_entry(
        full,
        licence=number,
        data=data,
        recorded_at=db.clock.now(),
        effective_on=effective_date(effective_on, clock=db.clock),
        recorded_by=recorded_by,
    )
    result = db.ledger.append([entry], request=request)
    return _written(db, number=number, result=result)


def _written(db: Database, *, number: str, result: Integrated) -> LicenceWritten:
    return LicenceWritten(
        number=number,
        kind=result.entries[0].kind,
        index=result.first_index,
        size=result.size,
        licence=db.ledger.licence(number),
    )


def licences(
    db: Database, *, status: LicenceStatus | None = None, service: VaspService | None = None
) -> list[LicenceState]:
    """The register of service providers (Law art. 30.6), filtered by status or by a service in
    force.

    Raises:
        StorageError: the database failed.
    """
    found = db.ledger.licences()
    if status is not None:
        found = [lic for lic in found if lic.status is status]
    if service is not None:
        found = [lic for lic in found if service in lic.in_force]
    return found


def licence(db: Database, *, number: str) -> LicenceState:
    """One licence's public record (its owners only as a commitment).

    Raises:
        NotFound: no licence has this number.
    """
    return db.ledger.licence(number)


@dataclass(frozen=True)
class Coverage:
    """Whether a licence covered a service on a day, as the register shows it at a checkpoint,
    with the state proof of the record that says so (Law art. 30.6)."""

    number: str
    service: VaspService
    on: date
    covered: bool
    proof: StateProof


def covered(
    db: Database, *, number: str, service: VaspService, on: date, checkpoint: int | None = None
) -> Coverage:
    """Was ``number`` licensed for ``service`` on ``on``? Answered from the licence's record at a
    checkpoint (default: the newest), with its state proof: anyone holding the checkpoint (and
    its anchor) can check the answer without trusting the node.

    Raises:
        NotFound: no such licence or checkpoint, or the licence is not in it.
    """
    proof = db.ledger.state_proof(number, checkpoint_size=checkpoint)
    state = LicenceState.from_record(proof.record)
    return Coverage(
        number=number, service=service, on=on, covered=state.covered(service, on), proof=proof
    )
