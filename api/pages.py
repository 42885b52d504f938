"""Server-rendered public pages (Jinja2, no build step): register, emission, checkpoints."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, Response

from anchoring.services import AnchorView, confirmed_anchors, covering
from api.bundles import chain_configured
from api.deps import get_runtime
from api.i18n import LANGUAGE_NAMES, LANGUAGES, pick_language, region_name, text
from api.index import EmissionFilter
from api.problems import ApiProblem
from api.runtime import ApiRuntime
from api.verification import verification_view
from api.views import decode_cursor, encode_cursor, history_json
from node.domain.entries import VERIFICATION_KINDS, VerificationFinding
from node.domain.lifecycle import recorded_on
from node.domain.miners import region_stats
from node.domain.model import EmissionStatus
from node.domain.regno import Region, VAType
from node.ledger.export import checkpoint_json
from node.services import emissions, log

router = APIRouter(include_in_schema=False)
Runtime = Annotated[ApiRuntime, Depends(get_runtime)]
HERE: Final = Path(__file__).resolve().parent
PAGE_SIZE: Final = 25
LANG_COOKIE_SECONDS: Final = 365 * 24 * 3600

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _enum(kind: type[Any], value: str | None) -> Any:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        return None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def render_page(request: Request, template: str, *, status: int = 200, **context: Any) -> Response:
    lang = pick_language(
        request.query_params.get("lang"),
        request.cookies.get("lang"),
        request.headers.get("accept-language"),
    )

    def t(key: str) -> str:
        return text(key, lang)

    def lang_url(code: str) -> str:
        params = dict(request.query_params)
        params["lang"] = code
        return f"{request.url.path}?{urlencode(params)}"

    html = _env.get_template(template).render(
        t=t,
        lang=lang,
        languages=[(code, LANGUAGE_NAMES[code], lang_url(code)) for code in LANGUAGES],
        region_name=lambda r: region_name(r, lang),
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(
            "lang", lang, max_age=LANG_COOKIE_SECONDS, samesite="lax", httponly=True
        )
    return response


@router.get("/", response_class=HTMLResponse)
def register_page(request: Request, rt: Runtime) -> Response:
    """The register: search and filters, newest applications first."""
    params = request.query_params
    flt = EmissionFilter(
        q=params.get("q") or None,
        status=_enum(EmissionStatus, params.get("status")),
        va_type=_enum(VAType, params.get("va_type")),
        region=_enum(Region, params.get("region")),
        blockchain=params.get("blockchain") or None,
        issuer=(params.get("issuer") or "").upper() or None,
        registered_from=_date(params.get("registered_from")),
        registered_to=_date(params.get("registered_to")),
    )
    fingerprint = flt.fingerprint() + "newest"
    try:
        after = decode_cursor(params.get("cursor"), fingerprint)
    except ApiProblem:
        after = None
    snap = rt.index.current()
    found, more = snap.find(flt, descending=True, after=after, limit=PAGE_SIZE)
    next_url = None
    if more and found:
        query = {k: v for k, v in params.items() if k != "cursor" and v}
        query["cursor"] = encode_cursor(found[-1].ordinal, fingerprint)
        next_url = "/?" + urlencode(query)
    chains = sorted({item.state.blockchain for item in snap.emissions.values()})
    return render_page(
        request,
        "register.html",
        items=[(item.state, snap.issuers.get(item.state.issuer)) for item in found],
        flt=flt,
        params=params,
        statuses=list(EmissionStatus),
        va_types=list(VAType),
        regions=list(Region),
        chains=chains,
        next_url=next_url,
    )


@router.get("/emissions/{key}", response_class=HTMLResponse)
def emission_page(request: Request, rt: Runtime, key: str) -> Response:
    """One emission: the Reg. §62 fields, lifecycle, deadlines, on-chain status, anchors."""
    snap = rt.index.current()
    item = snap.emission(key)
    if item is None:
        return render_page(request, "not_found.html", status=404, key=key)
    state = item.state
    history = emissions.history(rt.db, key=state.application_no)
    anchors = confirmed_anchors(rt.db)
    anchored: dict[int, AnchorView] = {}
    for record, _entry in history:
        anchor = covering(anchors, record.idx)
        if anchor is not None:
            anchored.setdefault(anchor.tree_size, anchor)
    timeline = [
        {
            "index": record.idx,
            "kind": entry.kind,
            "effective_on": entry.effective_on,
            "recorded_at": record.recorded_at,
            "basis": entry.basis,
            "anchor": covering(anchors, record.idx),
            "check": entry.check if isinstance(entry, VerificationFinding) else None,
        }
        for record, entry in history
    ]
    checked = [(r, e) for r, e in history if e.kind in VERIFICATION_KINDS]
    verification = verification_view(state, checked, limit=1)
    # a bundle proves the entries in the latest anchor, so one anchored entry is enough
    provable = bool(anchored) and chain_configured(rt.settings)
    return render_page(
        request,
        "emission.html",
        e=state,
        issuer=snap.issuers.get(state.issuer),
        timeline=timeline,
        anchors=[anchored[size] for size in sorted(anchored)],
        bundle_url=f"/v1/emissions/{quote(state.key)}/bundle" if provable else None,
        extract_url=f"/v1/emissions/{quote(state.key)}/extract.pdf" if provable else None,
        last_run=verification["last_run"],
        findings=verification["open_findings"],
    )


@router.get("/miners", response_class=HTMLResponse)
def miners_page(request: Request, rt: Runtime) -> Response:
    """The register of miners (Law art. 14-15): list by region, statistics by region."""
    region = _enum(Region, request.query_params.get("region"))
    everyone = sorted(rt.index.current().miners.values(), key=lambda m: m.certificate)
    shown = [m for m in everyone if region is None or any(s.region is region for s in m.sites)]
    return render_page(
        request,
        "miners.html",
        miner=None,
        miners=shown,
        regions=list(Region),
        region=region,
        stats=region_stats(everyone),
    )


@router.get("/miners/{certificate}", response_class=HTMLResponse)
def miner_page(request: Request, rt: Runtime, certificate: str) -> Response:
    """One miner: certificate, status, sites and equipment, requests, history (Law art. 14-16)."""
    miner = rt.index.current().miners.get(certificate)
    if miner is None:
        return render_page(request, "not_found.html", status=404, key=certificate)
    records = emissions.history(rt.db, key=certificate)
    return render_page(
        request,
        "miners.html",
        miner=miner,
        history=[history_json(r, e) for r, e in records],
        today=recorded_on(rt.now()),
        **_proof_links(rt, "miners", certificate, [r.idx for r, _ in records]),
    )


@router.get("/licences", response_class=HTMLResponse)
def licences_page(request: Request, rt: Runtime) -> Response:
    """The register of service providers (Law art. 30.6): licences, services, statuses."""
    everyone = sorted(rt.index.current().licences.values(), key=lambda lic: lic.licence)
    return render_page(request, "licences.html", licence=None, licences=everyone)


@router.get("/licences/{number}", response_class=HTMLResponse)
def licence_page(request: Request, rt: Runtime, number: str) -> Response:
    """One licence: status, services in force and restricted, periods, history."""
    licence = rt.index.current().licences.get(number)
    if licence is None:
        return render_page(request, "not_found.html", status=404, key=number)
    records = emissions.history(rt.db, key=number)
    return render_page(
        request,
        "licences.html",
        licence=licence,
        history=[history_json(r, e) for r, e in records],
        **_proof_links(rt, "licences", number, [r.idx for r, _ in records]),
    )


def _proof_links(rt: ApiRuntime, collection: str, key: str, indexes: list[int]) -> dict[str, Any]:
    """The bundle and extract links of a record, once one of its entries is anchored (a bundle
    proves the entries in the latest anchor) and the node reads a chain."""
    anchors = confirmed_anchors(rt.db)
    provable = any(covering(anchors, i) is not None for i in indexes) and chain_configured(
        rt.settings
    )
    if not provable:
        return {"bundle_url": None, "extract_url": None}
    base = f"/v1/{collection}/{quote(key)}"
    return {"bundle_url": f"{base}/bundle", "extract_url": f"{base}/extract.pdf"}


@router.get("/checkpoints", response_class=HTMLResponse)
def checkpoints_page(request: Request, rt: Runtime) -> Response:
    """The newest checkpoint and the list of checkpoints with their anchors."""
    rows = list(reversed(log.checkpoints(rt.db)))
    anchors = {a.tree_size: a for a in confirmed_anchors(rt.db)}
    views = [(checkpoint_json(r), anchors.get(r.size)) for r in rows[:200]]
    return render_page(request, "checkpoints.html", checkpoints=views, focus=None)


@router.get("/checkpoints/{size}", response_class=HTMLResponse)
def checkpoint_page(request: Request, rt: Runtime, size: int) -> Response:
    """One checkpoint."""
    row = log.checkpoint(rt.db, size=size)
    anchors = {a.tree_size: a for a in confirmed_anchors(rt.db)}
    return render_page(
        request, "checkpoints.html", checkpoints=[], focus=(checkpoint_json(row), anchors.get(size))
    )
