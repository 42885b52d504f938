"""`tamga bundle` and `tamga extract` (node side), and the registration of `tamga audit`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anchoring.bundle import build_bundle
from anchoring.bundle_format import bundle_bytes, bundle_sha256, bundle_url
from anchoring.extract_service import make_extract
from anchoring.service import ChainSource, anchor_source
from anchoring.services import AnchoringDatabase
from node.cli.audit import audit_app
from node.cli.runtime import open_ledger, runtime
from node.errors import ConfigError
from node.ledger.service import Ledger
from node.settings import Settings


def register(app: typer.Typer) -> None:
    """Add `tamga audit …`, `tamga bundle` and `tamga extract` to the node's CLI."""
    app.add_typer(audit_app, name="audit")
    app.command("bundle")(bundle_command)
    app.command("extract")(extract_command)


RpcOption = Annotated[
    str | None,
    typer.Option("--rpc", help="JSON-RPC URL of the chain; default TAMGA_RPC_URL."),
]
ContractOption = Annotated[
    str | None,
    typer.Option("--contract", help="RegistryAnchor address; default TAMGA_CONTRACT_ADDRESS."),
]
CheckpointOption = Annotated[
    int | None,
    typer.Option("--checkpoint", help="Anchored tree size to prove in (default: latest anchor)."),
]
BlockOption = Annotated[
    int | None,
    typer.Option("--block", help="Block to pin the chain reads to (default: the latest)."),
]


def bundle_command(
    ctx: typer.Context,
    regno: Annotated[
        str,
        typer.Argument(
            help="Registration number (or application number), miner's certificate number or "
            "licence number."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the bundle here (default: stdout).")
    ] = None,
    checkpoint: CheckpointOption = None,
    block: BlockOption = None,
    rpc: RpcOption = None,
    contract: ContractOption = None,
) -> None:
    """Write the proof bundle of an emission, miner or licence; its SHA-256 goes to stderr.

    The format is in docs/bundle-format.md."""
    rt = runtime(ctx)
    with open_ledger(rt) as ledger:
        source = _chain(rt.settings, ledger, rpc=rpc, contract=contract)
        bundle = build_bundle(
            ledger,
            regno,
            chain=source.chain,
            checkpoint_size=checkpoint,
            block=block,
            from_block=source.from_block,
        )
    data = bundle_bytes(bundle)
    sha = bundle_sha256(data)
    if out is None:
        typer.echo(data.decode("utf-8"))
    else:
        _write(out, data)
    typer.echo(f"sha256 {sha}", err=True)
    typer.echo(f"url    {bundle_url(rt.settings.api_public_url, bundle, sha256=sha)}", err=True)


def extract_command(
    ctx: typer.Context,
    regno: Annotated[
        str,
        typer.Argument(
            help="Registration number (or application number), miner's certificate number or "
            "licence number."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="The PDF file to write.")],
    bundle_out: Annotated[
        Path | None, typer.Option("--bundle-out", help="Also write the bundle the QR names.")
    ] = None,
    checkpoint: CheckpointOption = None,
    block: BlockOption = None,
    rpc: RpcOption = None,
    contract: ContractOption = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Public API URL for the QR code; default from settings."),
    ] = None,
) -> None:
    """Print the extract of an emission, miner or licence as a PDF from its verified bundle.

    Reg. §61 for emissions; the certificate of Law art. 14; the licence of Law art. 30.4."""
    rt = runtime(ctx)
    with open_ledger(rt) as ledger:
        source = _chain(rt.settings, ledger, rpc=rpc, contract=contract)
        extract = make_extract(
            ledger,
            regno,
            chain=source.chain,
            base_url=base_url or rt.settings.api_public_url,
            printed_at=rt.clock.now(),
            calendar=ledger.calendar,
            checkpoint_size=checkpoint,
            block=block,
            from_block=source.from_block,
        )
    _write(out, extract.pdf)
    if bundle_out is not None:
        _write(bundle_out, extract.bundle_bytes)
    typer.echo(f"extract {out} for {extract.bundle.key}")
    typer.echo(f"sha256  {extract.sha256}")
    typer.echo(f"url     {extract.url}")


def _chain(
    settings: Settings, ledger: Ledger, *, rpc: str | None, contract: str | None
) -> ChainSource:
    store = AnchoringDatabase(ledger=ledger).anchors
    source = anchor_source(settings, store, rpc=rpc, contract=contract)
    if source is None:
        raise ConfigError(
            "no chain to read the anchors from: give --rpc and --contract "
            "(or set TAMGA_RPC_URL and TAMGA_CONTRACT_ADDRESS, or run `tamga up`)"
        )
    return source


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc
