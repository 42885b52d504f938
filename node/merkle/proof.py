"""Which stored nodes make up an RFC 9162 inclusion or consistency proof (pure position picking)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from node.errors import MerkleError
from node.merkle.hasher import HASH_SIZE, hash_children
from node.merkle.nodes import NodeID, check_size, full_nodes_of_range
from node.types import Hash32


@dataclass(frozen=True, slots=True)
class ProofNodes:
    """How to build a proof from stored (perfect-subtree) nodes.

    ``ids`` are fetched in this order. A proof against a tree whose size is not a power of two
    may need one "ephemeral" node: an RFC 9162 subtree that is not perfect and so is never
    stored. Its hash is recomputed from ``ids[begin:end]``, the perfect subtrees covering it
    (ordered from the lowest level up); ``ephem`` is its position, or None if the proof has none.
    """

    ids: tuple[NodeID, ...]
    begin: int = 0
    end: int = 0
    ephem: NodeID | None = None

    def rehash(self, hashes: Sequence[bytes]) -> list[Hash32]:
        """Turn the hashes of ``ids`` (same order) into the proof, folding the ephemeral node.

        Raises:
            MerkleError: the number of hashes differs from ``len(ids)``, or one is not 32 bytes.
        """
        if len(hashes) != len(self.ids):
            raise MerkleError(f"got {len(hashes)} node hashes for {len(self.ids)} proof nodes")
        for position, value in enumerate(hashes):
            if not isinstance(value, bytes) or len(value) != HASH_SIZE:
                raise MerkleError(
                    f"hash of node {self.ids[position]} is not {HASH_SIZE} bytes: {value!r}"
                )
        begin, end = self.begin, self.end
        if end - begin < 2:
            return [Hash32(value) for value in hashes]
        proof = [Hash32(value) for value in hashes[:begin]]
        ephemeral = hashes[begin]
        for position in range(begin + 1, end):
            # Right-border subtrees come lowest level (rightmost) first: fold right to left.
            ephemeral = hash_children(hashes[position], ephemeral)
        proof.append(Hash32(ephemeral))
        proof.extend(Hash32(value) for value in hashes[end:])
        return proof


def inclusion_nodes(index: int, size: int) -> ProofNodes:
    """Nodes of the inclusion proof (audit path) of leaf ``index`` in the tree of ``size`` leaves.

    The proof lists sibling subtrees from the leaf up to the root (RFC 9162 §2.1.3.1).

    Raises:
        MerkleError: ``size`` is invalid or not 0 <= index < size.
    """
    check_size(size)
    if type(index) is not int:
        raise MerkleError(f"index must be an int, got {type(index).__name__}")
    if not 0 <= index < size:
        raise MerkleError(f"leaf index {index} is outside the tree of size {size}")
    return _skip_first(_nodes(index, 0, size))


def consistency_nodes(size1: int, size2: int) -> ProofNodes:
    """Nodes of the consistency proof from the tree of ``size1`` leaves to that of ``size2``.

    Follows RFC 9162 §2.1.4.1; the proof is empty when ``size1 == size2`` or ``size1 == 0``.

    Raises:
        MerkleError: a size is invalid or ``size1 > size2``.
    """
    check_size(size1, name="size1")
    check_size(size2, name="size2")
    if size1 > size2:
        raise MerkleError(f"size1 {size1} is larger than size2 {size2}")
    if size1 == 0 or size1 == size2:
        return ProofNodes(ids=())
    # The last perfect subtree of the old tree's decomposition is the seed of the proof.
    level = (size1 & -size1).bit_length() - 1
    nodes = _nodes((size1 - 1) >> level, level, size2)
    if size1 & (size1 - 1) == 0:
        # The old tree is itself a perfect subtree: its root is known to the verifier.
        return _skip_first(nodes)
    return nodes


def _nodes(index: int, level: int, size: int) -> ProofNodes:
    """Nodes proving that node (level, index) is in the tree of ``size`` leaves, seed first.

    The seed is followed by its siblings up to the "fork" (where the paths to the seed and to
    leaf ``size`` diverge), then the perfect subtrees right of the fork (the ephemeral sibling
    of the fork, lowest first), then those left of the fork (lowest first).
    """
    inner = (index ^ (size >> level)).bit_length() - 1
    fork_level = level + inner
    fork_index = index >> inner
    fork_begin = fork_index << fork_level
    fork_end = (fork_index + 1) << fork_level

    ids = [NodeID(level, index)]
    node_level, node_index = level, index
    while node_level < fork_level:
        ids.append(NodeID(node_level, node_index ^ 1))
        node_level += 1
        node_index >>= 1
    begin = len(ids)
    ids.extend(reversed(full_nodes_of_range(fork_end, size)))
    end = len(ids)
    ids.extend(reversed(full_nodes_of_range(0, fork_begin)))
    if begin >= end:
        return ProofNodes(ids=tuple(ids))
    return ProofNodes(
        ids=tuple(ids), begin=begin, end=end, ephem=NodeID(fork_level, fork_index ^ 1)
    )


def _skip_first(nodes: ProofNodes) -> ProofNodes:
    """Drop the seed (known to the verifier) and shift the ephemeral slice accordingly."""
    if nodes.begin < nodes.end:
        return ProofNodes(
            ids=nodes.ids[1:], begin=nodes.begin - 1, end=nodes.end - 1, ephem=nodes.ephem
        )
    return ProofNodes(ids=nodes.ids[1:])
