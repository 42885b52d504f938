"""The append-only Merkle log: compact ranges, roots and proofs from stored perfect subtrees."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from node.errors import MerkleError
from node.merkle.hasher import EMPTY_ROOT, HASH_SIZE, hash_children
from node.merkle.nodes import MAX_TREE_SIZE, NodeID, check_size, full_nodes_of_range
from node.merkle.proof import ProofNodes, consistency_nodes, inclusion_nodes
from node.merkle.reader import NodeReader
from node.types import Hash32


class CompactRange:
    """The right border of a tree of ``size`` leaves: the hashes of its perfect subtrees.

    These are the subtrees of the binary decomposition of ``size``, largest (leftmost) first;
    they are all that is needed to compute the root and to append further leaves (RFC 9162
    §2.1.1; transparency-dev/merkle "compact ranges").
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, *, size: int, hashes: Sequence[bytes]) -> None:
        """Build from ``size`` and the hashes of `full_nodes_of_range(0, size)`, in that order.

        Raises:
            MerkleError: the size is invalid, the number of hashes is not the number of
                perfect subtrees of ``size``, or a hash is not 32 bytes.
        """
        check_size(size)
        if len(hashes) != size.bit_count():
            raise MerkleError(
                f"a tree of size {size} has {size.bit_count()} perfect subtrees, "
                f"got {len(hashes)} hashes"
            )
        for value in hashes:
            _check_hash(value, what="subtree hash")
        self._size = size
        self._hashes: list[Hash32] = [Hash32(value) for value in hashes]

    @classmethod
    def empty(cls) -> CompactRange:
        """The compact range of the empty tree."""
        return cls(size=0, hashes=())

    @classmethod
    def load(cls, reader: NodeReader, size: int) -> CompactRange:
        """Read the compact range of the tree of ``size`` leaves: one ``get_nodes`` call with
        O(log size) ids (none for the empty tree).

        Raises:
            MerkleError: the size is invalid, a node is missing, or the reader returns a wrong
                number of hashes or a hash that is not 32 bytes.
        """
        ids = full_nodes_of_range(0, size)
        if not ids:
            return cls.empty()
        return cls(size=size, hashes=_fetch(reader, ids))

    @property
    def size(self) -> int:
        """Number of leaves in the tree."""
        return self._size

    @property
    def hashes(self) -> tuple[Hash32, ...]:
        """Hashes of the perfect subtrees, largest first (the nodes of `node_ids`)."""
        return tuple(self._hashes)

    def node_ids(self) -> list[NodeID]:
        """Positions of the perfect subtrees, largest first."""
        return full_nodes_of_range(0, self._size)

    def append(self, leaf_hash: bytes) -> list[tuple[NodeID, Hash32]]:
        """Append one leaf hash; return every new perfect node to store, the leaf itself first.

        O(1) amortised, no reads: a leaf completes as many subtrees as ``size`` has trailing
        one bits.

        Raises:
            MerkleError: ``leaf_hash`` is not 32 bytes or the tree is full (nothing changes).
        """
        _check_hash(leaf_hash, what="leaf hash")
        index = self._size
        if index >= MAX_TREE_SIZE:
            raise MerkleError(f"the tree is full ({MAX_TREE_SIZE} leaves)")
        value = Hash32(leaf_hash)
        new_nodes = [(NodeID(0, index), value)]
        stack = self._hashes
        level = 0
        while index & 1:
            value = hash_children(stack.pop(), value)
            index >>= 1
            level += 1
            new_nodes.append((NodeID(level, index), value))
        stack.append(value)
        self._size += 1
        return new_nodes

    def extend(self, leaf_hashes: Iterable[bytes]) -> list[tuple[NodeID, Hash32]]:
        """Append leaf hashes in order; return all new perfect nodes to store.

        Raises:
            MerkleError: a leaf hash is not 32 bytes or the tree would exceed its maximum size;
                the range is then left unchanged.
        """
        values = list(leaf_hashes)
        for value in values:
            _check_hash(value, what="leaf hash")
        if self._size + len(values) > MAX_TREE_SIZE:
            raise MerkleError(f"the tree would exceed {MAX_TREE_SIZE} leaves")
        new_nodes: list[tuple[NodeID, Hash32]] = []
        for value in values:
            new_nodes.extend(self.append(value))
        return new_nodes

    def root(self) -> Hash32:
        """The tree's root hash, MTH of all leaves (RFC 9162 §2.1.1); EMPTY_ROOT for size 0."""
        return _fold_right(self._hashes)

    def copy(self) -> CompactRange:
        """An independent copy (appending to it leaves this range unchanged)."""
        return CompactRange(size=self._size, hashes=self._hashes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> Hash32:
    """The root of the tree with these leaf hashes, in order (RFC 9162 §2.1.1).

    Raises:
        MerkleError: a leaf hash is not 32 bytes.
    """
    stack: list[bytes] = []
    for count, value in enumerate(leaf_hashes):
        _check_hash(value, what="leaf hash")
        while count & 1:
            value = hash_children(stack.pop(), value)
            count >>= 1
        stack.append(value)
    return _fold_right(stack)


def root_at(reader: NodeReader, size: int) -> Hash32:
    """The root of the tree of ``size`` leaves from its O(log size) stored perfect subtrees.

    Raises:
        MerkleError: the size is invalid, a node is missing, or the reader returns bad hashes.
    """
    ids = full_nodes_of_range(0, size)
    if not ids:
        return EMPTY_ROOT
    return _fold_right(_fetch(reader, ids))


def prove_inclusion(reader: NodeReader, index: int, size: int) -> list[Hash32]:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves (RFC 9162 §2.1.3.1).

    Reads the stored nodes with at most one ``get_nodes`` call.

    Raises:
        MerkleError: not 0 <= index < size, a node is missing, or the reader returns bad hashes.
    """
    return _build(reader, inclusion_nodes(index, size))


def prove_consistency(reader: NodeReader, size1: int, size2: int) -> list[Hash32]:
    """The consistency proof from the tree of ``size1`` leaves to ``size2`` (RFC 9162 §2.1.4.1).

    Empty when ``size1`` is 0 or equals ``size2``. Reads with at most one ``get_nodes`` call.

    Raises:
        MerkleError: a size is invalid, size1 > size2, a node is missing, or bad hashes.
    """
    return _build(reader, consistency_nodes(size1, size2))


class Levels:
    """Every level of the Merkle tree over the leaf hashes, held in memory (RFC 9162 §2.1.1:
    level 0 the leaves, each node above the hash of its two children; a last odd node waits for
    its sibling), as a ``NodeReader`` of the perfect-subtree nodes (0-based). The one in-memory
    tree: `build_tree`, `tamga check`, the auditor and proofs over state leaves."""

    __slots__ = ("levels", "size")

    def __init__(self, leaf_hashes: Iterable[bytes]) -> None:
        """Build every level, one list comprehension per level.

        Raises:
            MerkleError: a leaf hash is not 32 bytes, or there are too many leaves.
        """
        below = list(leaf_hashes)
        for value in below:
            _check_hash(value, what="leaf hash")
        check_size(len(below))
        levels: list[list[bytes]] = [below]
        while len(below) > 1:
            below = [hash_children(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
            levels.append(below)
        self.levels: list[list[bytes]] = levels
        self.size: int = len(levels[0])

    def get_nodes(self, ids: Sequence[NodeID]) -> Sequence[bytes]:
        """Hashes of perfect-subtree nodes, in the order of ``ids``.

        Raises:
            MerkleError: a node is outside the tree (not stored).
        """
        levels = self.levels
        try:
            return [levels[node.level][node.index] for node in ids]
        except IndexError:
            missing = next(node for node in ids if node not in self)
            raise MerkleError(
                f"node {missing} is not stored (outside the tree of size {self.size})"
            ) from None

    def root(self, size: int | None = None) -> bytes:
        """The RFC 9162 root of the first ``size`` leaves (all by default).

        Raises:
            MerkleError: ``size`` exceeds the tree.
        """
        size = self.size if size is None else size
        if size > self.size:
            raise MerkleError(f"size {size} exceeds the tree of size {self.size}")
        return root_at(self, size)

    def __len__(self) -> int:
        """The number of perfect-subtree nodes (leaves included)."""
        return sum(len(level) for level in self.levels)

    def __contains__(self, node: object) -> bool:
        return (
            isinstance(node, NodeID)
            and node.level < len(self.levels)
            and 0 <= node.index < len(self.levels[node.level])
        )

    def items(self) -> Iterator[tuple[NodeID, Hash32]]:
        """Every (id, hash) pair, level by level."""
        for level, hashes in enumerate(self.levels):
            for index, value in enumerate(hashes):
                yield NodeID(level, index), Hash32(value)


def build_tree(leaf_hashes: Iterable[bytes]) -> tuple[Levels, int]:
    """Every perfect node of the tree of these leaf hashes, in memory; return it and the size.

    Raises:
        MerkleError: a leaf hash is not 32 bytes.
    """
    tree = Levels(leaf_hashes)
    return tree, tree.size


def _build(reader: NodeReader, nodes: ProofNodes) -> list[Hash32]:
    if not nodes.ids:
        return []
    return nodes.rehash(_fetch(reader, nodes.ids))


def _fetch(reader: NodeReader, ids: Sequence[NodeID]) -> Sequence[bytes]:
    hashes = reader.get_nodes(ids)
    if len(hashes) != len(ids):
        raise MerkleError(f"reader returned {len(hashes)} hashes for {len(ids)} nodes")
    for value in hashes:
        _check_hash(value, what="stored node hash")
    return hashes


def _fold_right(hashes: Sequence[bytes]) -> Hash32:
    """Root from perfect-subtree hashes, largest first: fold from the right (RFC 9162 §2.1.1)."""
    if not hashes:
        return EMPTY_ROOT
    value = hashes[-1]
    for position in range(len(hashes) - 2, -1, -1):
        value = hash_children(hashes[position], value)
    return Hash32(value)


def _check_hash(value: object, *, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise MerkleError(f"{what} is not {HASH_SIZE} bytes: {value!r}")
