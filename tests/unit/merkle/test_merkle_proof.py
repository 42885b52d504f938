"""Position picking for proofs: ProofNodes, inclusion_nodes and consistency_nodes."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.errors import MerkleError
from node.merkle import (
    MAX_TREE_SIZE,
    NodeID,
    ProofNodes,
    consistency_nodes,
    hash_children,
    inclusion_nodes,
)

sizes = st.integers(min_value=1, max_value=MAX_TREE_SIZE)


def _dummy(node: NodeID) -> bytes:
    return node.key().to_bytes(32, "big")


def _check_nodes(nodes: ProofNodes, size: int) -> None:
    """Every id is a perfect subtree inside the tree; the ephemeral slice tiles its node."""
    for node in nodes.ids:
        assert node.covers()[1] <= size
    if nodes.ephem is None:
        assert nodes.begin == nodes.end == 0
        return
    assert 0 <= nodes.begin < nodes.end <= len(nodes.ids)
    first, after = nodes.ephem.covers()
    assert first < size < after  # a node not perfect in this tree: never stored
    covered = sorted(node.covers() for node in nodes.ids[nodes.begin : nodes.end])
    assert covered[0][0] == first
    assert covered[-1][1] == size
    for (_, end), (begin, _) in pairwise(covered):
        assert end == begin
    # Lowest level first, so that rehash can fold right to left.
    levels = [node.level for node in nodes.ids[nodes.begin : nodes.end]]
    assert levels == sorted(levels)


@given(st.data())
def test_inclusion_nodes_shape(data: st.DataObject) -> None:
    size = data.draw(sizes, label="size")
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    nodes = inclusion_nodes(index, size)
    _check_nodes(nodes, size)
    # Proof length as RFC 9162 §2.1.3.2 expects it: inner + border.
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    assert len(nodes.rehash([_dummy(node) for node in nodes.ids])) == inner + border


@given(st.data())
def test_consistency_nodes_shape(data: st.DataObject) -> None:
    size2 = data.draw(sizes, label="size2")
    size1 = data.draw(st.integers(min_value=1, max_value=size2), label="size1")
    nodes = consistency_nodes(size1, size2)
    _check_nodes(nodes, size2)
    if size1 == size2:
        assert nodes.ids == ()
        return
    shift = (size1 & -size1).bit_length() - 1
    inner = ((size1 - 1) ^ (size2 - 1)).bit_length() - shift
    border = ((size1 - 1) >> (inner + shift)).bit_count()
    seed = 0 if size1 == 1 << shift else 1
    assert len(nodes.rehash([_dummy(node) for node in nodes.ids])) == seed + inner + border


def test_ephemeral_node_is_folded_right_to_left() -> None:
    # Leaf 0 in a tree of 7: siblings (0,1), (1,1), then the ephemeral node over [4, 7),
    # stored as (0,6) and (1,2), which rehash folds into H((1,2), (0,6)).
    nodes = inclusion_nodes(0, 7)
    assert nodes.ids == (NodeID(0, 1), NodeID(1, 1), NodeID(0, 6), NodeID(1, 2))
    assert (nodes.begin, nodes.end, nodes.ephem) == (2, 4, NodeID(2, 1))
    hashes = [bytes([n]) * 32 for n in range(4)]
    assert nodes.rehash(hashes) == [
        hashes[0],
        hashes[1],
        hash_children(hashes[3], hashes[2]),
    ]


def test_perfect_tree_has_no_ephemeral_node() -> None:
    nodes = inclusion_nodes(5, 8)
    assert nodes.ids == (NodeID(0, 4), NodeID(1, 3), NodeID(2, 0))
    assert nodes.ephem is None


def test_consistency_nodes_of_known_vector() -> None:
    # 6 -> 8 (RFC 6962 vectors): seed (1,2) = leaves [4,6), then (1,3), then (2,0).
    nodes = consistency_nodes(6, 8)
    assert nodes.ids == (NodeID(1, 2), NodeID(1, 3), NodeID(2, 0))
    assert consistency_nodes(4, 8).ids == (NodeID(2, 1),)


@pytest.mark.parametrize(("size1", "size2"), [(0, 0), (0, 9), (9, 9)])
def test_trivial_consistency_is_empty(size1: int, size2: int) -> None:
    nodes = consistency_nodes(size1, size2)
    assert nodes == ProofNodes(ids=())
    assert nodes.rehash([]) == []


@pytest.mark.parametrize(
    ("index", "size"),
    [(0, 0), (3, 3), (4, 3), (-1, 3), (0, -1), (0, MAX_TREE_SIZE + 1), (True, 3), (0, 3.0)],
)
def test_inclusion_nodes_bad_arguments(index: object, size: object) -> None:
    with pytest.raises(MerkleError):
        inclusion_nodes(index, size)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("size1", "size2"),
    [(4, 3), (-1, 3), (1, -3), (1, MAX_TREE_SIZE + 1), (1.0, 3), (1, None)],
)
def test_consistency_nodes_bad_arguments(size1: object, size2: object) -> None:
    with pytest.raises(MerkleError):
        consistency_nodes(size1, size2)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "hashes",
    [[], [b"\x00" * 32] * 3, [b"\x00" * 32] * 5, [b"\x00" * 32] * 3 + [b"short"]],
    ids=["none", "too few", "too many", "short hash"],
)
def test_rehash_refuses_wrong_hashes(hashes: list[bytes]) -> None:
    with pytest.raises(MerkleError):
        inclusion_nodes(0, 7).rehash(hashes)


def test_largest_tree_proofs() -> None:
    last = MAX_TREE_SIZE - 1
    assert len(inclusion_nodes(last, MAX_TREE_SIZE).ids) == 56
    assert len(inclusion_nodes(0, last).ids) == 56 + 55 - 1
    assert consistency_nodes(1, MAX_TREE_SIZE).ids[-1] == NodeID(55, 1)
