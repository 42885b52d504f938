"""`tamga verify …`: run verification, show findings, prove wallet control, file sources.

``tamga verify REGNO…`` and ``tamga verify --all`` run the checks (the ``run`` command is the
default); node/cli/root.py registers the sub-app with the anchoring package's local chain.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from node.chain.rpc import redact_url
from node.cli.errors import EXIT_VERIFICATION
from node.cli.output import echo_json as _echo_json
from node.cli.output import out as _out
from node.cli.runtime import open_ledger, runtime
from node.domain.entries import VERIFICATION_KINDS
from node.domain.verification import ChainOutcome, Severity
from node.errors import ConfigError
from node.scheduler import Job, run_until_stopped
from node.services import verification
from node.services.database import Database
from node.verification.jobs import verification_job
from node.verification.proof import typed_data
from node.verification.runtime import ChainClients, chain_table, open_verifier
from node.verification.service import RunReport
from node.verification.source import file_source, parse_source_filing
from node.verification.store import VerificationStore


class _RunByDefault(TyperGroup):
    """``tamga verify X`` means ``tamga verify run X`` unless X is a subcommand."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # click's Context
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


def make_verify_app() -> typer.Typer:
    """The `tamga verify` sub-app; chains marked local are read on the node's own anvil."""
    verify_app = typer.Typer(
        cls=_RunByDefault,
        help="On-chain verification: declared contracts, wallets, supply and burns vs the register "
        "(`tamga verify REGNO…` or `tamga verify --all`).",
        no_args_is_help=True,
    )

    @verify_app.command("run")
    def run(
        ctx: typer.Context,
        keys: Annotated[
            list[str] | None, typer.Argument(help="Registration or application numbers.")
        ] = None,
        all_: Annotated[
            bool, typer.Option("--all", help="Every emission not refused/cancelled.")
        ] = False,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Check, but record nothing in the ledger.")
        ] = False,
        fail_on: Annotated[
            Severity | None,
            typer.Option(
                "--fail-on",
                help="Exit 4 when a finding of this severity or worse is open after the run "
                "(for a scheduler or CI to act on).",
            ),
        ] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Verify emissions on their declared chains and record the findings in the ledger."""
        rt = runtime(ctx)
        settings = rt.settings
        if all_ == bool(keys):
            raise ConfigError("name the emissions to verify, or give --all (not both)")
        with (
            open_ledger(rt) as ledger,
            open_verifier(settings, ledger) as verifier,
        ):
            report = verifier.run(None if all_ else keys, record=not dry_run)
        if as_json:
            _echo_json(report_json(report))
        else:
            print_report(report, _out())
        if fail_on is not None and at_or_above(report, fail_on):
            raise typer.Exit(EXIT_VERIFICATION)

    @verify_app.command("findings")
    def findings(ctx: typer.Context, key: str, as_json: JsonOption = False) -> None:
        """An emission's open findings and its verification history."""
        rt = runtime(ctx)
        with open_ledger(rt) as ledger:
            state = ledger.emission(key)
            history = [
                (record, entry)
                for record, entry in ledger.history(state.application_no)
                if entry.kind in VERIFICATION_KINDS
            ]
        record = state.verification.to_record() if state.verification is not None else None
        if as_json:
            _echo_json(
                {
                    "emission": state.key,
                    "verification": record,
                    "entries": [{"index": r.idx, **e.model_dump(mode="json")} for r, e in history],
                }
            )
            return
        out = _out()
        if state.verification is None:
            out.print(f"{state.key}: never verified")
            return
        v = state.verification
        out.print(
            f"{state.key} {state.name}: baseline code hash {v.code_hash or '-'} (block "
            f"{v.baseline_block if v.baseline_block is not None else '-'}, chain "
            f"{v.chain_id or '-'})"
            + (f", implementation {v.implementation}" if v.implementation else "")
        )
        if v.wallet_proof is not None:
            p = v.wallet_proof
            out.print(
                f"wallet {p.wallet} proven ({p.method.value}, nonce {p.nonce}) on {p.proven_on}"
            )
        if v.source is not None:
            out.print(
                f"source filed: {v.source.contract} solc {v.source.compiler} ({v.source.sha256})"
            )
        table = Table(title="open findings")
        for column in ("severity", "finding", "since"):
            table.add_column(column)
        for f in v.open_findings:
            table.add_row(_severity(f.severity.value), f.id, f.since.isoformat())
        out.print(table)
        entries = Table(title="verification entries")
        for column in ("entry", "kind", "run", "detail"):
            entries.add_column(column)
        for r, e in history[-30:]:
            entries.add_row(str(r.idx), e.kind, getattr(e, "run", ""), _detail(e))
        out.print(entries)

    @verify_app.command("statement")
    def statement(
        ctx: typer.Context,
        key: str,
        nonce: Annotated[int, typer.Option(min=0, help="Above the last accepted nonce.")],
        expiry: Annotated[str, typer.Option(help="Until when (ISO 8601 UTC, or Unix seconds).")],
    ) -> None:
        """Print the EIP-712 statement (typed data, JSON) the issuer signs with its wallet."""
        rt = runtime(ctx)
        with open_ledger(rt) as ledger:
            signed = verification.wallet_statement(
                Database(ledger=ledger),
                settings=rt.settings,
                key=key,
                nonce=nonce,
                expiry=parse_unix(expiry),
            )
        _echo_json(typed_data(signed))

    @verify_app.command("prove")
    def prove(
        ctx: typer.Context,
        key: str,
        signature: Annotated[str, typer.Option(help="The wallet's signature, 0x-hex.")],
        nonce: Annotated[int, typer.Option(min=0)],
        expiry: Annotated[str, typer.Option(help="As in the signed statement.")],
    ) -> None:
        """Check a signed statement (EOA recovery or EIP-1271) and record the accepted proof."""
        rt = runtime(ctx)
        with open_ledger(rt) as ledger, ExitStack() as stack:
            written = verification.prove_wallet(
                Database(ledger=ledger),
                settings=rt.settings,
                key=key,
                signature=parse_signature(signature),
                nonce=nonce,
                expiry=parse_unix(expiry),
                clients=ChainClients(rt.settings, stack),
            )
        _out().print(f"wallet proof accepted for {written.emission.key} (entry {written.index})")

    @verify_app.command("source")
    def source(
        ctx: typer.Context,
        key: str,
        file: Annotated[Path, typer.Argument(help="solc standard-JSON input, sources inline.")],
        compiler: Annotated[str, typer.Option(help="solc version, e.g. 0.8.28.")],
        contract: Annotated[str, typer.Option(help="The contract, as path:Name.")],
    ) -> None:
        """File the contract's source; later runs compile it and compare with the chain."""
        rt = runtime(ctx)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read {file}: {exc.strerror}") from exc
        filing = parse_source_filing(text, compiler=compiler, contract=contract)
        with open_ledger(rt) as ledger:
            result = file_source(ledger, VerificationStore(ledger.store.engine), key, filing)
        _out().print(f"source {filing.sha256} filed for {key} (entry {result.first_index})")

    @verify_app.command("open")
    def open_(ctx: typer.Context, as_json: JsonOption = False) -> None:
        """Every open finding of every emission, the most severe first, with its evidence."""
        rt = runtime(ctx)
        with open_ledger(rt) as ledger:
            found = verification.open_findings(Database(ledger=ledger))
        if as_json:
            _echo_json(
                [
                    {
                        "emission": f.emission,
                        "finding": f.id,
                        "severity": f.severity.value,
                        "since": f.since.isoformat(),
                        "paragraph": f.paragraph,
                        "expected": f.expected,
                        "observed": f.observed,
                        "index": f.index,
                    }
                    for f in found
                ]
            )
            return
        table = Table(title="open findings")
        for column in ("severity", "emission", "finding", "since", "expected", "observed"):
            table.add_column(column)
        for f in found:
            table.add_row(
                _severity(f.severity.value),
                f.emission,
                f.id,
                f.since.isoformat(),
                f.expected or "-",
                f.observed or "-",
            )
        _out().print(table)

    @verify_app.command("resolve")
    def resolve(
        ctx: typer.Context,
        key: Annotated[str, typer.Argument(help="Registration or application number.")],
        finding: Annotated[str, typer.Argument(help="The open finding's id.")],
        note: Annotated[str, typer.Option(help="Why it is closed.")],
        by: Annotated[
            str | None, typer.Option("--by", help="Who decided it (recorded as recorded_by).")
        ] = None,
    ) -> None:
        """Close an open finding by hand with a note (the workbench's "resolve")."""
        rt = runtime(ctx)
        with open_ledger(rt) as ledger:
            written = verification.resolve_finding(
                Database(ledger=ledger), key=key, finding=finding, note=note, recorded_by=by
            )
        _out().print(
            f"finding {finding} of {written.emission.key} resolved (entry {written.index})"
        )

    @verify_app.command("chains")
    def chains(ctx: typer.Context, as_json: JsonOption = False) -> None:
        """The chain table: blockchain names, chain ids, endpoints (hosts only)."""
        settings = runtime(ctx).settings
        specs = chain_table(settings).specs()
        rows: list[dict[str, Any]] = [
            {
                "name": s.name,
                "chain_id": s.chain_id,
                "endpoints": [redact_url(u) for u in s.rpc_urls]
                or (["local anvil"] if s.local else []),
            }
            for s in sorted(specs.values(), key=lambda s: s.chain_id)
        ]
        if as_json:
            _echo_json(rows)
            return
        table = Table(title="EVM chains")
        for column in ("name", "chain id", "endpoints"):
            table.add_column(column)
        for row in rows:
            endpoints = ", ".join(row["endpoints"]) or "-"
            table.add_row(str(row["name"]), str(row["chain_id"]), endpoints)
        _out().print(table)

    @verify_app.command("watch")
    def watch(ctx: typer.Context) -> None:
        """Verify every emission now and every TAMGA_VERIFY_INTERVAL_SECONDS (Ctrl-C stops)."""
        rt = runtime(ctx)
        settings, clock = rt.settings, rt.clock
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
        with (
            open_ledger(rt) as ledger,
            open_verifier(settings, ledger) as verifier,
        ):
            job = Job(
                "verification",
                lambda: verification_job(verifier),
                settings.verify_interval_seconds,
            )
            run_until_stopped([job], start_at=clock.now())

    return verify_app


# ---- output ------------------------------------------------------------------------------


def report_json(report: RunReport) -> dict[str, Any]:
    """A run report as JSON-able data."""
    return {
        "run": report.run,
        "entries": report.entries,
        "first_index": report.first_index,
        "emissions": [
            {
                "key": r.key,
                "name": r.name,
                "blockchain": r.blockchain,
                "outcome": r.outcome.value,
                "chain_id": r.chain_id,
                "block": r.block.to_record() if r.block is not None else None,
                "detail": r.detail,
                "opened": list(r.opened),
                "resolved": list(r.resolved),
                "findings": [
                    {
                        "id": f.id,
                        "check": f.check,
                        "severity": f.severity.value,
                        "expected": f.expected,
                        "observed": f.observed,
                    }
                    for f in r.findings
                ],
            }
            for r in report.results
        ],
    }


_SEVERITY_ORDER = (Severity.INFO, Severity.WARNING, Severity.CRITICAL)


def at_or_above(report: RunReport, threshold: Severity) -> list[str]:
    """The open findings of the run at ``threshold`` or more serious (info < warning <
    critical), as ``KEY finding-id``."""
    least = _SEVERITY_ORDER.index(threshold)
    return [
        f"{key} {f.id}"
        for key, f in report.findings()
        if _SEVERITY_ORDER.index(f.severity) >= least
    ]


def print_report(report: RunReport, out: Console) -> None:
    """The summary table of a run, then every open finding."""
    table = Table(title=f"verification run {report.run}")
    for column in ("emission", "name", "chain", "read at", "findings"):
        table.add_column(column)
    for r in report.results:
        if r.outcome is ChainOutcome.CHECKED and r.block is not None:
            where = f"block {r.block.number} ({r.block.hash_hex[:10]}…)"
        else:
            where = r.outcome.value.replace("_", " ")
        counts = Counter(f.severity.value for f in r.findings)
        summary = ", ".join(
            f"[{_SEVERITY_STYLE[s]}]{counts[s]} {s}[/]"
            for s in ("critical", "warning", "info")
            if counts[s]
        )
        if not summary:
            # An emission whose chain could not be read is "not checked", never "ok".
            summary = "ok" if r.outcome is ChainOutcome.CHECKED else "[dim]not checked[/]"
        table.add_row(r.key, r.name[:28], r.blockchain, where, summary)
    out.print(table)
    listed = report.findings()
    if listed:
        findings = Table(title="open findings")
        for column in ("severity", "emission", "finding", "observed"):
            findings.add_column(column)
        for key, f in listed:
            findings.add_row(_severity(f.severity.value), key, f.id, f.observed)
        out.print(findings)
    opened = sum(len(r.opened) for r in report.results)
    resolved = sum(len(r.resolved) for r in report.results)
    out.print(
        f"{len(report.results)} emissions, {len(listed)} open findings "
        f"({opened} recorded or updated, {resolved} resolved); {report.entries} ledger entries"
        + (f" from index {report.first_index}" if report.first_index is not None else "")
    )
    unread = Counter(
        (r.outcome.value.replace("_", " "), r.blockchain)
        for r in report.results
        if r.outcome is not ChainOutcome.CHECKED
    )
    if unread:
        out.print(
            "not checked: "
            + "; ".join(f"{n} on {chain} ({why})" for (why, chain), n in sorted(unread.items()))
            + ". Configure an RPC URL per chain with TAMGA_CHAINS (see README)."
        )


def _severity(value: str) -> str:
    return f"[{_SEVERITY_STYLE.get(value, '')}]{value}[/]"


def _detail(entry: Any) -> str:
    kind = entry.kind
    if kind == "verification.observed":
        block = entry.block
        at = f" block {block.block_number}" if block is not None else ""
        return f"{entry.outcome.value}{at}"
    if kind == "verification.finding":
        return f"{entry.severity.value} {entry.finding}: {entry.observed}"
    if kind == "verification.finding_resolved":
        return f"resolved {entry.finding}"
    if kind == "verification.wallet_proof":
        return f"{entry.method.value} proof, nonce {entry.statement.nonce}"
    return f"{entry.contract} solc {entry.compiler}"


# ---- plumbing ----------------------------------------------------------------------------


def parse_signature(text: str) -> bytes:
    """A ``--signature`` (0x-hex).

    Raises:
        ConfigError: not hex.
    """
    try:
        return bytes.fromhex(text.removeprefix("0x"))
    except ValueError as exc:
        raise ConfigError(f"--signature is not hex: {exc}") from exc


def parse_unix(text: str) -> int:
    """An ``--expiry``: Unix seconds, or an ISO 8601 moment (UTC when no zone is given).

    Raises:
        ConfigError: neither.
    """
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(f"--expiry: not ISO 8601 or Unix seconds: {text!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())
