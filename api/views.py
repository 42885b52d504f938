"""JSON views of register values for the API and the pages, and opaque pagination cursors."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from api.index import Snapshot
from api.problems import ApiProblem
from node.domain.entries import Entry
from node.domain.model import EmissionState, IssuerState
from node.ledger.store import EntryRecord


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
