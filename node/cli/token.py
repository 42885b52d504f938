"""`tamga token create|list|revoke`: scoped, revocable API tokens, stored hashed."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from api.auth import (
    ROLE_SCOPES,
    TOKEN_ID_BYTES,
    TOKEN_SECRET_BYTES,
    IssuedToken,
    Role,
    Scope,
    TokenKind,
    make_token,
    parse_scopes,
)
from api.store import ApiStore, TokenRecord
from node.cli.runtime import runtime
from node.clock import Clock
from node.errors import ConfigError
from node.ledger.service import Ledger
from node.settings import Settings

token_app = typer.Typer(
    help="API tokens: create (shown once, stored hashed), list, revoke.", no_args_is_help=True
)


def _open(settings: Settings, clock: Clock) -> tuple[Ledger, ApiStore]:
    ledger = Ledger.open(settings, clock=clock)
    try:
        ledger.require_initialized()
    except Exception:
        ledger.close()
        raise
    return ledger, ApiStore(ledger.store.engine)


def _record_json(record: TokenRecord) -> dict[str, Any]:
    return {
        "id": record.token_id,
        "name": record.name,
        "kind": record.kind.value,
        "role": record.role.value,
        "issuer": record.issuer,
        "wallet": record.wallet,
        "scopes": sorted(s.value for s in record.scopes),
        "created_at": record.created_at,
        "expires_at": record.expires_at,
        "revoked_at": record.revoked_at,
    }


DEMO_STAFF_FILE = "demo-staff-token"
"""In the data directory: the demo registrar's token, made by `tamga demo` for the workbench."""


def issue_token(
    store: ApiStore,
    clock: Clock,
    *,
    role: Role,
    name: str,
    scopes: frozenset[Scope],
    issuer: str | None = None,
    expires_days: int | None = None,
) -> IssuedToken:
    """Make and store a personal API token; only its digest is kept, the text is returned once.

    Raises:
        StorageError: the database refused.
    """
    issued = make_token(secrets.token_bytes(TOKEN_ID_BYTES + TOKEN_SECRET_BYTES))
    now = clock.now()
    store.add_token(
        token_id=issued.token_id,
        name=name,
        kind=TokenKind.TOKEN,
        role=role,
        scopes=scopes,
        secret_hash=issued.secret_hash,
        created_at=now,
        issuer=issuer,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    return issued


@token_app.command("create")
def create(
    ctx: typer.Context,
    role: Annotated[Role, typer.Option("--role", help="regulator, issuer or auditor.")],
    name: Annotated[str, typer.Option("--name", help="Who or what holds the token.")],
    issuer: Annotated[
        str | None, typer.Option("--issuer", help="Issuer code (required for --role issuer).")
    ] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="Limit to these scopes (repeat); default: all of the role's."),
    ] = None,
    expires_days: Annotated[
        int | None, typer.Option("--expires-days", min=1, help="Expire after N days.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Create a token; its text is printed once and only its SHA-256 digest is stored."""
    rt = runtime(ctx)
    settings, clock = rt.settings, rt.clock
    if not name.strip() or len(name) > 200:
        raise ConfigError("--name must be 1-200 characters")
    if role is Role.ISSUER and issuer is None:
        raise ConfigError("an issuer token needs --issuer CODE")
    if role is not Role.ISSUER and issuer is not None:
        raise ConfigError("--issuer is only for --role issuer")
    try:
        scopes = parse_scopes(role, scope)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    ledger, store = _open(settings, clock)
    try:
        if issuer is not None:
            ledger.issuer(issuer)  # NotFound for an unknown issuer
        issued = issue_token(
            store,
            clock,
            role=role,
            name=name.strip(),
            scopes=scopes,
            issuer=issuer,
            expires_days=expires_days,
        )
        record = store.token(issued.token_id)
    finally:
        ledger.close()
    assert record is not None
    if as_json:
        typer.echo(json.dumps({"token": issued.text, **_record_json(record)}, indent=2))
        return
    typer.echo(issued.text)
    typer.echo(
        f"token {record.token_id} ({role.value}"
        + (f" of {issuer}" if issuer else "")
        + f"; scopes {' '.join(sorted(s.value for s in scopes))}) created; "
        "the text above is shown only once",
        err=True,
    )


@token_app.command("list")
def list_tokens(
    ctx: typer.Context,
    sessions: Annotated[
        bool, typer.Option("--sessions", help="Include wallet sign-in sessions.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """List tokens (never their secrets)."""
    rt = runtime(ctx)
    settings, clock = rt.settings, rt.clock
    ledger, store = _open(settings, clock)
    try:
        records = store.tokens(include_sessions=sessions)
    finally:
        ledger.close()
    if as_json:
        typer.echo(json.dumps([_record_json(r) for r in records], indent=2))
        return
    table = Table(title="API tokens")
    for column in ("id", "name", "role", "issuer", "scopes", "created", "expires", "revoked"):
        table.add_column(column)
    for r in records:
        table.add_row(
            r.token_id,
            r.name,
            r.role.value,
            r.issuer or "-",
            " ".join(sorted(s.value for s in r.scopes)),
            r.created_at,
            r.expires_at or "-",
            r.revoked_at or "-",
        )
    Console(width=200).print(table)


@token_app.command("revoke")
def revoke(ctx: typer.Context, token_id: Annotated[str, typer.Argument(help="Token id.")]) -> None:
    """Revoke a token: requests with it are refused (401) from now on."""
    rt = runtime(ctx)
    settings, clock = rt.settings, rt.clock
    ledger, store = _open(settings, clock)
    try:
        record = store.revoke_token(token_id, at=clock.now())
    finally:
        ledger.close()
    typer.echo(f"token {record.token_id} revoked at {record.revoked_at}")


__all__ = ["ROLE_SCOPES", "token_app"]
