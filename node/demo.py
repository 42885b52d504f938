"""The demo register: a scripted history of issuers and emissions loaded into an empty ledger."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from node.checkpoint import SignedCheckpoint
from node.cli.filings import parse_document, read_document
from node.clock import FixedClock
from node.domain.filings import (
    parse_emission_filing,
    parse_issuer_filing,
    parse_miner_filing,
    parse_vasp_filing,
)
from node.domain.lifecycle import BISHKEK
from node.errors import ConfigError, LedgerError, RuleViolation
from node.ledger.service import Ledger
from node.services import emissions as emission_services
from node.services import issuers as issuer_services
from node.services import miners as miner_services
from node.services import vasps as vasp_services
from node.services.database import Database
from node.services.emissions import EmissionSubmission
from node.verification.demo import ChainStep, DemoChain, ProveStep, VerifyStep

DEMO_FORMAT: Final = "tamga.demo.v1"
DEMO_RESOURCE: Final = "demo_data/demo.yaml"

WORKDAY_START: Final = dt.time(10, 0)
"""Demo entries are recorded from 10:00 Kyrgyz time on their day..."""
STEP_GAP: Final = dt.timedelta(minutes=7)
"""...a few minutes apart when several fall on the same day."""


class _Step(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    on: dt.date


class IssuerStep(_Step):
    """Register an issuer from a filing; ``ref`` names it within the script."""

    do: Literal["issuer"]
    ref: str
    filing: dict[str, Any]


class IssuerEventStep(_Step):
    """Record an issuer event (update, reorganization, liquidation)."""

    do: Literal["issuer_event"]
    issuer: str
    kind: str
    data: dict[str, Any] = Field(default_factory=dict)


class ApplyStep(_Step):
    """File an emission application; ``issuer`` is an issuer ref, ``ref`` names the emission."""

    do: Literal["apply"]
    ref: str
    issuer: str
    filing: dict[str, Any]


class EventStep(_Step):
    """Record a lifecycle event of an emission (by ref); a registration gets the next number."""

    do: Literal["event"]
    emission: str
    kind: str
    data: dict[str, Any] = Field(default_factory=dict)


class MinerStep(_Step):
    """Register a miner (Law art. 14-16); ``ref`` names it, its certificate is issued."""

    do: Literal["miner"]
    ref: str
    filing: dict[str, Any]


class MinerEventStep(_Step):
    """Record an event of a miner (by ref)."""

    do: Literal["miner_event"]
    miner: str
    kind: str
    data: dict[str, Any] = Field(default_factory=dict)


class VaspStep(_Step):
    """Receive a licence application (Law art. 30.1); ``ref`` names it. ``minimum`` is the
    charter-capital minimum in force (art. 25.2), recorded with it."""

    do: Literal["vasp"]
    ref: str
    minimum: Decimal
    filing: dict[str, Any]


class VaspEventStep(_Step):
    """Record an event of a licence (by ref)."""

    do: Literal["vasp_event"]
    licence: str
    kind: str
    data: dict[str, Any] = Field(default_factory=dict)


Step = Annotated[
    IssuerStep
    | IssuerEventStep
    | ApplyStep
    | EventStep
    | MinerStep
    | MinerEventStep
    | VaspStep
    | VaspEventStep
    | ChainStep
    | VerifyStep
    | ProveStep,
    Field(discriminator="do"),
]


class DemoScript(BaseModel):
    """The demo file: steps in chronological order (``shared`` only holds YAML anchors)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["tamga.demo.v1"]
    title: str
    shared: dict[str, Any] = Field(default_factory=dict)
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class DemoReport:
    """What the demo loaded."""

    issuers: int
    emissions: int
    entries: int
    miners: int
    licences: int
    by_status: dict[str, int]
    last_day: dt.date
    checkpoint: SignedCheckpoint | None
    chain_steps: int = 0  # chain, verify and prove steps run (node/verification/demo.py)
    chain_steps_skipped: int = 0  # ... or skipped: no chain was given


def demo_text() -> str:
    """The packaged demo script (node/demo_data/demo.yaml)."""
    return resources.files("node").joinpath(DEMO_RESOURCE).read_text(encoding="utf-8")


def parse_demo(data: Any) -> DemoScript:
    """Validate a parsed demo file.

    Raises:
        ConfigError: the file is not a demo script (names the first bad member).
    """
    try:
        return DemoScript.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"demo script: {where}: {first['msg']}") from exc


def demo_clock() -> FixedClock:
    """A clock for loading the demo; :func:`load_demo` moves it along the script's dates."""
    return FixedClock(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))


def load_demo(
    ledger: Ledger,
    *,
    clock: FixedClock,
    path: Path | None = None,
    checkpoint: bool = True,
    chain: DemoChain | None = None,
) -> DemoReport:
    """Load the demo script into an initialised, empty ledger and (by default) cut a checkpoint.

    ``ledger`` must have been opened with ``clock``: each step is recorded at 10:00 Kyrgyz time
    on its date (steps on the same day a few minutes apart), so every recorded_at matches its
    effective date. Not atomic: a failing step leaves the steps before it in the ledger.
    The on-chain steps (deploying and using tokens, verification runs, a wallet proof) run on
    ``chain`` at their dates; without it they are skipped and counted in the report.

    Raises:
        ConfigError: the clock is not the ledger's, or the script is malformed or out of order.
        LedgerError: the ledger is not empty, or a checkpoint is asked for without a signer.
        RuleViolation: a step breaks a rule (the message names the step).
        StorageError: the database failed.
    """
    if ledger.clock is not clock:
        raise ConfigError("load_demo needs the FixedClock the ledger was opened with")
    size, _ = ledger.head()
    if size:
        raise LedgerError(
            f"the ledger already holds {size} entries; the demo loads only into an empty ledger "
            "(point TAMGA_DATA_DIR or TAMGA_DATABASE_URL at a new one and run `tamga init`)"
        )
    if path is None:
        script = parse_demo(parse_document(demo_text(), name=DEMO_RESOURCE, yaml_syntax=True))
    else:
        script = parse_demo(read_document(path))
    issuers: dict[str, str] = {}
    emissions: dict[str, str] = {}
    miners: dict[str, str] = {}
    licences: dict[str, str] = {}
    moment = clock.now()
    skipped = 0
    for number, step in enumerate(script.steps, start=1):
        moment = _step_time(step, previous=moment, number=number)
        clock.set(moment)
        try:
            if isinstance(step, ChainStep | VerifyStep | ProveStep):
                # On-chain steps need the node's local chain (`tamga demo` starts it).
                if chain is None:
                    skipped += 1
                else:
                    chain.run(step, ledger=ledger, emissions=emissions, moment=moment)
                continue
            _run_step(
                ledger,
                step,
                issuers=issuers,
                emissions=emissions,
                miners=miners,
                licences=licences,
            )
        except RuleViolation as exc:
            raise type(exc)(
                field=exc.field,
                rule=exc.rule,
                paragraph=exc.paragraph,
                message=f"demo step {number} ({step.do} on {step.on}): {exc.message}",
            ) from exc
    signed: SignedCheckpoint | None = None
    if checkpoint:
        clock.set(moment + STEP_GAP)
        signed = ledger.cut_checkpoint()
    final_size, _ = ledger.head()
    states = ledger.emissions()
    return DemoReport(
        issuers=len(issuers),
        emissions=len(states),
        entries=final_size,
        miners=len(miners),
        licences=len(licences),
        by_status=dict(Counter(e.status.value for e in states)),
        last_day=script.steps[-1].on if script.steps else clock.now().date(),
        checkpoint=signed,
        chain_steps=chain.steps if chain is not None else 0,
        chain_steps_skipped=skipped,
    )


def _step_time(step: Step, *, previous: dt.datetime, number: int) -> dt.datetime:
    start = dt.datetime.combine(step.on, WORKDAY_START, tzinfo=BISHKEK).astimezone(dt.UTC)
    if start.astimezone(BISHKEK).date() < previous.astimezone(BISHKEK).date():
        raise ConfigError(f"demo step {number} is dated {step.on}, before the step it follows")
    return max(start, previous + STEP_GAP)


def _run_step(
    ledger: Ledger,
    step: _Step,
    *,
    issuers: dict[str, str],
    emissions: dict[str, str],
    miners: dict[str, str],
    licences: dict[str, str],
) -> None:
    db = Database(ledger=ledger)
    if isinstance(step, IssuerStep):
        if step.ref in issuers:
            raise ConfigError(f"demo: issuer ref {step.ref!r} is used twice")
        registered = issuer_services.register_issuer(
            db, filing=parse_issuer_filing(step.filing), effective_on=step.on
        )
        issuers[step.ref] = registered.code
    elif isinstance(step, IssuerEventStep):
        issuer_services.record_issuer_event(
            db,
            code=_ref(issuers, step.issuer, "issuer"),
            kind=step.kind,
            data=step.data,
            effective_on=step.on,
        )
    elif isinstance(step, ApplyStep):
        if step.ref in emissions:
            raise ConfigError(f"demo: emission ref {step.ref!r} is used twice")
        filing = parse_emission_filing(
            {**step.filing, "issuer": _ref(issuers, step.issuer, "issuer")}
        )
        if filing.documents_filed_on != step.on:
            raise ConfigError(
                f"demo: {step.ref} is filed on {filing.documents_filed_on}, not on its step date"
            )
        submission = EmissionSubmission(filing=filing, registration=None)
        written = emission_services.submit_emission(db, submission=submission)
        emissions[step.ref] = written.application_no
    elif isinstance(step, EventStep):
        emission_services.record_emission_event(
            db,
            key=_ref(emissions, step.emission, "emission"),
            kind=step.kind,
            data=step.data,
            effective_on=step.on,
        )
    elif isinstance(step, MinerStep):
        if step.ref in miners:
            raise ConfigError(f"demo: miner ref {step.ref!r} is used twice")
        miner = miner_services.register_miner(
            db, filing=parse_miner_filing(step.filing), effective_on=step.on
        )
        miners[step.ref] = miner.certificate
    elif isinstance(step, MinerEventStep):
        miner_services.record_miner_event(
            db,
            certificate=_ref(miners, step.miner, "miner"),
            kind=step.kind,
            data=step.data,
            effective_on=step.on,
        )
    elif isinstance(step, VaspStep):
        if step.ref in licences:
            raise ConfigError(f"demo: licence ref {step.ref!r} is used twice")
        licence = vasp_services.apply_for_licence(
            db,
            filing=parse_vasp_filing(step.filing),
            minimum_charter_capital_som=step.minimum,
            effective_on=step.on,
        )
        licences[step.ref] = licence.number
    elif isinstance(step, VaspEventStep):
        vasp_services.record_licence_event(
            db,
            number=_ref(licences, step.licence, "licence"),
            kind=step.kind,
            data=step.data,
            effective_on=step.on,
        )
    else:  # pragma: no cover - the discriminated union has no other members
        raise ConfigError(f"demo: unknown step {step!r}")


def _ref(refs: dict[str, str], ref: str, what: str) -> str:
    try:
        return refs[ref]
    except KeyError:
        raise ConfigError(f"demo: unknown {what} ref {ref!r}") from None
