"""The strict leaf parser (parse_canonical): exactly RFC 8785 or refused, naming the rule.

Also scripts/verify_export.py's own stdlib reader, held to the same properties, and both fuzzed
against the ``rfc8785`` reference implementation.
"""

from __future__ import annotations

import importlib.util
import json
import struct
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import rfc8785
from hypothesis import example, given, settings
from hypothesis import strategies as st

from node.domain.canonical import (
    NotCanonical,
    canonical_json,
    nesting_exceeds,
    parse_canonical,
    parse_json_strict,
    same_json,
)
from node.errors import VerificationError

ROOT = Path(__file__).resolve().parents[3]


def _load_verify_export() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "verify_export", ROOT / "scripts" / "verify_export.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


VE = _load_verify_export()

KEYS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6) | st.sampled_from(
    ["a", "B", "é", "😀", "\ufb33", "\ue000", "\U0001f600x", "\r", "1"]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    # A double like 2.0**53 is written as the integer 9007199254740992, which the readers refuse
    # (beyond ±(2^53 - 1), RFC 7493 §2.2): such doubles are left out of the round trip here.
    | st.floats(allow_nan=False, allow_infinity=False).filter(
        lambda f: not (f.is_integer() and abs(f) > 2**53 - 1)
    )
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
    | st.sampled_from(["\u2028", "\x7f", "\x00\x1f\b\f\n\r\t", '"\\/', "é€😀"])
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=16,
)


def _refused(data: bytes, **expected: Any) -> NotCanonical:
    with pytest.raises(NotCanonical) as err:
        parse_canonical(data, where="entry 7")
    for name, value in expected.items():
        assert getattr(err.value, name) == value, (name, str(err.value))
    assert str(err.value).startswith("entry 7: ")
    assert isinstance(err.value, VerificationError)
    return err.value


# --------------------------------------------------------------------------------------------
# accepted
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"{}",
        b"[]",
        b"null",
        b'{"a":1,"b":[true,false,null],"c":{"d":"e"}}',
        b'{"a":-9007199254740991,"b":9007199254740991}',
        b'{"n":[1.5,1e+21,1e-7,0.000001,5e-324,-1.7976931348623157e+308]}',
        b'{"s":"\\u0000\\u001f\\b\\f\\n\\r\\t\\"\\\\/\x7f\xe2\x80\xa8"}',
        # RFC 8785 §3.2.3: sorted by UTF-16 code units, so U+1F600 (D83D DE00) before U+FB33
        '{"\\r":"CR","1":"One","\u0080":"C","\u20ac":"Euro","\U0001f600":"E","\ufb33":"H"}'.encode(),
        '{"name":"ОсОО «Ала-Тоо»"}'.encode(),
    ],
)
def test_canonical_bytes_are_accepted(data: bytes) -> None:
    value = parse_canonical(data, where="leaf")
    assert canonical_json(value) == data == rfc8785.dumps(value)
    assert canonical_json(VE.read_canonical(data)) == data


# --------------------------------------------------------------------------------------------
# refused, each naming its rule
# --------------------------------------------------------------------------------------------


def test_duplicate_member_names_are_refused_naming_the_member() -> None:
    err = _refused(b'{"a":1,"a":2}', rule="json-duplicate-member", member="a", offset=7)
    assert 'duplicate member name "a"' in str(err)
    nested = _refused('{"x":{"é":1,"é":1}}'.encode(), rule="json-duplicate-member", member="é")
    assert "RFC 7493 §2.3" in str(nested)


@pytest.mark.parametrize(
    ("data", "kind", "paragraph", "offset"),
    [
        (b'{"a": 1}', "whitespace", "RFC 8785 §3.2.1", 5),
        (b' {"a":1}', "whitespace", "RFC 8785 §3.2.1", 0),
        (b'{"a":1}\n', "whitespace", "RFC 8785 §3.2.1", 7),
        (b'{"b":1,"a":2}', "member order", "RFC 8785 §3.2.3", 2),
        (b'{"x":[{"c":1,"b":2}]}', "member order", "RFC 8785 §3.2.3", 8),
        ('{"\ufb33":1,"\U0001f600":2}'.encode(), "member order", "RFC 8785 §3.2.3", 2),
        (b'{"a":1.0}', "number form", "RFC 8785 §3.2.2.3", 6),
        (b'{"a":1e2}', "number form", "RFC 8785 §3.2.2.3", 6),
        (b'{"a":1E+21}', "number form", "RFC 8785 §3.2.2.3", 6),
        (b'{"a":-0}', "number form", "RFC 8785 §3.2.2.3", 5),
        (b'{"a":0.1e1}', "number form", "RFC 8785 §3.2.2.3", 5),
        (b'{"a":"\\u0041"}', "string escape", "RFC 8785 §3.2.2.2", 6),
        (b'{"a":"\\/"}', "string escape", "RFC 8785 §3.2.2.2", 6),
        (b'{"a":"\\u001F"}', "string escape", "RFC 8785 §3.2.2.2", 11),
        (b'{"a":"\\u00e9"}', "string escape", "RFC 8785 §3.2.2.2", 6),
        (b'{"\\u0061":1}', "string escape", "RFC 8785 §3.2.2.2", 2),
    ],
)
def test_other_spellings_are_refused_naming_the_rule_and_the_byte(
    data: bytes, kind: str, paragraph: str, offset: int
) -> None:
    err = _refused(data, rule="json-not-canonical", paragraph=paragraph, offset=offset)
    assert f"({kind})" in str(err)
    assert f"first difference is at byte {offset}" in str(err)
    assert err.actual is not None and err.expected is not None  # both excerpts are shown
    with pytest.raises(VE.NotCanonical, match=f"first difference at byte {offset}"):
        VE.read_canonical(data)


@pytest.mark.parametrize(
    ("data", "rule", "words"),
    [
        (b'{"a":"\xff"}', "json-encoding", "invalid UTF-8 at byte 6"),
        (b'{"a":"\xc0\xaf"}', "json-encoding", "invalid UTF-8 at byte 6"),  # overlong "/"
        (b'{"a":"\xed\xa0\x80"}', "json-encoding", "invalid UTF-8 at byte 6"),  # a surrogate
        (b"\xef\xbb\xbf{}", "json-encoding", "byte order mark"),
        (b'{"a":"\\ud800"}', "json-surrogate", "lone surrogate \\ud800"),
        (b'{"\\udfff":1}', "json-surrogate", "lone surrogate \\udfff"),
        (b'{"a":NaN}', "json-number", "NaN"),
        (b'{"a":-Infinity}', "json-number", "-Infinity"),
        (b'{"a":9007199254740992}', "json-number", "9007199254740992"),
        (b'{"a":1', "json-syntax", "at byte 6"),
        (b'{"a":1}{}', "json-syntax", "at byte 7"),
        (b"", "json-syntax", "at byte 0"),
        (b"[" * 100_000 + b"]" * 100_000, "json-depth", "nest at most 64 deep"),
        (b'{"a":' * 65 + b"1" + b"}" * 65, "json-depth", "nest at most 64 deep"),
    ],
)
def test_bytes_that_are_not_one_json_value_are_refused(data: bytes, rule: str, words: str) -> None:
    err = _refused(data, rule=rule)
    assert words in str(err)
    with pytest.raises(VE.NotCanonical):
        VE.read_canonical(data)


def test_the_copy_is_compared_type_strictly() -> None:
    leaf = b'{"a":1,"b":[1.5,true]}'
    assert same_json(parse_json_strict(b'{"b": [1.5, true], "a": 1}', where="x"), leaf)
    for copy in (
        b'{"a":true,"b":[1.5,true]}',
        b'{"a":1.0,"b":[1.5,true]}',
        b'{"a":"1","b":[1.5,true]}',
        b'{"a":1,"b":[1.50,true]}',
        b'{"a":1,"b":[1.5,1]}',
        b'{"a":1,"b":[15e-1,true]}',
    ):
        value = parse_json_strict(copy, where="x")
        assert not same_json(value, leaf), copy
        assert not VE.same_json(VE.read_json(copy), leaf), copy
    assert json.loads(b'{"a":true}') == json.loads(b'{"a":1.0}')  # why == is not enough
    with pytest.raises(NotCanonical, match='duplicate member name "a"'):
        parse_json_strict(b'{"a":1, "a":1}', where="x")


# --------------------------------------------------------------------------------------------
# fuzzing against rfc8785: equal or refused, never different
# --------------------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(JSON)
def test_canonical_bytes_round_trip(value: Any) -> None:
    data = rfc8785.dumps(value)
    assert rfc8785.dumps(parse_canonical(data, where="leaf")) == data
    assert rfc8785.dumps(VE.read_canonical(data)) == data
    assert VE.canonical_json(value) == data


def _mutate(data: bytes, position: int, byte: int, how: str) -> bytes:
    position %= len(data) + 1
    if how == "insert":
        return data[:position] + bytes([byte]) + data[position:]
    if how == "delete":
        return data[:position] + data[position + 1 :]
    if how == "replace":
        return data[:position] + bytes([byte]) + data[position + 1 :]
    if how == "duplicate":  # repeat a slice: member names, escapes, digits twice
        return data[:position] + data[position : position + (byte % 12) + 1] + data[position:]
    return data[position:] + data[:position]  # rotate


MUTATION_BYTES = st.integers(0, 255) | st.sampled_from(list(b' \t\n\\"{}[],:.-+eE0123456789u'))


@settings(max_examples=1500, deadline=None)
@given(
    JSON,
    st.lists(
        st.tuples(
            st.integers(0, 10_000),
            MUTATION_BYTES,
            st.sampled_from(["insert", "delete", "replace", "duplicate", "rotate"]),
        ),
        min_size=1,
        max_size=3,
    ),
)
@example({"a": 1, "b": "x"}, [(7, 0, "duplicate")])
@example({"a": 1.5}, [(6, ord("0"), "insert")])
def test_mutated_bytes_are_refused_or_exactly_canonical(
    value: Any, mutations: list[tuple[int, int, str]]
) -> None:
    data = rfc8785.dumps(value)
    for position, byte, how in mutations:
        data = _mutate(data, position, byte, how)
    try:
        parsed = parse_canonical(data, where="leaf")
    except NotCanonical:
        accepted = False
    else:
        accepted = True
        assert rfc8785.dumps(parsed) == data  # never accepted as something different
    try:
        theirs = VE.read_canonical(data)
    except VE.NotCanonical:
        assert not accepted, data  # both readers agree
    else:
        assert accepted, data
        assert rfc8785.dumps(theirs) == data


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(KEYS, SCALARS, min_size=1, max_size=5),
    st.sampled_from(["whitespace", "reverse", "duplicate", "float"]),
)
def test_known_non_canonical_forms_are_always_refused(value: dict[str, Any], how: str) -> None:
    canonical = rfc8785.dumps(value)
    if how == "whitespace":
        data = json.dumps(value, ensure_ascii=False, sort_keys=True).encode()
        data = data if data != canonical else canonical + b" "
    elif how == "reverse":
        names = sorted(value, key=lambda k: k.encode("utf-16-be"))
        if len(names) < 2:
            data = canonical[:-1] + b',"":null,"":null}'
        else:
            data = (
                b"{"
                + b",".join(
                    rfc8785.dumps(k) + b":" + rfc8785.dumps(value[k]) for k in reversed(names)
                )
                + b"}"
            )
    elif how == "duplicate":
        first = next(iter(sorted(value, key=lambda k: k.encode("utf-16-be"))))
        data = b"{" + rfc8785.dumps(first) + b":null," + canonical[1:]
    else:
        data = canonical[:-1] + b',"\\uffff":1.0}'
    with pytest.raises(NotCanonical):
        parse_canonical(data, where="leaf")
    with pytest.raises(VE.NotCanonical):
        VE.read_canonical(data)


@given(st.floats(allow_nan=False, allow_infinity=False))
@example(5e-324)
@example(1e21)
@example(1e-7)
def test_verify_export_writes_numbers_as_rfc8785(number: float) -> None:
    assert VE.es6_number(number) == rfc8785.dumps(number).decode()


# RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "text"), APPENDIX_B)
def test_rfc8785_appendix_b_numbers(bits: str, text: str) -> None:
    number = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert VE.es6_number(number) == text
    assert canonical_json(number) == text.encode()
    if number == int(number) and abs(number) > 2**53 - 1:
        return  # as a JSON text these read back as integers beyond ±(2^53 - 1): refused
    assert parse_canonical(text.encode(), where="n") == number


def _nesting_oracle(data: bytes, limit: int) -> bool:
    """The plain byte-by-byte reading of RFC 8259 nesting (strings and escapes skipped)."""
    depth = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


@settings(max_examples=400)
@given(
    st.lists(
        st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b"a", b",", b"\n", b"\xff"]),
        max_size=80,
    ),
    st.integers(min_value=0, max_value=6),
)
@example([b'"', b"\\", b'"', b"[", b"["], 1)  # an escaped quote keeps the string open
@example([b'"', b"[", b"[", b"\\"], 0)  # an unterminated string to the end
def test_nesting_check_agrees_with_a_byte_by_byte_reading(parts: list[bytes], limit: int) -> None:
    data = b"".join(parts)
    assert nesting_exceeds(data, limit) == _nesting_oracle(data, limit)
