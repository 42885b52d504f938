"""The registry office's workbench (regulator staff, in the browser): sign-in, the inbox of
deadlines the authority owes, the deadline board (CSV too) and the decision forms of every event
of a record. Server-rendered; a small script (api/static/workbench.js) sends the forms to the
same API routes as every other client, with the session's CSRF token (docs/architecture.md)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.credentials import csrf_token
from api.deps import get_runtime
from api.health import node_health
from api.models import CalendarCorrectionIn
from api.pages import render_page
from api.reports import csv_response
from api.runtime import ApiRuntime
from api.staff import staff_name, staff_session, touch_session
from node.domain.board import BoardItem, deadline_board
from node.domain.entries import ENTRY_TYPES, MinerFiling, VaspFiling
from node.domain.filings import (
    EMISSION_EVENT_KINDS,
    ISSUER_EVENT_KINDS,
    MINER_EVENT_KINDS,
    VASP_EVENT_KINDS,
    EmissionFiling,
    IssuerFiling,
)
from node.domain.lifecycle import recorded_on
from node.domain.model import dec_str
from node.domain.supply import SupplyReport
from node.services import reports, verification
from node.services.verification import SEVERITY_ORDER

router = APIRouter(include_in_schema=False)
Runtime = Annotated[ApiRuntime, Depends(get_runtime)]

BASE_FIELDS: Final = frozenset(
    {
        "kind",
        "emission",
        "issuer",
        "miner",
        "licence",
        "recorded_at",
        "effective_on",
        "basis",
        "recorded_by",
    }
)
AUTHORITY_EVENTS: Final = frozenset(
    {
        "emission.registered",
        "emission.refused",
        "emission.remedy_requested",
        "emission.whitepaper_amended",
        "emission.suspended",
        "emission.resumed",
        "emission.recognized_successful",
        "emission.recognized_failed",
        "emission.recognition_notified",
        "emission.declared_failed",
        "emission.cancelled",
        "emission.cancellation_prenotified",
        "emission.cancellation_notified",
        "emission.cancellation_published",
        "emission.name_reviewed",
        "emission.invalidated",
        "vasp.documents_supplemented",
        "vasp.licence_granted",
        "vasp.licence_refused",
        "vasp.measure_applied",
        "vasp.measure_lifted",
        "vasp.licence_revoked",
        "miner.suspended",
        "miner.resumed",
        "miner.terminated",
        "miner.info_requested",
        "issuer.updated",
        "issuer.name_reviewed",
        "issuer.reorganized",
        "issuer.liquidated",
    }
)
"""Events the regulation gives the authority (listed first in the forms)."""

ASSIGNED: Final = {"emission.registered": frozenset({"regno"})}
"""Members the register fills in itself (the number of Reg. §67-68), never typed in a form."""


@dataclass(frozen=True)
class FormField:
    """One input of a decision form, derived from the entry's wire model (JSON Schema)."""

    name: str
    kind: Literal["text", "date", "integer", "select", "multi", "bool", "json"]
    required: bool
    options: tuple[str, ...] = ()
    hint: str = ""
    item: str = ""
    """For a list of objects (collateral items): a new item's members as JSON, added by a
    button of the form."""
    hashed: bool = False
    """A document named by its SHA-256: the form hashes the chosen file in the browser."""


def _item_template(items: dict[str, Any], defs: dict[str, Any]) -> str:
    """A new list item with every member of its schema, empty (enumerations: the first)."""
    if "properties" not in items:
        return ""
    blank: dict[str, Any] = {}
    for member, raw in items["properties"].items():
        prop, _ = _resolve(raw, defs)
        blank[member] = str(prop["enum"][0]) if "enum" in prop else ""
    return json.dumps(blank, ensure_ascii=False)


def _resolve(prop: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The property's schema with ``$ref`` followed, and whether null is allowed."""
    nullable = False
    while "anyOf" in prop:  # a nullable amount nests one anyOf in another
        options = [p for p in prop["anyOf"] if p.get("type") != "null"]
        nullable = nullable or len(options) < len(prop["anyOf"])
        texts = [p for p in options if p.get("type") == "string"]
        if len(options) == 1:
            prop = options[0]
        elif texts and all(p.get("type") in ("string", "number", "integer") for p in options):
            prop = texts[0]  # an amount (a decimal as text or a number): typed as text, exact
        else:
            prop = {"type": "json"}
    if "$ref" in prop:
        prop = defs[prop["$ref"].rsplit("/", 1)[1]]
    return prop, nullable


def form_fields(
    model: type[BaseModel],
    *,
    assigned: frozenset[str] = frozenset(),
    skip: frozenset[str] = BASE_FIELDS,
) -> list[FormField]:
    """The inputs of a form for ``model``: its own members (not those in ``skip`` — for an
    event, the members every entry has — nor those the register assigns)."""
    schema = model.model_json_schema()
    defs: dict[str, Any] = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    fields: list[FormField] = []
    for name, raw in schema.get("properties", {}).items():
        if name in skip or name in assigned:
            continue
        prop, nullable = _resolve(raw, defs)
        must = name in required and not nullable
        hint = str(raw.get("description") or prop.get("description") or "")
        kind: Literal["text", "date", "integer", "select", "multi", "bool", "json"]
        options: tuple[str, ...] = ()
        item = ""
        if "enum" in prop:
            kind, options = "select", tuple(str(v) for v in prop["enum"])
        elif prop.get("type") == "array":
            items, _ = _resolve(prop.get("items", {}), defs)
            if "enum" in items:
                kind, options = "multi", tuple(str(v) for v in items["enum"])
            else:
                kind, item = "json", _item_template(items, defs)
        elif prop.get("type") == "string":
            kind = "date" if prop.get("format") == "date" else "text"
        elif prop.get("type") == "integer":
            kind = "integer"
        elif prop.get("type") == "boolean":
            kind = "bool"
        else:
            kind = "json"
        hashed = kind == "json" and "sha256" in prop.get("properties", {})
        fields.append(
            FormField(
                name=name,
                kind=kind,
                required=must,
                options=options,
                hint=hint,
                item=item,
                hashed=hashed,
            )
        )
    return fields


def event_forms(kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """The forms of these event kinds (the authority's first), for workbench_fields.html."""
    ordered = sorted(kinds, key=lambda k: (k not in AUTHORITY_EVENTS, k))
    return [
        {
            "kind": k,
            "short": k.split(".", 1)[1],
            "authority": k in AUTHORITY_EVENTS,
            "doc": (ENTRY_TYPES[k].__doc__ or "").strip().split("\n\n")[0],
            "fields": form_fields(ENTRY_TYPES[k], assigned=ASSIGNED.get(k, frozenset())),
        }
        for k in ordered
    ]


def _signed_in(request: Request, rt: ApiRuntime) -> dict[str, Any] | None:
    found = staff_session(request)
    if found is None:
        return None
    principal, cookie = found
    touch_session(rt, principal)
    return {"staff": staff_name(rt, principal), "csrf": csrf_token(cookie)}


def board(rt: ApiRuntime) -> tuple[list[BoardItem], Any]:
    """Every open deadline of the three registers as of today, and today.

    Raises:
        StorageError: the database failed.
    """
    snap = rt.index.current()
    today = recorded_on(rt.now())
    items = deadline_board(
        emissions=[item.state for item in snap.emissions.values()],
        miners=snap.miners.values(),
        licences=snap.licences.values(),
        today=today,
        calendar=rt.ledger.calendar,
    )
    return items, today


def _record_url(item: BoardItem) -> str:
    return f"/workbench/records/{item.key}"


@router.get("/workbench", response_class=HTMLResponse)
def inbox(request: Request, rt: Runtime) -> Response:
    """Sign-in, or the inbox: what the authority must decide, soonest deadline first."""
    session = _signed_in(request, rt)
    if session is None:
        return render_page(request, "workbench_signin.html", workbench=True)
    items, today = board(rt)
    params = request.query_params
    register = params.get("register") or None
    status = params.get("status") or None
    mine = [
        i
        for i in items
        if i.owed_by == "authority"
        and (register is None or i.register == register)
        and (status is None or i.status == status)
    ]
    return render_page(
        request,
        "workbench_inbox.html",
        workbench=True,
        items=mine,
        today=today,
        record_url=_record_url,
        statuses=sorted({i.status for i in items if i.owed_by == "authority"}),
        register=register,
        status_filter=status,
        **session,
    )


@router.get("/workbench/deadlines", response_class=HTMLResponse)
def deadlines(request: Request, rt: Runtime) -> Response:
    """Every open deadline of the three registers (this week, overdue); ``?format=csv``."""
    session = _signed_in(request, rt)
    if session is None:
        return RedirectResponse("/workbench", status_code=303)
    items, today = board(rt)
    if request.query_params.get("format") == "csv":
        return _csv(items, today=today.isoformat())
    return render_page(
        request,
        "workbench_deadlines.html",
        workbench=True,
        items=items,
        today=today,
        record_url=_record_url,
        **session,
    )


CSV_COLUMNS: Final = (
    "register",
    "key",
    "name",
    "status",
    "deadline",
    "due",
    "rule",
    "owed_by",
    "days_left",
    "working_days_left",
    "overdue",
)


def _csv(items: list[BoardItem], *, today: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 §2
    writer.writerow(CSV_COLUMNS)
    for i in items:
        writer.writerow(
            [
                i.register,
                i.key,
                i.name,
                i.status,
                i.deadline.name,
                i.deadline.due.isoformat(),
                i.deadline.rule,
                i.owed_by,
                i.days_left,
                i.working_days_left,
                "yes" if i.overdue else "no",
            ]
        )
    return Response(
        content=out.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="deadlines-{today}.csv"',
            "cache-control": "no-store",
        },
    )


@router.get("/workbench/records/{key}", response_class=HTMLResponse)
def record(request: Request, rt: Runtime, key: str) -> Response:
    """One record's decision forms: every event of its register, the authority's first."""
    session = _signed_in(request, rt)
    if session is None:
        return RedirectResponse("/workbench", status_code=303)
    snap = rt.index.current()
    emission = snap.emission(key)
    if emission is not None:
        state: Any = emission.state
        kinds, endpoint = EMISSION_EVENT_KINDS, f"/v1/emissions/{state.key}/events"
        title, public = f"{state.key} · {state.name}", f"/emissions/{state.key}"
    elif key in snap.licences:
        state = snap.licences[key]
        kinds, endpoint = VASP_EVENT_KINDS, f"/v1/licences/{key}/events"
        title, public = f"{key} · {state.name}", f"/licences/{key}"
    elif key in snap.miners:
        state = snap.miners[key]
        kinds, endpoint = MINER_EVENT_KINDS, f"/v1/miners/{key}/events"
        title, public = f"{key} · {state.name}", f"/miners/{key}"
    elif key in snap.issuers:
        state = snap.issuers[key]
        kinds, endpoint = ISSUER_EVENT_KINDS, f"/v1/issuers/{key}/events"
        title, public = f"{key} · {state.name}", f"/?issuer={key}"
    else:
        return render_page(request, "not_found.html", status=404, key=key)
    items, today = board(rt)
    # a miner's EVM wallet for proceeds is proven by the miner's signature (Law art. 16.2 item
    # 4; `tamga miner prove-wallet`): the office gets the statement, the miner signs it
    proof = f"/v1/miners/{key}/wallet-proof" if key in snap.miners else None
    return render_page(
        request,
        "workbench_record.html",
        proof_endpoint=proof,
        workbench=True,
        title=title,
        public_url=public,
        record_status=state.status.value,
        endpoint=endpoint,
        forms=event_forms(tuple(kinds)),
        deadlines=[i for i in items if i.key in (key, getattr(state, "key", key))],
        today=today,
        **session,
    )


@dataclass(frozen=True)
class Filing:
    """A form that opens a record (an issuer, an application, a miner, a licence application)
    or records a decree: its wire model, the API route it posts to and how the body is built
    (``wrap``: the fields go under ``filing``, or at the top level beside ``basis``)."""

    name: str
    model: type[BaseModel]
    endpoint: str
    wrap: Literal["filing", "top"]
    basis: bool
    dated: bool = True
    """Whether the route takes ``effective_on`` (an application is dated by its filing)."""


EMISSION_FILING: Final = Filing(
    "emission", EmissionFiling, "/v1/emissions", "filing", basis=False, dated=False
)
FILINGS: Final = (
    Filing("issuer", IssuerFiling, "/v1/issuers", "filing", basis=False),
    EMISSION_FILING,
    Filing("miner", MinerFiling, "/v1/miners", "filing", basis=False),
    Filing("vasp", VaspFiling, "/v1/licences", "filing", basis=False),
    Filing("calendar", CalendarCorrectionIn, "/v1/calendar/corrections", "top", basis=True),
)
"""Every write of the CLI that opens a record (`tamga issuer add`, `emission register`, `miner
register`, `vasp apply`, `calendar correct`), as a form on the same API route."""
FILING_SKIP: Final = frozenset({"effective_on", "basis"})
"""Members a filing form does not render as its own inputs (the date and the basis have theirs)."""


def filing_forms(
    filings: Sequence[Filing], *, fixed: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The forms of these filings, for workbench_fields.html; ``fixed`` members are sent as
    given (the portal's issuer), not typed."""
    fixed = dict(fixed or {})
    return [
        {
            "kind": f.name,
            "short": f.name,
            "authority": True,
            "doc": (f.model.__doc__ or "").strip().split("\n\n")[0],
            "fields": form_fields(f.model, skip=FILING_SKIP | frozenset(fixed)),
            "endpoint": f.endpoint,
            "wrap": f.wrap,
            "basis": f.basis,
            "dated": f.dated,
            "fixed": json.dumps(fixed) if fixed else "",
        }
        for f in filings
    ]


@router.get("/workbench/new", response_class=HTMLResponse)
def new_record(request: Request, rt: Runtime) -> Response:
    """Forms that open a record: an issuer (Reg. §9.5-9.7), an application received on paper
    (Reg. §9), a miner (Law art. 15-16), a licence application (Law art. 29-30), and a decree
    moving working days."""
    session = _signed_in(request, rt)
    if session is None:
        return RedirectResponse("/workbench", status_code=303)
    forms = filing_forms(FILINGS)
    return render_page(
        request,
        "workbench_new.html",
        workbench=True,
        forms=forms,
        today=recorded_on(rt.now()),
        **session,
    )


# ---- burned supply, findings triage, node health (issue #18) --------------------------------


@dataclass(frozen=True)
class Chart:
    """An inline SVG line chart: polylines of the register's and the chain's burns."""

    width: int
    height: int
    register: str  # "x,y x,y …"
    chain: str
    top: str  # the largest value (VAs), labelled on the axis
    first: str  # the first and last point's time
    last: str


CHART_W: Final = 600
CHART_H: Final = 200
CHART_PAD: Final = 30


def supply_chart(report: SupplyReport) -> Chart | None:
    """The report's timeline as polylines (server-rendered, no script); None without points."""
    points = report.timeline
    if not points:
        return None
    top = max(max(Decimal(p.register_burned), p.chain_burned) for p in points) or Decimal(1)
    span = max(len(points) - 1, 1)

    def xy(i: int, value: Decimal) -> str:
        x = CHART_PAD + (CHART_W - 2 * CHART_PAD) * i / span
        y = CHART_H - CHART_PAD - float((CHART_H - 2 * CHART_PAD) * value / top)
        return f"{x:.1f},{y:.1f}"

    return Chart(
        width=CHART_W,
        height=CHART_H,
        register=" ".join(xy(i, Decimal(p.register_burned)) for i, p in enumerate(points)),
        chain=" ".join(xy(i, p.chain_burned) for i, p in enumerate(points)),
        top=dec_str(top),
        first=points[0].recorded_at[:10],
        last=points[-1].recorded_at[:10],
    )


@router.get("/workbench/supply", response_class=HTMLResponse)
def supply_page(request: Request, rt: Runtime) -> Response:
    """Burned supply per emission and in total: the register against the chain (Reg. §45-46)."""
    session = _signed_in(request, rt)
    if session is None:
        return RedirectResponse("/workbench", status_code=303)
    report = reports.supply(rt.db)
    return render_page(
        request,
        "workbench_supply.html",
        workbench=True,
        report=report,
        chart=supply_chart(report),
        publications=list(reversed(reports.publications(rt.db)))[:10],
        dec=dec_str,
        **session,
    )


@router.get("/workbench/supply.csv")
def supply_csv_page(request: Request, rt: Runtime) -> Response:
    """The burned-supply CSV at the latest checkpoint (the bytes a publication records)."""
    if _signed_in(request, rt) is None:
        return RedirectResponse("/workbench", status_code=303)
    return csv_response(reports.supply(rt.db))


@router.get("/workbench/findings", response_class=HTMLResponse)
def findings_page(request: Request, rt: Runtime) -> Response:
    """Open on-chain verification findings, the most severe first, each with its evidence and a
    form to resolve it with a note."""
    session = _signed_in(request, rt)
    if session is None:
        return RedirectResponse("/workbench", status_code=303)
    found = verification.open_findings(rt.db)
    groups = [
        (severity.value, [f for f in found if f.severity is severity])
        for severity in SEVERITY_ORDER
    ]
    return render_page(
        request,
        "workbench_findings.html",
        workbench=True,
        groups=[g for g in groups if g[1]],
        total=len(found),
        **session,
    )


@router.get("/workbench/health", response_class=HTMLResponse)
def health_page(request: Request, rt: Runtime) -> Response:
    """The node's health: latest checkpoint, anchor lag, the anchoring key's balance,
    verification and witness activity (the figures /metrics and /readyz compute)."""
    session = _signed_in(request, rt)
    if session is None:
        return RedirectResponse("/workbench", status_code=303)
    return render_page(
        request,
        "workbench_health.html",
        workbench=True,
        health=node_health(rt),
        **session,
    )
