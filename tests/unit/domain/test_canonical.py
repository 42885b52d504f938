"""canonical_json equals the RFC 8785 reference implementation; parse_json round-trips it."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from node.domain.canonical import canonical_json, parse_json
from node.errors import RuleViolation

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),  # no lone surrogates
    max_size=12,
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | TEXT
    | st.sampled_from(["\u2028", "\x7f", "\x00\x1f", "é€😀", '"\\/', "\ud7ff\ue000"])
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            TEXT | st.sampled_from(["a", "B", "é", "😀", "\ue000"]), children, max_size=4
        )
    ),
    max_leaves=20,
)


@given(JSON)
def test_equals_the_reference_implementation(value: object) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@given(JSON)
def test_round_trip(value: object) -> None:
    assert parse_json(canonical_json(value)) == value


def test_rfc8785_known_answer() -> None:
    # RFC 8785 §3.2.3: members sorted by UTF-16 code units, no whitespace.
    value = {
        "\u20ac": "Euro",
        "\r": "CR",
        "\ufb33": "Hebrew",
        "1": "One",
        "\U0001f600": "E",
        "\u0080": "C",
    }
    expected = (
        '{"\\r":"CR","1":"One","\u0080":"C","\u20ac":"Euro","\U0001f600":"E","\ufb33":"Hebrew"}'
    )
    assert canonical_json(value) == expected.encode("utf-8")


def test_unsafe_numbers_are_refused() -> None:
    with pytest.raises(TypeError):
        canonical_json({"n": 2**60})
    assert canonical_json({"n": 1.5}) == b'{"n":1.5}'  # floats go to the reference encoder


def test_parse_json_names_the_field() -> None:
    with pytest.raises(RuleViolation) as err:
        parse_json(b"\xff", field="leaf")
    assert (err.value.field, err.value.rule) == ("leaf", "json")
