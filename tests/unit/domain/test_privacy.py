"""Salted commitments to founders' data (Reg. §66)."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.domain.privacy import MIN_SALT_BYTES, commit, verify_commitment
from node.errors import VerificationError

SALT = bytes(range(16))
FOUNDERS = {
    "founders": [{"name": "Айбек Асанов", "share": "60.00"}, {"name": "Ainura", "share": "40"}]
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def test_commitment_is_sha256_of_salt_and_canonical_json() -> None:
    expected = hashlib.sha256(SALT + b'{"a":1,"b":[true,null,"x"]}').hexdigest()
    assert commit({"b": [True, None, "x"], "a": 1}, SALT) == expected


def test_key_order_does_not_matter_but_salt_and_value_do() -> None:
    assert commit({"a": 1, "b": 2}, SALT) == commit({"b": 2, "a": 1}, SALT)
    assert commit(FOUNDERS, SALT) != commit(FOUNDERS, bytes(range(1, 17)))
    assert commit({"a": 1}, SALT) != commit({"a": 2}, SALT)


@pytest.mark.parametrize("length", [0, 1, MIN_SALT_BYTES - 1])
def test_short_salts_are_refused(length: int) -> None:
    with pytest.raises(ValueError, match="salt"):
        commit(FOUNDERS, bytes(length))
    with pytest.raises(ValueError, match="salt"):
        verify_commitment("00" * 32, FOUNDERS, bytes(length))


@pytest.mark.parametrize(
    "value", [{"share": 0.5}, [1, [2.0]], 1.5, {"on": date(2025, 1, 1)}, {"share": Decimal("1")}]
)
def test_floats_and_non_json_values_are_refused(value: object) -> None:
    with pytest.raises(TypeError):
        commit(value, SALT)


def test_verify_accepts_the_matching_value() -> None:
    verify_commitment(commit(FOUNDERS, SALT), FOUNDERS, SALT)


@pytest.mark.parametrize(
    ("value", "salt"),
    [
        ({"founders": []}, SALT),
        (FOUNDERS, bytes(range(1, 17))),
    ],
)
def test_verify_rejects_other_value_or_salt(value: object, salt: bytes) -> None:
    commitment = commit(FOUNDERS, SALT)
    with pytest.raises(VerificationError) as caught:
        verify_commitment(commitment, value, salt)
    assert caught.value.expected == commitment
    assert caught.value.actual == commit(value, salt)
    assert caught.value.where == "commitment"


@pytest.mark.parametrize("commitment", ["", "xyz", "00" * 32, commit(FOUNDERS, SALT).upper()])
def test_verify_rejects_malformed_or_wrong_commitments(commitment: str) -> None:
    with pytest.raises(VerificationError):
        verify_commitment(commitment, FOUNDERS, SALT)


@given(value=json_values, salt=st.binary(min_size=MIN_SALT_BYTES, max_size=64))
def test_commit_verify_round_trip(value: object, salt: bytes) -> None:
    commitment = commit(value, salt)
    assert len(commitment) == 64 and int(commitment, 16) >= 0
    verify_commitment(commitment, value, salt)
