"""Write contracts/test/fixtures/merkle.json: RFC 9162 proofs from node.merkle for the forge tests.

The forge tests check the Solidity verifiers (contracts/src/RFC9162.sol) and RegistryAnchor
against proofs that the Python log produces, so both sides agree on RFC 9162 §2.1.3-§2.1.4.

One deterministic tree of 1,000,000 leaves; leaf i has hash SHA-256(0x00 || "tamga-fixture-leaf-"
|| decimal(i)) (RFC 9162 §2.1.1). Cases:
- ``consistency``: every pair 1 <= size1 < size2 <= 24, the power-of-two edges from 2^5 to 2^19, and
  seeded random pairs up to 1,000 and up to 1,000,000;
- ``inclusion``: every (index, size) with size <= 16, the edges of larger powers of two, and
  seeded random cases up to 1,000 and 1,000,000;
- ``bench``: the anchors the gas figures are measured on: for tree sizes 10, 10^3 and 10^6, from
  the previous size that needs the longest proof ("worst") and from 90% of the size ("tenth").

Usage: python scripts/gen_merkle_fixtures.py [--check]
(--check: exit 1 when the committed file differs from what would be written).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from node.merkle import (  # noqa: E402
    MemoryNodeStore,
    build_tree,
    hash_leaf,
    prove_consistency,
    prove_inclusion,
    root_at,
    verify_consistency,
    verify_inclusion,
)
from node.types import Hash32  # noqa: E402

OUTPUT = ROOT / "contracts" / "test" / "fixtures" / "merkle.json"
TREE_SIZE = 1_000_000
LEAF_PREFIX = b"tamga-fixture-leaf-"
SEED = 9162
BENCH_SIZES = (10, 1_000, 1_000_000)


def leaf_hash(index: int) -> Hash32:
    """The fixture's leaf hash number ``index``: SHA-256(0x00 || prefix || decimal index)."""
    return hash_leaf(LEAF_PREFIX + str(index).encode("ascii"))


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


class Fixtures:
    """Proofs and roots read from one stored tree."""

    def __init__(self, size: int) -> None:
        store, built = build_tree(leaf_hash(i) for i in range(size))
        self.store: MemoryNodeStore = store
        self.size = built
        self._roots: dict[int, Hash32] = {}

    def root(self, size: int) -> Hash32:
        """The root of the first ``size`` leaves (RFC 9162 §2.1.1)."""
        if size not in self._roots:
            self._roots[size] = root_at(self.store, size)
        return self._roots[size]

    def consistency(self, size1: int, size2: int) -> dict[str, object]:
        """A consistency case, checked with node.merkle.verify before it is written."""
        proof = prove_consistency(self.store, size1, size2)
        root1, root2 = self.root(size1), self.root(size2)
        verify_consistency(size1=size1, size2=size2, root1=root1, root2=root2, proof=proof)
        return {
            "proof": [_hex(h) for h in proof],
            "root1": _hex(root1),
            "root2": _hex(root2),
            "size1": size1,
            "size2": size2,
        }

    def inclusion(self, index: int, size: int) -> dict[str, object]:
        """An inclusion case, checked with node.merkle.verify before it is written."""
        proof = prove_inclusion(self.store, index, size)
        root = self.root(size)
        leaf = leaf_hash(index)
        verify_inclusion(index=index, size=size, leaf_hash=leaf, proof=proof, root=root)
        return {
            "index": index,
            "leafHash": _hex(leaf),
            "proof": [_hex(h) for h in proof],
            "root": _hex(root),
            "size": size,
        }


def _consistency_pairs(rng: random.Random) -> list[tuple[int, int]]:
    pairs = [(s1, s2) for s2 in range(2, 25) for s1 in range(1, s2)]
    for k in range(5, 20):
        p = 1 << k
        pairs += [(p - 1, p), (p, p + 1), (p - 1, p + 1), (p, 2 * p), (p + 1, 2 * p - 1)]
    for limit, count in ((1_000, 40), (TREE_SIZE, 20)):
        for _ in range(count):
            s1 = rng.randrange(1, limit)
            pairs.append((s1, rng.randrange(s1 + 1, limit + 1)))
    return [pair for pair in dict.fromkeys(pairs) if pair[1] <= TREE_SIZE]


def _inclusion_pairs(rng: random.Random) -> list[tuple[int, int]]:
    pairs = [(i, s) for s in range(1, 17) for i in range(s)]
    for k in range(5, 20):
        p = 1 << k
        pairs += [(0, p), (p - 1, p), (p - 1, p + 1), (p, p + 1)]
    for limit, count in ((1_000, 40), (TREE_SIZE, 20)):
        for _ in range(count):
            size = rng.randrange(1, limit + 1)
            pairs.append((rng.randrange(size), size))
    return [pair for pair in dict.fromkeys(pairs) if pair[1] <= TREE_SIZE]


def proof_length(size1: int, size2: int) -> int:
    """The length of the consistency proof from ``size1`` to ``size2`` (0 < size1 < size2), as
    node.merkle.verify checks it (RFC 9162 §2.1.4.2); tests/contracts compares it with real proofs.
    """
    shift = (size1 & -size1).bit_length() - 1
    index = (size1 - 1) >> shift
    inner = (index ^ ((size2 - 1) >> shift)).bit_length()
    return (0 if size1 == 1 << shift else 1) + inner + (index >> inner).bit_count()


def _worst_previous(size: int) -> int:
    """The largest previous size whose consistency proof to ``size`` is longest."""
    return max(range(1, size), key=lambda s1: (proof_length(s1, size), s1))


def build() -> dict[str, object]:
    """All fixture cases, verified with node.merkle.verify.

    Raises:
        MerkleError, VerificationError: node.merkle failed to build or verify a proof.
    """
    fixtures = Fixtures(TREE_SIZE)
    rng = random.Random(SEED)
    bench = []
    for size in BENCH_SIZES:
        for label, previous in (("worst", _worst_previous(size)), ("tenth", size - size // 10)):
            case = fixtures.consistency(previous, size)
            case["label"] = f"{label}-{size}"
            bench.append(case)
    return {
        "comment": "generated by scripts/gen_merkle_fixtures.py from node.merkle; do not edit",
        "leafRule": "leaf i: SHA-256(0x00 || 'tamga-fixture-leaf-' || decimal(i)), RFC 9162 §2.1.1",
        "treeSize": TREE_SIZE,
        "consistency": [fixtures.consistency(a, b) for a, b in _consistency_pairs(rng)],
        "inclusion": [fixtures.inclusion(i, s) for i, s in _inclusion_pairs(rng)],
        "bench": bench,
    }


def render(data: dict[str, object]) -> str:
    """Stable JSON text: keys in order, one case per line in lists (small diffs on regeneration)."""
    lines = ["{"]
    items = list(data.items())
    for position, (key, value) in enumerate(items):
        comma = "," if position < len(items) - 1 else ""
        if isinstance(value, list):
            rows: Sequence[object] = value
            lines.append(f"  {json.dumps(key)}: [")
            for row_position, row in enumerate(rows):
                row_comma = "," if row_position < len(rows) - 1 else ""
                lines.append(f"    {json.dumps(row, ensure_ascii=False)}{row_comma}")
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or with --check compare) the fixture file; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run {Path(__file__).name}")
            return 1
        print(f"{OUTPUT.relative_to(ROOT)} is up to date")
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
