"""The digital register of miners over HTTP (Law art. 13-16): public reads, regulator writes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from api.deps import get_runtime
from api.models import (
    EventIn,
    MinerList,
    MinerOut,
    MinerRegistrationIn,
    MinerStats,
    StateProofOut,
)
from api.problems import problem_responses
from api.runtime import ApiRuntime
from api.staff import recorded_by
from api.views import (
    CheckpointQuery,
    decode_cursor,
    encode_cursor,
    history_response,
    json_response,
    state_proof_response,
)
from api.writes import (
    Body,
    Regulator,
    _data,
    _effective,
    _extra_members,
    _section,
    body_schema,
    idempotent,
)
from node.domain.filings import parse_miner_filing
from node.domain.miners import MinerState, MinerStatus, region_stats
from node.domain.regno import Region
from node.errors import NotFound
from node.services import miners as service
from node.types import RequestId

router = APIRouter(prefix="/v1")
Runtime = Annotated[ApiRuntime, Depends(get_runtime)]
Certificate = Annotated[
    str,
    Path(
        pattern=r"^MN-[1-9]-[0-9]{6}$",
        description="The miner's certificate number.",
        examples=["MN-2-000001"],
    ),
]


def _serial(certificate: str) -> int:
    return int(certificate.rsplit("-", 1)[1])


@router.get(
    "/miners",
    response_model=MinerList,
    summary="The register of miners",
    tags=["public"],
    responses=problem_responses(400, 422, 429, 503),
)
def list_miners(
    rt: Runtime,
    region: Annotated[Region | None, Query(description="A site in this Annex 7 region.")] = None,
    status: Annotated[MinerStatus | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name.")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_-]*$", description="Next page.")
    ] = None,
) -> Response:
    """Miners by certificate number (Law art. 14-15: the register is public)."""
    miners = rt.index.current().miners
    fingerprint = repr((region, status, (q or "").casefold()))
    after = decode_cursor(cursor, fingerprint)
    needle = (q or "").strip().casefold()
    items: list[dict[str, Any]] = []
    more = False
    for certificate in sorted(miners, key=_serial):
        miner = miners[certificate]
        if after is not None and _serial(certificate) <= after:
            continue
        if region is not None and all(s.region is not region for s in miner.sites):
            continue
        if status is not None and miner.status is not status:
            continue
        if needle and needle not in miner.name.casefold():
            continue
        if len(items) == limit:
            more = True
            break
        items.append(miner.to_record())
    next_cursor = (
        encode_cursor(_serial(items[-1]["certificate"]), fingerprint) if more and items else None
    )
    return json_response({"items": items, "page": {"limit": limit, "next_cursor": next_cursor}})


@router.get(
    "/miners/stats",
    response_model=MinerStats,
    summary="Miners by region",
    tags=["public"],
    responses=problem_responses(429, 503),
)
def miner_stats(rt: Runtime) -> Response:
    """Miners working now in each Annex 7 region, their installed power (kW) and hash rate
    (TH/s) (Law art. 15 items 1, 3, 5)."""
    stats = region_stats(rt.index.current().miners.values())
    return json_response({"regions": [s.to_record() for s in stats]})


def _miner(rt: ApiRuntime, certificate: str) -> MinerState:
    found = rt.index.current().miners.get(certificate)
    if found is None:
        raise NotFound(kind="miner", key=certificate)
    return found


@router.get(
    "/miners/{certificate}",
    response_model=MinerOut,
    summary="One miner",
    tags=["public"],
    responses=problem_responses(404, 422, 429, 503),
)
def get_miner(rt: Runtime, certificate: Certificate) -> Response:
    """A miner's public record (Law art. 14, 16)."""
    return json_response(_miner(rt, certificate).to_record())


@router.get(
    "/miners/{certificate}/history",
    summary="Log entries about a miner",
    tags=["public"],
    responses=problem_responses(404, 422, 429, 503),
)
def miner_history(rt: Runtime, certificate: Certificate) -> Response:
    """Every log entry about the miner, oldest first."""
    _miner(rt, certificate)
    return history_response(rt.db, certificate)


@router.get(
    "/miners/{certificate}/state-proof",
    response_model=StateProofOut,
    summary="Proof of a miner's state at a checkpoint",
    tags=["public"],
    responses=problem_responses(404, 422, 429, 503),
)
def miner_state_proof(
    rt: Runtime,
    certificate: Certificate,
    checkpoint: CheckpointQuery = None,
) -> Response:
    """Inclusion of the miner's public record in the checkpoint's state tree, the one tree over
    emissions and miners: its status and the dates of its right to mine as of that checkpoint."""
    return state_proof_response(rt.db, certificate, checkpoint)


def miner_written_json(written: service.MinerWritten) -> dict[str, Any]:
    """The answer to a miner write: certificate, entry kind and index, log size, the miner."""
    return {
        "certificate": written.certificate,
        "kind": written.kind,
        "index": written.index,
        "tree_size": written.size,
        "miner": written.miner.to_record(),
    }


@router.post(
    "/miners",
    status_code=201,
    summary="Register a miner (regulator)",
    tags=["writes"],
    openapi_extra=body_schema(MinerRegistrationIn),
    responses={
        201: {"description": "Registered: the certificate is issued (Law art. 14, 15.2)"},
        **problem_responses(401, 403, 409, 413, 415, 422, 429, 503),
    },
)
def register_miner(request: Request, rt: Runtime, principal: Regulator, body: Body) -> Response:
    """A complete, valid filing is registered at once, without human discretion, and its
    certificate issued (Law art. 14, 15.2, 16.2); anything else is refused naming the field
    and the rule."""

    def action(request_id: RequestId | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        _extra_members(body, {"filing", "effective_on"}, "Law art. 16.2")
        written = service.register_miner(
            rt.db,
            filing=parse_miner_filing(_section(body, "filing", paragraph="Law art. 16.2")),
            effective_on=_effective(body.get("effective_on"), "effective_on"),
            request=request_id,
            recorded_by=recorded_by(rt, principal),
        )
        location = {"location": f"/v1/miners/{written.certificate}"}
        return 201, miner_written_json(written), location

    return idempotent(request, rt, principal, body, action)


@router.post(
    "/miners/{certificate}/events",
    status_code=201,
    summary="Record a miner event (regulator)",
    tags=["writes"],
    openapi_extra=body_schema(EventIn),
    responses={
        201: {"description": "Recorded"},
        **problem_responses(401, 403, 404, 409, 413, 415, 422, 429, 503),
    },
)
def miner_event(
    request: Request, rt: Runtime, principal: Regulator, body: Body, certificate: Certificate
) -> Response:
    """A change of data, suspension, resumption, termination, information request or answer
    (Law art. 14, 16.2 item 7)."""

    def action(request_id: RequestId | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        _extra_members(body, {"kind", "effective_on", "data"}, "docs/export-format.md")
        written = service.record_miner_event(
            rt.db,
            certificate=certificate,
            kind=str(_section(body, "kind", paragraph="docs/export-format.md")),
            data=_data(body),
            effective_on=_effective(body.get("effective_on"), "effective_on"),
            request=request_id,
            recorded_by=recorded_by(rt, principal),
        )
        return 201, miner_written_json(written), {}

    return idempotent(request, rt, principal, body, action)
