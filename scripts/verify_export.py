#!/usr/bin/env python3
"""Verify a Tamga export with nothing but the standard library and RFC 9162 (no Tamga code).

Usage: python3 scripts/verify_export.py EXPORT_DIR

Recomputes every leaf hash from the exact leaf bytes, the tree root at every checkpoint size and at
the exported head, and checks them against checkpoints.jsonl and manifest.json. Every leaf must be
exactly the RFC 8785 canonical JSON of its value (this script's own encoder, below: no duplicate
member names, no other whitespace, escapes, number forms or member order, valid UTF-8, no lone
surrogates), and the readable ``entry`` copy must be exactly that value (type-strict: 1, 1.0 and
true differ). Numbers with a fraction or exponent are written as ECMAScript's
Number.prototype.toString writes them (RFC 8785 §3.2.2.3), not refused. Exit status 0 when
everything matches, 1 with the first mismatch (naming the entry index) otherwise. Signatures
(EIP-191, secp256k1) need an elliptic-curve library and are checked by `tamga audit` / the test
suite, not here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import sys
from pathlib import Path
from typing import Any


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: MTH({d(0)}) = SHA-256(0x00 || d(0))."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: SHA-256(0x01 || MTH(left) || MTH(right))."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(hashes: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 Merkle Tree Hash over leaf hashes, split at the largest power of two < n."""
    n = len(hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashes[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


class RootsBySize:
    """Roots of every prefix, computed incrementally with a stack of perfect subtrees."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, bytes]] = []  # (height, hash)
        self.size = 0

    def append(self, h: bytes) -> None:
        height = 0
        while self.stack and self.stack[-1][0] == height:
            _, left = self.stack.pop()
            h = node_hash(left, h)
            height += 1
        self.stack.append((height, h))
        self.size += 1

    def root(self) -> bytes:
        if not self.stack:
            return hashlib.sha256(b"").digest()
        acc = self.stack[-1][1]
        for _, h in reversed(self.stack[:-1]):
            acc = node_hash(h, acc)
        return acc


# --------------------------------------------------------------------------------------------
# strict JSON: RFC 8785 (JSON Canonicalization Scheme) written out here, stdlib only
# --------------------------------------------------------------------------------------------

MAX_SAFE_INTEGER = 2**53 - 1  # RFC 8785 §3.2.2.3: JSON numbers are IEEE 754 doubles
MAX_DEPTH = 64  # deepest nesting read (RFC 8259 §9 allows a limit; the node's is the same)
TO_ESCAPE = re.compile('[\\x00-\\x1f"\\\\]')
ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


class NotCanonical(ValueError):
    """JSON that is not read one way only, or not its RFC 8785 canonical encoding."""


class SpelledFloat(float):
    """A number with a fraction or exponent, remembering how it was written."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> SpelledFloat:
        number = super().__new__(cls, text)
        number.text = text
        return number


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON of a parsed value.

    Raises:
        NotCanonical: the value holds NaN, Infinity, an integer beyond ±(2^53 - 1), a lone
            surrogate or a type JSON does not have.
    """
    parts: list[str] = []
    _encode(value, parts)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:  # RFC 7493 §2.1: a lone surrogate is not Unicode
        raise NotCanonical(f"a string holds a lone surrogate at character {exc.start}") from None


def _encode(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif type(value) is int:
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise NotCanonical(f"the integer {value} is beyond ±(2^53 - 1) (RFC 8785 §3.2.2.3)")
        out.append(str(value))
    elif isinstance(value, float):
        out.append(es6_number(float(value)))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, list):
        out.append("[")
        for position, item in enumerate(value):
            if position:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, dict):
        # RFC 8785 §3.2.3: members sorted by the UTF-16 code units of their names.
        out.append("{")
        names = sorted(value, key=lambda name: name.encode("utf-16-be", "surrogatepass"))
        for position, name in enumerate(names):
            if position:
                out.append(",")
            out.append(_string(name))
            out.append(":")
            _encode(value[name], out)
        out.append("}")
    else:
        raise NotCanonical(f"{type(value).__name__} is not JSON")


def _string(text: str) -> str:
    """RFC 8785 §3.2.2.2: escape only " and \\, the short forms \\b \\f \\n \\r \\t, and other
    controls below U+0020 as \\u00xx (lower-case hex); everything else as itself."""
    return '"' + TO_ESCAPE.sub(_escape, text) + '"'


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return ESCAPES.get(char) or f"\\u{ord(char):04x}"


def es6_number(number: float) -> str:
    """RFC 8785 §3.2.2.3: a double as ECMA-262 Number.prototype.toString writes it (§7.1.12.1).

    Python's repr gives the shortest digits that read back as the same double (as ECMAScript
    requires); only the layout differs, and is redone here.

    Raises:
        NotCanonical: NaN or Infinity (not JSON numbers).
    """
    if math.isnan(number) or math.isinf(number):
        raise NotCanonical(f"{number} is not a JSON number (RFC 8785 §3.2.2.3)")
    if number == 0:
        return "0"  # also -0 (RFC 8785 §3.2.2.3)
    if number < 0:
        return "-" + es6_number(-number)
    mantissa, _, exponent = repr(number).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    # value = 0.<digits> × 10^n
    n = (int(exponent) if exponent else 0) + len(whole) - (len(whole + fraction) - len(digits))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    head = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(e)}"


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:  # RFC 7493 §2.3: parsers disagree on which value counts
            raise NotCanonical(f"duplicate member name {json.dumps(name, ensure_ascii=False)}")
        result[name] = value
    return result


def _no_constant(name: str) -> Any:
    raise NotCanonical(f"{name} is not a JSON number (RFC 8259 §6)")


def read_json(data: bytes) -> Any:
    """Parse JSON that must read one way only: UTF-8, unique member names, no NaN/Infinity.

    Numbers with a fraction or exponent come back as SpelledFloat (how they were written).

    Raises:
        NotCanonical: what is wrong, with the byte offset where there is one.
    """
    if _nests_deeper(data, MAX_DEPTH):
        raise NotCanonical(f"arrays and objects nest more than {MAX_DEPTH} deep (RFC 8259 §9)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotCanonical(f"invalid UTF-8 at byte {exc.start} ({exc.reason})") from None
    try:
        return json.loads(
            text, object_pairs_hook=_unique, parse_constant=_no_constant, parse_float=SpelledFloat
        )
    except json.JSONDecodeError as exc:
        offset = len(text[: exc.pos].encode("utf-8"))
        raise NotCanonical(f"not JSON: {exc.msg} at byte {offset}") from None
    except RecursionError:
        raise NotCanonical("not JSON: nested too deep") from None


def _nests_deeper(data: bytes, limit: int) -> bool:
    """A scan of the bytes (strings skipped) before any parser sees them."""
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


def read_canonical(data: bytes) -> Any:
    """Parse ``data`` only if it is exactly the RFC 8785 canonical JSON of its value.

    Raises:
        NotCanonical: naming the rule broken, or the first differing byte with the canonical
            and the actual bytes around it.
    """
    value = read_json(data)
    expected = canonical_json(value)
    if expected != data:
        offset = next(
            (i for i, (a, b) in enumerate(zip(expected, data, strict=False)) if a != b),
            min(len(expected), len(data)),
        )
        raise NotCanonical(
            f"not the RFC 8785 canonical encoding: first difference at byte {offset}: "
            f"canonical {_excerpt(expected, offset)}, actual {_excerpt(data, offset)}"
        )
    return value


def same_json(value: Any, leaf: bytes) -> bool:
    """Whether ``value`` (read by read_json) is exactly the canonical ``leaf``: same canonical
    bytes, and every number written as the canonical form writes it (1.0 is not 1)."""
    try:
        return _spelled_canonically(value) and canonical_json(value) == leaf
    except NotCanonical:
        return False


def _spelled_canonically(value: Any) -> bool:
    if isinstance(value, SpelledFloat):
        return es6_number(float(value)) == value.text
    if isinstance(value, dict):
        return all(_spelled_canonically(item) for item in value.values())
    if isinstance(value, list):
        return all(_spelled_canonically(item) for item in value)
    return True


def _excerpt(data: bytes, offset: int) -> str:
    return repr(data[max(0, offset - 16) : offset + 16].decode("utf-8", errors="backslashreplace"))


# --------------------------------------------------------------------------------------------
# the export
# --------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    directory = Path(argv[1])
    try:
        checkpoints = [
            read_json(line)
            for line in (directory / "checkpoints.jsonl").read_bytes().splitlines()
            if line
        ]
        manifest = read_json((directory / "manifest.json").read_bytes())
    except NotCanonical as exc:
        print(f"FAIL checkpoints.jsonl or manifest.json: {exc}")
        return 1
    wanted = {cp["tree_size"]: cp for cp in checkpoints}
    tree = RootsBySize()
    checked = 0
    if 0 in wanted:
        checked += _check(wanted[0], tree.root())
    with (directory / "entries.jsonl").open("rb") as lines:
        for line in lines:
            try:
                record = read_json(line.rstrip(b"\r\n"))
            except NotCanonical as exc:
                print(f"FAIL entry {tree.size}: the line is not read one way only: {exc}")
                return 1
            if record["index"] != tree.size:
                print(f"FAIL entry {tree.size}: index {record['index']} out of order")
                return 1
            leaf = base64.b64decode(record["leaf"], validate=True)
            h = leaf_hash(leaf)
            if h.hex() != record["leaf_hash"]:
                print(f"FAIL entry {tree.size}: leaf hash {record['leaf_hash']} != {h.hex()}")
                return 1
            try:
                read_canonical(leaf)
            except NotCanonical as exc:
                print(f"FAIL entry {tree.size}: the leaf is not RFC 8785 canonical JSON: {exc}")
                return 1
            if not same_json(record["entry"], leaf):
                print(f"FAIL entry {tree.size}: the readable entry differs from the leaf bytes")
                return 1
            tree.append(h)
            if tree.size in wanted:
                checked += _check(wanted[tree.size], tree.root())
    if checked != len(wanted):
        print(f"FAIL: {len(wanted) - checked} checkpoint(s) beyond the exported entries")
        return 1
    if tree.size != manifest["tree_size"] or tree.root().hex() != manifest["root"]:
        print(
            f"FAIL head: manifest {manifest['tree_size']}/{manifest['root']}, "
            f"got {tree.size}/{tree.root().hex()}"
        )
        return 1
    print(f"OK {tree.size} entries, {checked} checkpoints, root {tree.root().hex()}")
    return 0


def _check(checkpoint: dict[str, object], root: bytes) -> int:
    if checkpoint["log_root"] != root.hex():
        raise SystemExit(
            f"FAIL checkpoint {checkpoint['tree_size']}: "
            f"log root {checkpoint['log_root']} != {root.hex()}"
        )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
