"""Node addresses in the log's Merkle tree and the compact-range decomposition of leaf ranges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from node.errors import MerkleError

INDEX_BITS: Final = 56
"""Bits of a node index in `NodeID.key`; the level takes the bits above."""

MAX_LEVEL: Final = 63
"""Highest level a `NodeID` may have (keeps `NodeID.key` below 2**63, a signed 64-bit integer)."""

MAX_TREE_SIZE: Final = 1 << INDEX_BITS
"""Largest supported number of leaves (every node index then fits in `INDEX_BITS` bits)."""

_INDEX_MASK: Final = (1 << INDEX_BITS) - 1


@dataclass(frozen=True, order=True, slots=True)
class NodeID:
    """A node of the tree: ``level`` 0 holds leaf hashes; node (L, i) covers leaves
    [i * 2**L, (i + 1) * 2**L). Only perfect (full) subtrees have a NodeID that gets stored.

    Raises:
        MerkleError: ``level`` is outside [0, MAX_LEVEL] or ``index`` outside [0, 2**56).
    """

    level: int
    index: int

    def __post_init__(self) -> None:
        level, index = self.level, self.index
        if type(level) is not int or type(index) is not int:
            raise MerkleError(f"node level and index must be ints, got {level!r}, {index!r}")
        if not 0 <= level <= MAX_LEVEL:
            raise MerkleError(f"node level {level} outside [0, {MAX_LEVEL}]")
        if not 0 <= index <= _INDEX_MASK:
            raise MerkleError(f"node index {index} outside [0, 2**{INDEX_BITS})")

    def key(self) -> int:
        """One integer for storage: ``(level << 56) | index`` (fits a signed 64-bit column)."""
        return (self.level << INDEX_BITS) | self.index

    @classmethod
    def from_key(cls, key: int) -> NodeID:
        """Inverse of `key`.

        Raises:
            MerkleError: ``key`` is not an int or does not encode a valid node.
        """
        if type(key) is not int or key < 0:
            raise MerkleError(f"node key must be a non-negative int, got {key!r}")
        return cls(key >> INDEX_BITS, key & _INDEX_MASK)

    def parent(self) -> NodeID:
        """The node one level up whose subtree contains this one.

        Raises:
            MerkleError: this node is already at MAX_LEVEL.
        """
        return NodeID(self.level + 1, self.index >> 1)

    def sibling(self) -> NodeID:
        """The other child of this node's parent."""
        return NodeID(self.level, self.index ^ 1)

    def covers(self) -> tuple[int, int]:
        """The half-open range [begin, end) of leaf indexes under this node."""
        return self.index << self.level, (self.index + 1) << self.level


def check_size(size: int, *, name: str = "size") -> None:
    """Check that ``size`` is a valid tree size: an int in [0, MAX_TREE_SIZE].

    Raises:
        MerkleError: it is not.
    """
    if type(size) is not int:
        raise MerkleError(f"{name} must be an int, got {type(size).__name__}")
    if not 0 <= size <= MAX_TREE_SIZE:
        raise MerkleError(f"{name} {size} outside [0, 2**{INDEX_BITS}]")


def decompose(begin: int, end: int) -> tuple[int, int]:
    """Sizes of the left and right parts of the compact range [begin, end), as bit masks.

    Each set bit ``b`` of the first mask is a perfect subtree of 2**b leaves on the left part
    (levels increasing left to right); each set bit of the second is one on the right part
    (levels decreasing left to right). Arguments are not validated (see `full_nodes_of_range`).
    """
    if begin == 0:
        return 0, end
    last_before = begin - 1
    # Paths to leaves begin-1 and end diverge at bit d; only nodes strictly below it are in range.
    mask = (1 << ((last_before ^ end).bit_length() - 1)) - 1
    return ~last_before & mask, end & mask


def full_nodes_of_range(begin: int, end: int) -> list[NodeID]:
    """The minimal list of perfect subtrees exactly covering leaves [begin, end), left to right.

    For ``begin == 0`` these are the subtrees of the binary decomposition of ``end``, largest
    first: the tree's "compact range", from which its root is derived (RFC 9162 §2.1.1).

    Raises:
        MerkleError: not 0 <= begin <= end <= MAX_TREE_SIZE.
    """
    check_size(begin, name="begin")
    check_size(end, name="end")
    if begin > end:
        raise MerkleError(f"range begin {begin} is beyond its end {end}")
    left, right = decompose(begin, end)
    nodes: list[NodeID] = []
    pos = begin
    while left:
        level = (left & -left).bit_length() - 1
        nodes.append(NodeID(level, pos >> level))
        pos += 1 << level
        left &= left - 1
    while right:
        level = right.bit_length() - 1
        nodes.append(NodeID(level, pos >> level))
        pos += 1 << level
        right ^= 1 << level
    return nodes
