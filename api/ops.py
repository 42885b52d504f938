"""Operations: /healthz (the process answers), /readyz (by role: database, replica, job lease,
chain), /metrics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from anchoring.chain import Chain
from anchoring.runner import RunnerState
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
    summary="Readiness by role: database, replica, job lease, chain",
    responses={503: {"description": "Not ready; the body says which part failed"}},
)
def readyz(rt: Runtime) -> Response:
    """200 when this node can do its part (``TAMGA_ROLE``); otherwise 503 naming the part.

    * every role: the ledger answers at its current schema (the primary);
    * with a read replica: its lag and log size (reads go to the primary while it is
      unreachable or lagging, so the node stays ready: ``reads`` says where they go);
    * roles all and jobs: the job runner holds the lease (``active``) or waits for it
      (``standby``, naming the holder); not ready when it cannot reach the lease;
    * roles all and jobs, with a chain RPC configured: the chain answers with the configured
      chain id (an API-only node never uses the chain).
    """
    settings = rt.settings
    checks: dict[str, Any] = {"role": settings.role}
    ready = True
    try:
        rt.primary.ledger.require_initialized()
        size, _ = rt.primary.ledger.head()
        checks["database"] = {"status": "ok", "tree_size": size}
    except RegistryError as exc:
        ready = False
        checks["database"] = {"status": "error", "detail": str(exc)}
    if settings.database_read_url is not None:
        checks["replica"] = _replica_check(rt)
    if rt.jobs is not None:
        jobs = rt.jobs.status()
        check: dict[str, Any] = {"status": jobs.state.value, "holder": jobs.holder}
        check.update(takeovers=jobs.takeovers, losses=jobs.losses)
        if jobs.last_error is not None:
            check["last_error"] = jobs.last_error
        if jobs.state is RunnerState.STANDBY and jobs.last_error is not None:
            ready = False  # a standby that cannot reach the lease could never take over
        checks["jobs"] = check
    url = settings.rpc_url
    if settings.role == "api":
        checks["chain"] = {"status": "not used by an API-only node"}
    elif url is None:
        checks["chain"] = {"status": "not configured"}
    else:
        try:
            chain_id = Chain.open(url, timeout=CHAIN_TIMEOUT_SECONDS).chain_id()
            expected = settings.chain_id
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


def _replica_check(rt: ApiRuntime) -> dict[str, Any]:
    try:
        reads = rt.replica
    except RegistryError as exc:
        return {"status": "error", "detail": str(exc), "reads": "primary"}
    if reads is None:
        return {"status": "error", "detail": "the replica is not open", "reads": "primary"}
    status = reads.probe()
    if not status.reachable:
        return {"status": "unreachable", "detail": status.detail, "reads": "primary"}
    lagging = (status.lag_seconds or 0) > reads.max_lag_seconds
    return {
        "status": "lagging" if lagging else "ok",
        "lag_seconds": status.lag_seconds,
        "max_lag_seconds": reads.max_lag_seconds,
        "tree_size": status.size,
        "reads": "primary" if lagging else "replica",
    }


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(rt: Runtime) -> Response:
    """Prometheus text exposition: requests, latency, appends, log size, checkpoint and anchor
    lag."""
    return Response(content=generate_latest(rt.metrics.registry), media_type=CONTENT_TYPE_LATEST)
