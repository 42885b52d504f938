"""RFC 9162 §2.1.3.2 and §2.1.4.2 verification of inclusion and consistency proofs."""

from __future__ import annotations

from collections.abc import Sequence

from node.errors import VerificationError
from node.merkle.hasher import EMPTY_ROOT, HASH_SIZE, hash_children
from node.types import Hash32


def root_from_inclusion_proof(
    *, index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> Hash32:
    """The root implied by ``proof`` for leaf ``index`` with ``leaf_hash`` in a tree of ``size``.

    Follows RFC 9162 §2.1.3.2, checking the proof's length up front.

    Raises:
        VerificationError: the arguments are malformed (non-int or negative index or size,
            index >= size, a hash that is not 32 bytes, a proof that is not a sequence of
            hashes) or the proof has the wrong length for (index, size).
    """
    _check_count(index, where="index")
    _check_count(size, where="size")
    if index >= size:
        raise VerificationError(
            "leaf index is not inside the tree", expected=f"< {size}", actual=index, where="index"
        )
    _check_hash(leaf_hash, where="leaf_hash")
    hashes = _check_proof(proof)
    # Below the level where the paths to leaf `index` and to the last leaf diverge the proof
    # holds siblings on both sides; above it only left siblings on the tree's right border.
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    _check_length(hashes, inner + border)
    value: bytes = leaf_hash
    for level in range(inner):
        if (index >> level) & 1:
            value = hash_children(hashes[level], value)
        else:
            value = hash_children(value, hashes[level])
    for position in range(inner, len(hashes)):
        value = hash_children(hashes[position], value)
    return Hash32(value)


def verify_inclusion(
    *, index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``proof`` shows leaf ``index`` with ``leaf_hash`` in the tree with ``root``.

    RFC 9162 §2.1.3.2.

    Raises:
        VerificationError: the arguments are malformed (see `root_from_inclusion_proof`), or
            the computed root differs from ``root`` (expected=root, actual=computed root).
    """
    _check_hash(root, where="root")
    computed = root_from_inclusion_proof(index=index, size=size, leaf_hash=leaf_hash, proof=proof)
    if computed != root:
        raise VerificationError(
            "inclusion proof does not lead to the root",
            expected=root,
            actual=computed,
            where="root",
        )


def verify_consistency(
    *, size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``size2`` leaves with ``root2`` extends that of ``size1`` with
    ``root1``.

    RFC 9162 §2.1.4.2. Conventions (as transparency-dev/merkle): for ``size1 == size2`` the
    proof must be empty and the roots equal; for ``size1 == 0`` the proof must be empty and any
    ``root2`` is consistent, but ``root1`` must be the empty-tree root.

    Raises:
        VerificationError: the arguments are malformed (non-int or negative sizes,
            size1 > size2, a hash that is not 32 bytes, a proof that is not a sequence of
            hashes), the proof has the wrong length, or a recomputed root differs from the
            given one (expected=given root, actual=computed root).
    """
    _check_count(size1, where="size1")
    _check_count(size2, where="size2")
    if size1 > size2:
        raise VerificationError(
            "size1 is larger than size2", expected=f"<= {size2}", actual=size1, where="size1"
        )
    _check_hash(root1, where="root1")
    _check_hash(root2, where="root2")
    hashes = _check_proof(proof)

    if size1 == 0 or size1 == size2:
        _check_length(hashes, 0)
        if size1 == 0 and root1 != EMPTY_ROOT:
            raise VerificationError(
                "root of an empty tree must be SHA-256 of the empty string",
                expected=EMPTY_ROOT,
                actual=root1,
                where="root1",
            )
        if size1 == size2 and root1 != root2:
            raise VerificationError(
                "trees of equal size have different roots",
                expected=root1,
                actual=root2,
                where="root2",
            )
        return

    # Steps of RFC 9162 §2.1.4.2: the proof is a suffix of the inclusion proof of the last
    # perfect subtree of the old tree (at level `shift`), prefixed with that subtree's hash
    # unless the old tree is that subtree itself.
    shift, inner, border = consistency_shape(size1, size2)
    start = 0 if size1 == 1 << shift else 1
    _check_length(hashes, start + inner + border)
    seed = root1 if start == 0 else hashes[0]
    old, new = consistency_path_roots(size1, size2, seed=seed, path=hashes[start:])

    if old != root1:
        raise VerificationError(
            "consistency proof does not lead to the old root",
            expected=root1,
            actual=old,
            where="root1",
        )
    if new != root2:
        raise VerificationError(
            "consistency proof does not lead to the new root",
            expected=root2,
            actual=new,
            where="root2",
        )


def consistency_shape(size1: int, size2: int) -> tuple[int, int, int]:
    """For 0 < size1 < size2: the level of the old tree's last perfect subtree (``shift``),
    and how many proof hashes lie inside the subtree the two trees share (``inner``) and on
    the old tree's left border (``border``) (RFC 9162 §2.1.4.2)."""
    shift = (size1 & -size1).bit_length() - 1
    index = (size1 - 1) >> shift
    inner = (index ^ ((size2 - 1) >> shift)).bit_length()
    return shift, inner, (index >> inner).bit_count()


def consistency_path_roots(
    size1: int, size2: int, *, seed: bytes, path: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """The old and new roots that the consistency ``path`` leads to from ``seed``, the hash of
    the old tree's last perfect subtree (RFC 9162 §2.1.4.2, steps 5-8); ``path`` must have the
    length `consistency_shape` gives (``inner + border``)."""
    shift, inner, _ = consistency_shape(size1, size2)
    index = (size1 - 1) >> shift
    old: bytes = seed
    new: bytes = seed
    for level in range(inner):
        sibling = path[level]
        if (index >> level) & 1:
            old = hash_children(sibling, old)
            new = hash_children(sibling, new)
        else:
            new = hash_children(new, sibling)
    for position in range(inner, len(path)):
        old = hash_children(path[position], old)
        new = hash_children(path[position], new)
    return old, new


def _check_count(value: object, *, where: str) -> None:
    if type(value) is not int:
        raise VerificationError(
            "not an integer", expected="int", actual=type(value).__name__, where=where
        )
    if value < 0:
        raise VerificationError("must not be negative", expected=">= 0", actual=value, where=where)


def _check_hash(value: object, *, where: str) -> None:
    if not isinstance(value, bytes):
        raise VerificationError(
            "hash is not bytes", expected="bytes", actual=type(value).__name__, where=where
        )
    if len(value) != HASH_SIZE:
        raise VerificationError(
            "hash has the wrong length", expected=HASH_SIZE, actual=len(value), where=where
        )


def _check_proof(proof: object) -> Sequence[bytes]:
    if isinstance(proof, str | bytes | bytearray | memoryview) or not isinstance(proof, Sequence):
        raise VerificationError(
            "proof is not a sequence of hashes",
            expected="list of bytes",
            actual=type(proof).__name__,
            where="proof",
        )
    for position, value in enumerate(proof):
        _check_hash(value, where=f"proof[{position}]")
    return proof


def _check_length(proof: Sequence[bytes], expected: int) -> None:
    if len(proof) != expected:
        raise VerificationError(
            "proof has the wrong length", expected=expected, actual=len(proof), where="proof"
        )
