"""Sample on-chain verification entries (kinds ``verification.*``) shared by domain tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from lifecycle_samples import REGNO, at

from node.domain.entries import (
    ENTRY_ADAPTER,
    Entry,
)

CONTRACT = "0x8a29383a2fb8a4613e00a2bb34a6e1f117fe29d0"
WALLET = "0x75b7b83b2ccf926d91eadc1929d25c91494af619"
BLOCK_HASH = "0x" + "cd" * 32
CODE_HASH = "0x" + "c0" * 32
RUN = "R20260901T060000Z"


def block(chain_id: int = 1, number: int = 100, block_hash: str = BLOCK_HASH) -> dict[str, Any]:
    """A block reference as entry data."""
    return {
        "chain_id": str(chain_id),
        "block_number": str(number),
        "block_hash": block_hash,
        "block_time": "1788000000",
    }


def verification(kind: str, on: date, *, emission: str = REGNO, **data: Any) -> Entry:
    """A verification entry of ``kind`` ("observed", …) effective and recorded on ``on``."""
    body = {
        "kind": f"verification.{kind}",
        "emission": emission,
        "recorded_at": at(on),
        "effective_on": on,
        "run": RUN,
        **data,
    }
    return ENTRY_ADAPTER.validate_python(body)


def sample_verification(kind: str, on: date, emission: str = REGNO) -> Entry:
    """A well-formed entry of every verification kind (content need not fit the state)."""
    data: dict[str, Any] = {
        "observed": {
            "blockchain": "ethereum",
            "outcome": "checked",
            "chain_id": "1",
            "block": block(),
            "readings": {"code_size": "100", "code_hash": CODE_HASH, "total_supply": "10"},
        },
        "finding": {
            "finding": "supply.exceeds-register",
            "check": "supply.exceeds-register",
            "severity": "critical",
            "paragraph": "Reg. §58-59",
            "expected": "at most 1",
            "observed": "2",
            "evidence": {"block": block(), "tx_hashes": ["0x" + "ab" * 32]},
        },
        "finding_resolved": {"finding": "supply.exceeds-register", "block": block()},
        "wallet_proof": {
            "statement": {
                "regno": REGNO,
                "chain_id": "1",
                "contract": CONTRACT,
                "wallet": WALLET,
                "nonce": "1",
                "expiry": "4102444800",
            },
            "signature": "0x" + "11" * 65,
            "method": "eoa",
            "signer": WALLET,
        },
        "source_filed": {
            "standard_json_sha256": "ee" * 32,
            "compiler": "0.8.28",
            "contract": "contracts/Token.sol:Token",
        },
    }[kind.removeprefix("verification.")]
    return verification(kind.removeprefix("verification."), on, emission=emission, **data)


VERIFICATION_KINDS = [
    "verification.observed",
    "verification.finding",
    "verification.finding_resolved",
    "verification.wallet_proof",
    "verification.source_filed",
]
