"""Verifier behaviour on malformed input, and what its errors carry."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from node.errors import VerificationError
from node.merkle import (
    EMPTY_ROOT,
    build_tree,
    hash_leaf,
    prove_consistency,
    prove_inclusion,
    root_at,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from node.merkle import verify as verify_module

LEAVES = [hash_leaf(bytes([n])) for n in range(13)]
STORE, SIZE = build_tree(LEAVES)
ROOT = root_at(STORE, SIZE)
ROOT_6 = root_at(STORE, 6)
PROOF = prove_inclusion(STORE, 5, SIZE)
CONSISTENCY = prove_consistency(STORE, 6, SIZE)


def _inclusion(**changes: Any) -> dict[str, Any]:
    return {
        "index": 5,
        "size": SIZE,
        "leaf_hash": LEAVES[5],
        "proof": PROOF,
        "root": ROOT,
    } | changes


def _consistency(**changes: Any) -> dict[str, Any]:
    base = {"size1": 6, "size2": SIZE, "root1": ROOT_6, "root2": ROOT, "proof": CONSISTENCY}
    return base | changes


def test_valid_inputs_verify() -> None:
    verify_inclusion(**_inclusion())
    verify_inclusion(**_inclusion(proof=tuple(PROOF)))
    verify_consistency(**_consistency())


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"index": True}, "index"),
        ({"index": 5.0}, "index"),
        ({"index": "5"}, "index"),
        ({"size": None}, "size"),
        ({"index": -1}, "index"),
        ({"size": -1}, "size"),
        ({"index": SIZE}, "index"),
        ({"size": 0, "index": 0}, "index"),
        ({"leaf_hash": LEAVES[5].hex()}, "leaf_hash"),
        ({"leaf_hash": bytearray(LEAVES[5])}, "leaf_hash"),
        ({"leaf_hash": None}, "leaf_hash"),
        ({"root": ROOT.hex()}, "root"),
        ({"root": ROOT[:31]}, "root"),
        ({"proof": b"".join(PROOF)}, "proof"),
        ({"proof": "".join(h.hex() for h in PROOF)}, "proof"),
        ({"proof": iter(PROOF)}, "proof"),
        ({"proof": None}, "proof"),
        ({"proof": [*PROOF[:2], PROOF[2].hex(), *PROOF[3:]]}, "proof[2]"),
        ({"proof": [*PROOF[:1], None, *PROOF[2:]]}, "proof[1]"),
        ({"proof": [*PROOF, ROOT]}, "proof"),
        ({"proof": PROOF[:-1]}, "proof"),
        ({"root": EMPTY_ROOT}, "root"),
    ],
)
def test_malformed_inclusion_input_raises(changes: dict[str, Any], where: str) -> None:
    with pytest.raises(VerificationError) as caught:
        verify_inclusion(**_inclusion(**changes))
    assert caught.value.where == where


def test_root_mismatch_carries_expected_and_actual() -> None:
    wrong = bytes(32)
    with pytest.raises(VerificationError) as caught:
        verify_inclusion(**_inclusion(root=wrong))
    assert caught.value.expected == wrong
    assert caught.value.actual == ROOT
    assert wrong.hex() in str(caught.value)


def test_wrong_length_carries_expected_and_actual() -> None:
    with pytest.raises(VerificationError) as caught:
        verify_inclusion(**_inclusion(proof=PROOF[:-1]))
    assert (caught.value.expected, caught.value.actual) == (len(PROOF), len(PROOF) - 1)
    with pytest.raises(VerificationError) as caught:
        verify_consistency(**_consistency(proof=[]))
    assert (caught.value.expected, caught.value.actual) == (len(CONSISTENCY), 0)


def test_root_from_inclusion_proof_validates_like_verify() -> None:
    assert root_from_inclusion_proof(index=5, size=SIZE, leaf_hash=LEAVES[5], proof=PROOF) == ROOT
    with pytest.raises(VerificationError) as caught:
        root_from_inclusion_proof(index=5, size=SIZE, leaf_hash=LEAVES[5], proof=PROOF[1:])
    assert caught.value.where == "proof"


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"size1": True}, "size1"),
        ({"size2": 13.0}, "size2"),
        ({"size1": -6}, "size1"),
        ({"size2": -1}, "size2"),
        ({"size1": SIZE + 1}, "size1"),
        ({"root1": ROOT_6.hex()}, "root1"),
        ({"root2": ROOT + b"\x00"}, "root2"),
        ({"proof": b"".join(CONSISTENCY)}, "proof"),
        ({"proof": {CONSISTENCY[0]}}, "proof"),
        ({"proof": [CONSISTENCY[0], "x"]}, "proof[1]"),
        ({"proof": CONSISTENCY[:-1]}, "proof"),
        ({"proof": [*CONSISTENCY, ROOT]}, "proof"),
        ({"root1": ROOT}, "root1"),
        ({"root2": ROOT_6}, "root2"),
    ],
)
def test_malformed_consistency_input_raises(changes: dict[str, Any], where: str) -> None:
    with pytest.raises(VerificationError) as caught:
        verify_consistency(**_consistency(**changes))
    assert caught.value.where == where


def test_consistency_mismatch_carries_expected_and_actual() -> None:
    with pytest.raises(VerificationError) as caught:
        verify_consistency(**_consistency(root2=bytes(32)))
    assert caught.value.expected == bytes(32)
    assert caught.value.actual == ROOT


def test_consistency_conventions() -> None:
    # Equal sizes: empty proof, equal roots. From the empty tree: empty proof, any new root,
    # but the old root must be the empty-tree root.
    verify_consistency(size1=SIZE, size2=SIZE, root1=ROOT, root2=ROOT, proof=[])
    verify_consistency(size1=0, size2=SIZE, root1=EMPTY_ROOT, root2=ROOT, proof=[])
    verify_consistency(size1=0, size2=0, root1=EMPTY_ROOT, root2=EMPTY_ROOT, proof=[])
    with pytest.raises(VerificationError) as caught:
        verify_consistency(size1=0, size2=SIZE, root1=ROOT, root2=ROOT, proof=[])
    assert (caught.value.where, caught.value.expected) == ("root1", EMPTY_ROOT)
    with pytest.raises(VerificationError) as caught:
        verify_consistency(size1=SIZE, size2=SIZE, root1=ROOT, root2=ROOT, proof=[ROOT])
    assert caught.value.where == "proof"
    with pytest.raises(VerificationError) as caught:
        verify_consistency(size1=0, size2=0, root1=EMPTY_ROOT, root2=ROOT, proof=[])
    assert caught.value.where == "root2"


def test_verify_module_imports_only_the_hasher_errors_and_types() -> None:
    tree = ast.parse(Path(verify_module.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert imported <= {
        "__future__",
        "collections.abc",
        "node.errors",
        "node.merkle.hasher",
        "node.types",
    }
