"""RFC 9162 Merkle log (pure): hashing, node positions, compact ranges, proofs and verifiers."""

from __future__ import annotations

from node.merkle.hasher import EMPTY_ROOT, HASH_SIZE, hash_children, hash_leaf
from node.merkle.nodes import MAX_TREE_SIZE, NodeID, full_nodes_of_range
from node.merkle.proof import ProofNodes, consistency_nodes, inclusion_nodes
from node.merkle.reader import MemoryNodeStore, NodeReader
from node.merkle.tree import (
    CompactRange,
    Levels,
    build_tree,
    prove_consistency,
    prove_inclusion,
    root_at,
    root_from_leaf_hashes,
)
from node.merkle.verify import root_from_inclusion_proof, verify_consistency, verify_inclusion

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_TREE_SIZE",
    "CompactRange",
    "Levels",
    "MemoryNodeStore",
    "NodeID",
    "NodeReader",
    "ProofNodes",
    "build_tree",
    "consistency_nodes",
    "full_nodes_of_range",
    "hash_children",
    "hash_leaf",
    "inclusion_nodes",
    "prove_consistency",
    "prove_inclusion",
    "root_at",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]
