"""JSON views of register values for the API and the pages, and opaque pagination cursors."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Annotated, Any, Final

from fastapi import Query
from starlette.responses import Response

from api.index import Snapshot
from api.problems import ApiProblem
from node.domain.entries import Entry
from node.domain.model import EmissionState, IssuerState
from node.ledger.store import EntryRecord
from node.services import emissions, log
from node.services.database import Database

JSON: Final = "application/json"
CheckpointQuery = Annotated[
    int | None, Query(ge=1, le=2**62, description="Checkpoint tree size; default: newest.")
]


def emission_json(state: EmissionState, snap: Snapshot) -> dict[str, Any]:
    """An emission's public record with its key and issuer name (Reg. §62)."""
    return emission_record_json(state, snap.issuers.get(state.issuer))


def emission_record_json(state: EmissionState, issuer: IssuerState | None) -> dict[str, Any]:
    """``emission_json`` with the issuer given (the write path reads it, not the read model)."""
    return {"key": state.key, "issuer_name": issuer.name if issuer else None, **state.to_record()}


def issuer_json(issuer: IssuerState) -> dict[str, Any]:
    """An issuer's public record (founders only as a commitment, Reg. §66)."""
    return issuer.to_record()


def history_json(record: EntryRecord, entry: Entry) -> dict[str, Any]:
    """One history item: index, leaf hash, kind, times and the decoded entry."""
    return {
        "index": record.idx,
        "leaf_hash": record.leaf_hash.hex(),
        "kind": entry.kind,
        "recorded_at": record.recorded_at,
        "effective_on": entry.effective_on.isoformat(),
        "entry": entry.model_dump(mode="json"),
    }


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``value`` as a compact JSON response."""
    return Response(content=dumps(value), media_type=JSON, status_code=status, headers=headers)


def history_response(db: Database, key: str) -> Response:
    """Every log entry about ``key`` (an emission, issuer, miner or licence), oldest first.

    Raises:
        NotFound: no such record.
    """
    items = [history_json(r, e) for r, e in emissions.history(db, key=key)]
    return json_response({"key": key, "items": items})


def state_proof_response(db: Database, key: str, checkpoint: int | None) -> Response:
    """The inclusion of ``key``'s public record in the state tree of a checkpoint (default: the
    newest), with that checkpoint's state root (StateProofOut).

    Raises:
        NotFound: no such record or checkpoint, or the record is not in it.
    """
    proof = log.state_proof(db, key=key, checkpoint=checkpoint)
    row = log.checkpoint(db, size=proof.checkpoint_size)
    return json_response({**proof.to_json(), "state_root": row.state_root.hex()})


def encode_cursor(position: int, fingerprint: str) -> str:
    """An opaque cursor: the last position seen, bound to the query's filters."""
    raw = dumps({"p": position, "f": _digest(fingerprint)})
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None, fingerprint: str) -> int | None:
    """The position in ``cursor`` (None for the first page).

    Raises:
        ApiProblem: 400 when the cursor is malformed or was made for other filters.
    """
    if cursor is None or cursor == "":
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        position = data["p"]
        digest = data["f"]
        if not isinstance(position, int) or isinstance(position, bool) or position < 0:
            raise ValueError("bad position")
    except (ValueError, KeyError, TypeError, UnicodeError) as exc:
        raise ApiProblem(
            status=400,
            slug="invalid-request",
            detail="the cursor is not one this API issued",
            field="cursor",
            rule="cursor-format",
            paragraph="API pagination",
        ) from exc
    if digest != _digest(fingerprint):
        raise ApiProblem(
            status=400,
            slug="invalid-request",
            detail="the cursor belongs to a query with other filters",
            field="cursor",
            rule="cursor-filters",
            paragraph="API pagination",
        )
    return position


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
