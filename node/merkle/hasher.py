"""RFC 9162 §2.1.1 Merkle tree hashing with SHA-256: leaf, interior node and empty-tree hashes."""

from __future__ import annotations

import hashlib
from typing import Final

from node.types import Hash32

HASH_SIZE: Final = 32
"""Length in bytes of every hash in the log (SHA-256)."""

LEAF_PREFIX: Final = b"\x00"
"""Domain-separation prefix of a leaf hash (RFC 9162 §2.1.1)."""

NODE_PREFIX: Final = b"\x01"
"""Domain-separation prefix of an interior node hash (RFC 9162 §2.1.1)."""

_sha256 = hashlib.sha256

EMPTY_ROOT: Final = Hash32(_sha256(b"").digest())
"""Root of the empty tree: MTH({}) = SHA-256("") (RFC 9162 §2.1.1)."""


def hash_leaf(data: bytes) -> Hash32:
    """Hash a leaf's data: SHA-256(0x00 || data) (RFC 9162 §2.1.1).

    Raises:
        TypeError: ``data`` is not bytes-like.
    """
    return Hash32(_sha256(LEAF_PREFIX + data).digest())


def hash_children(left: bytes, right: bytes) -> Hash32:
    """Hash an interior node from its children: SHA-256(0x01 || left || right) (RFC 9162 §2.1.1).

    The lengths are not checked here (this is the hot path); callers validate their input.

    Raises:
        TypeError: ``left`` or ``right`` is not bytes-like.
    """
    return Hash32(_sha256(NODE_PREFIX + left + right).digest())
