"""RFC 9457 problem details: every error the API returns, naming field, rule and paragraph."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
PROBLEM_BASE: Final = "/v1/problems/"

# type slug -> (title, what it means); served at /v1/problems/{slug} (RFC 9457 §3.1.1)
PROBLEM_TYPES: Final[dict[str, tuple[str, str]]] = {
    "rule-violation": (
        "The request breaks a rule of the register",
        "The filing or event was checked against the law and the regulation and refused; "
        "`field`, `rule` and `paragraph` say which rule. Nothing was written.",
    ),
    "illegal-transition": (
        "The event is not allowed in the emission's current status",
        "The lifecycle (Reg. §4-56) does not allow this event now; the register is unchanged.",
    ),
    "invalid-request": (
        "The request does not match the API schema",
        "A parameter or body member is missing or malformed; `field` names the first one.",
    ),
    "not-found": ("Not found", "No such issuer, emission, entry, checkpoint or route."),
    "unauthorized": (
        "Authentication required",
        "Send `Authorization: Bearer <token>` with a valid, unrevoked, unexpired token.",
    ),
    "forbidden": (
        "Not allowed for this token",
        "The token's role or scopes do not allow this, or the emission is not the issuer's own.",
    ),
    "csrf-failed": (
        "The request lacks the session's CSRF token",
        "A request authenticated by the workbench's session cookie that changes something must "
        "send the session's token in `X-CSRF-Token` (the workbench's pages do).",
    ),
    "idempotency-conflict": (
        "A request with this Idempotency-Key is still being processed",
        "Retry later; the first request's response will then be replayed.",
    ),
    "idempotency-mismatch": (
        "The Idempotency-Key was used for a different request",
        "An idempotency key identifies one request (method, path and body); use a new key.",
    ),
    "payload-too-large": ("Request body too large", "The body exceeds the configured limit."),
    "unsupported-media-type": (
        "Unsupported media type",
        "Request bodies are JSON (`Content-Type: application/json`).",
    ),
    "rate-limited": (
        "Too many requests",
        "The per-address or per-token rate limit is exhausted; see Retry-After.",
    ),
    "method-not-allowed": ("Method not allowed", "The route exists but not for this method."),
    "unavailable": (
        "The register is not available",
        "The database is unreachable or the ledger is not initialised (`tamga init`).",
    ),
    "sign-in-failed": (
        "Wallet sign-in failed",
        "The EIP-4361 message or its signature is not valid, expired or already used.",
    ),
    "internal-error": ("Internal error", "An unexpected error; the request id is in the logs."),
    "no-chain": (
        "The node reads no chain",
        "Proof bundles and extracts prove anchors on a chain, and this node has none configured "
        "(TAMGA_RPC_URL and TAMGA_CONTRACT_ADDRESS, or the local chain of `tamga up`).",
    ),
    "not-anchored": (
        "Not anchored yet",
        "No checkpoint anchored on the chain contains the emission yet (or the one asked for); "
        "retry after the next anchor (see Retry-After).",
    ),
    "bundle-changed": (
        "The bundle is not the one named",
        "The bundle built at the URL's checkpoint and block does not have the SHA-256 the URL "
        "(an extract's QR code) names: the extract does not match the register.",
    ),
    "chain-unavailable": (
        "The chain cannot be read",
        "The JSON-RPC endpoint of the anchor chain failed or timed out; retry later.",
    ),
}


class Problem(BaseModel):
    """An RFC 9457 problem details object, with the register's extension members."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "/v1/problems/rule-violation",
                    "title": "The request breaks a rule of the register",
                    "status": 422,
                    "detail": "the name uses a word reserved by Law art. 37.3",
                    "instance": "/v1/emissions",
                    "field": "name",
                    "rule": "reserved-name",
                    "paragraph": "Law art. 37.3",
                    "request_id": "5f0c2d4e8a7b4c1d9e2f3a4b5c6d7e8f",
                }
            ]
        }
    )

    type: str = Field(description="URI of the problem type (relative to the API).")
    title: str
    status: int
    detail: str = ""
    instance: str | None = None
    field: str | None = Field(default=None, description="The offending field, e.g. `quantity`.")
    rule: str | None = Field(default=None, description="Short id of the rule that was broken.")
    paragraph: str | None = Field(
        default=None, description="Where the rule is written, e.g. `Reg. §68` or `RFC 9162`."
    )
    request_id: str | None = None


@dataclass
class ApiProblem(Exception):
    """Raise to answer with a problem; turned into a response by the app's handler."""

    status: int
    slug: str
    detail: str = ""
    field: str | None = None
    rule: str | None = None
    paragraph: str | None = None
    headers: dict[str, str] | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.slug}: {self.detail}"


def problem_body(
    *,
    status: int,
    slug: str,
    detail: str = "",
    instance: str | None = None,
    field: str | None = None,
    rule: str | None = None,
    paragraph: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The JSON members of a problem (RFC 9457 §3), extension members only when set."""
    title = PROBLEM_TYPES.get(slug, (slug, ""))[0]
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    for name, value in (
        ("field", field),
        ("rule", rule),
        ("paragraph", paragraph),
        ("request_id", request_id),
    ):
        if value is not None:
            body[name] = value
    return body


def problem_response(body: dict[str, Any], *, headers: dict[str, str] | None = None) -> Response:
    """A response carrying ``body`` as ``application/problem+json``."""
    return Response(
        content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        status_code=int(body["status"]),
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given error statuses (problem+json bodies)."""
    return {
        status: {
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            "description": _DESCRIPTIONS.get(status, "Error"),
        }
        for status in statuses
    }


_DESCRIPTIONS: Final = {
    400: "Bad request (e.g. a malformed cursor)",
    401: "No valid token",
    403: "The token may not do this",
    404: "Not found",
    409: "Conflict with the current state (lifecycle, no anchor yet) or a request in flight",
    413: "Body too large",
    415: "Body is not JSON",
    422: "A rule of the register or the schema is broken",
    429: "Rate limit exhausted",
    503: "Register unavailable",
}
