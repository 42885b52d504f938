"""The issuers' portal (issuer role, in the browser): sign-in with the issuer's wallet (EIP-4361
through the browser's wallet, EIP-1193, or a signature pasted from elsewhere), the issuer's
emissions with their deadlines and open findings, the application form (Reg. §9, Annex 1) with
drafts kept in the browser, the events an issuer files (results, fees, burns …), the proof of
wallet control (EIP-712) and the contract's source. Server-rendered; api/static/portal.js and
api/static/workbench.js send everything to the same API routes as any client."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.auth import Role
from api.credentials import csrf_token
from api.deps import get_runtime
from api.pages import render_page
from api.runtime import ApiRuntime
from api.staff import cookie_session
from api.workbench import EMISSION_FILING, board, event_forms, filing_forms
from api.writes import ISSUER_FILED_KINDS
from node.domain.lifecycle import recorded_on
from node.domain.model import EmissionState

router = APIRouter(include_in_schema=False)
Runtime = Annotated[ApiRuntime, Depends(get_runtime)]


def _signed_in(request: Request) -> dict[str, Any] | None:
    """The portal session of the page request: the issuer, the wallet, the CSRF token."""
    found = cookie_session(request, Role.ISSUER)
    if found is None:
        return None
    principal, cookie = found
    wallet = principal.wallet or ""
    return {
        "portal_issuer": principal.issuer,
        "portal_wallet": wallet,
        "portal_user": f"{principal.issuer} · {wallet[:6]}…{wallet[-4:]}" if wallet else "",
        "csrf": csrf_token(cookie),
    }


def _own(rt: ApiRuntime, session: dict[str, Any]) -> list[EmissionState]:
    """The emissions this session acts for: the issuer's, declaring the signed-in wallet
    (Reg. §5.5; the write routes enforce the same)."""
    wallet = str(session["portal_wallet"]).lower()
    return [
        item.state
        for item in rt.index.current().emissions.values()
        if item.state.issuer == session["portal_issuer"]
        and (not wallet or item.state.issuer_wallet.lower() == wallet)
    ]


@router.get("/portal", response_class=HTMLResponse)
def home(request: Request, rt: Runtime) -> Response:
    """Sign-in, or the issuer's emissions: status, what the issuer owes and when, findings."""
    session = _signed_in(request)
    if session is None:
        return render_page(request, "portal_signin.html", workbench=True, portal=True)
    mine = _own(rt, session)
    keys = {e.key for e in mine} | {e.application_no for e in mine}
    items, today = board(rt)
    return render_page(
        request,
        "portal_home.html",
        workbench=True,
        portal=True,
        emissions=mine,
        deadlines=[i for i in items if i.key in keys],
        today=today,
        **session,
    )


@router.get("/portal/apply", response_class=HTMLResponse)
def apply(request: Request, rt: Runtime) -> Response:
    """The application (Reg. §9, Annex 1): every field of the filing, the issuer filled in;
    a draft is kept in the browser until it is filed."""
    session = _signed_in(request)
    if session is None:
        return RedirectResponse("/portal", status_code=303)
    forms = filing_forms((EMISSION_FILING,), fixed={"issuer": session["portal_issuer"]})
    return render_page(
        request,
        "portal_apply.html",
        workbench=True,
        portal=True,
        forms=forms,
        today=recorded_on(rt.now()),
        **session,
    )


@router.get("/portal/emissions/{key}", response_class=HTMLResponse)
def emission(request: Request, rt: Runtime, key: str) -> Response:
    """One of the issuer's emissions: its deadlines and open findings, the events the issuer
    files, the wallet proof and the contract's source. Another issuer's emission is not shown
    (404, as for a key that does not exist)."""
    session = _signed_in(request)
    if session is None:
        return RedirectResponse("/portal", status_code=303)
    found = rt.index.current().emission(key)
    if found is None or found.state not in _own(rt, session):
        return render_page(request, "not_found.html", status=404, key=key)
    state = found.state
    items, today = board(rt)
    verification = state.verification
    return render_page(
        request,
        "portal_emission.html",
        workbench=True,
        portal=True,
        state=state,
        title=f"{state.key} · {state.name}",
        record_status=state.status.value,
        endpoint=f"/v1/emissions/{state.key}/events",
        forms=event_forms(tuple(sorted(ISSUER_FILED_KINDS))),
        deadlines=[i for i in items if i.key in (state.key, state.application_no)],
        findings=[] if verification is None else list(verification.open_findings),
        proof=None if verification is None else verification.wallet_proof,
        source=None if verification is None else verification.source,
        wallet_chain_id=json.dumps(state.blockchain),
        today=today,
        **session,
    )
