"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme) for leaves, records and commitments."""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from node.errors import RuleViolation

_MAX_SAFE_INTEGER = 2**53 - 1  # RFC 8785 §3.2.2.3 / I-JSON (RFC 7493 §2.2)
_FAST = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(value: Any) -> bytes:
    """Encode ``value`` as RFC 8785 canonical JSON bytes.

    Values made only of strings, booleans, null, safe integers, lists and objects with ASCII
    keys take a fast path through the standard library's C encoder, whose output is identical
    to RFC 8785 for them (members sorted by key, ES6 string escaping, no whitespace); a test
    compares both on random values. Anything else (floats, non-ASCII keys, …) goes through
    the ``rfc8785`` reference implementation.

    Raises:
        TypeError: ``value`` holds something that is not canonicalizable JSON.
    """
    if _is_plain(value):
        try:
            text: str = _FAST.encode(value)
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let the reference implementation decide
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise TypeError(f"not canonicalizable as RFC 8785 JSON: {exc}") from exc


def _is_plain(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        number: int = value
        return -_MAX_SAFE_INTEGER <= number <= _MAX_SAFE_INTEGER
    if kind is dict:
        return all(
            type(key) is str and key.isascii() and _is_plain(item) for key, item in value.items()
        )
    if kind is list:
        return all(_is_plain(item) for item in value)
    return False


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
