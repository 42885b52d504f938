"""Reports over HTTP: the burned-supply report (JSON and CSV, computed from a log prefix by the
same service as `tamga report supply`) and its publication, which records the CSV's SHA-256 in
the log (``report.published``) so anyone can check a copy (`tamga audit report`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from api.auth import Principal, Scope
from api.deps import get_runtime, require
from api.problems import problem_responses
from api.runtime import ApiRuntime
from api.staff import recorded_by
from api.views import JSON, dumps
from api.writes import Body, Regulator, idempotent
from node.domain.model import dec_str
from node.domain.supply import SUPPLY_MEDIA_TYPE, SupplyReport, supply_csv
from node.errors import RuleViolation
from node.services import reports
from node.types import RequestId

router = APIRouter(prefix="/v1", tags=["reports"])
Runtime = Annotated[ApiRuntime, Depends(get_runtime)]
Reader = Annotated[Principal, Depends(require(Scope.EXPORTS_READ))]
SizeQuery = Annotated[
    int | None,
    Query(ge=0, description="Log size to compute at; default: the latest signed checkpoint."),
]


def _dec(value: Any) -> str | None:
    return None if value is None else dec_str(value)


def supply_json(report: SupplyReport) -> dict[str, Any]:
    """The burned-supply report as JSON (VAs as decimal strings, base units as read)."""
    rows = []
    for e in report.emissions:
        c = e.chain
        rows.append(
            {
                "emission": e.key,
                "application_no": e.application_no,
                "name": e.name,
                "symbol": e.symbol,
                "register": {
                    "partial_burns": str(e.partial_burns),
                    "unplaced_cancelled": str(e.unplaced_cancelled),
                    "burned": str(e.register_burned),
                },
                "chain": None
                if c is None
                else {
                    "burned": _dec(e.chain_burned),
                    "locked": _dec(c.vas(c.locked)),
                    "total_supply": _dec(c.vas(c.total_supply)),
                    "decimals": c.decimals,
                    "chain_id": c.chain_id,
                    "block_number": c.block_number,
                    "block_hash": c.block_hash,
                    "block_time": c.block_time,
                    "scanned_to": c.scanned_to,
                    "entry": c.entry,
                },
                "difference": _dec(e.difference),
            }
        )
    return {
        "report": "supply",
        "tree_size": report.size,
        "emissions": rows,
        "total": {
            "partial_burns": str(report.partial_burns),
            "unplaced_cancelled": str(report.unplaced_cancelled),
            "register_burned": str(report.register_burned),
            "chain_burned": dec_str(report.chain_burned),
            "chain_locked": dec_str(report.chain_locked),
            "difference": dec_str(report.difference),
        },
    }


def csv_response(report: SupplyReport) -> Response:
    """The report's CSV, named after the log size it was computed at."""
    return Response(
        content=supply_csv(report),
        media_type=SUPPLY_MEDIA_TYPE,
        headers={
            "content-disposition": f'attachment; filename="supply-{report.size}.csv"',
            "cache-control": "no-store",
        },
    )


@router.get(
    "/reports/supply",
    summary="Burned supply: register vs chain (auditor, regulator)",
    responses=problem_responses(401, 403, 422, 429, 503),
)
def supply(rt: Runtime, principal: Reader, size: SizeQuery = None) -> Response:
    """Per emission and in total: burns entered in the register (partial burns, Reg. §45-46;
    unplaced VAs cancelled, Reg. §45), burns seen on chain (Transfer to 0x0) and VAs in locked
    sinks from the latest verification reading with the block it was read at, and the
    difference, computed from the log's first `size` entries."""
    report = reports.supply(rt.db, size=size)
    return Response(content=dumps(supply_json(report)), media_type=JSON)


@router.get(
    "/reports/supply.csv",
    summary="Burned supply as CSV (auditor, regulator)",
    responses={
        200: {"content": {"text/csv": {}}, "description": "RFC 4180, one row per emission"},
        **problem_responses(401, 403, 422, 429, 503),
    },
)
def supply_csv_route(rt: Runtime, principal: Reader, size: SizeQuery = None) -> Response:
    """The same figures as CSV; the same log size always gives the same bytes."""
    return csv_response(reports.supply(rt.db, size=size))


@router.post(
    "/reports/supply/publications",
    status_code=201,
    summary="Publish the burned-supply CSV: record its SHA-256 in the log (regulator)",
    responses={
        201: {"description": "Published: a `report.published` entry"},
        **problem_responses(401, 403, 409, 413, 415, 422, 429, 503),
    },
)
def publish_supply(request: Request, rt: Runtime, principal: Regulator, body: Body) -> Response:
    """Computes the CSV at `size` (body member; default: the latest signed checkpoint) and
    appends a `report.published` entry with its SHA-256, length and the size, attributed to the
    person of a workbench session. The body is `{}` or `{"size": N}`."""

    def action(request_id: RequestId | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        size = body.get("size")
        if (size is not None and type(size) is not int) or set(body) - {"size"}:
            raise RuleViolation(
                field="size",
                rule="request-schema",
                paragraph="OpenAPI /openapi.json",
                message='the body is {} or {"size": N}',
            )
        published = reports.publish_supply(
            rt.db, size=size, recorded_by=recorded_by(rt, principal), request=request_id
        )
        rt.metrics.appends.labels(published.entry.kind).inc()
        payload = {
            "index": published.index,
            "tree_size": published.tree_size,
            "entry": published.entry.model_dump(mode="json"),
        }
        return 201, payload, {}

    return idempotent(request, rt, principal, body, action)
