"""The state root: a Merkle tree over every emission's and miner's public state, by key."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from node.domain.canonical import canonical_json
from node.errors import VerificationError
from node.merkle.hasher import hash_leaf
from node.merkle.tree import root_from_leaf_hashes
from node.merkle.verify import verify_inclusion

STATE_LEAF_FORMAT = "tamga.state.v1"


def state_leaf(key: str, record: Mapping[str, Any]) -> bytes:
    """Leaf bytes of one emission in the state tree: canonical JSON of key and public record."""
    return canonical_json({"format": STATE_LEAF_FORMAT, "key": key, "state": dict(record)})


def sort_key(key: str) -> bytes:
    """State-tree order: UTF-8 bytes of the key (registration number, else application number)."""
    return key.encode("utf-8")


def state_root(leaf_hashes_by_key: Sequence[tuple[str, bytes]]) -> tuple[bytes, int]:
    """Root and size of the state tree over ``(key, leaf_hash)`` pairs (sorted here)."""
    ordered = sorted(leaf_hashes_by_key, key=lambda kh: sort_key(kh[0]))
    return root_from_leaf_hashes([h for _, h in ordered]), len(ordered)


@dataclass(frozen=True)
class StateProof:
    """Proof that an emission had ``record`` as public state at checkpoint ``checkpoint_size``."""

    checkpoint_size: int
    key: str
    record: Mapping[str, Any]
    index: int
    state_size: int
    proof: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        """JSON form (hashes as hex)."""
        return {
            "checkpoint_size": self.checkpoint_size,
            "key": self.key,
            "state": dict(self.record),
            "leaf": base64.b64encode(state_leaf(self.key, self.record)).decode(),
            "index": self.index,
            "state_size": self.state_size,
            "proof": [h.hex() for h in self.proof],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StateProof:
        """Inverse of ``to_json``.

        Raises:
            VerificationError: a field is missing or malformed.
        """
        try:
            return cls(
                checkpoint_size=int(data["checkpoint_size"]),
                key=str(data["key"]),
                record=dict(data["state"]),
                index=int(data["index"]),
                state_size=int(data["state_size"]),
                proof=tuple(bytes.fromhex(h) for h in data["proof"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise VerificationError(f"malformed state proof: {exc}") from exc


def verify_state_proof(proof: StateProof, *, state_root_: bytes, state_size: int) -> None:
    """Check a state proof against a checkpoint's state root.

    Raises:
        VerificationError: the proof does not lead to the root, or the sizes differ.
    """
    if proof.state_size != state_size:
        raise VerificationError(
            "state proof is for another state tree size",
            expected=state_size,
            actual=proof.state_size,
            where=f"state of {proof.key}",
        )
    verify_inclusion(
        index=proof.index,
        size=proof.state_size,
        leaf_hash=hash_leaf(state_leaf(proof.key, proof.record)),
        proof=list(proof.proof),
        root=state_root_,
    )
