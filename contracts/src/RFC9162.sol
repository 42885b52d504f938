// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title RFC9162
/// @notice Verification of Merkle tree inclusion and consistency proofs of RFC 9162
///         (Certificate Transparency version 2.0) with SHA-256, as the Tamga log builds them.
/// @dev Trees are RFC 9162 §2.1.1 Merkle trees: a leaf hash is SHA-256(0x00 || data), an interior
///      node hash SHA-256(0x01 || left || right); leaves are numbered from 0. The verifiers follow
///      RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) in the equivalent bitwise form of
///      node/merkle/verify.py: the expected proof length is derived from the sizes and checked
///      before any hashing, so a proof of the wrong length fails with its own error.
library RFC9162 {
    /// @notice The leaf index is not inside the tree.
    /// @param index The leaf index given.
    /// @param size The tree size given.
    error IndexOutOfRange(uint256 index, uint256 size);

    /// @notice The sizes do not describe an old and a strictly larger, non-empty new tree.
    /// @param size1 The old tree size given.
    /// @param size2 The new tree size given.
    error InvalidTreeSizes(uint256 size1, uint256 size2);

    /// @notice The proof does not have the number of hashes that the sizes call for.
    /// @param expected The number of hashes a proof for these sizes has.
    /// @param actual The number of hashes given.
    error InvalidProofLength(uint256 expected, uint256 actual);

    /// @notice The consistency proof does not lead to the old tree's root (RFC 9162 §2.1.4.2 step 7).
    /// @param expected The old root given.
    /// @param computed The old root the proof leads to.
    error OldRootMismatch(bytes32 expected, bytes32 computed);

    /// @notice The consistency proof does not lead to the new tree's root (RFC 9162 §2.1.4.2 step 7).
    /// @param expected The new root given.
    /// @param computed The new root the proof leads to.
    error NewRootMismatch(bytes32 expected, bytes32 computed);

    /// @notice The hash of an interior node: SHA-256(0x01 || left || right) (RFC 9162 §2.1.1),
    ///         the same value as `sha256(abi.encodePacked(bytes1(0x01), left, right))`.
    /// @dev Calls the SHA-256 precompile (address 0x02) on 65 bytes written past the free memory
    ///      pointer, without allocating: `abi.encodePacked` would allocate on every hash, about
    ///      three times the gas over a proof. Reverts (empty data) if the precompile call fails.
    /// @param left The hash of the left child.
    /// @param right The hash of the right child.
    /// @return digest The node's hash.
    function hashChildren(bytes32 left, bytes32 right) internal view returns (bytes32 digest) {
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            mstore8(buffer, 0x01)
            mstore(add(buffer, 0x01), left)
            mstore(add(buffer, 0x21), right)
            if iszero(staticcall(gas(), 0x02, buffer, 0x41, 0x00, 0x20)) {
                revert(0x00, 0x00)
            }
            digest := mload(0x00)
        }
    }

    /// @notice The root that an inclusion proof implies for leaf `index` with `leafHash` in a
    ///         tree of `size` leaves (RFC 9162 §2.1.3.2); the caller compares it with a known root.
    /// @dev Below the level where the paths to leaf `index` and to the last leaf diverge the proof
    ///      holds siblings on both sides; above it only left siblings on the tree's right border.
    ///      Reverts with IndexOutOfRange when `index >= size` and with InvalidProofLength when the
    ///      proof does not have the length that (index, size) calls for.
    /// @param index The 0-based leaf index.
    /// @param size The number of leaves in the tree.
    /// @param leafHash The leaf's hash, SHA-256(0x00 || data).
    /// @param proof The audit path, lowest level first.
    /// @return root The root hash the proof leads to.
    function rootFromInclusionProof(
        uint256 index,
        uint256 size,
        bytes32 leafHash,
        bytes32[] calldata proof
    ) internal view returns (bytes32 root) {
        if (index >= size) revert IndexOutOfRange(index, size);
        uint256 inner = bitLength(index ^ (size - 1));
        uint256 expected = inner + popCount(index >> inner);
        if (proof.length != expected) revert InvalidProofLength(expected, proof.length);
        root = leafHash;
        for (uint256 level; level < inner; ++level) {
            root = (index >> level) & 1 == 1
                ? hashChildren(proof[level], root)
                : hashChildren(root, proof[level]);
        }
        for (uint256 position = inner; position < expected; ++position) {
            root = hashChildren(proof[position], root);
        }
    }

    /// @notice Check that the tree of `size2` leaves with root `root2` extends the tree of
    ///         `size1` leaves with root `root1` (RFC 9162 §2.1.4.2); reverts unless it does.
    /// @dev The proof is the suffix of the inclusion proof of the old tree's last perfect subtree
    ///      (at level `shift`), prefixed with that subtree's hash unless the old tree is that
    ///      subtree itself (RFC 9162 §2.1.4.2 steps 2-4). Reverts with InvalidTreeSizes unless
    ///      0 < size1 < size2, InvalidProofLength for a proof of the wrong length, and
    ///      OldRootMismatch / NewRootMismatch when a recomputed root differs from the given one.
    /// @param size1 The old tree size (> 0).
    /// @param size2 The new tree size (> size1).
    /// @param root1 The old tree's root hash.
    /// @param root2 The new tree's root hash.
    /// @param proof The consistency proof, as RFC 9162 §2.1.4.1 builds it.
    function verifyConsistency(
        uint256 size1,
        uint256 size2,
        bytes32 root1,
        bytes32 root2,
        bytes32[] calldata proof
    ) internal view {
        if (size1 == 0 || size1 >= size2) revert InvalidTreeSizes(size1, size2);
        uint256 shift = trailingZeros(size1);
        uint256 index = (size1 - 1) >> shift;
        uint256 inner = bitLength(index ^ ((size2 - 1) >> shift));
        // RFC 9162 §2.1.4.2 step 2: when size1 is a power of two the old root is the seed.
        uint256 start = (size1 & (size1 - 1)) == 0 ? 0 : 1;
        uint256 expected = start + inner + popCount(index >> inner);
        if (proof.length != expected) revert InvalidProofLength(expected, proof.length);

        // The two recomputations in assembly (about a third of the gas of the same loop with
        // hashChildren): one 65-byte buffer past the free memory pointer, its 0x01 prefix
        // written once, a shared left sibling written once for both roots. The proof's length
        // was checked above, so every calldataload is inside it.
        bytes32 oldRoot;
        bytes32 newRoot;
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            mstore8(buffer, 0x01)
            let left := add(buffer, 0x01)
            let right := add(buffer, 0x21)
            let p := proof.offset
            switch start
            case 0 { oldRoot := root1 }
            default {
                oldRoot := calldataload(p)
                p := add(p, 0x20)
            }
            newRoot := oldRoot
            for { let level := 0 } lt(level, inner) { level := add(level, 1) } {
                let sibling := calldataload(p)
                p := add(p, 0x20)
                switch and(shr(level, index), 1)
                case 1 {
                    mstore(left, sibling)
                    mstore(right, oldRoot)
                    if iszero(staticcall(gas(), 0x02, buffer, 0x41, 0x00, 0x20)) {
                        revert(0, 0)
                    }
                    oldRoot := mload(0x00)
                    mstore(right, newRoot)
                    if iszero(staticcall(gas(), 0x02, buffer, 0x41, 0x00, 0x20)) {
                        revert(0, 0)
                    }
                    newRoot := mload(0x00)
                }
                default {
                    mstore(left, newRoot)
                    mstore(right, sibling)
                    if iszero(staticcall(gas(), 0x02, buffer, 0x41, 0x00, 0x20)) {
                        revert(0, 0)
                    }
                    newRoot := mload(0x00)
                }
            }
            for { let end := add(proof.offset, shl(5, expected)) } lt(p, end) {
                p := add(p, 0x20)
            } {
                mstore(left, calldataload(p))
                mstore(right, oldRoot)
                if iszero(staticcall(gas(), 0x02, buffer, 0x41, 0x00, 0x20)) {
                    revert(0, 0)
                }
                oldRoot := mload(0x00)
                mstore(right, newRoot)
                if iszero(staticcall(gas(), 0x02, buffer, 0x41, 0x00, 0x20)) {
                    revert(0, 0)
                }
                newRoot := mload(0x00)
            }
        }
        if (oldRoot != root1) revert OldRootMismatch(root1, oldRoot);
        if (newRoot != root2) revert NewRootMismatch(root2, newRoot);
    }

    /// @notice The number of bits needed to write `x` (0 for 0).
    /// @param x The value.
    /// @return n The position of the highest set bit plus one.
    function bitLength(uint256 x) internal pure returns (uint256 n) {
        // Binary search: eight halvings instead of one step per bit.
        assembly ("memory-safe") {
            if shr(128, x) {
                x := shr(128, x)
                n := 128
            }
            if shr(64, x) {
                x := shr(64, x)
                n := add(n, 64)
            }
            if shr(32, x) {
                x := shr(32, x)
                n := add(n, 32)
            }
            if shr(16, x) {
                x := shr(16, x)
                n := add(n, 16)
            }
            if shr(8, x) {
                x := shr(8, x)
                n := add(n, 8)
            }
            if shr(4, x) {
                x := shr(4, x)
                n := add(n, 4)
            }
            if shr(2, x) {
                x := shr(2, x)
                n := add(n, 2)
            }
            if shr(1, x) {
                x := shr(1, x)
                n := add(n, 1)
            }
            n := add(n, x)
        }
    }

    /// @notice The number of set bits in `x`.
    /// @param x The value.
    /// @return n The population count.
    function popCount(uint256 x) internal pure returns (uint256 n) {
        while (x != 0) {
            x &= x - 1;
            ++n;
        }
    }

    /// @notice The number of trailing zero bits of a non-zero `x`.
    /// @param x The value (callers pass x > 0; 0 yields 0).
    /// @return n The count of trailing zero bits.
    function trailingZeros(uint256 x) internal pure returns (uint256 n) {
        if (x == 0) return 0;
        // The lowest set bit alone (x & -x), then its position.
        unchecked {
            return bitLength(x & (~x + 1)) - 1;
        }
    }
}
