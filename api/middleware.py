"""The gateway (pure ASGI): request ids, JSON access logs, metrics, body size and rate limits."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any, Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.credentials import credentials, csrf_refused
from api.problems import PROBLEM_MEDIA_TYPE, problem_body
from api.replica import MIN_LOG_SIZE_HEADER, READ_FROM_HEADER, READ_ROUTE, ReadRoute
from api.runtime import ApiRuntime
from node.domain.canonical import MAX_JSON_DEPTH, nesting_exceeds
from node.errors import RegistryError

log = logging.getLogger("tamga.api")

REQUEST_ID_HEADER: Final = "x-request-id"
_REQUEST_ID_RE: Final = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
UNLIMITED_PATHS: Final = frozenset({"/healthz", "/readyz", "/metrics"})


class _BodyTooLarge(Exception):
    pass


class _BodyTooDeep(Exception):
    pass


class Gateway:
    """Wraps the app: every request gets an id, a log line, metrics, and the limits applied."""

    def __init__(self, app: ASGIApp, *, runtime: ApiRuntime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = _headers(scope)
        incoming = headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        path: str = scope["path"]
        status_holder = [500]
        started_response = [False]

        route = _read_route(scope, headers)
        replicated = self.runtime.settings.database_read_url is not None

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                started_response[0] = True
                status_holder[0] = message["status"]
                raw = list(message.get("headers", []))
                raw.append((b"x-request-id", request_id.encode("ascii")))
                if replicated and route is not None and route.source is not None:
                    raw.append((READ_FROM_HEADER.encode("ascii"), route.source.encode("ascii")))
                message = {**message, "headers": raw}
            await send(message)

        reset = READ_ROUTE.set(route)
        try:
            refusal = self._refuse(scope, headers, state)
            if refusal is None and route is not None and route.min_size == -1:
                refusal = (
                    422,
                    "invalid-request",
                    f"{MIN_LOG_SIZE_HEADER} must be a log size (a non-negative integer)",
                    None,
                )
            if refusal is not None:
                status, slug, detail, extra = refusal
                await _send_problem(
                    send_wrapper,
                    status=status,
                    slug=slug,
                    detail=detail,
                    path=path,
                    request_id=request_id,
                    headers=extra,
                )
            else:
                limited = self._limited(receive, headers)
                if "json" in headers.get("content-type", "").lower():
                    limited = await _checked_json(limited)
                await self.app(scope, limited, send_wrapper)
        except _BodyTooDeep:
            # checked before any parser sees the body: a deeply nested JSON body would exhaust
            # the parser's stack and kill the process (RFC 8259 §9 allows a depth limit)
            if not started_response[0]:
                await _send_problem(
                    send_wrapper,
                    status=422,
                    slug="invalid-request",
                    detail=f"arrays and objects may nest at most {MAX_JSON_DEPTH} deep",
                    path=path,
                    request_id=request_id,
                    extra={"field": "body", "rule": "json-depth", "paragraph": "RFC 8259 §9"},
                )
        except _BodyTooLarge:
            if not started_response[0]:
                await _send_problem(
                    send_wrapper,
                    status=413,
                    slug="payload-too-large",
                    detail=f"the body exceeds {self.runtime.settings.api_max_body_bytes} bytes",
                    path=path,
                    request_id=request_id,
                )
        except Exception:
            log.exception("unhandled error", extra={"request_id": request_id, "path": path})
            if not started_response[0]:
                await _send_problem(
                    send_wrapper,
                    status=500,
                    slug="internal-error",
                    detail="unexpected error; quote the request id",
                    path=path,
                    request_id=request_id,
                )
        finally:
            READ_ROUTE.reset(reset)
            if route is not None and route.source == "replica" and status_holder[0] == 503:
                replica = self.runtime.replica  # the replica failed under this read: the next
                if replica is not None:  # reads go to the primary until a probe says it is back
                    replica.failed(RuntimeError("a read on the replica answered 503"))
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or (
                "unmatched" if path not in UNLIMITED_PATHS else path
            )
            method = scope["method"]
            metrics = self.runtime.metrics
            metrics.requests.labels(method, template, str(status_holder[0])).inc()
            metrics.latency.labels(method, template).observe(elapsed)
            principal = state.get("principal")
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": method,
                    "path": path,
                    "route": template,
                    "status": status_holder[0],
                    "duration_ms": round(elapsed * 1000, 3),
                    "client": (scope.get("client") or ("", 0))[0],
                    "token_id": getattr(principal, "token_id", None),
                },
            )

    def _refuse(
        self, scope: Scope, headers: dict[str, str], state: dict[str, Any]
    ) -> tuple[int, str, str, dict[str, str] | None] | None:
        limit = self.runtime.settings.api_max_body_bytes
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return 413, "payload-too-large", f"the body exceeds {limit} bytes", None
        if scope["path"] in UNLIMITED_PATHS:
            return None
        authorization, cookie = credentials(headers)
        if csrf_refused(scope["method"], scope["path"], headers, cookie):
            # a cookie rides along with any request a page of another site makes: an unsafe
            # request authenticated by it must also carry the session's CSRF token
            return 403, "csrf-failed", "send the session's X-CSRF-Token with this request", None
        try:
            principal = self.runtime.principal_for(authorization)
        except RegistryError:
            # Not kept: a route that needs the caller asks again and answers 503 for the
            # database, never 401 for a valid token it could not read (found by the crash
            # rounds of tests/reliability/test_up_crash.py with PostgreSQL stopped).
            principal = None
        else:
            state["principal"] = principal
        if principal is not None:
            wait = self.runtime.token_limit.take(principal.key)
            kind = "token"
        else:
            client = scope.get("client")
            address = client[0] if client else "unknown"
            wait = self.runtime.address_limit.take(f"address:{address}")
            kind = "address"
        if wait > 0:
            self.runtime.metrics.rate_limited.labels(kind).inc()
            retry = str(max(1, int(wait + 0.999)))
            return (
                429,
                "rate-limited",
                f"the per-{kind} rate limit is exhausted",
                {"retry-after": retry},
            )
        return None

    def _limited(self, receive: Receive, headers: dict[str, str]) -> Receive:
        limit = self.runtime.settings.api_max_body_bytes
        seen = [0]

        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen[0] += len(message.get("body", b""))
                if seen[0] > limit:
                    raise _BodyTooLarge
            return message

        return wrapped


async def _checked_json(receive: Receive) -> Receive:
    """Read a JSON body (already size-limited) and refuse one nested too deep before any parser
    sees it; the app then receives the same bytes."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return _replay(message, receive)
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    if nesting_exceeds(body):
        raise _BodyTooDeep
    return _replay({"type": "http.request", "body": body, "more_body": False}, receive)


def _replay(first: Message, receive: Receive) -> Receive:
    pending = [first]

    async def replayed() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replayed


def _read_route(scope: Scope, headers: dict[str, str]) -> ReadRoute | None:
    """A GET or HEAD of the register gets a read route (api/replica.py); operations endpoints,
    writes and authenticated reads (staff and issuers see their own writes at once) use the
    primary. ``min_size`` -1 marks an unreadable Tamga-Min-Log-Size (refused with 422)."""
    if scope["method"] not in ("GET", "HEAD") or scope["path"] in UNLIMITED_PATHS:
        return None
    authorization, cookie = credentials(headers)
    if authorization or cookie:
        return ReadRoute(source="primary", reason="authenticated")
    wanted = headers.get(MIN_LOG_SIZE_HEADER)
    if wanted is None:
        return ReadRoute()
    wanted = wanted.strip()
    return ReadRoute(min_size=int(wanted) if wanted.isdigit() and len(wanted) < 19 else -1)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


async def _send_problem(
    send: Send,
    *,
    status: int,
    slug: str,
    detail: str,
    path: str,
    request_id: str,
    headers: dict[str, str] | None = None,
    extra: dict[str, str] | None = None,
) -> None:
    body = problem_body(
        status=status,
        slug=slug,
        detail=detail,
        instance=path,
        request_id=request_id,
        **(extra or {}),
    )
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    raw = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode("ascii")),
        (b"content-length", str(len(payload)).encode("ascii")),
    ]
    raw.extend((k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items())
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})
