"""Public reads under /v1 (no authentication): the register, its log, checkpoints and proofs.

Nothing here ever returns founders' or shareholders' data (Reg. §66): issuers carry only the
salted commitment, and entries are the public log.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import Response

from anchoring.services import AnchorView, confirmed_anchors, entry_anchors
from api.deps import get_runtime
from api.index import EmissionFilter
from api.models import (
    CalendarCorrectionList,
    CheckpointList,
    CheckpointOut,
    ConsistencyProofOut,
    Deadlines,
    EmissionList,
    EmissionOut,
    EntryList,
    EntryOut,
    History,
    InclusionProofOut,
    IssuerList,
    IssuerOut,
    LogHead,
    StateProofOut,
)
from api.problems import PROBLEM_TYPES, problem_responses
from api.runtime import ApiRuntime
from api.views import (
    CheckpointQuery,
    decode_cursor,
    emission_json,
    encode_cursor,
    history_json,
    history_response,
    issuer_json,
    json_response,
    state_proof_response,
)
from node.domain.model import EmissionStatus, IssuerStatus
from node.domain.regno import Region, VAType
from node.errors import NotFound
from node.ledger.export import checkpoint_json, entry_json, witness_members
from node.ledger.store import CheckpointRecord
from node.services import calendar, emissions, log

router = APIRouter(prefix="/v1", tags=["public"])
Runtime = Annotated[ApiRuntime, Depends(get_runtime)]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size.")]
Cursor = Annotated[
    str | None,
    Query(
        max_length=200,
        pattern=r"^[A-Za-z0-9_-]*$",
        description="`next_cursor` of the previous page (opaque).",
    ),
]
EmissionKey = Annotated[
    str,
    Path(
        pattern=r"^[A-Z0-9-]{1,32}$",
        description="State registration number (e.g. KG0201A0011) or application number.",
        examples=["KG0201A0011"],
    ),
]
IssuerCode = Annotated[
    str, Path(pattern=r"^[A-Z0-9]{4}$", description="The issuer's code.", examples=["A001"])
]


# ---- issuers -------------------------------------------------------------------------------


@router.get(
    "/issuers",
    response_model=IssuerList,
    summary="List issuers",
    responses=problem_responses(400, 422, 429, 503),
)
def list_issuers(
    rt: Runtime,
    region: Annotated[Region | None, Query(description="Annex 7 region.")] = None,
    status: Annotated[IssuerStatus | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name.")] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Response:
    """Issuers by code; founders never appear (Reg. §66)."""
    snap = rt.index.current()
    fingerprint = repr((region, status, (q or "").casefold()))
    after = decode_cursor(cursor, fingerprint)
    needle = (q or "").strip().casefold()
    items: list[dict[str, Any]] = []
    more = False
    for code in sorted(snap.issuers, key=_code_position):
        issuer = snap.issuers[code]
        if after is not None and _code_position(code) <= after:
            continue
        if region is not None and issuer.region is not region:
            continue
        if status is not None and issuer.status is not status:
            continue
        if needle and needle not in issuer.name.casefold():
            continue
        if len(items) == limit:
            more = True
            break
        items.append(issuer_json(issuer))
    next_cursor = (
        encode_cursor(_code_position(items[-1]["code"]), fingerprint) if more and items else None
    )
    return json_response({"items": items, "page": {"limit": limit, "next_cursor": next_cursor}})


def _code_position(code: str) -> int:
    return int(code, 36)


@router.get(
    "/issuers/{code}",
    response_model=IssuerOut,
    summary="One issuer",
    responses=problem_responses(404, 422, 429, 503),
)
def get_issuer(rt: Runtime, code: IssuerCode) -> Response:
    """An issuer's public record (Reg. §62)."""
    issuer = rt.index.current().issuers.get(code)
    if issuer is None:
        raise NotFound(kind="issuer", key=code)
    return json_response(issuer_json(issuer))


@router.get(
    "/issuers/{code}/history",
    response_model=History,
    summary="Log entries about an issuer",
    responses=problem_responses(404, 422, 429, 503),
)
def issuer_history(rt: Runtime, code: IssuerCode) -> Response:
    """Every log entry about the issuer, oldest first (founders only as the commitment)."""
    if code not in rt.index.current().issuers:
        raise NotFound(kind="issuer", key=code)
    return history_response(rt.db, code)


# ---- emissions -----------------------------------------------------------------------------


@router.get(
    "/emissions",
    response_model=EmissionList,
    summary="Search and filter the register",
    responses=problem_responses(400, 422, 429, 503),
)
async def list_emissions(
    rt: Runtime,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Search: part of the name, symbol or issuer name; a registration or "
            "application number; a contract address.",
            examples=["ALA"],
        ),
    ] = None,
    issuer: Annotated[str | None, Query(pattern=r"^[A-Z0-9]{4}$")] = None,
    va_type: Annotated[VAType | None, Query()] = None,
    status: Annotated[EmissionStatus | None, Query()] = None,
    region: Annotated[Region | None, Query(description="The issuer's region (Annex 7).")] = None,
    blockchain: Annotated[str | None, Query(max_length=64)] = None,
    registered_from: Annotated[date | None, Query()] = None,
    registered_to: Annotated[date | None, Query()] = None,
    filed_from: Annotated[date | None, Query()] = None,
    filed_to: Annotated[date | None, Query()] = None,
    order: Annotated[str, Query(pattern="^(newest|oldest)$")] = "newest",
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Response:
    """Emissions in filing order (newest first by default), with stable cursors.

    A cursor remembers the last application seen, so pages never repeat or skip an emission
    while new ones are filed.
    """
    flt = EmissionFilter(
        issuer=issuer,
        va_type=va_type,
        status=status,
        region=region,
        blockchain=blockchain,
        registered_from=registered_from,
        registered_to=registered_to,
        filed_from=filed_from,
        filed_to=filed_to,
        q=q,
    )
    fingerprint = flt.fingerprint() + order
    after = decode_cursor(cursor, fingerprint)
    snap = rt.index.current()
    found, more = snap.find(flt, descending=order == "newest", after=after, limit=limit)
    next_cursor = encode_cursor(found[-1].ordinal, fingerprint) if more and found else None
    return json_response(
        {
            "items": [emission_json(item.state, snap) for item in found],
            "page": {"limit": limit, "next_cursor": next_cursor},
        }
    )


@router.get(
    "/emissions/{key}",
    response_model=EmissionOut,
    summary="One emission",
    responses=problem_responses(404, 422, 429, 503),
)
async def get_emission(rt: Runtime, key: EmissionKey) -> Response:
    """The emission's public record: the Reg. §62 fields, the decision on issue (Annex 1),
    placement results, burns, fees, deadlines."""
    snap = rt.index.current()
    item = snap.emission(key)
    if item is None:
        raise NotFound(kind="emission", key=key)
    return json_response(emission_json(item.state, snap))


@router.get(
    "/emissions/{key}/history",
    response_model=History,
    summary="An emission's full history",
    responses=problem_responses(404, 422, 429, 503),
)
def emission_history(rt: Runtime, key: EmissionKey) -> Response:
    """Every log entry about the emission, oldest first, with leaf hashes for proofs."""
    item = rt.index.current().emission(key)
    if item is None:
        raise NotFound(kind="emission", key=key)
    history = emissions.history(rt.db, key=item.state.application_no)
    items = [history_json(r, e) for r, e in history]
    return json_response({"key": item.state.key, "items": items})


@router.get(
    "/emissions/{key}/deadlines",
    response_model=Deadlines,
    summary="An emission's deadlines",
    responses=problem_responses(404, 422, 429, 503),
)
async def emission_deadlines(rt: Runtime, key: EmissionKey) -> Response:
    """Open deadlines (Kyrgyz working days) and deadlines that were missed."""
    item = rt.index.current().emission(key)
    if item is None:
        raise NotFound(kind="emission", key=key)
    state = item.state
    return json_response(
        {
            "key": state.key,
            "status": state.status.value,
            "open": [d.to_record() for d in state.deadlines],
            "missed": [d.to_record() for d in state.missed],
        }
    )


@router.get(
    "/emissions/{key}/anchors",
    summary="Anchors covering an emission's entries",
    responses=problem_responses(404, 422, 429, 503),
)
def emission_anchors(rt: Runtime, key: EmissionKey) -> Response:
    """For each entry about the emission, the first confirmed on-chain anchor that covers it
    (null while the entry is not anchored yet)."""
    item = rt.index.current().emission(key)
    if item is None:
        raise NotFound(kind="emission", key=key)
    entries = [
        {
            "index": found.index,
            "kind": found.kind,
            "anchor": found.anchor.to_json() if found.anchor is not None else None,
        }
        for found in entry_anchors(rt.db, key=item.state.application_no)
    ]
    return json_response({"key": item.state.key, "entries": entries})


@router.get(
    "/emissions/{key}/state-proof",
    response_model=StateProofOut,
    summary="Proof of an emission's state at a checkpoint",
    responses=problem_responses(404, 422, 429, 503),
)
def emission_state_proof(
    rt: Runtime,
    key: EmissionKey,
    checkpoint: CheckpointQuery = None,
) -> Response:
    """Inclusion of the emission's public record in the checkpoint's state tree."""
    return state_proof_response(rt.db, key, checkpoint)


# ---- log, checkpoints, proofs --------------------------------------------------------------


def _checkpoint_view(
    row: CheckpointRecord, anchors: list[AnchorView], rt: ApiRuntime
) -> dict[str, Any]:
    """A checkpoint with its anchors, its C2SP signed note and its witnesses' cosignatures."""
    witnesses = rt.db.witnesses
    note = witnesses.notes(sizes=[row.size]).get(row.size)
    cosigned = witnesses.cosignatures(sizes=[row.size]).get(row.size)
    return {
        **checkpoint_json(row),
        "anchors": [a.to_json() for a in anchors if a.tree_size == row.size],
        **witness_members(note, cosigned),
    }


@router.get(
    "/log",
    response_model=LogHead,
    summary="The log's head",
    responses=problem_responses(429, 503),
)
def log_head(rt: Runtime) -> Response:
    """Size and root of the Merkle log, and the newest checkpoint."""
    head = log.head(rt.db)
    latest = (
        None if head.latest is None else _checkpoint_view(head.latest, confirmed_anchors(rt.db), rt)
    )
    return json_response(
        {"tree_size": head.size, "root": head.root.hex(), "latest_checkpoint": latest}
    )


@router.get(
    "/log/entries",
    response_model=EntryList,
    summary="Log entries",
    responses=problem_responses(422, 429, 503),
)
def log_entries(
    rt: Runtime,
    start: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Entries ``start`` … ``start + limit - 1`` as in entries.jsonl (exact leaf bytes, base64)."""
    size, records = log.entries(rt.db, start=start, limit=limit)
    end = start + len(records)
    return json_response(
        {
            "tree_size": size,
            "items": [entry_json(r) for r in records],
            "next_start": end if end < size else None,
        }
    )


@router.get(
    "/log/entries/{index}",
    response_model=EntryOut,
    summary="One log entry",
    responses=problem_responses(404, 422, 429, 503),
)
def log_entry(rt: Runtime, index: Annotated[int, Path(ge=0, le=2**62)]) -> Response:
    """Entry ``index`` with its exact leaf bytes."""
    return json_response(entry_json(log.entry(rt.db, index=index)))


@router.get(
    "/calendar/corrections",
    response_model=CalendarCorrectionList,
    summary="The working calendar's recorded corrections",
    responses=problem_responses(429, 503),
)
def calendar_corrections(rt: Runtime) -> Response:
    """Every day a recorded government decree made a working day or a day off, in log order."""
    return json_response(
        {
            "items": [
                {
                    "day": c.day.isoformat(),
                    "becomes": "working_day" if c.working else "day_off",
                    "entry": c.index,
                    "decree": c.decree,
                }
                for c in calendar.calendar_corrections(rt.db)
            ]
        }
    )


@router.get(
    "/checkpoints",
    response_model=CheckpointList,
    summary="Signed checkpoints",
    responses=problem_responses(400, 422, 429, 503),
)
def list_checkpoints(rt: Runtime, limit: Limit = 20, cursor: Cursor = None) -> Response:
    """Checkpoints, newest first, with their on-chain anchors."""
    after = decode_cursor(cursor, "checkpoints")
    rows = [r for r in reversed(log.checkpoints(rt.db)) if after is None or r.size < after]
    page, more = rows[:limit], len(rows) > limit
    anchors = confirmed_anchors(rt.db) if page else []
    return json_response(
        {
            "items": [_checkpoint_view(r, anchors, rt) for r in page],
            "page": {
                "limit": limit,
                "next_cursor": encode_cursor(page[-1].size, "checkpoints") if more else None,
            },
        }
    )


@router.get(
    "/checkpoints/latest",
    response_model=CheckpointOut,
    summary="The newest checkpoint",
    responses=problem_responses(404, 429, 503),
)
def latest_checkpoint(rt: Runtime) -> Response:
    """The newest signed checkpoint and its anchors."""
    row = log.checkpoint(rt.db)
    return json_response(_checkpoint_view(row, confirmed_anchors(rt.db), rt))


@router.get(
    "/checkpoints/{size}",
    response_model=CheckpointOut,
    summary="The checkpoint at a tree size",
    responses=problem_responses(404, 422, 429, 503),
)
def checkpoint_at(rt: Runtime, size: Annotated[int, Path(ge=0, le=2**62)]) -> Response:
    """The checkpoint cut at exactly ``size`` entries."""
    row = log.checkpoint(rt.db, size=size)
    return json_response(_checkpoint_view(row, confirmed_anchors(rt.db), rt))


@router.get(
    "/proofs/inclusion",
    response_model=InclusionProofOut,
    summary="Inclusion proof (RFC 9162 §2.1.3)",
    responses=problem_responses(422, 429, 503),
)
def inclusion_proof(
    rt: Runtime,
    index: Annotated[int, Query(ge=0, le=2**62)],
    tree_size: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    """Proof that entry ``index`` is in the tree of ``tree_size`` entries (default: head)."""
    return json_response(log.prove_inclusion(rt.db, index=index, size=tree_size).to_json())


@router.get(
    "/proofs/consistency",
    response_model=ConsistencyProofOut,
    summary="Consistency proof (RFC 9162 §2.1.4)",
    responses=problem_responses(422, 429, 503),
)
def consistency_proof(
    rt: Runtime,
    first: Annotated[int, Query(ge=1, le=2**62, description="The older tree size.")],
    second: Annotated[int | None, Query(ge=1, le=2**62, description="Default: head.")] = None,
) -> Response:
    """Proof that the tree of ``second`` entries extends the tree of ``first`` entries."""
    return json_response(log.prove_consistency(rt.db, first=first, second=second).to_json())


@router.get(
    "/anchors",
    summary="On-chain anchors with transaction data",
    responses=problem_responses(429, 503),
)
def list_anchors(rt: Runtime) -> Response:
    """Every confirmed anchor (chain id, contract, transaction hash, block), oldest first."""
    return json_response({"items": [a.to_json() for a in confirmed_anchors(rt.db)]})


@router.get(
    "/problems/{slug}",
    summary="What a problem type means",
    responses=problem_responses(404, 422, 429),
)
async def problem_type(slug: Annotated[str, Path(pattern=r"^[a-z-]{1,40}$")]) -> Response:
    """The documentation of a problem ``type`` URI (RFC 9457 §3.1.1)."""
    if slug not in PROBLEM_TYPES:
        raise NotFound(kind="problem type", key=slug)
    title, text = PROBLEM_TYPES[slug]
    return json_response({"type": f"/v1/problems/{slug}", "title": title, "description": text})
