"""Workbench sessions of the registry office's staff: a person's own API token exchanged for a
browser session cookie (HttpOnly, SameSite=Strict, Secure over TLS), CSRF-checked, idle-limited.

Each member of staff gets a personal regulator token from the CLI (`tamga token create --role
regulator --name "Asel Asanova"`). Signing in exchanges it for a fresh session (a new id each
time, so no session can be fixed in advance); the session acts with the token's role and scopes
and is named after the person. Requests authenticated by the cookie must carry the session's
CSRF token in ``X-CSRF-Token`` for every unsafe method (OWASP synchronizer-token pattern: the
token is derived from the session secret, which a page of another site can neither read nor
guess). A session ends on sign-out or after ``api_staff_idle_seconds`` without a page view.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from api.auth import (
    TOKEN_ID_BYTES,
    TOKEN_SECRET_BYTES,
    Principal,
    Role,
    TokenKind,
    make_token,
    split_token,
)
from api.credentials import csrf_token, session_cookie, session_cookie_header
from api.deps import get_principal, get_runtime
from api.problems import ApiProblem, problem_responses
from api.runtime import ApiRuntime
from api.views import json_response
from node.checkpoint import format_time

router = APIRouter(prefix="/v1", tags=["workbench"])
Runtime = Annotated[ApiRuntime, Depends(get_runtime)]

STAFF_PREFIX: Final = "staff "
"""Sessions of staff are named ``staff <the person's token name>``."""


class StaffSignInIn(BaseModel):
    """A member of staff's personal token, exchanged for a browser session."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"token": "tmg_…"}]})

    token: str = Field(min_length=8, max_length=256, description="The personal API token.")


class StaffSessionOut(BaseModel):
    """The session a member of staff works in (the cookie itself is HttpOnly)."""

    name: str = Field(description="Who the session acts for (the personal token's name).")
    role: str
    expires_at: str = Field(description="When the session ends unless a page is viewed.")
    csrf_token: str = Field(description="Send it as `X-CSRF-Token` with every unsafe request.")


def cookie_header(rt: ApiRuntime, value: str, *, max_age: int) -> str:
    """The ``Set-Cookie`` value of a browser session (Secure when served over TLS)."""
    secure = rt.settings.api_public_url.startswith("https://")
    return session_cookie_header(value, max_age=max_age, secure=secure)


def start_session(rt: ApiRuntime, token_text: str) -> tuple[dict[str, Any], str]:
    """A new staff session for a personal regulator token: the answer and the cookie to set.

    Raises:
        ApiProblem: 401 for an unknown, revoked or expired token; 403 for a token that is not a
            person's regulator token (a session, an issuer's or auditor's token).
        StorageError: the database failed.
    """
    parts = split_token(token_text.strip())
    record = rt.store.token(parts[0]) if parts is not None else None
    principal = rt.principal_for(f"Bearer {token_text.strip()}")
    if record is None or principal is None:
        raise ApiProblem(
            status=401, slug="unauthorized", detail="the token is unknown, revoked or expired"
        )
    if record.kind is not TokenKind.TOKEN or record.role is not Role.REGULATOR:
        raise ApiProblem(
            status=403,
            slug="forbidden",
            detail="the workbench is for the registry office: sign in with your personal "
            "regulator token (`tamga token create --role regulator --name …`)",
        )
    now = rt.now()
    idle = rt.settings.api_staff_idle_seconds
    expires = now + timedelta(seconds=idle)
    issued = make_token(rt.random_bytes(TOKEN_ID_BYTES + TOKEN_SECRET_BYTES))
    rt.store.add_token(
        token_id=issued.token_id,
        name=f"{STAFF_PREFIX}{record.name}",
        kind=TokenKind.SESSION,
        role=record.role,
        scopes=record.scopes,
        secret_hash=issued.secret_hash,
        created_at=now,
        expires_at=expires,
    )
    answer = {
        "name": record.name,
        "role": record.role.value,
        "expires_at": format_time(expires),
        "csrf_token": csrf_token(issued.text),
    }
    return answer, cookie_header(rt, issued.text, max_age=idle)


def cookie_session(request: Request, role: Role) -> tuple[Principal, str] | None:
    """The browser session of a page request in ``role`` (its principal and cookie text): a
    staff session (regulator) or an issuer's wallet session; None otherwise.

    Raises:
        StorageError: the database failed.
    """
    cookie = session_cookie(request.headers.get("cookie"))
    if cookie is None or request.headers.get("authorization"):
        return None
    principal = get_principal(request)
    if principal is None or principal.kind is not TokenKind.SESSION:
        return None
    if principal.role is not role:
        return None
    return principal, cookie


def staff_session(request: Request) -> tuple[Principal, str] | None:
    """The staff session of a page request (its principal and cookie text), or None.

    Raises:
        StorageError: the database failed.
    """
    return cookie_session(request, Role.REGULATOR)


def end_session(rt: ApiRuntime, principal: Principal) -> Response:
    """Revoke a browser session at once and clear its cookie (sign-out).

    Raises:
        StorageError: the database failed.
    """
    rt.store.revoke_token(principal.token_id, at=rt.now())
    return Response(
        status_code=204,
        headers={"set-cookie": cookie_header(rt, "", max_age=0), "cache-control": "no-store"},
    )


def touch_session(rt: ApiRuntime, principal: Principal) -> None:
    """Push the session's end ``api_staff_idle_seconds`` past now (a page was viewed).

    Raises:
        StorageError: the database failed.
    """
    until = rt.now() + timedelta(seconds=rt.settings.api_staff_idle_seconds)
    rt.store.extend_session(principal.token_id, until=until)


def staff_name(rt: ApiRuntime, principal: Principal) -> str:
    """The person a staff session acts for.

    Raises:
        StorageError: the database failed.
    """
    record = rt.store.token(principal.token_id)
    name = record.name if record is not None else principal.token_id
    return name.removeprefix(STAFF_PREFIX)


def recorded_by(rt: ApiRuntime, principal: Principal) -> str | None:
    """The person a write is attributed to in the log (``recorded_by``): the member of staff
    of a workbench session, taken from the authenticated session, never from the request body;
    None for any other caller (tokens, issuers' wallet sessions).

    Raises:
        StorageError: the database failed.
    """
    if principal.kind is not TokenKind.SESSION or principal.role is not Role.REGULATOR:
        return None
    record = rt.store.token(principal.token_id)
    if record is None or not record.name.startswith(STAFF_PREFIX):
        return None
    return record.name.removeprefix(STAFF_PREFIX)


@router.post(
    "/staff/session",
    response_model=StaffSessionOut,
    summary="Sign in to the workbench (a member of staff's personal regulator token)",
    responses=problem_responses(401, 403, 413, 415, 422, 429, 503),
)
def sign_in(rt: Runtime, body: StaffSignInIn) -> Response:
    """Exchanges the person's token for a new session: the cookie `tamga_session` (HttpOnly,
    SameSite=Strict, Secure over TLS) and the CSRF token the pages send back."""
    answer, cookie = start_session(rt, body.token)
    return json_response(answer, headers={"set-cookie": cookie, "cache-control": "no-store"})


@router.delete(
    "/staff/session",
    status_code=204,
    summary="Sign out of the workbench",
    responses=problem_responses(401, 403, 429, 503),
)
def sign_out(request: Request, rt: Runtime) -> Response:
    """Ends the session of the cookie (revoked at once) and clears the cookie. Needs the
    session's `X-CSRF-Token`, like every unsafe request made with the cookie."""
    found = staff_session(request)
    if found is None:
        raise ApiProblem(status=401, slug="unauthorized", detail="no workbench session")
    principal, _ = found
    return end_session(rt, principal)
