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
    # Hot path of every append: strings (most members) are checked inline, without a call.
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        number: int = value
        return -_MAX_SAFE_INTEGER <= number <= _MAX_SAFE_INTEGER
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not key.isascii():
                return False
            if type(item) is not str and not _is_plain(item):
                return False
        return True
    if kind is list:
        for item in value:  # noqa: SIM110 (no generator on the hot path)
            if type(item) is not str and not _is_plain(item):
                return False
        return True
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


MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects accepted from outside (RFC 8259 §9 allows a limit)."""


def parse_untrusted_json(
    data: bytes, *, field: str = "body", max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """Parse JSON that comes from outside (API bodies, filing files) as I-JSON (RFC 7493).

    UTF-8 without a byte order mark (RFC 8259 §8.1, RFC 7493 §2.1); no NaN or Infinity
    (RFC 8259 §6); unique member names (RFC 7493 §2.3); integers within ±(2^53 - 1)
    (RFC 7493 §2.2: larger ones go as decimal strings); nesting at most ``max_depth`` deep
    (RFC 8259 §9), checked before parsing so a hostile body cannot exhaust the stack.
    Decimal fractions keep their exact text (floats are not data).

    Raises:
        RuleViolation: naming the member at fault (else ``field``), the rule (json-encoding,
            json-depth, json-syntax, json-number, json-duplicate-member) and the paragraph.
    """
    if data.startswith((b"\xef\xbb\xbf", b"\xfe\xff", b"\xff\xfe")):
        raise RuleViolation(
            field=field,
            rule="json-encoding",
            paragraph="RFC 8259 §8.1",
            message="JSON is UTF-8 without a byte order mark",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleViolation(
            field=field,
            rule="json-encoding",
            paragraph="RFC 8259 §8.1",
            message=f"JSON is UTF-8; byte {exc.start} is not ({exc.reason})",
        ) from None
    if nesting_exceeds(data, max_depth):
        raise RuleViolation(
            field=field,
            rule="json-depth",
            paragraph="RFC 8259 §9",
            message=f"arrays and objects may nest at most {max_depth} deep",
        )
    try:
        value = json.loads(
            text,
            parse_float=str,
            parse_constant=_no_constant,
            object_pairs_hook=_unique_members,
        )
    except _JsonMemberError as exc:
        raise RuleViolation(
            field=exc.member or field, rule=exc.rule, paragraph=exc.paragraph, message=exc.message
        ) from None
    except (ValueError, RecursionError) as exc:
        raise RuleViolation(
            field=field, rule="json-syntax", paragraph="RFC 8259", message=f"not valid JSON: {exc}"
        ) from None
    _check_integers(value, path="", field=field)
    return value


class _JsonMemberError(ValueError):
    def __init__(self, member: str, rule: str, paragraph: str, message: str) -> None:
        super().__init__(message)
        self.member, self.rule, self.paragraph, self.message = member, rule, paragraph, message


def _no_constant(name: str) -> Any:
    raise _JsonMemberError("", "json-number", "RFC 8259 §6", f"{name} is not a JSON number")


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise _JsonMemberError(
                name, "json-duplicate-member", "RFC 7493 §2.3", f"member {name!r} appears twice"
            )
        result[name] = value
    return result


def nesting_exceeds(data: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON ``data`` nests arrays and objects more than ``limit`` deep (RFC 8259 §9).

    A linear scan of the bytes (strings skipped, escapes honoured) that needs no parse, so it
    is safe on any input, valid JSON or not.
    """
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quotation mark
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def _check_integers(value: Any, *, path: str, field: str) -> None:
    if type(value) is int and not -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER:
        raise RuleViolation(
            field=path or field,
            rule="json-number",
            paragraph="RFC 7493 §2.2",
            message="an integer beyond ±(2^53 - 1) must be sent as a decimal string",
        )
    if isinstance(value, dict):
        for name, item in value.items():
            _check_integers(item, path=f"{path}.{name}" if path else name, field=field)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            _check_integers(item, path=f"{path or field}[{position}]", field=field)
