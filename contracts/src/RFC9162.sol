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

        bytes32 oldRoot = start == 0 ? root1 : proof[0];
        bytes32 newRoot = oldRoot;
        for (uint256 level; level < inner; ++level) {
            bytes32 sibling = proof[start + level];
            if ((index >> level) & 1 == 1) {
                oldRoot = hashChildren(sibling, oldRoot);
                newRoot = hashChildren(sibling, newRoot);
            } else {
                newRoot = hashChildren(newRoot, sibling);
            }
        }
        for (uint256 position = start + inner; position < expected; ++position) {
            oldRoot = hashChildren(proof[position], oldRoot);
            newRoot = hashChildren(proof[position], newRoot);
        }
        if (oldRoot != root1) revert OldRootMismatch(root1, oldRoot);
        if (newRoot != root2) revert NewRootMismatch(root2, newRoot);
    }

    /// @notice The number of bits needed to write `x` (0 for 0).
    /// @param x The value.
    /// @return n The position of the highest set bit plus one.
    function bitLength(uint256 x) internal pure returns (uint256 n) {
        while (x != 0) {
            x >>= 1;
            ++n;
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
        while (x & 1 == 0) {
            x >>= 1;
            ++n;
        }
    }
}
