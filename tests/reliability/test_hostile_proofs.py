"""Hostile proofs: the verifiers an auditor runs — inclusion and consistency
(RFC 9162 §2.1.3.2, §2.1.4.2), state proofs, checkpoint signatures, proof bundles and export
lines — get arbitrary values of every type and mutations of valid proofs. Each either accepts a
proof that is really valid or raises `VerificationError`; never another exception."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anchoring.audit_source import parse_checkpoint_line, parse_entry_line, parse_manifest
from anchoring.bundle_format import parse_bundle
from node.checkpoint import Checkpoint, SignedCheckpoint, verify_checkpoint_signature
from node.errors import VerificationError
from node.merkle import (
    build_tree,
    hash_leaf,
    prove_consistency,
    prove_inclusion,
    root_at,
    verify_consistency,
    verify_inclusion,
)
from node.state import StateProof, verify_state_proof
from tests.reliability.hostile_support import EXAMPLES
from tests.support.scenario import NOW

FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
LEAVES = [hash_leaf(b"leaf %d" % n) for n in range(37)]
STORE, SIZE = build_tree(LEAVES)
ROOTS = {n: root_at(STORE, n) for n in range(SIZE + 1)}

ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True),
    st.text(max_size=70),
    st.binary(max_size=70),
    st.lists(st.binary(max_size=40), max_size=8),
    st.lists(st.integers(), max_size=4),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=3),
)
COUNTS = st.one_of(st.integers(min_value=-5, max_value=SIZE + 5), ANYTHING)
HASHES = st.one_of(st.binary(min_size=31, max_size=33), st.sampled_from(LEAVES), ANYTHING)
PROOFS = st.one_of(
    st.lists(st.one_of(st.binary(min_size=32, max_size=32), st.binary(max_size=64)), max_size=9),
    ANYTHING,
)


def _valid_inclusion(index: Any, size: Any, leaf: Any, proof: Any, root: Any) -> bool:
    return (
        type(index) is int
        and type(size) is int
        and 0 <= index < size <= SIZE
        and leaf == LEAVES[index]
        and isinstance(proof, list)
        and proof == list(prove_inclusion(STORE, index, size))
        and root == ROOTS[size]
    )


@given(index=COUNTS, size=COUNTS, leaf=HASHES, proof=PROOFS, root=HASHES)
@FUZZ
def test_inclusion_verifier_on_arbitrary_values(
    index: Any, size: Any, leaf: Any, proof: Any, root: Any
) -> None:
    EXAMPLES["inclusion: arbitrary values"] += 1
    try:
        verify_inclusion(index=index, size=size, leaf_hash=leaf, proof=proof, root=root)
    except VerificationError:
        assert not _valid_inclusion(index, size, leaf, proof, root)
    else:
        assert _valid_inclusion(index, size, leaf, proof, root)


@given(data=st.data())
@FUZZ
def test_inclusion_verifier_on_mutated_valid_proofs(data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=1, max_value=SIZE))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = list(prove_inclusion(STORE, index, size))
    args: dict[str, Any] = {
        "index": index,
        "size": size,
        "leaf_hash": LEAVES[index],
        "proof": proof,
        "root": ROOTS[size],
    }
    verify_inclusion(**args)  # the unmutated proof holds
    how = data.draw(
        st.sampled_from(["flip", "drop", "extra", "index", "size", "leaf", "root", "swap"])
    )
    if how == "flip" and proof:
        at = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        proof[at] = bytes([proof[at][0] ^ (1 + bit % 255)]) + proof[at][1:]
    elif how == "drop" and proof:
        proof.pop(data.draw(st.integers(0, len(proof) - 1)))
    elif how == "extra":
        proof.insert(
            data.draw(st.integers(0, len(proof))), data.draw(st.binary(min_size=32, max_size=32))
        )
    elif how == "index":
        args["index"] = data.draw(st.integers(-3, size + 3).filter(lambda i: i != index))
    elif how == "size":
        args["size"] = data.draw(st.integers(-3, SIZE + 3).filter(lambda s: s != size))
    elif how == "leaf":
        args["leaf_hash"] = data.draw(st.sampled_from(LEAVES).filter(lambda h: h != LEAVES[index]))
    elif how == "root":
        args["root"] = data.draw(
            st.sampled_from(list(ROOTS.values())).filter(lambda r: r != ROOTS[size])
        )
    elif how == "swap" and len(proof) > 1 and proof[0] != proof[1]:
        proof[0], proof[1] = proof[1], proof[0]
    else:
        return
    EXAMPLES["inclusion: mutated proofs"] += 1
    try:
        verify_inclusion(**args)
    except VerificationError:
        return
    # Only a size change may pass, with the same path and the same root: RFC 9162 §2.1.3.2
    # does not depend on the size beyond the path's shape (e.g. leaf 0 of sizes 3 and 4), so
    # the proof only binds a leaf to a root; that the root is the log's root at the claimed
    # size is what the signed checkpoint says (and the auditor checks).
    assert how == "size" and args["root"] == ROOTS[size], (how, args)
    assert len(proof) == len(prove_inclusion(STORE, index, size))


@given(size1=COUNTS, size2=COUNTS, root1=HASHES, root2=HASHES, proof=PROOFS)
@FUZZ
def test_consistency_verifier_on_arbitrary_values(
    size1: Any, size2: Any, root1: Any, root2: Any, proof: Any
) -> None:
    EXAMPLES["consistency: arbitrary values"] += 1
    try:
        verify_consistency(size1=size1, size2=size2, root1=root1, root2=root2, proof=proof)
    except VerificationError:
        return
    assert type(size1) is int and type(size2) is int and 0 <= size1 <= size2 <= SIZE
    assert root1 == ROOTS[size1] and (size1 == 0 or root2 == ROOTS[size2])


@given(data=st.data())
@FUZZ
def test_consistency_verifier_on_mutated_valid_proofs(data: st.DataObject) -> None:
    size2 = data.draw(st.integers(min_value=2, max_value=SIZE))
    size1 = data.draw(st.integers(min_value=1, max_value=size2 - 1))
    proof = list(prove_consistency(STORE, size1, size2))
    verify_consistency(
        size1=size1, size2=size2, root1=ROOTS[size1], root2=ROOTS[size2], proof=proof
    )
    at = data.draw(st.integers(0, len(proof) - 1))
    how = data.draw(st.sampled_from(["flip", "drop", "extra", "root1", "root2"]))
    root1, root2 = ROOTS[size1], ROOTS[size2]
    if how == "flip":
        proof[at] = bytes([proof[at][0] ^ 0x80]) + proof[at][1:]
    elif how == "drop":
        proof.pop(at)
    elif how == "extra":
        proof.insert(at, hash_leaf(b"extra"))
    elif how == "root1":
        root1 = ROOTS[size1 - 1]
    else:
        root2 = ROOTS[size2 - 1]
    EXAMPLES["consistency: mutated proofs"] += 1
    try:
        verify_consistency(size1=size1, size2=size2, root1=root1, root2=root2, proof=proof)
    except VerificationError:
        return
    raise AssertionError(f"a mutated consistency proof passed: {how}")


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=10,
)


@given(
    data=st.one_of(
        JSONISH,
        st.fixed_dictionaries(
            {
                "checkpoint_size": COUNTS,
                "key": ANYTHING,
                "state": st.one_of(st.dictionaries(st.text(max_size=5), st.integers()), ANYTHING),
                "index": COUNTS,
                "state_size": COUNTS,
                "proof": st.one_of(st.lists(st.text(max_size=66)), ANYTHING),
            }
        ),
    )
)
@FUZZ
def test_state_proofs_from_arbitrary_json(data: Any) -> None:
    EXAMPLES["state proofs"] += 1
    try:
        proof = StateProof.from_json(data)
        verify_state_proof(proof, state_root_=ROOTS[SIZE], state_size=SIZE)
    except VerificationError:
        return
    raise AssertionError(f"an arbitrary state proof verified: {data!r}")


@given(
    signature=st.one_of(st.binary(max_size=80), st.binary(min_size=65, max_size=65)),
    signer=st.one_of(st.text(max_size=50), st.just("0x" + "ab" * 20)),
)
@FUZZ
def test_checkpoint_signatures(signature: bytes, signer: str) -> None:
    EXAMPLES["checkpoint signatures"] += 1
    checkpoint = Checkpoint(
        origin="test.tamga/register",
        size=SIZE,
        log_root=ROOTS[SIZE],
        state_root=ROOTS[3],
        state_size=3,
        issued_at=NOW,
    )
    signed = SignedCheckpoint(checkpoint=checkpoint, signer=signer, signature=signature)
    try:
        verify_checkpoint_signature(signed)
    except VerificationError:
        return
    raise AssertionError("a random signature verified")


@given(blob=st.one_of(st.binary(max_size=300), JSONISH.map(lambda v: json.dumps(v).encode())))
@FUZZ
def test_bundles_and_export_lines_from_arbitrary_bytes(blob: bytes) -> None:
    EXAMPLES["bundles, manifests and export lines"] += 1
    for parse in (
        parse_bundle,
        parse_manifest,
        parse_entry_line,
        lambda b: parse_checkpoint_line(b, number=1),
    ):
        try:
            parse(blob)
        except VerificationError:
            continue
        raise AssertionError(f"{parse} accepted arbitrary bytes {blob[:80]!r}")
