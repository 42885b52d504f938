"""The FastAPI application factory: ``create_app(settings)``; nothing connects at import time."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from anchoring.runner import JobRunner
from api import (
    bundles,
    miners,
    ops,
    pages,
    portal,
    public,
    reports,
    signin,
    staff,
    vasps,
    verification,
    workbench,
    writes,
)
from api.errors import install_handlers
from api.middleware import Gateway
from api.models import (
    CalendarCorrectionIn,
    EmissionFilingIn,
    EventIn,
    FindingResolutionIn,
    IssuerRegistrationIn,
    MinerRegistrationIn,
    SourceFilingIn,
    VaspApplicationIn,
    WalletProofIn,
)
from api.problems import Problem
from api.runtime import ApiRuntime
from api.webguard import WebGuard, WebPolicy, docs_policy
from node.clock import Clock, SystemClock
from node.settings import Settings

API_VERSION = "1.0.0"
DESCRIPTION = """\
The Unified State Register of Virtual Asset Emissions of the Kyrgyz Republic.

* **Public reads** (no authentication): issuers, emissions with filters and search, histories,
  deadlines, checkpoints, RFC 9162 inclusion and consistency proofs, state proofs, anchors,
  an emission's proof bundle (`tamga audit bundle` verifies it) and its printed extract (PDF),
  its on-chain verification (open findings, observations pinned to blocks).
  Founders' data is never public (Reg. §66).
* **Writes** need `Authorization: Bearer <token>`: a *regulator* registers issuers and emissions
  and records decisions; an *issuer* files about its own emissions (tokens from
  `tamga token create`, or a wallet sign-in, EIP-4361), proves control of its declared wallet
  (EIP-712, EOA or EIP-1271) and files contract sources; an *auditor* reads exports.
  POSTs accept an `Idempotency-Key`: a retry gets the first answer and never writes twice,
  also after a crash (409 with `Retry-After` while the first attempt runs; keys last 24 h).
* **Errors** are RFC 9457 `application/problem+json` naming `field`, `rule` and `paragraph`.
* **Read your write** (nodes reading from a replica, docs/deployment.md): every write answers with
  `tree_size`; a GET carrying `Tamga-Min-Log-Size: <tree_size>` is served from a database holding
  at least that many entries (the replica once it has replayed them, else the primary). Answers
  say where they were read: `Tamga-Read-From: replica|primary`. Authenticated reads always use the
  primary.
"""


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    jobs: JobRunner | None = None,
) -> FastAPI:
    """Build the HTTP API and public pages for the node configured by ``settings``; ``jobs`` is
    the process's job runner (`tamga up`), reported by /readyz and /metrics. A job runner
    (``TAMGA_ROLE=jobs``) serves /healthz, /readyz and /metrics only.

    Nothing connects here: the database is opened on the first request that needs it and
    closed when the app shuts down.

    Raises:
        ConfigError: ``database_read_url`` is not a PostgreSQL URL.
    """
    runtime = ApiRuntime(
        settings, clock=clock or SystemClock(), random_bytes=random_bytes, jobs=jobs
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            runtime.close()

    app = FastAPI(
        title="Tamga register API",
        version=API_VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served below, each with a Content-Security-Policy of its own
        redoc_url=None,
        openapi_tags=[
            {"name": "public", "description": "Anyone may read the register (Reg. §66)."},
            {"name": "writes", "description": "Role-based writes through the domain rules."},
            {
                "name": "reports",
                "description": "Reports computed from a log prefix; their digests in the log.",
            },
            {"name": "auth", "description": "Tokens and wallet sign-in (EIP-4361)."},
            {"name": "operations", "description": "Health, readiness, metrics."},
        ],
    )
    app.state.runtime = runtime
    app.state.settings = settings
    install_handlers(app)
    app.include_router(ops.router)
    if settings.role == "jobs":
        app.add_middleware(Gateway, runtime=runtime)
        return app
    app.include_router(public.router)
    app.include_router(bundles.router)
    app.include_router(writes.router)
    app.include_router(verification.router)
    app.include_router(miners.router)
    app.include_router(vasps.router)
    app.include_router(reports.router)
    app.include_router(signin.router)
    app.include_router(staff.router)
    app.include_router(workbench.router)
    app.include_router(portal.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static")
    app.add_middleware(Gateway, runtime=runtime)
    app.add_middleware(WebGuard, policy=WebPolicy(by_path=_documentation(app)))
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _documentation(app: FastAPI) -> dict[str, str]:
    """Serve the interactive API documentation at /docs (Swagger UI) and /redoc (ReDoc), each
    rendered once; return each path's Content-Security-Policy (its inline code by hash)."""
    pages = {
        "/docs": get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} - Docs").body,
        "/redoc": get_redoc_html(openapi_url="/openapi.json", title=f"{app.title} - ReDoc").body,
    }
    for path, html in pages.items():

        def page(html: bytes = bytes(html)) -> HTMLResponse:
            return HTMLResponse(html)

        app.add_api_route(path, page, methods=["GET"], include_in_schema=False)
    return {path: docs_policy(bytes(html)) for path, html in pages.items()}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with the request bodies the domain parses and the Problem schema."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (
        IssuerRegistrationIn,
        MinerRegistrationIn,
        VaspApplicationIn,
        CalendarCorrectionIn,
        EmissionFilingIn,
        EventIn,
        WalletProofIn,
        FindingResolutionIn,
        SourceFilingIn,
        Problem,
    ):
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in body.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components[model.__name__] = body
    app.openapi_schema = schema
    return schema


def create_app_from_env() -> FastAPI:
    """``create_app`` with ``Settings()`` from TAMGA_* variables (for ``uvicorn --factory``)."""
    return create_app(Settings())
