"""`tamga audit` (and the stand-alone `tamga-audit`): audit an export or a proof bundle.

No ledger or database code is imported here, so the auditor's toolkit runs from a plain
installation on a laptop: inputs are an export (directory or URL) or a bundle (file or URL), an
RPC URL and the anchor contract's address.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from anchoring.audit import audit_export
from anchoring.audit_bundle import CoverageQuestion, audit_bundle
from anchoring.audit_chain import open_chain
from anchoring.audit_report import CHECK_TITLES, AuditReport
from anchoring.audit_source import (
    ExportSource,
    HttpSource,
    SuppliedProof,
    open_source,
    parse_entry_line,
    parse_manifest,
    parse_proof,
)
from anchoring.audit_witness import parse_policy
from anchoring.bundle_format import parse_bundle_url
from anchoring.equivocation import parse_evidence, verify_evidence, write_evidence
from node.cli.errors import EXIT_EQUIVOCATION, EXIT_VERIFICATION, ReportsErrors
from node.cli.output import progress
from node.domain.calendar import kyrgyz_calendar
from node.domain.entries import Entry, VaspService, decode_entry
from node.domain.supply import find_publication
from node.errors import ConfigError, VerificationError
from node.merkle.hasher import hash_leaf
from node.merkle.tree import root_from_leaf_hashes

EXIT_FAILED = EXIT_VERIFICATION
"""Exit status when the audit finds a failure (as `tamga check`)."""


class AuditGroup(ReportsErrors, TyperGroup):
    """`tamga audit SOURCE …` means `tamga audit export SOURCE …`; errors are one line."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's click is vendored
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["export", *args]
        result: list[str] = super().parse_args(ctx, args)
        return result


audit_app = typer.Typer(
    cls=AuditGroup,
    help="Audit an export or a proof bundle against the chain (trusts nothing but the chain).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

RpcOption = Annotated[
    list[str],
    typer.Option(
        "--rpc",
        envvar="TAMGA_RPC_URL",
        help="JSON-RPC URL of the chain (your own); repeat to cross-check several providers.",
    ),
]
ChainIdOption = Annotated[
    int | None,
    typer.Option(
        "--chain-id", help="The chain the register anchors on (EIP-155 id): refuse others."
    ),
]
ProofOption = Annotated[
    Path | None,
    typer.Option(
        "--proof",
        help="Consistency proof from the export's signed head to the latest anchor "
        "(the JSON of `tamga log prove consistency A B`).",
    ),
]
ContractOption = Annotated[
    str,
    typer.Option(
        "--contract",
        envvar="TAMGA_CONTRACT_ADDRESS",
        help="The register's RegistryAnchor contract address (as published).",
    ),
]
SignerOption = Annotated[
    list[str] | None,
    typer.Option(
        "--signer",
        help="The register's published checkpoint key (address); repeat for rotated keys.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the JSON report on stdout.")]
WitnessOption = Annotated[
    list[str] | None,
    typer.Option(
        "--witness",
        help="A witness of your policy: its cosignature/v1 vkey (repeat; c2sp.org/tlog-witness).",
    ),
]
ThresholdOption = Annotated[
    int | None,
    typer.Option(
        "--witness-threshold",
        help="Valid cosignatures required of the --witness keys (default: all of them).",
    ),
]
NoteKeyOption = Annotated[
    str | None,
    typer.Option("--note-key", help="The node's published Ed25519 note vkey (C2SP signed note)."),
]


@audit_app.command("export")
def audit_export_command(
    source: Annotated[
        str, typer.Argument(help="Export directory, its files' base URL, or the API's URL.")
    ],
    rpc: RpcOption,
    contract: ContractOption,
    signer: SignerOption = None,
    origin: Annotated[
        str | None, typer.Option("--origin", help="The log's origin, if known.")
    ] = None,
    from_block: Annotated[
        int,
        typer.Option(
            "--from-block",
            envvar="TAMGA_CONTRACT_DEPLOY_BLOCK",
            help="Block to scan Anchored events from (the contract's deployment block).",
        ),
    ] = 0,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="TAMGA_API_TOKEN",
            help="Bearer token for the API's export routes (an auditor's token).",
        ),
    ] = None,
    witness: WitnessOption = None,
    witness_threshold: ThresholdOption = None,
    note_key: NoteKeyOption = None,
    as_json: JsonOption = False,
    chain_id: ChainIdOption = None,
    proof: ProofOption = None,
    allow_unsigned_tail: Annotated[
        bool,
        typer.Option(
            "--allow-unsigned-tail",
            help="Accept entries after the last signed checkpoint (a note instead of a failure).",
        ),
    ] = False,
    compare: Annotated[
        list[str] | None,
        typer.Option(
            "--compare",
            help="Another view of the same log (export directory, URL or API) to hold the "
            "signed checkpoints to; repeatable.",
        ),
    ] = None,
    evidence: Annotated[
        Path | None,
        typer.Option(
            "--evidence",
            help="Directory for equivocation evidence (default: beside --out, else here).",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the JSON report to this file.")
    ] = None,
) -> None:
    """Verify a whole export against the chain; exits 4 on any failure, 6 on equivocation.

    Recomputes every leaf hash and root, checks signatures and consistency, replays the entries
    to recompute the state roots, checks privacy, compares every anchor with the chain, and
    holds the export's signed head to the contract's latest() (docs/verifying.md).
    """
    chain = open_chain(rpc, contract)
    supplied = _read_proof(proof) if proof is not None else None
    policy = parse_policy(witness or (), threshold=witness_threshold, note_key=note_key)
    export = open_source(source, token=token)
    others: list[ExportSource] = [open_source(other, token=token) for other in compare or ()]
    try:
        with progress(11) as report:
            result = audit_export(
                export,
                chain=chain,
                calendar=kyrgyz_calendar(),
                signers=signer or (),
                origin=origin,
                from_block=from_block,
                progress=report,
                proof=supplied,
                allow_unsigned_tail=allow_unsigned_tail,
                chain_id=chain_id,
                compare=others,
                seen_at=datetime.now(UTC),
                seen_by=f"tamga audit of {export.description}",
                witness_policy=policy,
            )
    finally:
        for opened in (export, *others):
            if isinstance(opened, HttpSource):
                opened.close()
    _finish(result, as_json=as_json, out=out, evidence=evidence)


@audit_app.command("report")
def audit_report_command(
    file: Annotated[Path, typer.Argument(help="The report file (e.g. supply-42.csv).")],
    source: Annotated[
        str, typer.Argument(help="Export directory, its files' base URL, or the API's URL.")
    ],
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="TAMGA_API_TOKEN", help="Bearer token for the API."),
    ] = None,
) -> None:
    """Check a published report file against an export of the log: its SHA-256 and length are
    recorded by a ``report.published`` entry, the export's leaves hash to its manifest's root
    (RFC 9162 §2.1.1), and the entries below the recorded size give the same bytes again.
    Exits 4 with the expected and actual digests otherwise. `tamga audit export` checks the
    export's signatures and anchors."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror}") from exc
    export = open_source(source, token=token)
    try:
        manifest = parse_manifest(export.read("manifest.json"))
        hashes: list[bytes] = []
        entries: list[tuple[int, Entry]] = []
        for line in export.lines(manifest.entries):
            parsed = parse_entry_line(line)
            if parsed.index != len(hashes):
                raise VerificationError(
                    "entries are out of order", expected=len(hashes), actual=parsed.index
                )
            leaf_hash = hash_leaf(parsed.leaf)
            if leaf_hash.hex() != parsed.leaf_hash:
                raise VerificationError(
                    "a leaf hash is wrong (RFC 9162 §2.1.1)",
                    expected=leaf_hash.hex(),
                    actual=parsed.leaf_hash,
                    where=f"entry {parsed.index}",
                )
            hashes.append(leaf_hash)
            entries.append((parsed.index, decode_entry(parsed.leaf)))
    finally:
        if isinstance(export, HttpSource):
            export.close()
    root = root_from_leaf_hashes(hashes[: manifest.tree_size]).hex()
    if len(hashes) < manifest.tree_size or root != manifest.root:
        raise VerificationError(
            "the export's entries do not hash to its manifest's root",
            expected=manifest.root,
            actual=root,
            where=f"tree size {manifest.tree_size}",
        )
    index, entry = find_publication(entries, data=data)
    by = f", recorded by {entry.recorded_by}" if entry.recorded_by else ""
    typer.echo(
        f"{file.name}: published in entry {index} ({entry.kind}, {entry.report} at log size "
        f"{entry.size}{by}); sha256 {entry.sha256}, {entry.length} bytes, recomputed identical; "
        f"the export's {manifest.tree_size} entries hash to its root {root}"
    )


@audit_app.command("equivocation")
def audit_equivocation_command(
    file: Annotated[Path, typer.Argument(help="An equivocation evidence file.")],
    signer: SignerOption = None,
) -> None:
    """Re-verify equivocation evidence: exits 0 only if it proves an equivocation, else 4."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror}") from exc
    proven = verify_evidence(parse_evidence(data), signers=signer or ())
    typer.echo(f"equivocation proven: {proven.summary}")


@audit_app.command("bundle")
def audit_bundle_command(
    source: Annotated[
        str, typer.Argument(help="Bundle file, or its URL (e.g. a scanned QR code).")
    ],
    rpc: RpcOption,
    contract: Annotated[
        str | None,
        typer.Option(
            "--contract",
            envvar="TAMGA_CONTRACT_ADDRESS",
            help="The register's RegistryAnchor address; default: the bundle's (a note says so).",
        ),
    ] = None,
    signer: SignerOption = None,
    regno: Annotated[
        str | None,
        typer.Option(
            "--regno",
            help="The emission, miner or licence you asked for (default: from the URL).",
        ),
    ] = None,
    sha256: Annotated[
        str | None,
        typer.Option("--sha256", help="The hash printed on the extract (default: from the URL)."),
    ] = None,
    witness: WitnessOption = None,
    witness_threshold: ThresholdOption = None,
    note_key: NoteKeyOption = None,
    as_json: JsonOption = False,
    chain_id: ChainIdOption = None,
    proof: ProofOption = None,
    service: Annotated[
        VaspService | None,
        typer.Option(
            "--service",
            help="With --on, for a licence's bundle: was the licence in force for this service "
            "(Law art. 26.1) on that day? The answer is the fact `covered`.",
        ),
    ] = None,
    on: Annotated[
        datetime | None,
        typer.Option("--on", formats=["%Y-%m-%d"], help="The day asked (YYYY-MM-DD)."),
    ] = None,
) -> None:
    """Verify one proof bundle (emission, miner or licence), offline except the chain reads;
    exits 4 on failure."""
    if (service is None) != (on is None):
        raise ConfigError("--service and --on go together: the service and the day asked")
    policy = parse_policy(witness or (), threshold=witness_threshold, note_key=note_key)
    data = _read_bundle(source)
    url_key, url_sha = parse_bundle_url(source) if _is_url(source) else (None, None)
    pinned = contract or _bundle_contract(data)
    chain = open_chain(rpc, pinned)
    audit = audit_bundle(
        data,
        chain=chain,
        calendar=kyrgyz_calendar(),
        signers=signer or (),
        expected_key=regno or url_key,
        expected_sha256=sha256 or url_sha,
        chain_id=chain_id,
        head_proof=_read_proof(proof) if proof is not None else None,
        fetch_proof=_api_proofs(source) if _is_url(source) else None,
        witness_policy=policy,
        question=(
            CoverageQuestion(service=service, on=on.date())
            if service is not None and on is not None
            else None
        ),
    )
    report = audit.report
    if contract is None:
        report = _with_note(
            report,
            f"no --contract given: the bundle's own contract {pinned} was used; compare it "
            "with the register's published address",
        )
    _finish(report, as_json=as_json)


def _read_proof(path: Path) -> SuppliedProof:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    return parse_proof(data)


def _api_proofs(url: str) -> Callable[[int, int], SuppliedProof | None]:
    """Consistency proofs from the node API at the bundle URL's host."""
    parts = urlsplit(url)

    def fetch(first: int, second: int) -> SuppliedProof | None:
        source = HttpSource(urlunsplit((parts.scheme, parts.netloc, "/", "", "")))
        try:
            return source.consistency_proof(first, second)
        finally:
            source.close()

    return fetch


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def _read_bundle(source: str) -> bytes:
    if _is_url(source):
        try:
            response = httpx.get(source, timeout=60.0, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise ConfigError(f"cannot fetch {source}: {exc}") from exc
        if response.status_code != 200:
            raise ConfigError(f"cannot fetch {source}: HTTP {response.status_code}")
        return response.content
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {source}: {exc.strerror}") from exc


def _bundle_contract(data: bytes) -> str:
    try:
        value = json.loads(data)
        contract = value["anchor"]["contract"]
    except (ValueError, KeyError, TypeError) as exc:
        raise VerificationError("the bundle names no anchor contract", where="bundle") from exc
    if not isinstance(contract, str):
        raise VerificationError("the bundle names no anchor contract", where="bundle")
    return contract


def _with_note(report: AuditReport, note: str) -> AuditReport:
    return AuditReport(
        kind=report.kind,
        subject=report.subject,
        tallies=report.tallies,
        findings=report.findings,
        omitted=report.omitted,
        facts=report.facts,
        notes=(*report.notes, note),
        evidence=report.evidence,
    )


def print_report(report: AuditReport, console: Console) -> None:
    """The human-readable report: checks, findings, notes, verdict."""
    table = Table(title=f"Audit of {report.subject}")
    for column in ("check", "what", "checked", "failed", "unchecked"):
        table.add_column(column)
    for tally in report.tallies:
        table.add_row(
            tally.check.value,
            CHECK_TITLES[tally.check],
            str(tally.checked),
            str(tally.failed),
            str(tally.unchecked),
        )
    console.print(table)
    for key, value in report.facts.items():
        console.print(f"{key:<22} {value}")
    for note in report.notes:
        console.print(f"note: {note}")
    for finding in report.findings:
        console.print(f"FAIL {finding.line()}")
    if report.omitted:
        console.print(f"... and {report.omitted} more findings (see --json)")
    if report.ok:
        console.print("PASS: every check passed")
    else:
        console.print(f"FAIL: {len(report.findings) + report.omitted} findings")


def _finish(
    report: AuditReport,
    *,
    as_json: bool,
    out: Path | None = None,
    evidence: Path | None = None,
) -> None:
    if out is not None:
        try:
            out.write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise ConfigError(f"cannot write {out}: {exc.strerror}") from exc
    written: list[Path] = []
    if report.evidence:
        directory = evidence or (out.parent if out is not None else Path.cwd())
        try:
            written = [write_evidence(item, directory) for item in report.evidence]
        except OSError as exc:
            raise ConfigError(f"cannot write evidence into {directory}: {exc.strerror}") from exc
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        width = None if sys.stdout.isatty() else 160
        print_report(report, Console(highlight=False, soft_wrap=True, width=width))
    for path in written:
        typer.echo(f"equivocation evidence written to {path}", err=True)
    if written:
        raise typer.Exit(EXIT_EQUIVOCATION)
    if not report.ok:
        raise typer.Exit(EXIT_FAILED)


def main() -> None:
    """Console entry point `tamga-audit` (the auditor's toolkit without the node)."""
    audit_app(prog_name="tamga-audit")
