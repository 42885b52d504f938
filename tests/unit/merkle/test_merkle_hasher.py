"""Known answers for the RFC 9162 §2.1.1 hasher."""

from __future__ import annotations

import hashlib

from node.merkle.hasher import EMPTY_ROOT, HASH_SIZE, hash_children, hash_leaf


def test_empty_root_is_sha256_of_empty_string() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_leaf_hash_of_empty_leaf_is_rfc6962_known_answer() -> None:
    assert hash_leaf(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )


def test_leaf_hash_prefixes_zero_byte() -> None:
    data = b"tamga"
    assert hash_leaf(data) == hashlib.sha256(b"\x00" + data).digest()
    assert len(hash_leaf(data)) == HASH_SIZE == 32


def test_children_hash_prefixes_one_byte_and_keeps_order() -> None:
    left, right = hash_leaf(b"a"), hash_leaf(b"b")
    assert hash_children(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert hash_children(left, right) != hash_children(right, left)


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    # A 64-byte leaf must not collide with the interior node over the same bytes (RFC 9162 §2.1.1).
    left, right = hash_leaf(b"a"), hash_leaf(b"b")
    assert hash_leaf(left + right) != hash_children(left, right)
