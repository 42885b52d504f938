"""CompactRange, the in-memory node store, and proofs read from stored perfect subtrees."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.errors import MerkleError
from node.merkle import (
    EMPTY_ROOT,
    MAX_TREE_SIZE,
    CompactRange,
    MemoryNodeStore,
    NodeID,
    build_tree,
    full_nodes_of_range,
    hash_children,
    hash_leaf,
    prove_consistency,
    prove_inclusion,
    root_at,
    root_from_leaf_hashes,
)
from node.merkle.proof import consistency_nodes, inclusion_nodes

LEAVES = [hash_leaf(i.to_bytes(4, "big")) for i in range(300)]


@cache
def _mth(begin: int, end: int) -> bytes:
    """Reference MTH over LEAVES[begin:end] straight from RFC 9162 §2.1.1."""
    if end - begin == 1:
        return LEAVES[begin]
    split = 1 << ((end - begin - 1).bit_length() - 1)
    return hash_children(_mth(begin, begin + split), _mth(begin + split, end))


class CountingReader:
    """Wraps a store and records every get_nodes call."""

    def __init__(self, store: MemoryNodeStore) -> None:
        self.store = store
        self.calls: list[list[NodeID]] = []

    def get_nodes(self, ids: Sequence[NodeID]) -> Sequence[bytes]:
        self.calls.append(list(ids))
        return self.store.get_nodes(ids)


class BrokenReader:
    """A broken backend: answers each request with `answer(number of ids asked)`."""

    def __init__(self, answer: Callable[[int], Sequence[object]]) -> None:
        self.answer = answer

    def get_nodes(self, ids: Sequence[NodeID]) -> Sequence[bytes]:
        return self.answer(len(ids))  # type: ignore[return-value]


STORE, STORE_SIZE = build_tree(LEAVES)


def test_build_tree_stores_exactly_every_perfect_subtree() -> None:
    assert len(LEAVES) == STORE_SIZE
    expected = {
        NodeID(level, index): _mth(index << level, (index + 1) << level)
        for level in range(9)
        for index in range(len(LEAVES) >> level)
    }
    assert dict(STORE.items()) == expected


def test_append_returns_leaf_then_each_completed_subtree() -> None:
    compact = CompactRange.empty()
    compact.extend(LEAVES[:7])
    new_nodes = compact.append(LEAVES[7])
    assert [node for node, _ in new_nodes] == [
        NodeID(0, 7),
        NodeID(1, 3),
        NodeID(2, 1),
        NodeID(3, 0),
    ]
    assert [value for _, value in new_nodes] == [
        LEAVES[7],
        _mth(6, 8),
        _mth(4, 8),
        _mth(0, 8),
    ]
    assert compact.append(LEAVES[8]) == [(NodeID(0, 8), LEAVES[8])]


def test_incremental_range_equals_loaded_range_for_every_size() -> None:
    compact = CompactRange.empty()
    for size in range(len(LEAVES) + 1):
        loaded = CompactRange.load(STORE, size)
        assert loaded == compact
        assert loaded.size == size
        assert loaded.hashes == tuple(STORE.get_nodes(loaded.node_ids()))
        assert compact.root() == (EMPTY_ROOT if size == 0 else _mth(0, size))
        if size < len(LEAVES):
            compact.append(LEAVES[size])


def test_roots_agree_for_every_size() -> None:
    for size in range(1, len(LEAVES) + 1):
        expected = _mth(0, size)
        assert root_at(STORE, size) == expected
        assert root_from_leaf_hashes(LEAVES[:size]) == expected
    assert root_at(STORE, 0) == EMPTY_ROOT
    assert root_from_leaf_hashes([]) == EMPTY_ROOT


@settings(max_examples=60)
@given(st.data())
def test_proofs_read_nodes_once(data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=1, max_value=len(LEAVES)), label="size")
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    size1 = data.draw(st.integers(min_value=0, max_value=size), label="size1")

    reader = CountingReader(STORE)
    proof = prove_inclusion(reader, index, size)
    assert len(reader.calls) == (1 if proof else 0)
    if reader.calls:
        assert reader.calls[0] == list(inclusion_nodes(index, size).ids)
        assert len(reader.calls[0]) <= 2 * size.bit_length()

    reader = CountingReader(STORE)
    proof = prove_consistency(reader, size1, size)
    assert len(reader.calls) == (1 if proof else 0)
    if reader.calls:
        assert reader.calls[0] == list(consistency_nodes(size1, size).ids)
        assert len(reader.calls[0]) <= 2 * size.bit_length()

    for read in (root_at, CompactRange.load):
        reader = CountingReader(STORE)
        read(reader, size)
        assert reader.calls == [full_nodes_of_range(0, size)]


def test_empty_reads_skip_the_reader() -> None:
    reader = CountingReader(STORE)
    assert root_at(reader, 0) == EMPTY_ROOT
    assert CompactRange.load(reader, 0) == CompactRange.empty()
    assert prove_inclusion(reader, 0, 1) == []
    assert prove_consistency(reader, 0, 5) == []
    assert prove_consistency(reader, 5, 5) == []
    assert reader.calls == []


def test_missing_node_raises() -> None:
    store, _ = build_tree(LEAVES[:4])
    with pytest.raises(MerkleError, match="not stored"):
        prove_inclusion(store, 0, 5)
    with pytest.raises(MerkleError, match="not stored"):
        root_at(store, 6)
    with pytest.raises(MerkleError, match="not stored"):
        CompactRange.load(store, 5)
    with pytest.raises(MerkleError, match="not stored"):
        prove_consistency(store, 3, 5)


@pytest.mark.parametrize(
    "answer",
    [
        lambda count: [],
        lambda count: [LEAVES[0]] * (count - 1),
        lambda count: [LEAVES[0]] * (count + 1),
        lambda count: [b"short"] * count,
        lambda count: [LEAVES[0].hex()] * count,
    ],
    ids=["nothing", "too few", "too many", "short hashes", "not bytes"],
)
def test_broken_reader_raises(answer: Callable[[int], Sequence[object]]) -> None:
    reader = BrokenReader(answer)
    for call in (
        lambda: root_at(reader, 7),
        lambda: CompactRange.load(reader, 7),
        lambda: prove_inclusion(reader, 0, 7),
        lambda: prove_consistency(reader, 3, 7),
    ):
        with pytest.raises(MerkleError):
            call()


@pytest.mark.parametrize(
    ("index", "size"), [(0, 0), (5, 5), (6, 5), (-1, 5), (0, MAX_TREE_SIZE + 1)]
)
def test_prove_inclusion_bad_arguments(index: int, size: int) -> None:
    with pytest.raises(MerkleError):
        prove_inclusion(STORE, index, size)


@pytest.mark.parametrize(("size1", "size2"), [(6, 5), (-1, 5), (1, -5), (0, MAX_TREE_SIZE + 1)])
def test_prove_consistency_bad_arguments(size1: int, size2: int) -> None:
    with pytest.raises(MerkleError):
        prove_consistency(STORE, size1, size2)


@pytest.mark.parametrize("leaf", [b"", b"x" * 31, b"x" * 33, "x" * 32, None])
def test_append_refuses_bad_leaf_hash_and_changes_nothing(leaf: object) -> None:
    compact = CompactRange.empty()
    compact.extend(LEAVES[:5])
    before = compact.copy()
    with pytest.raises(MerkleError):
        compact.append(leaf)  # type: ignore[arg-type]
    with pytest.raises(MerkleError):
        compact.extend([LEAVES[5], leaf, LEAVES[6]])  # type: ignore[list-item]
    assert compact == before


def test_full_tree_refuses_appends() -> None:
    full = CompactRange(size=MAX_TREE_SIZE, hashes=[LEAVES[0]])
    with pytest.raises(MerkleError, match="full"):
        full.append(LEAVES[1])
    almost = CompactRange(size=MAX_TREE_SIZE - 1, hashes=[LEAVES[0]] * 56)
    with pytest.raises(MerkleError, match="exceed"):
        almost.extend(LEAVES[:2])
    assert almost.size == MAX_TREE_SIZE - 1
    almost.append(LEAVES[1])
    assert almost.size == MAX_TREE_SIZE
    expected = LEAVES[1]
    for _ in range(56):
        expected = hash_children(LEAVES[0], expected)
    assert almost.hashes == (expected,)
    assert almost.root() == expected


@pytest.mark.parametrize(
    ("size", "hashes"),
    [
        (3, [LEAVES[0]]),
        (3, [LEAVES[0]] * 3),
        (0, [LEAVES[0]]),
        (1, [b"short"]),
        (-1, []),
        (MAX_TREE_SIZE + 1, [LEAVES[0]] * 2),
    ],
)
def test_compact_range_constructor_checks(size: int, hashes: list[bytes]) -> None:
    with pytest.raises(MerkleError):
        CompactRange(size=size, hashes=hashes)


def test_copy_is_independent_and_equality_is_by_value() -> None:
    compact = CompactRange.empty()
    compact.extend(LEAVES[:3])
    twin = compact.copy()
    assert twin == compact
    twin.append(LEAVES[3])
    assert twin != compact
    assert compact.size == 3
    assert compact != "not a range"
    assert "size=3" in repr(compact)
    with pytest.raises(TypeError):
        hash(compact)


def test_root_from_leaf_hashes_refuses_bad_hash() -> None:
    with pytest.raises(MerkleError):
        root_from_leaf_hashes([LEAVES[0], b"short"])


def test_store_is_write_once() -> None:
    store = MemoryNodeStore()
    node = NodeID(0, 0)
    store.put_nodes([(node, LEAVES[0])])
    store.put_nodes([(node, LEAVES[0])])  # same hash again: a no-op
    assert len(store) == 1
    with pytest.raises(MerkleError, match="already stored"):
        store.put_nodes([(NodeID(0, 1), LEAVES[1]), (node, LEAVES[1])])
    # Nothing of the refused batch was stored.
    assert NodeID(0, 1) not in store
    assert store.get_nodes([node]) == [LEAVES[0]]
    with pytest.raises(MerkleError, match="already stored"):
        store.put_nodes([(NodeID(0, 2), LEAVES[2]), (NodeID(0, 2), LEAVES[3])])
    assert NodeID(0, 2) not in store


@pytest.mark.parametrize(
    "pair",
    [(NodeID(0, 0), b"short"), (NodeID(0, 0), "x" * 32), ((0, 0), hashlib.sha256().digest())],
)
def test_store_refuses_bad_pairs(pair: tuple[NodeID, bytes]) -> None:
    store = MemoryNodeStore()
    with pytest.raises(MerkleError):
        store.put_nodes([pair])
    assert len(store) == 0


def test_store_get_missing_raises() -> None:
    store = MemoryNodeStore()
    with pytest.raises(MerkleError, match=r"NodeID\(level=1, index=0\)"):
        store.get_nodes([NodeID(1, 0)])
    assert store.get_nodes([]) == []


def test_build_tree_of_nothing() -> None:
    store, size = build_tree([])
    assert size == 0
    assert len(store) == 0
    assert root_at(store, 0) == EMPTY_ROOT
