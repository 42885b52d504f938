"""Operations: /healthz (the process answers), /readyz (database and chain), /metrics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from anchoring.chain import Chain
from api.deps import get_runtime
from api.runtime import ApiRuntime
from api.views import dumps
from node.errors import RegistryError

router = APIRouter(tags=["operations"])
Runtime = Annotated[ApiRuntime, Depends(get_runtime)]
CHAIN_TIMEOUT_SECONDS = 2.0


@router.get("/healthz", summary="Liveness")
async def healthz() -> Response:
    """200 while the process serves requests (it checks nothing else)."""
    return Response(content=b'{"status":"ok"}', media_type="application/json")


@router.get(
    "/readyz",
    summary="Readiness: database and chain",
    responses={503: {"description": "Not ready; the body says which part failed"}},
)
def readyz(rt: Runtime) -> Response:
    """200 when the ledger answers at its current schema and, if a chain RPC is configured,
    the chain answers with the configured chain id; otherwise 503 naming the part."""
    checks: dict[str, Any] = {}
    ready = True
    try:
        rt.ledger.require_initialized()
        size, _ = rt.ledger.head()
        checks["database"] = {"status": "ok", "tree_size": size}
    except RegistryError as exc:
        ready = False
        checks["database"] = {"status": "error", "detail": str(exc)}
    url = rt.settings.rpc_url
    if url is None:
        checks["chain"] = {"status": "not configured"}
    else:
        try:
            chain_id = Chain.open(url, timeout=CHAIN_TIMEOUT_SECONDS).chain_id()
            expected = rt.settings.chain_id
            if expected is not None and chain_id != expected:
                ready = False
                checks["chain"] = {
                    "status": "error",
                    "detail": f"chain id {chain_id}, expected {expected}",
                }
            else:
                checks["chain"] = {"status": "ok", "chain_id": chain_id}
        except RegistryError as exc:
            ready = False
            checks["chain"] = {"status": "error", "detail": str(exc)}
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return Response(
        content=dumps(body), media_type="application/json", status_code=200 if ready else 503
    )


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(rt: Runtime) -> Response:
    """Prometheus text exposition: requests, latency, appends, log size, checkpoint and anchor
    lag."""
    return Response(content=generate_latest(rt.metrics.registry), media_type=CONTENT_TYPE_LATEST)
