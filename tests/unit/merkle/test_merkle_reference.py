"""Properties against independent references: RFC 9162 §2.1 as written, and pymerkle 7."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymerkle import InmemoryTree
from pymerkle import verify_consistency as pymerkle_verify_consistency

from node.errors import VerificationError
from node.merkle import (
    EMPTY_ROOT,
    build_tree,
    hash_children,
    hash_leaf,
    prove_consistency,
    prove_inclusion,
    root_at,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)


class RFC9162Tree:
    """MTH, PATH and PROOF transcribed from RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self.leaves = list(leaf_hashes)
        self.mth = cache(self._mth)

    @staticmethod
    def _split(n: int) -> int:
        """The largest power of two smaller than n."""
        return 1 << ((n - 1).bit_length() - 1)

    def _mth(self, begin: int, end: int) -> bytes:
        n = end - begin
        if n == 0:
            return EMPTY_ROOT
        if n == 1:
            return self.leaves[begin]
        k = self._split(n)
        return hash_children(self.mth(begin, begin + k), self.mth(begin + k, end))

    def path(self, m: int, begin: int, end: int) -> list[bytes]:
        n = end - begin
        if n == 1:
            return []
        k = self._split(n)
        if m < k:
            return [*self.path(m, begin, begin + k), self.mth(begin + k, end)]
        return [*self.path(m - k, begin + k, end), self.mth(begin, begin + k)]

    def subproof(self, m: int, begin: int, end: int, complete: bool) -> list[bytes]:
        n = end - begin
        if m == n:
            return [] if complete else [self.mth(begin, end)]
        k = self._split(n)
        if m <= k:
            return [*self.subproof(m, begin, begin + k, complete), self.mth(begin + k, end)]
        return [*self.subproof(m - k, begin + k, end, False), self.mth(begin, begin + k)]

    def proof(self, m: int, n: int) -> list[bytes]:
        if m == 0:
            return []
        return self.subproof(m, 0, n, True)


SMALL = [hash_leaf(bytes([n]) * n) for n in range(40)]
SMALL_STORE, _ = build_tree(SMALL)
SMALL_RFC = RFC9162Tree(SMALL)


def test_every_root_and_proof_of_a_small_tree_matches_the_rfc() -> None:
    for size in range(1, len(SMALL) + 1):
        root = SMALL_RFC.mth(0, size)
        assert root_at(SMALL_STORE, size) == root
        for index in range(size):
            proof = prove_inclusion(SMALL_STORE, index, size)
            assert proof == SMALL_RFC.path(index, 0, size)
            verify_inclusion(index=index, size=size, leaf_hash=SMALL[index], proof=proof, root=root)
        for size1 in range(size + 1):
            proof = prove_consistency(SMALL_STORE, size1, size)
            assert proof == SMALL_RFC.proof(size1, size)
            root1 = SMALL_RFC.mth(0, size1)
            verify_consistency(size1=size1, size2=size, root1=root1, root2=root, proof=proof)


def _flip(value: bytes, bit: int) -> bytes:
    changed = bytearray(value)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def _fails(verify: Callable[..., None], **kwargs: Any) -> bool:
    try:
        verify(**kwargs)
    except VerificationError:
        return True
    return False


def test_every_single_bit_change_fails() -> None:
    # Exhaustive over every bit of every hash in every proof of a tree of 11 leaves.
    for size in range(1, 12):
        root = SMALL_RFC.mth(0, size)
        for index in range(size):
            good: dict[str, Any] = {
                "index": index,
                "size": size,
                "leaf_hash": SMALL[index],
                "proof": prove_inclusion(SMALL_STORE, index, size),
                "root": root,
            }
            for bit in range(256):
                for name in ("leaf_hash", "root"):
                    assert _fails(verify_inclusion, **good | {name: _flip(good[name], bit)})
                for position in range(len(good["proof"])):
                    bad = list(good["proof"])
                    bad[position] = _flip(bad[position], bit)
                    assert _fails(verify_inclusion, **good | {"proof": bad})
        for size1 in range(1, size):
            good = {
                "size1": size1,
                "size2": size,
                "root1": SMALL_RFC.mth(0, size1),
                "root2": root,
                "proof": prove_consistency(SMALL_STORE, size1, size),
            }
            for bit in range(256):
                for name in ("root1", "root2"):
                    assert _fails(verify_consistency, **good | {name: _flip(good[name], bit)})
                for position in range(len(good["proof"])):
                    bad = list(good["proof"])
                    bad[position] = _flip(bad[position], bit)
                    assert _fails(verify_consistency, **good | {"proof": bad})


# Tree shapes matter more than leaf contents: draw the size uniformly, then salted leaves.
leaf_data = st.builds(
    lambda count, salt: [salt + n.to_bytes(2, "big") for n in range(count)],
    st.integers(min_value=1, max_value=700),
    st.binary(max_size=8),
)


@settings(max_examples=100)
@given(leaf_data, st.data())
def test_agrees_with_pymerkle(entries: list[bytes], data: st.DataObject) -> None:
    reference = InmemoryTree(algorithm="sha256")
    for entry in entries:
        reference.append_entry(entry)
    store, total = build_tree([hash_leaf(entry) for entry in entries])
    size = data.draw(st.integers(min_value=1, max_value=total), label="size")
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    size1 = data.draw(st.integers(min_value=1, max_value=size), label="size1")

    # pymerkle counts leaves from 1; its inclusion path starts with the leaf itself.
    root = root_at(store, size)
    assert root == reference.get_root(size)
    theirs = reference.prove_inclusion(index + 1, size)
    ours = prove_inclusion(store, index, size)
    assert theirs.path == [hash_leaf(entries[index]), *ours]
    verify_inclusion(
        index=index, size=size, leaf_hash=hash_leaf(entries[index]), proof=ours, root=root
    )

    # pymerkle's consistency path has another layout; check both sides against the same roots.
    root1 = root_at(store, size1)
    assert root1 == reference.get_root(size1)
    pymerkle_verify_consistency(root1, root, reference.prove_consistency(size1, size))
    verify_consistency(
        size1=size1,
        size2=size,
        root1=root1,
        root2=root,
        proof=prove_consistency(store, size1, size),
    )


@settings(max_examples=100)
@given(leaf_data, st.data())
def test_random_proofs_round_trip_and_reject_one_bit_changes(
    entries: list[bytes], data: st.DataObject
) -> None:
    leaves = [hash_leaf(entry) for entry in entries]
    store, total = build_tree(leaves)
    size = data.draw(st.integers(min_value=1, max_value=total), label="size")
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    size1 = data.draw(st.integers(min_value=1, max_value=size), label="size1")
    root, root1 = root_at(store, size), root_at(store, size1)

    inclusion = prove_inclusion(store, index, size)
    assert (
        root_from_inclusion_proof(index=index, size=size, leaf_hash=leaves[index], proof=inclusion)
        == root
    )
    consistency = prove_consistency(store, size1, size)
    verify_consistency(size1=size1, size2=size, root1=root1, root2=root, proof=consistency)

    bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
    if inclusion:
        position = data.draw(st.integers(0, len(inclusion) - 1), label="inclusion position")
        bad: list[bytes] = list(inclusion)
        bad[position] = _flip(bad[position], bit)
        with pytest.raises(VerificationError):
            verify_inclusion(index=index, size=size, leaf_hash=leaves[index], proof=bad, root=root)
    if consistency:
        position = data.draw(st.integers(0, len(consistency) - 1), label="consistency position")
        bad = list(consistency)
        bad[position] = _flip(bad[position], bit)
        with pytest.raises(VerificationError):
            verify_consistency(size1=size1, size2=size, root1=root1, root2=root, proof=bad)
    with pytest.raises(VerificationError):
        verify_inclusion(
            index=index, size=size, leaf_hash=_flip(leaves[index], bit), proof=inclusion, root=root
        )
