#!/usr/bin/env python3
"""Verify a Tamga export with nothing but the standard library and RFC 9162 (no Tamga code).

Usage: python3 scripts/verify_export.py EXPORT_DIR

Recomputes every leaf hash from the exact leaf bytes, the tree root at every checkpoint size and at
the exported head, and checks them against checkpoints.jsonl and manifest.json. Exit status 0 when
everything matches, 1 with the first mismatch otherwise. Signatures (EIP-191, secp256k1) need an
elliptic-curve library and are checked by `tamga audit` / the test suite, not here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: MTH({d(0)}) = SHA-256(0x00 || d(0))."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: SHA-256(0x01 || MTH(left) || MTH(right))."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(hashes: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 Merkle Tree Hash over leaf hashes, split at the largest power of two < n."""
    n = len(hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashes[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


class RootsBySize:
    """Roots of every prefix, computed incrementally with a stack of perfect subtrees."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, bytes]] = []  # (height, hash)
        self.size = 0

    def append(self, h: bytes) -> None:
        height = 0
        while self.stack and self.stack[-1][0] == height:
            _, left = self.stack.pop()
            h = node_hash(left, h)
            height += 1
        self.stack.append((height, h))
        self.size += 1

    def root(self) -> bytes:
        if not self.stack:
            return hashlib.sha256(b"").digest()
        acc = self.stack[-1][1]
        for _, h in reversed(self.stack[:-1]):
            acc = node_hash(h, acc)
        return acc


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    directory = Path(argv[1])
    checkpoints = [
        json.loads(line)
        for line in (directory / "checkpoints.jsonl").read_text().splitlines()
        if line
    ]
    wanted = {cp["tree_size"]: cp for cp in checkpoints}
    manifest = json.loads((directory / "manifest.json").read_text())
    tree = RootsBySize()
    checked = 0
    if 0 in wanted:
        checked += _check(wanted[0], tree.root())
    with (directory / "entries.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["index"] != tree.size:
                print(f"FAIL entry {tree.size}: index {record['index']} out of order")
                return 1
            leaf = base64.b64decode(record["leaf"], validate=True)
            h = leaf_hash(leaf)
            if h.hex() != record["leaf_hash"]:
                print(f"FAIL entry {tree.size}: leaf hash {record['leaf_hash']} != {h.hex()}")
                return 1
            if json.loads(leaf) != record["entry"]:
                print(f"FAIL entry {tree.size}: decoded entry differs from the leaf bytes")
                return 1
            tree.append(h)
            if tree.size in wanted:
                checked += _check(wanted[tree.size], tree.root())
    if checked != len(wanted):
        print(f"FAIL: {len(wanted) - checked} checkpoint(s) beyond the exported entries")
        return 1
    if tree.size != manifest["tree_size"] or tree.root().hex() != manifest["root"]:
        print(
            f"FAIL head: manifest {manifest['tree_size']}/{manifest['root']}, "
            f"got {tree.size}/{tree.root().hex()}"
        )
        return 1
    print(f"OK {tree.size} entries, {checked} checkpoints, root {tree.root().hex()}")
    return 0


def _check(checkpoint: dict[str, object], root: bytes) -> int:
    if checkpoint["log_root"] != root.hex():
        raise SystemExit(
            f"FAIL checkpoint {checkpoint['tree_size']}: "
            f"log root {checkpoint['log_root']} != {root.hex()}"
        )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
