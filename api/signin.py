"""Wallet sign-in for issuers (EIP-4361): a challenge to sign with a declared wallet, then a
short-lived session token for the issuer's emissions that declare that wallet (Reg. §5.5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from api.auth import ROLE_SCOPES, TOKEN_ID_BYTES, TOKEN_SECRET_BYTES, Role, TokenKind, make_token
from api.credentials import csrf_token
from api.deps import get_runtime
from api.models import ChallengeIn, ChallengeOut, SessionOut, SignInIn
from api.problems import ApiProblem, problem_responses
from api.runtime import ApiRuntime
from api.siwe import STATEMENT, SignInMessage, checksum_address, nonce_of, recover_signer
from api.staff import cookie_header, cookie_session, end_session
from api.store import ChallengeRecord
from api.views import dumps
from node.checkpoint import format_time, parse_time
from node.errors import NotFound, VerificationError

router = APIRouter(prefix="/v1/auth", tags=["auth"])
Runtime = Annotated[ApiRuntime, Depends(get_runtime)]
NONCE_BYTES = 16


def declared_wallets(rt: ApiRuntime, issuer: str) -> set[str]:
    """The EVM wallets (lower case) an issuer declared in its emissions (Reg. §5.5, §9.4)."""
    snap = rt.index.current()
    return {
        item.state.issuer_wallet.lower()
        for item in snap.emissions.values()
        if item.state.issuer == issuer
    }


@router.post(
    "/challenge",
    response_model=ChallengeOut,
    summary="Get a sign-in message for a declared wallet (EIP-4361)",
    responses=problem_responses(403, 404, 413, 422, 429, 503),
)
def challenge(rt: Runtime, body: ChallengeIn) -> Response:
    """A message to sign with ``personal_sign``; its nonce is good once, until it expires."""
    if body.issuer not in rt.index.current().issuers:
        raise NotFound(kind="issuer", key=body.issuer)
    address = checksum_address(body.address)
    if address.lower() not in declared_wallets(rt, body.issuer):
        raise ApiProblem(
            status=403,
            slug="forbidden",
            field="address",
            rule="wallet-declared",
            paragraph="Reg. §5.5",
            detail=f"{address} is not a wallet declared in any emission of issuer {body.issuer}",
        )
    now = rt.now()
    message = SignInMessage(
        domain=_domain(rt.settings.api_public_url),
        address=address,
        statement=STATEMENT.format(issuer=body.issuer),
        uri=rt.settings.api_public_url,
        chain_id=body.chain_id,
        nonce=rt.random_bytes(NONCE_BYTES).hex(),
        issued_at=now,
        expires_at=now + timedelta(seconds=rt.settings.api_challenge_ttl_seconds),
        issuer=body.issuer,
    )
    text = message.text()
    rt.store.add_challenge(
        ChallengeRecord(
            nonce=message.nonce,
            address=address,
            issuer=body.issuer,
            message=text,
            issued_at=format_time(message.issued_at),
            expires_at=format_time(message.expires_at),
            used_at=None,
        )
    )
    payload = {
        "message": text,
        "nonce": message.nonce,
        "expires_at": format_time(message.expires_at),
    }
    return Response(content=dumps(payload), media_type="application/json")


@router.post(
    "/signin",
    response_model=SessionOut,
    summary="Exchange a signed challenge for a session token",
    responses=problem_responses(401, 413, 422, 429, 503),
)
def signin(rt: Runtime, body: SignInIn) -> Response:
    """Checks the nonce (unused, unexpired), the exact message and the signature (EIP-191)."""
    nonce = nonce_of(body.message)
    now = rt.now()
    record = rt.store.use_challenge(nonce, at=now) if nonce else None
    if record is None:
        raise _failed("the message's nonce is unknown or was already used")
    if record.message != body.message:
        raise _failed("the message differs from the challenge issued for this nonce")
    if parse_time(record.expires_at) <= now:
        raise _failed("the challenge expired; ask for a new one")
    try:
        signer = recover_signer(body.message, body.signature)
    except VerificationError as exc:
        raise _failed(str(exc)) from exc
    if signer.lower() != record.address.lower():
        raise _failed(f"the message was signed by {signer}, not by {record.address}")
    if record.address.lower() not in declared_wallets(rt, record.issuer):
        raise _failed("the wallet is no longer declared by the issuer")
    issued = make_token(rt.random_bytes(TOKEN_ID_BYTES + TOKEN_SECRET_BYTES))
    expires = now + timedelta(seconds=rt.settings.api_session_ttl_seconds)
    scopes = ROLE_SCOPES[Role.ISSUER]
    rt.store.add_token(
        token_id=issued.token_id,
        name=f"wallet {record.address}",
        kind=TokenKind.SESSION,
        role=Role.ISSUER,
        scopes=scopes,
        secret_hash=issued.secret_hash,
        created_at=now,
        issuer=record.issuer,
        wallet=record.address,
        expires_at=expires,
    )
    payload: dict[str, Any] = {
        "token": issued.text,
        "token_type": "Bearer",
        "expires_at": format_time(expires),
        "issuer": record.issuer,
        "wallet": record.address,
        "scopes": sorted(s.value for s in scopes),
    }
    headers = {"cache-control": "no-store"}
    if body.cookie:  # the issuers' portal (api/portal.py): the browser keeps it, HttpOnly
        payload["csrf_token"] = csrf_token(issued.text)
        headers["set-cookie"] = cookie_header(
            rt, issued.text, max_age=rt.settings.api_session_ttl_seconds
        )
    return Response(content=dumps(payload), media_type="application/json", headers=headers)


@router.delete(
    "/session",
    status_code=204,
    summary="Sign out of the issuers' portal (the wallet session of the cookie)",
    responses=problem_responses(401, 403, 429, 503),
)
def sign_out(request: Request, rt: Runtime) -> Response:
    """Ends the wallet session of the cookie (revoked at once) and clears the cookie; needs
    the session's `X-CSRF-Token`, like every unsafe request made with the cookie."""
    found = cookie_session(request, Role.ISSUER)
    if found is None:
        raise ApiProblem(status=401, slug="unauthorized", detail="no portal session")
    return end_session(rt, found[0])


def _failed(detail: str) -> ApiProblem:
    return ApiProblem(
        status=401,
        slug="sign-in-failed",
        detail=detail,
        rule="eip-4361",
        paragraph="EIP-4361",
        field="message",
        headers={"WWW-Authenticate": 'Bearer realm="tamga"'},
    )


def _domain(url: str) -> str:
    """The authority (host[:port]) of the public URL: the EIP-4361 ``domain``."""
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0]
