"""Access to stored node hashes: the NodeReader protocol and a dict-backed in-memory store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from node.errors import MerkleError
from node.merkle.hasher import HASH_SIZE
from node.merkle.nodes import NodeID
from node.types import Hash32


class NodeReader(Protocol):
    """Anything that returns the hashes of stored perfect-subtree nodes."""

    def get_nodes(self, ids: Sequence[NodeID]) -> Sequence[bytes]:
        """The hashes of ``ids``, in the same order.

        Raises:
            MerkleError: a node is not stored.
        """
        ...


class MemoryNodeStore:
    """Node hashes in a dict: a NodeReader and writer for tests and in-memory trees.

    Stored nodes are immutable, as in the append-only log: writing a different hash over a
    stored node is refused.
    """

    __slots__ = ("_hashes",)

    def __init__(self) -> None:
        self._hashes: dict[NodeID, Hash32] = {}

    def put_nodes(self, nodes: Iterable[tuple[NodeID, bytes]]) -> None:
        """Store node hashes; storing the same hash again is a no-op.

        All pairs are checked before any is stored.

        Raises:
            MerkleError: an id is not a NodeID, a hash is not 32 bytes, or a node is already
                stored with a different hash (or given twice with different hashes).
        """
        staged: dict[NodeID, Hash32] = {}
        for node_id, value in nodes:
            if not isinstance(node_id, NodeID):
                raise MerkleError(f"not a NodeID: {node_id!r}")
            if not isinstance(value, bytes) or len(value) != HASH_SIZE:
                raise MerkleError(f"hash of node {node_id} is not {HASH_SIZE} bytes: {value!r}")
            known = staged.get(node_id, self._hashes.get(node_id))
            if known is not None and known != value:
                raise MerkleError(
                    f"node {node_id} is already stored with hash {known.hex()}, "
                    f"refusing {value.hex()}"
                )
            staged[node_id] = Hash32(value)
        self._hashes.update(staged)

    def get_nodes(self, ids: Sequence[NodeID]) -> list[Hash32]:
        """The hashes of ``ids``, in the same order.

        Raises:
            MerkleError: a node is not stored.
        """
        hashes = self._hashes
        try:
            return [hashes[node_id] for node_id in ids]
        except KeyError as exc:
            raise MerkleError(f"node {exc.args[0]} is not stored") from exc

    def __len__(self) -> int:
        return len(self._hashes)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._hashes

    def items(self) -> Iterator[tuple[NodeID, Hash32]]:
        """Stored (id, hash) pairs, in the order they were first stored."""
        return iter(self._hashes.items())
