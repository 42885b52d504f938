"""The ``tamga`` command line: the one module that wires settings, keys, ledger and scheduler."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table
from typer.core import TyperCommand, TyperGroup

from node.checkpoint import SignedCheckpoint, format_time
from node.cli.errors import (
    ReportsErrors,
)
from node.cli.filings import apply_assignments, read_document, read_mapping
from node.cli.output import echo_json as _echo_json
from node.cli.output import out as _out
from node.cli.output import progress as _progress
from node.cli.runtime import CliOverrides, Runtime
from node.cli.runtime import load_signer as _load_signer
from node.cli.runtime import open_ledger as _ledger
from node.cli.runtime import runtime as _runtime
from node.clock import SystemClock
from node.domain.filings import EMISSION_EVENT_KINDS, ISSUER_EVENT_KINDS, parse_issuer_filing
from node.domain.lifecycle import recorded_on
from node.domain.model import EmissionState, EmissionStatus, IssuerState, NameReview
from node.errors import (
    ConfigError,
    RuleViolation,
)
from node.keys import create_keystore, note_signer

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from node.ledger.service import Ledger
    from node.ledger.store import CheckpointRecord
    from node.settings import Settings

# Start-up time: web3, eth_account, the HTTP API, PDF/QR, compilers, APScheduler and the
# chain code are imported by the commands that use them (inside their bodies, or in the
# modules of the lazily loaded commands below), never by `import node.cli`;
# tests/cli/test_startup.py holds that.

DATE_FORMATS = ["%Y-%m-%d"]


class _TamgaGroup(ReportsErrors, TyperGroup):
    """The root group: errors as one line and an exit status (node/cli/errors.py).

    Commands registered with ``_lazy`` stand in the group as placeholders (name and help, for
    the command list); the real command, and the modules it needs, load when it is resolved.
    """

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and isinstance(command, _Placeholder | _PlaceholderGroup):
            command = self.commands[name] = lazy_command(name)
        return name, command, rest


class _Placeholder(TyperCommand):
    """Stands for a lazily loaded command in the root group (see ``_TamgaGroup``)."""


class _PlaceholderGroup(TyperGroup):
    """Stands for a lazily loaded command group in the root group (see ``_TamgaGroup``)."""


app = typer.Typer(
    cls=_TamgaGroup,
    name="tamga",
    help="Node of the Unified State Register of Virtual Asset Emissions (Kyrgyz Republic).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
issuer_app = typer.Typer(help="Issuers: register, list, show, record events.", no_args_is_help=True)
emission_app = typer.Typer(
    help="Emissions: file, register, record lifecycle events, show.", no_args_is_help=True
)
log_app = typer.Typer(help="The Merkle log: head, checkpoints, proofs.", no_args_is_help=True)
prove_app = typer.Typer(help="Proofs as JSON on stdout.", no_args_is_help=True)
app.add_typer(issuer_app, name="issuer")
app.add_typer(emission_app, name="emission")
app.add_typer(log_app, name="log")
calendar_app = typer.Typer(
    help="The working calendar: record a decree that moves days, show the recorded corrections.",
    no_args_is_help=True,
)
app.add_typer(calendar_app, name="calendar")
log_app.add_typer(prove_app, name="prove")

_Register = Callable[[typer.Typer], None]
_LAZY: dict[str, _Register] = {}


def _lazy(name: str, *, summary: str, group: bool) -> Callable[[_Register], _Register]:
    """Register command (or group) NAME whose module is imported only when it is resolved.

    The decorated function adds the real command to the Typer it is given, importing what it
    needs; ``summary`` is the first paragraph of the real command's help, shown by `tamga --help`
    (tests/cli/test_startup.py holds the two equal).
    """

    def register(add: _Register) -> _Register:
        _LAZY[name] = add
        if group:
            app.add_typer(typer.Typer(cls=_PlaceholderGroup, help=summary), name=name)
        else:
            app.command(name, cls=_Placeholder, help=summary)(_placeholder)
        return add

    return register


def _placeholder() -> None:
    """Never runs: ``_TamgaGroup.resolve_command`` puts the real command in its place."""


def lazy_command(name: str) -> Any:
    """The real click command of the lazily registered NAME (its modules are imported now).

    Raises:
        KeyError: NAME is not registered with ``_lazy``.
    """
    holder = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    _LAZY[name](holder)
    return typer.main.get_group(holder).commands[name]


@_lazy("token", summary="API tokens: create (shown once, stored hashed), list, revoke.", group=True)
def _token(holder: typer.Typer) -> None:
    from node.cli.token import token_app

    holder.add_typer(token_app, name="token")


@_lazy(
    "anchor",
    summary="Anchoring checkpoints on an EVM chain: publish now, list and check what is on chain.",
    group=True,
)
def _anchor(holder: typer.Typer) -> None:
    from node.cli.anchor import anchor_app

    holder.add_typer(anchor_app, name="anchor")


@_lazy(
    "witness",
    summary="A standalone C2SP tlog-witness: cosigns consistent checkpoints of configured logs.",
    group=True,
)
def _witness(holder: typer.Typer) -> None:
    from node.cli.witness import witness_app

    holder.add_typer(witness_app, name="witness")


@_lazy(
    "verify",
    summary="On-chain verification: declared contracts, wallets, supply and burns vs the register "
    "(`tamga verify REGNO…` or `tamga verify --all`).",
    group=True,
)
def _verify(holder: typer.Typer) -> None:
    from node.cli.verify import make_verify_app

    holder.add_typer(make_verify_app(), name="verify")


@_lazy(
    "report",
    summary="Reports from the log: burned supply (register vs chain), its CSV, publication.",
    group=True,
)
def _report(holder: typer.Typer) -> None:
    from node.cli.report import report_app

    holder.add_typer(report_app, name="report")


@_lazy(
    "miner",
    summary="The digital register of miners (Law art. 13-16): register on a complete filing "
    "(the certificate is issued at once), record events, list, show, statistics by region.",
    group=True,
)
def _miner(holder: typer.Typer) -> None:
    from node.cli.miner import miner_app

    holder.add_typer(miner_app, name="miner")


@_lazy(
    "vasp",
    summary="The register of licensed virtual-asset service providers (Law art. 25-32): receive "
    "applications, record decisions and measures, list, show, and check a licence on a date.",
    group=True,
)
def _vasp(holder: typer.Typer) -> None:
    from node.cli.vasp import vasp_app

    holder.add_typer(vasp_app, name="vasp")


@_lazy(
    "up",
    summary="Run the node: HTTP API, scheduled checkpoints and anchoring, until Ctrl-C/SIGTERM.",
    group=False,
)
def _up(holder: typer.Typer) -> None:
    from api.app import create_app
    from node.cli.anchor import make_up_command

    holder.command("up")(make_up_command(create_app))


def _audit_commands(holder: typer.Typer) -> None:
    from node.cli.bundle import register

    register(holder)  # `tamga audit …`, `tamga bundle`, `tamga extract`


_lazy(
    "audit",
    summary="Audit an export or a proof bundle against the chain (trusts nothing but the chain).",
    group=True,
)(_audit_commands)
_lazy(
    "bundle",
    summary="Write the proof bundle of an emission, miner or licence; its SHA-256 goes to stderr.",
    group=False,
)(_audit_commands)
_lazy(
    "extract",
    summary="Print the extract of an emission, miner or licence as a PDF from its verified bundle.",
    group=False,
)(_audit_commands)


@_lazy(
    "monitor",
    summary="Follow nodes and the chain; exit 6 on proven equivocation, 7 on any other alarm.",
    group=False,
)
def _monitor(holder: typer.Typer) -> None:
    from anchoring.monitor import monitor_command

    holder.command("monitor")(monitor_command)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Node of the Unified State Register of Virtual Asset Emissions (Kyrgyz Republic).

    Configured by TAMGA_* environment variables (TAMGA_DATA_DIR, TAMGA_DATABASE_URL, TAMGA_ORIGIN,
    TAMGA_KEY_FILE, TAMGA_KEY_PASSWORD_FILE, TAMGA_CHECKPOINT_INTERVAL_SECONDS).
    """
    overrides = ctx.obj if isinstance(ctx.obj, CliOverrides) else CliOverrides()
    try:
        from node.settings import Settings  # pydantic-settings: not for `tamga --help`

        settings = Settings()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"invalid setting TAMGA_{where.upper()}: {first['msg']}") from exc
    ctx.obj = Runtime(settings=settings, clock=overrides.clock or SystemClock())


def _load_signer_optional(settings: Settings) -> LocalAccount | None:
    if not settings.resolved_key_file.exists():
        return None
    return _load_signer(settings)


def _today(rt: Runtime) -> date:
    return recorded_on(rt.clock.now())


def _to_date(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _safe_url(url: str) -> str:
    # sqlalchemy loads here, not at start-up: `tamga --help` needs none of it
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
OnOption = Annotated[
    datetime | None,
    typer.Option(
        "--on",
        formats=DATE_FORMATS,
        help="Effective date (YYYY-MM-DD); default: today in Kyrgyz time.",
    ),
]
DataOption = Annotated[
    Path | None,
    typer.Option("--data", exists=False, help="JSON or YAML file with the event's fields."),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="field=value (repeatable; dotted fields nest, e.g. basis.type=authority_decision; "
        "JSON for lists: grounds='[\"law_violation\"]').",
    ),
]


# ============================================================================================
# init, demo
# ============================================================================================


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the data directory, migrate the database and create the checkpoint key if missing.

    Idempotent: an existing database is migrated in place and an existing keystore is kept
    (and opened, to prove the password file still fits).
    """
    rt = _runtime(ctx)
    settings = rt.settings
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {settings.data_dir}: {exc.strerror}") from exc
    with _ledger(rt, initialized=False) as ledger:
        ledger.initialize()
        size, _ = ledger.head()
    key_file = settings.resolved_key_file
    address: str
    if key_file.exists():
        address = _load_signer(settings).address
        key_state = "existing"
    else:
        address = create_keystore(
            key_file=key_file, password_file=settings.resolved_key_password_file
        )
        key_state = "created"
    out = _out()
    out.print(f"data directory  {settings.data_dir.resolve()}")
    out.print(f"database        {_safe_url(settings.resolved_database_url)}")
    out.print(f"log size        {size}")
    out.print(f"signer          {address} ({key_state} keystore {key_file})")
    note_key = note_signer(_load_signer(settings), origin=settings.origin).verifier.encode()
    out.print(f"note key        {note_key} (Ed25519, derived from the checkpoint key)")


@app.command()
def demo(
    ctx: typer.Context,
    if_empty: Annotated[
        bool,
        typer.Option("--if-empty", help="Do nothing (exit 0) when the ledger already has entries."),
    ] = False,
) -> None:
    """Load the demo register into an initialised, empty ledger, then cut a checkpoint.

    Seven issuers in Bishkek, Osh, Chüy, Issyk-Kul, Talas and Naryn and seventeen emissions in
    every lifecycle state, recorded as of their 2025-2026 dates (the clock follows the demo's
    events); six of them are tokens deployed on the node's local chain (anvil) with planted
    findings for `tamga verify --all`.
    """
    from node.demo import demo_clock, load_demo
    from node.verification.demo import open_demo_chain

    rt = _runtime(ctx)
    clock = demo_clock()
    with _ledger(rt, signer=True, clock=clock) as ledger:
        size, _ = ledger.head()
        if if_empty and size > 0:
            _out().print(f"the ledger already holds {size} entries; demo not loaded again")
            return
        with open_demo_chain(rt.settings) as (chain, where):
            report = load_demo(ledger, clock=clock, chain=chain)
            if chain is not None:
                chain.finish(now=rt.clock.now())
    out = _out()
    out.print(
        f"demo loaded: {report.issuers} issuers, {report.emissions} emissions, "
        f"{report.miners} miners, {report.licences} licences, {report.entries} entries"
    )
    if chain is not None:
        out.print(f"on-chain part: {report.chain_steps} steps on the local chain at {where}")
    else:
        out.print(f"on-chain part skipped ({report.chain_steps_skipped} steps): {where}")
    for status, count in sorted(report.by_status.items()):
        out.print(f"  {status:<16} {count}")
    if report.checkpoint is not None:
        cp = report.checkpoint.checkpoint
        out.print(f"checkpoint at size {cp.size}: log root {cp.log_root.hex()}")
    _demo_staff(rt)


def _demo_staff(rt: Runtime) -> None:
    """A demo registrar for the workbench: a personal regulator token, kept in the data
    directory (owner-only) so that `tamga up` can print it; a real office makes one per person
    with `tamga token create --role regulator --name …`."""
    from api.auth import ROLE_SCOPES, Role
    from api.store import ApiStore
    from node.cli.token import DEMO_STAFF_FILE, issue_token

    with _ledger(rt) as ledger:
        store = ApiStore(ledger.store.engine)
        issued = issue_token(
            store,
            rt.clock,
            role=Role.REGULATOR,
            name="Demo registrar",
            scopes=ROLE_SCOPES[Role.REGULATOR],
        )
    path = rt.settings.data_dir / DEMO_STAFF_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(issued.text + "\n", encoding="ascii")
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc
    _out().print(f"workbench demo staff token (Demo registrar) written to {path}")


# ============================================================================================
# issuers
# ============================================================================================


@issuer_app.command("add")
def issuer_add(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="IssuerFiling as JSON (.json) or YAML.")],
    on: OnOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register an issuer from a filing; its code is assigned (Reg. §68(г)).

    Founders (Annex 4-5) are kept privately beside the log; the log holds only a salted
    commitment (Reg. §66).
    """
    rt = _runtime(ctx)
    filing = parse_issuer_filing(read_mapping(file))
    effective_on = _to_date(on) or _today(rt)
    with _ledger(rt) as ledger:
        code, result = ledger.register_issuer(filing, effective_on=effective_on)
    if as_json:
        _echo_json({"code": code, "index": result.first_index, "size": result.size})
        return
    _out().print(f"issuer {code} registered: {filing.name} (entry {result.first_index})")


@issuer_app.command("list")
def issuer_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List every issuer."""
    rt = _runtime(ctx)
    with _ledger(rt) as ledger:
        issuers = ledger.issuers()
    if as_json:
        _echo_json([i.to_record() for i in issuers])
        return
    table = Table(title="Issuers")
    for column in ("code", "name", "kind", "region", "status", "issues", "since"):
        table.add_column(column)
    for i in issuers:
        table.add_row(
            i.code,
            i.name,
            i.kind.value,
            i.region.name_en,
            i.status.value,
            str(i.serials_used),
            i.registered_on.isoformat(),
        )
    _out().print(table)


@issuer_app.command("show")
def issuer_show(ctx: typer.Context, code: str, as_json: JsonOption = False) -> None:
    """Show an issuer's public record (Reg. §62) and its emissions."""
    rt = _runtime(ctx)
    with _ledger(rt) as ledger:
        issuer = ledger.issuer(code)
        emissions = ledger.emissions(issuer=code)
    if as_json:
        _echo_json({"issuer": issuer.to_record(), "emissions": [e.key for e in emissions]})
        return
    table = _fields_table(f"Issuer {issuer.code}", _issuer_rows(issuer))
    table.add_row("emissions", ", ".join(f"{e.key} ({e.status.value})" for e in emissions) or "-")
    _out().print(table)


@issuer_app.command("founders")
def issuer_founders(ctx: typer.Context, code: str, as_json: JsonOption = False) -> None:
    """PRIVATE: print an issuer's founders and salt for the operator (Reg. §66).

    The value is checked against the commitment of the issuer.registered entry in the log, and
    that entry against the log's root (RFC 9162 inclusion proof). Never publish this output.
    """
    from node.services import issuers
    from node.services.database import Database

    rt = _runtime(ctx)
    with _ledger(rt) as ledger:
        # the one use case, as the API's GET /v1/issuers/{code}/founders
        checked = issuers.founders(Database(ledger=ledger), code=code)
    founders = list(checked.founders)
    if as_json:
        _echo_json(
            {
                "issuer": code,
                "private": True,
                "paragraph": "Reg. §66",
                "founders": founders,
                "salt": checked.salt.hex(),
                "commitment": checked.commitment,
                "entry_index": checked.entry_index,
                "tree_size": checked.tree_size,
                "root": checked.root.hex(),
                "verified": True,
            }
        )
        return
    out = _out()
    out.print("PRIVATE - founders' data is not public (Reg. §66); do not publish.", style="bold")
    table = Table(title=f"Founders of {code}")
    for column in ("name", "kind", "share %", "identifier", "citizenship", "address"):
        table.add_column(column)
    for f in founders:
        table.add_row(
            str(f.get("name")),
            str(f.get("kind")),
            str(f.get("share_pct")),
            str(f.get("identifier")),
            str(f.get("citizenship") or "-"),
            str(f.get("address")),
        )
    out.print(table)
    out.print(f"salt        {checked.salt.hex()}")
    out.print(f"commitment  {checked.commitment}")
    out.print(
        f"verified: the commitment opens to these founders and is in entry "
        f"{checked.entry_index}, included in the log of size {checked.tree_size} with root "
        f"{checked.root.hex()}"
    )


@issuer_app.command(
    "event",
    help="Record an issuer event: "
    + ", ".join(ISSUER_EVENT_KINDS)
    + " (the prefix 'issuer.' may be left out). Fields come from --data and --set; a "
    "liquidation rests on a document, e.g. --set basis.type=termination_record.",
)
def issuer_event_command(
    ctx: typer.Context,
    code: str,
    kind: str,
    on: OnOption = None,
    data: DataOption = None,
    assignments: SetOption = None,
) -> None:
    """Record an issuer event (help text: see the decorator)."""
    from node.operations import issuer_event

    rt = _runtime(ctx)
    fields = apply_assignments(read_mapping(data) if data else {}, assignments or [])
    with _ledger(rt) as ledger:
        entry = issuer_event(
            kind,
            issuer=code,
            data=fields,
            recorded_at=ledger.clock.now(),
            effective_on=_to_date(on) or _today(rt),
        )
        result = ledger.append([entry])
        issuer = ledger.issuer(code)
    _out().print(
        f"recorded {entry.kind} for issuer {code} (entry {result.first_index}); "
        f"status {issuer.status.value}"
    )


# ============================================================================================
# emissions
# ============================================================================================


@emission_app.command("register")
def emission_register(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="EmissionFiling as JSON (.json) or YAML.")],
    as_json: JsonOption = False,
) -> None:
    """File an emission application (Reg. §9) and, optionally, record its registration.

    FILE holds the EmissionFiling (the decision on issue, Annex 1). If it also has a top-level
    section

        registration: {on: 2025-04-01, document: {type: authority_decision, number: "...",
        date: 2025-04-01, issued_by: "..."}, regno: KG0101A0011}

    the authority's registration decision is recorded as well (Reg. §10, §57): the state
    registration number is assigned (Reg. §67-68; "regno" is optional and, if given, must be the
    number assigned). Both entries are checked together first, so a bad registration leaves the
    ledger unchanged. Decimal values may be written as YAML numbers; they are read exactly.
    """
    from node.operations import parse_emission_submission, submit_emission

    rt = _runtime(ctx)
    submission = parse_emission_submission(read_document(file))
    with _ledger(rt) as ledger:
        submitted = submit_emission(ledger, submission)
        received = ledger.emission(submitted.application_no)
    # Reg. §10, §17, §37: a defective application is received; its defects are for the authority
    defects = received.defects if received is not None else ()
    # Law art. 37.3: a name built on a law word is received with a review for the authority
    reviews = received.name_reviews if received is not None else ()
    if as_json:
        _echo_json(
            {
                "application_no": submitted.application_no,
                "regno": submitted.regno,
                "size": submitted.size,
                "defects": [d.to_record() for d in defects],
                "name_reviews": [r.to_record() for r in reviews],
            }
        )
        return
    text = f"application {submitted.application_no} filed"
    if submitted.regno is not None:
        text += f"; registered as {submitted.regno}"
    if defects:
        text += f" with {len(defects)} defect(s) to remedy (Reg. §37) or refuse on (Reg. §17):"
    _out().print(text)
    for d in defects:
        _out().print(f"  {d.field}: {d.message} [{d.rule}; {d.paragraph}]", markup=False)
    for r in reviews:
        _out().print(_name_review_line(r, submitted.application_no), markup=False)


@emission_app.command(
    "event",
    help="Record a lifecycle event of emission KEY (registration number or application number). "
    "KIND is one of: "
    + ", ".join(k.removeprefix("emission.") for k in EMISSION_EVENT_KINDS)
    + " (with or without the prefix 'emission.'). Fields come from --data FILE and --set "
    "field=value; e.g. a suspension: --set 'grounds=[\"law_violation\"]' --set "
    "basis.type=authority_decision --set basis.number=... --set basis.date=... --set "
    "basis.issued_by=... . A registration without regno gets the next number (Reg. §68).",
)
def emission_event(
    ctx: typer.Context,
    key: str,
    kind: str,
    on: Annotated[
        datetime,
        typer.Option("--on", formats=DATE_FORMATS, help="Effective date (YYYY-MM-DD)."),
    ],
    data: DataOption = None,
    assignments: SetOption = None,
) -> None:
    """Record an emission lifecycle event (help text: see the decorator)."""
    from node.operations import record_emission_event

    rt = _runtime(ctx)
    fields = apply_assignments(read_mapping(data) if data else {}, assignments or [])
    with _ledger(rt) as ledger:
        full, size = record_emission_event(
            ledger, key=key, kind=kind, data=fields, effective_on=on.date()
        )
        state = ledger.emission(key)
    _out().print(f"recorded {full} for {state.key}; status {state.status.value}; log size {size}")


@emission_app.command("show")
def emission_show(ctx: typer.Context, key: str, as_json: JsonOption = False) -> None:
    """Show an emission: the register entry of Reg. §62, status, deadlines, placed and burned."""
    rt = _runtime(ctx)
    with _ledger(rt) as ledger:
        emission = ledger.emission(key)
        issuer = ledger.issuer(emission.issuer)
    if as_json:
        _echo_json({"emission": emission.to_record(), "issuer": issuer.to_record()})
        return
    today = _today(rt)
    out = _out()
    out.print(_fields_table(f"Emission {emission.key}", _emission_rows(emission, issuer)))
    deadlines = Table(title="Open deadlines")
    for column in ("deadline", "due", "rule", ""):
        deadlines.add_column(column)
    for d in emission.deadlines:
        deadlines.add_row(d.name, d.due.isoformat(), d.rule, "OVERDUE" if d.due < today else "")
    for d in emission.missed:
        deadlines.add_row(d.name, d.due.isoformat(), d.rule, "missed")
    if emission.deadlines or emission.missed:
        out.print(deadlines)
    for r in emission.name_reviews:
        out.print(_name_review_line(r, emission.key), markup=False)


@emission_app.command("list")
def emission_list(
    ctx: typer.Context,
    issuer: Annotated[str | None, typer.Option("--issuer", help="Issuer code.")] = None,
    status: Annotated[EmissionStatus | None, typer.Option("--status")] = None,
    as_json: JsonOption = False,
) -> None:
    """List emissions, optionally of one issuer and/or in one status."""
    rt = _runtime(ctx)
    with _ledger(rt) as ledger:
        emissions = [
            e for e in ledger.emissions(issuer=issuer) if status is None or e.status is status
        ]
    if as_json:
        _echo_json([e.to_record() for e in emissions])
        return
    table = Table(title="Emissions")
    for column in ("key", "issuer", "type", "symbol", "status", "quantity", "placed", "burned"):
        table.add_column(column)
    table.add_column("chain")
    for e in emissions:
        table.add_row(
            e.key,
            e.issuer,
            e.va_type.value,
            e.symbol,
            e.status.value,
            str(e.quantity),
            "-" if e.placed is None else str(e.placed),
            str(e.burned),
            e.blockchain,
        )
    _out().print(table)


@emission_app.command("history")
def emission_history(ctx: typer.Context, key: str, as_json: JsonOption = False) -> None:
    """Every log entry about an emission, oldest first."""
    rt = _runtime(ctx)
    with _ledger(rt) as ledger:
        history = ledger.history(key)
    if as_json:
        _echo_json(
            [
                {
                    "index": record.idx,
                    "leaf_hash": record.leaf_hash.hex(),
                    "entry": entry.model_dump(mode="json"),
                }
                for record, entry in history
            ]
        )
        return
    table = Table(title=f"History of {key}")
    for column in ("entry", "effective", "kind", "recorded at", "basis"):
        table.add_column(column)
    for record, entry in history:
        basis = entry.basis
        table.add_row(
            str(record.idx),
            entry.effective_on.isoformat(),
            entry.kind,
            record.recorded_at,
            f"{basis.type.value} {basis.number}" if basis is not None else "",
        )
    _out().print(table)


# ============================================================================================
# calendar
# ============================================================================================


def _calendar_day(text: str) -> dict[str, str]:
    """``2026-03-14=working_day`` as a day of a correction.

    Raises:
        RuleViolation: not DATE=working_day or DATE=day_off.
    """
    day, sep, becomes = text.partition("=")
    becomes = becomes.strip().replace("-", "_")
    try:
        date.fromisoformat(day.strip())
    except ValueError:
        sep = ""
    if not sep or becomes not in ("working_day", "day_off"):
        raise RuleViolation(
            field="--day",
            rule="calendar-day",
            paragraph="docs/regulatory-notes.md",
            message=f"{text!r} must be YYYY-MM-DD=working_day or YYYY-MM-DD=day_off",
        )
    return {"day": day.strip(), "becomes": becomes}


@calendar_app.command("correct")
def calendar_correct(
    ctx: typer.Context,
    days: Annotated[
        list[str] | None,
        typer.Option(
            "--day",
            help="DATE=working_day or DATE=day_off: what the decree makes the day (repeatable).",
        ),
    ] = None,
    number: Annotated[
        str | None, typer.Option("--decree-number", help="The decree's number.")
    ] = None,
    decree_date: Annotated[
        datetime | None,
        typer.Option("--decree-date", formats=DATE_FORMATS, help="The decree's date."),
    ] = None,
    issued_by: Annotated[
        str | None, typer.Option("--issued-by", help="Who issued the decree.")
    ] = None,
    on: OnOption = None,
    data: DataOption = None,
    assignments: SetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a government decree that moves working days and days off.

    Deadlines computed after the entry count with it, on this node and in every replay of the
    log (check, rebuild, the auditor), whatever version of the holiday library each has;
    deadlines computed before keep their dates. E.g. a Saturday made a working day and the
    Monday it lends made a day off:

        tamga calendar correct --day 2026-03-14=working_day --day 2026-03-23=day_off
        --decree-number 77 --decree-date 2026-02-20 --issued-by "Cabinet of Ministers"
    """
    from node.services.calendar import record_calendar_correction
    from node.services.database import Database

    rt = _runtime(ctx)
    fields = apply_assignments(read_mapping(data) if data else {}, assignments or [])
    if days:
        fields["days"] = [_calendar_day(text) for text in days]
    basis = dict(fields.get("basis") or {})
    basis.setdefault("type", "government_decree")
    for key, value in (
        ("number", number),
        ("date", decree_date.date().isoformat() if decree_date else None),
        ("issued_by", issued_by),
    ):
        if value is not None:
            basis[key] = value
    fields["basis"] = basis
    with _ledger(rt) as ledger:
        written = record_calendar_correction(
            Database(ledger=ledger), data=fields, effective_on=_to_date(on)
        )
    if as_json:
        _echo_json(
            {
                "index": written.index,
                "size": written.size,
                "entry": written.entry.model_dump(mode="json"),
            }
        )
        return
    changed = ", ".join(f"{d.day} {d.becomes.value}" for d in written.entry.days)
    _out().print(f"recorded calendar.corrected (entry {written.index}): {changed}")


@calendar_app.command("show")
def calendar_show(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every day a recorded decree set, in log order."""
    from node.services.calendar import calendar_corrections
    from node.services.database import Database

    rt = _runtime(ctx)
    with _ledger(rt) as ledger:
        found = calendar_corrections(Database(ledger=ledger))
    if as_json:
        _echo_json(
            [
                {
                    "day": c.day.isoformat(),
                    "becomes": "working_day" if c.working else "day_off",
                    "entry": c.index,
                    "decree": c.decree,
                }
                for c in found
            ]
        )
        return
    table = Table(title="Calendar corrections")
    for column in ("day", "becomes", "entry", "decree"):
        table.add_column(column)
    for c in found:
        table.add_row(
            c.day.isoformat(), "working day" if c.working else "day off", str(c.index), c.decree
        )
    _out().print(table)


# ============================================================================================
# log
# ============================================================================================


def _checkpoint_json(row: CheckpointRecord) -> dict[str, Any]:
    # the ledger's storage (sqlalchemy) loads with the first command that uses it, not at
    # start-up: `tamga --help` needs none of it
    from node.ledger.export import checkpoint_json

    return checkpoint_json(row)


def signed_json(signed: SignedCheckpoint) -> dict[str, Any]:
    """A freshly cut checkpoint in the JSON form of checkpoints.jsonl."""
    cp = signed.checkpoint
    from node.ledger.store import CheckpointRecord

    return _checkpoint_json(
        CheckpointRecord(
            size=cp.size,
            origin=cp.origin,
            log_root=cp.log_root,
            state_root=cp.state_root,
            state_size=cp.state_size,
            issued_at=format_time(cp.issued_at),
            signer=signed.signer,
            signature=signed.signature,
        )
    )


@log_app.command("head")
def log_head(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The log's size and root, and the newest checkpoint."""
    rt = _runtime(ctx)
    with _ledger(rt) as ledger:
        size, root = ledger.head()
        checkpoints = ledger.checkpoints()
    latest = _checkpoint_json(checkpoints[-1]) if checkpoints else None
    if as_json:
        _echo_json({"tree_size": size, "root": root.hex(), "latest_checkpoint": latest})
        return
    out = _out()
    out.print(f"size  {size}")
    out.print(f"root  {root.hex()}")
    if latest is None:
        out.print("no checkpoint yet")
    else:
        out.print(f"latest checkpoint at size {latest['tree_size']}, {latest['time']}")


@log_app.command("checkpoint")
def log_checkpoint(ctx: typer.Context) -> None:
    """Cut and sign a checkpoint at the head; print it as JSON.

    When the newest checkpoint already covers the head, nothing is cut: that checkpoint is
    printed and a note goes to stderr (exit status 0).
    """
    rt = _runtime(ctx)
    with _ledger(rt, signer=True) as ledger:
        size, _ = ledger.head()
        checkpoints = ledger.checkpoints()
        if checkpoints and checkpoints[-1].size == size:
            typer.echo(
                f"log unchanged since the checkpoint at size {size}; not cut again", err=True
            )
            _echo_json(_checkpoint_json(checkpoints[-1]))
            _cosign(rt, ledger)
            return
        signed = ledger.cut_checkpoint()
        _cosign(rt, ledger)
    _echo_json(signed_json(signed))


def _cosign(rt: Runtime, ledger: Ledger) -> None:
    """Sign the C2SP notes of new checkpoints and submit the latest to TAMGA_WITNESSES; each
    witness's outcome goes to stderr (a failing witness never fails the command)."""
    import httpx

    from anchoring.witness_client import Cosigner

    account = ledger.sequencer.signer
    if account is None:
        return
    with httpx.Client(timeout=rt.settings.witness_timeout_seconds) as http:
        outcomes = Cosigner(
            ledger=ledger,
            signer=note_signer(account, origin=rt.settings.origin),
            witnesses=rt.settings.witnesses,
            clock=rt.clock,
            http=http,
        ).run()
    for outcome in outcomes:
        typer.echo(
            f"witness {outcome.witness}: checkpoint {outcome.size} {outcome.status} "
            f"{outcome.detail}".rstrip(),
            err=True,
        )


@log_app.command("checkpoints")
def log_checkpoints(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """All checkpoints, oldest first."""
    rt = _runtime(ctx)
    with _ledger(rt) as ledger:
        rows = ledger.checkpoints()
    if as_json:
        _echo_json([_checkpoint_json(row) for row in rows])
        return
    table = Table(title="Checkpoints")
    for column in ("size", "time", "log root", "state root", "signer"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.size), row.issued_at, row.log_root.hex(), row.state_root.hex(), row.signer
        )
    _out().print(table)


@prove_app.command("inclusion")
def prove_inclusion(
    ctx: typer.Context,
    index: int,
    size: Annotated[int | None, typer.Option("--size", help="Tree size; default: head.")] = None,
) -> None:
    """RFC 9162 §2.1.3 inclusion proof of entry INDEX."""
    rt = _runtime(ctx)
    with _ledger(rt) as ledger:
        proof = ledger.prove_inclusion(index, size=size)
    _echo_json(proof.to_json())


@prove_app.command("consistency")
def prove_consistency(
    ctx: typer.Context,
    size1: int,
    size2: Annotated[
        int | None, typer.Argument(help="The larger tree size; default: head.")
    ] = None,
) -> None:
    """RFC 9162 §2.1.4 consistency proof from SIZE1 to SIZE2 (default: head)."""
    rt = _runtime(ctx)
    with _ledger(rt) as ledger:
        proof = ledger.prove_consistency(size1, size2)
    _echo_json(proof.to_json())


@prove_app.command("state")
def prove_state(
    ctx: typer.Context,
    key: str,
    checkpoint: Annotated[
        int | None, typer.Option("--checkpoint", help="Checkpoint size; default: latest.")
    ] = None,
) -> None:
    """Proof of an emission's public state against a checkpoint's state root."""
    rt = _runtime(ctx)
    with _ledger(rt) as ledger:
        proof = ledger.state_proof(key, checkpoint_size=checkpoint)
    _echo_json(proof.to_json())


# ============================================================================================
# export, rebuild, check, run
# ============================================================================================


@app.command()
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Directory to write into.")],
) -> None:
    """Write the public log (entries.jsonl, checkpoints.jsonl, manifest.json) into a directory.

    Private values (Reg. §66) are never exported.
    """
    import httpx

    from anchoring.service import anchors_for_export
    from anchoring.witness_client import Cosigner
    from node.ledger.export import export_ledger

    rt = _runtime(ctx)
    account = _load_signer_optional(rt.settings)
    with _ledger(rt) as ledger, _progress(8) as report:
        if account is not None:  # sign the C2SP notes of checkpoints that have none yet
            with httpx.Client() as http:
                Cosigner(
                    ledger=ledger,
                    signer=note_signer(account, origin=rt.settings.origin),
                    witnesses=(),
                    clock=rt.clock,
                    http=http,
                ).publish_notes()
        try:
            result = export_ledger(
                ledger.store,
                out,
                on_entry=lambda done, total: report("export", done, total),
                anchors=anchors_for_export(rt.settings, ledger),
            )
        except OSError as exc:
            raise ConfigError(f"cannot write the export to {out}: {exc.strerror}") from exc
    _out().print(
        f"exported {result.entries} entries and {result.checkpoints} checkpoints to "
        f"{result.directory} (root {result.root.hex()})"
    )


@app.command()
def rebuild(ctx: typer.Context) -> None:
    """Recreate the register projection (issuers, emissions, versions) from the journal."""
    from node.ledger.rebuild import rebuild_projection

    rt = _runtime(ctx)
    with _ledger(rt) as ledger, _progress(8) as report:
        size, _ = ledger.head()
        result = rebuild_projection(
            ledger.store,
            calendar=ledger.calendar,
            on_entry=lambda idx: report("replay", idx + 1, size),
        )
    _out().print(
        f"rebuilt from {result.entries} entries: {result.issuers} issuers, "
        f"{result.emissions} emissions, {result.versions} state versions"
    )


@app.command()
def check(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Recompute every hash, root, signature, commitment and the projection from the journal.

    Checkpoint signatures must recover to this node's key when its keystore is present. Exits
    with status 4 at the first mismatch.
    """
    from node.ledger.check import check_ledger

    rt = _runtime(ctx)
    account = _load_signer_optional(rt.settings)
    expected = account.address if account is not None else None
    with _ledger(rt) as ledger, _progress(8) as report:
        result = check_ledger(
            ledger.store, calendar=ledger.calendar, expected_signer=expected, progress=report
        )
    summary = {
        "ok": True,
        "entries": result.entries,
        "merkle_nodes": result.nodes,
        "checkpoints": result.checkpoints,
        "issuers": result.issuers,
        "emissions": result.emissions,
        "private_values": result.private_values,
        "root": result.root.hex(),
        "signer": expected,
    }
    if as_json:
        _echo_json(summary)
        return
    table = Table(title="tamga check: passed")
    table.add_column("checked")
    table.add_column("count", justify="right")
    for name in ("entries", "merkle_nodes", "checkpoints", "issuers", "emissions"):
        table.add_row(name.replace("_", " "), str(summary[name]))
    table.add_row("private values", str(result.private_values))
    _out().print(table)
    _out().print(f"root {result.root.hex()}")


@app.command()
def backup(
    ctx: typer.Context,
    dest: Annotated[Path, typer.Argument(help="New or empty directory for the backup.")],
    as_json: JsonOption = False,
) -> None:
    """Back up the database while the node runs (SQLite online backup; pg_dump on PostgreSQL)
    into DEST with a manifest (log size, root, latest checkpoint, SHA-256 of every file)."""
    from node.ledger.backup import backup_ledger

    rt = _runtime(ctx)
    with _ledger(rt):
        pass  # refuses before `tamga init`, like every command
    manifest = backup_ledger(url=rt.settings.resolved_database_url, dest=dest, now=rt.clock.now())
    if as_json:
        _echo_json(manifest.model_dump(mode="json"))
        return
    checkpoint = manifest.latest_checkpoint
    _out().print(
        f"backed up {manifest.backend} ledger to {dest}: log size {manifest.log_size}, root "
        f"{manifest.log_root}, latest checkpoint {checkpoint.size if checkpoint else 'none'}"
    )


@app.command()
def restore(
    ctx: typer.Context,
    src: Annotated[Path, typer.Argument(help="A directory written by `tamga backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that is not empty.")
    ] = False,
) -> None:
    """Restore a backup into the configured database (stop the node first): checks the
    manifest's hashes, refuses a non-empty database unless --force, then runs `tamga check`."""
    from node.domain.calendar import kyrgyz_calendar
    from node.ledger.backup import restore_ledger

    rt = _runtime(ctx)
    account = _load_signer_optional(rt.settings)
    report = restore_ledger(
        src=src,
        url=rt.settings.resolved_database_url,
        force=force,
        calendar=kyrgyz_calendar(),
        expected_signer=account.address if account is not None else None,
    )
    manifest = report.manifest
    migrated = f" (schema migrated from {report.migrated_from})" if report.migrated_from else ""
    _out().print(
        f"restored log size {manifest.log_size}, root {manifest.log_root} from {src}{migrated}; "
        f"tamga check passed: {report.check.entries} entries, {report.check.checkpoints} "
        "checkpoints"
    )


@app.command()
def run(
    ctx: typer.Context,
    interval: Annotated[
        int | None,
        typer.Option(
            "--interval",
            min=1,
            help="Seconds between checkpoint runs; default TAMGA_CHECKPOINT_INTERVAL_SECONDS.",
        ),
    ] = None,
) -> None:
    """Cut a signed checkpoint every interval when the log has grown; stop with Ctrl-C/SIGTERM."""
    from node.scheduler import Job, run_job_safely, run_until_stopped

    rt = _runtime(ctx)
    seconds = interval or rt.settings.checkpoint_interval_seconds
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    with _ledger(rt, signer=True) as ledger:
        job = Job("checkpoint", lambda: run_job_safely(ledger), seconds)
        run_until_stopped([job], start_at=rt.clock.now())


# ============================================================================================
# rendering helpers
# ============================================================================================


def _fields_table(title: str, rows: Sequence[tuple[str, str]]) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for name, value in rows:
        table.add_row(name, value)
    return table


def _opt(value: object) -> str:
    return "-" if value is None else str(value)


def _issuer_rows(issuer: IssuerState) -> list[tuple[str, str]]:
    reg = issuer.legal_registration
    rows = [
        ("code", issuer.code),
        ("full name", issuer.name),
        ("kind", issuer.kind.value),
        ("legal form", _opt(issuer.legal_form)),
        ("legal address", issuer.legal_address),
        ("region", f"{issuer.region.name_en} ({issuer.region.code})"),
        (
            "state registration",
            f"{reg.number} of {reg.registered_on}, {reg.authority}" if reg is not None else "-",
        ),
        ("status", f"{issuer.status.value} since {issuer.status_since}"),
        ("registered in the register", issuer.registered_on.isoformat()),
        ("issue serials used", str(issuer.serials_used)),
    ]
    if issuer.successor is not None:
        rows.append(("successor (reorganization)", issuer.successor))
    return rows


def _name_review_line(r: NameReview, key: str) -> str:
    """One name review (Law art. 37.3) as a line: pending, with the entry that decides it."""
    words = ", ".join(repr(w) for w in r.words)
    if r.decision is None:
        return (
            f"  {r.field}: {r.text!r} holds {words} inside another word: awaits the "
            f"authority's review (emission event {key} name_reviewed --set field={r.field} "
            "--set decision=accepted|refused and the decision as basis); no registration "
            "until then "
            "[name-review-pending; Law art. 37.3]"
        )
    return f"  {r.field}: {r.text!r} holds {words}: {r.decision} on review [Law art. 37.3]"


def _emission_rows(e: EmissionState, issuer: IssuerState) -> list[tuple[str, str]]:
    price = (
        f"{e.placement_price} {e.currency}"
        if e.placement_price is not None
        else _opt(e.pricing_method)
    )
    rows = [
        ("state registration number", _opt(e.regno)),
        ("application number", e.application_no),
        ("status", f"{e.status.value} since {e.status_since}"),
        ("issuer", f"{issuer.name} ({issuer.code})"),
        ("issuer legal form", _opt(issuer.legal_form)),
        ("issuer legal address", issuer.legal_address),
        (
            "issuer state registration",
            f"{issuer.legal_registration.number} of {issuer.legal_registration.registered_on}"
            if issuer.legal_registration is not None
            else "-",
        ),
        (
            "issuer status",
            issuer.status.value + (f" -> {issuer.successor}" if issuer.successor else ""),
        ),
        ("VA type", e.va_type.value),
        ("name", e.name),
        ("symbol", e.symbol),
        ("quantity", str(e.quantity)),
        ("nominal value", f"{e.nominal_value} {e.currency}"),
        ("total nominal", f"{e.total_nominal} {e.currency}"),
        ("placement price", price),
        ("placement period", f"{e.placement_start} - {e.placement_end}"),
        ("minimum for success", _opt(e.min_success_quantity)),
        ("blockchain", e.blockchain),
        ("issuer wallet", e.issuer_wallet),
        ("smart contract", e.contract_address),
        ("white paper", f"{e.whitepaper.version} sha256:{e.whitepaper.sha256} {e.whitepaper.uri}"),
        (
            "collateral",
            "; ".join(
                f"{c.kind.value} {c.assessed_value} {c.currency}"
                + (f" ({c.registrar})" if c.registrar else "")
                for c in e.collateral
            ),
        ),
        ("collateral manager", _opt(e.collateral_manager)),
        ("documents filed", e.documents_filed_on.isoformat()),
        ("registered", _opt(e.registered_on)),
        ("offer disclosed", _opt(e.offer_disclosed_on)),
        ("placement earliest", _opt(e.placement_earliest)),
        ("placement started", _opt(e.placement_started_on)),
        ("placement ended", _opt(e.placement_ended_on)),
        ("results reported", _opt(e.reported_on)),
        ("placed", _opt(e.placed)),
        ("proceeds", _opt(e.proceeds)),
        ("unplaced cancelled", str(e.unplaced_cancelled)),
        ("burned", str(e.burned)),
        ("in circulation", str(e.circulating)),
        ("fee", f"{e.fee_total} (paid {e.fee_paid}, outstanding {e.fee_outstanding})"),
    ]
    if e.suspended_from is not None:
        rows.append(("suspended from", e.suspended_from.value))
    if e.pending_amendment is not None:
        p = e.pending_amendment
        rows.append(("pending amendment", f"requested {p.requested_on}: {p.summary}"))
    if e.cancellation_ground is not None:
        rows.append(("cancellation ground", e.cancellation_ground.value))
    return rows


def main() -> None:
    """Console entry point (``tamga``); exits with the command's status."""
    app(prog_name="tamga")
