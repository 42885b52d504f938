"""`tamga miner …`: the digital register of miners (Law art. 13-16), registered by root.py."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from node.cli.filings import apply_assignments, read_mapping
from node.cli.output import echo_json, out
from node.cli.root import DataOption, JsonOption, OnOption, SetOption
from node.cli.runtime import open_ledger, runtime
from node.cli.verify import parse_signature, parse_unix
from node.domain.filings import MINER_EVENT_KINDS, parse_miner_filing
from node.domain.lifecycle import recorded_on
from node.domain.miners import MinerState, overdue_requests
from node.services import miners as service
from node.services import verification
from node.services.database import Database
from node.verification.proof import typed_data
from node.verification.runtime import ChainClients

miner_app = typer.Typer(
    help="The digital register of miners (Law art. 13-16): register on a complete filing "
    "(the certificate is issued at once), record events, list, show, statistics by region.",
    no_args_is_help=True,
)


@miner_app.command("register")
def miner_register(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The miner's filing as JSON (.json) or YAML.")],
    on: OnOption = None,
    assignments: SetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register a miner: a complete, valid filing is registered at once and its certificate
    issued, without human discretion (Law art. 14, 15.2, 16.2); anything else is refused with
    the field and the rule named."""
    rt = runtime(ctx)
    filing = parse_miner_filing(apply_assignments(read_mapping(file), assignments or []))
    with open_ledger(rt) as ledger:
        written = service.register_miner(
            Database(ledger=ledger),
            filing=filing,
            effective_on=on.date() if on is not None else None,
        )
    if as_json:
        echo_json(
            {
                "certificate": written.certificate,
                "index": written.index,
                "size": written.size,
                "miner": written.miner.to_record(),
            }
        )
        return
    out().print(
        f"miner {written.miner.name} registered: certificate {written.certificate} "
        f"(entry {written.index}); the right to mine holds from {written.miner.registered_on}"
    )


@miner_app.command(
    "event",
    help="Record an event of miner CERTIFICATE: "
    + ", ".join(k.removeprefix("miner.") for k in MINER_EVENT_KINDS)
    + " (with or without the prefix 'miner.'). Fields come from --data and --set; suspension, "
    "resumption and termination rest on a document, e.g. --set basis.type=authority_decision.",
)
def miner_event(
    ctx: typer.Context,
    certificate: str,
    kind: str,
    on: OnOption = None,
    data: DataOption = None,
    assignments: SetOption = None,
) -> None:
    """Record a miner event (help text: see the decorator)."""
    rt = runtime(ctx)
    fields = apply_assignments(read_mapping(data) if data else {}, assignments or [])
    with open_ledger(rt) as ledger:
        written = service.record_miner_event(
            Database(ledger=ledger),
            certificate=certificate,
            kind=kind,
            data=fields,
            effective_on=on.date() if on is not None else None,
        )
    out().print(
        f"recorded {written.kind} for {certificate} (entry {written.index}); "
        f"status {written.miner.status.value}"
    )


@miner_app.command("wallet-statement")
def miner_wallet_statement(
    ctx: typer.Context,
    certificate: str,
    nonce: Annotated[
        int | None, typer.Option(min=0, help="Default: one above the last accepted nonce.")
    ] = None,
    expiry: Annotated[
        str | None,
        typer.Option(help="Until when (ISO 8601 UTC, or Unix seconds); default: in one hour."),
    ] = None,
) -> None:
    """Print the EIP-712 statement (typed data, JSON) the miner signs with its wallet for mining
    proceeds (Law art. 16.2 item 4): only an EVM wallet can be proven."""
    rt = runtime(ctx)
    with open_ledger(rt) as ledger:
        statement = verification.miner_wallet_statement(
            Database(ledger=ledger),
            settings=rt.settings,
            certificate=certificate,
            nonce=nonce,
            expiry=parse_unix(expiry) if expiry is not None else None,
        )
    echo_json(typed_data(statement))


@miner_app.command("prove-wallet")
def miner_prove_wallet(
    ctx: typer.Context,
    certificate: str,
    signature: Annotated[str, typer.Option(help="The wallet's signature, 0x-hex.")],
    nonce: Annotated[int, typer.Option(min=0)],
    expiry: Annotated[str, typer.Option(help="As in the signed statement.")],
) -> None:
    """Check the miner's signed statement (EOA recovery or EIP-1271 at a pinned block) and
    record the accepted proof on its record (``miner.wallet_proved``)."""
    rt = runtime(ctx)
    with open_ledger(rt) as ledger, ExitStack() as stack:
        written = verification.prove_miner_wallet(
            Database(ledger=ledger),
            settings=rt.settings,
            certificate=certificate,
            signature=parse_signature(signature),
            nonce=nonce,
            expiry=parse_unix(expiry),
            clients=ChainClients(rt.settings, stack),
        )
    proof = written.miner.wallet_proof
    assert proof is not None  # just recorded
    out().print(
        f"wallet {proof.wallet} of {certificate} proven on chain {proof.chain_id} "
        f"({proof.method.value}, entry {written.index})"
    )


@miner_app.command("list")
def miner_list(
    ctx: typer.Context,
    region: Annotated[str | None, typer.Option(help="Only miners with a site here.")] = None,
    status: Annotated[str | None, typer.Option(help="active, suspended or terminated.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the register of miners."""
    rt = runtime(ctx)
    with open_ledger(rt) as ledger:
        found = service.miners(Database(ledger=ledger), region=region, status=status)
    if as_json:
        echo_json([m.to_record() for m in found])
        return
    table = Table(title="Register of miners")
    for column in ("certificate", "name", "kind", "regions", "kW", "TH/s", "status", "since"):
        table.add_column(column)
    for m in found:
        table.add_row(
            m.certificate,
            m.name,
            m.kind.value,
            ", ".join(sorted({s.region.name_en for s in m.sites})),
            str(m.installed_kw),
            str(m.hash_rate_ths),
            m.status.value,
            m.status_since.isoformat(),
        )
    out().print(table)


@miner_app.command("show")
def miner_show(ctx: typer.Context, certificate: str, as_json: JsonOption = False) -> None:
    """Show a miner's public record and its open information requests."""
    rt = runtime(ctx)
    with open_ledger(rt) as ledger:
        found = service.miner(Database(ledger=ledger), certificate=certificate)
    today = recorded_on(rt.clock.now())
    if as_json:
        echo_json(
            {
                "miner": found.to_record(),
                "overdue": [d.to_record() for d in overdue_requests(found, today=today)],
            }
        )
        return
    out().print(_table(found, overdue=[d.name for d in overdue_requests(found, today=today)]))


def _table(m: MinerState, *, overdue: list[str]) -> Table:
    table = Table(title=f"Miner {m.certificate}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    rows = [
        ("name", m.name),
        ("kind", f"{m.kind.value} ({'resident' if m.resident else 'non-resident'})"),
        ("status", f"{m.status.value} since {m.status_since}"),
        ("registered", m.registered_on.isoformat()),
        ("wallet", f"{m.wallet.chain}: {m.wallet.address}"),
        ("installed", f"{m.installed_kw} kW, {m.hash_rate_ths} TH/s"),
        ("sites", "; ".join(f"{s.region.name_en}: {s.address}" for s in m.sites)),
        ("requests", ", ".join(f"{d.name} due {d.due}" for d in m.requests) or "-"),
        ("overdue", ", ".join(overdue) or "-"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


@miner_app.command("stats")
def miner_stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Miners working now by region: count, installed power, hash rate (Law art. 15)."""
    rt = runtime(ctx)
    with open_ledger(rt) as ledger:
        stats = service.statistics(Database(ledger=ledger))
    if as_json:
        echo_json([s.to_record() for s in stats])
        return
    table = Table(title="Miners by region (Law art. 15)")
    for column in ("region", "miners", "kW", "TH/s"):
        table.add_column(column)
    for s in stats:
        table.add_row(s.region.name_en, str(s.miners), str(s.installed_kw), str(s.hash_rate_ths))
    out().print(table)
