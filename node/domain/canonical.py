"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme) for leaves, records and commitments."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import rfc8785

from node.errors import RuleViolation, VerificationError

_MAX_SAFE_INTEGER = 2**53 - 1  # RFC 8785 §3.2.2.3 / I-JSON (RFC 7493 §2.2)
_FAST = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _not_json(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


# The C encoder behind _FAST, made once (JSONEncoder.encode makes one per call, which costs as
# much as the encoding of a small leaf); no circular-reference markers: parsed values have none.
_MAKE_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODE: Any = (
    None
    if _MAKE_ENCODER is None
    else _MAKE_ENCODER(
        None, _not_json, json.encoder.encode_basestring, None, ":", ",", True, False, True
    )
)


def _fast_text(value: Any) -> str:
    if _C_ENCODE is None:
        text: str = _FAST.encode(value)
        return text
    return "".join(_C_ENCODE(value, 0))


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
            return _fast_text(value).encode("utf-8")
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


_STRING = re.compile(rb'"(?:[^"\\]+|\\.)*"?', re.DOTALL)
"""A JSON string (escapes honoured), or an unterminated one up to the end of the data."""
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
"""A JSON escape of a UTF-16 surrogate code unit (RFC 8259 §7)."""
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def nesting_exceeds(data: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON ``data`` nests arrays and objects more than ``limit`` deep (RFC 8259 §9).

    A linear scan of the bytes (strings skipped, escapes honoured) that needs no parse, so it
    is safe on any input, valid JSON or not: strings are cut out and everything but brackets
    dropped in C (``re``, ``bytes.translate``), then only the brackets are walked.
    """
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        else:  # ] }
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


# --------------------------------------------------------------------------------------------
# strict reading: bytes that are exactly the RFC 8785 encoding of their value, or refused
# --------------------------------------------------------------------------------------------


class NotCanonical(VerificationError):
    """Bytes that are not exactly the RFC 8785 canonical encoding of one JSON value.

    ``rule`` names what is broken (json-encoding, json-syntax, json-duplicate-member,
    json-number, json-surrogate, json-depth, json-not-canonical), ``paragraph`` the standard's
    paragraph, ``detail`` the message without the place, ``explanation`` the detail with the
    differing bytes, ``member`` the member name at fault (if known) and ``offset`` the byte
    offset in the input (if known).
    """

    def __init__(
        self,
        detail: str,
        *,
        rule: str,
        paragraph: str,
        where: str,
        offset: int | None = None,
        member: str | None = None,
        expected: Any = None,
        actual: Any = None,
    ) -> None:
        self.rule = rule
        self.paragraph = paragraph
        self.detail = detail
        self.offset = offset
        self.member = member
        self.explanation = str(VerificationError(detail, expected=expected, actual=actual))
        """The detail with the canonical and the actual bytes, without the place and rule."""
        super().__init__(
            f"{detail} [{rule}; {paragraph}]", expected=expected, actual=actual, where=where
        )


class _Fallback(Exception):
    """The fast path cannot decide (a float or an unsafe integer): take the careful path."""


def _fast_float(text: str) -> Any:
    raise _Fallback(text)


def _fast_int(text: str) -> int:
    number = int(text)
    if -_MAX_SAFE_INTEGER <= number <= _MAX_SAFE_INTEGER:
        return number
    raise _Fallback(text)


def _refuse_constant(name: str) -> Any:
    raise _Fallback(name)


_FAST_DECODER = json.JSONDecoder(
    parse_float=_fast_float, parse_int=_fast_int, parse_constant=_refuse_constant
)


def _has_astral(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds a code point beyond U+FFFF (a 4-byte sequence), whose
    UTF-16 order (RFC 8785 §3.2.3) can differ from the code-point order of the C encoder."""
    return (
        b"\xf0" in data or b"\xf1" in data or b"\xf2" in data or b"\xf3" in data or b"\xf4" in data
    )


def parse_canonical(data: bytes, *, where: str) -> Any:
    """Parse ``data`` if and only if it is exactly the RFC 8785 canonical JSON of its value.

    The value is read with the standard library's parser and encoded again with
    :func:`canonical_json`; the bytes must be identical. That one comparison refuses every
    other spelling of the value: whitespace (RFC 8785 §3.2.1), escapes other than the
    canonical ones (§3.2.2.2), number forms (§3.2.2.3: ``1.0``, ``1e2``, ``-0``), member order
    (§3.2.3) and duplicate member names (the parsed object has fewer members than the text, so
    its encoding is shorter; RFC 8785 §3.1 / RFC 7493 §2.3). Invalid UTF-8 (RFC 8785 §3.2.4),
    lone surrogates (RFC 7493 §2.1), NaN and Infinity, integers beyond ±(2^53 - 1) (RFC 8785
    §3.2.2.3, RFC 7493 §2.2; also where the double is exact, as 9007199254740992) and nesting
    deeper than MAX_JSON_DEPTH (RFC 8259 §9; checked before parsing) are refused.

    Fast path: values without floats, unsafe integers or code points beyond U+FFFF are
    compared with the C encoder's output directly (identical to RFC 8785 for them, see
    :func:`canonical_json`); anything else goes through :func:`canonical_json`. Only a refusal
    runs the slow diagnosis that names the broken rule.

    Raises:
        NotCanonical: naming ``where``, the rule broken and, where it applies, the member name
            or the first differing byte (with the canonical and the actual bytes around it).
    """
    if nesting_exceeds(data):
        return _careful(data, where=where)
    try:
        text = data.decode("utf-8")
        value = _FAST_DECODER.decode(text)
        if _fast_text(value) == text and (data.isascii() or not _has_astral(data)):
            return value
    except (UnicodeDecodeError, ValueError, RecursionError, _Fallback):
        pass
    return _careful(data, where=where)


class JsonFloat(float):
    """A JSON number with a fraction or exponent, as :func:`parse_json_strict` reads it: the
    value, and ``text``, how it was written."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> JsonFloat:
        number = super().__new__(cls, text)
        number.text = text
        return number


def parse_json_strict(data: bytes, *, where: str) -> Any:
    """Parse JSON that need not be canonical but must read one way only (I-JSON, RFC 7493).

    UTF-8 (RFC 8259 §8.1), unique member names (RFC 7493 §2.3), no lone surrogates (§2.1),
    no NaN or Infinity, integers within ±(2^53 - 1) (§2.2). Numbers with a fraction or an
    exponent come back as :class:`JsonFloat`, which remembers how they were written (see
    :func:`same_json`).

    Raises:
        NotCanonical: naming ``where`` and the rule broken (json-encoding, json-syntax,
            json-duplicate-member, json-number, json-surrogate, json-depth).
    """
    return _read(data, where=where, parse_float=JsonFloat)


def same_json(value: Any, leaf: bytes) -> bool:
    """Whether ``value`` (read by :func:`parse_json_strict`) is exactly the canonical ``leaf``.

    Type-strict: its RFC 8785 encoding must equal the leaf bytes (so ``1``, ``true`` and
    ``"1"`` differ, which Python's ``==`` does not say of ``1`` and ``True``) and every
    :class:`JsonFloat` in it must be written as RFC 8785 writes it (``1.0`` is not ``1``).
    """
    if not _floats_as_canonical(value):
        return False
    try:
        return canonical_json(value) == leaf
    except TypeError:
        return False


def _floats_as_canonical(value: Any) -> bool:
    if isinstance(value, JsonFloat):
        try:
            return canonical_json(float(value)) == value.text.encode("ascii")
        except TypeError:
            return False
    if isinstance(value, dict):
        return all(_floats_as_canonical(item) for item in value.values())
    if isinstance(value, list):
        return all(_floats_as_canonical(item) for item in value)
    return True


def _careful(data: bytes, *, where: str) -> Any:
    """The slow path: parse and encode with every check, and explain any refusal."""
    value = _read(data, where=where, parse_float=float)
    try:
        expected = canonical_json(value)
    except TypeError as exc:  # NaN, Infinity, unsafe integers are refused by _read: defensive
        raise NotCanonical(
            str(exc), rule="json-number", paragraph="RFC 8785 §3.2.2.3", where=where
        ) from exc
    if expected != data:
        raise _difference(value, expected, data, where=where)
    return value


def _read(data: bytes, *, where: str, parse_float: Callable[[str], Any]) -> Any:
    if nesting_exceeds(data):  # before any parser sees it: a deep nest can exhaust the C stack
        raise NotCanonical(
            f"arrays and objects may nest at most {MAX_JSON_DEPTH} deep",
            rule="json-depth",
            paragraph="RFC 8259 §9",
            where=where,
        )
    if data.startswith(b"\xef\xbb\xbf"):
        raise NotCanonical(
            "a byte order mark is not JSON",
            rule="json-encoding",
            paragraph="RFC 8259 §8.1",
            where=where,
            offset=0,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotCanonical(
            f"invalid UTF-8 at byte {exc.start} ({exc.reason})",
            rule="json-encoding",
            paragraph="RFC 8785 §3.2.4",
            where=where,
            offset=exc.start,
        ) from None
    try:
        value = json.loads(
            text,
            parse_float=parse_float,
            parse_constant=_no_constant,
            parse_int=_safe_int,
            object_pairs_hook=_unique_members,
        )
    except _JsonMemberError as exc:
        if exc.rule != "json-duplicate-member":
            raise NotCanonical(
                exc.message, rule=exc.rule, paragraph=exc.paragraph, where=where
            ) from None
        offset = _member_offset(data, exc.member)
        name = json.dumps(exc.member, ensure_ascii=False)
        at = "" if offset is None else f" (again at byte {offset})"
        raise NotCanonical(
            f"duplicate member name {name}{at}: parsers disagree on which value counts",
            rule=exc.rule,
            paragraph="RFC 7493 §2.3; RFC 8785 §3.1",
            where=where,
            offset=offset,
            member=exc.member or None,
        ) from None
    except json.JSONDecodeError as exc:
        offset = len(text[: exc.pos].encode("utf-8"))
        raise NotCanonical(
            f"not JSON: {exc.msg} at byte {offset}",
            rule="json-syntax",
            paragraph="RFC 8259 §2",
            where=where,
            offset=offset,
        ) from None
    except (ValueError, RecursionError) as exc:
        raise NotCanonical(
            f"not JSON: {exc}", rule="json-syntax", paragraph="RFC 8259 §2", where=where
        ) from None
    # Only a \uD800-\uDFFF escape can put a lone surrogate in a string (UTF-8 cannot encode
    # one): walk the value only when the text holds such an escape.
    surrogate = _lone_surrogate(value) if _SURROGATE_ESCAPE.search(data) else None
    if surrogate is not None:
        raise NotCanonical(
            f"a string holds the lone surrogate \\u{ord(surrogate):04x}, which is not Unicode",
            rule="json-surrogate",
            paragraph="RFC 7493 §2.1; RFC 8785 §3.2.2.2",
            where=where,
        )
    return value


def _safe_int(text: str) -> int:
    number = int(text)
    if not -_MAX_SAFE_INTEGER <= number <= _MAX_SAFE_INTEGER:
        raise _JsonMemberError(
            "",
            "json-number",
            "RFC 8785 §3.2.2.3; RFC 7493 §2.2",
            f"the integer {text} is beyond ±(2^53 - 1), which IEEE 754 doubles hold exactly",
        )
    return number


def _member_offset(data: bytes, member: str) -> int | None:
    """Byte offset of the second ``"member":`` (best effort: for the message only)."""
    token = re.escape(json.dumps(member, ensure_ascii=False).encode("utf-8")) + rb"\s*:"
    found = [match.start() for match in re.finditer(token, data)]
    return found[1] if len(found) > 1 else None


def _lone_surrogate(value: Any) -> str | None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            return value[exc.start]
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _lone_surrogate(key) or _lone_surrogate(item)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _lone_surrogate(item)
            if found is not None:
                return found
    return None


_EXCERPT = 16
_WHITESPACE = b" \t\n\r"
_NUMBER = b"0123456789+-.eE"


def _difference(value: Any, expected: bytes, data: bytes, *, where: str) -> NotCanonical:
    """Name the first difference between the canonical encoding and the bytes given."""
    offset = _first_difference(expected, data)
    kind, paragraph = _kind_of_difference(value, expected, data, offset)
    return NotCanonical(
        f"not the RFC 8785 canonical encoding ({kind}): the first difference is at byte {offset}",
        rule="json-not-canonical",
        paragraph=paragraph,
        where=where,
        offset=offset,
        expected=_excerpt(expected, offset),
        actual=_excerpt(data, offset),
    )


def _first_difference(a: bytes, b: bytes) -> int:
    for offset, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return offset
    return min(len(a), len(b))


def _excerpt(data: bytes, offset: int) -> str:
    start = max(0, offset - _EXCERPT)
    piece = data[start : offset + _EXCERPT].decode("utf-8", errors="backslashreplace")
    return ("…" if start else "") + piece + ("…" if offset + _EXCERPT < len(data) else "")


def _kind_of_difference(value: Any, expected: bytes, data: bytes, offset: int) -> tuple[str, str]:
    actual = data[offset : offset + 1]
    if actual and actual in _WHITESPACE:
        return "whitespace", "RFC 8785 §3.2.1"
    try:
        as_parsed = _in_parsed_order(value)
    except TypeError:
        as_parsed = b""
    if _first_difference(as_parsed, data) > offset:
        return "member order", "RFC 8785 §3.2.3"
    in_string = _inside_string(data, offset)
    wanted = expected[offset : offset + 1]
    if not in_string and ((actual and actual in _NUMBER) or (wanted and wanted in _NUMBER)):
        return "number form", "RFC 8785 §3.2.2.3"
    if in_string or actual == b'"':
        return "string escape", "RFC 8785 §3.2.2.2"
    return "not canonical", "RFC 8785 §3.2"


def _in_parsed_order(value: Any) -> bytes:
    """RFC 8785 encoding except that members keep the order they were read in."""
    if isinstance(value, dict):
        members = (
            canonical_json(key) + b":" + _in_parsed_order(item) for key, item in value.items()
        )
        return b"{" + b",".join(members) + b"}"
    if isinstance(value, list):
        return b"[" + b",".join(_in_parsed_order(item) for item in value) + b"]"
    return canonical_json(value)


def _inside_string(data: bytes, offset: int) -> bool:
    in_string = escaped = False
    for byte in data[:offset]:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
    return in_string
