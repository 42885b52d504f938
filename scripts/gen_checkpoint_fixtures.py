"""Write contracts/test/fixtures/checkpoints.json: checkpoints signed by node/checkpoint.py.

The forge tests hold RegistryAnchor's on-chain rebuild of the checkpoint body to the bytes the
node signs (``Checkpoint.body()``, ``tamga-checkpoint/v1``), and its EIP-191 signature check to
the signatures the node makes (``sign_checkpoint``: eth-account, version 0x45 personal_sign).
Fixed key and origin, so the file is deterministic. Cases: the first two anchors of the merkle
fixture tree (sizes 3 and 7, real roots, so the test anchors them with the Python proof) and
edge values (sizes and state sizes of 1 to 20 digits, 10^16 and 2^64 - 1, roots of all zero and
all 0xff bytes, odd times).

Usage: python scripts/gen_checkpoint_fixtures.py [--check]
(--check: exit 1 when the committed file differs from what would be written).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eth_account import Account  # noqa: E402

from node.checkpoint import Checkpoint, format_time, sign_checkpoint  # noqa: E402

OUT = ROOT / "contracts" / "test" / "fixtures" / "checkpoints.json"
KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
ORIGIN = "tamga.kg/va-emission-register"
MERKLE = ROOT / "contracts" / "test" / "fixtures" / "merkle.json"


def _cases() -> list[Checkpoint]:
    merkle = json.loads(MERKLE.read_text(encoding="utf-8"))
    first = next(c for c in merkle["consistency"] if c["size1"] == 3 and c["size2"] == 7)
    base = datetime(2026, 11, 22, 1, 47, 16, tzinfo=UTC)
    cases = [
        Checkpoint(
            origin=ORIGIN,
            size=3,
            log_root=bytes.fromhex(first["root1"][2:]),
            state_root=bytes.fromhex("5a" * 32),
            state_size=2,
            issued_at=base,
        ),
        Checkpoint(
            origin=ORIGIN,
            size=7,
            log_root=bytes.fromhex(first["root2"][2:]),
            state_root=bytes.fromhex("a5" * 32),
            state_size=5,
            issued_at=base.replace(microsecond=123456),
        ),
    ]
    edges = [1, 9, 10, 99, 100, 12345, 10**8 - 1, 10**8, 10**15, 10**16 - 1, 10**16, 10**16 + 7]
    edges += [12345678901234567, 10**19, 2**64 - 1]
    for i, size in enumerate(edges):
        cases.append(
            Checkpoint(
                origin=ORIGIN,
                size=size,
                log_root=(
                    bytes(32) if i % 3 == 0 else b"\xff" * 32 if i % 3 == 1 else bytes(range(32))
                ),
                state_root=bytes(range(255, 223, -1)) if i % 2 else bytes(32),
                state_size=edges[-1 - i] if i % 2 else i,
                issued_at=datetime(
                    1999 + i, 1 + i % 12, 1 + i, i, 59 - i, i, 999999 - i, tzinfo=UTC
                ),
            )
        )
    return cases


def build() -> dict[str, object]:
    """The fixture document."""
    account = Account.from_key(KEY)
    rows = []
    for checkpoint in _cases():
        signed = sign_checkpoint(checkpoint, account)
        rows.append(
            {
                "body": "0x" + checkpoint.body().hex(),
                "logRoot": "0x" + checkpoint.log_root.hex(),
                "signature": "0x" + signed.signature.hex(),
                # Decimal strings: JSON numbers above 2^53 do not survive every parser.
                "size": str(checkpoint.size),
                "stateRoot": "0x" + checkpoint.state_root.hex(),
                "stateSize": str(checkpoint.state_size),
                "time": format_time(checkpoint.issued_at),
            }
        )
    return {
        "comment": "written by scripts/gen_checkpoint_fixtures.py from node/checkpoint.py",
        "origin": ORIGIN,
        "signer": account.address,
        "checkpoints": rows,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or with --check compare) the fixture file; return the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    text = json.dumps(build(), indent=2) + "\n"
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
