"""`tamga anchor …` and `tamga up`: anchoring commands, registered by node/cli/root.py."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from eth_account.signers.local import LocalAccount
from eth_utils.address import is_address, to_checksum_address
from rich.table import Table

from anchoring.chain import ANCHOR_ROLE, AnchorContract, SentTransaction, hex0x, send_transaction
from anchoring.keys import anchor_key_file, ensure_anchor_key, load_anchor_account
from anchoring.publisher import PublishAction
from anchoring.reader import AnchorReport, read_anchors
from anchoring.service import (
    anchoring_account,
    current_deployment,
    deploy_remote,
    make_publisher,
    open_anchoring,
)
from anchoring.services import AnchoringDatabase
from anchoring.store import ACTIVE, AnchorStatus
from anchoring.up import AppFactory, print_line, run_node
from node.chain.endpoint import configured_chain
from node.cli.output import echo_json
from node.cli.output import out as console
from node.cli.runtime import open_ledger, runtime
from node.cli.token import DEMO_STAFF_FILE
from node.errors import (
    ChainError,
    ConfigError,
    LedgerError,
    NotFound,
    RuleViolation,
    VerificationError,
)
from node.keys import load_account
from node.ledger.service import Ledger
from node.scheduler import checkpoint_job
from node.settings import Settings

anchor_app = typer.Typer(
    help="Anchoring checkpoints on an EVM chain: publish now, list and check what is on chain.",
    no_args_is_help=True,
)
key_app = typer.Typer(help="The anchoring key (encrypted keystore).", no_args_is_help=True)
anchor_app.add_typer(key_app, name="key")
signer_app = typer.Typer(
    help="The node checkpoint keys the contract accepts (admin: add, remove; anyone: list).",
    no_args_is_help=True,
)
anchor_app.add_typer(signer_app, name="signer")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _logging(level: int) -> None:
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("tamga").setLevel(level)


def _utc(seconds: int | None) -> str:
    if not seconds:
        return "-"
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%d %H:%M:%SZ")


# ============================================================================================
# anchor now, list, check, status
# ============================================================================================


def _cut_checkpoint(ledger: Ledger) -> None:
    """Cut a checkpoint if the log grew; a concurrent publisher that cut the same size first is
    not an error (its checkpoint, signed by the same key, is the one to anchor).

    Raises:
        LedgerError: no signing key, or the checkpoint failed otherwise.
        StorageError: the database failed.
    """
    try:
        checkpoint_job(ledger)
    except LedgerError:
        size, _ = ledger.head()
        if ledger.latest_checkpoint().size != size:
            raise


@anchor_app.command("now")
def anchor_now(
    ctx: typer.Context,
    no_checkpoint: Annotated[
        bool,
        typer.Option("--no-checkpoint", help="Anchor the latest checkpoint without cutting one."),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each step.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Cut a checkpoint if the log has grown, anchor it now and wait for its confirmations.

    Without TAMGA_RPC_URL the node's local anvil is used (started for the command when `tamga
    up` is not running) and the contract is deployed on it if needed. Exits 0 when the chain
    holds the latest checkpoint, 1 when the anchor is still pending or failed.
    """
    rt = runtime(ctx)
    settings, clock = rt.settings, rt.clock
    _logging(logging.INFO if verbose else logging.WARNING)
    with open_ledger(rt, signer=not no_checkpoint) as ledger:
        if not no_checkpoint:
            _cut_checkpoint(ledger)
        account = anchoring_account(settings)
        store = AnchoringDatabase(ledger=ledger).anchors
        with open_anchoring(settings, store=store, clock=clock, deploy=True) as anchoring:
            publisher = make_publisher(
                settings, ledger=ledger, anchoring=anchoring, account=account, clock=clock
            )
            result = publisher.run()
            deployment = anchoring.deployment
    anchor = result.anchor
    if as_json:
        echo_json(
            {
                "action": result.action.value,
                "message": result.message,
                "chain_id": deployment.chain_id,
                "contract": deployment.contract,
                "anchor": None
                if anchor is None
                else {
                    "tree_size": anchor.tree_size,
                    "status": anchor.status.value,
                    "tx_hash": anchor.tx_hash,
                    "block_number": anchor.block_number,
                    "block_hash": anchor.block_hash,
                },
            }
        )
    else:
        console().print(f"{result.action.value}: {result.message}")
    if result.action not in (
        PublishAction.CONFIRMED,
        PublishAction.UP_TO_DATE,
        PublishAction.NO_CHECKPOINT,
    ):
        raise typer.Exit(1)


@anchor_app.command("deploy")
def anchor_deploy(
    ctx: typer.Context,
    admin: Annotated[
        str | None,
        typer.Option(
            "--admin",
            help="Address that gets the contract's admin role (default: the anchoring key; on "
            "a real chain use a separate, offline key).",
        ),
    ] = None,
) -> None:
    """Deploy the RegistryAnchor contract on the chain of TAMGA_RPC_URL/TAMGA_CHAIN_ID, once,
    before the job runners start (docs/deployment.md). Prints the two settings every job
    runner then needs; the anchoring key (`tamga anchor key create`) must hold gas."""
    settings = runtime(ctx).settings
    checked = _checked_address(admin) if admin is not None else None
    chain_id, sent = deploy_remote(settings, admin=checked)
    assert sent.contract_address is not None
    console().print(
        f"RegistryAnchor deployed on chain {chain_id} (tx {sent.tx_hash}):\n"
        f"TAMGA_CONTRACT_ADDRESS={sent.contract_address}\n"
        f"TAMGA_CONTRACT_DEPLOY_BLOCK={sent.receipt.block_number}"
    )


def _report(ctx: typer.Context, *, with_roots: bool) -> AnchorReport:
    rt = runtime(ctx)
    settings, clock = rt.settings, rt.clock
    with open_ledger(rt) as ledger:
        store = AnchoringDatabase(ledger=ledger).anchors
        with open_anchoring(settings, store=store, clock=clock, deploy=False) as anchoring:
            return read_anchors(
                ledger,
                anchoring.contract,
                anchoring.deployment,
                chunk=settings.anchor_log_chunk_blocks,
                with_roots=with_roots,
            )


@anchor_app.command("list")
def anchor_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every anchor on the chain (Anchored events, read with chunked eth_getLogs), each compared
    with the local checkpoint of its size."""
    report = _report(ctx, with_roots=False)
    if as_json:
        echo_json(report.to_json())
        return
    table = Table(title=f"Anchors on chain {report.chain_id}, contract {report.contract}")
    for column in ("tree size", "block", "anchored at", "tx", "log root", "local"):
        table.add_column(column)
    for view in report.views:
        e = view.event
        local = "matches" if view.ok else "MISMATCH"
        if view.checkpoint is None:
            local = "no checkpoint"
        table.add_row(
            str(e.tree_size),
            str(e.block_number),
            _utc(e.anchored_at),
            hex0x(e.tx_hash),
            hex0x(e.log_root),
            local,
        )
    out = console()
    out.print(table)
    out.print(f"latest() tree size {report.latest.tree_size}; {len(report.views)} anchors")


@anchor_app.command("check")
def anchor_check(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Check every anchor on the chain against the local checkpoints and log, rootAt and
    latest(), and the publisher's records. Exits 4 at any disagreement."""
    report = _report(ctx, with_roots=True)
    if as_json:
        echo_json(report.to_json())
    else:
        out = console()
        for problem in report.all_problems():
            out.print(f"MISMATCH {problem}")
        if report.ok:
            out.print(
                f"anchor check passed: {len(report.views)} anchors on chain {report.chain_id} "
                f"(contract {report.contract}) match the local log; latest() is tree size "
                f"{report.latest.tree_size}"
            )
    if not report.ok:
        problems = report.all_problems()
        raise VerificationError(
            f"{len(problems)} anchor problem(s); first: {problems[0]}",
            where=f"contract {report.contract} on chain {report.chain_id}",
        )


@anchor_app.command("status")
def anchor_status(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The publisher's state: contract, anchors by status, pending ones with their last error,
    and the chain's latest() (or why the chain cannot be reached)."""
    rt = runtime(ctx)
    settings, clock = rt.settings, rt.clock
    with open_ledger(rt) as ledger:
        store = AnchoringDatabase(ledger=ledger).anchors
        deployment = current_deployment(settings, store)
        rows = [] if deployment is None else store.anchors(deployment.id)
        try:
            checkpoint_size: int | None = ledger.latest_checkpoint().size
        except NotFound:
            checkpoint_size = None
        chain_state: dict[str, Any]
        try:
            with open_anchoring(settings, store=store, clock=clock, deploy=False) as anchoring:
                latest = anchoring.contract.latest()
                chain_state = {
                    "reachable": True,
                    "block_number": anchoring.chain.block_number(),
                    "latest_tree_size": latest.tree_size,
                    "latest_log_root": hex0x(latest.log_root),
                }
        except (ChainError, ConfigError) as exc:  # unreachable, HTTP 429/5xx, wrong chain id
            chain_state = {"reachable": False, "error": str(exc)}
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status.value] = counts.get(row.status.value, 0) + 1
    confirmed = [r for r in rows if r.status is AnchorStatus.CONFIRMED]
    active = [r for r in rows if r.status in ACTIVE]
    last_confirmed = confirmed[-1].tree_size if confirmed else None
    if as_json:
        echo_json(
            {
                "chain_id": None if deployment is None else deployment.chain_id,
                "contract": None if deployment is None else deployment.contract,
                "latest_checkpoint": checkpoint_size,
                "last_confirmed": last_confirmed,
                "anchors": counts,
                "pending": [
                    {
                        "tree_size": r.tree_size,
                        "status": r.status.value,
                        "nonce": r.nonce,
                        "error": r.error,
                    }
                    for r in active
                ],
                "chain": chain_state,
            }
        )
        return
    out = console()
    where = "-" if deployment is None else f"{deployment.contract} (chain {deployment.chain_id})"
    out.print(f"contract           {where}")
    out.print(f"latest checkpoint  {_opt(checkpoint_size)}")
    out.print(f"last confirmed     {_opt(last_confirmed)}")
    out.print("anchors            " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "-"))
    for r in active:
        error = f": {r.error}" if r.error else ""
        out.print(
            f"pending            size {r.tree_size} {r.status.value} (nonce {r.nonce}){error}"
        )
    if chain_state["reachable"]:
        out.print(
            f"chain              block {chain_state['block_number']}, latest() tree size "
            f"{chain_state['latest_tree_size']}"
        )
    else:
        out.print(f"chain              unreachable: {chain_state['error']}")


def _opt(value: object) -> str:
    return "-" if value is None else str(value)


# ============================================================================================
# the anchoring key and key rotation
# ============================================================================================


@key_app.command("create")
def key_create(ctx: typer.Context) -> None:
    """Create the anchoring keystore (and its password file, unless TAMGA_ANCHOR_KEY_PASSWORD is
    set) if missing; print its address. Fund it and grant it ANCHOR_ROLE on a real chain."""
    settings = runtime(ctx).settings
    address, created = ensure_anchor_key(settings)
    state = "created" if created else "existing"
    console().print(f"anchoring key {address} ({state} keystore {anchor_key_file(settings)})")


@key_app.command("show")
def key_show(ctx: typer.Context) -> None:
    """Print the anchoring key's address (opens the keystore)."""
    settings = runtime(ctx).settings
    console().print(load_anchor_account(settings).address)


AdminKeyOption = Annotated[
    Path | None,
    typer.Option(
        "--admin-key",
        help="Keystore (JSON v3) of the contract's admin key, if it is not the anchoring key "
        "(it should not be, on a real chain).",
    ),
]
AdminPasswordOption = Annotated[
    Path | None,
    typer.Option("--admin-password-file", help="File holding the --admin-key keystore password."),
]


def _admin_account(
    settings: Settings, key_file: Path | None, password_file: Path | None
) -> LocalAccount:
    """The key that signs admin transactions: --admin-key, else the anchoring key.

    Raises:
        ConfigError: --admin-key without --admin-password-file.
        SigningKeyError: the keystore cannot be opened.
    """
    if key_file is None:
        return load_anchor_account(settings)
    if password_file is None:
        raise ConfigError("--admin-key needs --admin-password-file")
    return load_account(key_file=key_file, password_file=password_file)


def _checked_address(address: str) -> str:
    if not is_address(address):
        raise RuleViolation(
            field="address",
            rule="evm-address",
            paragraph="EIP-55",
            message=f"{address!r} is not an EVM address",
        )
    return to_checksum_address(address)


def _admin_transaction(
    ctx: typer.Context,
    admin: tuple[Path | None, Path | None],
    call: Callable[[AnchorContract], bytes],
    after: Callable[[AnchorContract], object],
) -> tuple[SentTransaction, object]:
    """Send the admin call ``call(contract)`` signed by the admin key; return the sent
    transaction and ``after(contract)`` read once it is mined."""
    rt = runtime(ctx)
    settings, clock = rt.settings, rt.clock
    account = _admin_account(settings, *admin)
    with open_ledger(rt) as ledger:
        store = AnchoringDatabase(ledger=ledger).anchors
        with open_anchoring(settings, store=store, clock=clock, deploy=False) as anchoring:
            contract = anchoring.contract
            sent = send_transaction(
                anchoring.chain,
                account,
                to=contract.address,
                data=call(contract),
                chain_id=anchoring.deployment.chain_id,
            )
            return sent, after(contract)


def _role_command(
    ctx: typer.Context, address: str, *, grant: bool, admin: tuple[Path | None, Path | None]
) -> None:
    checked = _checked_address(address)
    sent, holds = _admin_transaction(
        ctx,
        admin,
        lambda c: c.calldata("grantRole" if grant else "revokeRole", ANCHOR_ROLE, checked),
        lambda c: c.has_role(ANCHOR_ROLE, checked),
    )
    verb = "granted to" if grant else "revoked from"
    console().print(
        f"ANCHOR_ROLE {verb} {checked} (tx {sent.tx_hash}, block "
        f"{sent.receipt.block_number}); holds it now: {holds}"
    )


@anchor_app.command("grant")
def anchor_grant(
    ctx: typer.Context,
    address: Annotated[str, typer.Argument(help="The new anchoring key.")],
    admin_key: AdminKeyOption = None,
    admin_password_file: AdminPasswordOption = None,
) -> None:
    """Grant ANCHOR_ROLE to ADDRESS, signed by the admin key (--admin-key, else the configured
    anchoring key as role admin). Key rotation: grant the new key, switch
    TAMGA_ANCHOR_KEY_FILE, revoke the old one (docs/recovery.md)."""
    _role_command(ctx, address, grant=True, admin=(admin_key, admin_password_file))


@anchor_app.command("revoke")
def anchor_revoke(
    ctx: typer.Context,
    address: Annotated[str, typer.Argument(help="The retired key.")],
    admin_key: AdminKeyOption = None,
    admin_password_file: AdminPasswordOption = None,
) -> None:
    """Revoke ANCHOR_ROLE from ADDRESS, signed by the admin key (--admin-key, else the
    configured anchoring key as role admin)."""
    _role_command(ctx, address, grant=False, admin=(admin_key, admin_password_file))


def _signer_command(
    ctx: typer.Context, address: str, *, allowed: bool, admin: tuple[Path | None, Path | None]
) -> None:
    checked = _checked_address(address)
    sent, registered = _admin_transaction(
        ctx,
        admin,
        lambda c: c.set_checkpoint_signer_calldata(checked, allowed=allowed),
        lambda c: c.is_checkpoint_signer(checked),
    )
    verb = "registered" if allowed else "revoked"
    console().print(
        f"checkpoint signer {checked} {verb} (CheckpointSignerSet, tx {sent.tx_hash}, block "
        f"{sent.receipt.block_number}); registered now: {registered}"
    )


@signer_app.command("add")
def signer_add(
    ctx: typer.Context,
    address: Annotated[str, typer.Argument(help="The node's (new) checkpoint key.")],
    admin_key: AdminKeyOption = None,
    admin_password_file: AdminPasswordOption = None,
) -> None:
    """Register ADDRESS as a checkpoint signer: the contract accepts checkpoints it signs.
    Node key rotation: add the new key, switch TAMGA_KEY_FILE, then remove the old one."""
    _signer_command(ctx, address, allowed=True, admin=(admin_key, admin_password_file))


@signer_app.command("remove")
def signer_remove(
    ctx: typer.Context,
    address: Annotated[str, typer.Argument(help="The retired or stolen checkpoint key.")],
    admin_key: AdminKeyOption = None,
    admin_password_file: AdminPasswordOption = None,
) -> None:
    """Revoke ADDRESS as a checkpoint signer: checkpoints it signs are refused from now on."""
    _signer_command(ctx, address, allowed=False, admin=(admin_key, admin_password_file))


@signer_app.command("list")
def signer_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every CheckpointSignerSet event of the contract (the history of the node checkpoint
    keys) and which keys are registered now."""
    rt = runtime(ctx)
    settings, clock = rt.settings, rt.clock
    with open_ledger(rt) as ledger:
        store = AnchoringDatabase(ledger=ledger).anchors
        with open_anchoring(settings, store=store, clock=clock, deploy=False) as anchoring:
            contract = anchoring.contract
            events = contract.signer_events(from_block=anchoring.deployment.deploy_block)
            current = {e.signer: contract.is_checkpoint_signer(e.signer) for e in events}
    if as_json:
        echo_json(
            {
                "events": [
                    {
                        "signer": e.signer,
                        "allowed": e.allowed,
                        "tx_hash": e.tx_hash,
                        "block_number": e.block_number,
                    }
                    for e in events
                ],
                "registered": sorted(k for k, v in current.items() if v),
            }
        )
        return
    table = Table("block", "signer", "change", "tx")
    for e in events:
        table.add_row(
            str(e.block_number), e.signer, "registered" if e.allowed else "revoked", e.tx_hash
        )
    console().print(table)
    registered = sorted(k for k, v in current.items() if v)
    console().print(f"registered now: {', '.join(registered) or 'none'}")


# ============================================================================================
# tamga up
# ============================================================================================


def make_up_command(app_factory: AppFactory) -> Callable[[typer.Context], None]:
    """The `tamga up` command serving ``app_factory(settings)`` (node/cli/root.py: the API)."""

    def up(ctx: typer.Context) -> None:
        """Run the node: HTTP API, scheduled checkpoints and anchoring, until Ctrl-C/SIGTERM.

        Without TAMGA_RPC_URL it starts its own anvil on a free loopback port (state under
        <data dir>/anvil), deploys the anchor contract once and remembers it; with TAMGA_RPC_URL,
        TAMGA_CHAIN_ID and TAMGA_CONTRACT_ADDRESS it uses that chain and contract. Prints the
        URL it serves and every confirmed anchor.
        """
        rt = runtime(ctx)
        settings, clock = rt.settings, rt.clock
        _logging(logging.INFO)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        mode = "remote chain" if configured_chain(settings) else "local anvil"
        print_line(f"tamga up ({mode}), data directory {settings.data_dir.resolve()}")
        demo_staff = settings.data_dir / DEMO_STAFF_FILE
        if demo_staff.is_file():
            token = demo_staff.read_text(encoding="ascii").strip()
            print_line(f"demo staff      Demo registrar, token {token} (sign in at /workbench)")
        run_node(settings, clock=clock, app_factory=app_factory, announce=print_line)

    return up
