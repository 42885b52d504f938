"""The register of licensed service providers over HTTP (Law art. 30.6): public reads, the
answer to "was X licensed on D for S" with its state proof, regulator writes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from api.deps import get_runtime
from api.models import EventIn, StateProofOut, VaspApplicationIn
from api.problems import problem_responses
from api.runtime import ApiRuntime
from api.staff import recorded_by
from api.views import (
    CheckpointQuery,
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
from node.domain.entries import VaspService
from node.domain.filings import parse_vasp_filing
from node.domain.vasps import LicenceState, LicenceStatus
from node.errors import NotFound
from node.services import log
from node.services import vasps as service
from node.types import RequestId

router = APIRouter(prefix="/v1")
Runtime = Annotated[ApiRuntime, Depends(get_runtime)]
Number = Annotated[
    str,
    Path(
        pattern=r"^LIC-[0-9]{6}$",
        description="The licence (application) number.",
        examples=["LIC-000001"],
    ),
]


def _licence(rt: ApiRuntime, number: str) -> LicenceState:
    found = rt.index.current().licences.get(number)
    if found is None:
        raise NotFound(kind="licence", key=number)
    return found


@router.get(
    "/licences",
    summary="The register of service providers",
    tags=["public"],
    responses=problem_responses(422, 429, 503),
)
def list_licences(
    rt: Runtime,
    status: Annotated[LicenceStatus | None, Query()] = None,
    service_in_force: Annotated[
        VaspService | None, Query(alias="service", description="A service covered now.")
    ] = None,
) -> Response:
    """Current licences, their services and restrictions, suspensions and revocations with their
    dates (Law art. 30.6); founders, managers and beneficial owners never appear."""
    found = sorted(rt.index.current().licences.values(), key=lambda lic: lic.licence)
    if status is not None:
        found = [lic for lic in found if lic.status is status]
    if service_in_force is not None:
        found = [lic for lic in found if service_in_force in lic.in_force]
    return json_response({"items": [lic.to_record() for lic in found]})


@router.get(
    "/licences/{number}",
    summary="One licence",
    tags=["public"],
    responses=problem_responses(404, 422, 429, 503),
)
def get_licence(rt: Runtime, number: Number) -> Response:
    """A licence's public record (its owners only as a salted commitment)."""
    return json_response(_licence(rt, number).to_record())


@router.get(
    "/licences/{number}/history",
    summary="Log entries about a licence",
    tags=["public"],
    responses=problem_responses(404, 422, 429, 503),
)
def licence_history(rt: Runtime, number: Number) -> Response:
    """Every log entry about the licence, oldest first."""
    _licence(rt, number)
    return history_response(rt.db, number)


@router.get(
    "/licences/{number}/state-proof",
    response_model=StateProofOut,
    summary="Proof of a licence's state at a checkpoint",
    tags=["public"],
    responses=problem_responses(404, 422, 429, 503),
)
def licence_state_proof(
    rt: Runtime,
    number: Number,
    checkpoint: CheckpointQuery = None,
) -> Response:
    """Inclusion of the licence's public record in the checkpoint's state tree."""
    return state_proof_response(rt.db, number, checkpoint)


@router.get(
    "/licences/{number}/covered",
    summary="Was a licence in force for a service on a day?",
    tags=["public"],
    responses=problem_responses(404, 422, 429, 503),
)
def licence_covered(
    rt: Runtime,
    number: Number,
    service_asked: Annotated[VaspService, Query(alias="service")],
    on: Annotated[date, Query(description="The day asked (YYYY-MM-DD).")],
    checkpoint: CheckpointQuery = None,
) -> Response:
    """The answer from the licence's record at a checkpoint, with the state proof of that
    record and the checkpoint's state root: verify the proof, the checkpoint's signature and its
    anchor, and the answer needs no trust in this node (Law art. 30.6)."""
    answer = service.covered(
        rt.db, number=number, service=service_asked, on=on, checkpoint=checkpoint
    )
    row = log.checkpoint(rt.db, size=answer.proof.checkpoint_size)
    return json_response(
        {
            "licence": number,
            "service": service_asked.value,
            "on": on.isoformat(),
            "covered": answer.covered,
            "proof": {**answer.proof.to_json(), "state_root": row.state_root.hex()},
        }
    )


def _written(written: service.LicenceWritten) -> dict[str, Any]:
    return {
        "licence": written.number,
        "kind": written.kind,
        "index": written.index,
        "tree_size": written.size,
        "record": written.licence.to_record(),
    }


@router.post(
    "/licences",
    status_code=201,
    summary="Receive a licence application (regulator)",
    tags=["writes"],
    openapi_extra=body_schema(VaspApplicationIn),
    responses={
        201: {"description": "Received; its number is assigned (Law art. 30.1)"},
        **problem_responses(401, 403, 409, 413, 415, 422, 429, 503),
    },
)
def apply_for_licence(request: Request, rt: Runtime, principal: Regulator, body: Body) -> Response:
    """The application with its documents (SHA-256 each) and owners (kept private)."""

    def action(request_id: RequestId | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        _extra_members(body, {"filing", "effective_on"}, "Law art. 30.1")
        written = service.apply_for_licence(
            rt.db,
            filing=parse_vasp_filing(_section(body, "filing", paragraph="Law art. 30.1")),
            minimum_charter_capital_som=rt.settings.vasp_min_charter_capital_som,
            effective_on=_effective(body.get("effective_on"), "effective_on"),
            request=request_id,
            recorded_by=recorded_by(rt, principal),
        )
        return 201, _written(written), {"location": f"/v1/licences/{written.number}"}

    return idempotent(request, rt, principal, body, action)


@router.post(
    "/licences/{number}/events",
    status_code=201,
    summary="Record a licence event (regulator)",
    tags=["writes"],
    openapi_extra=body_schema(EventIn),
    responses={
        201: {"description": "Recorded"},
        **problem_responses(401, 403, 404, 409, 413, 415, 422, 429, 503),
    },
)
def licence_event(
    request: Request, rt: Runtime, principal: Regulator, body: Body, number: Number
) -> Response:
    """Documents supplemented, the licence granted or refused, activity reported, a measure
    applied or lifted, revocation (Law art. 30-32)."""

    def action(request_id: RequestId | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        _extra_members(body, {"kind", "effective_on", "data"}, "docs/export-format.md")
        written = service.record_licence_event(
            rt.db,
            number=number,
            kind=str(_section(body, "kind", paragraph="docs/export-format.md")),
            data=_data(body),
            effective_on=_effective(body.get("effective_on"), "effective_on"),
            request=request_id,
            recorded_by=recorded_by(rt, principal),
        )
        return 201, _written(written), {}

    return idempotent(request, rt, principal, body, action)
