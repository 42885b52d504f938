"""`tamga witness init|serve|key`: run a standalone C2SP witness."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from anchoring.witness import Witness, init_witness, load_witness_signer, parse_log_options
from anchoring.witness_server import serve_witness
from node.clock import SystemClock

witness_app = typer.Typer(
    help="A standalone C2SP tlog-witness: cosigns consistent checkpoints of configured logs.",
    no_args_is_help=True,
)
DirArgument = Annotated[Path, typer.Argument(help="The witness's directory (key and state).")]


@witness_app.command("init")
def init(
    directory: DirArgument,
    name: Annotated[str, typer.Option("--name", help="Key name, e.g. witness.example/w1.")],
) -> None:
    """Create the directory and a new Ed25519 cosigner key; print the witness's vkey."""
    key = init_witness(directory, name=name)
    typer.echo(key.encode())


@witness_app.command("key")
def key(directory: DirArgument) -> None:
    """Print the witness's vkey (<name>+<hex key ID>+<base64(0x04 ‖ public key)>)."""
    typer.echo(load_witness_signer(directory).verifier.encode())


@witness_app.command("serve")
def serve(
    directory: DirArgument,
    log: Annotated[
        list[str],
        typer.Option("--log", help="A log to witness: ORIGIN=VKEY (repeat; Ed25519 note keys)."),
    ],
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (0: any free port).")] = 8090,
    port_file: Annotated[
        Path | None, typer.Option("--port-file", help="Write the bound port to this file.")
    ] = None,
) -> None:
    """Serve POST /add-checkpoint and GET /checkpoint/<origin> until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    witness = Witness(
        directory=directory,
        signer=load_witness_signer(directory),
        logs=parse_log_options(log),
        clock=SystemClock(),
    )
    typer.echo(f"witness {witness.signer.verifier.encode()} on {host}:{port}", err=True)
    serve_witness(witness, host=host, port=port, port_file=port_file)


if __name__ == "__main__":  # `python -m node.cli.witness`: what `tamga up` starts
    witness_app()
