"""What every command of `tamga` starts from: the settings and clock built once by the root
callback, and the ledger opened (and closed) from them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from node.clock import Clock
from node.errors import ConfigError

if TYPE_CHECKING:  # loaded when a command runs, not for `tamga --help`
    from eth_account.signers.local import LocalAccount

    from node.ledger.service import Ledger
    from node.settings import Settings


@dataclass(frozen=True)
class CliOverrides:
    """What an embedding caller (tests) may inject through ``obj``: the clock."""

    clock: Clock | None = None


@dataclass(frozen=True)
class Runtime:
    """Settings and clock built once in the root callback and passed to every command."""

    settings: Settings
    clock: Clock


def runtime(ctx: typer.Context) -> Runtime:
    """The runtime the root callback built.

    Raises:
        ConfigError: the command ran without the root callback.
    """
    obj = ctx.find_root().obj
    if not isinstance(obj, Runtime):  # pragma: no cover - the root callback always sets it
        raise ConfigError("the command ran without the root callback")
    return obj


def load_signer(settings: Settings) -> LocalAccount:
    """The node's checkpoint signing key (eth_account loads here, not at start).

    Raises:
        SigningKeyError: the key file or its password is missing or wrong.
    """
    from node.keys import load_account

    return load_account(
        key_file=settings.resolved_key_file, password_file=settings.resolved_key_password_file
    )


@contextmanager
def open_ledger(
    rt: Runtime, *, signer: bool = False, clock: Clock | None = None, initialized: bool = True
) -> Iterator[Ledger]:
    """The ledger of ``rt``'s settings (with the signing key if ``signer``), closed afterwards.

    Raises:
        NotInitialized: ``initialized`` and `tamga init` has not run.
        SigningKeyError, StorageError: the key or the database failed.
    """
    from node.ledger.service import Ledger

    account = load_signer(rt.settings) if signer else None
    ledger = Ledger.open(rt.settings, clock=clock or rt.clock, signer=account)
    try:
        if initialized:
            ledger.require_initialized()
        yield ledger
    finally:
        ledger.close()
