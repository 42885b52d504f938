"""`tamga report …`: the burned-supply report (the workbench's figures), its CSV, publishing its
SHA-256 in the log, and checking a file against the publications of this node's log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from node.cli.output import echo_json as _echo_json
from node.cli.output import out as _out
from node.cli.runtime import open_ledger, runtime
from node.domain.model import dec_str
from node.domain.supply import supply_csv
from node.errors import ConfigError
from node.services import reports
from node.services.database import Database

report_app = typer.Typer(
    help="Reports from the log: burned supply (register vs chain), its CSV, publication.",
    no_args_is_help=True,
)
SizeOption = Annotated[
    int | None,
    typer.Option("--size", min=0, help="Log size to compute at (default: latest checkpoint)."),
]


@report_app.command("supply")
def supply(
    ctx: typer.Context,
    size: SizeOption = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the CSV to this file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Burns entered in the register (Reg. §45-46) against burns seen on chain, per emission."""
    rt = runtime(ctx)
    with open_ledger(rt) as ledger:
        report = reports.supply(Database(ledger=ledger), size=size)
    if csv is not None:
        try:
            csv.write_bytes(supply_csv(report))
        except OSError as exc:
            raise ConfigError(f"cannot write {csv}: {exc.strerror}") from exc
    if as_json:
        _echo_json(
            {
                "tree_size": report.size,
                "register_burned": str(report.register_burned),
                "chain_burned": dec_str(report.chain_burned),
                "chain_locked": dec_str(report.chain_locked),
                "difference": dec_str(report.difference),
                "emissions": [
                    {
                        "emission": e.key,
                        "register_burned": str(e.register_burned),
                        "chain_burned": None if e.chain_burned is None else dec_str(e.chain_burned),
                        "difference": None if e.difference is None else dec_str(e.difference),
                        "block_number": None if e.chain is None else e.chain.block_number,
                    }
                    for e in report.emissions
                ],
            }
        )
        return
    table = Table(title=f"burned supply at log size {report.size}")
    for column in ("emission", "register", "chain", "locked", "difference", "block"):
        table.add_column(column)
    for e in report.emissions:
        c = e.chain
        locked = None if c is None else c.vas(c.locked)
        table.add_row(
            e.key,
            str(e.register_burned),
            "-" if e.chain_burned is None else dec_str(e.chain_burned),
            "-" if locked is None else dec_str(locked),
            "-" if e.difference is None else dec_str(e.difference),
            "-" if c is None else str(c.block_number),
        )
    table.add_row(
        "TOTAL",
        str(report.register_burned),
        dec_str(report.chain_burned),
        dec_str(report.chain_locked),
        dec_str(report.difference),
        "",
    )
    _out().print(table)


@report_app.command("publish")
def publish(
    ctx: typer.Context,
    size: SizeOption = None,
    by: Annotated[str | None, typer.Option("--by", help="Who publishes it (recorded_by).")] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Also write the CSV here.")] = None,
) -> None:
    """Compute the burned-supply CSV and record its SHA-256 in the log (report.published)."""
    rt = runtime(ctx)
    with open_ledger(rt) as ledger:
        published = reports.publish_supply(Database(ledger=ledger), size=size, recorded_by=by)
    if csv is not None:
        try:
            csv.write_bytes(published.data)
        except OSError as exc:
            raise ConfigError(f"cannot write {csv}: {exc.strerror}") from exc
    e = published.entry
    _out().print(
        f"supply report at log size {e.size} published in entry {published.index}: "
        f"sha256 {e.sha256}, {e.length} bytes"
    )


@report_app.command("verify")
def verify(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The report file.")],
) -> None:
    """Check a report file against this node's log (exit 4 when no publication matches); an
    auditor without the database uses `tamga audit report FILE EXPORT`."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror}") from exc
    rt = runtime(ctx)
    with open_ledger(rt) as ledger:
        index, entry = reports.verify_report(Database(ledger=ledger), data=data)
    _out().print(f"{file.name}: published in entry {index} (log size {entry.size}), identical")
