"""NodeID addressing, storage keys and the compact-range decomposition of leaf ranges."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.errors import MerkleError
from node.merkle.nodes import MAX_LEVEL, MAX_TREE_SIZE, NodeID, full_nodes_of_range

levels = st.integers(min_value=0, max_value=MAX_LEVEL)
indexes = st.integers(min_value=0, max_value=(1 << 56) - 1)
sizes = st.integers(min_value=0, max_value=MAX_TREE_SIZE)


@given(levels, indexes)
def test_key_round_trip(level: int, index: int) -> None:
    node = NodeID(level, index)
    key = node.key()
    assert key == (level << 56) | index
    assert 0 <= key < 1 << 63  # fits a signed 64-bit column
    assert NodeID.from_key(key) == node


@given(levels, indexes, levels, indexes)
def test_keys_are_unique(level1: int, index1: int, level2: int, index2: int) -> None:
    same = (level1, index1) == (level2, index2)
    assert (NodeID(level1, index1).key() == NodeID(level2, index2).key()) == same


@pytest.mark.parametrize(
    ("level", "index"),
    [(-1, 0), (MAX_LEVEL + 1, 0), (0, -1), (0, 1 << 56), (True, 0), (0, 1.0), ("0", 0)],
)
def test_invalid_node_ids_are_refused(level: object, index: object) -> None:
    with pytest.raises(MerkleError):
        NodeID(level, index)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", [-1, 64 << 56, 1.5, "1", None])
def test_invalid_keys_are_refused(key: object) -> None:
    with pytest.raises(MerkleError):
        NodeID.from_key(key)  # type: ignore[arg-type]


def test_parent_sibling_covers() -> None:
    node = NodeID(2, 5)
    assert node.covers() == (20, 24)
    assert node.parent() == NodeID(3, 2)
    assert node.parent().covers() == (16, 24)
    assert node.sibling() == NodeID(2, 4)
    assert node.sibling().sibling() == node
    assert NodeID(0, 7).covers() == (7, 8)


def test_parent_beyond_max_level_is_refused() -> None:
    with pytest.raises(MerkleError):
        NodeID(MAX_LEVEL, 0).parent()


def test_node_ids_order_by_level_then_index() -> None:
    assert sorted([NodeID(1, 0), NodeID(0, 5), NodeID(0, 1)]) == [
        NodeID(0, 1),
        NodeID(0, 5),
        NodeID(1, 0),
    ]


def _greedy_decomposition(begin: int, end: int) -> list[NodeID]:
    """Reference: repeatedly take the largest aligned perfect subtree starting at `begin`."""
    nodes = []
    while begin < end:
        level = 0
        while begin % (1 << (level + 1)) == 0 and begin + (1 << (level + 1)) <= end:
            level += 1
        nodes.append(NodeID(level, begin >> level))
        begin += 1 << level
    return nodes


@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=0, max_value=5000))
def test_full_nodes_of_range_matches_greedy_reference(a: int, b: int) -> None:
    begin, end = min(a, b), max(a, b)
    assert full_nodes_of_range(begin, end) == _greedy_decomposition(begin, end)


@given(sizes, sizes)
def test_full_nodes_of_range_tiles_the_range(a: int, b: int) -> None:
    begin, end = min(a, b), max(a, b)
    nodes = full_nodes_of_range(begin, end)
    position = begin
    for node in nodes:
        first, after = node.covers()
        assert first == position
        position = after
    assert position == end
    # Levels strictly rise (left part), then strictly fall (right part).
    levels = [node.level for node in nodes]
    assert any(
        all(x < y for x, y in pairwise(levels[:split]))
        and all(x > y for x, y in pairwise(levels[split:]))
        for split in range(len(levels) + 1)
    )


@given(sizes)
def test_prefix_decomposition_follows_binary_digits(size: int) -> None:
    nodes = full_nodes_of_range(0, size)
    assert [node.level for node in nodes] == [
        bit for bit in range(size.bit_length() - 1, -1, -1) if size >> bit & 1
    ]


@pytest.mark.parametrize(
    ("begin", "end"),
    [(5, 4), (-1, 3), (0, MAX_TREE_SIZE + 1), (1.0, 3), (0, "3")],
)
def test_invalid_ranges_are_refused(begin: object, end: object) -> None:
    with pytest.raises(MerkleError):
        full_nodes_of_range(begin, end)  # type: ignore[arg-type]
