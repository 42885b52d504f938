"""contracts/test/fixtures/merkle.json holds valid RFC 9162 proofs made by node.merkle."""

from __future__ import annotations

import json
from typing import Any

import pytest

from node.merkle import (
    build_tree,
    prove_consistency,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from tests.contracts.toolchain import load_script

gen = load_script("gen_merkle_fixtures")
FIXTURE: dict[str, Any] = json.loads(gen.OUTPUT.read_text(encoding="utf-8"))


def _b(value: str) -> bytes:
    assert value.startswith("0x") and len(value) == 66
    return bytes.fromhex(value[2:])


def test_every_consistency_proof_verifies() -> None:
    cases = FIXTURE["consistency"] + FIXTURE["bench"]
    assert len(cases) > 300
    for case in cases:
        verify_consistency(
            size1=case["size1"],
            size2=case["size2"],
            root1=_b(case["root1"]),
            root2=_b(case["root2"]),
            proof=[_b(h) for h in case["proof"]],
        )


def test_every_inclusion_proof_verifies() -> None:
    cases = FIXTURE["inclusion"]
    assert len(cases) > 150
    for case in cases:
        assert _b(case["leafHash"]) == gen.leaf_hash(case["index"])
        verify_inclusion(
            index=case["index"],
            size=case["size"],
            leaf_hash=_b(case["leafHash"]),
            proof=[_b(h) for h in case["proof"]],
            root=_b(case["root"]),
        )


def test_small_trees_match_the_leaf_rule_and_a_fresh_build() -> None:
    leaves = [gen.leaf_hash(i) for i in range(24)]
    store, _ = build_tree(leaves)
    small = [c for c in FIXTURE["consistency"] if c["size2"] <= 24]
    assert len(small) == 24 * 23 // 2
    for case in small:
        assert _b(case["root1"]) == root_from_leaf_hashes(leaves[: case["size1"]])
        assert _b(case["root2"]) == root_from_leaf_hashes(leaves[: case["size2"]])
        proof = prove_consistency(store, case["size1"], case["size2"])
        assert [_b(h) for h in case["proof"]] == proof


@pytest.mark.parametrize("size", [10, 1_000])
def test_bench_cases_are_the_longest_proofs(size: int) -> None:
    bench = {c["label"]: c for c in FIXTURE["bench"]}
    worst = bench[f"worst-{size}"]
    assert worst["size2"] == size
    longest = max(gen.proof_length(s1, size) for s1 in range(1, size))
    assert len(worst["proof"]) == longest
    tenth = bench[f"tenth-{size}"]
    assert (tenth["size1"], tenth["size2"]) == (size - size // 10, size)


def testproof_length_formula_matches_real_proofs() -> None:
    store, size = build_tree(gen.leaf_hash(i) for i in range(70))
    for size2 in range(2, size + 1):
        for size1 in range(1, size2):
            assert gen.proof_length(size1, size2) == len(prove_consistency(store, size1, size2))


def test_render_round_trips() -> None:
    assert json.loads(gen.render(FIXTURE)) == FIXTURE
    assert gen.render(FIXTURE) == gen.OUTPUT.read_text(encoding="utf-8")
