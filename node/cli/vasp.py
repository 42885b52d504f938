"""`tamga vasp …`: the register of licensed service providers (Law art. 25-32), registered by
root.py."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from node.cli.filings import apply_assignments, read_mapping
from node.cli.output import echo_json, out
from node.cli.root import DATE_FORMATS, DataOption, JsonOption, OnOption, SetOption
from node.cli.runtime import open_ledger, runtime
from node.domain.entries import VaspService
from node.domain.filings import VASP_EVENT_KINDS, parse_vasp_filing
from node.domain.vasps import LicenceStatus
from node.services import vasps as service
from node.services.database import Database

vasp_app = typer.Typer(
    help="The register of licensed virtual-asset service providers (Law art. 25-32): receive "
    "applications, record decisions and measures, list, show, and check a licence on a date.",
    no_args_is_help=True,
)


@vasp_app.command("apply")
def vasp_apply(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The application as JSON (.json) or YAML.")],
    on: OnOption = None,
    assignments: SetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Receive a licence application (Law art. 30.1). Founders, managers and beneficial owners
    (`owners`) stay private: the log holds their salted commitment. Missing documents are
    recorded; the month of review starts when they arrive (art. 30.2)."""
    rt = runtime(ctx)
    filing = parse_vasp_filing(apply_assignments(read_mapping(file), assignments or []))
    with open_ledger(rt) as ledger:
        written = service.apply_for_licence(
            Database(ledger=ledger),
            filing=filing,
            minimum_charter_capital_som=rt.settings.vasp_min_charter_capital_som,
            effective_on=on.date() if on is not None else None,
        )
    missing = sorted(written.licence.missing_items)
    if as_json:
        echo_json({"licence": written.number, "index": written.index, "missing_items": missing})
        return
    text = f"application {written.number} received (entry {written.index})"
    if missing:
        text += f"; no document yet for art. 29.2 item(s) {', '.join(map(str, missing))}"
    out().print(text)


@vasp_app.command(
    "event",
    help="Record an event of licence NUMBER: "
    + ", ".join(k.removeprefix("vasp.") for k in VASP_EVENT_KINDS)
    + " (with or without the prefix 'vasp.'). Decisions and measures rest on the authority's "
    "decision: --set basis.type=authority_decision --set basis.number=... .",
)
def vasp_event(
    ctx: typer.Context,
    number: str,
    kind: str,
    on: OnOption = None,
    data: DataOption = None,
    assignments: SetOption = None,
) -> None:
    """Record a licence event (help text: see the decorator)."""
    rt = runtime(ctx)
    fields = apply_assignments(read_mapping(data) if data else {}, assignments or [])
    with open_ledger(rt) as ledger:
        written = service.record_licence_event(
            Database(ledger=ledger),
            number=number,
            kind=kind,
            data=fields,
            effective_on=on.date() if on is not None else None,
        )
    out().print(
        f"recorded {written.kind} for {number} (entry {written.index}); "
        f"status {written.licence.status.value}"
    )


@vasp_app.command("list")
def vasp_list(
    ctx: typer.Context,
    status: Annotated[LicenceStatus | None, typer.Option(help="Only this status.")] = None,
    service_in_force: Annotated[
        VaspService | None, typer.Option("--service", help="Only licences covering it now.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the register of service providers (Law art. 30.6)."""
    rt = runtime(ctx)
    with open_ledger(rt) as ledger:
        found = service.licences(Database(ledger=ledger), status=status, service=service_in_force)
    if as_json:
        echo_json([lic.to_record() for lic in found])
        return
    table = Table(title="Register of service providers")
    for column in ("licence", "name", "status", "since", "in force", "restricted"):
        table.add_column(column)
    for lic in found:
        table.add_row(
            lic.licence,
            lic.name,
            lic.status.value,
            lic.status_since.isoformat(),
            ", ".join(s.value for s in lic.in_force) or "-",
            ", ".join(s.value for s in lic.restricted) or "-",
        )
    out().print(table)


@vasp_app.command("show")
def vasp_show(ctx: typer.Context, number: str) -> None:
    """Show a licence's public record as JSON (owners only as their commitment)."""
    rt = runtime(ctx)
    with open_ledger(rt) as ledger:
        echo_json(service.licence(Database(ledger=ledger), number=number).to_record())


@vasp_app.command("covered")
def vasp_covered(
    ctx: typer.Context,
    number: str,
    service_name: Annotated[VaspService, typer.Argument(metavar="SERVICE")],
    on: Annotated[datetime, typer.Option("--on", formats=DATE_FORMATS, help="The day asked.")],
    as_json: JsonOption = False,
) -> None:
    """Was NUMBER licensed for SERVICE on a day? Answered from the newest checkpoint, with the
    state proof of the record that says so (exit 1 when it was not)."""
    rt = runtime(ctx)
    with open_ledger(rt) as ledger:
        answer = service.covered(
            Database(ledger=ledger), number=number, service=service_name, on=on.date()
        )
    if as_json:
        echo_json(
            {
                "licence": number,
                "service": service_name.value,
                "on": on.date().isoformat(),
                "covered": answer.covered,
                "proof": answer.proof.to_json(),
            }
        )
    else:
        verdict = "was" if answer.covered else "was NOT"
        out().print(
            f"{number} {verdict} licensed for {service_name.value} on {on.date()} "
            f"(checkpoint {answer.proof.checkpoint_size})"
        )
    if not answer.covered:
        raise typer.Exit(1)
