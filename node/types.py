"""Shared value types: NewTypes for indexes, sizes and amounts."""

from __future__ import annotations

from typing import NewType

LeafIndex = NewType("LeafIndex", int)
"""0-based index of a leaf (an entry) in the Merkle log."""

TreeSize = NewType("TreeSize", int)
"""Number of leaves in a Merkle tree."""

Hash32 = NewType("Hash32", bytes)
"""A 32-byte SHA-256 digest."""

BaseUnits = NewType("BaseUnits", int)
"""An on-chain token amount in base units (after `decimals`)."""

Wei = NewType("Wei", int)
"""An amount of the chain's native currency in wei."""

RequestId = NewType("RequestId", bytes)
"""A client's id of one write request (32 bytes, e.g. derived from an HTTP Idempotency-Key):
written with the request's entries, so that a retry never writes them twice."""
