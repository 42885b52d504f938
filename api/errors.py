"""Exception handlers: every error becomes RFC 9457 problem+json naming field, rule, paragraph."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from api.problems import ApiProblem, problem_body, problem_response
from node.domain.entries import field_path
from node.errors import (
    ConfigError,
    IllegalTransition,
    LedgerError,
    MerkleError,
    NotFound,
    RegistryError,
    RuleViolation,
    StorageError,
    VerificationError,
)

log = logging.getLogger("tamga.api")

_HTTP_SLUGS = {
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "rate-limited",
}


def _request_id(request: Request) -> str | None:
    value = request.scope.get("state", {}).get("request_id")
    return str(value) if value is not None else None


def problem_for(exc: Exception, request: Request) -> tuple[dict[str, Any], dict[str, str] | None]:
    """The problem body (and extra headers) for an exception raised while serving ``request``."""
    instance = request.url.path
    rid = _request_id(request)
    if isinstance(exc, ApiProblem):
        body = problem_body(
            status=exc.status,
            slug=exc.slug,
            detail=exc.detail,
            instance=instance,
            field=exc.field,
            rule=exc.rule,
            paragraph=exc.paragraph,
            request_id=rid,
        )
        return body, exc.headers
    if isinstance(exc, IllegalTransition):  # the lifecycle forbids it now: a state conflict
        return _rule(exc, status=409, slug="illegal-transition", instance=instance, rid=rid), None
    if isinstance(exc, RuleViolation):
        return _rule(exc, status=422, slug="rule-violation", instance=instance, rid=rid), None
    if isinstance(exc, NotFound):
        return problem_body(
            status=404, slug="not-found", detail=str(exc), instance=instance, request_id=rid
        ), None
    if isinstance(exc, MerkleError):
        return problem_body(
            status=422,
            slug="rule-violation",
            detail=str(exc),
            instance=instance,
            field=exc.field,
            rule=exc.rule,
            paragraph=exc.paragraph,
            request_id=rid,
        ), None
    if isinstance(exc, VerificationError):
        return problem_body(
            status=422,
            slug="rule-violation",
            detail=str(exc),
            instance=instance,
            rule="verification",
            paragraph="RFC 9162 §2.1",
            request_id=rid,
        ), None
    if isinstance(exc, LedgerError | StorageError | ConfigError):
        log.warning("register unavailable: %s", exc, extra={"request_id": rid})
        return problem_body(
            status=503, slug="unavailable", detail=str(exc), instance=instance, request_id=rid
        ), {"retry-after": "5"}
    log.error("unexpected registry error: %s", exc, extra={"request_id": rid})
    return problem_body(
        status=500,
        slug="internal-error",
        detail="unexpected error; quote the request id",
        instance=instance,
        request_id=rid,
    ), None


def _rule(
    exc: RuleViolation, *, status: int, slug: str, instance: str, rid: str | None
) -> dict[str, Any]:
    return problem_body(
        status=status,
        slug=slug,
        detail=exc.message,
        instance=instance,
        field=exc.field,
        rule=exc.rule,
        paragraph=exc.paragraph,
        request_id=rid,
    )


def install_handlers(app: FastAPI) -> None:
    """Register the problem+json handlers on ``app``."""

    async def on_problem(request: Request, exc: Exception) -> Response:
        body, headers = problem_for(exc, request)
        return problem_response(body, headers=headers)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        loc = list(first.get("loc", ()))
        where = str(loc[0]) if loc else "request"
        field = field_path(loc[1:]) or where
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        body = problem_body(
            status=422,
            slug="invalid-request",
            detail=f"{where}: {first.get('msg', '')}{more}",
            instance=request.url.path,
            field=field,
            rule="request-schema",
            paragraph="OpenAPI /openapi.json",
            request_id=_request_id(request),
        )
        return problem_response(body)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        slug = _HTTP_SLUGS.get(exc.status_code, "invalid-request")
        detail = exc.detail if isinstance(exc.detail, str) else ""
        body = problem_body(
            status=exc.status_code,
            slug=slug,
            detail=detail,
            instance=request.url.path,
            request_id=_request_id(request),
        )
        return problem_response(body, headers=dict(exc.headers or {}))

    app.add_exception_handler(ApiProblem, on_problem)
    app.add_exception_handler(RegistryError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
