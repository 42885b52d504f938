"""Writes with roles under /v1: the regulator registers and decides, an issuer files about its own
emissions; every write goes through the same domain rules and ledger as the CLI."""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import Response, StreamingResponse

from anchoring.services import export_anchor_objects
from api.auth import Principal, Role, Scope
from api.deps import get_principal, get_runtime, require
from api.errors import problem_for
from api.models import (
    CalendarCorrectionIn,
    EmissionFilingIn,
    EventIn,
    FoundersOut,
    IssuerRegistrationIn,
)
from api.problems import PROBLEM_MEDIA_TYPE, ApiProblem, problem_responses
from api.runtime import ApiRuntime
from api.staff import recorded_by
from api.store import Claim
from api.views import JSON, dumps, emission_record_json, issuer_json
from node.domain.canonical import parse_untrusted_json
from node.domain.entries import field_path
from node.domain.filings import parse_issuer_filing
from node.domain.model import EmissionState
from node.errors import RegistryError, RuleViolation, StorageError
from node.ledger.export import entry_json
from node.services import calendar, emissions, issuers, log
from node.services.emissions import EmissionWritten
from node.services.issuers import normalize_kind
from node.types import RequestId

router = APIRouter(prefix="/v1", tags=["writes"])


async def _runtime(request: Request) -> ApiRuntime:
    # Dependencies that do no I/O are coroutines: FastAPI runs a plain function dependency on a
    # worker thread, a hop per dependency and request that costs more than the check itself.
    return get_runtime(request)


Runtime = Annotated[ApiRuntime, Depends(_runtime)]
IDEMPOTENCY_HEADER: Final = "idempotency-key"
_KEY_RE: Final = re.compile(r"^[\x21-\x7e]{1,255}$")

ISSUER_FILED_KINDS: Final = frozenset(
    {
        "emission.whitepaper_amendment_requested",  # Reg. §7: the issuer asks consent
        "emission.offer_disclosed",  # Reg. §21: the issuer publishes the offer
        "emission.placement_started",  # Reg. §20-22
        "emission.placement_ended",  # Reg. §30
        "emission.results_reported",  # Reg. §30-32, Annex 6
        "emission.partial_burn",  # Reg. §45-46: the issuer's burn decision
        "emission.unplaced_cancelled",  # Reg. §45: unplaced VAs burned
        "emission.fee_paid",  # Reg. §28
    }
)
"""Events an issuer files itself; decisions (registration, recognition, suspension,
cancellation …) are the authority's."""

_regulator = require(Scope.REGISTER_WRITE, Role.REGULATOR)


async def regulator(request: Request) -> Principal:
    """A regulator with register:write; ApiProblem 401/403 otherwise (the gateway resolved
    the token: no I/O here)."""
    return _regulator(request)


Regulator = Annotated[Principal, Depends(regulator)]


async def writer(request: Request) -> Principal:
    """A regulator (register:write) or an issuer (filings:write); ApiProblem 401/403 otherwise
    (the gateway resolved the token: no I/O here)."""
    principal = get_principal(request)
    if principal is not None and Scope.REGISTER_WRITE in principal.scopes:
        return require(Scope.REGISTER_WRITE, Role.REGULATOR)(request)
    return require(Scope.FILINGS_WRITE, Role.ISSUER)(request)


def body_schema(model: type) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {JSON: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
        },
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Makes a retried POST return the first response instead of "
                "writing again (draft-ietf-httpapi-idempotency-key-header), also after a crash: "
                "the key is written with the request's entries. 409 with Retry-After while the "
                "first attempt runs; remembered for TAMGA_API_IDEMPOTENCY_TTL_SECONDS (24 h).",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            }
        ],
    }


def check_json_media_type(content_type: str) -> None:
    """Refuse a body that is not declared as JSON in UTF-8 (RFC 8259 §8.1, §11).

    Raises:
        ApiProblem: 415 for another media type or a charset other than UTF-8.
    """
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    if media != JSON and not media.endswith("+json"):
        raise ApiProblem(
            status=415, slug="unsupported-media-type", detail="send Content-Type: application/json"
        )
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise ApiProblem(
                status=415,
                slug="unsupported-media-type",
                detail="JSON is exchanged in UTF-8 (RFC 8259 §8.1); drop the charset or use utf-8",
            )


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; decimal literals stay exact strings (floats are not data).

    Raises:
        ApiProblem: 415 when the body is not JSON, 422 when it is malformed or not an object.
    """
    check_json_media_type(request.headers.get("content-type", ""))
    raw = await request.body()
    try:
        data = parse_untrusted_json(raw, field="body")
    except RuleViolation as exc:  # I-JSON (RFC 7493): encoding, depth, syntax, numbers, members
        raise ApiProblem(
            status=422,
            slug="invalid-request",
            field=exc.field,
            rule=exc.rule,
            paragraph=exc.paragraph,
            detail=f"the body is not acceptable JSON: {exc.message}",
        ) from None
    if not isinstance(data, dict):
        raise ApiProblem(
            status=422,
            slug="invalid-request",
            field="body",
            rule="json-object",
            paragraph="OpenAPI /openapi.json",
            detail="the body must be a JSON object",
        )
    return data


Body = Annotated[dict[str, Any], Depends(json_body)]


Action = Callable[[RequestId | None], tuple[int, dict[str, Any], dict[str, str]]]
"""A write: given the ledger request id of its Idempotency-Key (None without one), it writes
through the services and returns status, JSON body and headers."""


def request_id_of(*, principal: str, key: str, created_at: str) -> RequestId:
    """The ledger request id of an Idempotency-Key: one per principal, key and first claim (a
    key used again after it expired is a new request)."""
    material = "\0".join(("tamga-idempotency-key/1", principal, key, created_at))
    return RequestId(hashlib.sha256(material.encode("utf-8")).digest())


def idempotent(
    request: Request,
    rt: ApiRuntime,
    principal: Principal,
    body: dict[str, Any],
    action: Action,
) -> Response:
    """Run a write once per Idempotency-Key (draft-ietf-httpapi-idempotency-key-header); a
    retry gets the stored response.

    The key's request id is written by the ledger in the same transaction as the request's
    entries, so a retry after a crash (of the server, of the database, or between the write
    and the stored answer) completes the request exactly once: it answers from the entries
    already written, or writes them. A retry while the first attempt still holds the key's
    lease answers 409 with Retry-After; after the lease (or at once, when the server that held
    it restarted) it resumes the request.
    """
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        status, payload, headers = _run(request, lambda: action(None))
        return _response(status, payload, headers)
    if not _KEY_RE.match(key):
        raise ApiProblem(
            status=422,
            slug="invalid-request",
            field="Idempotency-Key",
            rule="idempotency-key",
            paragraph="draft-ietf-httpapi-idempotency-key-header",
            detail="the key is 1-255 visible ASCII characters",
        )
    rt.expire_idempotency_keys()
    target = f"{request.method} {request.url.path}"
    digest = hashlib.sha256(dumps(body) if body else b"").digest()
    claim = rt.store.claim_key(
        principal=principal.key,
        key=key,
        target=target,
        request_hash=digest,
        at=rt.now(),
        owner=rt.owner,
        lease=rt.idempotency_lease,
        ttl=rt.idempotency_ttl,
    )
    if claim.claim is Claim.MISMATCH:
        raise ApiProblem(
            status=422,
            slug="idempotency-mismatch",
            field="Idempotency-Key",
            rule="idempotency-key-reuse",
            paragraph="draft-ietf-httpapi-idempotency-key-header",
            detail="this key was used for a different request",
        )
    if claim.claim is Claim.IN_FLIGHT:
        raise ApiProblem(
            status=409,
            slug="idempotency-conflict",
            field="Idempotency-Key",
            rule="idempotency-key-in-flight",
            paragraph="draft-ietf-httpapi-idempotency-key-header",
            detail="the first request with this key has not finished; retry after "
            f"{claim.retry_after} s",
            headers={"retry-after": str(claim.retry_after)},
        )
    if claim.claim is Claim.REPLAY:
        assert claim.status is not None
        assert claim.body is not None
        rt.metrics.idempotent_replays.inc()
        return Response(
            content=claim.body,
            status_code=claim.status,
            media_type=JSON if claim.status < 400 else PROBLEM_MEDIA_TYPE,
            headers={"idempotent-replayed": "true"},
        )
    if claim.claim is Claim.RESUMED:
        rt.metrics.idempotent_resumed.inc()
    assert claim.created_at is not None
    request_id = request_id_of(principal=principal.key, key=key, created_at=claim.created_at)
    try:
        status, payload, headers = _run(request, lambda: action(request_id))
    except (ApiProblem, RegistryError) as exc:
        problem, _extra = problem_for(exc, request)
        if isinstance(exc, StorageError) or int(problem["status"]) >= 500:
            # No answer to keep: it may have been written (a commit cut off) or not; the next
            # retry resumes it and the ledger's request id decides.
            _yield(rt, principal=principal.key, key=key)
            raise
        rt.store.finish_key(
            principal=principal.key, key=key, status=int(problem["status"]), body=dumps(problem)
        )
        raise
    rt.store.finish_key(principal=principal.key, key=key, status=status, body=dumps(payload))
    return _response(status, payload, headers)


def _yield(rt: ApiRuntime, *, principal: str, key: str) -> None:
    with contextlib.suppress(StorageError):  # the database is down: the lease ends by itself
        rt.store.yield_key(principal=principal, key=key, at=rt.now())


def _run(
    request: Request, action: Callable[[], tuple[int, dict[str, Any], dict[str, str]]]
) -> tuple[int, dict[str, Any], dict[str, str]]:
    # No lock: the ledger's group committer orders the writes of all request threads and
    # integrates those that arrive while a commit is in flight in one transaction.
    return action()


def _response(status: int, payload: dict[str, Any], headers: dict[str, str]) -> Response:
    return Response(content=dumps(payload), status_code=status, media_type=JSON, headers=headers)


def _effective(value: Any, field: str) -> date | None:
    """The ``effective_on`` member as a date (None: today, as the service decides)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise RuleViolation(
            field=field,
            rule="date-format",
            paragraph="ISO 8601",
            message=f"expected a date YYYY-MM-DD, got {value!r}",
        ) from exc


def _data(body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("data") or {}
    if not isinstance(data, dict):
        raise RuleViolation(
            field="data",
            rule="entry-field",
            paragraph="docs/export-format.md",
            message="data is a JSON object of the event's fields",
        )
    return data


def _section(body: dict[str, Any], name: str, *, paragraph: str) -> Any:
    if name not in body:
        raise RuleViolation(
            field=name, rule="filing-field", paragraph=paragraph, message=f"{name!r} is required"
        )
    return body[name]


def _extra_members(body: dict[str, Any], allowed: set[str], paragraph: str) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise RuleViolation(
            field=field_path([extra[0]]),
            rule="filing-field",
            paragraph=paragraph,
            message=f"unknown member {extra[0]!r}; allowed: {', '.join(sorted(allowed))}",
        )


# ---- regulator: issuers --------------------------------------------------------------------


@router.post(
    "/issuers",
    status_code=201,
    summary="Register an issuer (regulator)",
    openapi_extra=body_schema(IssuerRegistrationIn),
    responses={
        201: {"description": "Registered; the code is assigned (Reg. §68(г))"},
        **problem_responses(401, 403, 409, 413, 415, 422, 429, 503),
    },
)
def register_issuer(request: Request, rt: Runtime, principal: Regulator, body: Body) -> Response:
    """Enter an issuer in the register; founders are kept privately, the log holds only a
    salted commitment (Reg. §66)."""

    def action(request_id: RequestId | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        _extra_members(body, {"filing", "effective_on"}, "Reg. §62")
        filing = parse_issuer_filing(_section(body, "filing", paragraph="Reg. §62"))
        written = issuers.register_issuer(
            rt.db,
            filing=filing,
            effective_on=_effective(body.get("effective_on"), "effective_on"),
            request=request_id,
            recorded_by=recorded_by(rt, principal),
        )
        rt.metrics.appends.labels(written.kind).inc()
        payload = {
            "code": written.code,
            "index": written.index,
            "tree_size": written.size,
            "issuer": issuer_json(written.issuer),
        }
        return 201, payload, {"location": f"/v1/issuers/{written.code}"}

    return idempotent(request, rt, principal, body, action)


@router.post(
    "/issuers/{code}/events",
    status_code=201,
    summary="Record an issuer event (regulator)",
    openapi_extra=body_schema(EventIn),
    responses={
        201: {"description": "Recorded"},
        **problem_responses(401, 403, 404, 409, 413, 415, 422, 429, 503),
    },
)
def issuer_event_route(
    request: Request,
    rt: Runtime,
    principal: Regulator,
    body: Body,
    code: Annotated[str, Path(pattern=r"^[A-Z0-9]{4}$")],
) -> Response:
    """Update, reorganization or liquidation of an issuer (Reg. §62, §64)."""

    def action(request_id: RequestId | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        _extra_members(body, {"kind", "effective_on", "data"}, "docs/export-format.md")
        rt.ledger.issuer(code)  # 404 before anything else
        written = issuers.record_issuer_event(
            rt.db,
            code=code,
            kind=str(_section(body, "kind", paragraph="docs/export-format.md")),
            data=_data(body),
            effective_on=_effective(body.get("effective_on"), "effective_on"),
            request=request_id,
            recorded_by=recorded_by(rt, principal),
        )
        rt.metrics.appends.labels(written.kind).inc()
        payload = {
            "code": code,
            "index": written.index,
            "tree_size": written.size,
            "issuer": issuer_json(written.issuer),
        }
        return 201, payload, {}

    return idempotent(request, rt, principal, body, action)


# ---- regulator: the working calendar --------------------------------------------------------


@router.post(
    "/calendar/corrections",
    status_code=201,
    summary="Record a decree moving working days and days off (regulator)",
    openapi_extra=body_schema(CalendarCorrectionIn),
    responses={
        201: {"description": "Recorded; deadlines computed after it count with it"},
        **problem_responses(401, 403, 409, 413, 415, 422, 429, 503),
    },
)
def calendar_correction_route(
    request: Request, rt: Runtime, principal: Regulator, body: Body
) -> Response:
    """A government decree's changes to the working calendar (``calendar.corrected``)."""

    def action(request_id: RequestId | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        _extra_members(body, {"effective_on", "days", "basis"}, "docs/export-format.md")
        written = calendar.record_calendar_correction(
            rt.db,
            data={k: v for k, v in body.items() if k != "effective_on"},
            effective_on=_effective(body.get("effective_on"), "effective_on"),
            request=request_id,
            recorded_by=recorded_by(rt, principal),
        )
        rt.metrics.appends.labels(written.entry.kind).inc()
        payload = {
            "index": written.index,
            "tree_size": written.size,
            "entry": written.entry.model_dump(mode="json"),
        }
        return 201, payload, {}

    return idempotent(request, rt, principal, body, action)


# ---- emissions: applications and events ----------------------------------------------------


def _emission_payload(written: EmissionWritten) -> dict[str, Any]:
    state = written.emission
    return {
        "key": state.key,
        "application_no": state.application_no,
        "regno": state.regno,
        "kind": written.kind,
        "tree_size": written.size,
        "emission": emission_record_json(state, written.issuer),
    }


@router.post(
    "/emissions",
    status_code=201,
    summary="File an application (regulator, or an issuer for itself)",
    openapi_extra=body_schema(EmissionFilingIn),
    responses={
        201: {"description": "Filed (and registered when a registration was given)"},
        **problem_responses(401, 403, 404, 409, 413, 415, 422, 429, 503),
    },
)
def file_emission(
    request: Request, rt: Runtime, principal: Annotated[Principal, Depends(writer)], body: Body
) -> Response:
    """File the decision on issue (Reg. §9, Annex 1). The regulator may record the registration
    decision in the same request (Reg. §10, §57); the number is assigned (Reg. §67-68)."""

    def action(request_id: RequestId | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        _extra_members(body, {"filing", "registration"}, "Reg. §9")
        filing_data = _section(body, "filing", paragraph="Reg. §9")
        data = dict(filing_data) if isinstance(filing_data, dict) else filing_data
        if isinstance(data, dict) and body.get("registration") is not None:
            data["registration"] = body["registration"]
        submission = emissions.parse_emission_submission(data)
        if principal.role is Role.ISSUER:
            if submission.filing.issuer != principal.issuer:
                raise ApiProblem(
                    status=403,
                    slug="forbidden",
                    field="filing.issuer",
                    detail=f"this token files only for issuer {principal.issuer}",
                )
            if submission.registration is not None:
                raise ApiProblem(
                    status=403,
                    slug="forbidden",
                    field="registration",
                    detail="registration is the authority's decision (Reg. §10, §57)",
                )
            if principal.wallet is not None and (
                submission.filing.issuer_wallet.lower() != principal.wallet.lower()
            ):
                raise ApiProblem(
                    status=403,
                    slug="forbidden",
                    field="filing.issuer_wallet",
                    detail="a wallet session files only emissions declaring that wallet",
                )
        written = emissions.submit_emission(
            rt.db,
            submission=submission,
            request=request_id,
            recorded_by=recorded_by(rt, principal),
        )
        rt.metrics.appends.labels("emission.applied").inc()
        if written.regno is not None:
            rt.metrics.appends.labels("emission.registered").inc()
        location = f"/v1/emissions/{written.emission.key}"
        return 201, _emission_payload(written), {"location": location}

    return idempotent(request, rt, principal, body, action)


@router.post(
    "/emissions/{key}/events",
    status_code=201,
    summary="Record an emission event (regulator: any; issuer: its own filings)",
    openapi_extra=body_schema(EventIn),
    responses={
        201: {"description": "Recorded"},
        **problem_responses(401, 403, 404, 409, 413, 415, 422, 429, 503),
    },
)
def emission_event_route(
    request: Request,
    rt: Runtime,
    principal: Annotated[Principal, Depends(writer)],
    body: Body,
    key: Annotated[str, Path(pattern=r"^[A-Z0-9-]{1,32}$")],
) -> Response:
    """Decisions of the authority (registration, refusal, recognition, suspension,
    cancellation …) or an issuer's filings about its own emission: results report (Annex 6),
    burn decision (Reg. §45-46), offer and placement, fee payments (Reg. §28)."""

    def action(request_id: RequestId | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        _extra_members(body, {"kind", "effective_on", "data"}, "docs/export-format.md")
        state = rt.ledger.emission(key)  # 404 before the role checks
        kind = normalize_kind(
            str(_section(body, "kind", paragraph="docs/export-format.md")), prefix="emission"
        )
        if principal.role is Role.ISSUER:
            _check_own(principal, state, kind)
        written = emissions.record_emission_event(
            rt.db,
            key=key,
            kind=kind,
            data=_data(body),
            effective_on=_effective(body.get("effective_on"), "effective_on"),
            request=request_id,
            recorded_by=recorded_by(rt, principal),
        )
        rt.metrics.appends.labels(written.kind).inc()
        return 201, _emission_payload(written), {}

    return idempotent(request, rt, principal, body, action)


def check_own_emission(principal: Principal, state: EmissionState) -> None:
    """An issuer acts only on its own emissions; a wallet session only on the emissions that
    declare that wallet (Reg. §5.5). Other roles are not restricted here.

    Raises:
        ApiProblem: 403 naming the emission and the issuer or wallet.
    """
    if principal.role is not Role.ISSUER:
        return
    if state.issuer != principal.issuer:
        raise ApiProblem(
            status=403,
            slug="forbidden",
            detail=f"emission {state.key} is not an emission of issuer {principal.issuer}",
        )
    if principal.wallet is not None and state.issuer_wallet.lower() != principal.wallet.lower():
        raise ApiProblem(
            status=403,
            slug="forbidden",
            detail=f"the signed-in wallet is not the wallet declared for {state.key} (Reg. §5.5)",
        )


def _check_own(principal: Principal, state: EmissionState, kind: str) -> None:
    check_own_emission(principal, state)
    if kind not in ISSUER_FILED_KINDS:
        raise ApiProblem(
            status=403,
            slug="forbidden",
            field="kind",
            detail=f"{kind} is a decision of the authority; an issuer files: "
            + ", ".join(sorted(ISSUER_FILED_KINDS)),
        )


# ---- restricted reads ----------------------------------------------------------------------


@router.get(
    "/issuers/{code}/founders",
    response_model=FoundersOut,
    summary="PRIVATE: an issuer's founders (authority only, Reg. §66)",
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
def issuer_founders(
    rt: Runtime,
    principal: Annotated[Principal, Depends(require(Scope.FOUNDERS_READ, Role.REGULATOR))],
    code: Annotated[str, Path(pattern=r"^[A-Z0-9]{4}$")],
) -> Response:
    """Founders' data is not public (Reg. §66): only a regulator token with founders:read. The
    kept value is checked against the commitment in the issuer's registration entry and that
    entry against the log's root (as `tamga issuer founders` checks it); a failed check is 422."""
    founders = issuers.founders(rt.db, code=code)
    payload = {
        "issuer": code,
        "founders": list(founders.founders),
        "commitment": founders.commitment,
        "salt": founders.salt.hex(),
    }
    return Response(content=dumps(payload), media_type=JSON, headers={"cache-control": "no-store"})


Exporter = Annotated[Principal, Depends(require(Scope.EXPORTS_READ))]


@router.get(
    "/export/entries",
    summary="Export: entries.jsonl (auditor, regulator)",
    responses={
        200: {"content": {"application/x-ndjson": {}}, "description": "One entry a line"},
        **problem_responses(401, 403, 429, 503),
    },
)
def export_entries(rt: Runtime, principal: Exporter) -> StreamingResponse:
    """The log as entries.jsonl (docs/export-format.md), streamed from one snapshot."""
    records = log.export_entry_records(rt.db)
    return StreamingResponse(
        (dumps(entry_json(record)) + b"\n" for record in records),
        media_type="application/x-ndjson",
    )


@router.get(
    "/export/checkpoints",
    summary="Export: checkpoints.jsonl (auditor, regulator)",
    responses={
        200: {"content": {"application/x-ndjson": {}}, "description": "One checkpoint a line"},
        **problem_responses(401, 403, 429, 503),
    },
)
def export_checkpoints(rt: Runtime, principal: Exporter) -> Response:
    """Every signed checkpoint, oldest first, each with its ``anchor`` on the chain (null when
    this exact size was not anchored or not yet confirmed), as `tamga export` writes them
    (docs/export-format.md)."""
    anchors = export_anchor_objects(rt.db, settings=rt.settings)
    lines = log.export_checkpoint_lines(rt.db, anchors=anchors)
    return Response(
        content=b"".join(dumps(line) + b"\n" for line in lines),
        media_type="application/x-ndjson",
    )


@router.get(
    "/export/manifest",
    summary="Export: manifest.json (auditor, regulator)",
    responses=problem_responses(401, 403, 429, 503),
)
def export_manifest(rt: Runtime, principal: Exporter) -> Response:
    """Format, tree size and root of the head (docs/export-format.md)."""
    manifest = log.export_manifest(
        rt.db, entries="/v1/export/entries", checkpoints="/v1/export/checkpoints"
    )
    return Response(content=dumps(manifest), media_type=JSON)


@router.get(
    "/auth/whoami",
    summary="The calling token",
    tags=["auth"],
    responses=problem_responses(401, 429, 503),
)
def whoami(request: Request) -> Response:
    """Role, scopes and issuer of the token in the Authorization header."""
    principal = get_principal(request)
    if principal is None:
        raise ApiProblem(
            status=401,
            slug="unauthorized",
            detail="send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": 'Bearer realm="tamga"'},
        )
    payload = {
        "token_id": principal.token_id,
        "kind": principal.kind.value,
        "role": principal.role.value,
        "scopes": sorted(s.value for s in principal.scopes),
        "issuer": principal.issuer,
        "wallet": principal.wallet,
    }
    return Response(content=dumps(payload), media_type=JSON)
