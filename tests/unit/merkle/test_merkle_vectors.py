"""RFC 6962 known answers and the JSON case files in tests/data/merkle/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from node.errors import VerificationError
from node.merkle import (
    CompactRange,
    build_tree,
    hash_leaf,
    prove_consistency,
    prove_inclusion,
    root_at,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "merkle"


def _load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


VECTORS = _load("rfc6962_vectors.json")
LEAF_HASHES = [hash_leaf(bytes.fromhex(leaf)) for leaf in VECTORS["leaves"]]
ROOTS = [bytes.fromhex(root) for root in VECTORS["roots"]]
INCLUSION_CASES = _load("inclusion_cases.json")["cases"]
CONSISTENCY_CASES = _load("consistency_cases.json")["cases"]


def _hexes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


def test_vectors_have_the_rfc6962_root_of_eight() -> None:
    assert len(LEAF_HASHES) == 8
    assert ROOTS[7].hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_known_answers(size: int) -> None:
    store, total = build_tree(LEAF_HASHES)
    assert total == 8
    assert root_from_leaf_hashes(LEAF_HASHES[:size]) == ROOTS[size - 1]
    assert root_at(store, size) == ROOTS[size - 1]
    assert CompactRange.load(store, size).root() == ROOTS[size - 1]
    compact = CompactRange.empty()
    compact.extend(LEAF_HASHES[:size])
    assert compact.root() == ROOTS[size - 1]


@pytest.mark.parametrize("vector", VECTORS["inclusion"], ids=lambda v: f"{v['index']}/{v['size']}")
def test_inclusion_proofs_match_known_answers(vector: dict[str, Any]) -> None:
    store, _ = build_tree(LEAF_HASHES)
    index, size = vector["index"], vector["size"]
    proof = prove_inclusion(store, index, size)
    assert proof == _hexes(vector["proof"])
    computed = root_from_inclusion_proof(
        index=index, size=size, leaf_hash=LEAF_HASHES[index], proof=proof
    )
    assert computed == ROOTS[size - 1]


@pytest.mark.parametrize(
    "vector", VECTORS["consistency"], ids=lambda v: f"{v['size1']}->{v['size2']}"
)
def test_consistency_proofs_match_known_answers(vector: dict[str, Any]) -> None:
    store, _ = build_tree(LEAF_HASHES)
    size1, size2 = vector["size1"], vector["size2"]
    proof = prove_consistency(store, size1, size2)
    assert proof == _hexes(vector["proof"])
    verify_consistency(
        size1=size1, size2=size2, root1=ROOTS[size1 - 1], root2=ROOTS[size2 - 1], proof=proof
    )


def test_case_files_hold_both_outcomes() -> None:
    # Guards against a case file silently losing its expected failures or successes.
    for cases in (INCLUSION_CASES, CONSISTENCY_CASES):
        outcomes = {case["expect"] for case in cases}
        assert outcomes == {"ok", "fail"}
        assert sum(case["expect"] == "fail" for case in cases) > 100


@pytest.mark.parametrize("case", INCLUSION_CASES, ids=lambda c: c["name"])
def test_inclusion_case(case: dict[str, Any]) -> None:
    kwargs: dict[str, Any] = {
        "index": case["index"],
        "size": case["size"],
        "leaf_hash": bytes.fromhex(case["leaf_hash"]),
        "proof": _hexes(case["proof"]),
        "root": bytes.fromhex(case["root"]),
    }
    if case["expect"] == "ok":
        verify_inclusion(**kwargs)
        return
    with pytest.raises(VerificationError) as caught:
        verify_inclusion(**kwargs)
    assert caught.value.where == case["where"]


@pytest.mark.parametrize("case", CONSISTENCY_CASES, ids=lambda c: c["name"])
def test_consistency_case(case: dict[str, Any]) -> None:
    kwargs: dict[str, Any] = {
        "size1": case["size1"],
        "size2": case["size2"],
        "root1": bytes.fromhex(case["root1"]),
        "root2": bytes.fromhex(case["root2"]),
        "proof": _hexes(case["proof"]),
    }
    if case["expect"] == "ok":
        verify_consistency(**kwargs)
        return
    with pytest.raises(VerificationError) as caught:
        verify_consistency(**kwargs)
    assert caught.value.where == case["where"]
