"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme) for leaves, records and commitments."""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from node.errors import RuleViolation


def canonical_json(value: Any) -> bytes:
    """Encode ``value`` as RFC 8785 canonical JSON bytes.

    Only JSON types are accepted: encode decimals and dates as strings first.

    Raises:
        TypeError: ``value`` holds something that is not a JSON type.
    """
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise TypeError(f"not canonicalizable as RFC 8785 JSON: {exc}") from exc


def parse_json(data: bytes, *, field: str = "json") -> Any:
    """Parse JSON bytes (UTF-8).

    Raises:
        RuleViolation: the bytes are not valid UTF-8 JSON.
    """
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RuleViolation(
            field=field, rule="json", paragraph="RFC 8259", message=f"not valid UTF-8 JSON: {exc}"
        ) from exc
