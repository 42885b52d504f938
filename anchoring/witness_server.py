"""The witness's HTTP interface (c2sp.org/tlog-witness): a minimal Starlette app under uvicorn."""

from __future__ import annotations

import logging
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from anchoring.witness import MAX_BODY_BYTES, Witness, WitnessError

logger = logging.getLogger("tamga.witness")
NOTE_CONTENT_TYPE = "text/plain; charset=utf-8"


def witness_app(witness: Witness) -> Starlette:
    """``POST /add-checkpoint`` (the submission prefix is the root), ``GET /checkpoint/<origin>``
    (the latest cosigned checkpoint of a log) and ``GET /key`` (the witness's vkey)."""

    async def add_checkpoint(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _refusal(WitnessError(400, f"request body larger than {MAX_BODY_BYTES} bytes"))
        try:
            lines = await run_in_threadpool(witness.add_checkpoint, body)
        except WitnessError as exc:
            return _refusal(exc)
        return PlainTextResponse(lines, media_type=NOTE_CONTENT_TYPE)

    async def checkpoint(request: Request) -> Response:
        origin = request.path_params["origin"]
        try:
            note = await run_in_threadpool(witness.latest_note, origin)
        except WitnessError as exc:
            return _refusal(exc)
        return PlainTextResponse(note, media_type=NOTE_CONTENT_TYPE)

    async def key(_request: Request) -> Response:
        return PlainTextResponse(witness.signer.verifier.encode() + "\n")

    return Starlette(
        routes=[
            Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
            Route("/checkpoint/{origin:path}", checkpoint, methods=["GET"]),
            Route("/key", key, methods=["GET"]),
        ]
    )


def _refusal(exc: WitnessError) -> Response:
    logger.info("add-checkpoint refused: %s %s", exc.status, exc.message)
    # Exactly the content type c2sp.org/tlog-witness names (no charset appended to it).
    return Response(
        exc.body.encode("utf-8"),
        status_code=exc.status,
        headers={"Content-Type": exc.content_type},
    )


def serve_witness(witness: Witness, *, host: str, port: int, port_file: Path | None = None) -> None:
    """Run the witness until SIGINT/SIGTERM; with ``port_file``, write the bound port there
    (useful with ``port=0``).

    Raises:
        OSError: the address cannot be bound.
    """
    config = uvicorn.Config(
        witness_app(witness), host=host, port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    if port_file is None:
        server.run()
        return

    original = server.startup

    async def startup(sockets: object = None) -> None:
        await original(sockets=sockets)  # type: ignore[arg-type]
        bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
        temporary = port_file.with_suffix(".tmp")
        temporary.write_text(f"{bound}\n")
        temporary.replace(port_file)

    server.startup = startup  # type: ignore[method-assign]
    server.run()
